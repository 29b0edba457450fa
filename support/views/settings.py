"""Support pages for coordinators: the on-call rota, support settings, services and their pathways,
conversation sections and clinical codes."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.pages import page_actor
from directory.queries import services_for_hub
from support import permissions, queries, services
from support.forms.settings import (
    ClinicalCodeForm,
    NewServiceForm,
    OnCallForm,
    PathwayForm,
    SectionsForm,
    ServiceRulesForm,
    SettingsForm,
)
from support.models import ClinicalCode, OnCallPeriod
from support.views.common import _form_page, _missing, _peers, _require, _show_errors


@login_required
@require_http_methods(["GET", "POST"])
def on_call(request):
    actor = page_actor(request)
    _require(permissions.can_manage_on_call(actor))
    form = OnCallForm(request.POST or None, peers=_peers(actor.hub))
    if request.method == "POST" and form.is_valid():
        try:
            peer = form.cleaned_data["peer"] or _missing("peer", "Choose a peer supporter.")
            services.schedule_on_call(
                actor=actor,
                peer=peer,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"{peer.display_name} is on the rota.")
            return redirect("support:on-call")
    now = timezone.now()
    rota = queries.on_call_rota(actor.hub, start=now, end=now + dt.timedelta(days=60))
    return render(
        request, "support/on_call.html", {"form": form, "rota": rota}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def on_call_cancel(request, period_id):
    actor = page_actor(request)
    _require(permissions.can_manage_on_call(actor))
    period = get_object_or_404(OnCallPeriod, pk=period_id, hub=actor.hub)
    services.cancel_on_call(actor=actor, period=period)
    messages.success(request, "The on-call period is cancelled.")
    return redirect("support:on-call")


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    actor = page_actor(request)
    _require(permissions.can_configure_services(actor))
    current = queries.support_settings(actor.hub)
    form = SettingsForm(request.POST or None, initial={"caseload_limit": current.caseload_limit})
    if request.method == "POST" and form.is_valid():
        try:
            limit = form.cleaned_data["caseload_limit"]
            services.update_support_settings(actor=actor, caseload_limit=limit if limit is not None else -1)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("support:settings")
    context = {
        "form": form,
        "settings": current,
        "services": queries.support_services(actor.hub, active_only=False),
    }
    return render(request, "support/settings.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request, service_id):
    actor = page_actor(request)
    service = _service_to_configure(actor, service_id)
    form = ServiceRulesForm(request.POST or None, initial=ServiceRulesForm.initial_for(service))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_support_service(actor=actor, service=service, data=form.service_data())
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"{service.name} has been saved.")
            return redirect("support:settings")
    return _form_page(
        request,
        form,
        title="Eligibility rules",
        caption=service.name,
        button="Save the rules",
        back=reverse("support:settings"),
    )


def _service_to_configure(actor, service_id):
    _require(permissions.can_configure_services(actor))
    service = queries.get_support_service(service_id, hub=actor.hub)
    if service is None:
        raise Http404("No such service in this hub.")
    return service


PATHWAY_LEGENDS = {"steps": "Pathway steps, in order", "exclusions": "Who it is not for"}


def _rows_page(request, form, *, title, caption="", intro="", button, legends):
    """A form with repeating rows: its single boxes, then one fieldset per row."""
    plain = [form[name] for name in form.fields if "." not in name]
    groups = [(legend, form.row_fields(group)) for group, legend in legends.items()]
    context = {
        "form": form,
        "plain": plain,
        "groups": groups,
        "title": title,
        "caption": caption,
        "intro": intro,
        "button": button,
        "back": reverse("support:settings"),
    }
    return render(request, "support/rows_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def service_new(request):
    actor = page_actor(request)
    _require(permissions.can_configure_services(actor))
    form = NewServiceForm(
        request.POST or None,
        directory_services=services_for_hub(actor.hub),
        initial={"active": "yes", "takes_self_referrals": "yes"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            service = services.create_support_service(
                actor=actor, data=form.service_data(), steps=form.steps(), exclusions=form.exclusions()
            )
        except DomainError as error:
            _show_errors(form, error, field_for=form.field_for)
        else:
            messages.success(request, f"{service.name} has been added.")
            return redirect("support:settings")
    return _rows_page(
        request, form, title="Add a support service", button="Add the service", legends=PATHWAY_LEGENDS
    )


@login_required
@require_http_methods(["GET", "POST"])
def pathway_edit(request, service_id):
    actor = page_actor(request)
    service = _service_to_configure(actor, service_id)
    form = PathwayForm(
        request.POST or None,
        steps=service.steps.all(),
        exclusions=service.exclusions.all(),
        directory_services=services_for_hub(actor.hub),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_support_service(
                actor=actor, service=service, steps=form.steps(), exclusions=form.exclusions()
            )
        except DomainError as error:
            _show_errors(form, error, field_for=form.field_for)
        else:
            messages.success(request, f"The pathway of {service.name} has been saved.")
            return redirect("support:settings")
    return _pathway_page(request, form, service)


def _pathway_page(request, form, service):
    return _rows_page(
        request,
        form,
        title="Pathway and exclusions",
        caption=service.name,
        intro="Steps people have been supported at cannot be removed; rename them or change their limit.",
        button="Save",
        legends=PATHWAY_LEGENDS,
    )


@login_required
@require_http_methods(["GET", "POST"])
def sections_edit(request):
    actor = page_actor(request)
    _require(permissions.can_configure_services(actor))
    current = queries.support_settings(actor.hub).conversation_sections
    form = SectionsForm(request.POST or None, sections=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_support_settings(actor=actor, conversation_sections=form.sections())
        except DomainError as error:
            _show_errors(form, error, field_for=form.field_for)
        else:
            messages.success(request, "The conversation sections have been saved.")
            return redirect("support:settings")
    intro = "Conversations already recorded keep the questions as asked. Empty a key to remove its section."
    legends = {"conversation_sections": "Sections, in order"}
    return _rows_page(
        request, form, title="“What matters to you” sections", intro=intro, button="Save", legends=legends
    )


@login_required
@require_http_methods(["GET", "POST"])
def clinical_codes(request):
    actor = page_actor(request)
    _require(permissions.can_configure_services(actor))
    form = ClinicalCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_clinical_code(actor=actor, **form.cleaned_data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The code has been added.")
            return redirect("support:clinical-codes")
    codes = ClinicalCode.objects.filter(hub=actor.hub).order_by("system", "code")
    return render(
        request, "support/codes.html", {"form": form, "codes": codes}, status=400 if form.errors else 200
    )
