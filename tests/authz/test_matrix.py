"""The authorization matrix, tried cell by cell (core/access_matrix.py).

One test per route. For each method the route takes and each subject (anonymous and one person per role
in Riverside), the request must end as the matrix says; a refusal must not show the object's words, and a
refused write must change no row. Then the other hub: Riverside people guessing the ids of Northgate's
object, and Northgate's staff (Otto holds every staff role there) and member guessing Riverside's, are
refused unless the object is public. Pages that name no object must not show another hub's words.

The objects and signed-in clients are built once for the module, in a transaction that is never
committed; after every request the database is rolled back to a savepoint holding the world as built, so
each cell starts from the same state. Callbacks a request registers with transaction.on_commit are
dropped with its writes (`ask` checks), and no view these routes reach writes files.

A refused write must change nothing: every SQL statement the request runs passes through `Writes`,
which notes the tables whose rows an INSERT, UPDATE or DELETE touched and forgets those a rolled-back
savepoint undid. That sees updates as well as new rows, in every table, at no cost per table.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from core import access_matrix as matrix
from core.access_matrix import AWAY, NO, ROUTES, SIGNED_IN, SUBJECTS, YES, Route
from core.models import AuditEvent, Hub
from core.roles import Role
from core.testing import actor_for, make_person
from people.models import Person
from rights import services as rights
from tests.authz.payloads import payload_for
from tests.authz.routes import all_routes
from tests.authz.world import World, build_world

# Tables refused requests may legitimately write: the audit log records refused attempts.
UNCOUNTED = {"core_auditevent", "django_session"}
OUTSIDERS = ("outsider", "other_member")

_SAVEPOINT = re.compile(r'\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\s+"?(\w+)"?', re.IGNORECASE)
_INSERT = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO)\s+"?(\w+)"?', re.IGNORECASE)
_CHANGE = re.compile(r'\s*(?:UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class Writes:
    """A connection.execute_wrapper that notes the tables each kept write touched.

    Savepoints are followed as a stack: a write inside one that is rolled back is forgotten, one inside
    one that is released belongs to the enclosing level. A statement that is neither a read, a write
    nor a savepoint is noted as it is, so nothing unrecognised passes as harmless.
    """

    def __init__(self) -> None:
        self.frames: list[tuple[str | None, set[str]]] = [(None, set())]

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if savepoint := _SAVEPOINT.match(sql):
            self._savepoint(savepoint.group(1).split()[0].upper(), savepoint.group(2))
        elif insert := _INSERT.match(sql):
            # Always a change: an INSERT ... RETURNING has no row count until its rows are read.
            self.frames[-1][1].add(insert.group(1))
        elif change := _CHANGE.match(sql):
            # An UPDATE or DELETE that matched no row changed nothing (-1: the driver cannot tell).
            if context["cursor"].rowcount != 0:
                self.frames[-1][1].add(change.group(1))
        elif not sql.lstrip()[:6].upper() == "SELECT":
            self.frames[-1][1].add(sql.strip()[:60])
        return result

    def _savepoint(self, verb: str, sid: str) -> None:
        names = [name for name, _ in self.frames]
        if verb == "SAVEPOINT":
            self.frames.append((sid, set()))
        elif sid not in names:
            # Released or rolled back past where watching began: a rollback undoes all that was seen.
            if verb == "ROLLBACK":
                self.frames = [(None, set())]
        elif verb == "RELEASE":
            at = names.index(sid)
            for _, tables in self.frames[at:]:
                self.frames[at - 1][1].update(tables)
            del self.frames[at:]
        else:  # ROLLBACK TO: the savepoint stays, emptied, until Django releases it.
            at = names.index(sid)
            del self.frames[at + 1 :]
            self.frames[at][1].clear()

    def kept(self) -> set[str]:
        return set().union(*(tables for _, tables in self.frames))


class Harness:
    def __init__(self, world: World):
        self.world = world
        self.clients: dict[str, Client] = {"anonymous": Client()}
        for name in [*SUBJECTS[1:], *OUTSIDERS]:
            self.clients[name] = world.cast.client(name)
        self.cookies = {name: copy.deepcopy(client.cookies) for name, client in self.clients.items()}
        self.kwargs = dict(all_routes())
        public = {r.obj for r in ROUTES if r.obj and r.other_hub} | matrix.SHARED_TYPES
        self.private_tokens = {
            side: [t[side] for kind, t in world.tokens.items() if kind not in public]
            for side in ("home", "away")
        }
        self.requests = 0

    def url(self, route: Route, side: str) -> str:
        values: dict[str, Any] = {}
        for kwarg in self.kwargs[route.name]:
            spec = matrix.arg_spec(route.name, kwarg)
            if spec is None:
                values[kwarg] = matrix.CONSTANT_ARGS[kwarg]
                continue
            objects = self.world.objects[spec[0]]
            values[kwarg] = getattr(objects[side] or objects["home"], spec[1])
        return reverse(route.name, kwargs=values)

    @contextmanager
    def world_as_built(self) -> Iterator[None]:
        """A savepoint holding the world as built, for `ask` to return to after every request. Its
        ROLLBACK TO keeps it for the next request: one statement a request rather than three."""
        with transaction.atomic():
            self.savepoint = connection.savepoint_ids[-1]
            self.callbacks = len(connection.run_on_commit)
            yield
            transaction.set_rollback(True)

    def ask(self, who: str, method: str, url: str, route: Route, side: str) -> tuple[Any, set[str]]:
        """One request, rolled back; returns the response and the tables whose rows it changed (the
        audit log and sessions left out)."""
        client = self.clients[who]
        client.cookies = copy.deepcopy(self.cookies[who])
        cache.clear()
        data = payload_for(route.name, self.world, side)
        writes = Writes()
        try:
            with connection.execute_wrapper(writes):
                if method == "GET":
                    response = client.get(url)
                elif method == "PATCH":
                    response = client.patch(url, json.dumps(data), content_type="application/json")
                else:
                    response = client.post(url, data)
        finally:
            # Django also drops the transaction.on_commit callbacks registered since the savepoint.
            transaction.savepoint_rollback(self.savepoint)
        assert len(connection.run_on_commit) == self.callbacks, "an on_commit callback outlived its request"
        self.requests += 1
        return response, writes.kept() - UNCOUNTED


def _outcome(response, route: Route, method: str) -> str:
    status = response.status_code
    location = response.get("Location", "") if 300 <= status < 400 else ""
    to_sign_in = location.startswith(("/accounts/sign-in", "/accounts/two-factor"))
    if 200 <= status < 300 or (status == 400 and method != "GET"):
        return YES
    if location and (not to_sign_in or route.lands_on_sign_in):
        return "redirect"
    if status in (401, 403, 404, 405) or to_sign_in:
        return NO
    return f"status {status}"


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    if response.get("Content-Type", "") == "application/zip":
        # A download of everything held: search the text inside the archive, not its compressed bytes.
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            texts = [archive.read(n) for n in archive.namelist() if not n.endswith(".pdf")]
        return b"\n".join(texts).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _judge(
    expected: str, response, route: Route, method: str, changed: set[str], token: str | None
) -> str | None:
    """What is wrong with this cell, or None."""
    got = _outcome(response, route, method)
    if expected == YES:
        return None if got in (YES, "redirect") else f"expected yes, got {got}"
    if expected == AWAY and got != "redirect":
        return f"expected a redirect elsewhere, got {got}"
    if expected == NO and got != NO:
        return f"expected a refusal, got {got} ({response.status_code})"
    if changed:
        return f"a refused request changed rows in {sorted(changed)}"
    if token and token in _body(response):
        return f"the refusal shows the object ({token})"
    return None


@pytest.fixture(scope="module")
def harness(django_db_setup, django_db_blocker):
    # The module's transaction is never committed; the request log's line per request (and the
    # traceback of each refusal) would only be formatted for pytest to throw away.
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        _silenced("coproduce.request", "django.request"),
        transaction.atomic(),
    ):
        yield Harness(build_world())
        transaction.set_rollback(True)


@contextmanager
def _silenced(*names: str) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names]
    was = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        yield
    finally:
        for logger, disabled in zip(loggers, was, strict=True):
            logger.disabled = disabled


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_cell_of_the_route_ends_as_the_matrix_says(harness, route):
    with harness.world_as_built():
        problems = _try_every_cell(harness, route)
    assert not problems, "\n".join(problems)


def _try_every_cell(harness: Harness, route: Route) -> list[str]:
    problems: list[str] = []
    has_object = bool(route.obj) and route.obj not in matrix.SHARED_TYPES
    home = harness.url(route, "home")
    token = harness.world.tokens.get(route.obj, {})
    for method, access in route.methods().items():
        for who in SUBJECTS:
            expected = access.outcome(who)
            response, changed = harness.ask(who, method, home, route, "home")
            problem = _judge(expected, response, route, method, changed, token.get("home"))
            if problem is None and expected == YES and method == "GET":
                problem = _shows_other_hub(harness, response, "away")
            if problem:
                problems.append(f"{method} {home} as {who}: {problem}")
        if has_object:
            away = harness.url(route, "away")
            expected_away = {who: YES if who in route.other_hub else NO for who in SIGNED_IN}
            # Northgate's staff and member guessing Riverside's object.
            guesses = [(who, home, "home", YES if route.other_hub else NO) for who in OUTSIDERS]
            guesses += [(who, away, "away", expected_away[who]) for who in SUBJECTS if who in SIGNED_IN]
            for who, url, side, expected in guesses:
                response, changed = harness.ask(who, method, url, route, side)
                problem = _judge(expected, response, route, method, changed, token.get(side))
                if problem:
                    problems.append(f"{method} {url} as {who} (another hub's object): {problem}")
        elif method == "GET":
            for who in OUTSIDERS:
                response, _ = harness.ask(who, method, home, route, "home")
                if _outcome(response, route, method) == YES:
                    problem = _shows_other_hub(harness, response, "home")
                    if problem:
                        problems.append(f"GET {home} as {who} (Northgate): {problem}")
    return problems


def _shows_other_hub(harness: Harness, response, side: str) -> str | None:
    if response.get("Content-Type", "").startswith(("application/pdf", "application/vnd")):
        return None
    body = _body(response)
    leaked = [token for token in harness.private_tokens[side] if token in body]
    return f"shows another hub's objects: {leaked}" if leaked else None


@pytest.mark.django_db
def test_the_write_watcher_keeps_what_stays_written_and_forgets_what_is_rolled_back(harness):
    mia = harness.world.cast.member2
    writes = Writes()
    with transaction.atomic():
        with connection.execute_wrapper(writes):
            with transaction.atomic():
                Person.objects.filter(pk=mia.pk).update(full_name="Undone")
                transaction.set_rollback(True)
            Person.objects.filter(pk=0).update(full_name="Nobody")
            assert writes.kept() == set()
            with transaction.atomic():
                with transaction.atomic():
                    Hub.objects.create(name="Watched", slug="watched")
                with connection.cursor() as cursor:
                    cursor.execute("update people_person set pronouns = 'they' where id = %s", [mia.pk])
                    cursor.execute("VALUES (1)")
        transaction.set_rollback(True)
    assert writes.kept() == {"core_hub", "people_person", "VALUES (1)"}


@pytest.mark.django_db
def test_an_erasure_a_cell_carries_out_is_undone_before_the_next_cell(harness):
    """The world's erasure request cannot be carried out (Mo's referral is open), so this one can: a
    member with nothing in the way, erased by the coordinator through the harness."""
    route = matrix.BY_NAME["rights:erase"]
    with transaction.atomic():
        erin = make_person(harness.world.cast.hub, "Erin Erasable", Role.MEMBER)
        asked = rights.make_request(actor=actor_for(erin), person=erin, kind="erasure")
        url = reverse(route.name, kwargs={"request_id": asked.pk})
        with harness.world_as_built():
            response, changed = harness.ask("coordinator", "POST", url, route, "home")
            assert response.status_code == 302
            assert response["Location"] == reverse("rights:request", kwargs={"request_id": asked.pk})
            assert {"people_person", "rights_rightsrequest"} <= changed, "the erasure wrote nothing"
            # What the next cell finds:
            erin.refresh_from_db()
            asked.refresh_from_db()
            assert (erin.full_name, erin.email, asked.status) == ("Erin Erasable", "erin@example.org", "open")
            assert not AuditEvent.objects.filter(action=AuditEvent.Action.ERASE).exists()
        transaction.set_rollback(True)


def test_every_route_in_the_project_has_a_row_and_every_row_a_route():
    names = {name for name, _ in all_routes()}
    rows = {route.name for route in ROUTES}
    assert sorted(names - rows) == [], "routes with no row in core/access_matrix.py"
    assert sorted(rows - names) == [], "rows in core/access_matrix.py naming no route"
    # The document shows the apps in matrix.APPS only: a row of any other app would be left out of it.
    assert {route.app for route in ROUTES} == set(matrix.APPS)


def test_each_row_names_the_object_its_url_arguments_fill():
    kwargs = dict(all_routes())
    for route in ROUTES:
        kinds = [spec[0] for k in kwargs[route.name] if (spec := matrix.arg_spec(route.name, k))]
        assert route.obj == (kinds[0] if kinds else ""), route.name
        assert all(kind in matrix.OBJECT_TYPES for kind in kinds), route.name
        unfilled = [k for k in kwargs[route.name] if not matrix.arg_spec(route.name, k)]
        assert set(unfilled) <= set(matrix.CONSTANT_ARGS), route.name
