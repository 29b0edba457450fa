"""Build the fictional demo hub "Riverside Live Well" (and a small second hub), deterministic from a
seed. Everything is written through the same services the pages use."""

import base64
import hashlib
import random
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import Hub
from core.roles import TWO_FACTOR_ROLES, Actor, Role
from directory import demo as directory_demo
from groups import demo as groups_demo
from impact import demo as impact_demo
from people import services
from people.models import ConsentEvent, ConsentPurpose, Person, ProfileEntry
from people.validators import nhs_check_digit
from practice import demo as practice_demo
from support import demo as support_demo
from timebank import demo as timebank_demo

DEMO_PASSWORD = "riverside-demo"  # noqa: S105 - printed for the demo, never used in production

FIRST = (
    "Aisha Alan Amara Amy Ann Arjun Ben Beth Bilal Carl Chloe Colin Dan Dee Eddie Ella Emeka Erin "
    "Faisal Fatima Fiona Gary Grace Hamza Hannah Harry Imran Isla Jack Jade Jamal Jean Joe Kate "
    "Kemi Kofi Leah Liam Lily Maria Mark Maya Mohammed Nadia Neil Nia Omar Owen Paul Priya Rachel "
    "Raj Rosa Ruth Sam Sandra Sean Sofia Tariq Tom Una Wei Yasmin Zara"
).split()
LAST = (
    "Ahmed Allen Bailey Begum Brown Campbell Clarke Cooper Davies Evans Green Hall Hussain Jackson "
    "James Jones Kaur Khan King Lee Lewis Martin Mensah Mitchell Moore Morgan Murphy Nowak Okafor "
    "Patel Phillips Price Roberts Robinson Scott Shah Singh Smith Taylor Thomas Turner Walker "
    "Ward Watson White Williams Wilson Wood Wright Young"
).split()
NEEDS = (
    "Feeling lonely since moving here",
    "Getting out of the house more",
    "Help with managing money",
    "Sleeping better",
    "Help with forms and letters",
    "Managing my diabetes",
    "Someone to talk to about low mood",
    "Finding work",
    "A break from caring",
    "Getting to appointments",
    "Coping after a bereavement",
    "Sorting out housing problems",
)
HOPES = (
    "Make new friends",
    "Get back to walking every day",
    "Learn to cook healthy meals",
    "Volunteer somewhere",
    "Feel more confident going out",
    "Take up gardening again",
    "Go back to college",
    "Be there for my grandchildren",
)
SKILLS = (
    "Gardening",
    "Cooking",
    "DIY and small repairs",
    "Knitting",
    "Computer help",
    "Driving",
    "Dog walking",
    "Listening",
    "Speaking Urdu",
    "Speaking Polish",
    "Baking",
    "Music",
    "Bookkeeping",
    "Sewing",
    "Painting and drawing",
    "Teaching English",
)
INTERESTS = (
    "Walking groups",
    "Local history",
    "Football",
    "Crafts",
    "Reading",
    "Singing",
    "Allotments",
    "Photography",
    "Board games",
    "Yoga",
    "Cycling",
)
LIVED = (
    "Living with depression",
    "Caring for a parent with dementia",
    "Recovery from addiction",
    "Living with a long-term condition",
    "Being a refugee",
    "Surviving cancer",
    "Bringing up children alone",
)
STAFF = (
    ("coordinator", "Cora Okafor", Role.COORDINATOR),
    ("linkworker", "Lin Hussain", Role.LINK_WORKER),
    ("healthcoach", "Harry Nowak", Role.LINK_WORKER),
    ("broker", "Bea Campbell", Role.BROKER),
    ("peer", "Pat Mensah", Role.PEER_SUPPORTER),
    ("volunteer", "Val Turner", Role.VOLUNTEER),
    ("referrer", "Dr Rory Shah", Role.REFERRER),
    ("commissioner", "Connie Price", Role.COMMISSIONER),
    ("admin", "Ada Wright", Role.ADMINISTRATOR),
    ("member", "Mo Begum", Role.MEMBER),
)


