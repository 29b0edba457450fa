"""Course, group and volunteer pages. Thin: parse, check, one service or query, render."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.models import Hub
from core.pages import page_actor
from groups import permissions, queries, services
from groups.forms import (
    CancelRunForm,
    CourseForm,
    DesignerForm,
    EnrolForm,
    EnrolSomeoneForm,
    FacilitatorForm,
    PlanForm,
    ReportForm,
    RunForm,
    SessionForm,
)
from groups.models import CoDesigner, Course, Enrolment, Facilitator, Term
from people.models import Person


def _show_errors(form, error: DomainError) -> None:
    """The service's message at the top of the form, and each field's message beside the field."""
    for field, errors in error.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if error.message not in [str(e) for e in form.non_field_errors()]:
        form.add_error(None, error.message)


def _pdf(request, template: str, context: dict, filename: str, fallback: str):
    # Imported here: WeasyPrint loads pango, which only PDFs need (`make test` installs it).
    try:
        from weasyprint import CSS, HTML, URLFetcher
    except OSError:
        messages.error(request, "PDFs are not available on this server yet; use the page instead.")
        return redirect(fallback)
    html = render_to_string(template, context, request=request)
    css = render_to_string("groups/pdf.css")
    # Fetch nothing: course text is typed by people, and must never make the server load a URL.
    no_fetch = URLFetcher(allowed_protocols=())
    pdf = HTML(string=html, url_fetcher=no_fetch).write_pdf(
        stylesheets=[CSS(string=css, url_fetcher=no_fetch)]
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response


# ---- the prospectus (public) ----


@login_required
def home(request):
    """Signed-in people start at their hub's prospectus."""
    return redirect("groups:prospectus", hub_slug=page_actor(request).hub.slug)


def _prospectus_context(request, hub_slug):
    hub = get_object_or_404(Hub, slug=hub_slug)
    actor = request.actor if request.actor and request.actor.hub.pk == hub.pk else None
    return {
        "prospectus_hub": hub,
        "runs": queries.prospectus(hub),
        "can_manage": permissions.can_manage_courses(actor),
        "signed_in_here": actor is not None,
    }


def prospectus(request, hub_slug):
    return render(request, "groups/prospectus.html", _prospectus_context(request, hub_slug))


def prospectus_pdf(request, hub_slug):
    context = _prospectus_context(request, hub_slug) | {"today": timezone.localdate()}
    return _pdf(
        request,
        "groups/prospectus_pdf.html",
        context,
        f"prospectus-{hub_slug}",
        fallback=f"/prospectus/{hub_slug}/",
    )


def run_detail(request, run_id):
    actor = request.actor
    run = queries.run_detail(permissions.get_run_for(actor, run_id, action="view").pk)
    if run is None:
        raise Http404("No such course run")
    same_hub = actor is not None and actor.hub.pk == run.hub_id
    own = queries.own_enrolment(run, actor.person) if same_hub and actor.person else None
    context = {
        "run": run,
        "own": own,
        "position": queries.waiting_position(own) if own else None,
        "show_names": same_hub,
        "can_enrol": permissions.can_enrol_self(actor, run) and run.is_published and own is None,
        "can_manage": permissions.can_edit_run(actor, run),
        "form": EnrolForm(),
    }
    return render(request, "groups/run.html", context)


