"""The on-call rota for peer support, and the page for taking a member's call.

The periods are support's (OnCallPeriod): putting a peer on call or taking them off calls
support.services, and a crisis plan opens only through support.permissions.get_plan_for, which checks
consent, the member's named supporters and who is on call, and audits every view (decision 0009).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.pages import page_actor
from core.roles import Role
from groups import permissions, queries, services
from groups.forms import AvailabilityForm, CoverForm, OnCallForm
from groups.models import OnCallAvailability
from groups.views import _show_errors
from people.models import Person
from support import permissions as support_permissions
from support import queries as support_queries
from support import services as support_services
from support.models import OnCallPeriod, Plan
from support.plans import CRISIS_TEXTS


def _week(request) -> date:
    """The Monday of the week asked for (?week=2026-11-23), or of this week."""
    try:
        asked = date.fromisoformat(request.GET.get("week") or request.POST.get("week") or "")
    except ValueError:
        asked = timezone.localdate()
    return queries.week_start(asked)


def _rota_url(week: date) -> str:
    return f"{reverse('groups:rota')}?week={week.isoformat()}"


def _coordinator(request):
    actor = page_actor(request)
    if not permissions.can_manage_rota(actor):
        raise PermissionDenied("Only a coordinator builds the on-call rota.")
    return actor


def _rota_page(request, actor, week: date, *, on_call_form=None, cover_form=None):
    settings = queries.rota_settings(actor.hub)
    context = {
        "rota": queries.week_rota(actor.hub, start=week),
        "previous": week - timedelta(days=7),
        "next": week + timedelta(days=7),
        "on_call_form": on_call_form or OnCallForm(peers=queries.peers(actor.hub)),
        "cover_form": cover_form
        or CoverForm(
            initial={
                "days": list(settings.cover_days),
                "from_hour": settings.cover_from_hour,
                "to_hour": settings.cover_to_hour,
            }
        ),
    }
    failed = (on_call_form is not None and on_call_form.errors) or (
        cover_form is not None and cover_form.errors
    )
    return render(request, "groups/rota.html", context, status=400 if failed else 200)


@login_required
def rota(request):
    actor = _coordinator(request)
    return _rota_page(request, actor, _week(request))


@login_required
@require_POST
def rota_put_on_call(request):
    """Put a peer on call: for a time they said they were free, or for the times typed in."""
    actor = _coordinator(request)
    week = _week(request)
    form = OnCallForm(request.POST, peers=queries.peers(actor.hub))
    try:
        if request.POST.get("availability"):
            offer = get_object_or_404(OnCallAvailability, pk=request.POST["availability"], hub=actor.hub)
            peer, (starts_at, ends_at) = offer.peer, (offer.starts_at, offer.ends_at)
        elif form.is_valid():
            peer = get_object_or_404(Person, pk=form.cleaned_data["peer"], hub=actor.hub)
            starts_at, ends_at = form.span()
        else:
            return _rota_page(request, actor, week, on_call_form=form)
        support_services.schedule_on_call(actor=actor, peer=peer, starts_at=starts_at, ends_at=ends_at)
    except DomainError as error:
        if request.POST.get("availability"):
            messages.error(request, error.message)
            return redirect(_rota_url(week))
        _show_errors(form, error)
        return _rota_page(request, actor, week, on_call_form=form)
    messages.success(
        request, f"{peer.display_name} is on call from {timezone.localtime(starts_at):%a %d %b %H:%M}."
    )
    return redirect(_rota_url(week))


@login_required
@require_POST
def rota_cancel(request, period_id):
    actor = _coordinator(request)
    period = get_object_or_404(OnCallPeriod, pk=period_id, hub=actor.hub, cancelled_at__isnull=True)
    support_services.cancel_on_call(actor=actor, period=period)
    messages.success(request, f"{period.peer.display_name} is no longer on call then.")
    return redirect(_rota_url(_week(request)))


@login_required
@require_POST
def rota_cover(request):
    actor = _coordinator(request)
    week = _week(request)
    form = CoverForm(request.POST)
    if form.is_valid():
        try:
            services.set_rota_cover(
                actor=actor,
                days=form.cleaned_data["days"],
                from_hour=form.cleaned_data["from_hour"],
                to_hour=form.cleaned_data["to_hour"],
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The hours to cover are saved.")
            return redirect(_rota_url(week))
    return _rota_page(request, actor, week, cover_form=form)


@login_required
@require_POST
def rota_credit(request):
    """Credit the week's completed on-call periods to the peers' time-bank accounts (once each)."""
    actor = _coordinator(request)
    week = _week(request)
    tz = timezone.get_current_timezone()
    start = datetime.combine(week, time(0), tzinfo=tz)
    try:
        run = services.credit_on_call_time(actor=actor, start=start, end=start + timedelta(days=7))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        text = f"{run.hours} hours on call credited for {len(run.credited)} periods."
        if run.skipped:
            text += " Not credited: " + "; ".join(
                f"{p.peer.display_name} {timezone.localtime(p.starts_at):%a %H:%M} ({why})"
                for p, why in run.skipped
            )
        messages.success(request, text)
    return redirect(_rota_url(week))


# ---- a peer's own availability ----


@login_required
@require_http_methods(["GET", "POST"])
def availability(request):
    actor = page_actor(request)
    if actor.person is None or not actor.has(Role.PEER_SUPPORTER):
        raise PermissionDenied("Peer supporters say when they can be on call.")
    form = AvailabilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.span()
        try:
            rows = services.add_availability(
                actor=actor,
                peer=actor.person,
                starts_at=starts_at,
                ends_at=ends_at,
                note=form.cleaned_data["note"],
                weeks=form.cleaned_data["weeks"],
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Thank you. {len(rows)} time{'s' if len(rows) != 1 else ''} added.")
            return redirect("groups:availability")
    context = {
        "form": form,
        "offered": queries.my_availability(actor.person),
        "on_call": support_queries.on_call_rota(
            actor.hub, start=timezone.now(), end=timezone.now() + timedelta(days=28)
        ).filter(peer=actor.person),
    }
    return render(request, "groups/availability.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def availability_withdraw(request, availability_id):
    actor = page_actor(request)
    offer = get_object_or_404(
        OnCallAvailability.objects.select_related("peer"), pk=availability_id, hub=actor.hub
    )
    services.withdraw_availability(actor=actor, availability=offer)
    messages.success(request, "That time is withdrawn.")
    return redirect("groups:availability")


# ---- taking a member's call ----


@login_required
def crisis_call(request):
    """Who is on call now, and the caller's crisis plan if the person answering may see it."""
    actor = page_actor(request)
    if not permissions.can_take_crisis_calls(actor):
        raise PermissionDenied("This page is for the people who take members' calls.")
    team = support_permissions.is_support_staff(actor)
    plans = (
        list(queries.crisis_plans_in_hub(actor.hub)) if team else support_queries.crisis_plans_for_peer(actor)
    )
    plan = version = None
    if request.GET.get("plan"):
        if not Plan.objects.filter(pk=_int(request.GET["plan"]), kind=Plan.Kind.CRISIS).exists():
            raise Http404("No such crisis plan")
        # Consent, named supporter and on call are support's checks; the view is audited there.
        plan = support_permissions.get_plan_for(actor, request.GET["plan"])
        version = support_queries.latest_version(plan)
    context = {
        "on_call_now": support_queries.on_call_now(actor.hub),
        "i_am_on_call": support_permissions.is_on_call(actor),
        "team": team,
        "plans": plans,
        "plan": plan,
        "texts": [(label, (version.content or {}).get(key, "")) for key, label in CRISIS_TEXTS.items()]
        if version
        else [],
        "contacts": (version.content or {}).get("who_to_call", []) if version else [],
        "version": version,
        "can_manage": permissions.can_manage_rota(actor),
    }
    return render(request, "groups/crisis_call.html", context)


def _int(value: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404("No such crisis plan") from None
    if not 0 < number < 2**31:
        raise Http404("No such crisis plan")
    return number
