"""The public self-referral form: a few submissions per address per hour, per hub.

The counting is core/ratelimit.py's, shared by every public form; this module only names the limit
(SUPPORT_SELF_REFERRAL_LIMIT, "5/3600" by default) and says what the person is told.
"""

from __future__ import annotations

from core import ratelimit
from core.models import Hub
from core.ratelimit import RateLimited

__all__ = ["RateLimited", "check_self_referral", "remaining"]

LIMIT = {"setting": "SUPPORT_SELF_REFERRAL_LIMIT", "default": "5/3600"}
TOO_MANY = (
    "You have sent several referrals in a short time. Please wait an hour and try again, "
    "or phone us if you need help sooner."
)


def _scope(hub: Hub) -> str:
    return f"support:self-referral:{hub.pk}"


def _key(hub: Hub, ip_address: str | None) -> str:
    return ratelimit.key(_scope(hub), ip_address)


def check_self_referral(*, hub: Hub, ip_address: str | None) -> int:
    """Count one submission from this address; raise RateLimited past the limit. Every attempt
    counts, valid or not, so a script cannot probe the form by sending bad data. Returns the count."""
    allowed, _ = ratelimit.limits(**LIMIT)
    submitted = ratelimit.count(scope=_scope(hub), address=ip_address, **LIMIT)
    if submitted > allowed:
        raise RateLimited(TOO_MANY)
    return submitted


def remaining(*, hub: Hub, ip_address: str | None) -> int:
    """How many more submissions this address may make in the current window (for the page)."""
    allowed, _ = ratelimit.limits(**LIMIT)
    return max(0, allowed - ratelimit.used(scope=_scope(hub), address=ip_address))
