"""Every write for courses, groups and volunteers: one transaction each, checked, audited.

The co-production rule (decision 0010) lives here: a course run is published only when a peer trainer
and a practitioner co-facilitate it and its course was designed with someone with lived experience and
a practitioner; publish_run is the only way to publish, and a published run cannot lose either side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from core import audit
from core.errors import Conflict, DomainError
from core.models import AuditEvent, Hub
from core.roles import Actor, Role
from directory.models import Location
from groups import permissions, queries
from groups.models import (
    Attendance,
    BackgroundCheck,
    CoDesigner,
    Course,
    CourseRun,
    DevelopmentDay,
    Enrolment,
    Facilitator,
    Group,
    GroupMeeting,
    GroupMembership,
    NominatedIssue,
    OnCallAvailability,
    OnCallCredit,
    RotaSettings,
    Session,
    Supervision,
    Term,
    TrainingRecord,
    VolunteerApplication,
    VolunteerHours,
    VolunteerRole,
)
from people.models import ConsentPurpose, Person, ProfileEntry
from people.queries import has_consent
from support.models import OnCallPeriod

MAX_CAPACITY = 500
REGISTER_OPENS_HOURS_BEFORE = 1


def _refuse(message: str = "You do not have permission to do that.") -> None:
    raise PermissionDenied(message)


def _text(value: Any, *, field: str, label: str, maximum: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(f"Enter {label}.", {field: [f"Enter {label}."]})
    if len(text) > maximum:
        raise DomainError(
            f"{label[0].upper()}{label[1:]} is too long.", {field: [f"Use {maximum} characters or fewer."]}
        )
    return text


def _whole(value: Any, *, field: str, label: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(f"Enter {label} as a whole number.", {field: ["Enter a whole number."]})
    if not low <= value <= high:
        raise DomainError(
            f"{label[0].upper()}{label[1:]} must be between {low} and {high}.",
            {field: [f"Enter a number from {low} to {high}."]},
        )
    return value


def _same_hub_person(actor: Actor, person: Person, *, field: str = "person") -> Person:
    if person.hub_id != actor.hub.pk:
        raise DomainError("Choose someone in this hub.", {field: ["Choose someone in this hub."]})
    return person


def _roles_of(person: Person) -> set[str]:
    return set(person.role_grants.values_list("role", flat=True))


def has_lived_experience(person: Person) -> bool:
    """Decision 0010: a peer supporter or a member brings lived experience of using services, as does
    anyone who has told us about their lived experience."""
    if _roles_of(person) & {Role.PEER_SUPPORTER, Role.MEMBER}:
        return True
    return person.profile_entries.filter(kind=ProfileEntry.Kind.LIVED_EXPERIENCE).exists()


def is_practitioner(person: Person) -> bool:
    return bool(_roles_of(person) & set(permissions.PRACTITIONER_ROLES))


def is_peer_trainer(person: Person) -> bool:
    return bool(_roles_of(person) & set(permissions.PEER_TRAINER_ROLES))


def _mail(subject: str, body: str, to: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True)


def _after_commit_mail(person: Person, subject: str, template: str, context: dict) -> None:
    """Email the person after the transaction commits, if they have an address and said yes to email."""
    if not person.email or not has_consent(person=person, purpose=ConsentPurpose.CONTACT_EMAIL):
        return
    body = render_to_string(template, {"person": person, **context})
    transaction.on_commit(partial(_mail, subject, body, person.email))


# ---- terms and courses ----------------------------------------------------------------------------


@transaction.atomic
def create_term(*, actor: Actor, name: str, starts_on: date, ends_on: date) -> Term:
    if not permissions.can_manage_courses(actor):
        _refuse()
    name = _text(name, field="name", label="a name for the term", maximum=100)
    if ends_on < starts_on:
        raise DomainError("The term must end after it starts.", {"ends_on": ["Must be after the start."]})
    if Term.objects.filter(hub=actor.hub, name__iexact=name).exists():
        raise Conflict("There is already a term with that name.", {"name": ["Choose another name."]})
    term = Term.objects.create(hub=actor.hub, name=name, starts_on=starts_on, ends_on=ends_on)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=term, summary=f"Term {name}")
    return term


COURSE_FIELDS = (
    "title",
    "summary",
    "learning_outcomes",
    "level",
    "session_count",
    "session_minutes",
    "accessibility",
    "for_members",
    "for_families",
    "for_staff",
    "completion_percent",
)


def _course_values(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(COURSE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown course details: {', '.join(sorted(unknown))}.")
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    checks = (
        ("title", lambda v: _text(v, field="title", label="a title", maximum=200)),
        ("summary", lambda v: _text(v, field="summary", label="what the course is about", maximum=2000)),
        (
            "learning_outcomes",
            lambda v: _text(
                v, field="learning_outcomes", label="at least one learning outcome", maximum=3000
            ),
        ),
        (
            "accessibility",
            lambda v: _text(v, field="accessibility", label="accessibility", maximum=2000, required=False),
        ),
        (
            "session_count",
            lambda v: _whole(v, field="session_count", label="the number of sessions", low=1, high=52),
        ),
        (
            "session_minutes",
            lambda v: _whole(v, field="session_minutes", label="the session length", low=15, high=480),
        ),
        (
            "completion_percent",
            lambda v: _whole(
                v, field="completion_percent", label="the attendance needed to complete", low=1, high=100
            ),
        ),
    )
    for name, check in checks:
        try:
            values[name] = check(data.get(name, "" if name not in ("session_count",) else None))
        except DomainError as error:
            for field, messages in error.field_errors.items():
                errors.setdefault(field, []).extend(messages)
    level = data.get("level", Course.Level.INTRODUCTION)
    if level not in Course.Level.values:
        errors["level"] = ["Choose a level."]
    values["level"] = level
    for flag in ("for_members", "for_families", "for_staff"):
        values[flag] = bool(data.get(flag, False))
    if not (values["for_members"] or values["for_families"] or values["for_staff"]):
        errors["audience"] = ["Choose at least one group of people the course is for."]
    if errors:
        raise DomainError("Check the course details.", errors)
    return values


@transaction.atomic
def create_course(*, actor: Actor, data: dict[str, Any]) -> Course:
    """Add a course to the hub's prospectus (it is listed once a run of it is published)."""
    if not permissions.can_manage_courses(actor):
        _refuse()
    values = _course_values(
        {
            "completion_percent": 75,
            "session_count": 1,
            "session_minutes": 120,
            "for_members": True,
            "for_families": True,
            "for_staff": True,
        }
        | data
    )
    if Course.objects.filter(hub=actor.hub, title__iexact=values["title"]).exists():
        raise Conflict("There is already a course with that title.", {"title": ["Choose another title."]})
    course = Course.objects.create(hub=actor.hub, created_by=actor.user, **values)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=course, summary=f"Course {course.title}")
    return course


