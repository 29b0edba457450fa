"""Pages for member rights: everything held, the download, correction and erasure requests, and the
staff's list of requests. Thin: parse, check, one service or query, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core import audit
from core.errors import DomainError
from core.models import AuditEvent
from core.pages import page_actor, show_errors
from rights import forms, permissions, queries, services
from rights.models import RightsRequest
from rights.registry import kept_rules


@login_required
def mine(request):
    actor = page_actor(request)
    if actor.person is None:
        raise PermissionDenied("You have no record in this hub.")
    return redirect("rights:person", person_id=actor.person.pk)


@login_required
def person(request, person_id):
    actor = page_actor(request)
    subject = permissions.get_person_for(actor, person_id)
    data = queries.subject_data(person=subject, viewer=actor)
    audit.record(actor=actor, action=AuditEvent.Action.VIEW, person=subject, summary="Opened everything held")
    context = {
        "person": subject,
        "data": data,
        "is_self": actor.is_self(subject),
        "requests": queries.requests_for_person(subject),
        "erased": queries.is_erased(subject),
        "can_list": permissions.can_list_requests(actor),
    }
    return render(request, "rights/person.html", context)


@login_required
@require_POST
def download(request, person_id):
    actor = page_actor(request)
    subject = permissions.get_person_for(actor, person_id)
    name, content = services.export_archive(actor=actor, person=subject)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _ask(request, person_id, *, kind, form_class, template):
    actor = page_actor(request)
    subject = permissions.get_person_for(actor, person_id)
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.make_request(actor=actor, person=subject, kind=kind, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Your request has been sent. Staff will answer within one month.")
            return redirect("rights:request", request_id=made.pk)
    context = {"form": form, "person": subject, "is_self": actor.is_self(subject), "kept": kept_rules()}
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def correction(request, person_id):
    return _ask(
        request,
        person_id,
        kind=RightsRequest.Kind.CORRECTION,
        form_class=forms.CorrectionForm,
        template="rights/correction.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def erasure(request, person_id):
    return _ask(
        request,
        person_id,
        kind=RightsRequest.Kind.ERASURE,
        form_class=forms.ErasureRequestForm,
        template="rights/erasure_request.html",
    )


@login_required
def request_list(request):
    actor = page_actor(request)
    if not permissions.can_list_requests(actor):
        raise PermissionDenied
    context = {"open": queries.open_requests(actor.hub), "recent": queries.recent_requests(actor.hub)}
    return render(request, "rights/requests.html", context)


@login_required
def request_detail(request, request_id):
    actor = page_actor(request)
    req = permissions.get_request_for(actor, request_id)
    can_complete = req.is_open and permissions.can_complete_request(actor, req)
    context = {
        "req": req,
        "is_self": actor.is_self(req.person),
        "can_complete": can_complete and req.kind != RightsRequest.Kind.ERASURE,
        "can_erase": can_complete and req.kind == RightsRequest.Kind.ERASURE,
        "can_refuse": can_complete,
        "can_withdraw": req.is_open and permissions.can_withdraw_request(actor, req),
        "complete_form": forms.CompleteForm(),
        "refuse_form": forms.RefuseForm(),
    }
    return render(request, "rights/request.html", context)


def _close(request, request_id, *, form_class, action):
    actor = page_actor(request)
    req = permissions.get_request_for(actor, request_id)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(actor=actor, request=req, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "The request has been answered.")
    else:
        messages.error(request, "Write what was done, or why the request is refused.")
    return redirect("rights:request", request_id=req.pk)


@login_required
@require_POST
def complete(request, request_id):
    return _close(request, request_id, form_class=forms.CompleteForm, action=services.complete_request)


@login_required
@require_POST
def refuse(request, request_id):
    return _close(request, request_id, form_class=forms.RefuseForm, action=services.refuse_request)


@login_required
@require_POST
def withdraw(request, request_id):
    actor = page_actor(request)
    req = permissions.get_request_for(actor, request_id)
    try:
        services.withdraw_request(actor=actor, request=req)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The request has been withdrawn.")
    return redirect("rights:request", request_id=req.pk)


@login_required
@require_http_methods(["GET", "POST"])
def erase(request, request_id):
    """The confirmation step, then the erasure itself."""
    actor = page_actor(request)
    req = permissions.get_request_for(actor, request_id)
    if req.kind != RightsRequest.Kind.ERASURE or not permissions.can_erase(actor, req.person):
        raise PermissionDenied
    form = forms.ConfirmErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.erase(actor=actor, request=req, confirmed=True)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "The record has been erased.")
            return redirect("rights:request", request_id=req.pk)
    context = {
        "req": req,
        "form": form,
        "blockers": queries.erasure_blockers(req.person) if req.is_open else [],
        "kept": kept_rules(),
    }
    return render(request, "rights/erase.html", context)
