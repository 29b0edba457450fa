import base64
import logging
import uuid
from collections.abc import Callable
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import ratelimit
from core.forms import SignInForm, TokenForm
from core.middleware import HUB_SESSION_KEY, client_ip
from core.roles import Role
from people import permissions, queries

health_log = logging.getLogger("coproduce.health")


class SignInView(auth_views.LoginView):
    template_name = "core/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


# The cache is checked only when it is shared (Redis, memcached, the database): a per-process memory
# cache cannot fail in a way a load balancer should act on.
LOCAL_CACHES = ("django.core.cache.backends.locmem.", "django.core.cache.backends.dummy.")


class PasswordResetView(auth_views.PasswordResetView):
    """Each request sends an email: a few per address an hour, so the form cannot flood an inbox."""

    def post(self, request, *args, **kwargs):
        try:
            ratelimit.check(
                scope="password-reset",
                address=client_ip(request),
                setting="PASSWORD_RESET_LIMIT",
                default="5/3600",
                message="Several requests have come from your connection. Please wait an hour and try again.",
            )
        except ratelimit.RateLimited as error:
            return render(request, "core/too_many.html", {"message": error.message}, status=429)
        return super().post(request, *args, **kwargs)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"coproduce:health:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise RuntimeError("the cache did not return what was stored")
    cache.delete(key)


@never_cache
def health(request):
    """For the load balancer: 200 if the database (and a shared cache) answer, else 503 naming which
    failed. No sign-in, no personal data; never cached."""
    checks: dict[str, Callable[[], None]] = {"database": _check_database}
    if not settings.CACHES.get("default", {}).get("BACKEND", "").startswith(LOCAL_CACHES):
        checks["cache"] = _check_cache
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception:  # noqa: BLE001 - any failure means "take this server out of service"
            health_log.warning("health check failed: %s", name, exc_info=True)
            results[name] = "failed"
        else:
            results[name] = "ok"
    ok = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if ok else "failed", "checks": results}, status=200 if ok else 503)


@login_required
def home(request):
    actor = request.actor
    if actor is None:
        return render(request, "core/no_hub.html", status=403)
    context = {
        "role_labels": ", ".join(Role(r).label.lower() for r in sorted(actor.roles)),
        "can_list_people": permissions.can_list_people(actor),
        "can_search_audit": permissions.can_search_audit(actor),
        "figures": queries.hub_figures(actor.hub) if permissions.can_view_hub_figures(actor) else None,
    }
    return render(request, "core/home.html", context)


@login_required
@require_POST
def switch_hub(request):
    wanted = request.POST.get("hub")
    for actor in request.actors:
        if str(actor.hub.pk) == wanted:
            request.session[HUB_SESSION_KEY] = actor.hub.pk
            messages.success(request, f"You are now working in {actor.hub.name}.")
            break
    return redirect("core:home")


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return str(reverse_lazy("core:home"))


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


@login_required
def two_factor(request):
    """Set up (first time) or pass the TOTP check that staff roles need."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    setting_up = device is None
    if setting_up:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=request.user, name="Authenticator app", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if setting_up:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error(
            "token",
            "That code did not match. Check the time on your phone and try the newest code.",
        )
    context = {"form": form, "setting_up": setting_up, "next": _safe_next(request)}
    if setting_up:
        context["qr_svg"] = _qr_svg(device.config_url)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "core/two_factor.html", context)