@transaction.atomic
def update_course(*, actor: Actor, course: Course, data: dict[str, Any]) -> Course:
    if not permissions.can_manage_courses(actor) or course.hub_id != actor.hub.pk:
        _refuse()
    current = {f: getattr(course, f) for f in COURSE_FIELDS}
    values = _course_values(current | data)
    clash = Course.objects.filter(hub=actor.hub, title__iexact=values["title"]).exclude(pk=course.pk)
    if clash.exists():
        raise Conflict("There is already a course with that title.", {"title": ["Choose another title."]})
    changed = [f for f in COURSE_FIELDS if values[f] != current[f]]
    for field in changed:
        setattr(course, field, values[field])
    if changed:
        course.save(update_fields=changed)
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=course, fields=changed)
    return course


@transaction.atomic
def add_designer(*, actor: Actor, course: Course, person: Person, kind: str) -> CoDesigner:
    """Record someone who designed the course, checking they can bring what `kind` says."""
    if not permissions.can_manage_courses(actor) or course.hub_id != actor.hub.pk:
        _refuse()
    _same_hub_person(actor, person)
    if kind == CoDesigner.Kind.LIVED_EXPERIENCE:
        if not has_lived_experience(person):
            raise DomainError(
                f"{person.display_name} is not on record with lived experience. A member, a peer "
                "supporter, or someone whose record lists their lived experience can be this co-designer.",
                {"person": ["Choose someone with lived experience."]},
            )
    elif kind == CoDesigner.Kind.PRACTITIONER:
        if not is_practitioner(person):
            raise DomainError(
                f"{person.display_name} does not work here as a practitioner (a link worker or coordinator).",
                {"person": ["Choose a link worker or coordinator."]},
            )
    else:
        raise DomainError("Choose what they brought to the design.", {"kind": ["Choose one."]})
    if course.designers.filter(person=person).exists():
        raise Conflict(
            f"{person.display_name} is already recorded as a co-designer.", {"person": ["Already recorded."]}
        )
    designer = CoDesigner.objects.create(course=course, person=person, kind=kind)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=course,
        summary=f"Co-designer added ({designer.get_kind_display().lower()})",
    )
    return designer


@transaction.atomic
def remove_designer(*, actor: Actor, designer: CoDesigner) -> None:
    course = designer.course
    if not permissions.can_manage_courses(actor) or course.hub_id != actor.hub.pk:
        _refuse()
    left = course.designers.exclude(pk=designer.pk).filter(kind=designer.kind)
    published = course.runs.filter(status=CourseRun.Status.PUBLISHED).exists()
    if published and not left.exists():
        raise Conflict(
            "This course has published runs, so it must keep at least one co-designer with "
            f"{designer.get_kind_display().lower()}. Add another before removing this one."
        )
    designer.delete()
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=course, summary="Co-designer removed")


# ---- runs, sessions, facilitators -----------------------------------------------------------------


@transaction.atomic
def create_run(*, actor: Actor, course: Course, capacity: int, term: Term | None = None) -> CourseRun:
    """A draft run of a course; it is published later by publish_run."""
    if not permissions.can_manage_courses(actor) or course.hub_id != actor.hub.pk:
        _refuse()
    capacity = _whole(capacity, field="capacity", label="the number of places", low=1, high=MAX_CAPACITY)
    if term is not None and term.hub_id != actor.hub.pk:
        raise DomainError("Choose a term in this hub.", {"term": ["Choose a term in this hub."]})
    run = CourseRun.objects.create(hub=actor.hub, course=course, capacity=capacity, term=term)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=run, summary=f"Run of {course.title}")
    return run


@transaction.atomic
def change_capacity(*, actor: Actor, run: CourseRun, capacity: int) -> list[Enrolment]:
    """Change the places; more places go to the waiting list in order. Returns who got a place."""
    run = _locked_run(run)
    if not permissions.can_edit_run(actor, run):
        _refuse()
    capacity = _whole(capacity, field="capacity", label="the number of places", low=1, high=MAX_CAPACITY)
    enrolled = run.enrolments.filter(status=Enrolment.Status.ENROLLED).count()
    if capacity < enrolled:
        raise Conflict(
            f"{enrolled} students already have a place, so there must be at least {enrolled} places.",
            {"capacity": [f"Enter {enrolled} or more."]},
        )
    run.capacity = capacity
    run.save(update_fields=["capacity"])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=run, fields=["capacity"])
    return _fill_places(actor, run)


def places_for(hub: Hub):
    return queries.places_for_hub(hub)


@transaction.atomic
def add_session(
    *,
    actor: Actor,
    run: CourseRun,
    starts_at: datetime,
    ends_at: datetime,
    location: Location | None = None,
    online: bool = False,
    joining_link: str = "",
) -> Session:
    if not permissions.can_edit_run(actor, run):
        _refuse()
    if run.status == CourseRun.Status.CANCELLED:
        raise Conflict("This run has been cancelled.")
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = ["The session must end after it starts."]
    if online and location is not None:
        errors["location"] = ["Choose a place or online, not both."]
    if not online and location is None:
        errors["location"] = ["Choose a place from the directory, or say the session is online."]
    if location is not None and not queries.places_for_hub(actor.hub).filter(pk=location.pk).exists():
        errors["location"] = ["Choose a place from this hub's directory."]
    joining_link = _text(
        joining_link, field="joining_link", label="the joining link", maximum=200, required=False
    )
    if joining_link and not joining_link.startswith("https://"):
        errors["joining_link"] = ["Enter a link that starts with https://"]
    if errors:
        raise DomainError("Check the session details.", errors)
    session = Session.objects.create(
        run=run,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        online=online,
        joining_link=joining_link if online else "",
    )
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=run, summary="Session added")
    return session


@transaction.atomic
def remove_session(*, actor: Actor, session: Session) -> None:
    run = session.run
    if not permissions.can_edit_run(actor, run):
        _refuse()
    if session.attendance.exists():
        raise Conflict("The register has been taken for this session, so it cannot be removed.")
    if run.is_published and run.sessions.count() == 1:
        raise Conflict("A published run needs at least one session. Add another first.")
    session.delete()
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=run, summary="Session removed")


