"""The standard cast every test uses, so permission tests read the same way everywhere.

Riverside hub: Cora (coordinator), Lin (link worker), Mo and Mia (members), Pat (peer supporter),
Connie (commissioner), Ada (administrator), Bea (time-bank broker), Rory (referrer), Val
(volunteer). Northgate hub: Otto, an outsider with every staff role there but none in Riverside,
and Nina, a member of Northgate.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import Hub
from core.roles import Actor, Role
from people.models import Person, RoleGrant

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - test-only password


def make_person(hub: Hub, name: str, *roles: str, login: bool = True, **fields) -> Person:
    user = None
    if login:
        username = name.split()[0].lower()
        user = User.objects.create_user(username=username, email=f"{username}@example.org", password=PASSWORD)
    person = Person.objects.create(
        hub=hub,
        user=user,
        full_name=name,
        email=fields.pop("email", f"{name.split()[0].lower()}@example.org"),
        **fields,
    )
    for role in roles:
        RoleGrant.objects.create(person=person, role=role)
    return person


def actor_for(person: Person) -> Actor:
    return Actor(
        user=person.user,
        hub=person.hub,
        person=person,
        roles=frozenset(person.role_grants.values_list("role", flat=True)),
    )


@dataclass
class Cast:
    hub: Hub
    other_hub: Hub
    coordinator: Person
    link_worker: Person
    member: Person
    member2: Person
    peer: Person
    commissioner: Person
    administrator: Person
    broker: Person
    referrer: Person
    volunteer: Person
    outsider: Person
    other_member: Person

    def actor(self, name: str) -> Actor:
        return actor_for(getattr(self, name))

    def client(self, name: str, *, verified: bool = True) -> Client:
        """A test client signed in as a cast member; staff have passed two-factor unless told not."""
        person = getattr(self, name)
        client = Client()
        client.force_login(person.user, backend="django.contrib.auth.backends.ModelBackend")
        if verified:
            device, _ = TOTPDevice.objects.get_or_create(
                user=person.user, name="test", defaults={"confirmed": True}
            )
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client


ROLE_OF = {
    "coordinator": Role.COORDINATOR,
    "link_worker": Role.LINK_WORKER,
    "member": Role.MEMBER,
    "member2": Role.MEMBER,
    "peer": Role.PEER_SUPPORTER,
    "commissioner": Role.COMMISSIONER,
    "administrator": Role.ADMINISTRATOR,
    "broker": Role.BROKER,
    "referrer": Role.REFERRER,
    "volunteer": Role.VOLUNTEER,
}


def build_cast() -> Cast:
    hub = Hub.objects.create(name="Riverside Live Well", slug="riverside")
    other = Hub.objects.create(name="Northgate Time Bank", slug="northgate")
    people = {
        "coordinator": make_person(hub, "Cora Coordinator", Role.COORDINATOR),
        "link_worker": make_person(hub, "Lin Linkworker", Role.LINK_WORKER),
        "member": make_person(hub, "Mo Member", Role.MEMBER, postcode="LS1 4AP"),
        "member2": make_person(hub, "Mia Member", Role.MEMBER),
        "peer": make_person(hub, "Pat Peer", Role.PEER_SUPPORTER, Role.MEMBER),
        "commissioner": make_person(hub, "Connie Commissioner", Role.COMMISSIONER),
        "administrator": make_person(hub, "Ada Administrator", Role.ADMINISTRATOR),
        "broker": make_person(hub, "Bea Broker", Role.BROKER),
        "referrer": make_person(hub, "Rory Referrer", Role.REFERRER),
        "volunteer": make_person(hub, "Val Volunteer", Role.VOLUNTEER),
        "outsider": make_person(
            other,
            "Otto Outsider",
            Role.COORDINATOR,
            Role.LINK_WORKER,
            Role.ADMINISTRATOR,
            Role.BROKER,
        ),
        "other_member": make_person(other, "Nina Northgate", Role.MEMBER),
    }
    return Cast(hub=hub, other_hub=other, **people)
