"""Support pages for caseloads, the lists of follow-ups due and onward referrals not completed, and
reports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from core.pages import page_actor
from people.models import Person
from support import permissions, queries
from support.forms.caseload import DueForm, ReportForm
from support.views.common import _require


@login_required
def caseload(request, person_id=None):
    actor = page_actor(request)
    worker = actor.person if person_id is None else get_object_or_404(Person, pk=person_id, hub=actor.hub)
    _require(worker is not None and permissions.can_view_caseload(actor, worker))
    return render(
        request, "support/caseload.html", {"caseload": queries.caseload(worker), "own": actor.is_self(worker)}
    )


@login_required
def follow_ups(request):
    actor = page_actor(request)
    _require(permissions.can_list_referrals(actor))
    form = DueForm(request.GET or None)
    until = form.cleaned_data.get("until") if form.is_valid() else None
    rows = queries.follow_ups_due(actor.hub, until=until)[:500]
    return render(
        request,
        "support/follow_ups.html",
        {"form": form, "rows": rows, "until": until or timezone.localdate()},
    )


@login_required
def onward_report(request):
    actor = page_actor(request)
    _require(permissions.can_list_referrals(actor))
    return render(
        request, "support/onward_not_completed.html", {"rows": queries.onward_not_completed(actor.hub)}
    )


@login_required
def reports(request):
    actor = page_actor(request)
    _require(permissions.can_view_reports(actor))
    form = ReportForm(request.GET or None)
    period = form.cleaned_data if form.is_valid() else {}
    report = queries.support_report(
        actor.hub,
        exact=permissions.sees_exact_figures(actor),
        start=period.get("start"),
        end=period.get("end"),
    )
    return render(request, "support/reports.html", {"form": form, "report": report})
