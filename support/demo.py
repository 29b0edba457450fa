"""Demo support data for a hub, deterministic from a seed, written through support.services.

Called by `manage.py build_demo_hub`: Live Well (a health coach for up to 5 sessions, then a link worker
for up to 8; follow-ups at 4 and 8 months) and Local Area Coordination (no cap), a short clinical code
list, and referrals in every state — waiting for triage (some with a possible duplicate), accepted and
under way (some handed over), declined, redirected and closed — with sessions, conversations, plans, a
crisis plan shared with a peer on call, onward referrals to the directory and follow-ups.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from core.errors import DomainError
from core.models import Hub
from core.roles import Actor, Role
from directory.queries import services_for_hub
from people.models import ConsentPurpose, Person
from people.services import record_consent
from support import services
from support.models import Reason, Referral, Source, SupportService

GP_PRACTICES = ["Riverside Surgery", "Bridge Street Practice", "Millbrook Health Centre"]
REFERRERS = {
    Source.GP: ("Dr Rory Shah", "Riverside Surgery"),
    Source.NURSE: ("Nurse Nia Patel", "Bridge Street Practice"),
    Source.SOCIAL_CARE: ("Sam Okafor", "Riverside Adult Social Care"),
    Source.VOLUNTARY: ("Jo King", "Riverside Age Concern"),
    Source.FAMILY: ("Ellen (daughter)", ""),
    Source.SELF: ("", ""),
}
NOTES = (
    "Talked about what a good week would look like.",
    "Went together to the community café; stayed an hour.",
    "Looked at the walking group times and bus routes.",
    "Worked on the money letter; will ring the council together.",
    "Feeling brighter; sleeping a little better.",
)


def _actor(person: Person) -> Actor:
    roles = frozenset(person.role_grants.values_list("role", flat=True))
    return Actor(user=person.user, hub=person.hub, person=person, roles=roles)


def _first_with(hub: Hub, role: str) -> Person:
    person = Person.objects.filter(hub=hub, role_grants__role=role).order_by("pk").first()
    if person is None:
        raise LookupError(f"{hub} has no one with the role {role}")
    return person


def _make_services(coordinator: Actor) -> tuple[SupportService, SupportService]:
    live_well = services.create_support_service(
        actor=coordinator,
        data={
            "name": "Live Well",
            "description": "Health coaches and link workers for long-term conditions and isolation.",
            "min_age": 18,
            "postcode_districts": [f"RV{i}" for i in range(1, 10)],
            "gp_practices": GP_PRACTICES,
            "follow_up_months": [4, 8],
        },
        steps=[
            {"name": "Health coaching", "worker_title": "Health coach", "session_cap": 5},
            {"name": "Link work", "worker_title": "Link worker", "session_cap": 8},
        ],
        exclusions=[
            {
                "label": "Severe mental illness needing secondary care",
                "redirect_to": "Back to the GP for the community mental health team",
            },
            {"label": "Under 18", "redirect_to": "Riverside Young People's Service"},
        ],
    )
    lac = services.create_support_service(
        actor=coordinator,
        data={
            "name": "Local Area Coordination",
            "description": "A local area coordinator walks alongside people for as long as it helps.",
            "follow_up_months": [6],
        },
        steps=[{"name": "Coordination", "worker_title": "Local area coordinator"}],
    )
    return live_well, lac


def build(*, hub: Hub, seed: int, referrals: int = 40) -> dict[str, int]:
    """Fill the hub's support work. Returns counts by referral status."""
    rng = random.Random(f"support-{seed}-{hub.slug}")  # noqa: S311 - demo data, not security
    coordinator = _actor(_first_with(hub, Role.COORDINATOR))
    workers = list(Person.objects.filter(hub=hub, role_grants__role=Role.LINK_WORKER).order_by("pk"))
    peer = _first_with(hub, Role.PEER_SUPPORTER)
    referrer = Person.objects.filter(hub=hub, role_grants__role=Role.REFERRER).order_by("pk").first()
    live_well, lac = _make_services(coordinator)
    referral_code = services.add_clinical_code(
        actor=coordinator, code="871731000000106", label="Referral to social prescribing service"
    )
    declined_code = services.add_clinical_code(
        actor=coordinator, code="183932001", label="Procedure contraindicated"
    )
    closed_code = services.add_clinical_code(
        actor=coordinator, code="1099141000000106", label="Social prescribing completed"
    )
    services.update_support_settings(actor=coordinator, caseload_limit=55)

    members = list(
        Person.objects.filter(hub=hub, role_grants__role=Role.MEMBER, user__isnull=True).order_by("pk")[
            : referrals + 5
        ]
    )
    today = timezone.localdate()
    directory = list(services_for_hub(hub)[:20])
    # The states cycle so every one appears whatever the count: most are under way, as in a real team.
    plan = ["received", "accepted", "accepted", "handed_over", "declined", "redirected", "closed", "accepted"]
    counts: dict[str, int] = {}
    for i, person in enumerate(members[:referrals]):
        state = plan[i % len(plan)]
        service = lac if i % 5 == 4 else live_well
        worker = workers[i % len(workers)] if workers else None
        actor = _actor(worker) if worker else coordinator
        source = list(Source)[i % len(Source)]
        name, organisation = REFERRERS[source]
        by_referrer = referrer is not None and source == Source.GP and i % 3 == 0
        data = {
            "full_name": person.full_name,
            "date_of_birth": person.date_of_birth,
            "postcode": person.postcode,
            "nhs_number": person.nhs_number,
            "gp_practice": rng.choice(GP_PRACTICES),
            "source": source,
            "reasons": rng.sample([r.value for r in Reason if r != Reason.OTHER], rng.randint(1, 3)),
            "urgency": rng.choice(["routine", "routine", "routine", "soon", "urgent"]),
            "referrer_name": name,
            "referrer_organisation": organisation,
            "referrer_email": f"referrals.{i}@example.org"
            if source not in (Source.SELF, Source.FAMILY)
            else "",
            "referrer_address": "1 High Street, Riverside, RV1 1AA" if source == Source.FAMILY else "",
            "consent_to_report_back": rng.random() < 0.8,
        }
        if state == "received" and i % 16 == 0:
            # Typed differently by the referrer, so triage shows a possible duplicate to choose from.
            first, _, last = person.full_name.partition(" ")
            data["full_name"] = f"{first[:3]} {last}".strip()
            data["nhs_number"] = ""
        referral = services.create_referral(
            actor=_actor(referrer) if by_referrer and referrer else actor,
            service=service,
            data=data,
            code=referral_code if source == Source.GP else None,
        )
        # Spread arrivals over the last nine months so waits, sessions and follow-ups look real.
        received = today - timedelta(
            days=rng.randrange(10, 270) if state != "received" else rng.randrange(0, 10)
        )
        Referral.objects.filter(pk=referral.pk).update(received_at=timezone.now() - (today - received))
        referral.refresh_from_db()
        counts[state] = counts.get(state, 0) + 1
        if state == "received":
            if i % 16 == 0:
                continue
            if referral.person is None:
                services.link_person(actor=coordinator, referral=referral, person=person)
            continue
        if referral.person is None:
            services.link_person(actor=coordinator, referral=referral, person=person)
        if state in ("declined", "redirected"):
            services.decide_referral(
                actor=coordinator,
                referral=referral,
                decision="decline" if state == "declined" else "redirect",
                reason="Already well supported by the practice's own team."
                if state == "declined"
                else "Needs the community mental health team.",
                redirect_to=""
                if state == "declined"
                else "Back to the GP for the community mental health team",
                code=declined_code if state == "declined" else None,
                on=received + timedelta(days=3),
            )
            continue
        if worker is None:
            continue
        referral = services.decide_referral(
            actor=coordinator,
            referral=referral,
            decision="accept",
            reason="Meets the criteria; wants support.",
            worker=worker,
            on=received + timedelta(days=2),
        )
        _support(rng, referral, worker, received, today, directory, state, workers, coordinator, closed_code)
    _plans(hub, coordinator, peer, members)
    return counts


