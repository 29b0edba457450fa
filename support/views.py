"""Support pages: referrals in (staff, referrers, the public), triage, the journey of support, caseloads,
plans, crisis plans on call, follow-ups, uploads, reports and settings.

Thin: parse the input, check the permission (support.permissions), call one service or query, render
or redirect. A DomainError is shown beside the fields it names; nothing has been written.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.middleware import client_ip
from core.models import Hub
from core.roles import Role
from directory.queries import services_for_hub
from people import permissions as people_permissions
from people.models import Person
from support import importer, pdf, permissions, queries, ratelimit, services
from support.forms import (
    ClinicalCodeForm,
    CloseForm,
    ConversationForm,
    DecisionForm,
    DueForm,
    ExclusionsForm,
    FeedbackForm,
    FilterForm,
    FollowUpForm,
    HandOverForm,
    NewServiceForm,
    NextActionForm,
    OnCallForm,
    OnwardForm,
    OnwardUpdateForm,
    PathwayForm,
    PlanForm,
    ReferralForm,
    ReportForm,
    SectionsForm,
    SelfReferralForm,
    ServiceRulesForm,
    SessionForm,
    SettingsForm,
    SupporterForm,
    UploadForm,
)
from support.models import (
    ClinicalCode,
    FollowUp,
    OnCallPeriod,
    OnwardReferral,
    Plan,
    Reason,
    ReferrerMessage,
)
from support.plans import CRISIS_TEXTS, WELLBEING_LISTS, WHO, empty_content
from support.ratelimit import RateLimited
from support.services import ONWARD_NEXT


def _actor(request):
    if request.actor is None:
        raise PermissionDenied("You have no role in any hub.")
    return request.actor


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _show_errors(form, error: DomainError, field_for=None) -> None:
    """The service's message at the top, and each field's message beside its field."""
    form.add_error(None, error.message)
    for field, errors in error.field_errors.items():
        name = field_for(field) if field_for else field
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


def _form_page(request, form, *, title, button, back=None, caption="", intro="", status=200, **extra):
    """The shared one-form page: an error summary, the fields in order, one button."""
    context = {
        "form": form,
        "title": title,
        "button": button,
        "back": back,
        "caption": caption,
        "intro": intro,
    }
    return render(request, "support/form.html", context | extra, status=400 if form.errors else status)


def _codes(hub):
    return ClinicalCode.objects.filter(hub=hub, active=True)


def _referral_url(referral) -> str:
    return reverse("support:referral", args=[referral.pk])


# ---- home and lists -----------------------------------------------------------------------------


@login_required
def home(request):
    actor = _actor(request)
    staff = permissions.is_support_staff(actor)
    context = {
        "staff": staff,
        "coordinator": permissions.is_coordinator(actor),
        "referrer": actor.has(Role.REFERRER),
        "peer": actor.has(Role.PEER_SUPPORTER),
        "reports": permissions.can_view_reports(actor),
        "waiting": queries.triage_queue(actor.hub).count() if staff else None,
        "own_referrals": queries.referrals_for_person(actor.person) if actor.person else [],
        "team": queries.caseload_sizes(actor.hub) if permissions.is_coordinator(actor) else [],
    }
    return render(request, "support/home.html", context)


@login_required
def triage(request):
    actor = _actor(request)
    _require(permissions.can_list_referrals(actor))
    return render(request, "support/triage.html", {"referrals": queries.triage_queue(actor.hub)[:200]})


@login_required
def referral_list(request):
    actor = _actor(request)
    _require(permissions.can_list_referrals(actor))
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = queries.referrals_in_hub(
        actor.hub, status=filters.get("status", ""), source=filters.get("source", "")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "support/referrals.html", {"form": form, "page": page})


@login_required
def my_referrals(request):
    """A referrer's own referrals: status, and the outcome only when the person agreed."""
    actor = _actor(request)
    _require(actor.person is not None and actor.has(Role.REFERRER))
    return render(request, "support/mine.html", {"referrals": queries.referrals_for_referrer(actor)})


# ---- referrals in -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request):
    actor = _actor(request)
    _require(permissions.can_make_referral(actor))
    form = ReferralForm(request.POST or None, services=queries.support_services(actor.hub))
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.create_referral(
                actor=actor, service=form.cleaned_data["service"], data=form.referral_data()
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"The referral for {referral.full_name} has been received.")
            if permissions.is_support_staff(actor):
                return redirect("support:referral", referral.pk)
            return redirect("support:mine")
    intro = (
        "We check who the service is for and contact the person. Fields marked optional can be left empty."
    )
    return _form_page(request, form, title="Make a referral", intro=intro, button="Send the referral")


