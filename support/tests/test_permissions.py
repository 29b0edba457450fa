import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from core.models import AuditEvent
from core.roles import Role
from core.testing import actor_for, make_person
from support import permissions, queries, services


def test_a_link_worker_cannot_open_a_referral_outside_their_hub(cast, accepted):
    with pytest.raises(Http404):
        permissions.get_referral_for(cast.actor("outsider"), accepted.pk)
    denied = AuditEvent.objects.get(hub=cast.other_hub, action=AuditEvent.Action.DENIED)
    assert f"#{accepted.pk}" in denied.summary


def test_a_missing_or_junk_id_is_a_404(cast):
    for junk in (999999, "abc", None, "9" * 40):
        with pytest.raises(Http404):
            permissions.get_referral_for(cast.actor("link_worker"), junk)


def test_opening_a_referral_is_audited_as_a_view(cast, accepted):
    assert permissions.get_referral_for(cast.actor("link_worker"), accepted.pk) == accepted
    assert AuditEvent.objects.filter(
        person=cast.member, action=AuditEvent.Action.VIEW, summary__contains="referral"
    ).exists()


@pytest.mark.parametrize(
    "name, allowed",
    [
        ("link_worker", True),
        ("coordinator", True),
        ("member", True),  # their own referral
        ("member2", False),
        ("peer", False),
        ("volunteer", False),
        ("broker", False),
        ("referrer", False),  # did not make this one
        ("commissioner", False),
        ("administrator", False),
    ],
)
def test_who_may_view_a_referral(cast, accepted, name, allowed):
    assert permissions.can_view_referral(cast.actor(name), accepted) is allowed
    if not allowed:
        with pytest.raises(PermissionDenied):
            permissions.get_referral_for(cast.actor(name), accepted.pk)
        assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, person=cast.member).exists()


def test_a_referrer_sees_the_status_of_their_own_referrals_only(cast, live_well, make_referral):
    from support.tests.conftest import referral_data

    rory = cast.actor("referrer")
    mine = services.create_referral(actor=rory, service=live_well, data=referral_data(full_name="Ann Other"))
    theirs = make_referral(full_name="Bo Other")
    assert permissions.can_view_referral_status(rory, mine)
    assert not permissions.can_view_referral(rory, mine)  # status, not the record
    assert not permissions.can_view_referral_status(rory, theirs)
    assert permissions.get_referral_for(rory, mine.pk, action="status") == mine
    with pytest.raises(PermissionDenied):
        permissions.get_referral_for(rory, theirs.pk, action="status")
    with pytest.raises(PermissionDenied):
        permissions.get_referral_for(rory, mine.pk)
    views = queries.referrals_for_referrer(rory)
    assert [v.id for v in views] == [mine.pk]


def test_a_referrer_hears_the_outcome_only_with_consent(cast, live_well):
    from support.tests.conftest import referral_data

    rory = cast.actor("referrer")
    told = services.create_referral(actor=rory, service=live_well, data=referral_data(full_name="A One"))
    untold = services.create_referral(
        actor=rory, service=live_well, data=referral_data(full_name="B Two", consent_to_report_back=False)
    )
    for referral in (told, untold):
        services.decide_referral(
            actor=cast.actor("link_worker"), referral=referral, decision="decline", reason="Full this month"
        )
    views = {v.id: v for v in queries.referrals_for_referrer(rory)}
    assert views[told.pk].outcome == "Full this month"
    assert views[untold.pk].outcome == ""
    assert views[untold.pk].status_label == "Declined"


def test_people_who_are_not_referrers_get_no_referrer_list(cast, accepted):
    assert queries.referrals_for_referrer(cast.actor("link_worker")) == []
    assert queries.referrals_for_referrer(cast.actor("member")) == []


# ---- sensitive notes ---------------------------------------------------------------------------


@pytest.fixture
def noted(cast, accepted):
    lin = cast.actor("link_worker")
    services.record_session(
        actor=lin,
        referral=accepted,
        held_on=timezone.localdate(),
        kind="phone",
        minutes=20,
        notes="Talked about the allotment",
    )
    services.record_session(
        actor=lin,
        referral=accepted,
        held_on=timezone.localdate(),
        kind="home_visit",
        minutes=60,
        notes="Disclosed debt to a relative",
        sensitivity="sensitive",
    )
    return accepted


def _notes(actor, referral):
    return [(v.notes, v.notes_hidden) for v in queries.sessions_for(actor, referral)]


def test_the_persons_worker_and_coordinators_read_sensitive_notes(cast, noted):
    for name in ("link_worker", "coordinator"):
        assert _notes(cast.actor(name), noted) == [
            ("Talked about the allotment", False),
            ("Disclosed debt to a relative", False),
        ]


def test_other_workers_and_the_member_do_not_read_sensitive_notes(cast, noted):
    other_worker = make_person(cast.hub, "Wyn Worker", Role.LINK_WORKER)
    for actor in (actor_for(other_worker), cast.actor("member")):
        assert _notes(actor, noted) == [("Talked about the allotment", False), ("", True)]


def test_a_former_worker_keeps_reading_after_a_hand_over(cast, noted, coach, live_well):
    services.hand_over(
        actor=cast.actor("link_worker"),
        referral=noted,
        worker=coach,
        step=live_well.steps.get(position=2),
        note="on",
    )
    noted.refresh_from_db()
    assert permissions.can_view_sensitive_notes(cast.actor("link_worker"), noted)
    assert permissions.can_view_sensitive_notes(actor_for(coach), noted)


def test_sensitive_notes_never_cross_hubs(cast, noted):
    assert not permissions.can_view_sensitive_notes(cast.actor("outsider"), noted)


# ---- caseloads and reports ---------------------------------------------------------------------


def test_a_worker_sees_their_own_caseload_and_coordinators_see_all(cast, coach):
    assert permissions.can_view_caseload(cast.actor("link_worker"), cast.link_worker)
    assert not permissions.can_view_caseload(cast.actor("link_worker"), coach)
    assert permissions.can_view_caseload(cast.actor("coordinator"), coach)
    assert not permissions.can_view_caseload(cast.actor("outsider"), cast.link_worker)
    assert not permissions.can_view_caseload(cast.actor("member"), cast.link_worker)


@pytest.mark.parametrize(
    "name, reports, exact",
    [
        ("link_worker", True, True),
        ("coordinator", True, True),
        ("commissioner", True, False),
        ("administrator", True, False),
        ("member", False, False),
        ("referrer", False, False),
        ("peer", False, False),
    ],
)
def test_who_sees_reports_and_who_sees_exact_figures(cast, name, reports, exact):
    actor = cast.actor(name)
    assert permissions.can_view_reports(actor) is reports
    assert permissions.sees_exact_figures(actor) is exact


@pytest.mark.parametrize("name", ["link_worker", "coordinator"])
def test_the_support_team_may_take_uploads_and_triage(cast, accepted, name):
    assert permissions.can_upload_referrals(cast.actor(name))
    assert permissions.can_triage(cast.actor(name), accepted)


def test_outsiders_in_their_own_hub_cannot_work_with_riverside_referrals(cast, accepted):
    outsider = cast.actor("outsider")
    assert not permissions.can_triage(outsider, accepted)
    assert not permissions.can_work_with(outsider, accepted)
    with pytest.raises(PermissionDenied):
        services.record_session(
            actor=outsider, referral=accepted, held_on=timezone.localdate(), kind="phone", minutes=5
        )