def _support(
    rng, referral, worker, received, today, directory, state, workers, coordinator, closed_code
) -> None:
    actor = _actor(worker)
    sessions = rng.randint(1, 4)
    # The first meeting is a few days after the referral, but never after today.
    first = min(today, received + timedelta(days=rng.randint(3, 14)))
    for n in range(sessions):
        day = min(today, first + timedelta(days=14 * n))
        try:
            services.record_session(
                actor=actor,
                referral=referral,
                held_on=day,
                kind=rng.choice(["face_to_face", "phone", "phone", "video", "home_visit"]),
                minutes=rng.choice([30, 45, 60, 60, 90]),
                notes=rng.choice(NOTES),
                sensitivity="sensitive" if rng.random() < 0.1 else "standard",
            )
        except DomainError:
            break  # the step's cap: a real worker would hand over
    services.record_conversation(
        actor=actor,
        person=referral.person,
        referral=referral,
        held_on=first,
        answers={
            "concerns": rng.choice(
                ["Money is tight", "Lonely since my wife died", "Pain stops me going out"]
            ),
            "strengths": rng.choice(["Good with my hands", "My neighbour looks in", "I used to run a choir"]),
            "goals": rng.choice(["Get out twice a week", "Sort the debt letters", "Walk to the shop again"]),
        },
    )
    services.set_next_action(
        actor=actor,
        referral=referral,
        text="Check in by phone",
        on=today + timedelta(days=rng.randint(1, 21)),
    )
    if directory and rng.random() < 0.6:
        onward = services.suggest_onward_referral(
            actor=actor, referral=referral, directory_service_id=rng.choice(directory).id
        )
        for status in rng.choice(
            [
                ["contacted"],
                ["contacted", "attended"],
                ["contacted", "attended", "continuing"],
                ["did_not_attend"],
                ["contacted", "not_suitable"],
            ]
        ):
            onward = services.update_onward_referral(actor=actor, onward=onward, status=status)
    step_two = referral.service.steps.filter(position=2).first()
    if state == "handed_over" and step_two is not None and len(workers) > 1:
        other = next(w for w in workers if w.pk != worker.pk)
        services.hand_over(
            actor=actor,
            referral=referral,
            worker=other,
            step=step_two,
            note="Ready to try groups; would like company the first time.",
        )
    if state == "closed":
        services.close_referral(
            actor=actor,
            referral=referral,
            reason=rng.choice(
                ["goals_met", "goals_met", "moved_away", "stopped_engaging", "referred_elsewhere"]
            ),
            summary="Now goes to the walking group weekly and has joined the time bank.",
            code=closed_code,
        )
        for follow_up in referral.follow_ups.filter(due_on__lte=today):
            services.complete_follow_up(
                actor=coordinator, follow_up=follow_up, status="done", done_on=follow_up.due_on
            )