@require_http_methods(["GET", "POST"])
def self_referral(request, hub_slug):
    """The public form: no login, plain words, rate-limited per address."""
    hub = get_object_or_404(Hub, slug=hub_slug)
    form = SelfReferralForm(request.POST or None, services=queries.self_referral_services(hub))
    try:
        if request.method == "POST" and form.is_valid():
            services.submit_self_referral(
                hub=hub,
                service=form.cleaned_data["service"],
                data=form.referral_data(),
                ip_address=client_ip(request),
            )
            return redirect("support:self-referral-thanks", hub_slug=hub.slug)
        if request.method == "POST":
            # Every attempt counts towards the limit, valid or not (docs/decisions/0009).
            ratelimit.check_self_referral(hub=hub, ip_address=client_ip(request))
    except RateLimited:
        return render(request, "support/too_many.html", {"hub": hub}, status=429)
    except DomainError as error:
        _show_errors(form, error)
    return _form_page(
        request,
        form,
        title="Ask for support",
        caption=hub.name,
        intro="Tell us a little about what you would like help with. Someone from the team will be in touch.",
        button="Send",
        public_hub=hub,
    )


def self_referral_thanks(request, hub_slug):
    hub = get_object_or_404(Hub, slug=hub_slug)
    return render(request, "support/self_referral_thanks.html", {"public_hub": hub})


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    actor = _actor(request)
    _require(permissions.can_upload_referrals(actor))
    form = UploadForm(
        request.POST or None, request.FILES or None, services=queries.support_services(actor.hub)
    )
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            made = importer.import_referrals(
                actor=actor, service=form.cleaned_data["service"], content=form.cleaned_data["file"].read()
            )
        except DomainError as error:
            problems = getattr(error, "problems", [])
            if problems:
                form.add_error("file", error.message)
            else:
                _show_errors(form, error)
        else:
            messages.success(request, f"{len(made)} referral{'s' if len(made) != 1 else ''} added.")
            return redirect("support:triage")
    return render(
        request,
        "support/upload.html",
        {"form": form, "problems": problems},
        status=400 if form.errors else 200,
    )


