"""Rate limits for public (anonymous) forms: so many attempts per address in a window.

Counts live in Django's cache, keyed by what is limited and the address. The default cache is per
process, which is enough for one server; several app servers set CACHES to a shared cache (Redis or
the database cache) so the count is shared. support/ratelimit.py names the self-referral form's limit.
Limits are settings of the form "count/seconds".
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from core.errors import DomainError


class RateLimited(DomainError):
    """Too many attempts from one address; pages and the API answer 429."""

    status_code = 429


def limits(setting: str, default: str) -> tuple[int, int]:
    count, _, window = str(getattr(settings, setting, default)).partition("/")
    return int(count), int(window or 3600)


def key(scope: str, address: str | None) -> str:
    return f"ratelimit:{scope}:{address or 'unknown'}"


def used(*, scope: str, address: str | None) -> int:
    """Attempts this address has made in the current window."""
    return int(cache.get(key(scope, address), 0))


def is_limited(*, scope: str, address: str | None, setting: str, default: str) -> bool:
    """True if this address has used up its attempts (without counting one)."""
    allowed, _ = limits(setting, default)
    return used(scope=scope, address=address) >= allowed


def count(*, scope: str, address: str | None, setting: str, default: str) -> int:
    """Count one attempt; the window starts at the first and is not extended by later ones."""
    _, window = limits(setting, default)
    name = key(scope, address)
    # add() only sets a missing key, so the window starts at the first attempt; incr() is atomic in
    # the shared caches (Redis), so servers counting at once lose no attempt.
    cache.add(name, 0, timeout=window)
    try:
        return cache.incr(name)
    except ValueError:  # the key expired between add() and incr(): the first of a new window
        cache.set(name, 1, timeout=window)
        return 1


def check(*, scope: str, address: str | None, setting: str, default: str, message: str) -> None:
    """Count one attempt and raise RateLimited(message) once the address is past its limit."""
    allowed, _ = limits(setting, default)
    if count(scope=scope, address=address, setting=setting, default=default) > allowed:
        raise RateLimited(message)
