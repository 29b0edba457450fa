"""Impact pages: reports (page, PDF, spreadsheet), SROI models, cost calculators and questionnaires."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import audit
from core.errors import DomainError
from core.models import AuditEvent
from core.pages import page_actor, show_errors
from impact import exports, forms, permissions, presenting, queries, services
from impact.models import Measurement, SroiOutcome, Stakeholder
from people import permissions as people_permissions
from people.models import Person

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def index(request):
    actor = page_actor(request)
    if not (permissions.can_view_reports(actor) or permissions.can_manage_models(actor)):
        raise PermissionDenied
    context = {
        "hubs": permissions.report_hubs(actor),
        "can_manage": permissions.can_manage_models(actor),
        "models": queries.models_for(actor.hub) if permissions.can_manage_models(actor) else [],
        "comparisons": queries.comparisons_for(actor.hub) if permissions.can_manage_models(actor) else [],
        "instruments": queries.definitions_for(actor.hub),
    }
    return render(request, "impact/index.html", context)


def _report_context(request, slug: str) -> dict:
    actor = page_actor(request)
    hub, suppressed = permissions.get_report_hub_for(actor, slug)
    today = timezone.localdate()
    form = forms.PeriodForm(request.GET or None)
    start, end = today - timedelta(days=365), today
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    elif not form.is_bound:
        form = forms.PeriodForm(
            initial={"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")}
        )
    report = queries.report(hub, start=start, end=end, suppressed=suppressed)
    audit.record(actor=actor, action=AuditEvent.Action.VIEW, summary=f"Impact report for {hub.slug}")
    return {
        "form": form,
        "report": report,
        "report_hub": hub,
        "sections": presenting.sections(report),
        "period": f"{start:%-d %B %Y} to {end:%-d %B %Y}",
        "query": request.GET.urlencode(),
    }


def report(request, slug: str):
    return render(request, "impact/report.html", _report_context(request, slug))


def report_pdf(request, slug: str):
    context = _report_context(request, slug)
    try:
        body = exports.pdf(context)
    except exports.PdfUnavailable:
        messages.error(request, "PDF reports are not available on this server yet; download the spreadsheet.")
        return redirect(f"{request.path.removesuffix('pdf/')}?{context['query']}")
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="impact-{slug}.pdf"'
    return response


def report_xlsx(request, slug: str):
    context = _report_context(request, slug)
    body = exports.spreadsheet(
        title=f"Impact report: {context['report_hub'].name}",
        period=context["period"],
        sections=context["sections"],
    )
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="impact-{slug}.xlsx"'
    return response


def new_model(request):
    actor = page_actor(request)
    if not permissions.can_manage_models(actor):
        raise PermissionDenied
    form = forms.ModelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        hour = data.get("hour_value")
        try:
            model = services.create_model(
                actor=actor,
                name=data["name"],
                scope=data["scope"],
                period_start=data["start"],
                period_end=data["end"],
                discount_rate=data["discount_rate"] / 100,
                hour_value_pence=None if hour is None else int(hour * 100),
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            return redirect("impact:model", model_id=model.pk)
    return render(request, "impact/model_new.html", {"form": form})


def _model_forms(actor, model, data=None, which: str = ""):
    def bound(name):
        return data if which == name else None

    return {
        "stakeholder_form": forms.StakeholderForm(bound("stakeholder"), prefix="stakeholder"),
        "input_form": forms.InputForm(bound("input"), prefix="input"),
        "outcome_form": forms.OutcomeForm(
            bound("outcome"),
            prefix="outcome",
            stakeholders=model.stakeholders.all(),
            proxies=queries.proxies_for(actor.hub),
            instruments=queries.definitions_for(actor.hub),
        ),
        "proxy_form": forms.ProxyForm(bound("proxy"), prefix="proxy"),
    }


def model_detail(request, model_id: int):
    actor = page_actor(request)
    model = permissions.get_model_for(actor, model_id)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    page_forms = _model_forms(actor, model, request.POST, which)
    if which and _save_model_form(request, actor, model, which, page_forms):
        return redirect("impact:model", model_id=model.pk)
    view = queries.model_view(model)
    period = f"{model.period_start:%-d %B %Y} to {model.period_end:%-d %B %Y}"
    context = {
        "model": model,
        "view": view,
        "tables": presenting.model_tables(view, period=period),
        "chart": presenting.value_chart(view, "value") if view.lines else "",
        "period": period,
        "rate_percent": f"{float(model.discount_rate) * 100:g}",
        "hour_value": f"{model.hour_value_pence / 100:,.2f}",
        **page_forms,
    }
    return render(request, "impact/model.html", context)


def _save_model_form(request, actor, model, which: str, page_forms) -> bool:
    form = page_forms.get(f"{which}_form")
    if form is None or not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        if which == "stakeholder":
            services.add_stakeholder(actor=actor, model=model, **data)
        elif which == "input":
            services.add_input(
                actor=actor,
                model=model,
                description=data["description"],
                kind=data["kind"],
                amount_pence=int((data["amount"] or 0) * 100),
                hours=data["hours"] or Decimal("0"),
            )
        elif which == "proxy":
            services.add_proxy(
                actor=actor,
                name=data["name"],
                unit=data["unit"],
                value_pence=int(data["value"] * 100),
                source=data["source"],
                year=data["year"],
            )
        else:
            stakeholder = get_object_or_404(Stakeholder, pk=data["stakeholder"], model=model)
            proxy = get_object_or_404(queries.proxies_for(actor.hub), pk=data["proxy"])
            services.add_outcome(
                actor=actor,
                model=model,
                stakeholder=stakeholder,
                proxy=proxy,
                description=data["description"],
                indicator=data["indicator"],
                quantity_source=data["quantity_source"],
                instrument=data["instrument"] or "",
                quantity=data["quantity"] or Decimal("0"),
                duration_years=data["duration_years"],
                deadweight=data["deadweight"] / 100,
                displacement=data["displacement"] / 100,
                attribution=data["attribution"] / 100,
                drop_off=data["drop_off"] / 100,
                evidence=data["evidence"],
            )
    except DomainError as error:
        show_errors(form, error)
        return False
    messages.success(request, "Saved. The figures below are worked out again.")
    return True


@require_POST
def remove_outcome(request, model_id: int, outcome_id: int):
    actor = page_actor(request)
    model = permissions.get_model_for(actor, model_id)
    services.remove_outcome(actor=actor, outcome=get_object_or_404(SroiOutcome, pk=outcome_id, model=model))
    return redirect("impact:model", model_id=model.pk)


@require_POST
def example_proxies(request):
    actor = page_actor(request)
    added = services.load_example_proxies(actor=actor)
    messages.success(request, f"Added {len(added)} example proxies. Check each source before you rely on it.")
    return redirect(request.POST.get("next") or "impact:index")


def new_comparison(request):
    actor = page_actor(request)
    if not permissions.can_manage_models(actor):
        raise PermissionDenied
    form = forms.ComparisonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            comparison = services.create_comparison(actor=actor, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            return redirect("impact:comparison", comparison_id=comparison.pk)
    return render(request, "impact/comparison_new.html", {"form": form})


def comparison_detail(request, comparison_id: int):
    actor = page_actor(request)
    comparison = permissions.get_comparison_for(actor, comparison_id)
    form = forms.CostLineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.set_cost_line(
                actor=actor,
                comparison=comparison,
                event=data["event"],
                before=data["before"],
                after=data["after"],
                unit_cost_pence=int(data["unit_cost"] * 100),
                unit_cost_source=data["unit_cost_source"],
                unit_cost_year=data["unit_cost_year"],
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            return redirect("impact:comparison", comparison_id=comparison.pk)
    lines = queries.comparison_lines(comparison)
    from impact.costs import per_person, total_avoided

    context = {
        "comparison": comparison,
        "form": form,
        "rows": list(zip(comparison.lines.all(), lines, strict=True)),
        "total": total_avoided(lines),
        "per_person": per_person(lines, comparison.people),
    }
    return render(request, "impact/comparison.html", context)


def _person_for_record(actor, person_id) -> Person:
    if actor.person is not None and str(actor.person.pk) == str(person_id):
        return actor.person
    return people_permissions.get_person_for(actor, person_id, action="view")


def record(request, code: str):
    """A questionnaire: staff enter a paper copy for a person (?person=), a member fills in their own."""
    actor = page_actor(request)
    definition = queries.definitions_for(actor.hub).get(code)
    if definition is None:
        raise PermissionDenied("No such questionnaire in this hub.")
    person_id = request.GET.get("person") or (actor.person.pk if actor.person else None)
    if person_id is None:
        raise PermissionDenied
    person = _person_for_record(actor, person_id)
    if not permissions.can_record_measurement(actor, person):
        raise PermissionDenied
    own = actor.is_self(person)
    moment = request.GET.get("moment", "baseline")
    form = forms.answers_form(definition, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        missed = request.POST.get("missed") == "yes" and not own
        mode = (
            Measurement.Mode.MISSED
            if missed
            else (Measurement.Mode.ONLINE if own else Measurement.Mode.PAPER)
        )
        try:
            taken_on = forms.parse_date(request.POST.get("taken_on", ""))
            services.record_measurement(
                actor=actor,
                person=person,
                instrument=code,
                moment=moment,
                taken_on=taken_on,
                answers=forms.answers_from(definition, form.cleaned_data),
                mode=mode,
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Thank you. The answers are saved.")
            return redirect(f"{request.path}?{request.GET.urlencode()}")
    context = {
        "definition": definition,
        "form": form,
        "person": person,
        "moment": moment,
        "own": own,
        "history": queries.person_measurements(person),
    }
    return render(request, "impact/record.html", context)
