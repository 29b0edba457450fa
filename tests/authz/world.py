"""One object of every type the URL arguments name, in Riverside (owned by Mo where ownership matters)
and in Northgate (owned by Nina), built through each app's services as staff and members would.

Each object carries a token: a word written into one of its text fields and nowhere else, so a refused
page can be searched for it (a refusal that shows the object's words leaks it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from core.models import Hub
from core.roles import Actor, Role
from core.testing import Cast, actor_for, build_cast, make_person
from directory import services as directory
from directory.models import Address, Location, ServiceAtLocation, Taxonomy, TaxonomyTerm
from groups import services as groups
from groups.models import CoDesigner, Facilitator, GroupMeeting, OnCallAvailability
from impact import services as impact
from impact.models import Funding
from people.models import Person
from practice import services as practice
from practice.models import CatalogueCase
from rights import services as rights
from support import services as support
from support.models import FollowUp, ReferrerMessage
from timebank import services as timebank


@dataclass
class World:
    cast: Cast
    # object type -> {"home": Riverside object, "away": Northgate object}
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    # object type -> {"home": token, "away": token}: words only that object's fields hold
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def put(self, kind: str, home: Any, away: Any, *, tokens: tuple[str, str] | None = None) -> None:
        self.objects[kind] = {"home": home, "away": away}
        if tokens:
            self.tokens[kind] = {"home": tokens[0], "away": tokens[1]}


def _service_data(hub_word: str, token: str) -> dict[str, Any]:
    return {
        "name": f"{hub_word} {token} Walking Group",
        "organization_name": f"{hub_word} Ramblers",
        "description": "Gentle walks by the river for all abilities.",
        "eligibility_description": "Adults who want company on a walk.",
        "minimum_age": 18,
        "maximum_age": None,
        "cost_amount": 0,
        "fees_description": "Free.",
        "help_with_cost": "",
        "application_process": "Just turn up.",
        "email": "walks@example.org",
        "phone": "01632 960001",
        "url": "https://example.org/walks",
        "referral_mode": "signpost",
        "capacity": 20,
        "spaces_left": 5,
        "location_name": f"{hub_word} Park cafe",
        "address_1": "1 Park Lane",
        "city": hub_word,
        "postcode": "",
        "accessibility": "Step-free access",
        "days": ["WE"],
        "opens_at": "10:00",
        "closes_at": "11:30",
        "schedule_description": "Every Wednesday morning",
        "term_ids": [],
    }


COURSE = {
    "summary": "What anxiety is, what keeps it going, and what helps.",
    "learning_outcomes": "Name the signs of anxiety",
    "level": "introduction",
    "session_count": 2,
    "session_minutes": 120,
    "accessibility": "Step-free access.",
    "for_members": True,
    "for_families": True,
    "for_staff": True,
    "completion_percent": 75,
}


@dataclass
class Side:
    """The people who build one hub's objects."""

    hub: Hub
    word: str
    staff: Actor  # coordinator, link worker, broker (and administrator in Northgate)
    owner: Person  # the member who owns personal objects
    other: Person  # the other party of the owner's exchange (not Mia, who stays a bystander)
    peer: Person
    worker: Person  # the link worker people are assigned to

    @property
    def owner_actor(self) -> Actor:
        return actor_for(self.owner)


def _actor(person: Person, *roles: str) -> Actor:
    base = actor_for(person)
    return Actor(user=person.user, hub=person.hub, person=person, roles=base.roles | set(roles))


def build_world() -> World:
    cast = build_cast()
    Funding.objects.create(commissioner=cast.commissioner.user, hub=cast.hub, programme="Live Well")
    world = World(cast=cast)
    staff = _actor(cast.coordinator, Role.LINK_WORKER, Role.BROKER, Role.ADMINISTRATOR)
    home = Side(
        hub=cast.hub,
        word="Riverside",
        staff=staff,
        owner=cast.member,
        other=make_person(cast.hub, "Rhys Riverside", Role.MEMBER, login=False),
        peer=cast.peer,
        worker=cast.link_worker,
    )
    away = Side(
        hub=cast.other_hub,
        word="Northgate",
        staff=cast.actor("outsider"),
        owner=cast.other_member,
        other=make_person(cast.other_hub, "Noel Northgate", Role.MEMBER, login=False),
        peer=make_person(cast.other_hub, "Nell Northpeer", Role.PEER_SUPPORTER, Role.MEMBER, login=False),
        worker=cast.outsider,
    )
    built = [_build_side(side, cast) for side in (home, away)]
    for kind in built[0]:
        (h_obj, h_tok), (a_obj, a_tok) = built[0][kind], built[1][kind]
        world.put(kind, h_obj, a_obj, tokens=(h_tok, a_tok) if h_tok else None)
    _shared(world)
    return world