@login_required
@require_POST
def enrol(request, run_id):
    actor = page_actor(request)
    run = permissions.get_run_for(actor, run_id, action="enrol_self")
    form = EnrolForm(request.POST)
    if form.is_valid():
        try:
            enrolment = services.enrol(
                actor=actor, run=run, person=actor.person, hopes=form.cleaned_data["hopes"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if enrolment.status == Enrolment.Status.ENROLLED:
                messages.success(request, f"You have a place on {run.course.title}.")
            else:
                messages.success(request, f"{run.course.title} is full. You are on the waiting list.")
            return redirect("groups:mine")
    else:
        messages.error(request, "What you want to get from the course must be 1000 characters or fewer.")
    return redirect("groups:run", run_id=run.pk)


# ---- a student's own pages ----


@login_required
def mine(request):
    actor = page_actor(request)
    enrolments = queries.my_enrolments(actor.person) if actor.person else []
    facilitating = list(queries.runs_facilitated_by(actor.person)) if actor.person else []
    return render(request, "groups/mine.html", {"enrolments": enrolments, "facilitating": facilitating})


@login_required
@require_http_methods(["GET", "POST"])
def plan(request, enrolment_id):
    actor = page_actor(request)
    enrolment = permissions.get_enrolment_for(actor, enrolment_id, action="plan")
    form = PlanForm(
        request.POST or None, initial={"hopes": enrolment.hopes, "support_needs": enrolment.support_needs}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_learning_plan(actor=actor, enrolment=enrolment, **form.cleaned_data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "Your learning plan is saved.")
            if permissions.owns_enrolment(actor, enrolment):
                return redirect("groups:mine")
            return redirect("groups:run-manage", run_id=enrolment.run_id)
    return render(request, "groups/plan.html", {"form": form, "enrolment": enrolment})


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, enrolment_id):
    actor = page_actor(request)
    enrolment = permissions.get_enrolment_for(actor, enrolment_id, action="cancel")
    if request.method == "POST":
        try:
            services.cancel_enrolment(actor=actor, enrolment=enrolment)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Your place on {enrolment.run.course.title} is cancelled.")
        if permissions.owns_enrolment(actor, enrolment):
            return redirect("groups:mine")
        return redirect("groups:run-manage", run_id=enrolment.run_id)
    return render(request, "groups/cancel.html", {"enrolment": enrolment})


@login_required
def certificate(request, enrolment_id):
    actor = page_actor(request)
    enrolment = permissions.get_enrolment_for(actor, enrolment_id, action="certificate")
    done = queries.completion(enrolment)
    if not done.completed:
        raise Http404("This course has not been completed yet.")
    context = {"enrolment": enrolment, "completion": done, "today": timezone.localdate()}
    return _pdf(
        request, "groups/certificate_pdf.html", context, f"certificate-{enrolment.pk}", "/courses/mine/"
    )


# ---- the register ----


@login_required
@require_http_methods(["GET", "POST"])
def register(request, session_id):
    actor = page_actor(request)
    session = permissions.get_session_for(actor, session_id)
    lines = queries.register(session)
    error = None
    if request.method == "POST":
        here = set(request.POST.getlist("present"))
        marks = {line.enrolment.pk: str(line.enrolment.pk) in here for line in lines}
        try:
            services.take_register(actor=actor, session=session, present=marks)
        except DomainError as problem:
            error = problem.message
        else:
            messages.success(request, f"Register saved: {sum(marks.values())} of {len(marks)} here.")
            return redirect("groups:register", session_id=session.pk)
    context = {
        "session": session,
        "lines": lines,
        "error": error,
        "place": queries.place_text(session.location, session.online),
    }
    return render(request, "groups/register.html", context, status=400 if error else 200)


# ---- the college team's pages ----


def _manager(request):
    actor = page_actor(request)
    if not permissions.can_manage_courses(actor):
        raise PermissionDenied
    return actor


@login_required
def manage(request):
    actor = _manager(request)
    return render(
        request,
        "groups/manage.html",
        {"runs": queries.runs_to_manage(actor.hub)[:100], "courses": Course.objects.filter(hub=actor.hub)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_add(request):
    actor = _manager(request)
    form = CourseForm(
        request.POST or None, initial={"completion_percent": 75, "session_count": 4, "session_minutes": 120}
    )
    if request.method == "POST" and form.is_valid():
        try:
            course = services.create_course(actor=actor, data=form.course_data())
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"{course.title} is added. Now record who designed it.")
            return redirect("groups:course", course_id=course.pk)
    return render(request, "groups/course_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, course_id):
    actor = _manager(request)
    course = get_object_or_404(Course.objects.filter(hub=actor.hub), pk=course_id)
    audience = [flag for flag in ("for_members", "for_families", "for_staff") if getattr(course, flag)]
    initial = {f: getattr(course, f) for f in services.COURSE_FIELDS} | {"audience": audience}
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_course(actor=actor, course=course, data=form.course_data())
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The course is saved.")
            return redirect("groups:course", course_id=course.pk)
    context = {"form": form, "course": course}
    return render(request, "groups/course_form.html", context, status=400 if form.errors else 200)


def _hub_people(actor):
    return Person.objects.filter(hub=actor.hub).order_by("full_name", "id")


@login_required
@require_http_methods(["GET", "POST"])
def course_detail(request, course_id):
    actor = _manager(request)
    course = get_object_or_404(Course.objects.filter(hub=actor.hub), pk=course_id)
    designer_form = DesignerForm(request.POST or None, people=_hub_people(actor))
    run_form = RunForm(None, terms=Term.objects.filter(hub=actor.hub))
    if request.method == "POST" and designer_form.is_valid():
        person = get_object_or_404(Person, pk=designer_form.cleaned_data["person"], hub=actor.hub)
        try:
            services.add_designer(
                actor=actor, course=course, person=person, kind=designer_form.cleaned_data["kind"]
            )
        except DomainError as error:
            _show_errors(designer_form, error)
        else:
            messages.success(request, f"{person.display_name} is recorded as a co-designer.")
            return redirect("groups:course", course_id=course.pk)
    designers = CoDesigner.objects.filter(course=course).select_related("person")
    runs = queries.runs_to_manage(actor.hub).filter(course=course)
    return render(
        request,
        "groups/course.html",
        {
            "course": course,
            "designers": designers,
            "designer_form": designer_form,
            "run_form": run_form,
            "runs": runs,
        },
    )


@login_required
@require_POST
def run_add(request, course_id):
    actor = _manager(request)
    course = get_object_or_404(Course.objects.filter(hub=actor.hub), pk=course_id)
    form = RunForm(request.POST, terms=Term.objects.filter(hub=actor.hub))
    if form.is_valid():
        term = (
            Term.objects.filter(hub=actor.hub, pk=form.cleaned_data["term"]).first()
            if form.cleaned_data["term"]
            else None
        )
        try:
            run = services.create_run(
                actor=actor, course=course, capacity=form.cleaned_data["capacity"], term=term
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "The run is added as a draft. Add its sessions and co-facilitators.")
            return redirect("groups:run-manage", run_id=run.pk)
    else:
        messages.error(request, "Enter the number of places, from 1 to 500.")
    return redirect("groups:course", course_id=course.pk)


def _run_manage_context(actor, run, **forms):
    places = queries.places_for_hub(actor.hub)
    people = _hub_people(actor)
    return {
        "run": queries.run_detail(run.pk),
        "problems": services.publishing_problems(run) if not run.is_published else [],
        "students": queries.students(run),
        "session_form": forms.get("session_form") or SessionForm(places=places),
        "facilitator_form": forms.get("facilitator_form") or FacilitatorForm(people=people),
        "enrol_form": forms.get("enrol_form") or EnrolSomeoneForm(people=people),
        "cancel_form": CancelRunForm(),
        "can_enrol_others": permissions.can_enrol_others(actor),
    }


@login_required
def run_manage(request, run_id):
    actor = page_actor(request)
    run = permissions.get_run_for(actor, run_id, action="students")
    if not permissions.can_edit_run(actor, run):
        return redirect("groups:run", run_id=run.pk)
    return render(request, "groups/run_manage.html", _run_manage_context(actor, run))


@login_required
@require_POST
def session_add(request, run_id):
    actor = page_actor(request)
    run = permissions.get_run_for(actor, run_id, action="edit")
    form = SessionForm(request.POST, places=queries.places_for_hub(actor.hub))
    if form.is_valid():
        location = (
            queries.places_for_hub(actor.hub).filter(pk=form.cleaned_data["location"]).first()
            if form.cleaned_data["location"]
            else None
        )
        starts_at, ends_at = form.times()
        try:
            services.add_session(
                actor=actor,
                run=run,
                starts_at=starts_at,
                ends_at=ends_at,
                location=location,
                online=form.cleaned_data["online"],
                joining_link=form.cleaned_data["joining_link"],
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The session is added.")
            return redirect("groups:run-manage", run_id=run.pk)
    return render(
        request, "groups/run_manage.html", _run_manage_context(actor, run, session_form=form), status=400
    )


@login_required
@require_POST
def facilitator_add(request, run_id):
    actor = page_actor(request)
    run = permissions.get_run_for(actor, run_id, action="edit")
    form = FacilitatorForm(request.POST, people=_hub_people(actor))
    if form.is_valid():
        person = get_object_or_404(Person, pk=form.cleaned_data["person"], hub=actor.hub)
        try:
            services.add_facilitator(actor=actor, run=run, person=person, kind=form.cleaned_data["kind"])
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"{person.display_name} is a co-facilitator.")
            return redirect("groups:run-manage", run_id=run.pk)
    return render(
        request, "groups/run_manage.html", _run_manage_context(actor, run, facilitator_form=form), status=400
    )


@login_required
@require_POST
def facilitator_remove(request, run_id, facilitator_id):
    actor = page_actor(request)
    run = permissions.get_run_for(actor, run_id, action="edit")
    facilitator = get_object_or_404(Facilitator, pk=facilitator_id, run=run)
    try:
        services.remove_facilitator(actor=actor, facilitator=facilitator)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The co-facilitator is removed.")
    return redirect("groups:run-manage", run_id=run.pk)


@login_required
@require_POST
def publish(request, run_id):
    actor = page_actor(request)
    run = permissions.get_run_for(actor, run_id, action="edit")
    try:
        services.publish_run(actor=actor, run=run)
    except DomainError as error:
        problems = error.field_errors.get("__all__") or [error.message]
        context = _run_manage_context(actor, run) | {"publish_problems": problems}
        return render(request, "groups/run_manage.html", context, status=400)
    messages.success(request, f"{run.course.title} is published in the prospectus.")
    return redirect("groups:run-manage", run_id=run.pk)


@login_required
@require_POST
def cancel_run(request, run_id):
    actor = page_actor(request)
    run = permissions.get_run_for(actor, run_id, action="edit")
    form = CancelRunForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_run(actor=actor, run=run, reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "The run is cancelled and its students are told.")
    else:
        messages.error(request, "Enter why the run is cancelled.")
    return redirect("groups:run-manage", run_id=run.pk)


@login_required
@require_POST
def enrol_someone(request, run_id):
    actor = page_actor(request)
    run = permissions.get_run_for(actor, run_id, action="students")
    form = EnrolSomeoneForm(request.POST, people=_hub_people(actor))
    if form.is_valid():
        person = get_object_or_404(Person, pk=form.cleaned_data["person"], hub=actor.hub)
        try:
            enrolment = services.enrol(actor=actor, run=run, person=person)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            where = (
                "has a place" if enrolment.status == Enrolment.Status.ENROLLED else "is on the waiting list"
            )
            messages.success(request, f"{person.display_name} {where}.")
    else:
        messages.error(request, "Choose a person to enrol.")
    return redirect("groups:run-manage", run_id=run.pk)


@login_required
def reports(request):
    actor = page_actor(request)
    if not permissions.can_view_reports(actor):
        raise PermissionDenied
    today = timezone.localdate()
    form = ReportForm(request.GET or None)
    start, end = today - timedelta(days=365), today
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    elif not form.is_bound:
        form = ReportForm(initial={"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")})
    suppressed = not permissions.sees_small_numbers(actor)
    report = queries.report(actor.hub, start=start, end=end, suppressed=suppressed)
    return render(request, "groups/reports.html", {"form": form, "report": report})
