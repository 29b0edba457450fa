"""Page tests: who sees what, forms that show the services' messages, PDFs, and constant query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.testing import actor_for, make_person
from groups import services
from groups.models import Attendance, Course, CourseRun, Enrolment, Facilitator
from groups.tests.conftest import build_run


def pango_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except OSError:
        return False
    return True


# ---- the prospectus and run pages ----


def test_anyone_can_read_the_prospectus_but_not_drafts(cast, college):
    build_run(cast, publish=False, title="Draft course")
    response = Client().get("/prospectus/riverside/")
    assert response.status_code == 200
    assert [r.course.title for r in response.context["runs"]] == ["Understanding anxiety"]
    page = Client().get(f"/courses/runs/{college.run.pk}/")
    assert page.status_code == 200
    assert b"A peer trainer, who has lived experience, and a practitioner teach" in page.content
    assert b"Pat Peer" not in page.content  # names are for people signed in to the hub
    draft = CourseRun.objects.get(course__title="Draft course")
    assert Client().get(f"/courses/runs/{draft.pk}/").status_code == 404
    assert cast.client("member").get(f"/courses/runs/{draft.pk}/").status_code == 403
    assert cast.client("peer").get(f"/courses/runs/{draft.pk}/").status_code == 200  # a facilitator
    assert cast.client("outsider").get(f"/courses/runs/{draft.pk}/").status_code == 404
    assert Client().get("/courses/nowhere/").status_code == 404


def test_a_signed_in_person_starts_at_their_hubs_prospectus(cast):
    assert cast.client("member").get("/courses/")["Location"] == "/prospectus/riverside/"
    assert Client().get("/courses/").status_code == 302  # to sign in


def test_a_member_enrols_from_the_run_page_with_a_learning_plan(cast, college):
    client = cast.client("member")
    page = client.get(f"/courses/runs/{college.run.pk}/")
    assert page.context["can_enrol"] and b"Pat Peer" in page.content
    response = client.post(f"/courses/runs/{college.run.pk}/enrol/", {"hopes": "Cope with panic at work"})
    assert response["Location"] == "/courses/mine/"
    enrolment = Enrolment.objects.get()
    assert (enrolment.person, enrolment.status, enrolment.hopes) == (
        cast.member,
        "enrolled",
        "Cope with panic at work",
    )
    mine = client.get("/courses/mine/")
    assert b"Cope with panic at work" in mine.content
    again = client.post(f"/courses/runs/{college.run.pk}/enrol/", {"hopes": ""}, follow=True)
    assert b"You already have a place." in again.content
    assert Enrolment.objects.count() == 1


def test_a_full_run_offers_the_waiting_list(cast):
    college = build_run(cast, capacity=1)
    services.enrol(actor=cast.actor("member2"), run=college.run, person=cast.member2)
    page = cast.client("member").get(f"/courses/runs/{college.run.pk}/")
    assert b"Join the waiting list" in page.content
    cast.client("member").post(f"/courses/runs/{college.run.pk}/enrol/", {"hopes": ""})
    page = cast.client("member").get(f"/courses/runs/{college.run.pk}/")
    assert b"You are number 1 on the waiting list" in page.content


def test_a_commissioner_is_not_offered_enrolment_and_cannot_post_one(cast, college):
    client = cast.client("commissioner")
    assert not client.get(f"/courses/runs/{college.run.pk}/").context["can_enrol"]
    assert client.post(f"/courses/runs/{college.run.pk}/enrol/", {"hopes": ""}).status_code == 403
    assert not Enrolment.objects.exists()


def test_learning_plan_and_cancellation_pages(cast, college):
    enrolment = services.enrol(actor=cast.actor("member"), run=college.run, person=cast.member)
    client = cast.client("member")
    response = client.post(
        f"/courses/enrolments/{enrolment.pk}/plan/", {"hopes": "Sleep", "support_needs": "Breaks"}
    )
    assert response["Location"] == "/courses/mine/"
    too_long = client.post(
        f"/courses/enrolments/{enrolment.pk}/plan/", {"hopes": "x" * 1001, "support_needs": ""}
    )
    assert too_long.status_code == 200 and b"There is a problem" in too_long.content
    enrolment.refresh_from_db()
    assert (enrolment.hopes, enrolment.support_needs) == ("Sleep", "Breaks")
    assert cast.client("member2").get(f"/courses/enrolments/{enrolment.pk}/plan/").status_code == 403
    assert cast.client("outsider").get(f"/courses/enrolments/{enrolment.pk}/plan/").status_code == 404
    assert client.get(f"/courses/enrolments/{enrolment.pk}/cancel/").status_code == 200
    assert client.post(f"/courses/enrolments/{enrolment.pk}/cancel/")["Location"] == "/courses/mine/"
    assert Enrolment.objects.get().status == "cancelled"


# ---- the college team's pages ----


def test_bad_course_details_are_shown_beside_the_fields_and_nothing_is_saved(cast):
    client = cast.client("coordinator")
    response = client.post(
        "/courses/manage/new/",
        {
            "title": "",
            "summary": "x",
            "learning_outcomes": "y",
            "level": "introduction",
            "session_count": "0",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"title", "session_count", "audience", "completion_percent"}
    assert not Course.objects.exists()


def test_a_coordinator_adds_a_course_and_a_run_through_the_pages(cast):
    client = cast.client("coordinator")
    response = client.post(
        "/courses/manage/new/",
        {
            "title": "Hearing voices",
            "summary": "Making sense of voices",
            "learning_outcomes": "Share what helps",
            "level": "introduction",
            "session_count": "6",
            "session_minutes": "90",
            "audience": ["for_members", "for_families"],
            "completion_percent": "75",
        },
    )
    course = Course.objects.get()
    assert response["Location"] == f"/courses/manage/courses/{course.pk}/"
    assert (course.for_members, course.for_families, course.for_staff) == (True, True, False)
    response = client.post(f"/courses/manage/courses/{course.pk}/runs/", {"capacity": "12", "term": ""})
    run = CourseRun.objects.get()
    assert response["Location"] == f"/courses/manage/runs/{run.pk}/"
    refused = client.post(
        f"/courses/manage/courses/{course.pk}/",
        {"person": str(cast.commissioner.pk), "kind": "lived_experience"},
    )
    assert b"not on record with lived experience" in refused.content
    assert not course.designers.exists()


def test_publishing_without_a_peer_trainer_explains_the_rule_on_screen(cast):
    college = build_run(cast, publish=False)
    Facilitator.objects.filter(kind="peer_trainer").delete()
    client = cast.client("coordinator")
    page = client.get(f"/courses/manage/runs/{college.run.pk}/")
    assert b"Add a peer trainer as a co-facilitator" in page.content
    response = client.post(f"/courses/manage/runs/{college.run.pk}/publish/")
    assert response.status_code == 400
    assert b"This run cannot be published yet" in response.content
    assert CourseRun.objects.get().status == "draft"
    refused = client.post(
        f"/courses/manage/runs/{college.run.pk}/facilitators/",
        {"person": str(cast.member2.pk), "kind": "peer_trainer"},
    )
    assert refused.status_code == 400 and b"is not a peer trainer" in refused.content
    client.post(
        f"/courses/manage/runs/{college.run.pk}/facilitators/",
        {"person": str(cast.peer.pk), "kind": "peer_trainer"},
    )
    assert client.post(f"/courses/manage/runs/{college.run.pk}/publish/").status_code == 302
    assert CourseRun.objects.get().status == "published"


def test_sessions_are_added_with_a_directory_place(cast):
    college = build_run(cast, publish=False, sessions=0)
    client = cast.client("coordinator")
    day = (timezone.localdate() + timedelta(days=10)).strftime("%d/%m/%Y")
    bad = client.post(
        f"/courses/manage/runs/{college.run.pk}/sessions/", {"day": day, "starts": "10:00", "ends": "09:00"}
    )
    assert bad.status_code == 400
    assert "location" in bad.context["session_form"].errors
    assert b"The session must end after it starts." in bad.content
    assert not college.run.sessions.exists()
    ok = client.post(
        f"/courses/manage/runs/{college.run.pk}/sessions/",
        {"day": day, "starts": "10:00", "ends": "12:00", "location": str(college.place.pk)},
    )
    assert ok.status_code == 302
    assert college.run.sessions.get().location == college.place


@pytest.mark.parametrize("name", ["link_worker", "peer", "member", "commissioner"])
def test_only_coordinators_reach_the_management_pages(cast, name, college):
    client = cast.client(name)
    assert client.get("/courses/manage/").status_code == 403
    assert client.get("/courses/manage/new/").status_code == 403
    assert client.post(f"/courses/manage/runs/{college.run.pk}/publish/").status_code in (403, 404)


def test_staff_enrol_someone_from_the_run_page(cast, college):
    client = cast.client("coordinator")
    response = client.post(f"/courses/manage/runs/{college.run.pk}/enrol/", {"person": str(cast.member2.pk)})
    assert response.status_code == 302
    assert Enrolment.objects.get().person == cast.member2


# ---- the register and certificates ----


def test_the_peer_trainer_takes_the_register_on_the_page(cast, college):
    mo = services.enrol(actor=cast.actor("member"), run=college.run, person=cast.member)
    mia = services.enrol(actor=cast.actor("member2"), run=college.run, person=cast.member2)
    session = college.run.sessions.first()
    client = cast.client("peer")
    page = client.get(f"/courses/sessions/{session.pk}/register/")
    assert page.status_code == 200 and b"Who is here?" in page.content
    response = client.post(f"/courses/sessions/{session.pk}/register/", {"present": [str(mo.pk)]})
    assert response.status_code == 302
    assert dict(Attendance.objects.values_list("enrolment_id", "present")) == {mo.pk: True, mia.pk: False}
    assert cast.client("member").get(f"/courses/sessions/{session.pk}/register/").status_code == 403
    assert cast.client("outsider").get(f"/courses/sessions/{session.pk}/register/").status_code == 404


def test_a_register_for_a_later_session_is_refused_with_a_message(cast, college):
    services.enrol(actor=cast.actor("member"), run=college.run, person=cast.member)
    later = college.run.sessions.order_by("-starts_at").first()
    response = cast.client("peer").post(f"/courses/sessions/{later.pk}/register/", {"present": []})
    assert response.status_code == 400 and b"from the day of the session" in response.content
    assert not Attendance.objects.exists()


def complete(cast):
    college = build_run(cast, sessions=1, first_start=timezone.now() + timedelta(minutes=30))
    enrolment = services.enrol(actor=cast.actor("member"), run=college.run, person=cast.member)
    services.take_register(
        actor=cast.actor("peer"), session=college.run.sessions.get(), present={enrolment.pk: True}
    )
    return enrolment


def test_a_certificate_is_only_for_someone_who_completed(cast, college):
    enrolment = services.enrol(actor=cast.actor("member"), run=college.run, person=cast.member)
    assert cast.client("member").get(f"/courses/enrolments/{enrolment.pk}/certificate/").status_code == 404


@pytest.mark.skipif(
    not pango_available(), reason="WeasyPrint needs Debian's pango (make var/.debian-packages)"
)
def test_a_student_who_completed_downloads_a_certificate(cast):
    enrolment = complete(cast)
    response = cast.client("member").get(f"/courses/enrolments/{enrolment.pk}/certificate/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert cast.client("member2").get(f"/courses/enrolments/{enrolment.pk}/certificate/").status_code == 403


@pytest.mark.skipif(
    not pango_available(), reason="WeasyPrint needs Debian's pango (make var/.debian-packages)"
)
def test_the_prospectus_prints_as_a_pdf(cast, college):
    response = Client().get("/prospectus/riverside/pdf/")
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


# ---- reports ----


def test_reports_hide_small_numbers_from_commissioners_but_not_the_team(cast, college):
    services.enrol(actor=cast.actor("member"), run=college.run, person=cast.member)
    hidden = cast.client("commissioner").get("/courses/reports/")
    assert hidden.context["report"].enrolments == "fewer than 5"
    shown = cast.client("coordinator").get("/courses/reports/")
    assert shown.context["report"].enrolments == "1"
    assert cast.client("member").get("/courses/reports/").status_code == 403
    bad = cast.client("coordinator").get("/courses/reports/", {"start": "31/12/2026", "end": "1/1/2026"})
    assert "end" in bad.context["form"].errors


# ---- query counts ----


def add_runs(cast, count: int, start: int):
    for i in range(start, start + count):
        college = build_run(cast, title=f"Course {i}", capacity=3)
        for j in range(2):
            person = make_person(cast.hub, f"Learner{i}x{j} Test", "member")
            services.enrol(actor=actor_for(person), run=college.run, person=person)


def count_queries(client, path: str) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (None, "/prospectus/riverside/"),
        ("coordinator", "/courses/manage/"),
        ("commissioner", "/courses/reports/"),
    ],
)
def test_list_pages_cost_the_same_number_of_queries_for_2_or_6_runs(cast, who, path):
    client = cast.client(who) if who else Client()
    add_runs(cast, 2, 0)
    few = count_queries(client, path)
    add_runs(cast, 4, 2)
    assert count_queries(client, path) == few


def test_the_register_and_students_list_cost_the_same_for_2_or_10_students(cast, college):
    session = college.run.sessions.first()

    def add(n, start):
        for i in range(start, start + n):
            person = make_person(cast.hub, f"Pupil{i} Test", "member")
            services.enrol(actor=actor_for(person), run=college.run, person=person)

    add(2, 0)
    peer, cora = cast.client("peer"), cast.client("coordinator")
    few_register = count_queries(peer, f"/courses/sessions/{session.pk}/register/")
    few_manage = count_queries(cora, f"/courses/manage/runs/{college.run.pk}/")
    add(8, 2)
    assert count_queries(peer, f"/courses/sessions/{session.pk}/register/") == few_register
    assert count_queries(cora, f"/courses/manage/runs/{college.run.pk}/") == few_manage


def test_my_courses_cost_the_same_for_1_or_4_enrolments(cast):
    client = cast.client("member")
    first = build_run(cast, title="Course A")
    services.enrol(actor=cast.actor("member"), run=first.run, person=cast.member)
    few = count_queries(client, "/courses/mine/")
    for title in ("Course B", "Course C", "Course D"):
        college = build_run(cast, title=title)
        services.enrol(actor=cast.actor("member"), run=college.run, person=cast.member)
    assert count_queries(client, "/courses/mine/") == few
