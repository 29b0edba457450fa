"""Community group and volunteering pages. Thin: parse, check, one service or query, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.pages import page_actor
from groups import permissions, queries, services
from groups.forms import ApplyForm, HoursForm, IssueForm, MeetingForm
from groups.models import GroupMeeting, VolunteerRole
from groups.views import _show_errors


@login_required
def group_list(request):
    actor = page_actor(request)
    return render(
        request,
        "groups/group_list.html",
        {
            "groups": queries.groups_for_hub(actor.hub),
            "can_manage": permissions.can_manage_groups(actor),
            "can_offer": actor.person is not None and permissions.can_offer_availability(actor, actor.person),
            "can_take_calls": permissions.can_take_crisis_calls(actor),
        },
    )


def _group_context(actor, group, form=None):
    return {
        "group": group,
        "meetings": queries.group_meetings(group),
        "is_member": queries.is_member(group, actor.person),
        "can_join": permissions.can_join_group(actor, group),
        "can_record": permissions.can_record_meeting(actor, group),
        "can_edit": permissions.can_manage_groups(actor),
        "members": list(queries.group_members(group))
        if permissions.can_view_group_members(actor, group)
        else None,
        "form": form or MeetingForm(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def group_detail(request, group_id):
    actor = page_actor(request)
    group = permissions.get_group_for(actor, group_id)
    form = None
    if request.method == "POST":
        group = permissions.get_group_for(actor, group_id, action="record")
        form = MeetingForm(request.POST)
        if form.is_valid():
            try:
                services.record_meeting(
                    actor=actor,
                    group=group,
                    starts_at=form.starts_at(),
                    attended=form.cleaned_data["attended"],
                )
            except DomainError as error:
                _show_errors(form, error)
            else:
                messages.success(request, "The meeting is recorded.")
                return redirect("groups:group", group_id=group.pk)
    return render(
        request, "groups/group.html", _group_context(actor, group, form), status=400 if form else 200
    )


@login_required
@require_POST
def group_join(request, group_id):
    actor = page_actor(request)
    group = permissions.get_group_for(actor, group_id, action="join")
    try:
        if request.POST.get("leave"):
            services.leave_group(actor=actor, group=group, person=actor.person)
            messages.success(request, f"You have left {group.name}.")
        else:
            services.join_group(actor=actor, group=group, person=actor.person)
            messages.success(request, f"You have joined {group.name}.")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("groups:group", group_id=group.pk)


@login_required
@require_POST
def meeting_count(request, meeting_id):
    actor = page_actor(request)
    meeting = get_object_or_404(
        GroupMeeting.objects.select_related("group"), pk=meeting_id, group__hub=actor.hub
    )
    try:
        attended = int(request.POST.get("attended", ""))
        services.record_meeting_count(actor=actor, meeting=meeting, attended=attended)
    except ValueError:
        messages.error(request, "Enter how many people came, as a number.")
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The head count is saved.")
    return redirect("groups:group", group_id=meeting.group_id)


@login_required
def volunteering(request):
    actor = page_actor(request)
    manager = permissions.can_manage_volunteers(actor)
    context = {
        "roles": VolunteerRole.objects.filter(hub=actor.hub, open=True),
        "record": queries.volunteer_record(actor.person) if actor.person else None,
        "can_nominate": permissions.can_nominate_issue(actor),
        "issue_form": IssueForm(),
        "hours_form": HoursForm(),
        "apply_form": ApplyForm(),
        "manager": manager,
    }
    if manager:
        context |= {
            "applications": queries.applications_to_decide(actor.hub),
            "warnings": queries.expiry_warnings(actor.hub),
            "days": queries.development_days(actor.hub),
            "waiting_issues": queries.issues_waiting(actor.hub),
        }
    return render(request, "groups/volunteering.html", context)


@login_required
@require_POST
def apply(request, role_id):
    actor = page_actor(request)
    role = get_object_or_404(VolunteerRole, pk=role_id, hub=actor.hub)
    form = ApplyForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("Check your application.")
        services.apply_to_volunteer(actor=actor, role=role, why=form.cleaned_data["why"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Thank you. Your application to be a {role.title.lower()} has been sent.")
    return redirect("groups:volunteering")


@login_required
@require_POST
def decide(request, application_id):
    actor = page_actor(request)
    application = permissions.get_application_for(actor, application_id)
    try:
        services.decide_application(
            actor=actor, application=application, accept=request.POST.get("accept") == "yes"
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The application is {application.get_status_display().lower()}.")
    return redirect("groups:volunteering")


@login_required
@require_POST
def nominate(request):
    actor = page_actor(request)
    if not permissions.can_nominate_issue(actor):
        raise PermissionDenied
    form = IssueForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("Write the issue in 500 characters or fewer.")
        services.nominate_issue(actor=actor, text=form.cleaned_data["text"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Thank you. Your issue will be on the next development day's agenda.")
    return redirect("groups:volunteering")


@login_required
@require_POST
def my_hours(request):
    """A volunteer or peer worker records time they gave (a coordinator can also record it for them)."""
    actor = page_actor(request)
    if actor.person is None or not permissions.can_nominate_issue(actor):
        raise PermissionDenied("Volunteers and peer supporters record their own hours.")
    form = HoursForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(
                "Enter the date (for example, 27/3/2026) and the time given, in minutes, up to 1440."
            )
        services.record_volunteer_hours(
            actor=actor,
            person=actor.person,
            worked_on=form.cleaned_data["worked_on"],
            minutes=form.cleaned_data["minutes"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Thank you. Your time is recorded.")
    return redirect("groups:volunteering")
