"""Who may do what with courses, groups and volunteers.

Anyone, signed in or not, may read the prospectus of published runs: a recovery college's courses are
open to the public. Coordinators run the college (courses, runs, groups, volunteers). Link workers and
coordinators enrol people on their behalf. Co-facilitators take the register of their own runs. A
member enrols themself, writes their own learning plan and sees their own attendance. Commissioners
see the reports, with small numbers hidden; the team sees them whole.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core import audit
from core.models import AuditEvent
from core.roles import Actor, Role
from groups.models import CourseRun, Enrolment, Group, Session, VolunteerApplication
from people.models import Person

MANAGERS = (Role.COORDINATOR,)
ENROLLERS = (Role.COORDINATOR, Role.LINK_WORKER)
# People who take courses and join groups as themselves.
PARTICIPANTS = (Role.MEMBER, Role.PEER_SUPPORTER, Role.VOLUNTEER)
# The team sees figures whole; others with reports see small numbers suppressed.
TEAM = (Role.COORDINATOR, Role.LINK_WORKER)
REPORT_VIEWERS = (*TEAM, Role.COMMISSIONER, Role.ADMINISTRATOR)
# Decision 0010: who may fill each side of a co-facilitated or co-designed course.
PEER_TRAINER_ROLES = (Role.PEER_SUPPORTER,)
PRACTITIONER_ROLES = (Role.LINK_WORKER, Role.COORDINATOR)
# Who nominates issues for the development days: the volunteers and peer workers themselves.
NOMINATORS = (Role.VOLUNTEER, Role.PEER_SUPPORTER)


def _in_hub(actor: Actor | None, hub_id: int) -> bool:
    return actor is not None and actor.hub.pk == hub_id


def can_manage_courses(actor: Actor | None) -> bool:
    return actor is not None and actor.has(*MANAGERS)


def can_enrol_others(actor: Actor | None) -> bool:
    return actor is not None and actor.has(*ENROLLERS)


def can_enrol_self(actor: Actor | None, run: CourseRun) -> bool:
    """A person with a login and a participant role, in the run's hub."""
    return (
        _in_hub(actor, run.hub_id)
        and actor is not None
        and actor.person is not None
        and actor.has(*PARTICIPANTS)
    )


def is_facilitator(actor: Actor | None, run: CourseRun) -> bool:
    if actor is None or actor.person is None or not _in_hub(actor, run.hub_id):
        return False
    return any(f.person_id == actor.person.pk for f in run.facilitators.all())


def can_view_run(actor: Actor | None, run: CourseRun) -> bool:
    """Published runs are public; drafts and cancelled runs are for the college's staff and facilitators."""
    if run.is_published:
        return True
    return _in_hub(actor, run.hub_id) and (can_manage_courses(actor) or is_facilitator(actor, run))


def can_edit_run(actor: Actor | None, run: CourseRun) -> bool:
    return _in_hub(actor, run.hub_id) and can_manage_courses(actor)


def can_take_register(actor: Actor | None, run: CourseRun) -> bool:
    return _in_hub(actor, run.hub_id) and (can_manage_courses(actor) or is_facilitator(actor, run))


def can_view_students(actor: Actor | None, run: CourseRun) -> bool:
    return can_take_register(actor, run) or (_in_hub(actor, run.hub_id) and can_enrol_others(actor))


def owns_enrolment(actor: Actor | None, enrolment: Enrolment) -> bool:
    return actor is not None and actor.person is not None and enrolment.person_id == actor.person.pk


def can_cancel_enrolment(actor: Actor | None, enrolment: Enrolment) -> bool:
    return owns_enrolment(actor, enrolment) or (
        _in_hub(actor, enrolment.run.hub_id) and can_enrol_others(actor)
    )


def can_edit_plan(actor: Actor | None, enrolment: Enrolment) -> bool:
    """The plan is the student's: they write it, or staff write down what they said."""
    return can_cancel_enrolment(actor, enrolment)


def can_view_enrolment(actor: Actor | None, enrolment: Enrolment) -> bool:
    return can_cancel_enrolment(actor, enrolment) or can_take_register(actor, enrolment.run)


def can_get_certificate(actor: Actor | None, enrolment: Enrolment) -> bool:
    return can_view_enrolment(actor, enrolment)


# ---- groups ----


def can_manage_groups(actor: Actor | None) -> bool:
    return actor is not None and actor.has(*MANAGERS)


def can_join_group(actor: Actor | None, group: Group) -> bool:
    return (
        _in_hub(actor, group.hub_id)
        and actor is not None
        and actor.person is not None
        and actor.has(*PARTICIPANTS)
    )


def leads(actor: Actor | None, group: Group) -> bool:
    return actor is not None and actor.person is not None and group.lead_id == actor.person.pk


def can_record_meeting(actor: Actor | None, group: Group) -> bool:
    return _in_hub(actor, group.hub_id) and (can_manage_groups(actor) or leads(actor, group))


def can_view_group_members(actor: Actor | None, group: Group) -> bool:
    return can_record_meeting(actor, group)


# ---- volunteers ----


def can_manage_volunteers(actor: Actor | None) -> bool:
    return actor is not None and actor.has(*MANAGERS)


def can_apply_to_volunteer(actor: Actor | None) -> bool:
    return actor is not None and actor.person is not None


def can_nominate_issue(actor: Actor | None) -> bool:
    return actor is not None and actor.person is not None and actor.has(*NOMINATORS)


