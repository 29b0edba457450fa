"""Service tests for the prospectus and the co-production rule (decision 0010)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from groups import services
from groups.models import CoDesigner, Course, CourseRun, Facilitator, Session
from groups.tests.conftest import COURSE, build_run, make_place
from people.models import ProfileEntry


def draft(cast, **kwargs):
    return build_run(cast, publish=False, **kwargs)


# ---- the co-production rule ----


def test_it_refuses_to_publish_a_run_without_a_peer_trainer_and_says_why(cast):
    college = draft(cast)
    Facilitator.objects.filter(run=college.run, kind=Facilitator.Kind.PEER_TRAINER).delete()
    with pytest.raises(DomainError) as caught:
        services.publish_run(actor=cast.actor("coordinator"), run=college.run)
    assert "Add a peer trainer as a co-facilitator" in caught.value.message
    assert "lived experience" in caught.value.message
    college.run.refresh_from_db()
    assert college.run.status == CourseRun.Status.DRAFT
    assert college.run.published_at is None
    assert not AuditEvent.objects.filter(summary="Published").exists()


def test_it_refuses_to_publish_a_run_without_a_practitioner(cast):
    college = draft(cast)
    Facilitator.objects.filter(run=college.run, kind=Facilitator.Kind.PRACTITIONER).delete()
    with pytest.raises(DomainError) as caught:
        services.publish_run(actor=cast.actor("coordinator"), run=college.run)
    assert "Add a practitioner as a co-facilitator" in caught.value.message
    assert CourseRun.objects.get().status == CourseRun.Status.DRAFT


def test_it_refuses_to_publish_when_nobody_with_lived_experience_designed_the_course(cast):
    college = draft(cast)
    CoDesigner.objects.filter(kind=CoDesigner.Kind.LIVED_EXPERIENCE).delete()
    with pytest.raises(DomainError) as caught:
        services.publish_run(actor=cast.actor("coordinator"), run=college.run)
    assert caught.value.field_errors["__all__"] == [
        "Record who designed the course: at least one co-designer with lived experience is needed."
    ]


def test_it_refuses_to_publish_when_no_practitioner_designed_the_course(cast):
    college = draft(cast)
    CoDesigner.objects.filter(kind=CoDesigner.Kind.PRACTITIONER).delete()
    with pytest.raises(DomainError) as caught:
        services.publish_run(actor=cast.actor("coordinator"), run=college.run)
    assert "co-designer who is a practitioner" in caught.value.message


def test_it_lists_every_reason_at_once(cast):
    cora = cast.actor("coordinator")
    course = services.create_course(actor=cora, data=COURSE)
    run = services.create_run(actor=cora, course=course, capacity=12)
    with pytest.raises(DomainError) as caught:
        services.publish_run(actor=cora, run=run)
    assert len(caught.value.field_errors["__all__"]) == 5
    assert "Add at least one session" in caught.value.message


def test_it_refuses_a_facilitator_who_has_since_lost_the_peer_supporter_role(cast):
    college = draft(cast)
    cast.peer.role_grants.filter(role="peer_supporter").delete()
    with pytest.raises(DomainError, match="Add a peer trainer"):
        services.publish_run(actor=cast.actor("coordinator"), run=college.run)


def test_a_co_produced_run_is_published_and_audited(cast):
    college = draft(cast)
    run = services.publish_run(actor=cast.actor("coordinator"), run=college.run)
    assert run.status == CourseRun.Status.PUBLISHED and run.published_at is not None
    assert AuditEvent.objects.filter(object_id=str(run.pk), summary="Published").count() == 1


def test_it_refuses_to_publish_twice_or_a_cancelled_run(cast, college):
    cora = cast.actor("coordinator")
    with pytest.raises(Conflict, match="already in the prospectus"):
        services.publish_run(actor=cora, run=college.run)
    services.cancel_run(actor=cora, run=college.run, reason="The trainers are unwell")
    with pytest.raises(Conflict, match="cancelled"):
        services.publish_run(actor=cora, run=college.run)


def test_only_coordinators_of_the_hub_publish(cast):
    college = draft(cast)
    for name in ("link_worker", "peer", "member", "commissioner", "outsider"):
        with pytest.raises(PermissionDenied):
            services.publish_run(actor=cast.actor(name), run=college.run)
    assert CourseRun.objects.get().status == CourseRun.Status.DRAFT


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("member2", Facilitator.Kind.PEER_TRAINER, "is not a peer trainer"),
        ("link_worker", Facilitator.Kind.PEER_TRAINER, "is not a peer trainer"),
        ("peer", Facilitator.Kind.PRACTITIONER, "does not work here as a practitioner"),
        ("volunteer", Facilitator.Kind.PRACTITIONER, "does not work here as a practitioner"),
    ],
)
def test_it_refuses_a_facilitator_who_cannot_fill_that_side(cast, name, kind, message):
    cora = cast.actor("coordinator")
    course = services.create_course(actor=cora, data=COURSE)
    run = services.create_run(actor=cora, course=course, capacity=5)
    with pytest.raises(DomainError, match=message):
        services.add_facilitator(actor=cora, run=run, person=getattr(cast, name), kind=kind)
    assert not Facilitator.objects.exists()


def test_it_refuses_a_facilitator_from_another_hub_or_twice(cast):
    college = draft(cast)
    cora = cast.actor("coordinator")
    with pytest.raises(DomainError, match="in this hub"):
        services.add_facilitator(
            actor=cora, run=college.run, person=cast.outsider, kind=Facilitator.Kind.PRACTITIONER
        )
    with pytest.raises(Conflict, match="already co-facilitates"):
        services.add_facilitator(
            actor=cora, run=college.run, person=cast.link_worker, kind=Facilitator.Kind.PRACTITIONER
        )


def test_one_person_cannot_be_both_sides_of_a_run(cast):
    """A coordinator who is also a peer supporter is one person: the rule asks for two."""
    cora = cast.actor("coordinator")
    cast.coordinator.role_grants.create(role="peer_supporter")
    course = services.create_course(actor=cora, data=COURSE)
    run = services.create_run(actor=cora, course=course, capacity=5)
    services.add_facilitator(actor=cora, run=run, person=cast.coordinator, kind=Facilitator.Kind.PEER_TRAINER)
    with pytest.raises(Conflict):
        services.add_facilitator(
            actor=cora, run=run, person=cast.coordinator, kind=Facilitator.Kind.PRACTITIONER
        )


def test_a_published_run_cannot_lose_its_last_peer_trainer(cast, college):
    cora = cast.actor("coordinator")
    peer = Facilitator.objects.get(kind=Facilitator.Kind.PEER_TRAINER)
    with pytest.raises(Conflict, match="must keep at least one peer trainer"):
        services.remove_facilitator(actor=cora, facilitator=peer)
    assert Facilitator.objects.filter(pk=peer.pk).exists()
    # With a second peer trainer, the first may step down.
    cast.member2.role_grants.create(role="peer_supporter")
    services.add_facilitator(
        actor=cora, run=college.run, person=cast.member2, kind=Facilitator.Kind.PEER_TRAINER
    )
    services.remove_facilitator(actor=cora, facilitator=peer)
    assert list(college.run.facilitators.values_list("person", flat=True).order_by("person")) == sorted(
        [cast.member2.pk, cast.link_worker.pk]
    )


def test_a_draft_run_may_lose_a_facilitator(cast):
    draft(cast)
    practitioner = Facilitator.objects.get(kind=Facilitator.Kind.PRACTITIONER)
    services.remove_facilitator(actor=cast.actor("coordinator"), facilitator=practitioner)
    assert not Facilitator.objects.filter(kind=Facilitator.Kind.PRACTITIONER).exists()


def test_a_course_with_published_runs_keeps_a_designer_with_lived_experience(cast, college):
    designer = CoDesigner.objects.get(kind=CoDesigner.Kind.LIVED_EXPERIENCE)
    with pytest.raises(Conflict, match="must keep at least one co-designer with lived experience"):
        services.remove_designer(actor=cast.actor("coordinator"), designer=designer)
    assert CoDesigner.objects.filter(pk=designer.pk).exists()


def test_members_and_people_who_told_us_their_lived_experience_can_co_design(cast):
    cora = cast.actor("coordinator")
    course = services.create_course(actor=cora, data=COURSE)
    services.add_designer(
        actor=cora, course=course, person=cast.member, kind=CoDesigner.Kind.LIVED_EXPERIENCE
    )
    with pytest.raises(DomainError, match="not on record with lived experience"):
        services.add_designer(
            actor=cora, course=course, person=cast.commissioner, kind=CoDesigner.Kind.LIVED_EXPERIENCE
        )
    ProfileEntry.objects.create(
        person=cast.commissioner, kind=ProfileEntry.Kind.LIVED_EXPERIENCE, text="Recovery from psychosis"
    )
    services.add_designer(
        actor=cora, course=course, person=cast.commissioner, kind=CoDesigner.Kind.LIVED_EXPERIENCE
    )
    assert course.designers.count() == 2


def test_a_practitioner_designer_must_be_a_practitioner(cast):
    cora = cast.actor("coordinator")
    course = services.create_course(actor=cora, data=COURSE)
    with pytest.raises(DomainError, match="link worker or coordinator"):
        services.add_designer(
            actor=cora, course=course, person=cast.member, kind=CoDesigner.Kind.PRACTITIONER
        )
    with pytest.raises(DomainError, match="Choose what they brought"):
        services.add_designer(actor=cora, course=course, person=cast.member, kind="guest")
    assert not course.designers.exists()


# ---- courses: bad input writes nothing ----


def test_a_course_needs_a_title_outcomes_and_an_audience(cast):
    data = COURSE | {"title": " ", "learning_outcomes": "", "for_members": False, "for_families": False}
    data["for_staff"] = False
    with pytest.raises(DomainError) as caught:
        services.create_course(actor=cast.actor("coordinator"), data=data)
    errors = caught.value.field_errors
    assert errors["title"] == ["Enter a title."]
    assert errors["learning_outcomes"] == ["Enter at least one learning outcome."]
    assert errors["audience"] == ["Choose at least one group of people the course is for."]
    assert not Course.objects.exists()
    assert not AuditEvent.objects.filter(object_type="groups.course").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("completion_percent", 0, "Enter a number from 1 to 100."),
        ("completion_percent", 101, "Enter a number from 1 to 100."),
        ("session_count", "four", "Enter a whole number."),
        ("session_minutes", 5, "Enter a number from 15 to 480."),
        ("level", "expert", "Choose a level."),
    ],
)
def test_it_refuses_course_numbers_out_of_range(cast, field, value, message):
    with pytest.raises(DomainError) as caught:
        services.create_course(actor=cast.actor("coordinator"), data=COURSE | {field: value})
    assert caught.value.field_errors[field] == [message]
    assert not Course.objects.exists()


def test_course_titles_are_unique_in_a_hub(cast):
    cora = cast.actor("coordinator")
    services.create_course(actor=cora, data=COURSE)
    with pytest.raises(Conflict):
        services.create_course(actor=cora, data=COURSE | {"title": COURSE["title"].upper()})
    assert Course.objects.count() == 1


def test_updating_a_course_records_the_changed_fields(cast):
    cora = cast.actor("coordinator")
    course = services.create_course(actor=cora, data=COURSE)
    services.update_course(actor=cora, course=course, data={"completion_percent": 50, "title": "Anxiety"})
    course.refresh_from_db()
    assert (course.title, course.completion_percent) == ("Anxiety", 50)
    assert AuditEvent.objects.get(action="update", object_id=str(course.pk)).fields == [
        "completion_percent",
        "title",
    ]


def test_only_coordinators_create_courses(cast):
    for name in ("link_worker", "peer", "member", "commissioner"):
        with pytest.raises(PermissionDenied):
            services.create_course(actor=cast.actor(name), data=COURSE)


def test_audience_reads_open_to_all_or_lists_who(cast):
    course = Course(**COURSE)
    assert course.audience == "Open to all: members, families and friends, and staff"
    course.for_staff = False
    assert course.audience == "For members and families and friends"
    assert course.outcomes == ["Name the signs of anxiety", "Try three ways of calming down"]


# ---- runs and sessions ----


def test_sessions_need_a_directory_place_or_to_be_online(cast):
    college = draft(cast, sessions=0)
    cora = cast.actor("coordinator")
    start = timezone.now() + timedelta(days=3)
    elsewhere = make_place(cast.other_hub, "Northgate Library")
    cases = [
        ({"ends_at": start - timedelta(hours=1), "location": college.place}, "ends_at"),
        ({"ends_at": start + timedelta(hours=1)}, "location"),
        ({"ends_at": start + timedelta(hours=1), "location": elsewhere}, "location"),
        ({"ends_at": start + timedelta(hours=1), "location": college.place, "online": True}, "location"),
        (
            {"ends_at": start + timedelta(hours=1), "online": True, "joining_link": "http://x.org"},
            "joining_link",
        ),
    ]
    for values, field in cases:
        with pytest.raises(DomainError) as caught:
            services.add_session(actor=cora, run=college.run, starts_at=start, **values)
        assert field in caught.value.field_errors, values
    assert not Session.objects.exists()
    online = services.add_session(
        actor=cora,
        run=college.run,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        online=True,
        joining_link="https://meet.example.org/anxiety",
    )
    assert online.location is None and online.online


def test_a_location_shared_through_a_directory_service_can_be_used(cast):
    from directory.models import Service, ServiceAtLocation

    college = draft(cast, sessions=0)
    place = make_place(cast.other_hub, "Northgate Library")
    service = Service.objects.create(hub=cast.other_hub, name="Library drop-in")
    service.shared_with.add(cast.hub)
    ServiceAtLocation.objects.create(service=service, location=place)
    start = timezone.now() + timedelta(days=3)
    session = services.add_session(
        actor=cast.actor("coordinator"),
        run=college.run,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location=place,
    )
    assert session.location == place


def test_a_run_needs_a_sensible_number_of_places(cast):
    cora = cast.actor("coordinator")
    course = services.create_course(actor=cora, data=COURSE)
    for capacity in (0, -1, 501, "ten"):
        with pytest.raises(DomainError):
            services.create_run(actor=cora, course=course, capacity=capacity)
    assert not CourseRun.objects.exists()


def test_a_session_with_a_register_cannot_be_removed(cast, college):
    services.enrol(actor=cast.actor("member"), run=college.run, person=cast.member)
    first = college.run.sessions.first()
    services.take_register(
        actor=cast.actor("peer"), session=first, present={college.run.enrolments.get().pk: True}
    )
    with pytest.raises(Conflict, match="register has been taken"):
        services.remove_session(actor=cast.actor("coordinator"), session=first)
    services.remove_session(actor=cast.actor("coordinator"), session=college.run.sessions.last())
    assert college.run.sessions.count() == 3


def test_a_terms_dates_and_name_are_checked(cast):
    cora = cast.actor("coordinator")
    today = timezone.localdate()
    with pytest.raises(DomainError):
        services.create_term(actor=cora, name="Autumn", starts_on=today, ends_on=today - timedelta(days=1))
    services.create_term(actor=cora, name="Autumn", starts_on=today, ends_on=today + timedelta(days=90))
    with pytest.raises(Conflict):
        services.create_term(actor=cora, name="autumn", starts_on=today, ends_on=today + timedelta(days=9))
