"""Support pages for one referral and its journey: triage and the decision, sessions, hand-overs, the
"what matters to you" conversation, onward referrals, follow-ups, closing and letters to referrers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.pages import page_actor
from directory.queries import services_for_hub
from people.models import Person
from support import pdf, permissions, queries, services
from support.forms.journey import (
    CloseForm,
    ConversationForm,
    DecisionForm,
    ExclusionsForm,
    FeedbackForm,
    FollowUpForm,
    HandOverForm,
    NextActionForm,
    OnwardForm,
    OnwardUpdateForm,
    SessionForm,
)
from support.models import ClinicalCode, FollowUp, OnwardReferral, ReferrerMessage
from support.services import ONWARD_NEXT
from support.views.common import _form_page, _missing, _show_errors


def _codes(hub):
    return ClinicalCode.objects.filter(hub=hub, active=True)


def _referral_url(referral) -> str:
    return reverse("support:referral", args=[referral.pk])


@login_required
def referral_detail(request, referral_id):
    actor = page_actor(request)
    found = permissions.get_referral_for(actor, referral_id, action="status")
    if not permissions.can_view_referral(actor, found):
        return render(request, "support/referral_status.html", {"referral": found})
    context = queries.referral_page(actor, found.pk)
    if not context["staff"]:
        return render(request, "support/referral_member.html", context)
    return render(request, "support/referral.html", context | _triage_forms(actor, context["referral"]))


def _triage_forms(actor, referral):
    """The decision, exclusions and next-action forms on a staff member's referral page."""
    steps = referral.service.steps.all()
    first = steps[0] if steps else None
    return {
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


@login_required
@require_POST
def referral_link(request, referral_id):
    """Link a possible duplicate, or create a new person record from the referral."""
    actor = page_actor(request)
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
    actor = page_actor(request)
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
    actor = page_actor(request)
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
    request, referral_id, *, form_class, build, call, title, button, success, intro="", action="work"
):
    """The pattern most journey pages share: a referral, a form, one service call."""
    actor = page_actor(request)
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
        request,
        form,
        title=title,
        caption=referral.full_name,
        intro=intro,
        button=button,
        back=_referral_url(referral),
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
        steps, workers = queries.hand_over_choices(referral, hub=actor.hub)
        return {"steps": steps, "workers": workers, "initial": {"step": referral.current_step_id}}

    return _referral_form_view(
        request,
        referral_id,
        form_class=HandOverForm,
        build=build,
        call=_hand_over,
        title="Hand over",
        button="Hand over",
        success="Handed over.",
    )


def _hand_over(actor, referral, form):
    if not form.cleaned_data["worker"]:
        _missing("worker", "Choose who will support them now.")
    services.hand_over(
        actor=actor,
        referral=referral,
        worker=form.cleaned_data["worker"],
        note=form.cleaned_data["note"],
        step=form.cleaned_data["step"],
    )


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
    return _referral_form_view(
        request,
        referral_id,
        form_class=ConversationForm,
        build=_conversation_form,
        call=lambda actor, referral, form: services.record_conversation(
            actor=actor,
            person=referral.person,
            held_on=form.cleaned_data["held_on"],
            answers=form.answers(),
            referral=referral,
            add_to_lists=form.add_to_lists(),
        ),
        title="What matters to you",
        intro="Ask what matters to them, in their words. What you add to their lists shows on their record.",
        button="Save the conversation",
        success="The conversation has been recorded.",
    )


def _conversation_form(actor, referral):
    if referral.person is None:
        raise Http404("This referral has no person record yet.")
    sections = queries.support_settings(actor.hub).conversation_sections
    return {"sections": sections, "initial": {"held_on": timezone.localdate()}}


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
    actor = page_actor(request)
    onward = get_object_or_404(OnwardReferral.objects.select_related("referral"), pk=onward_id)
    referral = permissions.get_referral_for(actor, onward.referral_id, action="view")
    staff = permissions.can_work_with(actor, referral)
    form = _onward_form(request, onward, staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            _update_onward(actor, onward, form, staff=staff)
        except DomainError as error:
            _show_errors(form, error)
        else:
            saved = "The onward referral has been updated." if staff else "Thank you, that has been saved."
            messages.success(request, saved)
            return redirect("support:referral", referral.pk)
    title = "Update the onward referral" if staff else "Tell us how it went"
    caption = queries.onward_service_name(referral, onward)
    return _form_page(
        request, form, title=title, caption=caption, button="Save", back=_referral_url(referral)
    )


def _onward_form(request, onward, *, staff):
    """Staff choose the onward referral's next status; the member says how it went."""
    if staff:
        next_statuses = sorted(ONWARD_NEXT[OnwardReferral.Status(onward.status)])
        return OnwardUpdateForm(request.POST or None, next_statuses=next_statuses)
    initial = {"member_feedback": onward.member_feedback, "helped": onward.helped}
    return FeedbackForm(request.POST or None, initial=initial)


def _update_onward(actor, onward, form, *, staff):
    if staff:
        services.update_onward_referral(
            actor=actor, onward=onward, status=form.new_status(), note=form.cleaned_data["note"]
        )
    else:
        services.update_onward_referral(actor=actor, onward=onward, **form.cleaned_data)


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request, follow_up_id):
    actor = page_actor(request)
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
    actor = page_actor(request)
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
