"""Service tests for enrolment, the waiting list, learning plans, registers, completion and reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from core.testing import actor_for, make_person
from groups import queries, services
from groups.models import Attendance, CourseRun, Enrolment
from groups.tests.conftest import build_run
from people.models import ConsentEvent, ConsentPurpose

E = Enrolment.Status


def students(cast, count: int, start: int = 0):
    return [make_person(cast.hub, f"Student{start + i} Test", "member") for i in range(count)]


def self_enrol(run, person, **kwargs):
    return services.enrol(actor=actor_for(person), run=run, person=person, **kwargs)


def say_yes_to_email(person):
    ConsentEvent.objects.create(
        person=person,
        purpose=ConsentPurpose.CONTACT_EMAIL,
        granted=True,
        method=ConsentEvent.Method.ONLINE,
        recorded_by_label="test",
    )


# ---- enrolment ----


def test_a_member_enrols_themself_with_a_first_learning_plan(cast, college):
    enrolment = self_enrol(college.run, cast.member, hopes="Sleep better before exams")
    assert enrolment.status == E.ENROLLED and enrolment.place_given_at is not None
    assert enrolment.hopes == "Sleep better before exams"
    assert enrolment.enrolled_by == cast.member.user
    assert AuditEvent.objects.filter(
        person=cast.member, action="create", object_type="groups.enrolment"
    ).exists()


def test_staff_enrol_someone_on_their_behalf(cast, college):
    no_login = make_person(cast.hub, "Nell Nologin", "member", login=False)
    for name in ("link_worker", "coordinator"):
        person = no_login if name == "link_worker" else cast.member2
        enrolment = services.enrol(actor=cast.actor(name), run=college.run, person=person)
        assert enrolment.status == E.ENROLLED
        assert enrolment.enrolled_by_label == getattr(cast, name).display_name


@pytest.mark.parametrize("name", ["member2", "peer", "volunteer", "broker", "commissioner", "referrer"])
def test_nobody_else_enrols_another_person(cast, college, name):
    with pytest.raises(PermissionDenied):
        services.enrol(actor=cast.actor(name), run=college.run, person=cast.member)
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("name", ["commissioner", "referrer", "broker", "administrator"])
def test_people_without_a_participant_role_cannot_enrol_themselves(cast, college, name):
    person = getattr(cast, name)
    with pytest.raises(PermissionDenied):
        self_enrol(college.run, person)


def test_people_from_another_hub_cannot_be_enrolled(cast, college):
    with pytest.raises(DomainError, match="not in this hub"):
        services.enrol(actor=cast.actor("outsider"), run=college.run, person=cast.other_member)
    with pytest.raises(PermissionDenied):
        services.enrol(actor=cast.actor("outsider"), run=college.run, person=cast.member)
    assert not Enrolment.objects.exists()


def test_a_draft_or_cancelled_run_takes_no_enrolments(cast):
    college = build_run(cast, publish=False)
    with pytest.raises(Conflict, match="not open for enrolment"):
        self_enrol(college.run, cast.member)
    services.publish_run(actor=cast.actor("coordinator"), run=college.run)
    services.cancel_run(actor=cast.actor("coordinator"), run=college.run, reason="Venue flooded")
    with pytest.raises(Conflict, match="not open for enrolment"):
        self_enrol(college.run, cast.member)
    assert not Enrolment.objects.exists()


def test_a_finished_run_takes_no_enrolments(cast):
    college = build_run(cast, sessions=1, first_days_ago=1)
    with pytest.raises(Conflict, match="finished"):
        self_enrol(college.run, cast.member)


def test_nobody_enrols_twice(cast, college):
    self_enrol(college.run, cast.member)
    with pytest.raises(Conflict, match="You already have a place"):
        self_enrol(college.run, cast.member)
    with pytest.raises(Conflict, match="Mo Member already has a place"):
        services.enrol(actor=cast.actor("link_worker"), run=college.run, person=cast.member)
    assert Enrolment.objects.count() == 1


def test_a_long_learning_plan_is_refused_and_nothing_is_written(cast, college):
    with pytest.raises(DomainError) as caught:
        self_enrol(college.run, cast.member, hopes="x" * 1001)
    assert caught.value.field_errors == {"hopes": ["Use 1000 characters or fewer."]}
    assert not Enrolment.objects.exists()


# ---- capacity and the waiting list ----


def test_people_beyond_capacity_wait_in_the_order_they_arrived(cast):
    college = build_run(cast, capacity=3)
    people = students(cast, 6)
    results = [self_enrol(college.run, p).status for p in people]
    assert results == [E.ENROLLED] * 3 + [E.WAITING] * 3
    waiting = Enrolment.objects.filter(status=E.WAITING).order_by("id")
    assert [queries.waiting_position(e) for e in waiting] == [1, 2, 3]
    assert queries.waiting_position(Enrolment.objects.filter(status=E.ENROLLED).first()) is None


def test_a_freed_place_goes_to_the_first_person_waiting(cast):
    college = build_run(cast, capacity=2)
    a, b, c, d = students(cast, 4)
    first, _, third, fourth = (self_enrol(college.run, p) for p in (a, b, c, d))
    given = services.cancel_enrolment(actor=actor_for(a), enrolment=first)
    assert [e.person for e in given] == [c]
    statuses = dict(Enrolment.objects.values_list("person_id", "status"))
    assert statuses == {a.pk: E.CANCELLED, b.pk: E.ENROLLED, c.pk: E.ENROLLED, d.pk: E.WAITING}
    assert queries.waiting_position(Enrolment.objects.get(pk=fourth.pk)) == 1
    assert Enrolment.objects.get(pk=third.pk).place_given_at is not None


def test_leaving_the_waiting_list_frees_no_place(cast):
    college = build_run(cast, capacity=1)
    a, b, c = students(cast, 3)
    self_enrol(college.run, a)
    waiting_b = self_enrol(college.run, b)
    self_enrol(college.run, c)
    assert services.cancel_enrolment(actor=actor_for(b), enrolment=waiting_b) == []
    assert Enrolment.objects.filter(status=E.ENROLLED).get().person == a
    assert queries.waiting_position(Enrolment.objects.get(person=c)) == 1


def test_someone_who_cancels_and_comes_back_joins_the_end_of_the_list(cast):
    college = build_run(cast, capacity=1)
    a, b, c = students(cast, 3)
    self_enrol(college.run, a)
    waiting_b = self_enrol(college.run, b)
    self_enrol(college.run, c)
    services.cancel_enrolment(actor=actor_for(b), enrolment=waiting_b)
    again = self_enrol(college.run, b)
    assert queries.waiting_position(again) == 2


def test_a_cancelled_enrolment_cannot_be_cancelled_again(cast, college):
    enrolment = self_enrol(college.run, cast.member)
    services.cancel_enrolment(actor=cast.actor("member"), enrolment=enrolment)
    with pytest.raises(Conflict):
        services.cancel_enrolment(actor=cast.actor("member"), enrolment=enrolment)


def test_only_the_student_or_staff_who_enrol_people_may_cancel(cast, college):
    enrolment = self_enrol(college.run, cast.member)
    for name in ("member2", "peer", "commissioner", "outsider"):
        with pytest.raises(PermissionDenied):
            services.cancel_enrolment(actor=cast.actor(name), enrolment=enrolment)
    services.cancel_enrolment(actor=cast.actor("link_worker"), enrolment=enrolment)
    assert Enrolment.objects.get().status == E.CANCELLED


def test_more_places_go_to_the_waiting_list_in_order(cast):
    college = build_run(cast, capacity=1)
    a, b, c, d = students(cast, 4)
    for p in (a, b, c, d):
        self_enrol(college.run, p)
    given = services.change_capacity(actor=cast.actor("coordinator"), run=college.run, capacity=3)
    assert [e.person for e in given] == [b, c]
    assert Enrolment.objects.get(status=E.WAITING).person == d


def test_places_cannot_be_cut_below_the_students_who_have_one(cast):
    college = build_run(cast, capacity=3)
    for p in students(cast, 3):
        self_enrol(college.run, p)
    with pytest.raises(Conflict) as caught:
        services.change_capacity(actor=cast.actor("coordinator"), run=college.run, capacity=2)
    assert caught.value.field_errors == {"capacity": ["Enter 3 or more."]}
    assert CourseRun.objects.get().capacity == 3


def test_cancelling_a_run_cancels_every_place_and_tells_people_who_agreed_to_email(
    cast, django_capture_on_commit_callbacks
):
    college = build_run(cast, capacity=1)
    say_yes_to_email(cast.member)
    self_enrol(college.run, cast.member)
    self_enrol(college.run, cast.member2)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_run(actor=cast.actor("coordinator"), run=college.run, reason="Venue flooded")
    assert set(Enrolment.objects.values_list("status", flat=True)) == {E.CANCELLED}
    assert [m.to for m in mail.outbox] == [[cast.member.email]]
    assert "Venue flooded" in mail.outbox[0].body


def test_a_run_is_not_cancelled_without_a_reason(cast, college):
    with pytest.raises(DomainError):
        services.cancel_run(actor=cast.actor("coordinator"), run=college.run, reason="  ")
    assert CourseRun.objects.get().status == CourseRun.Status.PUBLISHED


def test_emails_go_after_commit_and_only_with_consent(cast, django_capture_on_commit_callbacks):
    college = build_run(cast, capacity=1)
    say_yes_to_email(cast.member)
    say_yes_to_email(cast.member2)
    with django_capture_on_commit_callbacks(execute=True):
        first = self_enrol(college.run, cast.member)
        self_enrol(college.run, cast.member2)
        self_enrol(college.run, cast.peer)  # no consent: no email
    assert [m.subject for m in mail.outbox] == [
        "Your place on Understanding anxiety",
        "You are on the waiting list for Understanding anxiety",
    ]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_enrolment(actor=cast.actor("member"), enrolment=first)
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("You have a place on Understanding anxiety", [cast.member2.email])
    ]


# ---- learning plans ----


def test_a_student_writes_their_own_learning_plan(cast, college):
    enrolment = self_enrol(college.run, cast.member)
    services.update_learning_plan(
        actor=cast.actor("member"), enrolment=enrolment, hopes="Feel calmer", support_needs="Large print"
    )
    enrolment.refresh_from_db()
    assert (enrolment.hopes, enrolment.support_needs) == ("Feel calmer", "Large print")
    assert enrolment.plan_updated_at is not None
    assert AuditEvent.objects.get(summary="Learning plan updated").fields == ["hopes", "support_needs"]


def test_other_students_and_facilitators_do_not_write_someones_plan(cast, college):
    enrolment = self_enrol(college.run, cast.member)
    for name in ("member2", "peer", "commissioner"):
        with pytest.raises(PermissionDenied):
            services.update_learning_plan(
                actor=cast.actor(name), enrolment=enrolment, hopes="x", support_needs=""
            )
    with pytest.raises(DomainError) as caught:
        services.update_learning_plan(
            actor=cast.actor("member"), enrolment=enrolment, hopes="ok", support_needs="y" * 1001
        )
    assert list(caught.value.field_errors) == ["support_needs"]
    enrolment.refresh_from_db()
    assert enrolment.hopes == ""


# ---- registers and completion ----


def completion_run(cast, *, percent: int = 75):
    """A run with one session tomorrow; after enrolment three sessions in the past are added, so the
    run has four and three can be registered."""
    college = build_run(cast, sessions=1, first_days_ago=-1)
    if percent != 75:
        services.update_course(
            actor=cast.actor("coordinator"), course=college.course, data={"completion_percent": percent}
        )
    return college


def add_past_sessions(cast, run, count: int = 3):
    now = timezone.now()
    for days in range(count, 0, -1):
        start = now - timedelta(days=7 * days)
        services.add_session(
            actor=cast.actor("coordinator"),
            run=run,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            location=run.sessions.first().location,
        )
    return list(run.sessions.filter(starts_at__lt=now).order_by("starts_at"))


def test_the_peer_trainer_takes_the_register_and_can_correct_it(cast, college):
    mo = self_enrol(college.run, cast.member)
    mia = self_enrol(college.run, cast.member2)
    session = college.run.sessions.first()
    services.take_register(actor=cast.actor("peer"), session=session, present={mo.pk: True, mia.pk: False})
    services.take_register(actor=cast.actor("link_worker"), session=session, present={mia.pk: True})
    marks = dict(Attendance.objects.values_list("enrolment_id", "present"))
    assert marks == {mo.pk: True, mia.pk: True}
    assert Attendance.objects.get(enrolment=mia).recorded_by == cast.link_worker.user
    lines = queries.register(session)
    assert [(line.enrolment.person.full_name, line.present) for line in lines] == [
        ("Mia Member", True),
        ("Mo Member", True),
    ]


@pytest.mark.parametrize("name", ["member", "member2", "volunteer", "commissioner", "outsider", "broker"])
def test_only_facilitators_and_coordinators_take_the_register(cast, college, name):
    mo = self_enrol(college.run, cast.member)
    with pytest.raises(PermissionDenied):
        services.take_register(
            actor=cast.actor(name), session=college.run.sessions.first(), present={mo.pk: True}
        )
    assert not Attendance.objects.exists()


def test_the_register_cannot_be_taken_before_the_day(cast, college):
    mo = self_enrol(college.run, cast.member)
    later = college.run.sessions.order_by("-starts_at").first()
    with pytest.raises(DomainError, match="from the day of the session"):
        services.take_register(actor=cast.actor("peer"), session=later, present={mo.pk: True})
    assert not Attendance.objects.exists()


def test_the_register_holds_only_students_with_a_place(cast):
    college = build_run(cast, capacity=1)
    mo = self_enrol(college.run, cast.member)
    waiting = self_enrol(college.run, cast.member2)
    session = college.run.sessions.first()
    with pytest.raises(DomainError, match="do not have a place"):
        services.take_register(
            actor=cast.actor("peer"), session=session, present={mo.pk: True, waiting.pk: True}
        )
    with pytest.raises(DomainError, match="Mark each student"):
        services.take_register(actor=cast.actor("peer"), session=session, present={})
    assert not Attendance.objects.exists()


def test_attending_three_of_four_sessions_completes_a_75_percent_course(cast):
    college = completion_run(cast)
    mo = self_enrol(college.run, cast.member)
    mia = self_enrol(college.run, cast.member2)
    past = add_past_sessions(cast, college.run)
    for i, session in enumerate(past):
        services.take_register(
            actor=cast.actor("peer"), session=session, present={mo.pk: True, mia.pk: i < 2}
        )
    done = queries.completion(mo)
    assert (done.attended, done.total, done.needed, done.completed) == (3, 4, 3, True)
    not_done = queries.completion(mia)
    assert (not_done.attended, not_done.needed, not_done.completed) == (2, 3, False)


def test_a_100_percent_course_needs_every_session(cast):
    college = completion_run(cast, percent=100)
    mo = self_enrol(college.run, cast.member)
    for session in add_past_sessions(cast, college.run):
        services.take_register(actor=cast.actor("peer"), session=session, present={mo.pk: True})
    assert not queries.completion(mo).completed
    assert queries.completion(mo).needed == 4


def test_the_share_needed_is_rounded_up():
    assert queries.Completion(attended=2, total=3, percent_needed=75).needed == 3
    assert queries.Completion(attended=2, total=3, percent_needed=66).completed
    assert not queries.Completion(attended=0, total=0, percent_needed=75).completed


def test_a_cancelled_student_does_not_complete(cast):
    college = completion_run(cast)
    mo = self_enrol(college.run, cast.member)
    for session in add_past_sessions(cast, college.run):
        services.take_register(actor=cast.actor("peer"), session=session, present={mo.pk: True})
    services.cancel_enrolment(actor=cast.actor("member"), enrolment=mo)
    mo.refresh_from_db()
    assert not queries.completion(mo).completed


def test_my_courses_show_progress_towards_completion(cast):
    college = completion_run(cast)
    mo = self_enrol(college.run, cast.member)
    past = add_past_sessions(cast, college.run)
    services.take_register(actor=cast.actor("peer"), session=past[0], present={mo.pk: True})
    [mine] = queries.my_enrolments(cast.member)
    assert (mine.completion.attended, mine.completion.total, mine.completion.completed) == (1, 4, False)


# ---- reminders ----


def test_reminders_go_once_to_students_who_agreed_to_email(cast, django_capture_on_commit_callbacks):
    college = build_run(cast, sessions=1, first_days_ago=-1, capacity=1)
    say_yes_to_email(cast.member)
    say_yes_to_email(cast.member2)
    self_enrol(college.run, cast.member)
    self_enrol(college.run, cast.member2)  # waiting: no reminder
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.send_reminders(hours_ahead=48)
    assert (result.sessions, result.emails) == (1, 1)
    assert [m.to for m in mail.outbox] == [[cast.member.email]]
    assert "Riverside Community Centre" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        again = services.send_reminders(hours_ahead=48)
    assert (again.sessions, again.emails) == (0, 0)
    assert len(mail.outbox) == 1


def test_reminders_skip_sessions_further_ahead_and_drafts(cast):
    build_run(cast, sessions=1, first_days_ago=-3)
    build_run(cast, sessions=1, first_days_ago=-1, publish=False, title="Draft course")
    assert services.send_reminders(hours_ahead=24).sessions == 0


def test_the_reminder_command_prints_a_summary(cast):
    from io import StringIO

    from django.core.management import call_command

    build_run(cast, sessions=1, first_days_ago=-1)
    out = StringIO()
    call_command("send_course_reminders", "--hours", "48", stdout=out)
    assert out.getvalue().strip() == "Reminders for 1 session: 0 emails sent."
