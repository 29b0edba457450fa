import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.roles import Role
from core.testing import actor_for, make_person
from support import queries, services
from support.models import Referral
from support.tests.conftest import referral_data


def _accept(cast, service, name, worker=None):
    lin = cast.actor("link_worker")
    referral = services.create_referral(
        actor=lin, service=service, data=referral_data(full_name=name, postcode="RV1 1AA", date_of_birth="")
    )
    services.create_person_from_referral(actor=lin, referral=referral)
    return services.decide_referral(
        actor=lin, referral=referral, decision="accept", reason="ok", worker=worker
    )


def _count(fn):
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


def test_the_caseload_shows_last_contact_next_action_and_sessions_against_the_cap(cast, live_well):
    referral = _accept(cast, live_well, "Ann Able")
    Referral.objects.filter(pk=referral.pk).update(received_at=timezone.now() - dt.timedelta(days=10))
    lin = cast.actor("link_worker")
    services.record_session(
        actor=lin,
        referral=referral,
        held_on=timezone.localdate() - dt.timedelta(days=3),
        kind="phone",
        minutes=30,
    )
    services.record_session(
        actor=lin,
        referral=referral,
        held_on=timezone.localdate() - dt.timedelta(days=1),
        kind="phone",
        minutes=30,
    )
    services.set_next_action(
        actor=lin, referral=referral, text="Call about the choir", on=timezone.localdate()
    )
    load = queries.caseload(cast.link_worker)
    [row] = load.rows
    assert row.person.full_name == "Ann Able"
    assert row.last_contact == timezone.localdate() - dt.timedelta(days=1)
    assert (row.sessions_used, row.session_cap, row.at_cap) == (2, 5, False)
    assert row.referral.next_action == "Call about the choir"
    assert not load.over_limit and load.warning == ""


def test_sessions_used_counts_only_the_current_step(cast, live_well, coach):
    referral = _accept(cast, live_well, "Ann Able")
    lin = cast.actor("link_worker")
    for _ in range(5):
        services.record_session(
            actor=lin, referral=referral, held_on=timezone.localdate(), kind="phone", minutes=30
        )
    assert queries.caseload(cast.link_worker).rows[0].at_cap
    services.hand_over(
        actor=lin, referral=referral, worker=coach, step=live_well.steps.get(position=2), note="on"
    )
    [row] = queries.caseload(coach).rows
    assert (row.sessions_used, row.session_cap) == (0, 8)
    assert queries.caseload(cast.link_worker).rows == []


def test_a_caseload_over_the_hubs_limit_warns(cast, lac):
    services.update_support_settings(actor=cast.actor("coordinator"), caseload_limit=2)
    for name in ("Ann Able", "Ben Bold", "Cy Calm"):
        _accept(cast, lac, name)
    load = queries.caseload(cast.link_worker)
    assert load.size == 3 and load.over_limit
    assert load.warning == "Lin Linkworker holds 3 people, more than the hub's limit of 2."
    sizes = {c.worker.full_name: (c.size, c.over_limit) for c in queries.caseload_sizes(cast.hub)}
    assert sizes["Lin Linkworker"] == (3, True)
    assert sizes["Cora Coordinator"] == (0, False)


def test_the_caseload_costs_the_same_queries_however_long(cast, lac):
    _accept(cast, lac, "Ann Able")
    small, _ = _count(lambda: queries.caseload(cast.link_worker).rows)
    for i in range(6):
        referral = _accept(cast, lac, f"Person {i} Many")
        services.record_session(
            actor=cast.actor("link_worker"),
            referral=referral,
            held_on=timezone.localdate(),
            kind="phone",
            minutes=5,
        )
    large, load = _count(
        lambda: [
            (r.person.full_name, r.referral.service.name, r.referral.current_step.name)
            for r in queries.caseload(cast.link_worker).rows
        ]
    )
    assert len(load) == 7
    assert large == small


def test_referral_lists_cost_the_same_queries_however_long(cast, live_well, make_referral):
    make_referral(full_name="One Person")

    def render():
        return [
            (r.service.name, r.person, r.worker, r.current_step, r.referrer_person)
            for r in queries.referrals_in_hub(cast.hub)
        ]

    small, _ = _count(render)
    for i in range(8):
        make_referral(full_name=f"Person {i}")
    large, rows = _count(render)
    assert len(rows) == 9 and large == small
    small_q, _ = _count(lambda: list(queries.triage_queue(cast.hub)))
    assert small_q == 1


