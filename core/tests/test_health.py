"""The health check a load balancer polls: cheap, anonymous, never cached, 503 when a part is down."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client


@pytest.mark.django_db
def test_health_answers_ok_with_each_check_and_is_never_cached():
    response = Client().get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_says_503_and_which_check_failed_when_the_database_is_down(monkeypatch, caplog):
    def broken_cursor(*args, **kwargs):
        raise ConnectionError("could not connect to server at 10.0.0.5")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = Client().get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "failed", "checks": {"database": "failed"}}
    assert "10.0.0.5" not in response.content.decode()
    assert any(r.name == "coproduce.health" and "database" in r.getMessage() for r in caplog.records)


def test_health_checks_a_shared_cache_and_fails_when_it_does_not_answer(db, settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}

    class Shared:
        """Stands in for Redis: an external service, so the one thing mocked here."""

        def __init__(self, *, loses_values=False):
            self.stored, self.loses_values = {}, loses_values

        def set(self, key, value, timeout=None):
            if not self.loses_values:
                self.stored[key] = value

        def get(self, key, default=None):
            return self.stored.get(key, default)

        def delete(self, key):
            self.stored.pop(key, None)

    monkeypatch.setattr("core.views.cache", Shared())
    assert Client().get("/health").json()["checks"] == {"database": "ok", "cache": "ok"}

    monkeypatch.setattr("core.views.cache", Shared(loses_values=True))
    response = Client().get("/health")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "failed"}


def test_health_needs_no_sign_in_no_two_factor_and_survives_an_axes_lockout(cast):
    client = cast.client("link_worker", verified=False)  # staff who have not passed two-factor
    assert client.get("/health").status_code == 200
    anonymous = Client()
    for _ in range(6):
        anonymous.post("/accounts/sign-in/", {"username": "lin", "password": "wrong-password"})
    assert anonymous.post("/accounts/sign-in/", {"username": "lin", "password": "x"}).status_code == 429
    response = anonymous.get("/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"