@login_required
def upload_template(request):
    actor = _actor(request)
    _require(permissions.can_upload_referrals(actor))
    response = HttpResponse(importer.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="referrals-template.csv"'
    return response


# ---- one referral -------------------------------------------------------------------------------


@login_required
def referral_detail(request, referral_id):
    actor = _actor(request)
    found = permissions.get_referral_for(actor, referral_id, action="status")
    if not permissions.can_view_referral(actor, found):
        return render(request, "support/referral_status.html", {"referral": found})
    referral = queries.referral_detail(found.pk)
    staff = permissions.is_support_staff(actor)
    context = {
        "referral": referral,
        "staff": staff,
        "onward": queries.onward_referrals_for(referral),
        "reasons": [Reason(r).label for r in referral.reasons if r in Reason.values],
    }
    if not staff:
        return render(request, "support/referral_member.html", context)
    results = queries.check_eligibility(referral)
    first = referral.service.steps.all()[0] if referral.service.steps.all() else None
    context |= {
        "results": results,
        "summary": queries.eligibility_summary(results),
        "matching": queries.possible_duplicates(referral) if referral.person is None else None,
        "sessions": queries.sessions_for(actor, referral),
        "sessions_used": queries.sessions_used(referral),
        "conversations": referral.conversations.order_by("-held_on", "-id"),
        "plans": queries.plans_for(referral.person) if referral.person else [],
        "decision_form": DecisionForm(
            workers=queries.workers_for_step(actor.hub, first.role) if first else Person.objects.none(),
            codes=_codes(actor.hub),
        ),
        "exclusions_form": ExclusionsForm(
            exclusions=referral.service.exclusions.all(),
            initial={"exclusion_ids": [str(x) for x in referral.flagged_exclusions]},
        ),
        "next_action_form": NextActionForm(
            initial={"next_action": referral.next_action, "next_action_on": referral.next_action_on}
        ),
    }
    return render(request, "support/referral.html", context)


@login_required
@require_POST
def referral_link(request, referral_id):
    """Link a possible duplicate, or create a new person record from the referral."""
    actor = _actor(request)
    referral = permissions.get_referral_for(actor, referral_id, action="triage")
    try:
        if request.POST.get("person") == "new":
            services.create_person_from_referral(actor=actor, referral=referral)
        else:
            person = Person.objects.filter(hub=actor.hub, pk=request.POST.get("person") or 0).first()
            if person is None:
                raise DomainError("Choose a person record or make a new one.")
            services.link_person(actor=actor, referral=referral, person=person)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The referral is linked to the person's record.")
    return redirect("support:referral", referral.pk)


@login_required
@require_POST
def referral_exclusions(request, referral_id):
    actor = _actor(request)
    referral = permissions.get_referral_for(actor, referral_id, action="triage")
    form = ExclusionsForm(request.POST, exclusions=referral.service.exclusions.all())
    if form.is_valid():
        try:
            services.flag_exclusions(
                actor=actor, referral=referral, exclusion_ids=form.cleaned_data["exclusion_ids"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "The exclusions have been saved.")
    return redirect("support:referral", referral.pk)


@login_required
@require_http_methods(["GET", "POST"])
def referral_decide(request, referral_id):
    actor = _actor(request)
    referral = permissions.get_referral_for(actor, referral_id, action="triage")
    first = referral.service.steps.order_by("position").first()
    workers = queries.workers_for_step(actor.hub, first.role) if first else Person.objects.none()
    form = DecisionForm(request.POST or None, workers=workers, codes=_codes(actor.hub))
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_referral(actor=actor, referral=referral, **form.cleaned_data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Referral {referral.get_status_display().lower()}.")
            return redirect("support:referral", referral.pk)
    results = queries.check_eligibility(referral)
    return _form_page(
        request,
        form,
        title="Decide on this referral",
        caption=referral.full_name,
        button="Save the decision",
        back=_referral_url(referral),
        results=results,
    )


def _referral_form_view(
    request, referral_id, *, form_class, build, call, title, button, success, action="work"
):
    """The pattern most journey pages share: a referral, a form, one service call."""
    actor = _actor(request)
    referral = permissions.get_referral_for(actor, referral_id, action=action)
    form = form_class(request.POST or None, **build(actor, referral))
    if request.method == "POST" and form.is_valid():
        try:
            call(actor, referral, form)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("support:referral", referral.pk)
    return _form_page(
        request, form, title=title, caption=referral.full_name, button=button, back=_referral_url(referral)
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request, referral_id):
    return _referral_form_view(
        request,
        referral_id,
        form_class=SessionForm,
        build=lambda actor, referral: {"initial": {"held_on": timezone.localdate()}},
        call=lambda actor, referral, form: services.record_session(
            actor=actor,
            referral=referral,
            **{**form.cleaned_data, "minutes": form.cleaned_data["minutes"] or 0},
        ),
        title="Record a session",
        button="Record the session",
        success="The session has been recorded.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def hand_over(request, referral_id):
    def build(actor, referral):
        steps = referral.service.steps.filter(
            position__gte=referral.current_step.position if referral.current_step else 0
        )
        workers = Person.objects.filter(
            hub=actor.hub, role_grants__role__in=permissions.SUPPORT_STAFF
        ).distinct()
        return {
            "steps": steps,
            "workers": workers.order_by("full_name"),
            "initial": {"step": referral.current_step_id},
        }

    return _referral_form_view(
        request,
        referral_id,
        form_class=HandOverForm,
        build=build,
        call=lambda actor, referral, form: (
            services.hand_over(
                actor=actor,
                referral=referral,
                worker=form.cleaned_data["worker"],
                note=form.cleaned_data["note"],
                step=form.cleaned_data["step"],
            )
            if form.cleaned_data["worker"]
            else _missing("worker", "Choose who will support them now.")
        ),
        title="Hand over",
        button="Hand over",
        success="Handed over.",
    )


def _missing(field: str, message: str):
    raise DomainError(message, {field: [message]})


@login_required
@require_http_methods(["GET", "POST"])
def next_action(request, referral_id):
    return _referral_form_view(
        request,
        referral_id,
        form_class=NextActionForm,
        build=lambda actor, referral: {},
        call=lambda actor, referral, form: services.set_next_action(
            actor=actor,
            referral=referral,
            text=form.cleaned_data["next_action"],
            on=form.cleaned_data["next_action_on"],
        ),
        title="Next action",
        button="Save the next action",
        success="The next action has been saved.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def conversation(request, referral_id):
    """The "what matters to you" conversation in the hub's own sections."""
    actor = _actor(request)
    referral = permissions.get_referral_for(actor, referral_id, action="work")
    if referral.person is None:
        raise Http404("This referral has no person record yet.")
    sections = queries.support_settings(actor.hub).conversation_sections
    form = ConversationForm(
        request.POST or None, sections=sections, initial={"held_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_conversation(
                actor=actor,
                person=referral.person,
                held_on=form.cleaned_data["held_on"],
                answers=form.answers(),
                referral=referral,
                add_to_lists=form.add_to_lists(),
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The conversation has been recorded.")
            return redirect("support:referral", referral.pk)
    intro = "Ask what matters to them, in their words. What you add to their lists shows on their record."
    return _form_page(
        request,
        form,
        title="What matters to you",
        caption=referral.full_name,
        intro=intro,
        button="Save the conversation",
        back=_referral_url(referral),
    )


@login_required
@require_http_methods(["GET", "POST"])
def onward_new(request, referral_id):
    return _referral_form_view(
        request,
        referral_id,
        form_class=OnwardForm,
        build=lambda actor, referral: {"directory_services": services_for_hub(actor.hub)},
        call=lambda actor, referral, form: services.suggest_onward_referral(
            actor=actor, referral=referral, **form.cleaned_data
        ),
        title="Suggest a community service",
        button="Suggest this service",
        success="The onward referral has been added.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def onward_update(request, onward_id):
    """Staff move an onward referral along; the member adds how it went in their own words."""
    actor = _actor(request)
    onward = get_object_or_404(OnwardReferral.objects.select_related("referral"), pk=onward_id)
    referral = permissions.get_referral_for(actor, onward.referral_id, action="view")
    staff = permissions.can_work_with(actor, referral)
    if staff:
        form = OnwardUpdateForm(
            request.POST or None, next_statuses=sorted(ONWARD_NEXT[OnwardReferral.Status(onward.status)])
        )
    else:
        form = FeedbackForm(
            request.POST or None, initial={"member_feedback": onward.member_feedback, "helped": onward.helped}
        )
    if request.method == "POST" and form.is_valid():
        try:
            if staff:
                services.update_onward_referral(
                    actor=actor, onward=onward, status=form.new_status(), note=form.cleaned_data["note"]
                )
            else:
                services.update_onward_referral(actor=actor, onward=onward, **form.cleaned_data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request,
                "Thank you, that has been saved." if not staff else "The onward referral has been updated.",
            )
            return redirect("support:referral", referral.pk)
    service = next(
        (v.service_name for v in queries.onward_referrals_for(referral) if v.onward.pk == onward.pk), ""
    )
    title = "Update the onward referral" if staff else "Tell us how it went"
    return _form_page(
        request, form, title=title, caption=service, button="Save", back=_referral_url(referral)
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request, follow_up_id):
    actor = _actor(request)
    found = get_object_or_404(FollowUp, pk=follow_up_id)
    referral = permissions.get_referral_for(actor, found.referral_id, action="work")
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_follow_up(actor=actor, follow_up=found, **form.cleaned_data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The follow-up has been recorded.")
            return redirect("support:referral", referral.pk)
    caption = f"{referral.full_name}: {found.months}-month follow-up, due {found.due_on:%-d %B %Y}"
    return _form_page(
        request,
        form,
        title="Record a follow-up",
        caption=caption,
        button="Save",
        back=_referral_url(referral),
    )


@login_required
@require_http_methods(["GET", "POST"])
def close(request, referral_id):
    return _referral_form_view(
        request,
        referral_id,
        form_class=CloseForm,
        build=lambda actor, referral: {"codes": _codes(actor.hub)},
        call=lambda actor, referral, form: services.close_referral(
            actor=actor, referral=referral, **form.cleaned_data
        ),
        title="Close this referral",
        button="Close the referral",
        success="The referral is closed.",
    )


@login_required
def letter(request, message_id):
    """A letter to a referrer as a PDF, or as a page to print when PDFs are unavailable."""
    actor = _actor(request)
    message = get_object_or_404(ReferrerMessage.objects.select_related("referral"), pk=message_id)
    referral = permissions.get_referral_for(actor, message.referral_id, action="work")
    message.referral = referral
    try:
        body = pdf.letter_pdf(message)
    except pdf.PdfUnavailable:
        return render(request, "support/letter.html", {"message": message, "referral": referral})
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="letter-{message.pk}.pdf"'
    return response


# ---- caseloads and lists ------------------------------------------------------------------------


@login_required
def caseload(request, person_id=None):
    actor = _actor(request)
    worker = actor.person if person_id is None else get_object_or_404(Person, pk=person_id, hub=actor.hub)
    _require(worker is not None and permissions.can_view_caseload(actor, worker))
    return render(
        request, "support/caseload.html", {"caseload": queries.caseload(worker), "own": actor.is_self(worker)}
    )


@login_required
def follow_ups(request):
    actor = _actor(request)
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
    actor = _actor(request)
    _require(permissions.can_list_referrals(actor))
    return render(
        request, "support/onward_not_completed.html", {"rows": queries.onward_not_completed(actor.hub)}
    )


@login_required
def reports(request):
    actor = _actor(request)
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


# ---- plans --------------------------------------------------------------------------------------

PLAN_LABELS = dict(Plan.Kind.choices)


def _plan_person(actor, person_id) -> Person:
    person = people_permissions.get_person_for(actor, person_id)
    _require(permissions.can_create_plan(actor, person))
    return person


@login_required
def plans(request, person_id=None):
    """A person's plans: the member's own (from /me/) or, for support staff, anyone's in the hub."""
    actor = _actor(request)
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
    actor = _actor(request)
    if kind not in PLAN_LABELS:
        raise Http404("No such kind of plan.")
    person = _plan_person(actor, person_id)
    existing = Plan.objects.filter(person=person, kind=kind).first()
    latest = (
        queries.latest_version(permissions.get_plan_for(actor, existing.pk, action="edit"))
        if existing
        else None
    )
    form = PlanForm(
        request.POST or None, kind=kind, content=latest.content if latest else empty_content(kind)
    )
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
    actor = _actor(request)
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
    actor = _actor(request)
    plan = permissions.get_plan_for(actor, plan_id)
    return render(
        request, "support/plan_history.html", {"plan": plan, "versions": queries.plan_history(plan)}
    )


@login_required
def plan_pdf(request, plan_id):
    actor = _actor(request)
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


def _peers(hub):
    return (
        Person.objects.filter(hub=hub, role_grants__role=Role.PEER_SUPPORTER).distinct().order_by("full_name")
    )


@login_required
@require_http_methods(["GET", "POST"])
def supporters(request, plan_id):
    """The member names the peer supporters who may see their crisis plan while on call."""
    actor = _actor(request)
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
    actor = _actor(request)
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
    actor = _actor(request)
    _require(actor.has(Role.PEER_SUPPORTER))
    context = {"plans": queries.crisis_plans_for_peer(actor), "on_call": permissions.is_on_call(actor)}
    return render(request, "support/crisis_plans.html", context)


# ---- on call, settings --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def on_call(request):
    actor = _actor(request)
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
    actor = _actor(request)
    _require(permissions.can_manage_on_call(actor))
    period = get_object_or_404(OnCallPeriod, pk=period_id, hub=actor.hub)
    services.cancel_on_call(actor=actor, period=period)
    messages.success(request, "The on-call period is cancelled.")
    return redirect("support:on-call")


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    actor = _actor(request)
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
    actor = _actor(request)
    _require(permissions.can_configure_services(actor))
    service = queries.get_support_service(service_id, hub=actor.hub)
    if service is None:
        raise Http404("No such service in this hub.")
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
    actor = _actor(request)
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
    legends = {"steps": "Pathway steps, in order", "exclusions": "Who it is not for"}
    return _rows_page(request, form, title="Add a support service", button="Add the service", legends=legends)


@login_required
@require_http_methods(["GET", "POST"])
def pathway_edit(request, service_id):
    actor = _actor(request)
    _require(permissions.can_configure_services(actor))
    service = queries.get_support_service(service_id, hub=actor.hub)
    if service is None:
        raise Http404("No such service in this hub.")
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
    intro = "Steps people have been supported at cannot be removed; rename them or change their limit."
    legends = {"steps": "Pathway steps, in order", "exclusions": "Who it is not for"}
    return _rows_page(
        request,
        form,
        title="Pathway and exclusions",
        caption=service.name,
        intro=intro,
        button="Save",
        legends=legends,
    )


@login_required
@require_http_methods(["GET", "POST"])
def sections_edit(request):
    actor = _actor(request)
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
    actor = _actor(request)
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