@transaction.atomic
def add_facilitator(*, actor: Actor, run: CourseRun, person: Person, kind: str) -> Facilitator:
    """Add a co-facilitator, checking they can fill the side `kind` names (decision 0010)."""
    if not permissions.can_edit_run(actor, run):
        _refuse()
    _same_hub_person(actor, person)
    if kind == Facilitator.Kind.PEER_TRAINER:
        if not is_peer_trainer(person):
            raise DomainError(
                f"{person.display_name} is not a peer trainer. A peer trainer has lived experience and "
                "holds the peer supporter role in this hub.",
                {"person": ["Choose someone with the peer supporter role."]},
            )
    elif kind == Facilitator.Kind.PRACTITIONER:
        if not is_practitioner(person):
            raise DomainError(
                f"{person.display_name} does not work here as a practitioner (a link worker or coordinator).",
                {"person": ["Choose a link worker or coordinator."]},
            )
    else:
        raise DomainError(
            "Choose whether they are the peer trainer or the practitioner.", {"kind": ["Choose one."]}
        )
    if run.facilitators.filter(person=person).exists():
        raise Conflict(
            f"{person.display_name} already co-facilitates this run.",
            {"person": ["Already a co-facilitator."]},
        )
    facilitator = Facilitator.objects.create(run=run, person=person, kind=kind)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=run,
        summary=f"Co-facilitator added ({facilitator.get_kind_display().lower()})",
    )
    return facilitator


@transaction.atomic
def remove_facilitator(*, actor: Actor, facilitator: Facilitator) -> None:
    run = _locked_run(facilitator.run)
    if not permissions.can_edit_run(actor, run):
        _refuse()
    others = run.facilitators.exclude(pk=facilitator.pk).filter(kind=facilitator.kind)
    if run.is_published and not others.exists():
        raise Conflict(
            f"A published run must keep at least one {facilitator.get_kind_display().lower()}. "
            "Add another before removing this one."
        )
    facilitator.delete()
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=run, summary="Co-facilitator removed")


def publishing_problems(run: CourseRun) -> list[str]:
    """Why the run cannot be published yet, in words for the coordinator; empty when it can."""
    problems: list[str] = []
    facilitators = list(run.facilitators.select_related("person"))
    peer = [f for f in facilitators if f.kind == Facilitator.Kind.PEER_TRAINER and is_peer_trainer(f.person)]
    practitioner = [
        f for f in facilitators if f.kind == Facilitator.Kind.PRACTITIONER and is_practitioner(f.person)
    ]
    if not peer:
        problems.append(
            "Add a peer trainer as a co-facilitator. Every run is delivered by a peer trainer with "
            "lived experience and a practitioner together."
        )
    if not practitioner:
        problems.append(
            "Add a practitioner as a co-facilitator. Every run is delivered by a peer trainer and a "
            "practitioner together."
        )
    designers = list(run.course.designers.select_related("person"))
    if not any(
        d.kind == CoDesigner.Kind.LIVED_EXPERIENCE and has_lived_experience(d.person) for d in designers
    ):
        problems.append(
            "Record who designed the course: at least one co-designer with lived experience is needed."
        )
    if not any(d.kind == CoDesigner.Kind.PRACTITIONER and is_practitioner(d.person) for d in designers):
        problems.append(
            "Record who designed the course: at least one co-designer who is a practitioner is needed."
        )
    sessions = list(run.sessions.all())
    if not sessions:
        problems.append("Add at least one session with its date, time and place.")
    elif any(s.location_id is None and not s.online for s in sessions):
        problems.append("Every session needs a place from the directory, or to be marked as online.")
    return problems


@transaction.atomic
def publish_run(*, actor: Actor, run: CourseRun) -> CourseRun:
    """Put the run in the prospectus. Refused, with every reason, unless it is co-produced."""
    run = _locked_run(run)
    if not permissions.can_edit_run(actor, run):
        _refuse()
    if run.status == CourseRun.Status.PUBLISHED:
        raise Conflict("This run is already in the prospectus.")
    if run.status == CourseRun.Status.CANCELLED:
        raise Conflict("This run has been cancelled, so it cannot be published.")
    problems = publishing_problems(run)
    if problems:
        raise DomainError("This run cannot be published yet. " + " ".join(problems), {"__all__": problems})
    run.status = CourseRun.Status.PUBLISHED
    run.published_at = timezone.now()
    run.save(update_fields=["status", "published_at"])
    audit.record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=run, summary="Published", fields=["status"]
    )
    return run


@transaction.atomic
def cancel_run(*, actor: Actor, run: CourseRun, reason: str) -> CourseRun:
    run = _locked_run(run)
    if not permissions.can_edit_run(actor, run):
        _refuse()
    reason = _text(reason, field="reason", label="why the run is cancelled", maximum=300)
    if run.status == CourseRun.Status.CANCELLED:
        raise Conflict("This run is already cancelled.")
    run.status = CourseRun.Status.CANCELLED
    run.save(update_fields=["status"])
    now = timezone.now()
    live = list(
        run.enrolments.filter(
            status__in=[Enrolment.Status.ENROLLED, Enrolment.Status.WAITING]
        ).select_related("person")
    )
    for enrolment in live:
        enrolment.status = Enrolment.Status.CANCELLED
        enrolment.cancelled_at = now
        enrolment.save(update_fields=["status", "cancelled_at"])
        _after_commit_mail(
            enrolment.person,
            f"{run.course.title} has been cancelled",
            "groups/email/run_cancelled.txt",
            {"run": run, "reason": reason},
        )
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=run, summary=f"Cancelled: {reason}")
    return run


# ---- enrolment and the waiting list -------------------------------------------------------------


def _locked_run(run: CourseRun) -> CourseRun:
    """The run's row, locked until the transaction ends. Every change to who holds a place takes this
    lock first, so places are counted and given out one request at a time and waiting-list ids
    follow the order requests arrived in."""
    return (
        CourseRun.objects.select_for_update(of=("self",))
        .select_related("hub", "course")
        .prefetch_related("facilitators")
        .get(pk=run.pk)
    )


def _fill_places(actor: Actor, run: CourseRun) -> list[Enrolment]:
    """Give free places to the waiting list, first come first served. Needs the run locked."""
    enrolled = run.enrolments.filter(status=Enrolment.Status.ENROLLED).count()
    free = run.capacity - enrolled
    if free <= 0 or run.status != CourseRun.Status.PUBLISHED:
        return []
    given = list(
        run.enrolments.filter(status=Enrolment.Status.WAITING).select_related("person").order_by("id")[:free]
    )
    now = timezone.now()
    for enrolment in given:
        enrolment.status = Enrolment.Status.ENROLLED
        enrolment.place_given_at = now
        enrolment.save(update_fields=["status", "place_given_at"])
        audit.record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            person=enrolment.person,
            obj=enrolment,
            summary="Given a place from the waiting list",
        )
        _after_commit_mail(
            enrolment.person,
            f"You have a place on {run.course.title}",
            "groups/email/place_given.txt",
            {"run": run, "enrolment": enrolment},
        )
    return given


