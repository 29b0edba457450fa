"""Practice pages. Thin: parse, check, one service or query, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from core import ratelimit
from core.errors import DomainError
from core.middleware import client_ip
from core.pages import page_actor
from core.ratelimit import RateLimited
from practice import forms, permissions, queries, services
from practice.frameworks import (
    DELIVERERS,
    DEPTH_LABELS,
    DEPTH_MEANINGS,
    DEPTH_QUESTIONS,
    GRID,
    LADDER,
    OWN_WORDING_CELLS,
    PLANNERS,
    PRINCIPLE_BY_KEY,
    PRINCIPLES,
    RATING_LABELS,
    RATINGS,
)
from practice.models import Priority, Statement


def _manager(request):
    actor = page_actor(request)
    if not permissions.can_manage_practice(actor):
        raise PermissionDenied("Only coordinators can do this.")
    return actor


# Public pages: wrong codes (typed or in a link) and anonymous answers are limited per address.
CODE_GUESSES = {"scope": "practice-code", "setting": "PRACTICE_CODE_LIMIT", "default": "20/600"}
ANSWERS = {"setting": "PRACTICE_ANSWER_LIMIT", "default": "60/3600"}
TOO_MANY = "There have been many attempts from your connection in a short time. Please wait and try again."


def _too_many(request):
    return render(request, "core/too_many.html", {"message": TOO_MANY}, status=429)


def _data(request):
    """The posted data for a POST (even an empty one, so the form is checked), else None."""
    return request.POST if request.method == "POST" else None


def _show_errors(form, error: DomainError) -> None:
    """The service's message at the top of the form, and each field's message beside the field."""
    for field, errors in error.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if error.message not in [str(e) for e in form.non_field_errors()]:
        form.add_error(None, error.message)


@login_required
def home(request):
    actor = page_actor(request)
    viewer = permissions.can_view_reports(actor)
    context = {
        "can_manage": permissions.can_manage_practice(actor),
        "can_view": viewer,
        "waiting": queries.invitations_waiting(actor.person),
        "leading": queries.actions_led_by(actor.person),
        "rounds": queries.rounds_for_hub(actor.hub) if viewer else [],
        "history": queries.history(actor.hub) if viewer else None,
        "depth": queries.latest_depth(actor.hub) if viewer else None,
        "principles": PRINCIPLES,
    }
    return render(request, "practice/home.html", context)


# ---- rounds ----


@login_required
@require_http_methods(["GET", "POST"])
def round_add(request):
    actor = _manager(request)
    form = forms.RoundForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.open_round(actor=actor, **form.cleaned_data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"{round_.title} is open. Invite people or share the links.")
            return redirect("practice:round", round_id=round_.pk)
    return render(request, "practice/round_form.html", {"form": form})


@login_required
def round_detail(request, round_id):
    actor = page_actor(request)
    round_ = permissions.get_round_for(actor, round_id, action="manage")
    context = {
        "round": round_,
        "items": round_.items.all(),
        "invitations": queries.round_invitations(round_),
        "counts": queries.respondent_counts(round_),
        "form": forms.InviteForm(hub=actor.hub),
        "staff_link": request.build_absolute_uri(f"/practice/answer/{round_.staff_code}/"),
        "member_link": request.build_absolute_uri(f"/practice/answer/{round_.member_code}/"),
    }
    return render(request, "practice/round.html", context)


@login_required
@require_POST
def invite(request, round_id):
    actor = page_actor(request)
    round_ = permissions.get_round_for(actor, round_id, action="manage")
    form = forms.InviteForm(request.POST, hub=actor.hub)
    if form.is_valid():
        try:
            services.invite(actor=actor, round_=round_, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{form.cleaned_data['person'].display_name} is invited.")
    else:
        messages.error(request, "Choose who to invite.")
    return redirect("practice:round", round_id=round_.pk)


@login_required
@require_POST
def close(request, round_id):
    actor = page_actor(request)
    round_ = permissions.get_round_for(actor, round_id, action="manage")
    try:
        services.close_round(actor=actor, round_=round_)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("practice:round", round_id=round_.pk)
    messages.success(request, f"{round_.title} is closed. Here is its report.")
    return redirect("practice:report", round_id=round_.pk)


def _answer_page(request, round_, form, *, heading: str, action: str):
    return render(
        request, "practice/answer.html", {"round": round_, "form": form, "heading": heading, "action": action}
    )


@login_required
@require_http_methods(["GET", "POST"])
def answer(request, round_id):
    actor = page_actor(request)
    round_ = permissions.get_round_for(actor, round_id, action="answer")
    form = forms.AnswerForm(_data(request), round_=round_)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_named(actor=actor, round_=round_, ratings=form.ratings())
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "Thank you. Your answers are saved.")
            return redirect("practice:home")
    return _answer_page(request, round_, form, heading=round_.title, action=request.path)


@login_required
@require_http_methods(["GET", "POST"])
def paper(request, round_id):
    actor = page_actor(request)
    round_ = permissions.get_round_for(actor, round_id, action="paper")
    form = forms.PaperForm(_data(request), round_=round_)
    if request.method == "POST" and form.is_valid():
        try:
            services.enter_paper(
                actor=actor,
                round_=round_,
                perspective=form.cleaned_data["perspective"],
                ratings=form.ratings(),
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The paper answers are saved, without a name.")
            return redirect(request.path)
    return _answer_page(
        request, round_, form, heading=f"Enter a paper form: {round_.title}", action=request.path
    )


@require_http_methods(["GET", "POST"])
def code_entry(request):
    """Anyone with a code, signed in or not."""
    form = forms.CodeForm(_data(request))
    if request.method == "POST":
        address = client_ip(request)
        if ratelimit.is_limited(address=address, **CODE_GUESSES):
            return _too_many(request)
        if form.is_valid() and services.round_for_code(form.cleaned_data["code"]) is not None:
            return redirect("practice:anonymous", code=form.cleaned_data["code"].strip())
        ratelimit.count(address=address, **CODE_GUESSES)  # only wrong codes count
        if form.is_valid():
            form.add_error("code", "That code does not match a round. Check it and try again.")
    return render(request, "practice/code.html", {"form": form})


@require_http_methods(["GET", "POST"])
def anonymous(request, code):
    address = client_ip(request)
    if ratelimit.is_limited(address=address, **CODE_GUESSES):
        return _too_many(request)
    found = services.round_for_code(code)
    if found is None:
        ratelimit.count(address=address, **CODE_GUESSES)  # a guessed link is a guessed code
        raise Http404("No such round")
    round_, _ = found
    if not round_.is_open:
        return render(request, "practice/closed.html", {"round": round_}, status=410)
    form = forms.AnswerForm(_data(request), round_=round_)
    if request.method == "POST" and form.is_valid():
        try:
            # A workshop answering from one office address stays well under this; a script does not.
            scope = f"practice-answer:{round_.pk}"
            ratelimit.check(scope=scope, address=address, message=TOO_MANY, **ANSWERS)
            services.submit_anonymous(code=code, ratings=form.ratings())
        except RateLimited:
            return _too_many(request)
        except DomainError as error:
            _show_errors(form, error)
        else:
            return render(request, "practice/thanks.html", {"round": round_})
    heading = f"{round_.title} (anonymous)"
    return _answer_page(request, round_, form, heading=heading, action=request.path)


def _report_context(round_):
    report = queries.round_report(round_)
    cases = queries.recommended_cases(report.weakest) if not round_.is_open else []
    return {
        "report": report,
        "wedges": [(label, mark_safe(svg)) for label, svg in report.wedges],  # noqa: S308 - built with escape()
        "cases": cases,
        "ratings": RATINGS,
        "today": timezone.localdate(),
    }


@login_required
def report(request, round_id):
    round_ = permissions.get_round_for(page_actor(request), round_id, action="view")
    context = _report_context(round_) | {"can_manage": permissions.can_manage_round(request.actor, round_)}
    return render(request, "practice/report.html", context)


@login_required
def report_pdf(request, round_id):
    round_ = permissions.get_round_for(page_actor(request), round_id, action="view")
    # Imported here: WeasyPrint loads pango, which only PDFs need (`make test` installs it).
    try:
        from weasyprint import CSS, HTML, URLFetcher
    except OSError:
        messages.error(request, "PDFs are not available on this server yet; use the page instead.")
        return redirect("practice:report", round_id=round_.pk)
    html = render_to_string("practice/report_pdf.html", _report_context(round_), request=request)
    no_fetch = URLFetcher(allowed_protocols=())  # round titles are typed by people: never fetch a URL
    pdf = HTML(string=html, url_fetcher=no_fetch).write_pdf(
        stylesheets=[CSS(string=render_to_string("practice/pdf.css"), url_fetcher=no_fetch)]
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="reflection-round-{round_.pk}.pdf"'
    return response


# ---- statements ----


@login_required
@require_http_methods(["GET", "POST"])
def statements(request):
    actor = _manager(request)
    services.ensure_statements(hub=actor.hub)
    form = forms.StatementForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.add_statement(
                actor=actor, principle=form.cleaned_data["principle"], text=form.cleaned_data["text"]
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The statement is added.")
            return redirect("practice:statements")
    rows = [(s, PRINCIPLE_BY_KEY[s.principle].name) for s in queries.statements_for_hub(actor.hub)]
    return render(request, "practice/statements.html", {"rows": rows, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def statement_edit(request, statement_id):
    actor = _manager(request)
    statement = get_object_or_404(Statement, pk=statement_id, hub=actor.hub)
    initial = {"principle": statement.principle, "text": statement.text, "active": statement.active}
    form = forms.StatementForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_statement(actor=actor, statement=statement, **form.cleaned_data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The statement is saved. Rounds already open keep the old wording.")
            return redirect("practice:statements")
    return render(request, "practice/statement_form.html", {"form": form, "statement": statement})


# ---- depth and where the service sits ----


def _grid():
    return [
        {
            "label": dlabel,
            "cells": [
                {"name": GRID[(p, d)], "own": (p, d) in OWN_WORDING_CELLS, "plans": p, "delivers": d}
                for p, _ in PLANNERS
            ],
        }
        for d, dlabel in DELIVERERS
    ]


@login_required
@require_http_methods(["GET", "POST"])
def depth(request):
    actor = page_actor(request)
    if not permissions.can_view_reports(actor):
        raise PermissionDenied("Only the team and report viewers see this page.")
    can_manage = permissions.can_manage_practice(actor)
    form = forms.DepthForm(_data(request))
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only coordinators record a verdict.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                verdict = services.record_depth(
                    actor=actor,
                    about=data["about"],
                    answers=form.answers(),
                    plans=data["plans"],
                    delivers=data["delivers"],
                    ladder=data["ladder"],
                    notes=data["notes"],
                )
            except DomainError as error:
                _show_errors(form, error)
            else:
                messages.success(request, f"Verdict recorded: {verdict.get_verdict_display().lower()}.")
                return redirect("practice:depth")
    context = {
        "form": form,
        "can_manage": can_manage,
        "history": queries.depth_history(actor.hub),
        "questions": DEPTH_QUESTIONS,
        "meanings": [(k, DEPTH_LABELS[k], DEPTH_MEANINGS[k]) for k in DEPTH_LABELS],
        "planners": PLANNERS,
        "grid": _grid(),
        "ladder": LADDER,
    }
    return render(request, "practice/depth.html", context)


# ---- action plans ----


@login_required
@require_http_methods(["GET", "POST"])
def plans(request):
    actor = page_actor(request)
    if not permissions.can_view_reports(actor):
        raise PermissionDenied("Only the team and report viewers see action plans.")
    can_manage = permissions.can_manage_practice(actor)
    form = forms.PlanForm(_data(request), hub=actor.hub)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only coordinators start action plans.")
        if form.is_valid():
            try:
                plan = services.create_plan(
                    actor=actor, title=form.cleaned_data["title"], round_=form.cleaned_data["round"]
                )
            except DomainError as error:
                _show_errors(form, error)
            else:
                return redirect("practice:plan", plan_id=plan.pk)
    context = {"plans": queries.plans_for_hub(actor.hub), "form": form, "can_manage": can_manage}
    return render(request, "practice/plans.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_detail(request, plan_id):
    actor = page_actor(request)
    plan = permissions.get_plan_for(actor, plan_id)
    can_edit = permissions.can_edit_plan(actor, plan)
    priority_form = forms.PriorityForm(request.POST if "add_priority" in request.POST else None)
    action_form = forms.ActionForm(request.POST if "add_action" in request.POST else None, hub=actor.hub)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only coordinators change action plans.")
        try:
            if "add_priority" in request.POST and priority_form.is_valid():
                services.add_priority(actor=actor, plan=plan, title=priority_form.cleaned_data["title"])
                messages.success(request, "The priority is added.")
                return redirect(request.path)
            if "add_action" in request.POST and action_form.is_valid():
                priority = get_object_or_404(Priority, pk=request.POST.get("priority"), plan=plan)
                services.add_action(actor=actor, priority=priority, **action_form.cleaned_data)
                messages.success(request, "The action is added, with its two leads.")
                return redirect(request.path)
        except DomainError as error:
            _show_errors(priority_form if "add_priority" in request.POST else action_form, error)
    context = {
        "plan": queries.plan_detail(plan),
        "can_edit": can_edit,
        "priority_form": priority_form,
        "action_form": action_form,
        "status_choices": forms.StatusForm.base_fields["status"].choices,
        "principle_names": {p.key: p.name for p in PRINCIPLES},
        "chosen_priority": request.POST.get("priority", ""),
    }
    return render(request, "practice/plan.html", context)


@login_required
@require_POST
def action_status(request, action_id):
    actor = page_actor(request)
    action = permissions.get_action_for(actor, action_id)
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        try:
            services.set_action_status(actor=actor, action=action, status=form.cleaned_data["status"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"“{action.text}” is now {action.get_status_display().lower()}.")
    plan = action.priority.plan
    if permissions.can_view_plan(actor, plan):
        return redirect("practice:plan", plan_id=plan.pk)
    return redirect("practice:home")


# ---- portfolio and stakeholders ----


@login_required
@require_http_methods(["GET", "POST"])
def portfolio(request):
    actor = _manager(request)
    form = forms.ActivityForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.add_activity(actor=actor, **form.cleaned_data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The activity is added.")
            return redirect("practice:portfolio")
    return render(request, "practice/portfolio.html", {"form": form, **queries.portfolio(actor.hub)})


@login_required
@require_http_methods(["GET", "POST"])
def stakeholders(request):
    actor = _manager(request)
    form = forms.StakeholderForm(_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_stakeholder(
                actor=actor,
                name=data["name"],
                high_power=data["high_power"] == "yes",
                high_influence=data["high_influence"] == "yes",
                notes=data["notes"],
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"{data['name']} is on the map.")
            return redirect("practice:stakeholders")
    return render(
        request, "practice/stakeholders.html", {"form": form, "cells": queries.stakeholder_map(actor.hub)}
    )


# ---- the catalogue ----


@login_required
def catalogue(request):
    page_actor(request)
    form = forms.CatalogueFilterForm(request.GET or None, keywords=queries.all_keywords())
    filters = queries.CatalogueFilters()
    if form.is_valid():
        filters = queries.CatalogueFilters(**form.cleaned_data)
    context = {
        "form": form,
        "cases": queries.search_catalogue(filters),
        "principles": PRINCIPLES,
        "depths": DEPTH_LABELS,
    }
    return render(request, "practice/catalogue.html", context)


@login_required
def case(request, slug):
    page_actor(request)
    found = queries.case_with_links(slug)
    if found is None:
        raise Http404("No such case study")
    case_, see_also = found
    strengths = [(p, RATING_LABELS.get(case_.principles.get(p.key, -1))) for p in PRINCIPLES]
    context = {"case": case_, "see_also": see_also, "strengths": strengths}
    return render(request, "practice/case.html", context)
