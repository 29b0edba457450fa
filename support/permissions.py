"""Who may do what in support. Every page, API view and service asks these functions.

- Link workers (health coaches and local area coordinators hold the same role) and coordinators work
  with referrals, caseloads, sessions and plans of anyone in their own hub.
- A member sees their own referrals and plans and edits their own plans; commissioners see figures only.
- A referrer sees the status of the referrals they made, and nothing else about the person.
- A peer supporter sees a member's crisis plan only while all three hold: the member named them, the
  member consents to sharing plans, and they are on call now. Every such view is audited.
- Sensitive session notes are for the coordinators and the workers who have supported that person.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from core.roles import Actor, Role
from people.models import ConsentPurpose, Person
from people.queries import has_consent
from support.models import OnCallPeriod, Plan, PlanSupporter, Referral, SupportSession

SUPPORT_STAFF = (Role.LINK_WORKER, Role.COORDINATOR)
# The team sees exact figures; everyone else who may see reports sees small numbers suppressed.
REPORT_ROLES = (Role.LINK_WORKER, Role.COORDINATOR, Role.COMMISSIONER, Role.ADMINISTRATOR)


def is_support_staff(actor: Actor) -> bool:
    return actor.has(*SUPPORT_STAFF)


def is_coordinator(actor: Actor) -> bool:
    return actor.has(Role.COORDINATOR)


def _same_hub(actor: Actor, hub_id: int) -> bool:
    return hub_id == actor.hub.pk


# ---- services, rules and rotas ------------------------------------------------------------------


def can_configure_services(actor: Actor) -> bool:
    """Services, eligibility rules, pathways, code lists and the conversation template."""
    return is_coordinator(actor)


def can_manage_on_call(actor: Actor) -> bool:
    return is_coordinator(actor)


# ---- referrals ----------------------------------------------------------------------------------


def can_make_referral(actor: Actor) -> bool:
    """The staff form and the API: support staff, and referrers with a login (as themselves)."""
    return is_support_staff(actor) or (actor.person is not None and actor.has(Role.REFERRER))


def can_upload_referrals(actor: Actor) -> bool:
    return is_support_staff(actor)


def can_list_referrals(actor: Actor) -> bool:
    return is_support_staff(actor)


def is_referrer_of(actor: Actor, referral: Referral) -> bool:
    return actor.person is not None and referral.referrer_person_id == actor.person.pk


def is_referred_person(actor: Actor, referral: Referral) -> bool:
    return actor.person is not None and referral.person_id == actor.person.pk


def can_view_referral(actor: Actor, referral: Referral) -> bool:
    """The whole referral: support staff in the hub, and the referred member themself."""
    if not _same_hub(actor, referral.hub_id):
        return False
    return is_support_staff(actor) or is_referred_person(actor, referral)


def can_view_referral_status(actor: Actor, referral: Referral) -> bool:
    """Status only: also the referrer who made it."""
    if not _same_hub(actor, referral.hub_id):
        return False
    return can_view_referral(actor, referral) or is_referrer_of(actor, referral)


def can_triage(actor: Actor, referral: Referral) -> bool:
    return _same_hub(actor, referral.hub_id) and is_support_staff(actor)


def can_work_with(actor: Actor, referral: Referral) -> bool:
    """Record sessions, conversations, onward referrals and follow-ups; hand over; close."""
    return _same_hub(actor, referral.hub_id) and is_support_staff(actor)


# ---- caseloads and reports ----------------------------------------------------------------------


def can_view_caseload(actor: Actor, worker: Person) -> bool:
    """A worker sees their own caseload; coordinators see everyone's."""
    if not _same_hub(actor, worker.hub_id):
        return False
    if is_coordinator(actor):
        return True
    return actor.has(Role.LINK_WORKER) and actor.is_self(worker)


def can_view_reports(actor: Actor) -> bool:
    return actor.has(*REPORT_ROLES)


def sees_exact_figures(actor: Actor) -> bool:
    """The support team sees exact counts; commissioners and administrators see small numbers
    suppressed."""
    return is_support_staff(actor)


# ---- sessions -----------------------------------------------------------------------------------


def has_supported(actor: Actor, referral: Referral) -> bool:
    """The actor is, or was, one of this person's workers on this referral."""
    if actor.person is None:
        return False
    if referral.worker_id == actor.person.pk:
        return True
    return referral.assignments.filter(worker=actor.person).exists()


def can_view_session_notes(actor: Actor, referral: Referral) -> bool:
    return can_view_referral(actor, referral)


def can_view_sensitive_notes(actor: Actor, referral: Referral) -> bool:
    """Sensitive notes are for coordinators and the person's own workers, not the whole team and not
    the member's record view (a subject access request goes through an administrator)."""
    if not _same_hub(actor, referral.hub_id):
        return False
    return is_coordinator(actor) or (actor.has(Role.LINK_WORKER) and has_supported(actor, referral))


def visible_notes(actor: Actor, session: SupportSession, *, sensitive_ok: bool) -> str:
    """The notes the actor may read: sensitive notes become an empty string for everyone else.
    Pass `sensitive_ok=can_view_sensitive_notes(actor, referral)` once per referral, not per row."""
    if session.sensitivity == SupportSession.Sensitivity.SENSITIVE and not sensitive_ok:
        return ""
    return session.notes


# ---- plans --------------------------------------------------------------------------------------


