"""Who may use member rights (UK GDPR articles 15-17). Every page and service asks these functions.

- A member sees, downloads, asks to correct and asks to erase their own record.
- Coordinators, administrators and link workers do the same on a member's behalf: people's own
  permissions let them manage anyone's record in their hub (people/permissions.py). Brokers,
  commissioners, peers and referrers do not.
- Staff complete or refuse requests; nobody completes their own.
- Only a coordinator or administrator carries out an erasure, after a confirmation step.
- Nobody acts on a person in another hub.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core import audit
from core.models import AuditEvent
from core.roles import Actor, Role
from people.models import Person
from rights.models import RightsRequest

ON_BEHALF = (Role.COORDINATOR, Role.ADMINISTRATOR, Role.LINK_WORKER)
ERASERS = (Role.COORDINATOR, Role.ADMINISTRATOR)


def _same_hub(actor: Actor, hub_id: int) -> bool:
    return hub_id == actor.hub.pk


def can_see_everything(actor: Actor, person: Person) -> bool:
    """The page of everything held and its download."""
    if not _same_hub(actor, person.hub_id):
        return False
    return actor.is_self(person) or actor.has(*ON_BEHALF)


def can_make_request(actor: Actor, person: Person) -> bool:
    return can_see_everything(actor, person)


def can_list_requests(actor: Actor) -> bool:
    return actor.has(*ON_BEHALF)


def can_view_request(actor: Actor, request: RightsRequest) -> bool:
    if not _same_hub(actor, request.hub_id):
        return False
    return actor.is_self(request.person) or actor.has(*ON_BEHALF)


def can_complete_request(actor: Actor, request: RightsRequest) -> bool:
    """Complete or refuse: staff, never on their own request; an erasure only by those who may erase."""
    if not _same_hub(actor, request.hub_id) or actor.is_self(request.person):
        return False
    if request.kind == RightsRequest.Kind.ERASURE:
        return actor.has(*ERASERS)
    return actor.has(*ON_BEHALF)


def can_withdraw_request(actor: Actor, request: RightsRequest) -> bool:
    return can_view_request(actor, request)


def can_erase(actor: Actor, person: Person) -> bool:
    if not _same_hub(actor, person.hub_id) or actor.is_self(person):
        return False
    return actor.has(*ERASERS)


def get_person_for(actor: Actor, person_id) -> Person:
    """The person whose rights `actor` may act on, or 404 (not in this hub) / 403; audited like
    people.permissions.get_person_for."""
    try:
        person = Person.objects.select_related("hub", "user").get(pk=int(person_id))
    except (Person.DoesNotExist, ValueError, TypeError, OverflowError):
        person = None
    if person is None or not _same_hub(actor, person.hub_id):
        audit.record(
            actor=actor,
            action=AuditEvent.Action.DENIED,
            summary=f"Tried to open data rights of person #{str(person_id)[:20]}, not in this hub",
        )
        raise Http404("No such person in this hub")
    if not can_see_everything(actor, person):
        audit.record(
            actor=actor, action=AuditEvent.Action.DENIED, person=person, summary="Refused: data rights"
        )
        raise PermissionDenied("You do not have permission to do that")
    return person


def get_request_for(actor: Actor, request_id) -> RightsRequest:
    try:
        request = RightsRequest.objects.select_related("person", "person__hub").get(pk=int(request_id))
    except (RightsRequest.DoesNotExist, ValueError, TypeError, OverflowError):
        request = None
    if request is None or not _same_hub(actor, request.hub_id):
        audit.record(
            actor=actor,
            action=AuditEvent.Action.DENIED,
            summary=f"Tried to open data rights request #{str(request_id)[:20]}, not in this hub",
        )
        raise Http404("No such request in this hub")
    if not can_view_request(actor, request):
        audit.record(
            actor=actor,
            action=AuditEvent.Action.DENIED,
            person=request.person,
            obj=request,
            summary="Refused: data rights request",
        )
        raise PermissionDenied("You do not have permission to do that")
    return request