def _plans(hub: Hub, coordinator: Actor, peer: Person, members: list[Person]) -> None:
    """Mo (the demo member with a login) keeps all three plans; their crisis plan is shared with the
    demo peer, who is on call now."""
    mo = Person.objects.filter(hub=hub, user__username="member").first() or (members[0] if members else None)
    if mo is None:
        return
    mo_actor = _actor(mo) if mo.user_id else coordinator
    services.save_plan(
        actor=mo_actor,
        person=mo,
        kind="goals",
        content={
            "goals": [
                {
                    "title": "Get out of the house twice a week",
                    "progress": 40,
                    "steps": [
                        {
                            "text": "Find a walking group near me",
                            "who": "worker",
                            "due": (timezone.localdate() + timedelta(days=7)).isoformat(),
                            "done": True,
                        },
                        {"text": "Go once with Pat", "who": "peer"},
                        {"text": "Go on my own", "who": "member"},
                    ],
                }
            ]
        },
    )
    services.save_plan(
        actor=mo_actor,
        person=mo,
        kind="wellbeing",
        content={
            "keeps_me_well": ["A walk before lunch", "Ringing my sister on Sundays"],
            "triggers": ["Letters about money", "Long dark evenings"],
            "early_warning_signs": ["Not opening the curtains", "Skipping meals"],
            "what_helps": ["Telling someone early", "Getting outside even for ten minutes"],
            "in_a_crisis": ["Ring Pat or my sister", "Use my crisis plan"],
        },
    )
    crisis = services.save_plan(
        actor=mo_actor,
        person=mo,
        kind="crisis",
        content={
            "what_i_want": "To stay at home with someone I know nearby.",
            "what_i_do_not_want": "To go to hospital unless I ask to.",
            "who_to_call": [{"name": "My sister Sam", "phone": "07700 900123", "relationship": "sister"}],
            "practical": "Someone to feed the cat.",
        },
    ).plan
    record_consent(
        actor=mo_actor, person=mo, purpose=ConsentPurpose.SHARE_PLANS, granted=True, method="online"
    )
    services.name_supporter(actor=mo_actor, plan=crisis, peer=peer)
    now = timezone.now()
    services.schedule_on_call(
        actor=coordinator, peer=peer, starts_at=now - timedelta(hours=2), ends_at=now + timedelta(days=6)
    )
