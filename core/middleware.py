import ipaddress
import logging
import re
import time
import uuid

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from people.queries import actors_for_user

HUB_SESSION_KEY = "coproduce_hub_id"


def client_ip(request) -> str | None:
    """The visitor's address, for sign-in lockouts, rate limits and the audit log.

    Behind TRUSTED_PROXY_COUNT reverse proxies REMOTE_ADDR is the nearest proxy, the same for everyone,
    so the address comes from X-Forwarded-For: each proxy appends the address it saw, so the entry that
    many places from the end is the one our outermost proxy saw. Anything before it was sent by the
    client and is not trusted. Without proxies the header is ignored, as a client could forge it.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


class HubMiddleware:
    """Sets request.actor: the signed-in user in the hub they are working in (or None), and
    request.actors: every hub where they have a record, for the hub switcher."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = None
        request.actors = []
        if request.user.is_authenticated:
            actors = actors_for_user(request.user, ip_address=client_ip(request))
            request.actors = actors
            chosen = request.session.get(HUB_SESSION_KEY)
            request.actor = next((a for a in actors if a.hub.pk == chosen), None) or (
                actors[0] if actors else None
            )
        return self.get_response(request)


request_log = logging.getLogger("coproduce.request")
# A proxy's id is kept only if it looks like one: letters, digits and - _ . :, at most 128 characters.
# Anything else (a name, a very long header) is replaced, so it cannot carry data into the logs.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


class RequestLogMiddleware:
    """Gives every request an id (the proxy's X-Request-ID if sane, else a new one), returns it in the
    X-Request-ID header, and logs one line per request with no personal data (core/logging.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        offered = request.headers.get("X-Request-ID", "")
        request.id = offered if SANE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        match = getattr(request, "resolver_match", None)
        route = match.view_name if match is not None else None
        user = getattr(request, "user", None)
        actor = getattr(request, "actor", None)
        # The load balancer asks for /health every few seconds: those lines are DEBUG, not INFO.
        level = logging.DEBUG if route == "core:health" else logging.INFO
        request_log.log(
            level,
            "request",
            extra={
                "request_id": request.id,
                "method": request.method,
                "route": route or "(no route)",
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "hub_id": actor.hub.pk if actor is not None else None,
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response


EXEMPT_PREFIXES = ("/accounts/", "/static/", "/health")


class StaffTwoFactorMiddleware:
    """Staff roles and peer supporters reach nothing but sign-in and two-factor pages until they pass a
    TOTP check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        actor = getattr(request, "actor", None)
        if (
            settings.COPRODUCE_STAFF_2FA
            and actor is not None
            and actor.needs_two_factor
            and not request.user.is_verified()
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Staff must complete two-factor sign-in before using the API."},
                    status=403,
                )
            return redirect(f"{reverse('core:two-factor')}?next={request.path}")
        return self.get_response(request)
