"""Directory pages: a public search and service pages, and staff pages to keep the records right."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.pages import show_errors
from directory import permissions, queries, services
from directory.forms import RetireForm, SearchForm, ServiceForm, ShareForm
from directory.models import TaxonomyTerm

PER_PAGE = 20


def search(request):
    """Anyone can search; a signed-in person sees their hub's directory (its own and shared services)."""
    form = SearchForm(request.GET or None)
    results, page_number = None, 1
    if form.is_bound and form.is_valid():
        page_number = max(
            1, int(request.GET.get("page", "1")) if request.GET.get("page", "1").isdigit() else 1
        )
        hub = request.actor.hub if request.actor else None
        try:
            results = queries.search_services(
                form.filters(hub=hub),
                page=page_number,
                per_page=PER_PAGE,
                tree=queries.RESULT_TREE,
                expand_terms=True,
            )
        except DomainError as error:
            show_errors(form, error)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "directory/search.html",
        {
            "form": form,
            "results": results,
            "page_number": page_number,
            "pages": (results.total + PER_PAGE - 1) // PER_PAGE if results else 0,
            "query": query.urlencode(),
            "can_manage": permissions.can_manage_directory(request.actor),
        },
    )


def service_detail(request, service_id):
    service = queries.service_page(service_id)
    if service is None:
        raise Http404("No such service")
    actor = request.actor
    return render(
        request,
        "directory/service.html",
        {
            "service": service,
            "page": queries.page_facts(service),
            "categories": queries.categories_of(service),
            "can_edit": permissions.can_edit_service(actor, service),
            "can_retire": permissions.can_retire_service(actor, service) and not service.is_retired,
            "can_share": permissions.can_share_service(actor, service) and not service.is_retired,
        },
    )


def _term_choices():
    return [(str(t.pk), t.name) for t in TaxonomyTerm.objects.order_by("name")]


@login_required
@require_http_methods(["GET", "POST"])
def service_add(request):
    actor = request.actor
    if not permissions.can_add_service(actor):
        raise PermissionDenied
    form = ServiceForm(request.POST or None, term_choices=_term_choices())
    if request.method == "POST" and form.is_valid():
        try:
            service = services.create_service(actor=actor, data=form.service_data())
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"{service.name} has been added to the directory.")
            return redirect("directory:service", service_id=service.pk)
    return render(request, "directory/form.html", {"form": form, "adding": True})


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request, service_id):
    actor = request.actor
    service = permissions.get_service_for(actor, service_id, action="edit")
    initial = services.service_details(service) | {f: getattr(service, f) for f in services.OWN_FIELDS}
    initial["organization_name"] = service.organization.name if service.organization else ""
    form = ServiceForm(request.POST or None, initial=initial, term_choices=_term_choices())
    if request.method == "POST" and form.is_valid():
        try:
            services.update_service(actor=actor, service=service, data=form.service_data())
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "The changes have been saved.")
            return redirect("directory:service", service_id=service.pk)
    return render(request, "directory/form.html", {"form": form, "service": service})


@login_required
@require_POST
def service_verify(request, service_id):
    service = permissions.get_service_for(request.actor, service_id, action="verify")
    services.verify_service(actor=request.actor, service=service)
    messages.success(request, f"{service.name} is marked as checked today.")
    return redirect(
        request.POST.get("next") == "due" and "directory:due" or "directory:service",
        **({} if request.POST.get("next") == "due" else {"service_id": service.pk}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_retire(request, service_id):
    service = permissions.get_service_for(request.actor, service_id, action="retire")
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.retire_service(actor=request.actor, service=service, reason=form.cleaned_data["reason"])
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"{service.name} has been retired.")
            return redirect("directory:manage")
    return render(request, "directory/retire.html", {"form": form, "service": service})


@login_required
@require_http_methods(["GET", "POST"])
def service_share(request, service_id):
    """Coordinators of the owning hub choose which other hubs may list and refer to the service."""
    service = permissions.get_service_for(request.actor, service_id, action="share")
    hubs = list(queries.other_hubs(service))
    current = [str(pk) for pk in service.shared_with.values_list("pk", flat=True)]
    # Not `request.POST or None`: unticking every hub posts nothing, and that is an answer too.
    data = request.POST if request.method == "POST" else None
    form = ShareForm(data, hub_choices=[(str(h.pk), h.name) for h in hubs], initial={"hubs": current})
    if form.is_bound and form.is_valid():
        chosen = [h for h in hubs if str(h.pk) in form.cleaned_data["hubs"]]
        services.share_service(actor=request.actor, service=service, hubs=chosen)
        messages.success(request, f"Sharing for {service.name} has been saved.")
        return redirect("directory:service", service_id=service.pk)
    return render(request, "directory/share.html", {"form": form, "service": service})


@login_required
def manage(request):
    actor = request.actor
    if not permissions.can_manage_directory(actor):
        raise PermissionDenied
    page = Paginator(queries.hub_services(actor.hub), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/manage.html",
        {
            "page": page,
            "due_count": queries.not_checked_since(actor.hub).count(),
            "shared": queries.shared_with_hub(actor.hub),
        },
    )


@login_required
def due(request):
    """Records nobody has confirmed for six months, oldest first, each with a "checked" button."""
    actor = request.actor
    if not permissions.can_manage_directory(actor):
        raise PermissionDenied
    page = Paginator(queries.not_checked_since(actor.hub), 50).get_page(request.GET.get("page"))
    return render(request, "directory/due.html", {"page": page, "months": queries.NOT_CHECKED_MONTHS})
