"""Who may do what with people's records. Every page, API view and service asks these functions.

The rule of thumb: staff who work with people's records (link workers, brokers, coordinators,
administrators) act on anyone in their own hub; everyone else acts only on their own record;
commissioners never see an individual.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core import audit
from core.models import AuditEvent
from core.roles import Actor, Role
from people.models import Person

PEOPLE_STAFF = (Role.LINK_WORKER, Role.BROKER, Role.COORDINATOR, Role.ADMINISTRATOR)


def _same_hub(actor: Actor, person: Person) -> bool:
    return person.hub_id == actor.hub.pk


def can_list_people(actor: Actor) -> bool:
    return actor.has(*PEOPLE_STAFF)


def can_add_person(actor: Actor) -> bool:
    return actor.has(*PEOPLE_STAFF)


def can_view_person(actor: Actor, person: Person) -> bool:
    if not _same_hub(actor, person):
        return False
    return actor.is_self(person) or actor.has(*PEOPLE_STAFF)


def can_edit_person(actor: Actor, person: Person) -> bool:
    """Staff edit; a member may correct their own record (UK GDPR right to rectification)."""
    return can_view_person(actor, person)


def can_record_consent(actor: Actor, person: Person) -> bool:
    """Consent is the person's: they answer for themselves, or staff record what they said.
    Administrators keep the system, not relationships, so they do not record consent."""
    if not _same_hub(actor, person):
        return False
    return actor.is_self(person) or actor.has(Role.LINK_WORKER, Role.BROKER, Role.COORDINATOR)


def can_view_person_audit(actor: Actor, person: Person) -> bool:
    """Who looked at a record: the person themself, coordinators and administrators."""
    if not _same_hub(actor, person):
        return False
    return actor.is_self(person) or actor.has(Role.COORDINATOR, Role.ADMINISTRATOR)


def can_search_audit(actor: Actor) -> bool:
    return actor.has(Role.ADMINISTRATOR)


def can_manage_roles(actor: Actor, person: Person) -> bool:
    return _same_hub(actor, person) and actor.has(Role.ADMINISTRATOR)


def can_view_hub_figures(actor: Actor) -> bool:
    """Aggregate counts only; what commissioners see."""
    return actor.has(Role.COMMISSIONER, Role.COORDINATOR, Role.ADMINISTRATOR)


CHECKS = {
    "view": can_view_person,
    "edit": can_edit_person,
    "consent": can_record_consent,
    "audit": can_view_person_audit,
    "roles": can_manage_roles,
}


def get_person_for(actor: Actor, person_id, *, action: str = "view") -> Person:
    """The person `actor` may `action`, or 404 (no such person in this hub) / 403.

    Every outcome is audited: a successful open as a view, a refusal as a denied attempt, so a
    member who guesses another member's address leaves a trace.
    """
    check = CHECKS[action]
    try:
        person = Person.objects.select_related("hub", "user").get(pk=int(person_id))
    except (Person.DoesNotExist, ValueError, TypeError, OverflowError):
        person = None
    if person is None or not _same_hub(actor, person):
        audit.record(
            actor=actor,
            action=AuditEvent.Action.DENIED,
            summary=f"Tried to {action} person #{str(person_id)[:20]}, not in this hub",
        )
        raise Http404("No such person in this hub")
    if not check(actor, person):
        audit.record(
            actor=actor,
            action=AuditEvent.Action.DENIED,
            person=person,
            summary=f"Refused: {action} this record",
        )
        raise PermissionDenied("You do not have permission to do that")
    audit.record(actor=actor, action=AuditEvent.Action.VIEW, person=person, summary=f"Opened ({action})")
    return person
