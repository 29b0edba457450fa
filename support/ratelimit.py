"""Rate limiting for the public self-referral form: a few submissions per address per hour.

Counts live in Django's cache, keyed by hub and address. The default cache is per process (LocMem),
which is enough for one server; a hub running several app servers sets CACHES to a shared cache
(Redis or the database cache) so the count is shared. Tests clear the cache between runs.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from core.errors import DomainError
from core.models import Hub


class RateLimited(DomainError):
    """Too many self-referrals from one address; the API answers 429."""

    status_code = 429


def limits() -> tuple[int, int]:
    """(submissions, window in seconds), from SUPPORT_SELF_REFERRAL_LIMIT ("5/3600" by default)."""
    text = getattr(settings, "SUPPORT_SELF_REFERRAL_LIMIT", "5/3600")
    count, _, window = str(text).partition("/")
    return int(count), int(window or 3600)


def _key(hub: Hub, ip_address: str | None) -> str:
    return f"support:self-referral:{hub.pk}:{ip_address or 'unknown'}"


def check_self_referral(*, hub: Hub, ip_address: str | None) -> int:
    """Count one submission from this address; raise RateLimited past the limit. Every attempt
    counts, valid or not, so a script cannot probe the form by sending bad data. Returns the count."""
    allowed, window = limits()
    key = _key(hub, ip_address)
    # add() only sets a missing key, so the window starts at the first submission and is not
    # extended by later ones; incr() is atomic in the shared caches.
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add() and incr(): this is the first submission of a new window.
        cache.set(key, 1, timeout=window)
        count = 1
    if count > allowed:
        raise RateLimited(
            "You have sent several referrals in a short time. Please wait an hour and try again, "
            "or phone us if you need help sooner."
        )
    return count


def remaining(*, hub: Hub, ip_address: str | None) -> int:
    """How many more submissions this address may make in the current window (for the page)."""
    allowed, _ = limits()
    return max(0, allowed - int(cache.get(_key(hub, ip_address), 0)))