def can_view_volunteer_record(actor: Actor | None, person: Person) -> bool:
    return _in_hub(actor, person.hub_id) and (
        can_manage_volunteers(actor) or (actor is not None and actor.is_self(person))
    )


def can_record_hours(actor: Actor | None, person: Person) -> bool:
    return can_view_volunteer_record(actor, person)


# ---- on-call rota ----

# Who may answer a member's call for help: the coordinator and the team, or a peer supporter (who sees
# a crisis plan only through support's rule: named by the member, with consent, on call now).
CALL_TAKERS = (Role.COORDINATOR, Role.LINK_WORKER, Role.PEER_SUPPORTER)


def can_manage_rota(actor: Actor | None) -> bool:
    """Builds the rota and credits on-call time; the same people support lets schedule periods."""
    return actor is not None and actor.has(Role.COORDINATOR)


def can_offer_availability(actor: Actor | None, peer: Person) -> bool:
    """A peer supporter says when they can be on call; a coordinator may write it down for them."""
    if not _in_hub(actor, peer.hub_id) or actor is None:
        return False
    return can_manage_rota(actor) or (actor.is_self(peer) and actor.has(Role.PEER_SUPPORTER))


def can_take_crisis_calls(actor: Actor | None) -> bool:
    return actor is not None and actor.has(*CALL_TAKERS)


# ---- reports ----


def can_view_reports(actor: Actor | None) -> bool:
    return actor is not None and actor.has(*REPORT_VIEWERS)


def sees_small_numbers(actor: Actor | None) -> bool:
    return actor is not None and actor.has(*TEAM)


# ---- get_<thing>_for: the object, or 404 (not in this hub) / 403 (not yours), audited ----


def _refused(actor: Actor | None, obj, what: str):
    if actor is not None:
        audit.record(actor=actor, action=AuditEvent.Action.DENIED, obj=obj, summary=f"Refused: {what}")
    return PermissionDenied(f"You cannot do that with this {what}.")


RUN_CHECKS = {
    "view": can_view_run,
    "edit": can_edit_run,
    "register": can_take_register,
    "students": can_view_students,
    "enrol_self": can_enrol_self,
}


def get_run_for(actor: Actor | None, run_id, *, action: str = "view") -> CourseRun:
    try:
        run = (
            CourseRun.objects.select_related("hub", "course", "term")
            .prefetch_related("facilitators")
            .get(pk=int(run_id))
        )
    except (CourseRun.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such course run") from None
    if not run.is_published and not _in_hub(actor, run.hub_id):
        raise Http404("No such course run")
    if not RUN_CHECKS[action](actor, run):
        raise _refused(actor, run, "course run")
    return run


def get_session_for(actor: Actor | None, session_id) -> Session:
    """A session whose register the actor may take."""
    try:
        session = (
            Session.objects.select_related("run__hub", "run__course", "location")
            .prefetch_related("run__facilitators")
            .get(pk=int(session_id))
        )
    except (Session.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such session") from None
    if not _in_hub(actor, session.run.hub_id):
        raise Http404("No such session")
    if not can_take_register(actor, session.run):
        raise _refused(actor, session, "session")
    return session


ENROLMENT_CHECKS = {
    "view": can_view_enrolment,
    "cancel": can_cancel_enrolment,
    "plan": can_edit_plan,
    "certificate": can_get_certificate,
}


def get_enrolment_for(actor: Actor | None, enrolment_id, *, action: str = "view") -> Enrolment:
    try:
        enrolment = (
            Enrolment.objects.select_related("run__hub", "run__course", "person")
            .prefetch_related("run__facilitators")
            .get(pk=int(enrolment_id))
        )
    except (Enrolment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such enrolment") from None
    if not _in_hub(actor, enrolment.run.hub_id):
        raise Http404("No such enrolment")
    if not ENROLMENT_CHECKS[action](actor, enrolment):
        raise _refused(actor, enrolment, "enrolment")
    return enrolment


def get_group_for(actor: Actor | None, group_id, *, action: str = "view") -> Group:
    try:
        group = Group.objects.select_related("hub", "lead", "service").get(pk=int(group_id))
    except (Group.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such group") from None
    if not _in_hub(actor, group.hub_id):
        raise Http404("No such group")
    checks = {
        "view": lambda a, g: a is not None,
        "join": can_join_group,
        "record": can_record_meeting,
        "manage": lambda a, g: can_manage_groups(a),
    }
    if not checks[action](actor, group):
        raise _refused(actor, group, "group")
    return group


def get_application_for(actor: Actor | None, application_id) -> VolunteerApplication:
    """An application for a coordinator to decide."""
    try:
        application = VolunteerApplication.objects.select_related("role", "person").get(
            pk=int(application_id)
        )
    except (VolunteerApplication.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such application") from None
    if not _in_hub(actor, application.hub_id):
        raise Http404("No such application")
    if not can_manage_volunteers(actor):
        raise _refused(actor, application, "application")
    return application


def get_person_for(actor: Actor | None, person_id) -> Person:
    """A person in the actor's hub whose volunteer record the actor may see."""
    try:
        person = Person.objects.select_related("hub").get(pk=int(person_id))
    except (Person.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such person") from None
    if not _in_hub(actor, person.hub_id):
        raise Http404("No such person")
    if not can_view_volunteer_record(actor, person):
        raise _refused(actor, person, "volunteer record")
    return person