@transaction.atomic
def enrol(*, actor: Actor, run: CourseRun, person: Person, hopes: str = "") -> Enrolment:
    """Enrol a person on a published run: a place if one is free, else the end of the waiting list.
    Members enrol themselves; link workers and coordinators enrol people on their behalf."""
    if person.hub_id != run.hub_id:
        raise DomainError("That person is not in this hub.", {"person": ["Choose someone in this hub."]})
    self_enrolling = actor.is_self(person)
    if self_enrolling:
        if not permissions.can_enrol_self(actor, run):
            _refuse("Only members with a login can enrol themselves.")
    elif not (permissions.can_enrol_others(actor) and actor.hub.pk == run.hub_id):
        _refuse("You can only enrol yourself.")
    hopes = _text(
        hopes, field="hopes", label="what you want to get from the course", maximum=1000, required=False
    )
    run = _locked_run(run)
    if run.status != CourseRun.Status.PUBLISHED:
        raise Conflict("This course run is not open for enrolment.")
    if (
        run.sessions.filter(starts_at__lte=timezone.now()).exists()
        and not run.sessions.filter(starts_at__gt=timezone.now()).exists()
    ):
        raise Conflict("This course run has finished.")
    existing = run.enrolments.filter(
        person=person, status__in=[Enrolment.Status.ENROLLED, Enrolment.Status.WAITING]
    ).first()
    if existing is not None:
        place = existing.status == Enrolment.Status.ENROLLED
        if self_enrolling:
            message = "You already have a place." if place else "You are already on the waiting list."
        else:
            where = "has a place" if place else "is on the waiting list"
            message = f"{person.display_name} already {where}."
        raise Conflict(message)
    enrolled = run.enrolments.filter(status=Enrolment.Status.ENROLLED).count()
    has_place = enrolled < run.capacity
    now = timezone.now()
    enrolment = Enrolment.objects.create(
        run=run,
        person=person,
        status=Enrolment.Status.ENROLLED if has_place else Enrolment.Status.WAITING,
        enrolled_by=actor.user,
        enrolled_by_label=actor.label[:200],
        place_given_at=now if has_place else None,
        hopes=hopes,
        plan_updated_at=now if hopes else None,
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        person=person,
        obj=enrolment,
        summary=f"{'Enrolled on' if has_place else 'Waiting list for'} {run.course.title}",
    )
    _after_commit_mail(
        person,
        f"{'Your place on' if has_place else 'You are on the waiting list for'} {run.course.title}",
        "groups/email/enrolled.txt",
        {"run": run, "enrolment": enrolment},
    )
    return enrolment


@transaction.atomic
def cancel_enrolment(*, actor: Actor, enrolment: Enrolment) -> list[Enrolment]:
    """Give up a place or leave the waiting list; a freed place goes to the first person waiting.
    Returns the enrolments that were given a place."""
    run = _locked_run(enrolment.run)
    enrolment = Enrolment.objects.select_related("person", "run").get(pk=enrolment.pk)
    if not permissions.can_cancel_enrolment(actor, enrolment):
        _refuse()
    if enrolment.status == Enrolment.Status.CANCELLED:
        raise Conflict("This enrolment is already cancelled.")
    enrolment.status = Enrolment.Status.CANCELLED
    enrolment.cancelled_at = timezone.now()
    enrolment.save(update_fields=["status", "cancelled_at"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=enrolment.person,
        obj=enrolment,
        summary=f"Cancelled enrolment on {run.course.title}",
        fields=["status"],
    )
    return _fill_places(actor, run)


@transaction.atomic
def update_learning_plan(*, actor: Actor, enrolment: Enrolment, hopes: str, support_needs: str) -> Enrolment:
    """The student's own plan for the course: what they want from it and what would help."""
    if not permissions.can_edit_plan(actor, enrolment):
        _refuse()
    errors: dict[str, list[str]] = {}
    values = {}
    for field, value, label in (
        ("hopes", hopes, "what you want to get from the course"),
        ("support_needs", support_needs, "what would help you learn"),
    ):
        try:
            values[field] = _text(value, field=field, label=label, maximum=1000, required=False)
        except DomainError as error:
            errors.update(error.field_errors)
    if errors:
        raise DomainError("Check your learning plan.", errors)
    changed = [f for f, v in values.items() if getattr(enrolment, f) != v]
    if changed:
        for field in changed:
            setattr(enrolment, field, values[field])
        enrolment.plan_updated_at = timezone.now()
        enrolment.save(update_fields=[*changed, "plan_updated_at"])
        audit.record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            person=enrolment.person,
            obj=enrolment,
            summary="Learning plan updated",
            fields=changed,
        )
    return enrolment


# ---- attendance ----------------------------------------------------------------------------------


@transaction.atomic
def take_register(*, actor: Actor, session: Session, present: dict[int, bool]) -> list[Attendance]:
    """Record who came to a session: {enrolment id: present?} for students with a place on the run."""
    run = session.run
    if not permissions.can_take_register(actor, run):
        _refuse()
    # From the session's day, or the hour before it starts (facilitators open the register as people
    # arrive, and a session just after midnight is still "tonight").
    soon = session.starts_at - timezone.now() <= timedelta(hours=REGISTER_OPENS_HOURS_BEFORE)
    if timezone.localdate(session.starts_at) > timezone.localdate() and not soon:
        raise DomainError("The register can be taken from the day of the session, not before.")
    students = {
        e.pk: e for e in run.enrolments.filter(status=Enrolment.Status.ENROLLED).select_related("person")
    }
    unknown = set(present) - set(students)
    if unknown:
        raise DomainError("Some of the people on this register do not have a place on the course.")
    if not present:
        raise DomainError("Mark each student as here or not here.")
    existing = {a.enrolment_id: a for a in session.attendance.all()}
    now = timezone.now()
    saved = []
    for enrolment_id, here in sorted(present.items()):
        row = existing.get(enrolment_id)
        if row is None:
            row = Attendance.objects.create(
                session=session,
                enrolment_id=enrolment_id,
                present=here,
                recorded_by=actor.user,
                recorded_at=now,
            )
        elif row.present != here:
            row.present = here
            row.recorded_by = actor.user
            row.recorded_at = now
            row.save(update_fields=["present", "recorded_by", "recorded_at"])
        saved.append(row)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=session,
        summary=f"Register taken: {sum(present.values())} of {len(present)} here",
    )
    return saved


# ---- reminders -----------------------------------------------------------------------------------


@dataclass
class ReminderRun:
    sessions: int = 0
    emails: int = 0


