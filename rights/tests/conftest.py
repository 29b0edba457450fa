"""A small populated hub: the standard cast, a dozen more members, every app's demo data, and Mo (the
cast's member) taking part in every app with words only they wrote, so export and erasure can be
checked against everything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from core.roles import Role
from core.testing import Cast, actor_for, build_cast, make_person
from people import services as people_services
from people.models import ProfileEntry

# Words only Mo's records hold: after erasure none may be found in any table.
SECRETS = {
    "profile": "Mo-secret-need: sorting the flat after the flood",
    "consent": "Mo-secret-consent: only tell Dr Quill",
    "exchange": "Mo-secret-exchange: fixed the shed roof",
    "listing": "Mo-secret-listing: dog walking on Sundays",
    "referral": "Mo-secret-referral: lost his job at the bakery",
    "session": "Mo-secret-session: talked about his brother",
    "sensitive": "Mo-secret-sensitive: his neighbour Ruth said he cries at night",
    "conversation": "Mo-secret-conversation: wants to sing again",
    "plan": "Mo-secret-plan: join the choir by spring",
    "onward": "Mo-secret-onward: the choir was too loud",
    "close": "Mo-secret-close: now sings on Thursdays",
    "learning": "Mo-secret-learning: wants to learn budgeting",
    "volunteer": "Mo-secret-volunteer: used to run a youth club",
    "correction": "Mo-secret-correction: my birthday is in May",
}
IDENTIFIERS = {
    "full_name": "Mo Member",
    "email": "mo@example.org",
    "phone": "07700 900461",
    "nhs_number": "9434765919",
    "address": "12 Quayside Lane, Riverside",
}


@dataclass
class Populated:
    cast: Cast
    referral: object
    sensitive_session: object


def build_populated(cast: Cast) -> Populated:
    from directory import services as directory_services
    from groups import demo as groups_demo
    from groups import services as groups_services
    from groups.models import Enrolment, VolunteerRole
    from impact import demo as impact_demo
    from practice import demo as practice_demo
    from support import demo as support_demo
    from support import services as support_services
    from support.models import SupportService
    from timebank import demo as timebank_demo
    from timebank import services as timebank_services
    from timebank.models import Account, Exchange

    hub = cast.hub
    mo = cast.member
    mo.phone = IDENTIFIERS["phone"]
    mo.nhs_number = IDENTIFIERS["nhs_number"]
    mo.address = IDENTIFIERS["address"]
    mo.date_of_birth = date(1961, 5, 4)
    mo.pronouns = "he/him"
    mo.communication_needs = "Large print"
    mo.save()
    ProfileEntry.objects.create(person=mo, kind=ProfileEntry.Kind.NEED, text=SECRETS["profile"])
    for i in range(12):
        make_person(hub, f"Extra{i} Person", Role.MEMBER, login=False)

    coordinator, link_worker, broker = (cast.actor(n) for n in ("coordinator", "link_worker", "broker"))
    people_services.record_consent(
        actor=actor_for(mo),
        person=mo,
        purpose="share_plans",
        granted=True,
        method="online",
        detail=SECRETS["consent"],
    )
    directory_services.create_service(
        actor=coordinator,
        data={"name": "Riverside Choir", "organization_name": "Riverside Arts", "description": "Singing"},
    )
    timebank_demo.build(hub=hub, seed=3, listings=8, exchanges=14)
    support_demo.build(hub=hub, seed=3, referrals=8)
    groups_demo.build(hub=hub, seed=3)
    practice_demo.build(hub=hub, seed=3)
    impact_demo.build(hub=hub, seed=3, people=10)

    # The time bank: an exchange Mo records and Mia confirms, a listing, and nothing left waiting.
    mo_account = Account.objects.get(person=mo)
    mia_account = Account.objects.get(person=cast.member2)
    for waiting in Exchange.objects.filter(status__startswith="awaiting"):
        timebank_services.decline_exchange(actor=broker, exchange=waiting, reason="Not recognised")
    exchange = timebank_services.record_exchange(
        actor=actor_for(mo),
        giver=mo_account,
        receiver=mia_account,
        minutes=75,
        category="diy",
        description=SECRETS["exchange"] + " with Mo Member",
    )
    timebank_services.confirm_exchange(actor=actor_for(cast.member2), exchange=exchange)
    timebank_services.create_listing(
        actor=actor_for(mo), person=mo, kind="offer", title="Dog walking", category="other",
        description=SECRETS["listing"],
    )  # fmt: skip

    # Support: a referral with sessions (one sensitive), a conversation, a plan, an onward referral,
    # then closed so it no longer blocks erasure.
    service = SupportService.objects.filter(hub=hub).order_by("pk").first()
    referral = support_services.create_referral(
        actor=link_worker,
        service=service,
        data={
            "full_name": "Mo Member",
            "date_of_birth": "1961-05-04",
            "postcode": "LS1 4AP",
            "nhs_number": IDENTIFIERS["nhs_number"],
            "email": IDENTIFIERS["email"],
            "phone": IDENTIFIERS["phone"],
            "source": "family",
            "reasons": ["isolation", "money"],
            "reason_detail": SECRETS["referral"],
            "referrer_name": "Rita Member",
            "referrer_email": "rita@example.org",
            "referrer_address": IDENTIFIERS["address"],
        },
    )
    support_services.link_person(actor=coordinator, referral=referral, person=mo)
    referral = support_services.decide_referral(
        actor=coordinator, referral=referral, decision="accept", reason="Wants support.",
        worker=cast.link_worker,
    )  # fmt: skip
    today = timezone.localdate()
    support_services.record_session(
        actor=link_worker, referral=referral, held_on=today, kind="phone", minutes=30,
        notes=SECRETS["session"],
    )  # fmt: skip
    sensitive = support_services.record_session(
        actor=link_worker, referral=referral, held_on=today, kind="phone", minutes=45,
        notes=SECRETS["sensitive"], sensitivity="sensitive",
    )  # fmt: skip
    support_services.record_conversation(
        actor=link_worker, person=mo, referral=referral, held_on=today,
        answers={"concerns": SECRETS["conversation"]},
    )  # fmt: skip
    support_services.save_plan(
        actor=actor_for(mo),
        person=mo,
        kind="goals",
        content={"goals": [{"title": SECRETS["plan"], "progress": 10, "steps": []}]},
        note="First go",
    )
    from directory.queries import services_for_hub

    onward = support_services.suggest_onward_referral(
        actor=link_worker, referral=referral, directory_service_id=services_for_hub(hub).first().id
    )
    support_services.update_onward_referral(
        actor=link_worker, onward=onward, status="did_not_attend", note=SECRETS["onward"],
        member_feedback=SECRETS["onward"],
    )  # fmt: skip
    support_services.close_referral(
        actor=link_worker, referral=referral, reason="goals_met", summary=SECRETS["close"]
    )
    audit.record(
        actor=coordinator, action=AuditEvent.Action.UPDATE, person=mo, summary="Reminder sent to Mo Member"
    )

    # Courses and volunteering in Mo's own words.
    enrolment = Enrolment.objects.filter(person=mo).first()
    if enrolment is not None:
        groups_services.update_learning_plan(
            actor=actor_for(mo), enrolment=enrolment, hopes=SECRETS["learning"], support_needs="Large print"
        )
    role = VolunteerRole.objects.filter(hub=hub, open=True).first()
    if role is not None and not mo.volunteer_applications.filter(role=role).exists():
        groups_services.apply_to_volunteer(actor=actor_for(mo), role=role, why=SECRETS["volunteer"])
    mo.refresh_from_db()
    return Populated(cast=cast, referral=referral, sensitive_session=sensitive)


@pytest.fixture
def populated(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return build_populated(build_cast())


@pytest.fixture(scope="module")
def populated_readonly(django_db_setup, django_db_blocker):
    """One populated hub for a module's tests that only read it (building it takes about a second and a
    half): built inside a transaction that is rolled back when the module ends, as setUpTestData does."""
    from django.db import transaction
    from django.test.utils import override_settings

    with (
        django_db_blocker.unblock(),
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
    ):
        with transaction.atomic():
            yield build_populated(build_cast())
            transaction.set_rollback(True)
