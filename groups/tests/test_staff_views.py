"""Coordinators' pages for groups, volunteers and courses: roles allowed and refused, messages for bad
input with nothing written, and constant query counts."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.roles import Role
from core.testing import make_person
from groups import services
from groups.models import (
    BackgroundCheck,
    Course,
    DevelopmentDay,
    Group,
    NominatedIssue,
    Supervision,
    TrainingRecord,
    VolunteerHours,
    VolunteerRole,
)


def d(days: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=days)).strftime("%d/%m/%Y")


# ---- groups ----


def test_a_coordinator_adds_a_group_with_a_lead_who_becomes_a_member(cast):
    client = cast.client("coordinator")
    assert client.get("/groups/new/").status_code == 200
    response = client.post(
        "/groups/new/",
        {"name": "Tuesday walkers", "kind": "walking", "meets": "Tuesdays at 10am", "lead": cast.member.pk},
    )
    group = Group.objects.get()
    assert response["Location"] == f"/groups/{group.pk}/"
    assert (group.name, group.lead, group.hub) == ("Tuesday walkers", cast.member, cast.hub)
    assert group.memberships.filter(person=cast.member).exists()


def test_adding_a_group_refuses_bad_input_and_other_roles(cast):
    client = cast.client("coordinator")
    empty = client.post("/groups/new/", {"name": "", "kind": "walking"})
    assert empty.status_code == 400 and b"There is a problem" in empty.content
    services.create_group(actor=cast.actor("coordinator"), name="Craft club", kind="craft")
    twice = client.post("/groups/new/", {"name": "craft club", "kind": "craft"})
    assert twice.status_code == 400 and b"already a group with that name" in twice.content
    assert Group.objects.count() == 1
    for name in ("member", "peer", "link_worker", "volunteer"):
        assert cast.client(name).get("/groups/new/").status_code == 403
        assert cast.client(name).post("/groups/new/", {"name": "X", "kind": "craft"}).status_code == 403
    assert Group.objects.count() == 1


def test_a_coordinator_edits_a_group_and_can_stop_it_meeting(cast):
    group = services.create_group(actor=cast.actor("coordinator"), name="Craft club", kind="craft")
    client = cast.client("coordinator")
    page = client.get(f"/groups/{group.pk}/edit/")
    assert page.status_code == 200 and b"Craft club" in page.content
    assert b"Edit the group" in client.get(f"/groups/{group.pk}/").content
    response = client.post(
        f"/groups/{group.pk}/edit/",
        {"name": "Craft and chat", "kind": "craft", "lead": cast.peer.pk, "meets": "Fridays"},
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.lead, group.meets, group.active) == (
        "Craft and chat",
        cast.peer,
        "Fridays",
        False,
    )
    assert group.memberships.filter(person=cast.peer).exists()
    bad = client.post(f"/groups/{group.pk}/edit/", {"name": "x" * 201, "kind": "craft", "active": "on"})
    assert bad.status_code == 400
    group.refresh_from_db()
    assert group.name == "Craft and chat" and not group.active
    assert cast.client("member").get(f"/groups/{group.pk}/edit/").status_code == 403
    assert cast.client("outsider").get(f"/groups/{group.pk}/edit/").status_code == 404


# ---- volunteers ----


def test_only_a_coordinator_manages_volunteering(cast):
    assert cast.client("coordinator").get("/volunteering/manage/").status_code == 200
    for name in ("volunteer", "peer", "member", "link_worker"):
        assert cast.client(name).get("/volunteering/manage/").status_code == 403
        assert (
            cast.client(name).post("/volunteering/manage/role/", {"role-title": "Driver"}).status_code == 403
        )
    assert not VolunteerRole.objects.exists()
    assert cast.client("coordinator").post("/volunteering/manage/nothing/").status_code == 404


def test_a_coordinator_adds_roles_and_records_checks_training_supervision_and_hours(cast):
    client = cast.client("coordinator")
    client.post(
        "/volunteering/manage/role/",
        {"role-title": "Befriender", "role-description": "Visits", "role-needs_background_check": "on"},
    )
    role = VolunteerRole.objects.get()
    assert role.needs_background_check
    client.post(
        "/volunteering/manage/check/",
        {
            "check-person": cast.volunteer.pk,
            "check-kind": "Enhanced DBS",
            "check-checked_on": d(-30),
            "check-expires_on": d(700),
            "check-reference": "001234",
        },
    )
    assert BackgroundCheck.objects.get().reference == "001234"
    client.post(
        "/volunteering/manage/training/",
        {
            "training-person": cast.volunteer.pk,
            "training-title": "Safeguarding",
            "training-completed_on": d(-3),
        },
    )
    assert TrainingRecord.objects.get().expires_on is None
    client.post(
        "/volunteering/manage/supervision/",
        {
            "supervision-person": cast.volunteer.pk,
            "supervision-supervisor": cast.peer.pk,
            "supervision-held_on": d(-1),
            "supervision-kind": "peer",
        },
    )
    assert Supervision.objects.get().supervisor == cast.peer
    response = client.post(
        "/volunteering/manage/hours/",
        {
            "hours-person": cast.volunteer.pk,
            "hours-role": role.pk,
            "hours-worked_on": d(-1),
            "hours-minutes": "90",
        },
        follow=True,
    )
    assert b"90 minutes recorded for Val Volunteer" in response.content
    assert VolunteerHours.objects.get().role == role
    page = client.get("/volunteering/manage/")
    assert b"Enhanced DBS" in page.content and b"Safeguarding" in page.content and b"1h 30m" in page.content


def test_volunteer_forms_show_the_rules_message_and_write_nothing(cast):
    client = cast.client("coordinator")
    backwards = client.post(
        "/volunteering/manage/check/",
        {
            "check-person": cast.volunteer.pk,
            "check-kind": "DBS",
            "check-checked_on": d(-1),
            "check-expires_on": d(-5),
        },
    )
    assert backwards.status_code == 400 and b"expiry date must be after the check date" in backwards.content
    not_peer = client.post(
        "/volunteering/manage/supervision/",
        {
            "supervision-person": cast.volunteer.pk,
            "supervision-supervisor": cast.link_worker.pk,
            "supervision-held_on": d(-1),
            "supervision-kind": "peer",
        },
    )
    assert not_peer.status_code == 400 and b"someone with lived experience" in not_peer.content
    future = client.post(
        "/volunteering/manage/training/",
        {"training-person": cast.volunteer.pk, "training-title": "First aid", "training-completed_on": d(3)},
    )
    assert future.status_code == 400 and b"cannot be in the future" in future.content
    too_long = client.post(
        "/volunteering/manage/hours/",
        {"hours-person": cast.volunteer.pk, "hours-worked_on": d(-1), "hours-minutes": "2000"},
    )
    assert too_long.status_code == 400
    outsider = client.post(
        "/volunteering/manage/hours/",
        {"hours-person": cast.outsider.pk, "hours-worked_on": d(-1), "hours-minutes": "60"},
    )
    assert outsider.status_code == 400  # not one of this hub's people
    services.create_volunteer_role(actor=cast.actor("coordinator"), title="Driver")
    twice = client.post("/volunteering/manage/role/", {"role-title": "driver"})
    assert twice.status_code == 400 and b"already a volunteer role" in twice.content
    assert not (
        BackgroundCheck.objects.exists()
        or Supervision.objects.exists()
        or TrainingRecord.objects.exists()
        or VolunteerHours.objects.exists()
    )
    assert VolunteerRole.objects.count() == 1


def test_a_coordinator_adds_a_development_day_and_builds_its_agenda(cast):
    services.nominate_issue(actor=cast.actor("volunteer"), text="Lone working in the evenings")
    services.nominate_issue(actor=cast.actor("peer"), text="Self-care after hard calls")
    client = cast.client("coordinator")
    client.post("/volunteering/manage/day/", {"day-held_on": d(20), "day-title": "Winter day"})
    day = DevelopmentDay.objects.get()
    response = client.post(f"/volunteering/manage/days/{day.pk}/agenda/", follow=True)
    assert b"2 issues added to the agenda" in response.content
    assert list(day.agenda.values_list("text", flat=True)) == [
        "Lone working in the evenings",
        "Self-care after hard calls",
    ]
    twice = client.post("/volunteering/manage/day/", {"day-held_on": d(20)})
    assert twice.status_code == 400 and b"already a development day on that date" in twice.content
    later = DevelopmentDay.objects.create(hub=cast.hub, held_on=timezone.localdate() + timedelta(days=90))
    refused = client.post(f"/volunteering/manage/days/{later.pk}/agenda/", follow=True)
    assert b"There is an earlier development day" in refused.content
    assert NominatedIssue.objects.filter(day=later).count() == 0
    assert cast.client("volunteer").post(f"/volunteering/manage/days/{day.pk}/agenda/").status_code == 403


def test_the_volunteer_management_page_takes_the_same_queries_however_many_records(cast):
    client = cast.client("coordinator")
    coordinator = cast.actor("coordinator")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/volunteering/manage/").status_code == 200
        return len(ctx.captured_queries)

    def add(i: int) -> None:
        person = make_person(cast.hub, f"Vol{i} Person", Role.VOLUNTEER, login=False)
        role = services.create_volunteer_role(actor=coordinator, title=f"Role {i}")
        services.record_background_check(
            actor=coordinator,
            person=person,
            kind="DBS",
            checked_on=timezone.localdate() - timedelta(days=300),
            expires_on=timezone.localdate() + timedelta(days=10),
        )
        services.record_training(
            actor=coordinator, person=person, title="Safeguarding", completed_on=timezone.localdate()
        )
        services.record_supervision(
            actor=coordinator, person=person, supervisor=cast.peer, held_on=timezone.localdate(), kind="peer"
        )
        services.record_volunteer_hours(
            actor=coordinator, person=person, worked_on=timezone.localdate(), minutes=30, role=role
        )
        day = services.schedule_development_day(
            actor=coordinator, held_on=timezone.localdate() + timedelta(days=i)
        )
        NominatedIssue.objects.create(hub=cast.hub, nominated_by=person, text=f"Issue {i}", day=day)

    add(1)
    few = count()
    for i in range(2, 7):
        add(i)
    assert count() == few


# ---- courses ----


def test_a_coordinator_edits_a_course(cast, college):
    client = cast.client("coordinator")
    page = client.get(f"/courses/manage/courses/{college.course.pk}/edit/")
    assert page.status_code == 200 and b"Understanding anxiety" in page.content
    assert page.context["form"].initial["audience"] == ["for_members", "for_families", "for_staff"]
    data = {
        "title": "Understanding anxiety together",
        "summary": "What anxiety is.",
        "learning_outcomes": "Name the signs",
        "level": "further",
        "session_count": "6",
        "session_minutes": "90",
        "audience": ["for_members", "for_families"],
        "completion_percent": "50",
    }
    response = client.post(f"/courses/manage/courses/{college.course.pk}/edit/", data)
    assert response["Location"] == f"/courses/manage/courses/{college.course.pk}/"
    course = Course.objects.get(pk=college.course.pk)
    assert (course.title, course.session_count, course.for_staff, course.completion_percent) == (
        "Understanding anxiety together",
        6,
        False,
        50,
    )


def test_editing_a_course_refuses_bad_input_and_other_roles(cast, college):
    client = cast.client("coordinator")
    services.create_course(
        actor=cast.actor("coordinator"),
        data={"title": "Sleep well", "summary": "Sleep.", "learning_outcomes": "Sleep"},
    )
    url = f"/courses/manage/courses/{college.course.pk}/edit/"
    base = {
        "summary": "S",
        "learning_outcomes": "L",
        "level": "introduction",
        "session_count": "4",
        "session_minutes": "120",
        "audience": ["for_members"],
        "completion_percent": "75",
    }
    clash = client.post(url, base | {"title": "sleep well"})
    assert clash.status_code == 400 and b"already a course with that title" in clash.content
    no_audience = client.post(url, {**base, "title": "New", "audience": []})
    assert no_audience.status_code == 400
    assert Course.objects.get(pk=college.course.pk).title == "Understanding anxiety"
    for name in ("link_worker", "peer", "member"):
        assert cast.client(name).get(url).status_code == 403
    assert cast.client("outsider").get(url).status_code == 404


def test_a_coordinator_closes_and_reopens_a_role(cast):
    role = services.create_volunteer_role(actor=cast.actor("coordinator"), title="Driver")
    client = cast.client("coordinator")
    client.post(f"/volunteering/manage/roles/{role.pk}/open/", {"open": "no"})
    role.refresh_from_db()
    assert not role.open
    assert b"Driver" not in cast.client("member").get("/volunteering/").content.split(b"Your volunteering")[0]
    client.post(f"/volunteering/manage/roles/{role.pk}/open/", {"open": "yes"})
    role.refresh_from_db()
    assert role.open
    assert (
        cast.client("volunteer")
        .post(f"/volunteering/manage/roles/{role.pk}/open/", {"open": "no"})
        .status_code
        == 403
    )
    assert (
        cast.client("outsider")
        .post(f"/volunteering/manage/roles/{role.pk}/open/", {"open": "no"})
        .status_code
        == 404
    )
    role.refresh_from_db()
    assert role.open


def test_a_volunteer_records_their_own_time_and_bad_input_writes_nothing(cast):
    client = cast.client("volunteer")
    assert b"Record time you gave" in client.get("/volunteering/").content
    response = client.post("/volunteering/hours/", {"worked_on": d(-1), "minutes": "45"}, follow=True)
    assert b"Your time is recorded" in response.content
    hours = VolunteerHours.objects.get()
    assert (hours.person, hours.minutes) == (cast.volunteer, 45)
    future = client.post("/volunteering/hours/", {"worked_on": d(2), "minutes": "45"}, follow=True)
    assert b"The date cannot be in the future." in future.content
    for bad in ({"worked_on": d(-1), "minutes": "0"}, {"worked_on": "soon", "minutes": "45"}):
        response = client.post("/volunteering/hours/", bad, follow=True)
        assert b"Enter the date (for example, 27/3/2026) and the time given" in response.content
    assert VolunteerHours.objects.count() == 1
    assert (
        cast.client("member").post("/volunteering/hours/", {"worked_on": d(-1), "minutes": "45"}).status_code
        == 403
    )
    assert VolunteerHours.objects.count() == 1