def send_reminders(*, now: datetime | None = None, hours_ahead: int = 24) -> ReminderRun:
    """Email every student with a place a reminder of sessions starting within `hours_ahead` hours,
    once per session. Students who have not said yes to email are not emailed."""
    now = now or timezone.now()
    result = ReminderRun()
    due = Session.objects.filter(
        reminders_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(hours=hours_ahead),
        run__status=CourseRun.Status.PUBLISHED,
    ).values_list("pk", flat=True)
    for session_id in list(due):
        with transaction.atomic():
            # Locked and re-checked, so two reminder jobs running at once send one email per student.
            session = (
                Session.objects.select_for_update(of=("self",))
                .select_related("run__course", "run__hub", "location")
                .filter(pk=session_id, reminders_sent_at__isnull=True)
                .first()
            )
            if session is None:
                continue
            students = session.run.enrolments.filter(status=Enrolment.Status.ENROLLED).select_related(
                "person"
            )
            for enrolment in students:
                person = enrolment.person
                if person.email and has_consent(person=person, purpose=ConsentPurpose.CONTACT_EMAIL):
                    body = render_to_string(
                        "groups/email/reminder.txt",
                        {"person": person, "session": session, "run": session.run},
                    )
                    when = timezone.localtime(session.starts_at)
                    subject = f"Reminder: {session.run.course.title} on {when:%A %d %B}"
                    transaction.on_commit(partial(_mail, subject, body, person.email))
                    result.emails += 1
            session.reminders_sent_at = now
            session.save(update_fields=["reminders_sent_at"])
            result.sessions += 1
    return result


# ---- community groups ----------------------------------------------------------------------------


def _service_for(actor: Actor, service_id: Any):
    if not service_id:
        return None
    from directory.queries import get_service

    service = get_service(service_id, hub=actor.hub)
    if service is None:
        raise DomainError(
            "Choose the group's page from this hub's directory.", {"service": ["Choose a directory service."]}
        )
    return service


def _clean_group(
    *, actor: Actor, name: str, kind: str, description: str, meets: str, lead: Person | None, service_id: Any
) -> tuple[str, str, str, Any]:
    """A group's details checked together, every problem reported at once; the cleaned name,
    description, meeting times and directory service."""
    errors: dict[str, list[str]] = {}
    try:
        name = _text(name, field="name", label="the group's name", maximum=200)
    except DomainError as error:
        errors.update(error.field_errors)
    if kind not in Group.Kind.values:
        errors["kind"] = ["Choose what kind of group it is."]
    description = _text(
        description, field="description", label="the description", maximum=2000, required=False
    )
    meets = _text(meets, field="meets", label="when it meets", maximum=200, required=False)
    if lead is not None and lead.hub_id != actor.hub.pk:
        errors["lead"] = ["Choose someone in this hub."]
    try:
        service = _service_for(actor, service_id)
    except DomainError as error:
        errors.update(error.field_errors)
    if errors:
        raise DomainError("Check the group's details.", errors)
    return name, description, meets, service


@transaction.atomic
def create_group(
    *,
    actor: Actor,
    name: str,
    kind: str,
    description: str = "",
    meets: str = "",
    lead: Person | None = None,
    service_id: Any = None,
) -> Group:
    if not permissions.can_manage_groups(actor):
        _refuse()
    name, description, meets, service = _clean_group(
        actor=actor,
        name=name,
        kind=kind,
        description=description,
        meets=meets,
        lead=lead,
        service_id=service_id,
    )
    if Group.objects.filter(hub=actor.hub, name__iexact=name).exists():
        raise Conflict("There is already a group with that name.", {"name": ["Choose another name."]})
    group = Group.objects.create(
        hub=actor.hub, name=name, kind=kind, description=description, meets=meets, lead=lead, service=service
    )
    if lead is not None:
        GroupMembership.objects.create(group=group, person=lead)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=group, summary=f"Group {name}")
    return group


@transaction.atomic
def update_group(
    *,
    actor: Actor,
    group: Group,
    name: str,
    kind: str,
    description: str = "",
    meets: str = "",
    lead: Person | None = None,
    service_id: Any = None,
    active: bool = True,
) -> Group:
    """Change a group's details. A new lead becomes a member; a group that stops meeting keeps its
    members and meetings for the record but takes no one new (join_group)."""
    if not permissions.can_manage_groups(actor) or group.hub_id != actor.hub.pk:
        _refuse()
    name, description, meets, service = _clean_group(
        actor=actor,
        name=name,
        kind=kind,
        description=description,
        meets=meets,
        lead=lead,
        service_id=service_id,
    )
    group = Group.objects.select_for_update().get(pk=group.pk)
    if Group.objects.filter(hub=actor.hub, name__iexact=name).exclude(pk=group.pk).exists():
        raise Conflict("There is already a group with that name.", {"name": ["Choose another name."]})
    if lead is not None and not group.memberships.filter(person=lead, left_at__isnull=True).exists():
        GroupMembership.objects.create(group=group, person=lead)
    values = {
        "name": name,
        "kind": kind,
        "description": description,
        "meets": meets,
        "lead": lead,
        "service": service,
        "active": bool(active),
    }
    changed = [f for f, v in values.items() if getattr(group, f) != v]
    for field_name, value in values.items():
        setattr(group, field_name, value)
    group.save()
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=group, fields=changed)
    return group


@transaction.atomic
def set_group_lead(*, actor: Actor, group: Group, lead: Person | None) -> Group:
    """Change who leads the group; a lead is also a member of it."""
    if not permissions.can_manage_groups(actor) or group.hub_id != actor.hub.pk:
        _refuse()
    if lead is not None:
        _same_hub_person(actor, lead, field="lead")
        if not group.memberships.filter(person=lead, left_at__isnull=True).exists():
            GroupMembership.objects.create(group=group, person=lead)
    group.lead = lead
    group.save(update_fields=["lead"])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=group, fields=["lead"])
    return group


@transaction.atomic
def link_group_to_service(*, actor: Actor, group: Group, service_id: Any) -> Group:
    if not permissions.can_manage_groups(actor) or group.hub_id != actor.hub.pk:
        _refuse()
    group.service = _service_for(actor, service_id)
    group.save(update_fields=["service"])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=group, fields=["service"])
    return group


@transaction.atomic
def join_group(*, actor: Actor, group: Group, person: Person) -> GroupMembership:
    if actor.is_self(person):
        if not permissions.can_join_group(actor, group):
            _refuse()
    elif not (permissions.can_record_meeting(actor, group) and person.hub_id == group.hub_id):
        _refuse()
    if not group.active:
        raise Conflict("This group is not meeting any more.")
    if group.memberships.filter(person=person, left_at__isnull=True).exists():
        raise Conflict(f"{person.display_name} is already a member of {group.name}.")
    membership = GroupMembership.objects.create(group=group, person=person)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        person=person,
        obj=membership,
        summary=f"Joined {group.name}",
    )
    return membership


