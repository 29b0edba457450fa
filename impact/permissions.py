"""Who may see and change impact data. Reports outside the team are suppressed (suppression.py); a
commissioner sees reports for the hubs they fund (Funding) and never an individual."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core import audit
from core.models import AuditEvent, Hub
from core.roles import Actor, Role
from impact.models import CostComparison, Funding, SroiModel
from people.models import Person

# The team sees exact counts; everyone else who may see a report sees them suppressed.
TEAM = (Role.COORDINATOR, Role.ADMINISTRATOR)


def is_team(actor: Actor, hub: Hub) -> bool:
    return actor.hub.pk == hub.pk and actor.has(*TEAM)


def can_manage_models(actor: Actor) -> bool:
    """SROI models, cost-avoided calculators, proxies and funding belong to the hub's coordinators."""
    return actor.has(Role.COORDINATOR)


def can_record_measurement(actor: Actor, person: Person) -> bool:
    if person.hub_id != actor.hub.pk:
        return False
    return actor.has(Role.COORDINATOR, Role.LINK_WORKER) or actor.is_self(person)


def can_view_reports(actor: Actor) -> bool:
    return actor.has(*TEAM) or actor.has(Role.COMMISSIONER)


def report_hubs(actor: Actor) -> list[Hub]:
    """Hubs whose reports the actor may open: their own as team, and every hub they fund as commissioner."""
    hubs: dict[int, Hub] = {}
    if actor.has(*TEAM):
        hubs[actor.hub.pk] = actor.hub
    if actor.has(Role.COMMISSIONER) and actor.user is not None:
        for funding in Funding.objects.filter(commissioner=actor.user).select_related("hub"):
            hubs.setdefault(funding.hub.pk, funding.hub)
    return sorted(hubs.values(), key=lambda h: h.name)


def get_report_hub_for(actor: Actor, slug: str) -> tuple[Hub, bool]:
    """The hub whose report the actor asked for, and whether counts must be suppressed; 404 otherwise."""
    for hub in report_hubs(actor):
        if hub.slug == slug:
            return hub, not is_team(actor, hub)
    audit.record(
        actor=actor, action=AuditEvent.Action.DENIED, summary=f"Tried to open impact report {slug[:40]}"
    )
    raise Http404("No such report")


def get_model_for(actor: Actor, model_id: int) -> SroiModel:
    model = SroiModel.objects.filter(pk=model_id, hub=actor.hub).first()
    if model is None:
        raise Http404("No such SROI model in this hub")
    if not can_manage_models(actor):
        raise PermissionDenied("Only coordinators work on SROI models")
    return model


def get_comparison_for(actor: Actor, comparison_id: int) -> CostComparison:
    comparison = CostComparison.objects.filter(pk=comparison_id, hub=actor.hub).first()
    if comparison is None:
        raise Http404("No such calculator in this hub")
    if not can_manage_models(actor):
        raise PermissionDenied("Only coordinators work on cost calculators")
    return comparison