def _shared(world: World) -> None:
    """Things no hub owns: HSDS taxonomies and the case-study catalogue (both public)."""
    taxonomy = Taxonomy.objects.create(name="Authz categories", description="Shared")
    term = TaxonomyTerm.objects.create(name="Authz wellbeing", description="Shared", taxonomy_detail=taxonomy)
    world.put("taxonomy", taxonomy, None)
    world.put("taxonomy term", term, None)
    case = CatalogueCase.objects.order_by("slug").first() or CatalogueCase.objects.create(
        slug="authz-case", title="Authz case", source="Test", summary="A case.", why="Because."
    )
    world.put("catalogue case", case, None)


def _build_side(side: Side, cast: Cast) -> dict[str, tuple[Any, str | None]]:  # noqa: PLR0915 - one long recipe
    w, staff, owner = side.word, side.staff, side.owner
    owner_actor = side.owner_actor
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate()
    out: dict[str, tuple[Any, str | None]] = {}
    tok = f"{w}Zq"

    out["hub"] = (side.hub, None)
    out["person"] = (owner, None)

    # Directory
    service = directory.create_service(actor=staff, data=_service_data(w, tok + "Svc"))
    out["directory service"] = (service, tok + "Svc")
    out["organisation"] = (service.organization, None)
    place = Location.objects.filter(hub=side.hub).first()
    if place is None:
        place = Location.objects.create(hub=side.hub, name=f"{w} Community Centre")
        Address.objects.create(
            location=place,
            address_1="1 Mill St",
            city=w,
            state_province="",
            postal_code="LS1 4AP",
            country="GB",
        )
    out["service at location"] = (ServiceAtLocation.objects.filter(service=service).first(), None)

    # Time bank
    accounts = {p.pk: timebank.join(actor=staff, person=p) for p in (owner, side.other, side.peer)}
    mine, theirs = accounts[owner.pk], accounts[side.other.pk]
    out["time-bank account"] = (mine, None)
    listing = timebank.create_listing(
        actor=owner_actor, person=owner, kind="offer", title=f"{tok}Lst gardening", category="gardening"
    )
    out["listing"] = (listing, tok + "Lst")
    exchange = timebank.record_exchange(
        actor=owner_actor,
        giver=mine,
        receiver=theirs,
        minutes=60,
        category="gardening",
        description=f"{tok}Exc weeding",
    )
    out["exchange"] = (exchange, tok + "Exc")
    transfer = timebank.award(actor=staff, to_account=mine, minutes=30, reason=f"{tok}Trf thanks")
    out["transfer"] = (transfer, tok + "Trf")
    partner = timebank.add_partner(actor=staff, name=f"{w} Leisure Centre")
    way = timebank.add_way_to_spend(actor=staff, partner=partner, title=f"{tok}Way swim", price=60)
    out["way to spend"] = (way, tok + "Way")

    # Courses
    course = groups.create_course(actor=staff, data=COURSE | {"title": f"{tok}Crs anxiety"})
    groups.add_designer(actor=staff, course=course, person=side.peer, kind=CoDesigner.Kind.LIVED_EXPERIENCE)
    groups.add_designer(actor=staff, course=course, person=side.worker, kind=CoDesigner.Kind.PRACTITIONER)
    run = groups.create_run(actor=staff, course=course, capacity=10)
    start = now - dt.timedelta(days=3)
    session = groups.add_session(
        actor=staff, run=run, starts_at=start, ends_at=start + dt.timedelta(hours=2), location=place
    )
    later = now + dt.timedelta(days=4)
    groups.add_session(
        actor=staff, run=run, starts_at=later, ends_at=later + dt.timedelta(hours=2), location=place
    )
    groups.add_facilitator(actor=staff, run=run, person=side.peer, kind=Facilitator.Kind.PEER_TRAINER)
    facilitator = groups.add_facilitator(
        actor=staff, run=run, person=side.worker, kind=Facilitator.Kind.PRACTITIONER
    )
    run = groups.publish_run(actor=staff, run=run)
    enrolment = groups.enrol(actor=owner_actor, run=run, person=owner, hopes=f"{tok}Enr hopes")
    out["course"] = (course, tok + "Crs")
    out["course run"] = (run, tok + "Crs")
    out["course session"] = (session, tok + "Crs")
    out["facilitator"] = (facilitator, None)
    out["enrolment"] = (enrolment, tok + "Enr")

    # Community groups, volunteering and the on-call rota
    group = groups.create_group(actor=staff, name=f"{tok}Grp coffee", kind="coffee_morning")
    meeting = groups.record_meeting(actor=staff, group=group, starts_at=now - dt.timedelta(days=1))
    out["community group"] = (group, tok + "Grp")
    out["group meeting"] = (GroupMeeting.objects.get(pk=meeting.pk), tok + "Grp")
    role = groups.create_volunteer_role(actor=staff, title=f"{tok}Vol greeter")
    application = groups.apply_to_volunteer(actor=owner_actor, role=role, why=f"{tok}App why")
    out["volunteer role"] = (role, tok + "Vol")
    out["volunteer application"] = (application, tok + "App")
    day = groups.schedule_development_day(
        actor=staff, held_on=today + dt.timedelta(days=10), title=f"{tok}Day"
    )
    out["development day"] = (day, tok + "Day")
    availability = groups.add_availability(
        actor=actor_for(side.peer) if side.peer.user else staff,
        peer=side.peer,
        starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=2, hours=4),
    )[0]
    out["availability"] = (OnCallAvailability.objects.get(pk=availability.pk), None)

    # Support
    svc = support.create_support_service(
        actor=staff,
        data={"name": f"{tok}Sup Live Well", "follow_up_months": [4]},
        steps=[{"name": "Link work", "worker_title": "Link worker", "session_cap": 8}],
    )
    out["support service"] = (svc, tok + "Sup")
    referral = support.create_referral(
        actor=staff,
        service=svc,
        person=owner,
        data={
            "full_name": owner.full_name,
            "date_of_birth": "1970-05-01",
            "postcode": "LS1 4AP",
            "gp_practice": "Surgery",
            "source": "gp",
            "reasons": ["isolation"],
            "urgency": "routine",
            "referrer_name": f"Dr {tok}Ref",
            "referrer_organisation": "Surgery",
            "referrer_email": "gp@example.org",
            "consent_to_report_back": True,
        },
    )
    referral = support.decide_referral(
        actor=staff, referral=referral, decision="accept", reason="Lonely", worker=side.worker
    )
    out["referral"] = (referral, tok + "Ref")
    onward = support.suggest_onward_referral(
        actor=staff, referral=referral, directory_service_id=service.pk, note=f"{tok}Onw note"
    )
    out["onward referral"] = (onward, tok + "Onw")
    out["follow-up"] = (FollowUp.objects.filter(referral=referral).first(), None)
    message = ReferrerMessage.objects.filter(referral=referral).first()
    out["referrer letter"] = (message, None)
    plan = support.save_plan(
        actor=owner_actor, person=owner, kind="crisis", content={"what_i_want": f"{tok}Pln call my sister"}
    ).plan
    out["plan"] = (plan, tok + "Pln")
    support.name_supporter(actor=owner_actor, plan=plan, peer=side.peer)
    out["plan supporter"] = (side.peer, tok + "Pln")
    period = support.schedule_on_call(
        actor=staff,
        peer=side.peer,
        starts_at=now + dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1, hours=3),
    )
    out["on-call period"] = (period, None)
    out["worker"] = (side.worker, None)

    # Impact
    model = impact.create_model(
        actor=staff,
        name=f"{tok}Sroi model",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
    )
    stakeholder = impact.add_stakeholder(actor=staff, model=model, name="Members")
    proxy = impact.add_proxy(
        actor=staff, name="Wellbeing", unit="person", value_pence=30000, source="Example", year=2010
    )
    outcome = impact.add_outcome(
        actor=staff,
        model=model,
        stakeholder=stakeholder,
        proxy=proxy,
        description="Feel better",
        indicator="ONS4",
        quantity_source="improved",
        instrument="ons4",
    )
    out["sroi model"] = (model, tok + "Sroi")
    out["sroi outcome"] = (outcome, tok + "Sroi")
    comparison = impact.create_comparison(
        actor=staff,
        name=f"{tok}Cmp network",
        cohort="Members",
        people=40,
        before_period="6 months before",
        after_period="6 months after",
        data_source="Audit",
    )
    out["cost comparison"] = (comparison, tok + "Cmp")

    # Practice
    round_ = practice.open_round(actor=staff, title=f"{tok}Rnd reflection", about="Team")
    out["reflection round"] = (round_, tok + "Rnd")
    statement = practice.add_statement(actor=staff, principle="assets", text=f"{tok}Stm we see strengths")
    out["statement"] = (statement, tok + "Stm")
    action_plan = practice.create_plan(actor=staff, title=f"{tok}Apl plan")
    priority = practice.add_priority(actor=staff, plan=action_plan, title="Listen more")
    action = practice.add_action(
        actor=staff,
        priority=priority,
        text=f"{tok}Act ask members",
        principle="assets",
        staff_lead=side.worker,
        member_lead=owner,
        due_on=today + dt.timedelta(days=30),
        review_on=today + dt.timedelta(days=14),
    )
    out["action plan"] = (action_plan, tok + "Apl")
    out["action"] = (action, tok + "Act")

    # Rights: the owner asks for a correction and for erasure. Carrying out the erasure is blocked by
    # the owner's open referral (rights.queries.erasure_blockers), so no allowed cell erases anyone.
    correction = rights.make_request(
        actor=owner_actor, person=owner, kind="correction", detail=f"{tok}Rgt my postcode is wrong"
    )
    erasure = rights.make_request(actor=owner_actor, person=owner, kind="erasure", detail=f"{tok}Era why")
    out["rights request"] = (correction, tok + "Rgt")
    out["erasure request"] = (erasure, tok + "Era")
    return out
