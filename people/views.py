from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.models import AuditEvent
from core.pages import page_actor, show_errors
from people import permissions, queries, services
from people.forms import AuditSearchForm, ConsentForm, LoginForm, PersonForm, RolesForm


@login_required
def people_list(request):
    actor = page_actor(request)
    if not permissions.can_list_people(actor):
        raise PermissionDenied
    text = request.GET.get("q", "")[:100]
    page = Paginator(queries.search_people(actor=actor, text=text), 25).get_page(request.GET.get("page"))
    template = "people/_results.html" if request.headers.get("HX-Request") else "people/list.html"
    return render(request, template, {"page": page, "q": text})


@login_required
@require_http_methods(["GET", "POST"])
def person_add(request):
    actor = page_actor(request)
    if not permissions.can_add_person(actor):
        raise PermissionDenied
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(actor=actor, data=form.person_data(), lists=form.lists())
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"{person.display_name} has been added.")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/form.html", {"form": form, "adding": True})


@login_required
def person_detail(request, person_id):
    actor = page_actor(request)
    person = queries.person_detail(permissions.get_person_for(actor, person_id).pk)
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "lists": queries.profile_lists(person),
            "consents": queries.current_consents(person),
            "can_edit": permissions.can_edit_person(actor, person),
            "can_consent": permissions.can_record_consent(actor, person),
            "can_manage_roles": permissions.can_manage_roles(actor, person),
            "audit": queries.audit_for_person(person)[:50]
            if permissions.can_view_person_audit(actor, person)
            else None,
            "is_self": actor.is_self(person),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, person_id):
    actor = page_actor(request)
    person = queries.person_detail(permissions.get_person_for(actor, person_id, action="edit").pk)
    initial = PersonForm.initial_for(person, queries.profile_lists(person))
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(actor=actor, person=person, data=form.person_data(), lists=form.lists())
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "The changes have been saved.")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def person_consent(request, person_id):
    actor = page_actor(request)
    person = permissions.get_person_for(actor, person_id, action="consent")
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(actor=actor, person=person, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "The consent answer has been recorded.")
            return redirect("people:detail", person_id=person.pk)
    return render(
        request,
        "people/consent.html",
        {
            "form": form,
            "person": person,
            "consents": queries.current_consents(person),
            "history": queries.consent_history(person),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_roles(request, person_id):
    actor = page_actor(request)
    person = permissions.get_person_for(actor, person_id, action="roles")
    current = list(person.role_grants.values_list("role", flat=True))
    form = RolesForm(request.POST or None, initial={"roles": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_roles(actor=actor, person=person, roles=set(form.cleaned_data["roles"]))
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Roles saved.")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/roles.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def person_login(request, person_id):
    actor = page_actor(request)
    person = permissions.get_person_for(actor, person_id, action="roles")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_login(
                actor=actor, person=person, username=form.cleaned_data["username"], password=None
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            sent = " We have emailed them a link to choose a password." if person.email else ""
            messages.success(request, f"{person.display_name} now has a login.{sent}")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/login.html", {"form": form, "person": person})


@login_required
def my_record(request):
    """A member's own page: everything we hold about them and who has looked at it."""
    actor = page_actor(request)
    if actor.person is None:
        raise PermissionDenied
    return person_detail(request, actor.person.pk)


@login_required
def audit_search(request):
    actor = page_actor(request)
    if not permissions.can_search_audit(actor):
        raise PermissionDenied
    form = AuditSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = queries.search_audit(
        hub=actor.hub,
        text=filters.get("q", ""),
        action=filters.get("action", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "people/audit.html",
        {
            "form": form,
            "page": page,
            "actions": AuditEvent.Action,
        },
    )