def owns_plan(actor: Actor, plan: Plan) -> bool:
    return actor.is_self(plan.person)


def can_create_plan(actor: Actor, person: Person) -> bool:
    if not _same_hub(actor, person.hub_id):
        return False
    return actor.is_self(person) or is_support_staff(actor)


def can_edit_plan(actor: Actor, plan: Plan) -> bool:
    """The member owns the plan and edits it when they have a login; support staff co-write it."""
    return can_create_plan(actor, plan.person)


def is_on_call(actor: Actor, *, at: datetime | None = None) -> bool:
    if actor.person is None or not actor.has(Role.PEER_SUPPORTER):
        return False
    now = at or timezone.now()
    return OnCallPeriod.objects.filter(
        hub=actor.hub,
        peer=actor.person,
        starts_at__lte=now,
        ends_at__gt=now,
        cancelled_at__isnull=True,
    ).exists()


def is_named_supporter(actor: Actor, plan: Plan) -> bool:
    if actor.person is None:
        return False
    return PlanSupporter.objects.filter(plan=plan, peer=actor.person, removed_at__isnull=True).exists()


def can_view_crisis_plan_as_peer(actor: Actor, plan: Plan, *, at: datetime | None = None) -> bool:
    """SUN's crisis and support plans (000 case 2): a named peer, the member's consent, on call now."""
    return (
        plan.kind == Plan.Kind.CRISIS
        and _same_hub(actor, plan.person.hub_id)
        and not actor.is_self(plan.person)
        and is_named_supporter(actor, plan)
        and is_on_call(actor, at=at)
        and has_consent(person=plan.person, purpose=ConsentPurpose.SHARE_PLANS)
    )


def can_view_plan(actor: Actor, plan: Plan, *, at: datetime | None = None) -> bool:
    if not _same_hub(actor, plan.person.hub_id):
        return False
    if actor.is_self(plan.person) or is_support_staff(actor):
        return True
    return can_view_crisis_plan_as_peer(actor, plan, at=at)


def can_name_supporters(actor: Actor, plan: Plan) -> bool:
    """Who sees the crisis plan is the member's choice: they name peers, or staff record their choice."""
    return plan.kind == Plan.Kind.CRISIS and can_edit_plan(actor, plan)


# ---- get_<thing>_for: the object, or 404/403, audited either way ---------------------------------


def _refuse(actor: Actor, *, person: Person | None, obj, what: str) -> None:
    audit.record(
        actor=actor, action=AuditEvent.Action.DENIED, person=person, obj=obj, summary=f"Refused: {what}"
    )
    raise PermissionDenied("You do not have permission to do that")


def _not_here(actor: Actor, what: str, ident) -> None:
    audit.record(
        actor=actor,
        action=AuditEvent.Action.DENIED,
        summary=f"Tried to open {what} #{str(ident)[:20]}, not in this hub",
    )
    raise Http404(f"No such {what} in this hub")


REFERRAL_CHECKS = {
    "view": can_view_referral,
    "status": can_view_referral_status,
    "triage": can_triage,
    "work": can_work_with,
}


def get_referral_for(actor: Actor, referral_id, *, action: str = "view") -> Referral:
    """The referral `actor` may `action` ("view", "status", "triage", "work"), or 404/403; audited."""
    check = REFERRAL_CHECKS[action]
    try:
        referral = Referral.objects.select_related("hub", "service", "person", "worker", "current_step").get(
            pk=int(referral_id)
        )
    except (Referral.DoesNotExist, ValueError, TypeError, OverflowError):
        referral = None
    if referral is None or not _same_hub(actor, referral.hub_id):
        _not_here(actor, "referral", referral_id)
    assert referral is not None  # noqa: S101 - _not_here raised otherwise; this narrows the type
    if not check(actor, referral):
        _refuse(actor, person=referral.person, obj=referral, what=f"{action} a referral")
    audit.record(
        actor=actor,
        action=AuditEvent.Action.VIEW,
        person=referral.person,
        obj=referral,
        summary=f"Opened a referral ({action})",
    )
    return referral


def get_plan_for(actor: Actor, plan_id, *, action: str = "view", at: datetime | None = None) -> Plan:
    """The plan `actor` may `action` ("view" or "edit"), or 404/403; every view is audited, and a
    peer's view of a crisis plan says so in the member's log."""
    try:
        plan = Plan.objects.select_related("person", "person__hub").get(pk=int(plan_id))
    except (Plan.DoesNotExist, ValueError, TypeError, OverflowError):
        plan = None
    if plan is None or not _same_hub(actor, plan.person.hub_id):
        _not_here(actor, "plan", plan_id)
    assert plan is not None  # noqa: S101 - _not_here raised otherwise; this narrows the type
    allowed = can_edit_plan(actor, plan) if action == "edit" else can_view_plan(actor, plan, at=at)
    if not allowed:
        _refuse(actor, person=plan.person, obj=plan, what=f"{action} a {plan.get_kind_display().lower()}")
    peer_view = not (actor.is_self(plan.person) or is_support_staff(actor))
    summary = (
        "Peer on call opened the crisis and support plan"
        if peer_view
        else f"Opened the {plan.get_kind_display().lower()} ({action})"
    )
    audit.record(actor=actor, action=AuditEvent.Action.VIEW, person=plan.person, obj=plan, summary=summary)
    return plan
