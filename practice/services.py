"""Every write for co-production practice: one transaction each, checked, audited.

Anonymous answers are the exception to "audit every write": an audit row carries who and when, and
either would tie the answer to a person, so submit_anonymous writes none (decision 0011).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit
from core.errors import Conflict, DomainError
from core.models import AuditEvent, Hub
from core.roles import Actor
from people.models import Person
from practice import permissions
from practice.frameworks import (
    DEFAULT_STATEMENTS,
    DELIVERER_LABELS,
    DEPTH_QUESTIONS,
    FOUR_CO_TAG_LABELS,
    LADDER_LABELS,
    PLANNER_LABELS,
    PRINCIPLE_KEYS,
    TOP_RATING,
    depth_verdict,
    ladder_for,
)
from practice.models import (
    Action,
    ActionPlan,
    Activity,
    Answer,
    DepthAssessment,
    Invitation,
    Perspective,
    Priority,
    Response,
    Round,
    RoundItem,
    Stakeholder,
    Statement,
)

MAX_PRIORITIES = 5  # TRIP plans keep to a few priorities; the issue asks for 3-5.
MIN_PRIORITIES = 3

Ratings = dict[int, int | None]


def _refuse(message: str = "You do not have permission to do that.") -> None:
    raise PermissionDenied(message)


def _text(value: Any, *, field: str, label: str, maximum: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(f"Enter {label}.", {field: [f"Enter {label}."]})
    if len(text) > maximum:
        raise DomainError(f"The {label} is too long.", {field: [f"Use {maximum} characters or fewer."]})
    return text


def _choice(value: Any, *, field: str, label: str, allowed: object) -> str:
    if value not in allowed:  # type: ignore[operator]
        raise DomainError(f"Choose {label}.", {field: [f"Choose {label}."]})
    return str(value)


def _principle(value: Any, field: str = "principle") -> str:
    return _choice(value, field=field, label="a principle", allowed=PRINCIPLE_KEYS)


def _roles_of(person: Person) -> set[str]:
    return {g.role for g in person.role_grants.all()}


# ---- statements ----


def ensure_statements(*, hub: Hub) -> int:
    """Give a hub the default statements if it has none; returns how many were added."""
    if Statement.objects.filter(hub=hub).exists():
        return 0
    Statement.objects.bulk_create(
        Statement(hub=hub, principle=p, text=t, position=(i + 1) * 10)
        for i, (p, t) in enumerate(DEFAULT_STATEMENTS)
    )
    return len(DEFAULT_STATEMENTS)


@transaction.atomic
def add_statement(*, actor: Actor, principle: str, text: str) -> Statement:
    if not permissions.can_manage_practice(actor):
        _refuse()
    ensure_statements(hub=actor.hub)
    last = Statement.objects.filter(hub=actor.hub).order_by("-position").first()
    statement = Statement.objects.create(
        hub=actor.hub,
        principle=_principle(principle),
        text=_text(text, field="text", label="the statement", maximum=300),
        position=(last.position if last else 0) + 10,
    )
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=statement, summary="Added a statement")
    return statement


@transaction.atomic
def update_statement(
    *, actor: Actor, statement: Statement, principle: str, text: str, active: bool
) -> Statement:
    """Change or retire a statement; rounds already open keep the wording they started with."""
    if not permissions.can_manage_practice(actor) or statement.hub_id != actor.hub.pk:
        _refuse()
    statement.principle = _principle(principle)
    statement.text = _text(text, field="text", label="the statement", maximum=300)
    statement.active = bool(active)
    statement.save()
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=statement,
        summary="Changed a statement",
        fields=["principle", "text", "active"],
    )
    return statement


# ---- rounds ----


@transaction.atomic
def open_round(*, actor: Actor, title: str, about: str) -> Round:
    """Open a round with the hub's active statements, copied so later edits leave it unchanged."""
    if not permissions.can_manage_practice(actor):
        _refuse()
    title = _text(title, field="title", label="a title", maximum=200)
    about = _text(about, field="about", label="the service or team the round is about", maximum=200)
    ensure_statements(hub=actor.hub)
    statements = sorted(
        Statement.objects.filter(hub=actor.hub, active=True),
        key=lambda s: (s.principle_order, s.position, s.pk),
    )
    if not statements:
        raise DomainError("The hub has no statements to ask about. Add or switch on some statements first.")
    round_ = Round.objects.create(hub=actor.hub, title=title, about=about, opened_by_label=actor.label[:200])
    RoundItem.objects.bulk_create(
        RoundItem(round=round_, principle=s.principle, text=s.text, position=i + 1)
        for i, s in enumerate(statements)
    )
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=round_, summary=f"Opened round {title}")
    return round_


