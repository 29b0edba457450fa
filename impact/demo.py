"""Demo impact data for a hub, deterministic from a seed, written through impact.services.

Called by `manage.py build_demo_hub`: ONS4 and own-goal ratings at baseline and follow-ups for members
(some follow-ups missed), funding for the hub's commissioners, the open example proxies, an SROI model
built from the hub's own data, and a cost-avoided calculator using SUN's published before/after counts
(seed 000, lines 560–561: bed days 330 to 162, unplanned hospital visits 414 to 286)
with demo unit costs a hub would replace with its own.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from core.models import Hub
from core.roles import Actor, Role
from impact import services
from impact.models import FinancialProxy, Funding, Measurement, SroiModel
from people.models import Person


def actor_for(person: Person) -> Actor:
    roles = frozenset(person.role_grants.values_list("role", flat=True))
    return Actor(user=person.user, hub=person.hub, person=person, roles=roles)


def _with_role(hub: Hub, role: str) -> list[Person]:
    return list(Person.objects.filter(hub=hub, role_grants__role=role).order_by("pk"))


def build(*, hub: Hub, seed: int, people: int = 40) -> dict[str, int]:
    rng = random.Random(seed + 9)  # noqa: S311 - demo data, not security
    coordinators = _with_role(hub, Role.COORDINATOR)
    workers = _with_role(hub, Role.LINK_WORKER) or coordinators
    if not coordinators:
        return {"measurements": 0, "models": 0}
    coordinator = actor_for(coordinators[0])
    worker = actor_for(workers[0])
    for commissioner in _with_role(hub, Role.COMMISSIONER):
        if commissioner.user is not None:
            Funding.objects.get_or_create(
                commissioner=commissioner.user, hub=hub, defaults={"programme": "Live Well"}
            )

    today = timezone.localdate()
    start = today - timedelta(days=330)
    members = _with_role(hub, Role.MEMBER)[:people]
    made = 0
    for person in members:
        base_day = start + timedelta(days=rng.randint(0, 120))
        before = rng.randint(2, 7)
        services.record_measurement(
            actor=worker,
            person=person,
            instrument="ons4",
            moment="baseline",
            taken_on=base_day,
            answers={
                "satisfied": before,
                "worthwhile": rng.randint(3, 8),
                "happy": rng.randint(2, 8),
                "anxious": rng.randint(3, 9),
            },
        )
        goals = [{"label": g, "score": rng.randint(0, 4)} for g in ("Get out more", "Sleep better")]
        services.record_measurement(
            actor=worker,
            person=person,
            instrument="own_goals",
            moment="baseline",
            taken_on=base_day,
            answers={"goals": goals},
        )
        made += 2
        follow_day = base_day + timedelta(days=120)
        if rng.random() < 0.2:
            services.record_measurement(
                actor=worker,
                person=person,
                instrument="ons4",
                moment="follow_up_4",
                taken_on=follow_day,
                mode=Measurement.Mode.MISSED,
            )
            made += 1
            continue
        after = max(0, min(10, before + rng.choice([-1, 0, 1, 1, 2, 2, 3])))
        services.record_measurement(
            actor=worker,
            person=person,
            instrument="ons4",
            moment="follow_up_4",
            taken_on=follow_day,
            answers={
                "satisfied": after,
                "worthwhile": rng.randint(4, 9),
                "happy": rng.randint(3, 9),
                "anxious": rng.randint(2, 8),
            },
        )
        goals = [{"label": g["label"], "score": min(10, g["score"] + rng.randint(0, 5))} for g in goals]
        services.record_measurement(
            actor=worker,
            person=person,
            instrument="own_goals",
            moment="follow_up_4",
            taken_on=follow_day,
            answers={"goals": goals},
        )
        made += 2

    services.load_example_proxies(actor=coordinator)
    proxies = {p.name: p for p in FinancialProxy.objects.filter(hub=hub)}
    hour = services.add_proxy(
        actor=coordinator,
        name="An hour given to another member",
        unit="hour",
        value_pence=services.queries.wage_pence(hub),
        source="The hub's time-bank wage setting",
        year=today.year,
    )
    model = services.create_model(
        actor=coordinator,
        name="Live Well: first year",
        period_start=start,
        period_end=today,
        scope="Link working, the time bank and the recovery college for members referred this year.",
    )
    members_s = services.add_stakeholder(
        actor=coordinator,
        model=model,
        name="Members",
        involvement="Asked at follow-up what changed for them.",
    )
    services.add_input(
        actor=coordinator, model=model, description="Council grant", kind="money", amount_pence=2_500_000
    )
    services.add_input(
        actor=coordinator,
        model=model,
        description="Volunteer time",
        kind="volunteer_time",
        hours=Decimal("400"),
    )
    services.add_outcome(
        actor=coordinator,
        model=model,
        stakeholder=members_s,
        proxy=proxies["Quality of life from better mental health"],
        description="Feel more satisfied with life",
        indicator="ONS4 life satisfaction up by 1 or more",
        quantity_source="improved",
        instrument="ons4",
        duration_years=2,
        deadweight=Decimal("0.25"),
        attribution=Decimal("0.3"),
        drop_off=Decimal("0.5"),
    )
    services.add_outcome(
        actor=coordinator,
        model=model,
        stakeholder=members_s,
        proxy=hour,
        description="Help given and received",
        indicator="Hours exchanged in the time bank",
        quantity_source="hours",
        duration_years=1,
        deadweight=Decimal("0.1"),
    )
    comparison = services.create_comparison(
        actor=coordinator,
        name="Crisis support network",
        cohort="Members of the peer crisis network",
        people=60,
        before_period="6 months before joining",
        after_period="6 months after joining",
        data_source="SUN's published audit (seed 000, lines 560–561), as an example",
    )
    for event, before, after, pence in [("bed_days", 330, 162, 40000), ("ae", 414, 286, 25000)]:
        services.set_cost_line(
            actor=coordinator,
            comparison=comparison,
            event=event,
            before=before,
            after=after,
            unit_cost_pence=pence,
            unit_cost_source="Demo figure: enter your own area's unit cost",
            unit_cost_year=today.year,
        )
    return {"measurements": made, "models": SroiModel.objects.filter(hub=hub).count()}
