"""Support pages for plans (goals, wellbeing, crisis), their versions and PDFs, the peer supporters a
member names for their crisis plan, and a peer's crisis plans on call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.pages import page_actor
from core.roles import Role
from people import permissions as people_permissions
from people.models import Person
from support import pdf, permissions, queries, services
from support.forms.plans import PlanForm, SupporterForm
from support.models import Plan
from support.plans import CRISIS_TEXTS, WELLBEING_LISTS, WHO, empty_content
from support.views.common import _form_page, _missing, _peers, _require, _show_errors

PLAN_LABELS = dict(Plan.Kind.choices)


def _plan_person(actor, person_id) -> Person:
    person = people_permissions.get_person_for(actor, person_id)
    _require(permissions.can_create_plan(actor, person))
    return person


@login_required
def plans(request, person_id=None):
    """A person's plans: the member's own (from /me/) or, for support staff, anyone's in the hub."""
    actor = page_actor(request)
    if person_id is None:
        _require(actor.person is not None)
        person = actor.person
    else:
        person = _plan_person(actor, person_id)
    have = {p.kind: p for p in queries.plans_for(person)}
    kinds = [(kind, label, have.get(kind)) for kind, label in Plan.Kind.choices]
    return render(
        request, "support/plans.html", {"person": person, "kinds": kinds, "own": actor.is_self(person)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, person_id, kind):
    actor = page_actor(request)
    if kind not in PLAN_LABELS:
        raise Http404("No such kind of plan.")
    person = _plan_person(actor, person_id)
    form = PlanForm(request.POST or None, kind=kind, content=_content_to_edit(actor, person, kind))
    if request.method == "POST" and form.is_valid():
        try:
            version = services.save_plan(
                actor=actor, person=person, kind=kind, content=form.content(), note=form.cleaned_data["note"]
            )
        except DomainError as error:
            _show_errors(form, error, field_for=form.field_for)
        else:
            messages.success(request, f"Saved as version {version.number}.")
            return redirect("support:plan", version.plan_id)
    context = {
        "form": form,
        "person": person,
        "kind": kind,
        "label": PLAN_LABELS[kind],
        "own": actor.is_self(person),
    }
    return render(request, "support/plan_form.html", context, status=400 if form.errors else 200)


def _content_to_edit(actor, person, kind):
    """The latest version's content of the person's plan of this kind, once the actor may edit it; or an
    empty plan."""
    existing = queries.plan_of_kind(person, kind)
    latest = (
        queries.latest_version(permissions.get_plan_for(actor, existing.pk, action="edit"))
        if existing
        else None
    )
    return latest.content if latest else empty_content(kind)


def _step_text(step) -> str:
    due = f", by {step['due']}" if step["due"] else ""
    return f"{'Done: ' if step['done'] else ''}{step['text']} ({WHO[step['who']]}{due})"


def _contact_text(contact) -> str:
    who = f" ({contact['relationship']})" if contact["relationship"] else ""
    phone = f": {contact['phone']}" if contact["phone"] else ""
    return f"{contact['name']}{who}{phone}"


def _plan_sections(version):
    """The version's content as headed lists, for pages."""
    if version is None:
        return []
    content, kind = version.content, version.plan.kind
    if kind == Plan.Kind.GOALS:
        return [
            {
                "heading": goal["title"],
                "progress": goal["progress"],
                "items": [_step_text(s) for s in goal["steps"]],
            }
            for goal in content.get("goals", [])
        ]
    if kind == Plan.Kind.WELLBEING:
        return [{"heading": label, "items": content.get(key, [])} for key, label in WELLBEING_LISTS.items()]
    sections = [{"heading": label, "text": content.get(key, "")} for key, label in CRISIS_TEXTS.items()]
    people = [_contact_text(c) for c in content.get("who_to_call", [])]
    return [*sections, {"heading": "Who to call", "items": people}]


@login_required
def plan_detail(request, plan_id, number=None):
    actor = page_actor(request)
    plan = permissions.get_plan_for(actor, plan_id)
    version = queries.plan_version(plan, number) if number else queries.latest_version(plan)
    if version is None:
        raise Http404("No such version.")
    crisis = plan.kind == Plan.Kind.CRISIS
    context = {
        "plan": plan,
        "version": version,
        "sections": _plan_sections(version),
        "latest": number is None,
        "can_edit": permissions.can_edit_plan(actor, plan),
        "own": actor.is_self(plan.person),
        "supporters": queries.supporters_of(plan)
        if crisis and permissions.can_name_supporters(actor, plan)
        else None,
    }
    return render(request, "support/plan.html", context)


@login_required
def plan_history(request, plan_id):
    actor = page_actor(request)
    plan = permissions.get_plan_for(actor, plan_id)
    return render(
        request, "support/plan_history.html", {"plan": plan, "versions": queries.plan_history(plan)}
    )


@login_required
def plan_pdf(request, plan_id):
    actor = page_actor(request)
    plan = permissions.get_plan_for(actor, plan_id)
    version = queries.latest_version(plan)
    if version is None:
        raise Http404("This plan has nothing in it yet.")
    try:
        body = pdf.plan_pdf(version)
    except pdf.PdfUnavailable:
        messages.info(request, "PDFs are not available on this server; use your browser's print instead.")
        return redirect("support:plan", plan.pk)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{plan.kind}-plan-v{version.number}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def supporters(request, plan_id):
    """The member names the peer supporters who may see their crisis plan while on call."""
    actor = page_actor(request)
    plan = permissions.get_plan_for(actor, plan_id, action="edit")
    _require(permissions.can_name_supporters(actor, plan))
    form = SupporterForm(request.POST or None, peers=_peers(actor.hub).exclude(pk=plan.person_id))
    if request.method == "POST" and form.is_valid():
        try:
            peer = form.cleaned_data["peer"] or _missing("peer", "Choose a peer supporter.")
            services.name_supporter(actor=actor, plan=plan, peer=peer)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"{peer.display_name} can now see this plan while on call.")
            return redirect("support:plan", plan.pk)
    intro = "They see it only while they are on call and while you agree to sharing your plans."
    return _form_page(
        request,
        form,
        title="Who may see your crisis plan",
        intro=intro,
        button="Add",
        back=reverse("support:plan", args=[plan.pk]),
    )


@login_required
@require_POST
def supporter_remove(request, plan_id, peer_id):
    actor = page_actor(request)
    plan = permissions.get_plan_for(actor, plan_id, action="edit")
    peer = get_object_or_404(Person, pk=peer_id, hub=actor.hub)
    try:
        services.remove_supporter(actor=actor, plan=plan, peer=peer)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{peer.display_name} can no longer see this plan.")
    return redirect("support:plan", plan.pk)


@login_required
def crisis_plans(request):
    """A peer supporter's crisis plans they may open now: named, consented and on call."""
    actor = page_actor(request)
    _require(actor.has(Role.PEER_SUPPORTER))
    context = {"plans": queries.crisis_plans_for_peer(actor), "on_call": permissions.is_on_call(actor)}
    return render(request, "support/crisis_plans.html", context)