def default_perspective(person: Person) -> str:
    """Members and peer supporters answer as members unless they also hold a staff role."""
    return Perspective.STAFF if _roles_of(person) & set(permissions.STAFF_LEAD_ROLES) else Perspective.MEMBER


@transaction.atomic
def invite(*, actor: Actor, round_: Round, person: Person, perspective: str = "") -> Invitation:
    if not permissions.can_manage_round(actor, round_):
        _refuse()
    if not round_.is_open:
        raise DomainError("This round is closed.")
    if person.hub_id != round_.hub_id:
        raise DomainError("Choose someone in this hub.", {"person": ["Choose someone in this hub."]})
    if person.user_id is None:
        raise DomainError(
            f"{person.display_name} has no login. Give them the anonymous link, or a paper form "
            "and enter their answers.",
            {"person": ["Choose someone with a login, or use a paper form."]},
        )
    perspective = perspective or default_perspective(person)
    _choice(perspective, field="perspective", label="staff or member", allowed=Perspective.values)
    if Invitation.objects.filter(round=round_, person=person).exists():
        raise Conflict(f"{person.display_name} is already invited.", {"person": ["Already invited."]})
    invitation = Invitation.objects.create(round=round_, person=person, perspective=perspective)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=invitation,
        person=person,
        summary="Invited to a round",
    )
    return invitation


def _check_ratings(round_: Round, ratings: Ratings) -> list[tuple[RoundItem, int | None]]:
    items = list(round_.items.all())
    known = {item.pk for item in items}
    strange = set(ratings) - known
    if strange:
        raise DomainError("Some answers are for statements that are not in this round.")
    errors: dict[str, list[str]] = {}
    for item in items:
        value = ratings.get(item.pk)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= TOP_RATING
        ):
            errors[f"item_{item.pk}"] = ["Choose one of the answers."]
    if errors:
        raise DomainError("Some answers could not be read.", errors)
    if all(ratings.get(item.pk) is None for item in items):
        raise DomainError("Answer at least one statement (you can say “don't know” to the others).")
    return [(item, ratings.get(item.pk)) for item in items]


def _save_response(
    round_: Round, *, perspective: str, via: str, person: Person | None, ratings: Ratings
) -> Response:
    checked = _check_ratings(round_, ratings)
    try:
        with transaction.atomic():
            response = Response.objects.create(round=round_, perspective=perspective, via=via, person=person)
    except IntegrityError:
        raise Conflict("You have already answered this round.") from None
    Answer.objects.bulk_create(Answer(response=response, item=item, rating=value) for item, value in checked)
    return response


def _lock_open(round_: Round) -> Round:
    # Lock the round so an answer cannot land after a concurrent close.
    locked = Round.objects.select_for_update().get(pk=round_.pk)
    if not locked.is_open:
        raise DomainError("This round has closed, so it no longer takes answers.")
    return locked


@transaction.atomic
def submit_named(*, actor: Actor, round_: Round, ratings: Ratings) -> Response:
    """The invited person's own answers, under their name."""
    round_ = _lock_open(round_)
    invitation = permissions.invitation_of(actor, round_)
    if invitation is None:
        _refuse("You have not been invited to this round.")
    assert invitation is not None  # noqa: S101 - _refuse raised otherwise
    response = _save_response(
        round_,
        perspective=invitation.perspective,
        via=Response.Via.NAMED,
        person=invitation.person,
        ratings=ratings,
    )
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=round_, summary="Answered a round")
    return response


def round_for_code(code: str) -> tuple[Round, str] | None:
    """The open or closed round an anonymous code belongs to, and the perspective it answers as."""
    code = (code or "").strip()
    if not code:
        return None
    for round_ in Round.objects.filter(staff_code=code) | Round.objects.filter(member_code=code):
        return round_, (Perspective.STAFF if round_.staff_code == code else Perspective.MEMBER)
    return None


