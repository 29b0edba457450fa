"""Demo time-bank data for a hub, deterministic from a seed, written only through timebank.services.

Called by `manage.py build_demo_hub`: accounts for most members, a board of offers and requests,
exchanges over the last six months, two partners that take time credits, gifts to the community pot,
and a few exchanges still waiting for the other member to confirm.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from core.errors import DomainError
from core.models import Hub
from core.roles import Actor, Role
from people.models import Person
from timebank import services
from timebank.models import Account

OFFERS = (
    ("gardening", "Help with weeding and mowing", "weeding, mowing, gardens"),
    ("diy", "Small repairs and flat-pack furniture", "repairs, furniture, shelves"),
    ("transport", "Lifts to appointments", "driving, lifts, hospital"),
    ("cooking", "Batch cooking for the freezer", "meals, cooking"),
    ("learning", "English conversation practice", "english, language"),
    ("admin", "Help with forms, letters and emails", "forms, letters, computers"),
    ("arts", "Knitting and crochet lessons", "knitting, crafts"),
    ("befriending", "A chat and a cup of tea", "company, chat"),
    ("shopping", "Weekly shopping trips", "shopping, errands"),
    ("health", "A walking buddy", "walking, exercise"),
    ("community", "Helping at the community café", "café, volunteering"),
    ("care", "Sitting with someone so a carer can rest", "respite, carers"),
    ("arts", "Guitar lessons for beginners", "music, guitar"),
    ("learning", "Maths homework help", "maths, homework"),
)
REQUESTS = (
    ("gardening", "Someone to tidy my back garden", "gardens, weeding"),
    ("diy", "Putting up curtain rails", "repairs, diy"),
    ("transport", "A lift to the eye clinic", "lifts, hospital"),
    ("admin", "Help filling in a benefits form", "forms, letters"),
    ("befriending", "Company on a Sunday afternoon", "company, chat"),
    ("shopping", "Collecting a prescription each month", "errands, pharmacy"),
    ("learning", "Learning to use a smartphone", "computers, phone"),
    ("cooking", "Learning to cook simple healthy meals", "cooking, meals"),
    ("health", "Someone to go swimming with", "swimming, exercise"),
    ("care", "A few hours' break from caring", "respite, carers"),
)
EXCHANGES = {
    "gardening": ("Weeded the front garden", "Mowed the lawn", "Planted bulbs"),
    "diy": ("Fixed a dripping tap", "Built a bookcase", "Put up shelves"),
    "transport": ("Lift to the GP surgery", "Lift to the hospital"),
    "cooking": ("Cooked a week of meals", "Cooking lesson"),
    "learning": ("English conversation practice", "Homework help"),
    "admin": ("Helped with a housing form", "Set up an email account"),
    "arts": ("Knitting lesson", "Guitar lesson"),
    "befriending": ("Afternoon tea and a chat", "A walk in the park together"),
    "shopping": ("Weekly shop", "Collected a prescription"),
    "health": ("Walk around the reservoir", "Went swimming together"),
    "community": ("Helped at the community café",),
    "care": ("Sat with Dad so I could go out",),
}
PARTNERS = (
    (
        "Riverside College",
        (("Pottery taster class", 120, "A two-hour evening class."), ("Computer course", 180, "")),
    ),
    (
        "Riverside Leisure Centre",
        (("Swim session", 60, "One swim, any pool session."), ("Gym session", 60, "")),
    ),
)
PARTICIPANTS = (Role.MEMBER, Role.PEER_SUPPORTER, Role.VOLUNTEER)


def _actor_with(hub: Hub, *roles: str) -> Actor:
    """The first person in the hub holding the first of `roles` anyone holds, with all their roles."""
    for role in roles:
        person = (
            Person.objects.filter(hub=hub, role_grants__role=role)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if person is not None:
            held = frozenset(person.role_grants.values_list("role", flat=True))
            return Actor(user=person.user, hub=hub, person=person, roles=held)
    raise LookupError(f"{hub} has no one with the role {roles}")


def build(
    *, hub: Hub, seed: int, listings: int = 60, exchanges: int = 150, share: float = 0.85
) -> dict[str, int]:
    """Fill the hub's time bank. Returns counts of what was made."""
    rng = random.Random(f"timebank-{seed}-{hub.slug}")  # noqa: S311 - demo data, not security
    broker = _actor_with(hub, Role.BROKER, Role.COORDINATOR)
    coordinator = _actor_with(hub, Role.COORDINATOR)
    services.update_settings(actor=coordinator, hub=hub, joining_grant=300)

    people = list(
        Person.objects.filter(hub=hub, role_grants__role__in=PARTICIPANTS).distinct().order_by("pk")
    )
    # Everyone with a login joins (so every demo login can try the time bank); most others too.
    joined = [p for p in people if p.user_id or rng.random() < share]
    accounts = [services.join(actor=broker, person=p) for p in joined]
    today = timezone.localdate()

    for i in range(listings):
        person = rng.choice(joined)
        kind, (category, title, tags) = (
            ("offer", rng.choice(OFFERS)) if i % 5 < 3 else ("request", rng.choice(REQUESTS))
        )
        services.create_listing(
            actor=broker,
            person=person,
            kind=kind,
            title=title,
            category=category,
            tags=tags,
            availability=rng.choice(["", "Weekday mornings", "Evenings", "Weekends", "Any time"]),
        )

    posted = 0
    for _ in range(exchanges):
        giver, receiver = rng.sample(accounts, 2)
        category = rng.choice(list(EXCHANGES))
        try:
            services.record_exchange(
                actor=broker,
                giver=giver,
                receiver=receiver,
                minutes=rng.choice([30, 45, 60, 60, 90, 120, 150, 180]),
                category=category,
                description=rng.choice(EXCHANGES[category]),
                occurred_on=today - timedelta(days=rng.randrange(1, 183)),
            )
            posted += 1
        except DomainError:
            pass  # a limit reached: a real broker would not record it either

    # A few exchanges members recorded themselves, waiting for the other side to confirm; the demo
    # member login ("member") is always asked to confirm one.
    with_login = [a for a in accounts if a.person.user_id]
    waiting = 0
    for account in with_login:
        others = [a for a in with_login if a.pk != account.pk]
        if not others:
            continue
        other = rng.choice(others)
        recorder = Actor(user=other.person.user, hub=hub, person=other.person, roles=frozenset({Role.MEMBER}))
        category = rng.choice(list(EXCHANGES))
        services.record_exchange(
            actor=recorder,
            giver=other,
            receiver=account,
            minutes=60,
            category=category,
            description=rng.choice(EXCHANGES[category]),
            occurred_on=today - timedelta(days=rng.randrange(1, 8)),
        )
        waiting += 1

    ways = []
    for name, offers in PARTNERS:
        partner = services.add_partner(actor=broker, name=name)
        for title, price, description in offers:
            ways.append(
                services.add_way_to_spend(
                    actor=broker, partner=partner, title=title, price=price, description=description
                )
            )
    spent = 0
    for account in rng.sample(accounts, min(12, len(accounts))):
        try:
            services.spend_at_partner(actor=broker, account=account, way=rng.choice(ways))
            spent += 1
        except DomainError:
            pass

    pot = services.system_account(hub, Account.Kind.POT)
    gifts = 0
    for account in rng.sample(accounts, min(8, len(accounts))):
        try:
            services.donate(
                actor=broker, from_account=account, to_account=pot, minutes=rng.choice([30, 60, 120])
            )
            gifts += 1
        except DomainError:
            pass
    if gifts:
        receiver = rng.choice(accounts)
        services.allocate_from_pot(
            actor=broker, to_account=receiver, minutes=30, reason="Cannot earn time just now"
        )
    return {
        "accounts": len(accounts),
        "listings": listings,
        "exchanges": posted,
        "waiting": waiting,
        "spent": spent,
        "gifts": gifts,
    }
