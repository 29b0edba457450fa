"""Demo courses, groups and volunteers for a hub, deterministic from a seed, written through
groups.services only.

Called by `manage.py build_demo_hub` after the directory is mapped (sessions and meetings are held at
its places, groups point at its services): a prospectus of four co-produced courses, one run half way
through with its registers taken, one full with a waiting list; four community groups with a few weeks
of head counts; volunteer roles, applications, checks (one expiring soon), training, supervision,
hours and the next development day's agenda.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from core.models import Hub
from core.roles import Actor, Role
from directory.queries import services_for_hub
from groups import queries, services
from groups.models import CoDesigner, Facilitator, Group, Supervision
from people.models import Person

COURSES = (
    {
        "title": "Understanding anxiety",
        "summary": "What anxiety is, what keeps it going, and the small things that help day to day.",
        "learning_outcomes": "Recognise the signs of anxiety in yourself\n"
        "Try three ways of calming your body\n"
        "Make a plan for a hard day",
        "level": "introduction",
        "session_count": 6,
        "session_minutes": 120,
    },
    {
        "title": "Planning for wellbeing",
        "summary": "Write your own plan for staying well: what keeps you well, what knocks you off course, "
        "and what you want others to do if things get hard.",
        "learning_outcomes": "Name what keeps you well\nSpot your early warning signs\nWrite a plan you own",
        "level": "introduction",
        "session_count": 4,
        "session_minutes": 120,
    },
    {
        "title": "Living well with long-term pain",
        "summary": "Ways to pace, sleep and stay connected when pain does not go away.",
        "learning_outcomes": "Pace activity through the day\nTalk with your GP about what matters to you",
        "level": "further",
        "session_count": 4,
        "session_minutes": 90,
    },
    {
        "title": "Introduction to peer support",
        "summary": "For anyone thinking of using their own experience to support others.",
        "learning_outcomes": "Share your story safely\nListen without fixing\nLook after yourself",
        "level": "in_depth",
        "session_count": 3,
        "session_minutes": 180,
    },
)
GROUPS = (
    ("Riverside walkers", Group.Kind.WALKING, "Every Tuesday at 10am, from the park gates", ("walk",)),
    ("Peer support circle", Group.Kind.PEER_SUPPORT, "Thursdays at 6pm", ("peer", "support")),
    ("Knit and natter", Group.Kind.CRAFT, "Every other Wednesday at 2pm", ("craft", "knit")),
    ("Saturday coffee morning", Group.Kind.COFFEE_MORNING, "Saturdays at 10:30am", ("café", "coffee")),
)
ISSUES = (
    "How peer workers take part in care planning meetings",
    "Writing notes that the member would be happy to read",
    "Lone working on home visits",
    "Looking after ourselves after a hard conversation",
)


def _actor(person: Person, *roles: str) -> Actor:
    return Actor(user=person.user, hub=person.hub, person=person, roles=frozenset(roles))


def _with_role(hub: Hub, role: str) -> list[Person]:
    return list(Person.objects.filter(hub=hub, role_grants__role=role).order_by("id"))


def build(*, hub: Hub, seed: int) -> dict[str, int]:
    rng = random.Random(seed + 7)  # noqa: S311 - fictional demo data, not security
    coordinator = _with_role(hub, Role.COORDINATOR)[0]
    cora = _actor(coordinator, Role.COORDINATOR)
    practitioners = _with_role(hub, Role.LINK_WORKER)
    peers = _with_role(hub, Role.PEER_SUPPORTER)
    volunteers = _with_role(hub, Role.VOLUNTEER)
    members = [p for p in _with_role(hub, Role.MEMBER) if p not in peers]
    places = list(queries.places_for_hub(hub)[:6])
    today = timezone.localdate()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    made = {"runs": 0, "enrolments": 0, "groups": 0, "volunteer_records": 0}

    term = services.create_term(
        actor=cora,
        name=f"{today:%B %Y} term",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=90),
    )
    for i, data in enumerate(COURSES):
        course = services.create_course(actor=cora, data=data)
        services.add_designer(
            actor=cora, course=course, person=peers[i % len(peers)], kind=CoDesigner.Kind.LIVED_EXPERIENCE
        )
        services.add_designer(
            actor=cora,
            course=course,
            person=practitioners[i % len(practitioners)],
            kind=CoDesigner.Kind.PRACTITIONER,
        )
        run = services.create_run(actor=cora, course=course, capacity=6 if i == 1 else 12, term=term)
        place = places[i % len(places)] if places else None
        # The first course is half way through: three sessions done, three to come. The others start soon.
        first = now - timedelta(days=21) if i == 0 else now + timedelta(days=7 * (i + 1), hours=10)
        future = [
            first + timedelta(days=7 * k)
            for k in range(data["session_count"])
            if first + timedelta(days=7 * k) > now
        ]
        past = [
            first + timedelta(days=7 * k)
            for k in range(data["session_count"])
            if first + timedelta(days=7 * k) <= now
        ]
        for start in future:
            services.add_session(
                actor=cora,
                run=run,
                starts_at=start,
                ends_at=start + timedelta(minutes=data["session_minutes"]),
                location=place,
                online=place is None,
            )
        services.add_facilitator(
            actor=cora, run=run, person=peers[i % len(peers)], kind=Facilitator.Kind.PEER_TRAINER
        )
        services.add_facilitator(
            actor=cora,
            run=run,
            person=practitioners[i % len(practitioners)],
            kind=Facilitator.Kind.PRACTITIONER,
        )
        services.publish_run(actor=cora, run=run)
        made["runs"] += 1
        wanted = {0: 12, 1: 9, 2: 5, 3: 3}[i]
        for person in rng.sample(members, min(wanted, len(members))):
            services.enrol(
                actor=cora,
                run=run,
                person=person,
                hopes=rng.choice(["", "Feel less alone", "Learn what helps"]),
            )
            made["enrolments"] += 1
        # Sessions already held are added after enrolment (a run whose sessions have all started is
        # closed to enrolment), then their registers are taken by the peer trainer.
        trainer = _actor(peers[i % len(peers)], Role.PEER_SUPPORTER)
        for start in past:
            session = services.add_session(
                actor=cora,
                run=run,
                starts_at=start,
                ends_at=start + timedelta(minutes=data["session_minutes"]),
                location=place,
                online=place is None,
            )
            students = run.enrolments.filter(status="enrolled")
            services.take_register(
                actor=trainer, session=session, present={e.pk: rng.random() < 0.8 for e in students}
            )

    directory = list(services_for_hub(hub))
    for name, kind, meets, words in GROUPS:
        service = next((s for s in directory if any(w in s.name.lower() for w in words)), None)
        lead = rng.choice(members) if kind != Group.Kind.PEER_SUPPORT else peers[0]
        group = services.create_group(
            actor=cora,
            name=name,
            kind=kind,
            meets=meets,
            lead=lead,
            service_id=service.pk if service else None,
            description=f"{name}: everyone is welcome, just come along.",
        )
        for person in rng.sample(members, 8):
            if person != lead:
                services.join_group(actor=cora, group=group, person=person)
        for week in range(6, 0, -1):
            services.record_meeting(
                actor=cora,
                group=group,
                starts_at=now - timedelta(days=7 * week),
                attended=rng.randint(4, 14),
                location=places[-1] if places else None,
                online=not places,
            )
        made["groups"] += 1

    befriender = services.create_volunteer_role(
        actor=cora,
        title="Befriender",
        description="Weekly visits to someone who is lonely.",
        needs_background_check=True,
    )
    cafe = services.create_volunteer_role(
        actor=cora, title="Community café helper", description="Serving and chatting."
    )
    helpers = volunteers + peers[:2]
    for k, person in enumerate(helpers):
        services.record_background_check(
            actor=cora,
            person=person,
            kind="Enhanced DBS",
            checked_on=today - timedelta(days=1050 if k == 0 else 200),
            expires_on=today + timedelta(days=45 if k == 0 else 900),
        )
        services.record_training(
            actor=cora,
            person=person,
            title="Safeguarding adults",
            completed_on=today - timedelta(days=300),
            expires_on=today + timedelta(days=430),
        )
        services.record_supervision(
            actor=cora,
            person=person,
            supervisor=coordinator,
            held_on=today - timedelta(days=20),
            kind=Supervision.Kind.MANAGERIAL,
        )
        if person not in peers[:1]:
            services.record_supervision(
                actor=cora,
                person=person,
                supervisor=peers[0],
                held_on=today - timedelta(days=6),
                kind=Supervision.Kind.PEER,
            )
        for week in range(8):
            services.record_volunteer_hours(
                actor=cora,
                person=person,
                worked_on=today - timedelta(days=7 * week + 1),
                minutes=rng.choice([60, 90, 120]),
                role=cafe,
            )
        made["volunteer_records"] += 1
    for person in rng.sample(members, 3):
        services.apply_to_volunteer(
            actor=_actor(person, Role.MEMBER),
            role=rng.choice([befriender, cafe]),
            why="I would like to give something back.",
        )
    for k, text in enumerate(ISSUES):
        nominator = helpers[k % len(helpers)]
        roles = {g.role for g in nominator.role_grants.all()}
        services.nominate_issue(actor=_actor(nominator, *roles), text=text)
    day = services.schedule_development_day(
        actor=cora, held_on=today + timedelta(days=40), title="Quarterly development day"
    )
    services.build_agenda(actor=cora, day=day)
    return made
