from __future__ import annotations

from datetime import date

import pytest

from core.testing import build_cast
from impact import services
from impact.models import Funding


@pytest.fixture
def cast(db):
    cast = build_cast()
    Funding.objects.create(commissioner=cast.commissioner.user, hub=cast.hub, programme="Live Well")
    return cast


def ons4(satisfied: int) -> dict:
    return {"satisfied": satisfied, "worthwhile": 5, "happy": 5, "anxious": 5}


def measure(cast, person, satisfied: int, moment: str = "baseline", on: date = date(2025, 6, 1)):
    return services.record_measurement(
        actor=cast.actor("link_worker"),
        person=person,
        instrument="ons4",
        moment=moment,
        taken_on=on,
        answers=ons4(satisfied),
    )
