"""Impact's answer to support's instruments interface (support/instruments.py, decision 0009): which
questionnaires to offer at a referral's baseline and follow-ups."""

from __future__ import annotations

from django.urls import reverse

from core.models import Hub
from impact import queries
from support.instruments import Instrument


def instruments(*, hub: Hub, moment: str) -> list[Instrument]:
    """ONS4 and the member's own goal ratings at every moment, and every instrument the hub has loaded
    under its own licence. Goal Attainment Scaling needs goals scaled with a worker first, so it is
    offered at follow-ups only (its baseline is 0 by construction, not a measurement)."""
    out = []
    for code, definition in queries.definitions_for(hub).items():
        if code == "gas" and moment == "baseline":
            continue
        url = reverse("impact:record", kwargs={"code": code}) + f"?moment={moment}"
        out.append(Instrument(code=code, name=definition.name, url=url))
    return out