@transaction.atomic
def leave_group(*, actor: Actor, group: Group, person: Person) -> None:
    if not (actor.is_self(person) or permissions.can_record_meeting(actor, group)):
        _refuse()
    membership = group.memberships.filter(person=person, left_at__isnull=True).first()
    if membership is None:
        raise Conflict(f"{person.display_name} is not a member of {group.name}.")
    if group.lead_id == person.pk:
        raise Conflict("The group's lead cannot leave until someone else leads it.")
    membership.left_at = timezone.now()
    membership.save(update_fields=["left_at"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=person,
        obj=membership,
        summary=f"Left {group.name}",
    )


@transaction.atomic
def record_meeting(
    *,
    actor: Actor,
    group: Group,
    starts_at: datetime,
    attended: int | None = None,
    location: Location | None = None,
    online: bool = False,
) -> GroupMeeting:
    """A meeting of the group and, once it has happened, how many came. The lead or a coordinator."""
    if not permissions.can_record_meeting(actor, group):
        _refuse()
    errors: dict[str, list[str]] = {}
    if online and location is not None:
        errors["location"] = ["Choose a place or online, not both."]
    if location is not None and not queries.places_for_hub(actor.hub).filter(pk=location.pk).exists():
        errors["location"] = ["Choose a place from this hub's directory."]
    if attended is not None:
        if isinstance(attended, bool) or not isinstance(attended, int) or not 0 <= attended <= 1000:
            errors["attended"] = ["Enter how many people came, from 0 to 1000."]
        elif starts_at > timezone.now():
            errors["attended"] = ["You can record how many came once the meeting has started."]
    if errors:
        raise DomainError("Check the meeting details.", errors)
    meeting = GroupMeeting.objects.create(
        group=group,
        starts_at=starts_at,
        attended=attended,
        location=location,
        online=online,
        recorded_by=actor.user,
    )
    audit.record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=meeting, summary=f"Meeting of {group.name}"
    )
    return meeting


@transaction.atomic
def record_meeting_count(*, actor: Actor, meeting: GroupMeeting, attended: int) -> GroupMeeting:
    if not permissions.can_record_meeting(actor, meeting.group):
        _refuse()
    if isinstance(attended, bool) or not isinstance(attended, int) or not 0 <= attended <= 1000:
        raise DomainError("Enter how many people came.", {"attended": ["Enter a number from 0 to 1000."]})
    if meeting.starts_at > timezone.now():
        raise DomainError(
            "You can record how many came once the meeting has started.", {"attended": ["Not started yet."]}
        )
    meeting.attended = attended
    meeting.recorded_by = actor.user
    meeting.save(update_fields=["attended", "recorded_by"])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=meeting, fields=["attended"])
    return meeting


# ---- volunteers ----------------------------------------------------------------------------------


@transaction.atomic
def create_volunteer_role(
    *, actor: Actor, title: str, description: str = "", needs_background_check: bool = False
) -> VolunteerRole:
    if not permissions.can_manage_volunteers(actor):
        _refuse()
    title = _text(title, field="title", label="a title for the role", maximum=200)
    description = _text(
        description, field="description", label="the description", maximum=2000, required=False
    )
    if VolunteerRole.objects.filter(hub=actor.hub, title__iexact=title).exists():
        raise Conflict(
            "There is already a volunteer role with that title.", {"title": ["Choose another title."]}
        )
    role = VolunteerRole.objects.create(
        hub=actor.hub, title=title, description=description, needs_background_check=needs_background_check
    )
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=role, summary=f"Volunteer role {title}")
    return role


@transaction.atomic
def set_role_open(*, actor: Actor, role: VolunteerRole, open_: bool) -> VolunteerRole:
    """Open a role to applications or close it; applications already made stay to be decided."""
    if not permissions.can_manage_volunteers(actor) or role.hub_id != actor.hub.pk:
        _refuse()
    role.open = bool(open_)
    role.save(update_fields=["open"])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=role, fields=["open"])
    return role


@transaction.atomic
def apply_to_volunteer(*, actor: Actor, role: VolunteerRole, why: str = "") -> VolunteerApplication:
    """A person applies for a volunteer role for themself."""
    if not permissions.can_apply_to_volunteer(actor) or role.hub_id != actor.hub.pk or actor.person is None:
        _refuse()
        raise AssertionError  # unreachable; tells the type checker actor.person is set below
    if not role.open:
        raise Conflict("This role is not taking applications at the moment.")
    why = _text(why, field="why", label="why you would like to do this", maximum=2000, required=False)
    open_statuses = [VolunteerApplication.Status.RECEIVED, VolunteerApplication.Status.ACCEPTED]
    if VolunteerApplication.objects.filter(role=role, person=actor.person, status__in=open_statuses).exists():
        raise Conflict("You have already applied for this role.")
    application = VolunteerApplication.objects.create(hub=actor.hub, role=role, person=actor.person, why=why)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        person=actor.person,
        obj=application,
        summary=f"Applied: {role.title}",
    )
    return application


def current_check(person: Person, *, on: date | None = None) -> BackgroundCheck | None:
    on = on or timezone.localdate()
    return (
        person.background_checks.filter(checked_on__lte=on, expires_on__gt=on).order_by("-expires_on").first()
    )