def test_referrer_list_and_session_list_are_constant(cast, live_well, accepted):
    rory = cast.actor("referrer")
    services.create_referral(actor=rory, service=live_well, data=referral_data(full_name="A B"))
    small, _ = _count(lambda: queries.referrals_for_referrer(rory))
    for i in range(5):
        services.create_referral(actor=rory, service=live_well, data=referral_data(full_name=f"A {i}"))
    large, views = _count(lambda: queries.referrals_for_referrer(rory))
    assert len(views) == 6 and large == small
    lin = cast.actor("link_worker")
    services.record_session(
        actor=lin, referral=accepted, held_on=timezone.localdate(), kind="phone", minutes=5
    )
    small, _ = _count(
        lambda: [
            (v.session.step.name, v.session.worker.full_name) for v in queries.sessions_for(lin, accepted)
        ]
    )
    for _ in range(4):
        services.record_session(
            actor=lin,
            referral=accepted,
            held_on=timezone.localdate(),
            kind="phone",
            minutes=5,
            sensitivity="sensitive",
        )
    large, rows = _count(
        lambda: [
            (v.session.step.name, v.session.worker.full_name) for v in queries.sessions_for(lin, accepted)
        ]
    )
    assert len(rows) == 5 and large == small


def test_the_triage_queue_puts_urgent_first_then_oldest(cast, make_referral):
    routine = make_referral(full_name="A Routine")
    urgent = make_referral(full_name="B Urgent", urgency="urgent")
    soon = make_referral(full_name="C Soon", urgency="soon")
    assert list(queries.triage_queue(cast.hub)) == [urgent, soon, routine]


def test_the_report_counts_by_source_reason_and_outcome(cast, live_well, make_referral):
    for i in range(6):
        make_referral(full_name=f"G {i}", source="gp", reasons=["isolation"])
    make_referral(full_name="N 1", source="nurse", reasons=["money", "housing"])
    exact = queries.support_report(cast.hub, exact=True)
    assert exact.referrals == 7
    assert dict(exact.by_source)["GP practice or clinician"] == 6
    assert dict(exact.by_source)["Nurse"] == 1
    assert dict(exact.by_reason)["Money"] == 1
    assert dict(exact.by_outcome)["Waiting for triage"] == 7
    outside = queries.support_report(cast.hub, exact=False)
    assert dict(outside.by_source)["Nurse"] == "fewer than 5"
    assert dict(outside.by_source)["GP practice or clinician"] == "6"
    assert dict(outside.by_source)["Family or friend"] == "0"


def test_the_report_gives_days_to_first_contact_sessions_and_onward_completion(cast, lac):
    referrals = [_accept(cast, lac, f"P{i} Person") for i in range(5)]
    lin = cast.actor("link_worker")
    for referral in referrals:
        services.record_session(
            actor=lin, referral=referral, held_on=timezone.localdate(), kind="phone", minutes=5
        )
    report = queries.support_report(cast.hub, exact=True)
    assert report.days_to_first_contact_median == 0.0
    assert report.sessions_per_person_mean == 1.0
    assert report.onward_total == 0
    assert report.caseload_sizes[0] == ("Lin Linkworker", 5, False)
    outside = queries.support_report(cast.hub, exact=False)
    assert outside.days_to_first_contact_median == 0.0  # five people: enough to show
    assert outside.caseload_sizes[0] == "5"


def test_averages_over_fewer_than_five_people_are_withheld_outside_the_team(cast, lac):
    referral = _accept(cast, lac, "Solo Person")
    services.record_session(
        actor=cast.actor("link_worker"),
        referral=referral,
        held_on=timezone.localdate(),
        kind="phone",
        minutes=5,
    )
    outside = queries.support_report(cast.hub, exact=False)
    assert outside.days_to_first_contact_median is None
    assert outside.sessions_per_person_mean is None
    assert outside.days_to_first_contact_count == "fewer than 5"
    assert queries.support_report(cast.hub, exact=True).days_to_first_contact_median == 0.0


def test_the_report_never_names_anyone_outside_the_team(cast, lac):
    _accept(cast, lac, "Ann Able")
    outside = queries.support_report(cast.hub, exact=False)
    assert "Lin" not in repr(outside) and "Ann" not in repr(outside)


def test_workers_for_a_step_hold_its_role(cast, live_well, coach):
    step = live_well.steps.get(position=1)
    assert set(queries.workers_for_step(cast.hub, step.role)) == {cast.link_worker, coach}


@pytest.mark.parametrize("kwargs", [{"status": "received"}, {"source": "gp"}, {"urgency": "routine"}])
def test_referrals_filter_by_status_source_and_urgency(cast, make_referral, kwargs):
    make_referral()
    assert queries.referrals_in_hub(cast.hub, **kwargs).count() == 1
    other = {"status": "closed", "source": "nurse", "urgency": "urgent"}
    key = next(iter(kwargs))
    assert queries.referrals_in_hub(cast.hub, **{key: other[key]}).count() == 0


def test_a_peer_and_a_worker_helper(cast):
    peer = make_person(cast.hub, "Pip Peer", Role.PEER_SUPPORTER)
    assert queries.crisis_plans_for_peer(actor_for(peer)) == []
