"""Outcome questionnaires come from the impact part of Coproduce, which does not exist yet. Support asks
for them through this small interface so the two apps stay loosely joined (decision 0009).

A provider is a callable `provider(*, hub, moment) -> list[Instrument]`, named by dotted path in the
setting SUPPORT_INSTRUMENT_PROVIDERS. `moment` is "baseline" (when a referral is accepted) or
"follow_up_<n>" (at the n-month follow-up). With no providers configured (today), support offers no
questionnaires and everything else works; when the impact app arrives it adds its provider to the
setting and support shows its instruments on referrals and in reminders, with no change here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from core.models import Hub


@dataclass(frozen=True)
class Instrument:
    code: str  # "swemwbs"
    name: str  # "Short Warwick-Edinburgh Mental Wellbeing Scale"
    url: str = ""  # where staff or the member fill it in


Provider = Callable[..., list[Instrument]]


def providers() -> list[Provider]:
    return [import_string(path) for path in getattr(settings, "SUPPORT_INSTRUMENT_PROVIDERS", [])]


def baseline() -> str:
    return "baseline"


def follow_up(months: int) -> str:
    return f"follow_up_{months}"


def instruments_for(*, hub: Hub, moment: str) -> list[Instrument]:
    """Every provider's instruments for this hub and moment, without duplicates; [] with none."""
    seen: set[str] = set()
    out: list[Instrument] = []
    for provider in providers():
        for instrument in provider(hub=hub, moment=moment):
            if instrument.code not in seen:
                seen.add(instrument.code)
                out.append(instrument)
    return out