def demo_nhs_number(rng: random.Random) -> str:
    """A valid number in the 999 range, which the NHS keeps for testing and never issues."""
    while True:
        first_nine = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        check = nhs_check_digit(first_nine)
        if check is not None:
            return first_nine + str(check)


def totp_key(seed: int, username: str) -> str:
    return hashlib.sha256(f"coproduce-demo-{seed}-{username}".encode()).hexdigest()[:40]


class Command(BaseCommand):
    help = "Build the Riverside Live Well demo hub (about 200 members and staff in every role)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--members", type=int, default=200)
        parser.add_argument(
            "--if-new",
            action="store_true",
            help="Do nothing (but print the logins) if the demo hub already exists.",
        )

    def handle(self, *args, seed, members, if_new, **options):
        exists = Hub.objects.filter(slug="riverside").exists()
        if exists and not if_new:
            raise CommandError("The demo hub already exists. Use a new database.")
        if not exists:
            # Building the demo sends the emails real work would (places on courses, letters to
            # referrers); they go nowhere instead of filling the terminal.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                with transaction.atomic():
                    self.build(seed=seed, members=members)
        self.print_logins(seed)

    def build(self, *, seed: int, members: int) -> None:
        rng = random.Random(seed)
        hub = services.create_hub(name="Riverside Live Well", slug="riverside")
        admin_user = User.objects.create_user("admin", "admin@livewell.example", DEMO_PASSWORD)
        admin = services.bootstrap_administrator(hub=hub, user=admin_user, full_name="Ada Wright")
        admin_actor = Actor(user=admin_user, hub=hub, person=admin, roles=frozenset({Role.ADMINISTRATOR}))
        staff: dict[str, Person] = {"admin": admin}
        for username, name, role in STAFF:
            if username == "admin":
                continue
            person = services.create_person(
                actor=admin_actor,
                roles=(role,),
                data={
                    "full_name": name,
                    "email": f"{username}@livewell.example",
                    "postcode": self.postcode(rng),
                },
                lists=self.lists(rng) if role in (Role.MEMBER, Role.PEER_SUPPORTER) else None,
            )
            services.create_login(actor=admin_actor, person=person, username=username, password=DEMO_PASSWORD)
            staff[username] = person
        self.add_devices(seed)
        worker = staff["linkworker"]
        worker_actor = Actor(user=worker.user, hub=hub, person=worker, roles=frozenset({Role.LINK_WORKER}))
        self.step(f"Adding {members} members")
        for i in range(members):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            data = {
                "full_name": f"{first} {last}",
                "preferred_name": first[:3] if rng.random() < 0.1 else "",
                "pronouns": rng.choice(["", "", "she/her", "he/him", "they/them"]),
                "email": f"{first}.{last}.{i}@example.org".lower() if rng.random() < 0.7 else "",
                "phone": f"07700 900{rng.randrange(1000):03d}" if rng.random() < 0.8 else "",
                "postcode": self.postcode(rng),
                "date_of_birth": date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 65)),
                "nhs_number": demo_nhs_number(rng) if rng.random() < 0.6 else "",
                "communication_needs": rng.choice(
                    [
                        "",
                        "",
                        "",
                        "",
                        "Large print",
                        "Prefers phone calls",
                        "Urdu interpreter",
                        "British Sign Language",
                    ]
                ),
            }
            roles = (Role.MEMBER, Role.PEER_SUPPORTER) if i % 25 == 0 else (Role.MEMBER,)
            person = services.create_person(actor=admin_actor, data=data, lists=self.lists(rng), roles=roles)
            for purpose in ConsentPurpose.values:
                if rng.random() < 0.75:
                    services.record_consent(
                        actor=worker_actor,
                        person=person,
                        purpose=purpose,
                        granted=rng.random() < 0.85,
                        method=rng.choice(ConsentEvent.Method.values),
                    )
            if (i + 1) % 50 == 0:
                self.step(f"  {i + 1} members")
        # A second hub shows tenancy: the coordinator works in both.
        north = services.create_hub(name="Northgate Time Bank", slug="northgate")
        north_admin = services.bootstrap_administrator(
            hub=north, user=staff["coordinator"].user, full_name="Cora Okafor"
        )
        north_actor = Actor(
            user=north_admin.user,
            hub=north,
            person=north_admin,
            roles=frozenset({Role.ADMINISTRATOR}),
        )
        services.set_roles(
            actor=north_actor, person=north_admin, roles={Role.ADMINISTRATOR, Role.COORDINATOR}
        )
        for _ in range(12):
            services.create_person(
                actor=north_actor,
                data={
                    "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "postcode": self.postcode(rng),
                },
                lists=self.lists(rng),
                roles=(Role.MEMBER,),
            )
        self.step("Mapping the community directory")
        mapped = directory_demo.build(hub=hub, seed=seed)
        self.step(f"  {len(mapped)} services with places, times and costs")
        self.step("Filling the time banks")
        made = timebank_demo.build(hub=hub, seed=seed)
        timebank_demo.build(hub=north, seed=seed, listings=8, exchanges=15)
        self.step(
            f"  {made['accounts']} accounts, {made['listings']} offers and requests, "
            f"{made['exchanges']} exchanges, {made['waiting']} waiting to be confirmed"
        )
        self.step("Adding support referrals, caseloads and plans")
        referrals = support_demo.build(hub=hub, seed=seed)
        self.step(
            "  " + ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in sorted(referrals.items()))
        )
        self.step("Adding courses, groups and volunteers")
        courses = groups_demo.build(hub=hub, seed=seed)
        self.step(
            f"  {courses['runs']} course runs, {courses['enrolments']} enrolments, {courses['groups']} groups"
        )
        self.step("Adding reflection rounds, an action plan and the case-study catalogue")
        practice_demo.build(hub=hub, seed=seed)
        self.step("Adding outcome questionnaires, an SROI model and a cost-avoided calculator")
        impact_demo.build(hub=hub, seed=seed)

    def lists(self, rng: random.Random) -> dict[str, list[str]]:
        return {
            ProfileEntry.Kind.NEED: rng.sample(NEEDS, rng.randint(0, 2)),
            ProfileEntry.Kind.HOPE: rng.sample(HOPES, rng.randint(0, 2)),
            ProfileEntry.Kind.SKILL: rng.sample(SKILLS, rng.randint(1, 3)),
            ProfileEntry.Kind.INTEREST: rng.sample(INTERESTS, rng.randint(0, 2)),
            ProfileEntry.Kind.LIVED_EXPERIENCE: rng.sample(LIVED, rng.choice([0, 0, 0, 1])),
        }

    def postcode(self, rng: random.Random) -> str:
        # A fictional town; the format is a real UK one so validation and districts work.
        return (
            f"RV{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        )

    def add_devices(self, seed: int) -> None:
        for username, _, role in STAFF:
            if role in TWO_FACTOR_ROLES:
                TOTPDevice.objects.create(
                    user=User.objects.get(username=username),
                    name="Demo authenticator",
                    key=totp_key(seed, username),
                    confirmed=True,
                )

    def step(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def print_logins(self, seed: int) -> None:
        self.stdout.write("\nDemo hub: Riverside Live Well — http://127.0.0.1:8000")
        self.stdout.write(f"Every demo login has the password: {DEMO_PASSWORD}")
        self.stdout.write(
            "Staff and peer supporters also need a code: add the key to an authenticator app, or run"
        )
        self.stdout.write("  make demo-code USER=<username>\n")
        self.stdout.write(f"  {'username':<13} {'role':<18} two-factor key")
        for username, _, role in STAFF:
            device = TOTPDevice.objects.filter(user__username=username).first()
            key = base64.b32encode(device.bin_key).decode() if device else "(not needed)"
            self.stdout.write(f"  {username:<13} {Role(role).label:<18} {key}")
        self.stdout.write("")