@transaction.atomic
def submit_anonymous(*, code: str, ratings: Ratings) -> Response:
    """Answers from whoever holds the round's link or code. No person, no invitation, no audit row,
    only a date: the response cannot be traced to anyone (decision 0011)."""
    found = round_for_code(code)
    if found is None:
        raise DomainError(
            "That code does not match a round. Check it and try again.", {"code": ["Check the code."]}
        )
    round_, perspective = found
    round_ = _lock_open(round_)
    return _save_response(
        round_, perspective=perspective, via=Response.Via.ANONYMOUS, person=None, ratings=ratings
    )


@transaction.atomic
def enter_paper(*, actor: Actor, round_: Round, perspective: str, ratings: Ratings) -> Response:
    """A paper form typed in by staff; it carries no name, like an anonymous answer."""
    if not permissions.can_enter_paper(actor, round_):
        _refuse()
    _choice(
        perspective,
        field="perspective",
        label="whether a member of staff or a member answered",
        allowed=Perspective.values,
    )
    round_ = _lock_open(round_)
    response = _save_response(
        round_, perspective=perspective, via=Response.Via.PAPER, person=None, ratings=ratings
    )
    # The audit row names the round, not the response, so it does not point at one person's answers.
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=round_, summary="Entered a paper response")
    return response


@transaction.atomic
def close_round(*, actor: Actor, round_: Round) -> Round:
    if not permissions.can_manage_round(actor, round_):
        _refuse()
    round_ = _lock_open(round_)
    if not round_.responses.exists():
        raise DomainError("No one has answered yet, so there is nothing to report. Keep the round open.")
    round_.status = Round.Status.CLOSED
    round_.closed_on = timezone.localdate()
    round_.save(update_fields=["status", "closed_on"])
    audit.record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=round_, summary="Closed a round", fields=["status"]
    )
    return round_


# ---- depth and where the service sits ----


@transaction.atomic
def record_depth(
    *,
    actor: Actor,
    about: str,
    answers: dict[str, bool],
    plans: str,
    delivers: str,
    ladder: str = "",
    notes: str = "",
    round_: Round | None = None,
) -> DepthAssessment:
    """Record the guided verdict; the verdict is worked out from the answers, never typed in."""
    if not permissions.can_manage_practice(actor):
        _refuse()
    if round_ is not None and round_.hub_id != actor.hub.pk:
        _refuse()
    missing = [q.key for q in DEPTH_QUESTIONS if q.key not in answers]
    if missing:
        raise DomainError("Answer every question.", {key: ["Answer yes or no."] for key in missing})
    clean = {q.key: bool(answers[q.key]) for q in DEPTH_QUESTIONS}
    plans = _choice(plans, field="plans", label="who plans the service", allowed=PLANNER_LABELS)
    delivers = _choice(delivers, field="delivers", label="who delivers the service", allowed=DELIVERER_LABELS)
    ladder = (
        _choice(ladder, field="ladder", label="a rung", allowed=LADDER_LABELS)
        if ladder
        else ladder_for(plans, delivers)
    )
    assessment = DepthAssessment.objects.create(
        hub=actor.hub,
        round=round_,
        about=_text(about, field="about", label="the service or team", maximum=200),
        answers=clean,
        verdict=depth_verdict(clean),
        plans=plans,
        delivers=delivers,
        ladder=ladder,
        notes=_text(notes, field="notes", label="notes", maximum=2000, required=False),
        decided_by_label=actor.label[:200],
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=assessment,
        summary="Recorded depth of co-production",
    )
    return assessment


# ---- action plans ----


@transaction.atomic
def create_plan(*, actor: Actor, title: str, round_: Round | None = None) -> ActionPlan:
    if not permissions.can_manage_practice(actor):
        _refuse()
    if round_ is not None and round_.hub_id != actor.hub.pk:
        _refuse()
    plan = ActionPlan.objects.create(
        hub=actor.hub, round=round_, title=_text(title, field="title", label="a title", maximum=200)
    )
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=plan, summary="Started an action plan")
    return plan


@transaction.atomic
def add_priority(*, actor: Actor, plan: ActionPlan, title: str) -> Priority:
    if not permissions.can_edit_plan(actor, plan):
        _refuse()
    ActionPlan.objects.select_for_update().get(pk=plan.pk)  # two coordinators cannot both add the sixth
    count = plan.priorities.count()
    if count >= MAX_PRIORITIES:
        raise DomainError(
            f"A plan has at most {MAX_PRIORITIES} priorities, so the team can give each one real attention.",
            {"title": [f"This plan already has {MAX_PRIORITIES} priorities."]},
        )
    priority = Priority.objects.create(
        plan=plan, title=_text(title, field="title", label="the priority", maximum=200), position=count + 1
    )
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=priority, summary="Added a priority")
    return priority


