"""Demo co-production practice for a hub, deterministic from a seed, written through
practice.services only: a closed reflection round answered by staff and members (named, anonymous
and on paper), a second round still open, a depth verdict, an action plan with co-led actions, a
Four Co's portfolio and a stakeholder map. The catalogue is loaded too (it is the same for every hub).
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from core.models import Hub
from core.roles import Actor, Role
from people.models import Person
from practice import services
from practice.loader import load
from practice.models import CatalogueCase, Perspective

# How far each principle is along for the demo hub's staff and members (0-3), so the wedges differ.
LEANING = {
    Perspective.STAFF: {
        "assets": 2.4,
        "capabilities": 2.0,
        "mutuality": 2.2,
        "networks": 1.2,
        "blurring_roles": 1.8,
        "catalysts": 1.0,
    },
    Perspective.MEMBER: {
        "assets": 1.6,
        "capabilities": 1.9,
        "mutuality": 1.2,
        "networks": 2.0,
        "blurring_roles": 0.9,
        "catalysts": 0.8,
    },
}


def _actor(person: Person) -> Actor:
    return Actor(
        user=person.user,
        hub=person.hub,
        person=person,
        roles=frozenset(person.role_grants.values_list("role", flat=True)),
    )


def _ratings(round_, perspective: str, rng: random.Random) -> dict[int, int | None]:
    lean = LEANING[perspective]
    result: dict[int, int | None] = {}
    for item in round_.items.all():
        if rng.random() < 0.08:
            result[item.pk] = None  # don't know
        else:
            result[item.pk] = max(0, min(3, round(rng.gauss(lean[item.principle], 0.7))))
    return result


def build(*, hub: Hub, seed: int) -> dict[str, int]:
    rng = random.Random(seed + 8)  # noqa: S311 - demo data, not security
    load(CatalogueCase)
    people = Person.objects.filter(hub=hub).prefetch_related("role_grants").order_by("id")
    by_role: dict[str, list[Person]] = {}
    for person in people:
        for grant in person.role_grants.all():
            by_role.setdefault(grant.role, []).append(person)
    coordinator = by_role[Role.COORDINATOR][0]
    cora = _actor(coordinator)
    staff = [p for p in by_role.get(Role.LINK_WORKER, []) + [coordinator] if p.user_id]
    members = [p for p in by_role.get(Role.MEMBER, []) if p.user_id][:3]

    spring = services.open_round(actor=cora, title="Spring reflection", about="Live Well team")
    for person in staff + members:
        services.invite(actor=cora, round_=spring, person=person)
        perspective = Perspective.STAFF if person in staff else Perspective.MEMBER
        services.submit_named(actor=_actor(person), round_=spring, ratings=_ratings(spring, perspective, rng))
    for _ in range(4):
        services.submit_anonymous(code=spring.member_code, ratings=_ratings(spring, Perspective.MEMBER, rng))
    services.submit_anonymous(code=spring.staff_code, ratings=_ratings(spring, Perspective.STAFF, rng))
    worker = _actor(staff[0])
    for _ in range(2):
        services.enter_paper(
            actor=worker,
            round_=spring,
            perspective=Perspective.MEMBER,
            ratings=_ratings(spring, Perspective.MEMBER, rng),
        )
    services.close_round(actor=cora, round_=spring)
    autumn = services.open_round(actor=cora, title="Autumn reflection", about="Live Well team")
    for person in members[:2]:
        services.invite(actor=cora, round_=autumn, person=person)

    services.record_depth(
        actor=cora,
        about="Live Well team",
        answers={
            "recognised": True,
            "feedback": True,
            "power": False,
            "delivery": True,
            "whole_team": False,
            "community": True,
        },
        plans="together",
        delivers="professionals",
        notes="Members shape the service but decisions about money stay with the team.",
        round_=spring,
    )

    plan = services.create_plan(actor=cora, title="Our co-production plan for this year", round_=spring)
    today = timezone.localdate()
    lead_member = members[0] if members else by_role[Role.PEER_SUPPORTER][0]
    second_member = members[1] if len(members) > 1 else lead_member
    steps = (
        (
            "Make connecting people part of every role",
            "catalysts",
            "Each link worker spends one afternoon a week helping a member-run group start",
        ),
        (
            "Share roles between staff and members",
            "blurring_roles",
            "Members sit on every interview panel for new staff",
        ),
        ("Grow peer networks", "networks", "Start a peer support group for carers, run by carers"),
    )
    for n, (priority_title, principle, action_text) in enumerate(steps):
        priority = services.add_priority(actor=cora, plan=plan, title=priority_title)
        services.add_action(
            actor=cora,
            priority=priority,
            text=action_text,
            principle=principle,
            staff_lead=staff[n % len(staff)],
            member_lead=lead_member if n % 2 == 0 else second_member,
            due_on=today + timedelta(days=60 + 30 * n),
            review_on=today + timedelta(days=30 + 30 * n),
        )

    for title, tags, impact, effort in (
        ("Members on interview panels", ["co_design"], 4, 1),
        ("Member-led review of the referral form", ["co_assessment"], 3, 1),
        ("Peer-run walking groups", ["co_delivery", "co_performing"], 3, 3),
        ("Members help decide the small-grants budget", ["co_commissioning", "co_financing"], 4, 4),
        ("Quarterly newsletter written by members", ["co_delivery"], 1, 2),
        ("Member satisfaction survey run by staff", ["co_assessment"], 1, 3),
    ):
        services.add_activity(
            actor=cora, title=title, description="", tags=tags, impact=impact, effort=effort
        )
    for name, power, influence in (
        ("GP practice managers", True, True),
        ("Integrated care board finance team", True, False),
        ("Residents' association", False, True),
        ("People on the waiting list", False, False),
    ):
        services.add_stakeholder(actor=cora, name=name, high_power=power, high_influence=influence)
    return {"rounds": 2, "responses": spring.responses.count()}