@transaction.atomic
def decide_application(
    *, actor: Actor, application: VolunteerApplication, accept: bool
) -> VolunteerApplication:
    """Accept or decline. A role that needs a background check is accepted only with a current one."""
    if not permissions.can_manage_volunteers(actor) or application.hub_id != actor.hub.pk:
        _refuse()
    if application.status != VolunteerApplication.Status.RECEIVED:
        raise Conflict("This application has already been decided.")
    if accept and application.role.needs_background_check and current_check(application.person) is None:
        raise DomainError(
            f"{application.role.title} needs a background check. Record a current check for "
            f"{application.person.display_name} before accepting."
        )
    application.status = (
        VolunteerApplication.Status.ACCEPTED if accept else VolunteerApplication.Status.DECLINED
    )
    application.decided_at = timezone.now()
    application.decided_by = actor.user
    application.save(update_fields=["status", "decided_at", "decided_by"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=application.person,
        obj=application,
        summary=f"Application {application.get_status_display().lower()}",
        fields=["status"],
    )
    return application


def _dates_in_order(first: date, later: date | None, *, field: str, message: str) -> None:
    if later is not None and later <= first:
        raise DomainError(message, {field: [message]})


@transaction.atomic
def record_background_check(
    *, actor: Actor, person: Person, kind: str, checked_on: date, expires_on: date, reference: str = ""
) -> BackgroundCheck:
    if not permissions.can_manage_volunteers(actor):
        _refuse()
    _same_hub_person(actor, person)
    kind = _text(kind, field="kind", label="the kind of check", maximum=100)
    reference = _text(reference, field="reference", label="the reference", maximum=100, required=False)
    if checked_on > timezone.localdate():
        raise DomainError(
            "The check date cannot be in the future.", {"checked_on": ["Cannot be in the future."]}
        )
    _dates_in_order(
        checked_on, expires_on, field="expires_on", message="The expiry date must be after the check date."
    )
    check = BackgroundCheck.objects.create(
        hub=actor.hub,
        person=person,
        kind=kind,
        checked_on=checked_on,
        expires_on=expires_on,
        reference=reference,
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        person=person,
        obj=check,
        summary="Background check recorded",
    )
    return check


@transaction.atomic
def record_training(
    *, actor: Actor, person: Person, title: str, completed_on: date, expires_on: date | None = None
) -> TrainingRecord:
    if not permissions.can_manage_volunteers(actor):
        _refuse()
    _same_hub_person(actor, person)
    title = _text(title, field="title", label="the training", maximum=200)
    if completed_on > timezone.localdate():
        raise DomainError(
            "The training date cannot be in the future.", {"completed_on": ["Cannot be in the future."]}
        )
    _dates_in_order(
        completed_on, expires_on, field="expires_on", message="The renewal date must be after the training."
    )
    record = TrainingRecord.objects.create(
        hub=actor.hub, person=person, title=title, completed_on=completed_on, expires_on=expires_on
    )
    audit.record(
        actor=actor, action=AuditEvent.Action.CREATE, person=person, obj=record, summary="Training recorded"
    )
    return record


@transaction.atomic
def record_supervision(
    *, actor: Actor, person: Person, supervisor: Person, held_on: date, kind: str
) -> Supervision:
    if not permissions.can_manage_volunteers(actor):
        _refuse()
    _same_hub_person(actor, person)
    _same_hub_person(actor, supervisor, field="supervisor")
    errors: dict[str, list[str]] = {}
    if supervisor.pk == person.pk:
        errors["supervisor"] = ["Choose someone other than the person being supervised."]
    if kind not in Supervision.Kind.values:
        errors["kind"] = ["Choose managerial or peer supervision."]
    elif kind == Supervision.Kind.PEER and not has_lived_experience(supervisor):
        errors["supervisor"] = [
            "Peer supervision is given by someone with lived experience, such as a peer supporter."
        ]
    if held_on > timezone.localdate():
        errors["held_on"] = ["Record supervision once it has happened."]
    if errors:
        raise DomainError("Check the supervision details.", errors)
    supervision = Supervision.objects.create(
        hub=actor.hub, person=person, supervisor=supervisor, held_on=held_on, kind=kind
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        person=person,
        obj=supervision,
        summary="Supervision recorded",
    )
    return supervision


@transaction.atomic
def record_volunteer_hours(
    *, actor: Actor, person: Person, worked_on: date, minutes: int, role: VolunteerRole | None = None
) -> VolunteerHours:
    """Hours a volunteer gave: recorded by them or by a coordinator."""
    if not permissions.can_record_hours(actor, person):
        _refuse()
    minutes = _whole(minutes, field="minutes", label="the time", low=1, high=24 * 60)
    if worked_on > timezone.localdate():
        raise DomainError("The date cannot be in the future.", {"worked_on": ["Cannot be in the future."]})
    if role is not None and role.hub_id != actor.hub.pk:
        raise DomainError("Choose a role in this hub.", {"role": ["Choose a role in this hub."]})
    hours = VolunteerHours.objects.create(
        hub=actor.hub, person=person, role=role, worked_on=worked_on, minutes=minutes, recorded_by=actor.user
    )
    audit.record(
        actor=actor, action=AuditEvent.Action.CREATE, person=person, obj=hours, summary="Volunteer hours"
    )
    return hours


@transaction.atomic
def nominate_issue(*, actor: Actor, text: str) -> NominatedIssue:
    """A volunteer or peer worker puts an issue forward for the next development day."""
    if not permissions.can_nominate_issue(actor) or actor.person is None:
        _refuse("Volunteers and peer supporters nominate issues for development days.")
        raise AssertionError  # unreachable
    text = _text(text, field="text", label="the issue", maximum=500)
    issue = NominatedIssue.objects.create(hub=actor.hub, nominated_by=actor.person, text=text)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=issue, summary="Issue nominated")
    return issue


@transaction.atomic
def schedule_development_day(*, actor: Actor, held_on: date, title: str = "") -> DevelopmentDay:
    if not permissions.can_manage_volunteers(actor):
        _refuse()
    title = _text(title, field="title", label="the title", maximum=200, required=False)
    if DevelopmentDay.objects.filter(hub=actor.hub, held_on=held_on).exists():
        raise Conflict(
            "There is already a development day on that date.", {"held_on": ["Choose another date."]}
        )
    day = DevelopmentDay.objects.create(hub=actor.hub, held_on=held_on, title=title)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=day, summary="Development day")
    return day


@transaction.atomic
def build_agenda(*, actor: Actor, day: DevelopmentDay) -> list[NominatedIssue]:
    """Put every issue nominated and not yet discussed on the agenda of `day`, oldest first. Issues
    go to the next meeting after they are raised (004 l.525), so only the next day still to come
    takes them."""
    if not permissions.can_manage_volunteers(actor) or day.hub_id != actor.hub.pk:
        _refuse()
    today = timezone.localdate()
    if day.held_on < today:
        raise Conflict("This development day has passed; build the agenda of the next one.")
    earlier = DevelopmentDay.objects.filter(hub=actor.hub, held_on__gte=today, held_on__lt=day.held_on)
    first = earlier.order_by("held_on").first()
    if first is not None:
        raise Conflict(
            f"There is an earlier development day on {first.held_on:%d %B %Y}: "
            "issues go to the next one first."
        )
    waiting = list(
        NominatedIssue.objects.select_for_update()
        .filter(hub=actor.hub, day__isnull=True)
        .filter(Q(nominated_at__date__lte=day.held_on))
        .order_by("nominated_at", "id")
    )
    for issue in waiting:
        issue.day = day
        issue.save(update_fields=["day"])
    audit.record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=day, summary=f"Agenda: {len(waiting)} issues"
    )
    return waiting


# ---- on-call rota --------------------------------------------------------------------------------
# The periods themselves are support's (support.services.schedule_on_call / cancel_on_call): the rota
# page calls those, so the crisis-plan rule in decision 0009 reads the same rows the rota shows.

MAX_AVAILABILITY = timedelta(days=7)
MAX_REPEAT_WEEKS = 12


def _aware_span(starts_at: Any, ends_at: Any) -> None:
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime):
        raise DomainError("Enter when it starts and ends.", {"starts_at": ["Enter a date and time."]})
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise DomainError("Give times with a time zone.", {"starts_at": ["Give a time zone."]})
    if ends_at <= starts_at:
        raise DomainError("The end must be after the start.", {"ends_at": ["End after the start."]})


