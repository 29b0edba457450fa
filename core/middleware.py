from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from people.queries import actors_for_user

HUB_SESSION_KEY = "coproduce_hub_id"


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


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
