"""The authorization matrix, tried cell by cell (core/access_matrix.py).

One test per route. For each method the route takes and each subject (anonymous and one person per role
in Riverside), the request must end as the matrix says; a refusal must not show the object's words, and a
refused write must change no row. Then the other hub: Riverside people guessing the ids of Northgate's
object, and Northgate's staff (Otto holds every staff role there) and member guessing Riverside's, are
refused unless the object is public. Pages that name no object must not show another hub's words.

The objects and signed-in clients are built once for the module; every request runs in a transaction
that is rolled back, so each cell starts from the same state.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from core import access_matrix as matrix
from core.access_matrix import AWAY, NO, ROUTES, SIGNED_IN, SUBJECTS, YES, Route
from tests.authz.payloads import payload_for
from tests.authz.routes import all_routes
from tests.authz.world import World, build_world

# Tables refused requests may legitimately write: the audit log records refused attempts.
UNCOUNTED = {"core_auditevent", "django_session"}
OUTSIDERS = ("outsider", "other_member")


class Harness:
    def __init__(self, world: World):
        self.world = world
        self.clients: dict[str, Client] = {"anonymous": Client()}
        for name in [*SUBJECTS[1:], *OUTSIDERS]:
            self.clients[name] = world.cast.client(name)
        self.cookies = {name: copy.deepcopy(client.cookies) for name, client in self.clients.items()}
        self.kwargs = dict(all_routes())
        tables = sorted(set(connection.introspection.table_names()) - UNCOUNTED)
        quote = connection.ops.quote_name
        # Table names come from the database's own catalogue, quoted: nothing from a request.
        counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)  # noqa: S608
        self.count_sql = f"SELECT {counts}"  # noqa: S608
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

    def row_counts(self) -> tuple:
        with connection.cursor() as cursor:
            cursor.execute(self.count_sql)
            return cursor.fetchone()

    def target_row(self, route: Route, side: str) -> Any:
        if not route.obj:
            return None
        obj = self.world.objects[route.obj][side] or self.world.objects[route.obj]["home"]
        return type(obj).objects.filter(pk=obj.pk).values().first()

    def ask(self, who: str, method: str, url: str, route: Route, side: str, check_writes: bool):
        """One request, rolled back; returns (response, whether rows changed)."""
        client = self.clients[who]
        client.cookies = copy.deepcopy(self.cookies[who])
        cache.clear()
        data = payload_for(route.name, self.world, side)
        with transaction.atomic():
            before = (self.row_counts(), self.target_row(route, side)) if check_writes else None
            if method == "GET":
                response = client.get(url)
            elif method == "PATCH":
                response = client.patch(url, json.dumps(data), content_type="application/json")
            else:
                response = client.post(url, data)
            changed = check_writes and before != (self.row_counts(), self.target_row(route, side))
            transaction.set_rollback(True)
        self.requests += 1
        return response, changed


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
    return response.content.decode("utf-8", "replace")


def _judge(
    expected: str, response, route: Route, method: str, changed: bool, token: str | None
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
        return "a refused write changed rows"
    if token and token in _body(response):
        return f"the refusal shows the object ({token})"
    return None


@pytest.fixture(scope="module")
def harness(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield Harness(build_world())
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_cell_of_the_route_ends_as_the_matrix_says(harness, route):
    problems: list[str] = []
    has_object = bool(route.obj) and route.obj not in matrix.SHARED_TYPES
    home = harness.url(route, "home")
    token = harness.world.tokens.get(route.obj, {})
    for method, access in route.methods().items():
        writes = method != "GET"
        for who in SUBJECTS:
            expected = access.outcome(who)
            response, changed = harness.ask(who, method, home, route, "home", writes and expected != YES)
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
                response, changed = harness.ask(who, method, url, route, side, writes and expected != YES)
                problem = _judge(expected, response, route, method, changed, token.get(side))
                if problem:
                    problems.append(f"{method} {url} as {who} (another hub's object): {problem}")
        elif method == "GET":
            for who in OUTSIDERS:
                response, _ = harness.ask(who, method, home, route, "home", False)
                if _outcome(response, route, method) == YES:
                    problem = _shows_other_hub(harness, response, "home")
                    if problem:
                        problems.append(f"GET {home} as {who} (Northgate): {problem}")
    assert not problems, "\n".join(problems)


def _shows_other_hub(harness: Harness, response, side: str) -> str | None:
    if response.get("Content-Type", "").startswith(("application/pdf", "application/vnd")):
        return None
    body = _body(response)
    leaked = [token for token in harness.private_tokens[side] if token in body]
    return f"shows another hub's objects: {leaked}" if leaked else None


def test_every_route_in_the_project_has_a_row_and_every_row_a_route():
    names = {name for name, _ in all_routes() if name.split(":")[0] not in matrix.PENDING_APPS}
    rows = {route.name for route in ROUTES}
    assert sorted(names - rows) == [], "routes with no row in core/access_matrix.py"
    assert sorted(rows - names) == [], "rows in core/access_matrix.py naming no route"


def test_each_row_names_the_object_its_url_arguments_fill():
    kwargs = dict(all_routes())
    for route in ROUTES:
        kinds = [spec[0] for k in kwargs[route.name] if (spec := matrix.arg_spec(route.name, k))]
        assert route.obj == (kinds[0] if kinds else ""), route.name
        assert all(kind in matrix.OBJECT_TYPES for kind in kinds), route.name
        unfilled = [k for k in kwargs[route.name] if not matrix.arg_spec(route.name, k)]
        assert set(unfilled) <= set(matrix.CONSTANT_ARGS), route.name
