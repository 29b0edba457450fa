"""The data the API fuzz runs against: the standard cast, and a few objects of every kind the API
names by id (people, accounts, exchanges, referrals), in both hubs, so generated ids hit real rows
that one role may see and another may not."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.middleware.csrf import _get_new_csrf_string

from core.testing import Cast, build_cast
from people import services as people_services
from support import services as support_services
from timebank import services as timebank_services
from timebank.models import Category

# The roles the fuzz signs in as: the issue asks for several; these cover a member, the two staff
# roles that see individuals' records, the aggregate-only commissioner, and nobody at all.
ROLES = ("anonymous", "member", "link_worker", "coordinator", "commissioner")


@dataclass
class Credentials:
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    cast: Cast
    ids: dict[str, list[int]]
    credentials: dict[str, Credentials]


def _referral_data(name: str, **overrides) -> dict:
    data = {
        "full_name": name,
        "date_of_birth": "1970-05-01",
        "postcode": "LS1 4AP",
        "gp_practice": "Riverside Surgery",
        "source": "gp",
        "reasons": ["isolation"],
        "urgency": "routine",
        "referrer_name": "Dr Rory",
        "referrer_organisation": "Riverside Surgery",
        "referrer_email": "rory.gp@example.org",
        "consent_to_report_back": True,
    }
    data.update(overrides)
    return data


def _credentials(cast: Cast, role: str) -> Credentials:
    """A verified session (staff have passed two-factor, as Cast.client makes it) and a CSRF token,
    sent as the cookie and the X-CSRFToken header that SessionAuthentication checks on writes."""
    if role == "anonymous":
        return Credentials()
    client = cast.client(role)
    token = _get_new_csrf_string()
    return Credentials(
        cookies={"sessionid": client.cookies["sessionid"].value, "csrftoken": token},
        headers={"X-CSRFToken": token},
    )


def build_world() -> World:
    cast = build_cast()
    coordinator, broker = cast.actor("coordinator"), cast.actor("broker")
    accounts = {
        name: timebank_services.join(actor=broker, person=getattr(cast, name))
        for name in ("member", "member2", "peer")
    }
    outsider_account = timebank_services.join(actor=cast.actor("outsider"), person=cast.other_member)
    exchange = timebank_services.record_exchange(
        actor=cast.actor("member"),
        giver=accounts["member"],
        receiver=accounts["member2"],
        minutes=60,
        category=Category.GARDENING,
        description="Weeding the front garden",
    )
    for name, kind in (("member", "offer"), ("member2", "request")):
        timebank_services.create_listing(
            actor=cast.actor(name),
            person=getattr(cast, name),
            kind=kind,
            title="Help with the garden",
            description="An hour of weeding",
            category=Category.GARDENING,
            tags="garden",
        )
    people_services.record_consent(
        actor=coordinator, person=cast.member, purpose="contact_email", granted=True, method="verbal"
    )
    live_well = support_services.create_support_service(
        actor=coordinator,
        data={"name": "Live Well", "follow_up_months": [4, 8]},
        steps=[{"name": "Health coaching", "worker_title": "Health coach", "session_cap": 5}],
    )
    waiting = support_services.create_referral(
        actor=cast.actor("link_worker"), service=live_well, data=_referral_data("Ann Other")
    )
    accepted = support_services.create_referral(
        actor=cast.actor("link_worker"), service=live_well, data=_referral_data("Mia Member")
    )
    if accepted.person is None:
        accepted = support_services.link_person(
            actor=cast.actor("link_worker"), referral=accepted, person=cast.member2
        )
    accepted = support_services.decide_referral(
        actor=cast.actor("link_worker"), referral=accepted, decision="accept", reason="Lonely"
    )
    ids = {
        "person_id": [p.pk for p in (cast.member, cast.member2, cast.link_worker, cast.other_member)],
        "account_id": [a.pk for a in (*accounts.values(), outsider_account)],
        "exchange_id": [exchange.pk],
        "referral_id": [waiting.pk, accepted.pk],
        "service": [live_well.pk],
    }
    credentials = {role: _credentials(cast, role) for role in ROLES}
    return World(cast=cast, ids=ids, credentials=credentials)


@contextmanager
def rolled_back(django_db_blocker) -> Iterator[None]:
    """A transaction around a whole test module, rolled back at its end, so the data built once for
    all its cases leaves the test database as it found it."""
    # The WSGI handler closes the connection at the end of each request; inside the test
    # transaction that would throw it away, so (as Django's test client does) that is turned off.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
