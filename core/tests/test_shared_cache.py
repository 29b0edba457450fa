"""Several app servers share the rate-limit counts through Redis (REDIS_URL), so a limit stays a limit."""

import os
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache

from core import ratelimit

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL} (CI has one; set REDIS_TEST_URL to use another)")


def server() -> RedisCache:
    """The cache one app server builds from REDIS_URL: its own client, its own connections."""
    return RedisCache(REDIS_URL, {})


def test_two_servers_count_one_address_together(monkeypatch, settings):
    redis_or_skip()
    settings.PRACTICE_CODE_LIMIT = "5/60"
    scope = f"test-shared-{uuid.uuid4().hex}"
    first, second = server(), server()
    limit = {"scope": scope, "address": "198.51.100.5", "setting": "PRACTICE_CODE_LIMIT", "default": "5/60"}
    try:
        for cache in (first, second, first, second, first):
            monkeypatch.setattr(ratelimit, "cache", cache)
            ratelimit.check(message="Too many.", **limit)

        # Five attempts spread over two servers use up the allowance on both.
        for cache in (first, second):
            monkeypatch.setattr(ratelimit, "cache", cache)
            assert ratelimit.is_limited(**limit)
            with pytest.raises(ratelimit.RateLimited):
                ratelimit.check(message="Too many.", **limit)
    finally:
        first.delete(ratelimit.key(scope, "198.51.100.5"))


def test_the_window_is_set_once_in_redis_and_expires(monkeypatch):
    redis_or_skip()
    scope = f"test-window-{uuid.uuid4().hex}"
    cache = server()
    name = ratelimit.key(scope, "198.51.100.6")
    monkeypatch.setattr(ratelimit, "cache", cache)
    for _ in range(2):
        ratelimit.count(scope=scope, address="198.51.100.6", setting="NO_SUCH_LIMIT", default="5/30")
    assert ratelimit.used(scope=scope, address="198.51.100.6") == 2
    ttl = cache._cache.get_client(name).ttl(cache.make_and_validate_key(name))
    cache.delete(name)
    assert 0 < ttl <= 30
