"""Who may do what with directory records.

Anyone, signed in or not, may read the directory: it lists public services (the HSDS feed is open by
the UK profile's rules). Coordinators and link workers keep their own hub's records: they add, edit
and confirm them; only coordinators retire a service. A hub that a service is shared with lists it and
refers to it, but only the owning hub changes it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from core.roles import Actor, Role
from directory.models import Service

EDITORS = (Role.COORDINATOR, Role.LINK_WORKER)


def can_manage_directory(actor: Actor | None) -> bool:
    """See the staff pages: the add form and the list of records due a check."""
    return actor is not None and actor.has(*EDITORS)


def can_add_service(actor: Actor | None) -> bool:
    return can_manage_directory(actor)


def can_edit_service(actor: Actor | None, service: Service) -> bool:
    return actor is not None and service.hub_id == actor.hub.pk and actor.has(*EDITORS)


def can_verify_service(actor: Actor | None, service: Service) -> bool:
    return can_edit_service(actor, service)


def can_retire_service(actor: Actor | None, service: Service) -> bool:
    return actor is not None and service.hub_id == actor.hub.pk and actor.has(Role.COORDINATOR)


def can_share_service(actor: Actor | None, service: Service) -> bool:
    return can_retire_service(actor, service)


def visible_to_hub(hub) -> Q:
    """Services a hub lists: its own and those other hubs share with it."""
    return Q(hub=hub) | Q(shared_with=hub)


CHECKS = {
    "edit": can_edit_service,
    "verify": can_verify_service,
    "retire": can_retire_service,
    "share": can_share_service,
}


def get_service_for(actor: Actor | None, service_id, *, action: str) -> Service:
    """The service `actor` may `action`, or 404 (no such service) / 403 (not theirs to change)."""
    try:
        service = Service.objects.select_related("hub", "organization").get(pk=service_id)
    except (Service.DoesNotExist, ValueError, TypeError):
        raise Http404("No such service") from None
    if not CHECKS[action](actor, service):
        raise PermissionDenied("You do not have permission to do that")
    return service
