import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from core.roles import Role
from core.testing import actor_for, make_person
from support import services


@pytest.fixture(autouse=True)
def _empty_cache():
    # The self-referral rate limit counts in the cache; each test starts from nothing.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def coach(cast):
    """A second link worker in Riverside (a health coach by title)."""
    return make_person(cast.hub, "Harry Coach", Role.LINK_WORKER)


@pytest.fixture
def live_well(cast):
    """Live Well as the seeds describe it (004 l.1419–1440): a health coach for 1–5 sessions, then a
    link worker for up to 8; follow-ups at 4 and 8 months; adults in LS1 and RV1 at Riverside Surgery;
    severe mental illness goes back to the GP."""
    return services.create_support_service(
        actor=cast.actor("coordinator"),
        data={
            "name": "Live Well",
            "min_age": 18,
            "max_age": 120,
            "postcode_districts": ["LS1", "RV1"],
            "gp_practices": ["Riverside Surgery", "Bridge Street Practice"],
            "follow_up_months": [4, 8],
        },
        steps=[
            {"name": "Health coaching", "worker_title": "Health coach", "session_cap": 5},
            {"name": "Link work", "worker_title": "Link worker", "session_cap": 8},
        ],
        exclusions=[
            {"label": "Severe mental illness", "redirect_to": "Back to the GP for the mental health team"}
        ],
    )


@pytest.fixture
def lac(cast):
    """Local Area Coordination: no age, area or session limits."""
    return services.create_support_service(
        actor=cast.actor("coordinator"),
        data={"name": "Local Area Coordination"},
        steps=[{"name": "Coordination", "worker_title": "Local area coordinator"}],
    )


def referral_data(**overrides):
    data = {
        "full_name": "Mo Member",
        "date_of_birth": "1970-05-01",
        "postcode": "LS1 4AP",
        "gp_practice": "Riverside Surgery",
        "source": "gp",
        "reasons": ["isolation", "low_mood"],
        "urgency": "routine",
        "referrer_name": "Dr Rory",
        "referrer_organisation": "Riverside Surgery",
        "referrer_email": "rory.gp@example.org",
        "consent_to_report_back": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_referral(cast, live_well):
    def make(actor_name="link_worker", service=None, **overrides):
        return services.create_referral(
            actor=cast.actor(actor_name), service=service or live_well, data=referral_data(**overrides)
        )

    return make


@pytest.fixture
def accepted(cast, live_well, make_referral):
    """Mo's referral to Live Well, accepted, with Lin (the link worker) as health coach."""
    referral = make_referral()
    if referral.person is None:
        referral = services.link_person(
            actor=cast.actor("link_worker"), referral=referral, person=cast.member
        )
    return services.decide_referral(
        actor=cast.actor("link_worker"),
        referral=referral,
        decision="accept",
        reason="Lonely since moving here",
    )


def days_ago(n):
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture
def actor_of():
    return actor_for
