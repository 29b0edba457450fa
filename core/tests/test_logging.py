"""Logs: one line per request, JSON in production, and no personal data whatever the request held."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import include, path

from core.logging import JSONFormatter, TextFormatter

SECRETS = [
    "Zebedee",
    "Quarrington",
    "943 476 5919",
    "9434765919",
    "RV9 8QZ",
    "zeb.q@example.org",
    "07700 900123",
    "feeling very low since my divorce",
    "Not-My-Real-Passw0rd",
    "SECRETROUNDCODE",
]


def boom(request):
    raise ValueError("could not save Zebedee Quarrington, NHS 9434765919, RV9 8QZ")


# This module is also the URLconf of the 500 test: the site's pages plus one that fails.
urlpatterns = [path("boom/", boom, name="boom"), path("", include("coproduce.urls"))]


@pytest.fixture
def captured():
    """Everything logged while the test runs, formatted as production formats it (and as text)."""
    streams = {"json": io.StringIO(), "text": io.StringIO()}
    handlers = []
    for name, formatter in (("json", JSONFormatter()), ("text", TextFormatter())):
        handler = logging.StreamHandler(streams[name])
        handler.setFormatter(formatter)
        handlers.append(handler)
        logging.getLogger().addHandler(handler)
    cache.clear()  # the self-referral limit counts in the cache
    yield streams
    for handler in handlers:
        logging.getLogger().removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.urls("core.tests.test_logging")
def test_requests_full_of_personal_data_leave_none_in_the_logs(cast, captured):
    from support import services

    service = services.create_support_service(
        actor=cast.actor("coordinator"),
        data={"name": "Local Area Coordination", "takes_self_referrals": True},
        steps=[{"name": "Coordination", "worker_title": "Local area coordinator"}],
    )
    coordinator = cast.client("coordinator")
    assert coordinator.get("/people/", {"q": "Zebedee Quarrington"}).status_code == 200
    public = Client(raise_request_exception=False)
    referral = {
        "service": service.pk,
        "source": "self",
        "full_name": "Zebedee Quarrington",
        "nhs_number": "943 476 5919",
        "postcode": "RV9 8QZ",
        "email": "zeb.q@example.org",
        "phone": "07700 900123",
        "reasons": ["low_mood"],
        "reason_detail": "feeling very low since my divorce",
    }
    assert public.post(f"/support/refer/{cast.hub.slug}/?from=zeb.q@example.org", referral).status_code == 302
    public.post("/accounts/sign-in/", {"username": "zeb.q@example.org", "password": "Not-My-Real-Passw0rd"})
    assert public.get("/practice/answer/SECRETROUNDCODE/").status_code == 404
    assert public.get("/boom/", {"name": "Zebedee"}).status_code == 500

    for fmt, stream in captured.items():
        text = stream.getvalue()
        leaked = [s for s in SECRETS if s.lower() in text.lower()]
        assert not leaked, (fmt, leaked, text)

    records = lines(captured["json"])
    requests = [r for r in records if r["logger"] == "coproduce.request"]
    assert [(r["method"], r["route"], r["status"]) for r in requests] == [
        ("GET", "people:list", 200),
        ("POST", "support:self-referral", 302),
        ("POST", "core:login", 200),
        ("GET", "practice:anonymous", 404),
        ("GET", "boom", 500),
    ]
    assert requests[0]["user_id"] == cast.coordinator.user.pk and requests[0]["hub_id"] == cast.hub.pk
    assert "user_id" not in requests[1] and all(r["duration_ms"] >= 0 for r in requests)
    assert len({r["request_id"] for r in requests}) == 5
    [error] = [r for r in records if r["logger"] == "django.request" and r["level"] == "ERROR"]
    assert error["message"] == "Internal Server Error" and error["exception"] == "ValueError"
    assert error["route"] == "boom" and any("in boom" in frame for frame in error["trace"])


def test_a_sane_request_id_from_the_proxy_is_kept_and_anything_else_replaced(db, captured):
    kept = Client().get("/accounts/sign-in/", HTTP_X_REQUEST_ID="lb-7f3a9c01-4e")
    assert kept["X-Request-ID"] == "lb-7f3a9c01-4e"
    replaced = Client().get("/accounts/sign-in/", HTTP_X_REQUEST_ID="Zebedee Quarrington <zeb.q@example.org>")
    assert len(replaced["X-Request-ID"]) == 32 and "Zebedee" not in captured["json"].getvalue()
    ids = [r["request_id"] for r in lines(captured["json"]) if r["logger"] == "coproduce.request"]
    assert ids == ["lb-7f3a9c01-4e", replaced["X-Request-ID"]]


def test_django_errors_are_never_emailed_with_form_data_nor_printed_with_raw_paths():
    from django.utils.log import AdminEmailHandler

    django_logger = logging.getLogger("django")
    assert django_logger.handlers == [] and django_logger.propagate
    handlers = [h for name in ("", "django", "django.request") for h in logging.getLogger(name).handlers]
    assert not any(isinstance(h, AdminEmailHandler) for h in handlers)
    ours = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]  # not pytest's
    assert ours and all(isinstance(h.formatter, JSONFormatter | TextFormatter) for h in ours)
