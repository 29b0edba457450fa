"""Fifty people press "Enrol" at the same moment for ten places, on PostgreSQL.

Each worker thread has its own database connection and calls groups.services.enrol as the page would.
The run's row is locked (SELECT … FOR UPDATE) before places are counted, so exactly ten get a place,
forty wait, and the waiting list follows the order in which the enrolments got the lock. SQLite allows
one writer at a time, so there is no race to find there; the test runs on PostgreSQL only.

Crediting on-call time is tested the same way: several coordinators' presses at once lock the periods
and credit each one once.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from core.testing import actor_for, build_cast, make_person
from groups import queries, services
from groups.models import Enrolment
from groups.tests.conftest import build_run

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has one writer at a time, so there are no concurrent enrolments",
    ),
]

PEOPLE = 50
PLACES = 10


def run_together(people, work):
    """Call work(person) in one thread per person, all released at once; return the errors."""
    barrier = threading.Barrier(len(people))
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(person):
        try:
            barrier.wait(timeout=30)
            work(person)
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            with lock:
                errors.append(error)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker is stuck"
    return errors


def test_fifty_enrolments_at_once_fill_ten_places_and_queue_forty_in_order():
    cast = build_cast()
    college = build_run(cast, capacity=PLACES)
    people = [make_person(cast.hub, f"Student{i} Concurrent", "member") for i in range(PEOPLE)]
    actors = {p.pk: actor_for(p) for p in people}

    errors = run_together(people, lambda p: services.enrol(actor=actors[p.pk], run=college.run, person=p))

    assert errors == []
    rows = list(Enrolment.objects.filter(run=college.run).order_by("id"))
    assert len(rows) == PEOPLE
    assert sum(r.status == Enrolment.Status.ENROLLED for r in rows) == PLACES
    assert sum(r.status == Enrolment.Status.WAITING for r in rows) == PEOPLE - PLACES
    # Arrival order is the order each enrolment got the run's lock: the first ten got the places and
    # the rest queue behind them, and ids and creation times agree on that order.
    assert [r.status for r in rows] == [Enrolment.Status.ENROLLED] * PLACES + [Enrolment.Status.WAITING] * (
        PEOPLE - PLACES
    )
    assert [r.created_at for r in rows] == sorted(r.created_at for r in rows)
    waiting = [r for r in rows if r.status == Enrolment.Status.WAITING]
    assert [queries.waiting_position(r) for r in waiting] == list(range(1, PEOPLE - PLACES + 1))


def test_places_freed_at_once_go_to_the_first_in_line_and_nobody_twice():
    cast = build_cast()
    college = build_run(cast, capacity=PLACES)
    people = [make_person(cast.hub, f"Student{i} Concurrent", "member") for i in range(PLACES + 20)]
    for p in people:
        services.enrol(actor=actor_for(p), run=college.run, person=p)
    holders = people[:PLACES]
    mine = {p.pk: Enrolment.objects.get(person=p) for p in holders}

    errors = run_together(
        holders, lambda p: services.cancel_enrolment(actor=actor_for(p), enrolment=mine[p.pk])
    )

    assert errors == []
    enrolled = list(Enrolment.objects.filter(status=Enrolment.Status.ENROLLED).order_by("id"))
    assert [e.person_id for e in enrolled] == [p.pk for p in people[PLACES : 2 * PLACES]]
    assert Enrolment.objects.filter(status=Enrolment.Status.WAITING).count() == 10


def test_crediting_on_call_time_from_several_pages_at_once_posts_each_period_once():
    from datetime import timedelta

    from django.utils import timezone

    from groups.models import OnCallCredit
    from support import services as support_services
    from timebank import services as timebank_services
    from timebank.models import Account, Transfer

    cast = build_cast()
    coordinator = actor_for(cast.coordinator)
    account = timebank_services.join(actor=coordinator, person=cast.peer)
    before = Account.objects.get(pk=account.pk).balance
    now = timezone.now().replace(microsecond=0)
    for hours_ago in (30, 20, 10):
        support_services.schedule_on_call(
            actor=coordinator,
            peer=cast.peer,
            starts_at=now - timedelta(hours=hours_ago),
            ends_at=now - timedelta(hours=hours_ago - 4),
        )
    presses = list(range(8))

    errors = run_together(
        presses,
        lambda _: services.credit_on_call_time(actor=coordinator, start=now - timedelta(days=7), end=now),
    )

    assert errors == []
    assert OnCallCredit.objects.count() == 3
    assert Transfer.objects.filter(kind=Transfer.Kind.ON_CALL).count() == 3
    rate = timebank_services.settings_for(cast.hub).on_call_minutes_per_hour
    assert Account.objects.get(pk=account.pk).balance == before + 3 * 4 * rate
