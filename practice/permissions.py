"""Who may do what with co-production practice.

Coordinators run the hub's practice: rounds, statements, depth verdicts, action plans, the portfolio
and the stakeholder map. The team (coordinators and link workers) enters paper answers. Reports are
aggregates of many answers, so commissioners and administrators see them too. An invited person
answers their own invitation; an action's two leads update its status. Anyone signed in reads the
catalogue: it is public knowledge from published reports.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core import audit
from core.models import AuditEvent
from core.roles import Actor, Role
from practice.models import Action, ActionPlan, Invitation, Round

MANAGERS = (Role.COORDINATOR,)
TEAM = (Role.COORDINATOR, Role.LINK_WORKER)
REPORT_VIEWERS = (*TEAM, Role.COMMISSIONER, Role.ADMINISTRATOR)
# TRIP (004 l.1056): each action is co-led by someone paid to work here and someone who uses the service.
STAFF_LEAD_ROLES = (Role.COORDINATOR, Role.LINK_WORKER, Role.BROKER, Role.ADMINISTRATOR)
MEMBER_LEAD_ROLES = (Role.MEMBER, Role.PEER_SUPPORTER)


def _in_hub(actor: Actor | None, hub_id: int) -> bool:
    return actor is not None and actor.hub.pk == hub_id


def can_manage_practice(actor: Actor | None) -> bool:
    return actor is not None and actor.has(*MANAGERS)


def can_enter_paper(actor: Actor | None, round_: Round) -> bool:
    return _in_hub(actor, round_.hub_id) and actor is not None and actor.has(*TEAM)


def can_view_reports(actor: Actor | None) -> bool:
    return actor is not None and actor.has(*REPORT_VIEWERS)


def can_view_round(actor: Actor | None, round_: Round) -> bool:
    return _in_hub(actor, round_.hub_id) and can_view_reports(actor)


def can_manage_round(actor: Actor | None, round_: Round) -> bool:
    return _in_hub(actor, round_.hub_id) and can_manage_practice(actor)


def invitation_of(actor: Actor | None, round_: Round) -> Invitation | None:
    if actor is None or actor.person is None or not _in_hub(actor, round_.hub_id):
        return None
    return round_.invitations.filter(person=actor.person).first()


def can_answer_named(actor: Actor | None, round_: Round) -> bool:
    """The person was invited by name, the round is open and they have not answered yet."""
    if not round_.is_open or invitation_of(actor, round_) is None:
        return False
    assert actor is not None and actor.person is not None  # noqa: S101 - invitation_of checked both
    return not round_.responses.filter(person=actor.person).exists()


def can_view_plan(actor: Actor | None, plan: ActionPlan) -> bool:
    """The team and report viewers see plans; so does anyone leading one of its actions."""
    if not _in_hub(actor, plan.hub_id) or actor is None:
        return False
    if actor.has(*REPORT_VIEWERS):
        return True
    return actor.person is not None and (
        Action.objects.filter(priority__plan=plan).filter(member_lead=actor.person).exists()
    )


def can_edit_plan(actor: Actor | None, plan: ActionPlan) -> bool:
    return _in_hub(actor, plan.hub_id) and can_manage_practice(actor)


def can_update_action(actor: Actor | None, action: Action) -> bool:
    """Coordinators, and the action's own two leads."""
    plan = action.priority.plan
    if not _in_hub(actor, plan.hub_id) or actor is None:
        return False
    if can_manage_practice(actor):
        return True
    return actor.person is not None and actor.person.pk in (action.staff_lead_id, action.member_lead_id)


def can_view_catalogue(actor: Actor | None) -> bool:
    return actor is not None


def _refused(actor: Actor | None, obj, what: str) -> PermissionDenied:
    if actor is not None:
        audit.record(actor=actor, action=AuditEvent.Action.DENIED, obj=obj, summary=f"Refused: {what}")
    return PermissionDenied(f"You cannot do that with this {what}.")


ROUND_CHECKS = {
    "view": can_view_round,
    "manage": can_manage_round,
    "paper": can_enter_paper,
    "answer": can_answer_named,
}


def get_round_for(actor: Actor | None, round_id, *, action: str = "view") -> Round:
    """The round, or 404 outside the actor's hub, or 403 when the role does not allow `action`."""
    try:
        round_ = Round.objects.select_related("hub").get(pk=int(round_id))
    except (Round.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such round") from None
    if not _in_hub(actor, round_.hub_id):
        raise Http404("No such round")
    if not ROUND_CHECKS[action](actor, round_):
        raise _refused(actor, round_, "round")
    return round_


def get_plan_for(actor: Actor | None, plan_id, *, edit: bool = False) -> ActionPlan:
    try:
        plan = ActionPlan.objects.select_related("hub", "round").get(pk=int(plan_id))
    except (ActionPlan.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such action plan") from None
    if not _in_hub(actor, plan.hub_id):
        raise Http404("No such action plan")
    allowed = can_edit_plan(actor, plan) if edit else can_view_plan(actor, plan)
    if not allowed:
        raise _refused(actor, plan, "action plan")
    return plan


def get_action_for(actor: Actor | None, action_id) -> Action:
    try:
        action = Action.objects.select_related("priority__plan__hub").get(pk=int(action_id))
    except (Action.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such action") from None
    if not _in_hub(actor, action.priority.plan.hub_id):
        raise Http404("No such action")
    if not can_update_action(actor, action):
        raise _refused(actor, action, "action")
    return action
