"""Support pages for referrals coming in: home, triage and the lists, a referral by staff or a referrer,
the public self-referral form and the CSV upload."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.middleware import client_ip
from core.models import Hub
from core.pages import page_actor
from core.roles import Role
from support import importer, permissions, queries, ratelimit, services
from support.forms.referrals import FilterForm, ReferralForm, SelfReferralForm, UploadForm
from support.ratelimit import RateLimited
from support.views.common import _form_page, _require, _show_errors

# ---- home and lists -----------------------------------------------------------------------------


@login_required
def home(request):
    actor = page_actor(request)
    staff = permissions.is_support_staff(actor)
    context = {
        "staff": staff,
        "coordinator": permissions.is_coordinator(actor),
        "referrer": actor.has(Role.REFERRER),
        "peer": actor.has(Role.PEER_SUPPORTER),
        "reports": permissions.can_view_reports(actor),
        "waiting": queries.triage_queue(actor.hub).count() if staff else None,
        "own_referrals": queries.referrals_for_person(actor.person) if actor.person else [],
        "team": queries.caseload_sizes(actor.hub) if permissions.is_coordinator(actor) else [],
    }
    return render(request, "support/home.html", context)


@login_required
def triage(request):
    actor = page_actor(request)
    _require(permissions.can_list_referrals(actor))
    return render(request, "support/triage.html", {"referrals": queries.triage_queue(actor.hub)[:200]})


@login_required
def referral_list(request):
    actor = page_actor(request)
    _require(permissions.can_list_referrals(actor))
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = queries.referrals_in_hub(
        actor.hub, status=filters.get("status", ""), source=filters.get("source", "")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "support/referrals.html", {"form": form, "page": page})


@login_required
def my_referrals(request):
    """A referrer's own referrals: status, and the outcome only when the person agreed."""
    actor = page_actor(request)
    _require(actor.person is not None and actor.has(Role.REFERRER))
    return render(request, "support/mine.html", {"referrals": queries.referrals_for_referrer(actor)})


# ---- referrals in -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request):
    actor = page_actor(request)
    _require(permissions.can_make_referral(actor))
    form = ReferralForm(request.POST or None, services=queries.support_services(actor.hub))
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.create_referral(
                actor=actor, service=form.cleaned_data["service"], data=form.referral_data()
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"The referral for {referral.full_name} has been received.")
            if permissions.is_support_staff(actor):
                return redirect("support:referral", referral.pk)
            return redirect("support:mine")
    intro = (
        "We check who the service is for and contact the person. Fields marked optional can be left empty."
    )
    return _form_page(request, form, title="Make a referral", intro=intro, button="Send the referral")


@require_http_methods(["GET", "POST"])
def self_referral(request, hub_slug):
    """The public form: no login, plain words, rate-limited per address."""
    hub = get_object_or_404(Hub, slug=hub_slug)
    form = SelfReferralForm(request.POST or None, services=queries.self_referral_services(hub))
    try:
        if request.method == "POST" and form.is_valid():
            services.submit_self_referral(
                hub=hub,
                service=form.cleaned_data["service"],
                data=form.referral_data(),
                ip_address=client_ip(request),
            )
            return redirect("support:self-referral-thanks", hub_slug=hub.slug)
        if request.method == "POST":
            # Every attempt counts towards the limit, valid or not (docs/decisions/0009).
            ratelimit.check_self_referral(hub=hub, ip_address=client_ip(request))
    except RateLimited:
        return render(request, "support/too_many.html", {"hub": hub}, status=429)
    except DomainError as error:
        _show_errors(form, error)
    return _self_referral_page(request, form, hub)


def _self_referral_page(request, form, hub):
    return _form_page(
        request,
        form,
        title="Ask for support",
        caption=hub.name,
        intro="Tell us a little about what you would like help with. Someone from the team will be in touch.",
        button="Send",
        public_hub=hub,
    )


def self_referral_thanks(request, hub_slug):
    hub = get_object_or_404(Hub, slug=hub_slug)
    return render(request, "support/self_referral_thanks.html", {"public_hub": hub})


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    actor = page_actor(request)
    _require(permissions.can_upload_referrals(actor))
    form = UploadForm(
        request.POST or None, request.FILES or None, services=queries.support_services(actor.hub)
    )
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            # Never more than the limit plus one byte: the importer refuses anything longer.
            content = form.cleaned_data["file"].read(importer.MAX_BYTES + 1)
            made = importer.import_referrals(
                actor=actor, service=form.cleaned_data["service"], content=content
            )
        except DomainError as error:
            problems = _show_upload_errors(form, error)
        else:
            messages.success(request, f"{len(made)} referral{'s' if len(made) != 1 else ''} added.")
            return redirect("support:triage")
    return render(
        request,
        "support/upload.html",
        {"form": form, "problems": problems},
        status=400 if form.errors else 200,
    )


def _show_upload_errors(form, error: DomainError) -> list:
    """A file's problems, row by row, go in a table under the file box; any other error beside its field."""
    problems = getattr(error, "problems", [])
    if problems:
        form.add_error("file", error.message)
    else:
        _show_errors(form, error)
    return problems


@login_required
def upload_template(request):
    actor = page_actor(request)
    _require(permissions.can_upload_referrals(actor))
    response = HttpResponse(importer.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="referrals-template.csv"'
    return response