@transaction.atomic
def add_action(
    *,
    actor: Actor,
    priority: Priority,
    text: str,
    principle: str,
    staff_lead: Person | None,
    member_lead: Person | None,
    due_on: date | None,
    review_on: date | None,
) -> Action:
    """An action needs a staff lead AND a member lead (ImROC's TRIP, 004 l.1056): refused without both."""
    plan = priority.plan
    if not permissions.can_edit_plan(actor, plan):
        _refuse()
    errors: dict[str, list[str]] = {}
    if staff_lead is None:
        errors["staff_lead"] = ["Choose a member of staff to co-lead this action."]
    elif staff_lead.hub_id != plan.hub_id or not _roles_of(staff_lead) & set(permissions.STAFF_LEAD_ROLES):
        errors["staff_lead"] = ["Choose a member of staff in this hub."]
    if member_lead is None:
        errors["member_lead"] = ["Choose a member to co-lead this action."]
    elif member_lead.hub_id != plan.hub_id or not _roles_of(member_lead) & set(permissions.MEMBER_LEAD_ROLES):
        errors["member_lead"] = ["Choose a member or peer supporter in this hub."]
    if staff_lead is not None and member_lead is not None and staff_lead.pk == member_lead.pk:
        errors["member_lead"] = ["The two leads must be different people."]
    if due_on is None:
        errors["due_on"] = ["Enter the date it is due."]
    if review_on is None:
        errors["review_on"] = ["Enter the date the leads will review it."]
    if errors:
        first = next(iter(errors.values()))[0]
        if {"staff_lead", "member_lead"} & set(errors):
            first = "Every action is co-led by a member of staff and a member. " + first
        raise DomainError(first, errors)
    assert staff_lead is not None and member_lead is not None and due_on and review_on  # noqa: S101
    action = Action.objects.create(
        priority=priority,
        text=_text(text, field="text", label="the action", maximum=300),
        principle=_principle(principle),
        staff_lead=staff_lead,
        member_lead=member_lead,
        due_on=due_on,
        review_on=review_on,
    )
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=action, summary="Added a co-led action")
    return action


@transaction.atomic
def set_action_status(*, actor: Actor, action: Action, status: str) -> Action:
    if not permissions.can_update_action(actor, action):
        _refuse()
    action.status = _choice(status, field="status", label="a status", allowed=Action.Status.values)
    action.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=action,
        summary="Changed an action's status",
        fields=["status"],
    )
    return action


# ---- the Four Co's portfolio and the stakeholder map ----


def _score(value: Any, field: str, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        raise DomainError(f"Score the {label} from 1 to 4.", {field: ["Choose a score from 1 to 4."]})
    return value


@transaction.atomic
def add_activity(
    *, actor: Actor, title: str, description: str, tags: list[str], impact: int, effort: int
) -> Activity:
    if not permissions.can_manage_practice(actor):
        _refuse()
    if not tags:
        raise DomainError("Choose at least one of the Four Co's.", {"tags": ["Choose at least one."]})
    for tag in tags:
        _choice(tag, field="tags", label="one of the Four Co's", allowed=FOUR_CO_TAG_LABELS)
    activity = Activity.objects.create(
        hub=actor.hub,
        title=_text(title, field="title", label="a title", maximum=200),
        description=_text(
            description, field="description", label="a description", maximum=2000, required=False
        ),
        tags=sorted(set(tags), key=list(FOUR_CO_TAG_LABELS).index),
        impact=_score(impact, "impact", "impact"),
        effort=_score(effort, "effort", "effort"),
    )
    audit.record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=activity, summary="Added a co-production activity"
    )
    return activity


@transaction.atomic
def add_stakeholder(
    *, actor: Actor, name: str, high_power: bool, high_influence: bool, notes: str = ""
) -> Stakeholder:
    if not permissions.can_manage_practice(actor):
        _refuse()
    stakeholder = Stakeholder.objects.create(
        hub=actor.hub,
        name=_text(name, field="name", label="a name", maximum=200),
        high_power=bool(high_power),
        high_influence=bool(high_influence),
        notes=_text(notes, field="notes", label="notes", maximum=2000, required=False),
    )
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=stakeholder, summary="Added a stakeholder")
    return stakeholder
