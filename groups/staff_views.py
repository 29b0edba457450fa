"""Coordinators' pages for community groups and volunteers: adding and editing groups, volunteer
roles, background checks, training, supervision, hours and development days. Each form posts to its
own address and calls one service; a refused form is shown again, with its message, and nothing saved."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.pages import page_actor
from core.roles import Actor
from groups import permissions, queries, services
from groups.forms import (
    CheckForm,
    DevelopmentDayForm,
    GroupForm,
    StaffHoursForm,
    SupervisionForm,
    TrainingForm,
    VolunteerRoleForm,
)
from groups.models import DevelopmentDay, Group, VolunteerRole
from groups.views import _show_errors
from people.models import Person

# ---- groups ----


def _group_manager(request) -> Actor:
    actor = page_actor(request)
    if not permissions.can_manage_groups(actor):
        raise PermissionDenied("Only a coordinator adds and changes groups.")
    return actor


def _group_form(actor, data=None, initial=None):
    from directory.queries import services_for_hub

    return GroupForm(
        data,
        initial=initial,
        people=Person.objects.filter(hub=actor.hub).order_by("full_name", "id"),
        directory_services=services_for_hub(actor.hub).order_by("name"),
    )


def _person_or_none(actor, person_id) -> Person | None:
    return get_object_or_404(Person, pk=person_id, hub=actor.hub) if person_id else None


@login_required
@require_http_methods(["GET", "POST"])
def group_add(request):
    actor = _group_manager(request)
    form = _group_form(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = services.create_group(
                actor=actor,
                name=data["name"],
                kind=data["kind"],
                description=data["description"],
                meets=data["meets"],
                lead=_person_or_none(actor, data["lead"]),
                service_id=data["service"] or None,
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"{group.name} is added.")
            return redirect("groups:group", group_id=group.pk)
    return render(request, "groups/group_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request, group_id):
    actor = _group_manager(request)
    group = get_object_or_404(Group, pk=group_id, hub=actor.hub)
    initial = {
        "name": group.name,
        "kind": group.kind,
        "description": group.description,
        "meets": group.meets,
        "lead": group.lead_id or "",
        "service": group.service_id or "",
        "active": group.active,
    }
    form = _group_form(actor, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_group(
                actor=actor,
                group=group,
                name=data["name"],
                kind=data["kind"],
                description=data["description"],
                meets=data["meets"],
                lead=_person_or_none(actor, data["lead"]),
                service_id=data["service"] or None,
                active=data["active"],
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The group's details are saved.")
            return redirect("groups:group", group_id=group.pk)
    return render(
        request, "groups/group_form.html", {"form": form, "group": group}, status=400 if form.errors else 200
    )


# ---- volunteers ----


def _volunteer_manager(request) -> Actor:
    actor = page_actor(request)
    if not permissions.can_manage_volunteers(actor):
        raise PermissionDenied("Only a coordinator manages volunteers.")
    return actor


def _forms(actor, which: str | None = None, data=None) -> dict:
    people = list(Person.objects.filter(hub=actor.hub).order_by("full_name", "id"))
    roles = list(VolunteerRole.objects.filter(hub=actor.hub))
    makers: dict[str, Callable] = {
        "role": lambda d: VolunteerRoleForm(d, prefix="role"),
        "check": lambda d: CheckForm(d, people=people, prefix="check"),
        "training": lambda d: TrainingForm(d, people=people, prefix="training"),
        "supervision": lambda d: SupervisionForm(d, people=people, prefix="supervision"),
        "hours": lambda d: StaffHoursForm(d, people=people, roles=roles, prefix="hours"),
        "day": lambda d: DevelopmentDayForm(d, prefix="day"),
    }
    return {f"{name}_form": make(data if name == which else None) for name, make in makers.items()}


def _page(request, actor, forms: dict, *, status: int = 200):
    context = {
        "roles": queries.volunteer_roles(actor.hub),
        "records": queries.recent_volunteer_records(actor.hub),
        "warnings": queries.expiry_warnings(actor.hub),
        "days": queries.development_days(actor.hub),
        "waiting_issues": list(queries.issues_waiting(actor.hub)),
        **forms,
    }
    return render(request, "groups/volunteer_manage.html", context, status=status)


@login_required
def volunteer_manage(request):
    actor = _volunteer_manager(request)
    return _page(request, actor, _forms(actor))


def _person(actor, value) -> Person:
    return get_object_or_404(Person, pk=value, hub=actor.hub)


def _save_role(actor, data) -> str:
    role = services.create_volunteer_role(
        actor=actor,
        title=data["title"],
        description=data["description"],
        needs_background_check=data["needs_background_check"],
    )
    return f"The role {role.title} is added."


def _save_check(actor, data) -> str:
    check = services.record_background_check(
        actor=actor,
        person=_person(actor, data["person"]),
        kind=data["kind"],
        checked_on=data["checked_on"],
        expires_on=data["expires_on"],
        reference=data["reference"],
    )
    return f"The check for {check.person.display_name} is recorded."


def _save_training(actor, data) -> str:
    record = services.record_training(
        actor=actor,
        person=_person(actor, data["person"]),
        title=data["title"],
        completed_on=data["completed_on"],
        expires_on=data["expires_on"],
    )
    return f"{record.title} is recorded for {record.person.display_name}."


def _save_supervision(actor, data) -> str:
    supervision = services.record_supervision(
        actor=actor,
        person=_person(actor, data["person"]),
        supervisor=_person(actor, data["supervisor"]),
        held_on=data["held_on"],
        kind=data["kind"],
    )
    return f"Supervision for {supervision.person.display_name} is recorded."


def _save_hours(actor, data) -> str:
    role = get_object_or_404(VolunteerRole, pk=data["role"], hub=actor.hub) if data["role"] else None
    hours = services.record_volunteer_hours(
        actor=actor,
        person=_person(actor, data["person"]),
        worked_on=data["worked_on"],
        minutes=data["minutes"],
        role=role,
    )
    return f"{hours.minutes} minutes recorded for {hours.person.display_name}."


def _save_day(actor, data) -> str:
    day = services.schedule_development_day(actor=actor, held_on=data["held_on"], title=data["title"])
    return f"The development day on {day.held_on:%d %B %Y} is added."


SAVERS: dict[str, Callable[[Actor, dict], str]] = {
    "role": _save_role,
    "check": _save_check,
    "training": _save_training,
    "supervision": _save_supervision,
    "hours": _save_hours,
    "day": _save_day,
}


@login_required
@require_POST
def volunteer_record(request, what):
    """One of the management page's forms: parse it, call its service, or show it again."""
    actor = _volunteer_manager(request)
    if what not in SAVERS:
        raise Http404("No such form")
    forms = _forms(actor, what, request.POST)
    form = forms[f"{what}_form"]
    if form.is_valid():
        try:
            message = SAVERS[what](actor, form.cleaned_data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, message)
            return redirect("groups:volunteer-manage")
    return _page(request, actor, forms, status=400)


@login_required
@require_POST
def build_agenda(request, day_id):
    actor = _volunteer_manager(request)
    day = get_object_or_404(DevelopmentDay, pk=day_id, hub=actor.hub)
    try:
        issues = services.build_agenda(actor=actor, day=day)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{len(issues)} issue{'s' if len(issues) != 1 else ''} added to the agenda."
        )
    return redirect("groups:volunteer-manage")


@login_required
@require_POST
def role_open(request, role_id):
    actor = _volunteer_manager(request)
    role = get_object_or_404(VolunteerRole, pk=role_id, hub=actor.hub)
    role = services.set_role_open(actor=actor, role=role, open_=request.POST.get("open") == "yes")
    state = "open to applications" if role.open else "closed to new applications"
    messages.success(request, f"{role.title} is {state}.")
    return redirect("groups:volunteer-manage")
