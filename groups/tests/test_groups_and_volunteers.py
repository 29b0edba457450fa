"""Service tests for community groups, volunteers, development days and the reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.testing import actor_for, make_person
from directory.models import Service
from groups import queries, services
from groups.models import (
    BackgroundCheck,
    Group,
    GroupMeeting,
    GroupMembership,
    NominatedIssue,
    Supervision,
    VolunteerApplication,
    VolunteerHours,
)
from groups.tests.conftest import build_run, make_place

# ---- groups ----


@pytest.fixture
def walking(cast):
    service = Service.objects.create(hub=cast.hub, name="Riverside walking group")
    return services.create_group(
        actor=cast.actor("coordinator"),
        name="Riverside walkers",
        kind=Group.Kind.WALKING,
        meets="Every Tuesday at 10am",
        lead=cast.member,
        service_id=str(service.pk),
    )


def test_a_group_links_to_its_directory_page_and_its_lead_is_a_member(cast, walking):
    assert walking.service.name == "Riverside walking group"
    assert queries.is_member(walking, cast.member)
    assert queries.groups_for_hub(cast.hub).get().member_count == 1


def test_a_group_cannot_point_at_another_hubs_private_service(cast):
    theirs = Service.objects.create(hub=cast.other_hub, name="Northgate knitters")
    with pytest.raises(DomainError) as caught:
        services.create_group(
            actor=cast.actor("coordinator"), name="Knit", kind=Group.Kind.CRAFT, service_id=str(theirs.pk)
        )
    assert "service" in caught.value.field_errors
    assert not Group.objects.exists()


def test_bad_group_details_are_all_reported_and_nothing_is_written(cast):
    with pytest.raises(DomainError) as caught:
        services.create_group(
            actor=cast.actor("coordinator"), name="", kind="party", lead=cast.other_member, service_id="nope"
        )
    assert set(caught.value.field_errors) == {"name", "kind", "lead", "service"}
    assert not Group.objects.exists()


def test_only_coordinators_start_groups(cast):
    for name in ("member", "link_worker", "peer"):
        with pytest.raises(PermissionDenied):
            services.create_group(actor=cast.actor(name), name="Coffee", kind=Group.Kind.COFFEE_MORNING)


def test_members_join_and_leave_but_the_lead_stays_until_replaced(cast, walking):
    services.join_group(actor=cast.actor("member2"), group=walking, person=cast.member2)
    with pytest.raises(Conflict, match="already a member"):
        services.join_group(actor=cast.actor("member2"), group=walking, person=cast.member2)
    services.leave_group(actor=cast.actor("member2"), group=walking, person=cast.member2)
    assert not queries.is_member(walking, cast.member2)
    services.join_group(actor=cast.actor("member2"), group=walking, person=cast.member2)
    assert GroupMembership.objects.filter(person=cast.member2).count() == 2
    with pytest.raises(Conflict, match="lead cannot leave"):
        services.leave_group(actor=cast.actor("member"), group=walking, person=cast.member)
    services.set_group_lead(actor=cast.actor("coordinator"), group=walking, lead=cast.member2)
    services.leave_group(actor=cast.actor("member"), group=walking, person=cast.member)
    assert list(queries.group_members(walking)) == [cast.member2]


def test_a_member_cannot_sign_someone_else_up(cast, walking):
    with pytest.raises(PermissionDenied):
        services.join_group(actor=cast.actor("member2"), group=walking, person=cast.peer)
    with pytest.raises(PermissionDenied):
        services.join_group(actor=cast.actor("commissioner"), group=walking, person=cast.commissioner)


def test_the_lead_records_meetings_and_how_many_came(cast, walking):
    place = make_place(cast.hub, "Riverside Park gates")
    last_week = timezone.now() - timedelta(days=7)
    meeting = services.record_meeting(
        actor=cast.actor("member"), group=walking, starts_at=last_week, location=place
    )
    services.record_meeting_count(actor=cast.actor("member"), meeting=meeting, attended=12)
    assert GroupMeeting.objects.get().attended == 12
    assert queries.groups_for_hub(cast.hub).get().last_attended == 12
    for name in ("member2", "peer", "link_worker"):
        with pytest.raises(PermissionDenied):
            services.record_meeting_count(actor=cast.actor(name), meeting=meeting, attended=3)


def test_heads_are_counted_only_once_a_meeting_has_started(cast, walking):
    lead = cast.actor("member")
    tomorrow = timezone.now() + timedelta(days=1)
    with pytest.raises(DomainError) as caught:
        services.record_meeting(actor=lead, group=walking, starts_at=tomorrow, attended=4)
    assert "attended" in caught.value.field_errors
    meeting = services.record_meeting(actor=lead, group=walking, starts_at=tomorrow, online=True)
    for bad in (-1, 1001, "many", True):
        with pytest.raises(DomainError):
            services.record_meeting_count(actor=lead, meeting=meeting, attended=bad)
    assert GroupMeeting.objects.get().attended is None


# ---- volunteers ----


@pytest.fixture
def befriender(cast):
    return services.create_volunteer_role(
        actor=cast.actor("coordinator"), title="Befriender", needs_background_check=True
    )


def test_a_person_applies_once_for_a_role(cast, befriender):
    application = services.apply_to_volunteer(
        actor=cast.actor("member"), role=befriender, why="I like people"
    )
    assert application.status == VolunteerApplication.Status.RECEIVED
    with pytest.raises(Conflict):
        services.apply_to_volunteer(actor=cast.actor("member"), role=befriender)
    assert list(queries.applications_to_decide(cast.hub)) == [application]


def test_a_role_that_needs_a_check_is_accepted_only_with_a_current_one(cast, befriender):
    cora = cast.actor("coordinator")
    application = services.apply_to_volunteer(actor=cast.actor("member"), role=befriender)
    with pytest.raises(DomainError, match="needs a background check"):
        services.decide_application(actor=cora, application=application, accept=True)
    today = timezone.localdate()
    services.record_background_check(
        actor=cora,
        person=cast.member,
        kind="Enhanced DBS",
        checked_on=today - timedelta(days=1100),
        expires_on=today - timedelta(days=5),
    )
    with pytest.raises(DomainError, match="needs a background check"):
        services.decide_application(actor=cora, application=application, accept=True)
    services.record_background_check(
        actor=cora,
        person=cast.member,
        kind="Enhanced DBS",
        checked_on=today,
        expires_on=today + timedelta(days=1095),
        reference="001234567890",
    )
    decided = services.decide_application(actor=cora, application=application, accept=True)
    assert (
        decided.status == VolunteerApplication.Status.ACCEPTED and decided.decided_by == cast.coordinator.user
    )
    with pytest.raises(Conflict):
        services.decide_application(actor=cora, application=application, accept=False)


def test_bad_check_dates_are_refused(cast):
    cora = cast.actor("coordinator")
    today = timezone.localdate()
    with pytest.raises(DomainError, match="cannot be in the future"):
        services.record_background_check(
            actor=cora, person=cast.member, kind="DBS", checked_on=today + timedelta(days=1), expires_on=today
        )
    with pytest.raises(DomainError, match="expiry date must be after"):
        services.record_background_check(
            actor=cora, person=cast.member, kind="DBS", checked_on=today, expires_on=today
        )
    assert not BackgroundCheck.objects.exists()
    with pytest.raises(PermissionDenied):
        services.record_background_check(
            actor=cast.actor("member"), person=cast.member, kind="DBS", checked_on=today, expires_on=today
        )


def test_expiry_warnings_list_what_runs_out_soon_and_forget_what_was_renewed(cast):
    cora = cast.actor("coordinator")
    today = timezone.localdate()

    def check(person, checked, expires):
        services.record_background_check(
            actor=cora, person=person, kind="Enhanced DBS", checked_on=checked, expires_on=expires
        )

    check(cast.volunteer, today - timedelta(days=1000), today + timedelta(days=20))
    check(cast.peer, today - timedelta(days=1100), today - timedelta(days=3))
    check(cast.member, today - timedelta(days=10), today + timedelta(days=400))
    check(cast.member2, today - timedelta(days=1100), today - timedelta(days=30))
    check(cast.member2, today - timedelta(days=20), today + timedelta(days=1000))  # renewed
    services.record_training(
        actor=cora,
        person=cast.volunteer,
        title="Safeguarding",
        completed_on=today - timedelta(days=700),
        expires_on=today + timedelta(days=10),
    )
    warnings = queries.expiry_warnings(cast.hub)
    assert [(w.person.full_name, w.what, w.expired) for w in warnings] == [
        ("Pat Peer", "Enhanced DBS", True),
        ("Val Volunteer", "Training: Safeguarding", False),
        ("Val Volunteer", "Enhanced DBS", False),
    ]


def test_supervision_records_who_and_what_kind(cast):
    cora = cast.actor("coordinator")
    today = timezone.localdate()
    services.record_supervision(
        actor=cora, person=cast.volunteer, supervisor=cast.peer, held_on=today, kind=Supervision.Kind.PEER
    )
    services.record_supervision(
        actor=cora,
        person=cast.volunteer,
        supervisor=cast.coordinator,
        held_on=today - timedelta(days=30),
        kind=Supervision.Kind.MANAGERIAL,
    )
    record = queries.volunteer_record(cast.volunteer)
    assert [(s.supervisor.full_name, s.kind) for s in record["supervisions"]] == [
        ("Pat Peer", "peer"),
        ("Cora Coordinator", "managerial"),
    ]


@pytest.mark.parametrize(
    ("supervisor", "kind", "days_ahead", "field"),
    [
        ("volunteer", "managerial", 0, "supervisor"),
        ("broker", "peer", 0, "supervisor"),
        ("coordinator", "chat", 0, "kind"),
        ("coordinator", "managerial", 3, "held_on"),
        ("outsider", "managerial", 0, "supervisor"),
    ],
)
def test_bad_supervision_is_refused(cast, supervisor, kind, days_ahead, field):
    with pytest.raises(DomainError) as caught:
        services.record_supervision(
            actor=cast.actor("coordinator"),
            person=cast.volunteer,
            supervisor=getattr(cast, supervisor),
            held_on=timezone.localdate() + timedelta(days=days_ahead),
            kind=kind,
        )
    assert field in caught.value.field_errors
    assert not Supervision.objects.exists()


def test_volunteers_record_their_own_hours_and_nobody_elses(cast):
    today = timezone.localdate()
    services.record_volunteer_hours(
        actor=cast.actor("volunteer"), person=cast.volunteer, worked_on=today, minutes=90
    )
    with pytest.raises(PermissionDenied):
        services.record_volunteer_hours(
            actor=cast.actor("volunteer"), person=cast.peer, worked_on=today, minutes=60
        )
    for minutes in (0, 24 * 60 + 1, "lots"):
        with pytest.raises(DomainError):
            services.record_volunteer_hours(
                actor=cast.actor("coordinator"), person=cast.volunteer, worked_on=today, minutes=minutes
            )
    assert queries.volunteer_record(cast.volunteer)["total_minutes"] == 90
    assert VolunteerHours.objects.count() == 1


# ---- development days ----


def test_the_next_development_days_agenda_is_what_volunteers_nominated(cast):
    cora = cast.actor("coordinator")
    services.nominate_issue(actor=cast.actor("volunteer"), text="Writing notes after a visit")
    services.nominate_issue(actor=cast.actor("peer"), text="Peer workers in care planning")
    today = timezone.localdate()
    next_day = services.schedule_development_day(
        actor=cora, held_on=today + timedelta(days=30), title="Spring"
    )
    later = services.schedule_development_day(actor=cora, held_on=today + timedelta(days=120))
    with pytest.raises(Conflict, match="earlier development day"):
        services.build_agenda(actor=cora, day=later)
    agenda = services.build_agenda(actor=cora, day=next_day)
    assert [i.text for i in agenda] == ["Writing notes after a visit", "Peer workers in care planning"]
    services.nominate_issue(actor=cast.actor("volunteer"), text="Lone working")
    assert [i.text for i in queries.issues_waiting(cast.hub)] == ["Lone working"]
    [day, _] = queries.development_days(cast.hub)
    assert [i.nominated_by.full_name for i in day.agenda.all()] == ["Val Volunteer", "Pat Peer"]


def test_only_volunteers_and_peers_nominate_and_only_coordinators_build_agendas(cast):
    for name in ("member", "coordinator", "commissioner"):
        with pytest.raises(PermissionDenied):
            services.nominate_issue(actor=cast.actor(name), text="Something")
    with pytest.raises(DomainError):
        services.nominate_issue(actor=cast.actor("volunteer"), text=" ")
    assert not NominatedIssue.objects.exists()
    day = services.schedule_development_day(
        actor=cast.actor("coordinator"), held_on=timezone.localdate() + timedelta(days=5)
    )
    with pytest.raises(PermissionDenied):
        services.build_agenda(actor=cast.actor("volunteer"), day=day)
    with pytest.raises(Conflict):
        services.schedule_development_day(actor=cast.actor("coordinator"), held_on=day.held_on)


# ---- reports ----


def test_the_report_counts_enrolments_completions_attendance_waiting_and_hours(cast):
    college = build_run(cast, capacity=6, sessions=1, first_days_ago=-1)
    people = [make_person(cast.hub, f"Student{i} Report", "member") for i in range(8)]
    enrolments = [services.enrol(actor=actor_for(p), run=college.run, person=p) for p in people]
    now = timezone.now()
    past = []
    for days in (14, 7, 0):
        start = now - timedelta(days=days, minutes=5)
        past.append(
            services.add_session(
                actor=cast.actor("coordinator"),
                run=college.run,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                location=college.place,
            )
        )
    placed = [e for e in enrolments if e.status == "enrolled"]
    for session in past:
        services.take_register(
            actor=cast.actor("peer"), session=session, present={e.pk: i < 5 for i, e in enumerate(placed)}
        )
    services.record_volunteer_hours(
        actor=cast.actor("volunteer"), person=cast.volunteer, worked_on=timezone.localdate(), minutes=150
    )
    start, end = timezone.localdate() - timedelta(days=30), timezone.localdate() + timedelta(days=30)
    report = queries.report(cast.hub, start=start, end=end, suppressed=False)
    # 6 places, 5 attended all three past sessions of four: 75%, complete; 2 waiting.
    assert (report.enrolments, report.completions, report.waiting) == ("6", "5", "2")
    assert report.attendance_rate == "83%"  # 15 of 18 marks
    assert (report.sessions, report.co_facilitated_share) == (4, "100%")
    assert report.volunteer_hours == "2h 30m"
    assert [(r.title, r.enrolled, r.waiting) for r in report.runs] == [("Understanding anxiety", "6", "2")]
    hidden = queries.report(cast.hub, start=start, end=end, suppressed=True)
    assert (hidden.enrolments, hidden.completions, hidden.waiting) == ("6", "5", "fewer than 5")


def test_the_report_hides_small_numbers_and_counts_sessions_without_both_sides(cast):
    college = build_run(cast, capacity=5, sessions=2, first_days_ago=-1)
    services.enrol(actor=cast.actor("member"), run=college.run, person=cast.member)
    draft = build_run(cast, sessions=2, first_days_ago=-1, publish=False, title="Draft course")
    draft.run.facilitators.filter(kind="peer_trainer").delete()
    start, end = timezone.localdate(), timezone.localdate() + timedelta(days=30)
    report = queries.report(cast.hub, start=start, end=end, suppressed=True)
    assert report.enrolments == "fewer than 5"
    assert (report.sessions, report.co_facilitated_share) == (4, "50%")
    assert report.attendance_rate == "no sessions"
    whole = queries.report(cast.hub, start=start, end=end, suppressed=False)
    assert whole.enrolments == "1"