@transaction.atomic
def add_availability(
    *, actor: Actor, peer: Person, starts_at: datetime, ends_at: datetime, note: str = "", weeks: int = 1
) -> list[OnCallAvailability]:
    """A peer supporter says when they could be on call, once or on the same day and time for up to
    twelve weeks. Times already past, and times overlapping their own availability, are refused."""
    if not permissions.can_offer_availability(actor, peer):
        _refuse()
    if not peer.role_grants.filter(role=Role.PEER_SUPPORTER).exists():
        raise DomainError(
            f"{peer.display_name} is not a peer supporter.", {"peer": ["Choose a peer supporter."]}
        )
    _aware_span(starts_at, ends_at)
    if ends_at - starts_at > MAX_AVAILABILITY:
        raise DomainError(
            "Say a week or less at a time.", {"ends_at": ["At most seven days after the start."]}
        )
    if ends_at <= timezone.now():
        raise DomainError("That time has passed.", {"ends_at": ["Choose a time still to come."]})
    weeks = _whole(weeks, field="weeks", label="the number of weeks", low=1, high=MAX_REPEAT_WEEKS)
    note = _text(note, field="note", label="the note", maximum=200, required=False)
    # Lock the peer's row so two submissions of overlapping times cannot both pass the overlap check.
    Person.objects.select_for_update().filter(pk=peer.pk).first()
    spans = [(starts_at + timedelta(weeks=i), ends_at + timedelta(weeks=i)) for i in range(weeks)]
    clash = Q()
    for start, end in spans:
        clash |= Q(starts_at__lt=end, ends_at__gt=start)
    if OnCallAvailability.objects.filter(peer=peer).filter(clash).exists():
        raise Conflict(
            "That overlaps a time already given. Withdraw the earlier one first, or choose another time."
        )
    rows = [
        OnCallAvailability(
            hub=actor.hub, peer=peer, starts_at=start, ends_at=end, note=note, created_by=actor.user
        )
        for start, end in spans
    ]
    OnCallAvailability.objects.bulk_create(rows)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        person=peer,
        summary=f"Available for on call: {len(rows)} time{'s' if len(rows) != 1 else ''}",
    )
    return rows


@transaction.atomic
def withdraw_availability(*, actor: Actor, availability: OnCallAvailability) -> None:
    mine = permissions.can_offer_availability(actor, availability.peer)
    if availability.hub_id != actor.hub.pk or not mine:
        _refuse()
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=availability.peer,
        obj=availability,
        summary="Withdrew on-call availability",
    )
    availability.delete()


@transaction.atomic
def set_rota_cover(*, actor: Actor, days: Any, from_hour: Any, to_hour: Any) -> RotaSettings:
    """Which hours of the week the hub wants a peer on call (from 0 to 24 is every hour)."""
    if not permissions.can_manage_rota(actor):
        _refuse()
    errors: dict[str, list[str]] = {}
    chosen = sorted({str(d) for d in days or []})
    if not chosen or any(d not in "0123456" or len(d) != 1 for d in chosen):
        errors["days"] = ["Choose at least one day."]
    for value, field, low, high in ((from_hour, "from_hour", 0, 23), (to_hour, "to_hour", 1, 24)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[field] = [f"Enter an hour from {low} to {high}."]
    if not errors and from_hour == to_hour:
        errors["to_hour"] = ["Choose a different hour from the start (0 to 24 covers the whole day)."]
    if errors:
        raise DomainError("Check the hours to cover.", errors)
    settings, _ = RotaSettings.objects.select_for_update().get_or_create(hub=actor.hub)
    settings.cover_days = "".join(chosen)
    settings.cover_from_hour, settings.cover_to_hour = from_hour, to_hour
    settings.updated_at = timezone.now()
    settings.save()
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=settings,
        fields=["cover_days", "cover_from_hour", "cover_to_hour"],
    )
    return settings


@dataclass
class CreditRun:
    credited: list[OnCallCredit]
    skipped: list[tuple[OnCallPeriod, str]]

    @property
    def hours(self) -> int:
        return sum(c.hours for c in self.credited)


@transaction.atomic
def credit_on_call_time(
    *, actor: Actor, start: datetime, end: datetime, now: datetime | None = None
) -> CreditRun:
    """Credit each on-call period that ended between `start` and `end`, and has ended, to the peer's
    time-bank account at the hub's rate (timebank.services.award). A period is credited once, ever:
    running this again, or for an overlapping week, posts nothing new. Cancelled periods earn nothing
    (cancelling is how a coordinator says a period did not happen; a shorter one can be added for time
    that was served). The time bank credits whole hours, so minutes past the last whole hour are not."""
    from timebank import services as timebank_services
    from timebank.queries import account_of

    if not permissions.can_manage_rota(actor):
        _refuse()
    _aware_span(start, end)
    now = now or timezone.now()
    # Lock the periods (not their joins: PostgreSQL refuses FOR UPDATE on an outer join's nullable
    # side), then read which are credited, so a concurrent run waits here and then finds them done.
    periods = list(
        OnCallPeriod.objects.select_for_update(of=("self",))
        .filter(
            hub=actor.hub,
            cancelled_at__isnull=True,
            ends_at__gt=start,
            ends_at__lte=min(end, now),
        )
        .select_related("peer")
        .order_by("pk")
    )
    done = set(
        OnCallCredit.objects.filter(period__in=[p.pk for p in periods]).values_list("period_id", flat=True)
    )
    run = CreditRun(credited=[], skipped=[])
    for period in periods:
        if period.pk in done:
            continue
        hours = int((period.ends_at - period.starts_at).total_seconds() // 3600)
        if hours < 1:
            run.skipped.append((period, "shorter than an hour"))
            continue
        account = account_of(period.peer)
        if account is None or not account.is_approved or not account.is_active:
            run.skipped.append((period, "no approved time-bank account"))
            continue
        local_start, local_end = timezone.localtime(period.starts_at), timezone.localtime(period.ends_at)
        transfer = timebank_services.award(
            actor=actor,
            to_account=account,
            minutes=hours * 60,
            on_call_hours=hours,
            reason=f"On call {local_start:%a %d %b %H:%M} to {local_end:%a %d %b %H:%M}",
            idempotency_key=f"on-call-period:{period.pk}",
        )
        run.credited.append(
            OnCallCredit.objects.create(
                period=period,
                hub=actor.hub,
                peer=period.peer,
                hours=hours,
                transfer=transfer,
                credited_by=actor.user,
            )
        )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        summary=f"Credited on-call time: {len(run.credited)} periods, {run.hours} hours",
    )
    return run
