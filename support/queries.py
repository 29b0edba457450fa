"""Every read the support pages, API, reports and the reminder command need, with related rows fetched
up front. Lists cost a constant number of queries however many rows they hold (tests check this)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from core.models import Hub
from core.roles import Actor, Role
from directory.models import Service as DirectoryService
from directory.queries import services_for_hub
from people.models import ConsentEvent, ConsentPurpose, Person
from people.queries import SMALL_NUMBER, suppress
from people.validators import normalise_nhs_number, normalise_postcode, postcode_district
from support import instruments, permissions
from support.models import (
    Assignment,
    CodedEvent,
    Conversation,
    FollowUp,
    OnCallPeriod,
    OnwardReferral,
    PathwayStep,
    Plan,
    PlanSupporter,
    PlanVersion,
    Reason,
    Referral,
    Source,
    SupportService,
    SupportSession,
    SupportSettings,
)

# ---- settings and services ----------------------------------------------------------------------


def support_settings(hub: Hub) -> SupportSettings:
    """The hub's settings, or the defaults (unsaved) when the hub has never changed them."""
    found = SupportSettings.objects.filter(hub=hub).first()
    return found if found is not None else SupportSettings(hub=hub)


def support_services(hub: Hub, *, active_only: bool = True) -> QuerySet[SupportService]:
    qs = SupportService.objects.filter(hub=hub).prefetch_related("steps", "exclusions")
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("name", "id")


def self_referral_services(hub: Hub) -> QuerySet[SupportService]:
    """What the public self-referral form offers."""
    return support_services(hub).filter(takes_self_referrals=True)


def get_support_service(service_id: Any, *, hub: Hub) -> SupportService | None:
    try:
        pk = int(service_id)
    except (TypeError, ValueError, OverflowError):
        return None
    return support_services(hub, active_only=False).filter(pk=pk).first()


# ---- matching people ----------------------------------------------------------------------------


def _name_key(name: str) -> str:
    return " ".join((name or "").lower().split())


@dataclass(frozen=True)
class Match:
    person: Person
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Matching:
    """`exact` is safe to link at once; `possible` are shown to staff to choose from."""

    exact: Person | None
    how: str
    possible: list[Match]


def find_matches(
    *,
    hub: Hub,
    full_name: str,
    date_of_birth: date | None = None,
    postcode: str = "",
    nhs_number: str = "",
) -> Matching:
    """An existing person for these details: the same NHS number, or the same name, date of birth and
    postcode. Weaker likenesses (two of the three, or the same surname and date of birth) are possible
    duplicates for a person to judge. One query."""
    nhs = normalise_nhs_number(nhs_number)
    code = normalise_postcode(postcode)
    name = _name_key(full_name)
    surname = name.split(" ")[-1] if name else ""
    wanted = Q(pk__in=[])
    if nhs:
        wanted |= Q(nhs_number=nhs)
    if date_of_birth:
        wanted |= Q(date_of_birth=date_of_birth)
    if code:
        wanted |= Q(postcode=code)
    if surname:
        wanted |= Q(full_name__iendswith=surname)
    candidates = list(Person.objects.filter(hub=hub).filter(wanted).order_by("full_name", "id")[:200])
    exact: Person | None = None
    how = ""
    possible: list[Match] = []
    for person in candidates:
        same_name = _name_key(person.full_name) == name or _name_key(person.preferred_name) == name
        same_dob = date_of_birth is not None and person.date_of_birth == date_of_birth
        same_postcode = bool(code) and person.postcode == code
        if nhs and person.nhs_number == nhs:
            if exact is None:
                exact, how = person, "NHS number"
            continue
        if same_name and same_dob and same_postcode and exact is None and not (nhs and person.nhs_number):
            # A different NHS number on record means a different person, whatever else matches.
            exact, how = person, "name, date of birth and postcode"
            continue
        reasons = []
        if same_name:
            reasons.append("same name")
        if same_dob:
            reasons.append("same date of birth")
        if same_postcode:
            reasons.append("same postcode")
        if not same_name and surname and _name_key(person.full_name).endswith(surname) and same_dob:
            reasons.append("same surname")
        if len(reasons) >= 2:
            possible.append(Match(person=person, reasons=tuple(reasons)))
    possible = [m for m in possible if exact is None or m.person.pk != exact.pk]
    return Matching(exact=exact, how=how, possible=possible)


def possible_duplicates(referral: Referral) -> Matching:
    """The person records a referral might be about, for staff to choose from before creating one."""
    return find_matches(
        hub=referral.hub,
        full_name=referral.full_name,
        date_of_birth=referral.date_of_birth,
        postcode=referral.postcode,
        nhs_number=referral.nhs_number,
    )


# ---- eligibility --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleResult:
    """One eligibility rule for one referral. `passed` is None when the referral does not say
    enough to tell (no date of birth, say): triage asks rather than guesses."""

    rule: str
    passed: bool | None
    detail: str
    redirect_to: str = ""
    redirect_service_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "passed": self.passed,
            "detail": self.detail,
            "redirect_to": self.redirect_to,
            "redirect_service_id": self.redirect_service_id,
        }


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def check_eligibility(referral: Referral, *, on: date | None = None) -> list[RuleResult]:
    """Each of the service's rules against the referral, in a fixed order: age, area, GP practice,
    then every exclusion. Rules the service does not set are left out."""
    service = referral.service
    day = on or timezone.localdate()
    results: list[RuleResult] = []
    born = referral.date_of_birth or (referral.person.date_of_birth if referral.person else None)
    if service.min_age is not None or service.max_age is not None:
        low = service.min_age if service.min_age is not None else 0
        wanted = f"{low}–{service.max_age}" if service.max_age is not None else f"{low} or over"
        if born is None:
            results.append(RuleResult("Age", None, f"Takes people aged {wanted}; no date of birth given."))
        else:
            age = age_on(born, day)
            ok = age >= low and (service.max_age is None or age <= service.max_age)
            results.append(RuleResult("Age", ok, f"Aged {age}; takes people aged {wanted}."))
    if service.postcode_districts:
        districts = sorted({str(d).upper() for d in service.postcode_districts})
        code = referral.postcode or (referral.person.postcode if referral.person else "")
        district = postcode_district(code)
        covered = ", ".join(districts)
        if not district:
            results.append(RuleResult("Area", None, f"Covers {covered}; no postcode given."))
        else:
            results.append(
                RuleResult("Area", district in districts, f"Lives in {district}; covers {covered}.")
            )
    if service.gp_practices:
        practices = [str(p) for p in service.gp_practices]
        given = referral.gp_practice.strip()
        if not given:
            results.append(RuleResult("GP practice", None, "No GP practice given."))
        else:
            ok = given.lower() in {p.lower() for p in practices}
            results.append(
                RuleResult(
                    "GP practice",
                    ok,
                    f"Registered at {given}; "
                    + ("covered." if ok else "not a practice this service covers."),
                )
            )
    flagged = {str(x) for x in referral.flagged_exclusions}
    for exclusion in service.exclusions.all():
        hit = str(exclusion.pk) in flagged
        results.append(
            RuleResult(
                f"Not for: {exclusion.label}",
                not hit,
                f"Flagged: {exclusion.label}." if hit else "Not flagged.",
                redirect_to=exclusion.redirect_to if hit else "",
                redirect_service_id=str(exclusion.redirect_service_id or "") if hit else "",
            )
        )
    return results


def eligibility_summary(results: Sequence[RuleResult]) -> str:
    if any(r.passed is False for r in results):
        return "fails"
    if any(r.passed is None for r in results):
        return "unknown"
    return "passes"


# ---- referrals ----------------------------------------------------------------------------------


def _referral_list(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    return qs.select_related("service", "person", "worker", "current_step", "referrer_person")


def referrals_in_hub(
    hub: Hub,
    *,
    status: str = "",
    source: str = "",
    service: SupportService | None = None,
    urgency: str = "",
) -> QuerySet[Referral]:
    qs = Referral.objects.filter(hub=hub)
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    if service is not None:
        qs = qs.filter(service=service)
    if urgency:
        qs = qs.filter(urgency=urgency)
    return _referral_list(qs).order_by("-received_at", "-id")


def triage_queue(hub: Hub) -> QuerySet[Referral]:
    """Referrals waiting for a decision: urgent first, then oldest first."""
    urgency_order = {"urgent": 0, "soon": 1, "routine": 2}
    qs = _referral_list(Referral.objects.filter(hub=hub, status=Referral.Status.RECEIVED))
    rank = Case(
        *[When(urgency=k, then=Value(v)) for k, v in urgency_order.items()],
        default=Value(3),
        output_field=IntegerField(),
    )
    return qs.annotate(urgency_rank=rank).order_by("urgency_rank", "received_at", "id")


def referral_detail(referral_id: int) -> Referral:
    """A referral with everything its page shows."""
    return (
        Referral.objects.select_related(
            "hub",
            "service",
            "person",
            "worker",
            "current_step",
            "referrer_person",
            "received_by",
            "decided_by",
        )
        .prefetch_related(
            "service__steps",
            "service__exclusions",
            Prefetch("assignments", queryset=Assignment.objects.select_related("step", "worker")),
            Prefetch("follow_ups", queryset=FollowUp.objects.order_by("due_on")),
            Prefetch("coded_events", queryset=_coded_events()),
            "referrer_messages",
        )
        .get(pk=referral_id)
    )


def referral_page(actor: Actor, referral_id: int) -> dict[str, Any]:
    """What a referral's page shows this actor, by the names its templates use: the referral, its
    onward referrals and reasons; for support staff also eligibility, possible duplicates, sessions,
    conversations and plans. The forms on the page are the view's to build."""
    referral = referral_detail(referral_id)
    staff = permissions.is_support_staff(actor)
    page: dict[str, Any] = {
        "referral": referral,
        "staff": staff,
        "onward": onward_referrals_for(referral),
        "reasons": [Reason(r).label for r in referral.reasons if r in Reason.values],
    }
    if not staff:
        return page
    results = check_eligibility(referral)
    return page | {
        "results": results,
        "summary": eligibility_summary(results),
        "matching": possible_duplicates(referral) if referral.person is None else None,
        "sessions": sessions_for(actor, referral),
        "sessions_used": sessions_used(referral),
        "conversations": referral.conversations.order_by("-held_on", "-id"),
        "plans": plans_for(referral.person) if referral.person else [],
        "questionnaires": questionnaires_for(referral),
    }


@dataclass(frozen=True)
class Questionnaire:
    moment: str  # "At the start", "At 4 months"
    name: str
    url: str


def questionnaires_for(referral: Referral) -> list[Questionnaire]:
    """The outcome questionnaires to fill in with this person at the start of their support and at each
    follow-up, from whichever app provides them (support/instruments.py); none before a referral is
    accepted and linked to a person, or when no provider is installed."""
    if referral.person_id is None or referral.status not in (
        Referral.Status.ACCEPTED,
        Referral.Status.CLOSED,
    ):
        return []
    moments = [("At the start", instruments.baseline())] + [
        (f"At {f.months} months", instruments.follow_up(f.months)) for f in referral.follow_ups.all()
    ]
    out = []
    for label, moment in moments:
        for instrument in instruments.instruments_for(hub=referral.hub, moment=moment):
            url = instrument.url
            if url:
                url += ("&" if "?" in url else "?") + f"person={referral.person_id}"
            out.append(Questionnaire(moment=label, name=instrument.name, url=url))
    return out


def _coded_events() -> QuerySet[CodedEvent]:
    return CodedEvent.objects.select_related("code").order_by("at", "id")


def referrals_for_person(person: Person) -> QuerySet[Referral]:
    return _referral_list(Referral.objects.filter(person=person)).order_by("-received_at", "-id")


@dataclass(frozen=True)
class ReferrerView:
    """What a referrer sees of a referral they made: its status, and the outcome only when the person
    consents to the referrer being told."""

    id: int
    received_at: datetime
    service: str
    name: str
    status: str
    status_label: str
    outcome: str


def referrals_for_referrer(actor: Actor) -> list[ReferrerView]:
    """The referrals this referrer made, newest first; nobody else's. Two queries."""
    if actor.person is None or not actor.has(Role.REFERRER):
        return []
    referrals = list(
        _referral_list(Referral.objects.filter(hub=actor.hub, referrer_person=actor.person)).order_by(
            "-received_at", "-id"
        )[:500]
    )
    allowed = report_back_allowed(referrals)
    views = []
    for r in referrals:
        outcome = ""
        if allowed[r.pk]:
            outcome = r.close_summary or r.redirected_to or r.decision_reason
        views.append(
            ReferrerView(
                id=r.pk,
                received_at=r.received_at,
                service=r.service.name,
                name=r.full_name,
                status=r.status,
                status_label=r.get_status_display(),
                outcome=outcome,
            )
        )
    return views


def report_back_allowed(referrals: Sequence[Referral]) -> dict[int, bool]:
    """Whether each referral's referrer may be told what happened. The answer given with the referral
    holds, unless the linked person has answered since (a later "no" is a withdrawal). One query."""
    person_ids = {r.person_id for r in referrals if r.person_id}
    events: dict[int, list[ConsentEvent]] = defaultdict(list)
    if person_ids:
        for event in ConsentEvent.objects.filter(
            person_id__in=person_ids, purpose=ConsentPurpose.SHARE_WITH_REFERRER
        ).order_by("-recorded_at", "-id"):
            events[event.person_id].append(event)
    answer: dict[int, bool] = {}
    for r in referrals:
        latest = next((e for e in events.get(r.person_id or 0, []) if e.recorded_at >= r.received_at), None)
        answer[r.pk] = latest.granted if latest is not None else r.consent_to_report_back
    return answer


def may_report_back(referral: Referral) -> bool:
    return report_back_allowed([referral])[referral.pk]


# ---- caseloads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseloadRow:
    referral: Referral
    last_contact: date | None
    sessions_used: int
    session_cap: int | None

    @property
    def person(self) -> Person:
        assert self.referral.person is not None  # noqa: S101 - accepted referrals always have one
        return self.referral.person

    @property
    def at_cap(self) -> bool:
        return self.session_cap is not None and self.sessions_used >= self.session_cap


@dataclass(frozen=True)
class Caseload:
    worker: Person
    rows: list[CaseloadRow]
    limit: int

    @property
    def size(self) -> int:
        return len(self.rows)

    @property
    def over_limit(self) -> bool:
        return self.size > self.limit

    @property
    def warning(self) -> str:
        if not self.over_limit:
            return ""
        return (
            f"{self.worker.display_name} holds {self.size} people, more than the hub's limit of {self.limit}."
        )


def _with_session_counts(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    at_step = SupportSession.objects.filter(referral=OuterRef("pk"), step=OuterRef("current_step"))
    return qs.annotate(
        last_contact=Max("sessions__held_on"),
        sessions_at_step=Subquery(
            at_step.order_by().values("referral").annotate(n=Count("id")).values("n")[:1]
        ),
    )


def caseload(worker: Person) -> Caseload:
    """The worker's people: last contact, next action, sessions used against the step's cap. Two queries."""
    qs = _with_session_counts(
        Referral.objects.filter(worker=worker, status=Referral.Status.ACCEPTED).select_related(
            "person", "service", "current_step"
        )
    ).order_by("next_action_on", "person__full_name", "id")
    rows = [
        CaseloadRow(
            referral=r,
            last_contact=r.last_contact,  # type: ignore[attr-defined]
            sessions_used=r.sessions_at_step or 0,  # type: ignore[attr-defined]
            session_cap=r.current_step.session_cap if r.current_step else None,
        )
        for r in qs
    ]
    limit = support_settings(worker.hub).caseload_limit
    return Caseload(worker=worker, rows=rows, limit=limit)


@dataclass(frozen=True)
class CaseloadSize:
    worker: Person
    size: int
    limit: int

    @property
    def over_limit(self) -> bool:
        return self.size > self.limit


def caseload_sizes(hub: Hub) -> list[CaseloadSize]:
    """Every worker in the hub with how many people they hold, busiest first. Two queries."""
    limit = support_settings(hub).caseload_limit
    workers = (
        Person.objects.filter(hub=hub, role_grants__role__in=permissions.SUPPORT_STAFF)
        .distinct()
        .annotate(size=Count("caseload", filter=Q(caseload__status=Referral.Status.ACCEPTED), distinct=True))
        .order_by("-size", "full_name", "id")
    )
    return [CaseloadSize(worker=w, size=w.size, limit=limit) for w in workers]  # type: ignore[attr-defined]


def workers_for_step(hub: Hub, role: str) -> QuerySet[Person]:
    """People who may take a step of a pathway (they hold its role in the hub)."""
    return Person.objects.filter(hub=hub, role_grants__role=role).distinct().order_by("full_name", "id")


def hand_over_choices(referral: Referral, *, hub: Hub) -> tuple[QuerySet[PathwayStep], QuerySet[Person]]:
    """Where a referral may be handed over: its current step or a later one, to the hub's support staff
    by name."""
    steps = referral.service.steps.filter(
        position__gte=referral.current_step.position if referral.current_step else 0
    )
    workers = Person.objects.filter(hub=hub, role_grants__role__in=permissions.SUPPORT_STAFF).distinct()
    return steps, workers.order_by("full_name")


# ---- sessions and conversations -----------------------------------------------------------------


@dataclass(frozen=True)
class SessionView:
    session: SupportSession
    notes: str
    notes_hidden: bool


def sessions_for(actor: Actor, referral: Referral) -> list[SessionView]:
    """The referral's sessions with the notes this actor may read; sensitive notes are hidden from
    everyone but coordinators and the person's own workers. Two queries."""
    sensitive_ok = permissions.can_view_sensitive_notes(actor, referral)
    sessions = SupportSession.objects.filter(referral=referral).select_related("step", "worker")
    out = []
    for s in sessions.order_by("held_on", "id"):
        notes = permissions.visible_notes(actor, s, sensitive_ok=sensitive_ok)
        out.append(SessionView(session=s, notes=notes, notes_hidden=bool(s.notes) and notes != s.notes))
    return out


def sessions_used(referral: Referral) -> int:
    if referral.current_step_id is None:
        return 0
    return SupportSession.objects.filter(referral=referral, step_id=referral.current_step_id).count()


def conversations_for(person: Person) -> QuerySet[Conversation]:
    return Conversation.objects.filter(person=person).select_related("referral", "recorded_by")


# ---- plans --------------------------------------------------------------------------------------


def plans_for(person: Person) -> list[Plan]:
    """The person's plans, each with `latest` (its newest version, or None). Two queries."""
    plans = list(
        Plan.objects.filter(person=person)
        .prefetch_related(Prefetch("versions", queryset=PlanVersion.objects.order_by("-number")))
        .order_by("kind")
    )
    for plan in plans:
        versions = list(plan.versions.all())
        plan.latest = versions[0] if versions else None  # type: ignore[attr-defined]
    return plans


def plan_of_kind(person: Person, kind: str) -> Plan | None:
    return Plan.objects.filter(person=person, kind=kind).first()


def latest_version(plan: Plan) -> PlanVersion | None:
    return PlanVersion.objects.filter(plan=plan).order_by("-number").first()


def plan_history(plan: Plan) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(plan=plan).select_related("created_by").order_by("-number")


def plan_version(plan: Plan, number: int) -> PlanVersion | None:
    return PlanVersion.objects.filter(plan=plan, number=number).first()


def supporters_of(plan: Plan) -> QuerySet[PlanSupporter]:
    return PlanSupporter.objects.filter(plan=plan, removed_at__isnull=True).select_related("peer")


def crisis_plans_for_peer(actor: Actor, *, at: datetime | None = None) -> list[Plan]:
    """Crisis plans this peer may open right now (named, consented, on call); empty otherwise."""
    if not permissions.is_on_call(actor, at=at) or actor.person is None:
        return []
    plans = list(
        Plan.objects.filter(
            kind=Plan.Kind.CRISIS,
            person__hub=actor.hub,
            supporters__peer=actor.person,
            supporters__removed_at__isnull=True,
        )
        .select_related("person")
        .distinct()
        .order_by("person__full_name", "id")
    )
    consent = _consent_now([p.person for p in plans], ConsentPurpose.SHARE_PLANS)
    return [p for p in plans if consent.get(p.person_id, False)]


def _consent_now(people: Iterable[Person], purpose: str) -> dict[int, bool]:
    """The latest answer per person for one purpose, in one query (has_consent asks one at a time)."""
    ids = {p.pk for p in people}
    answers: dict[int, bool] = {}
    for person_id, granted in (
        ConsentEvent.objects.filter(person_id__in=ids, purpose=purpose)
        .order_by("person_id", "-recorded_at", "-id")
        .values_list("person_id", "granted")
    ):
        answers.setdefault(person_id, granted)
    return answers


def on_call_now(hub: Hub, *, at: datetime | None = None) -> QuerySet[OnCallPeriod]:
    now = at or timezone.now()
    return (
        OnCallPeriod.objects.filter(hub=hub, starts_at__lte=now, ends_at__gt=now, cancelled_at__isnull=True)
        .select_related("peer")
        .order_by("ends_at", "id")
    )


def on_call_rota(hub: Hub, *, start: datetime, end: datetime) -> QuerySet[OnCallPeriod]:
    return (
        OnCallPeriod.objects.filter(hub=hub, ends_at__gt=start, starts_at__lt=end, cancelled_at__isnull=True)
        .select_related("peer")
        .order_by("starts_at", "id")
    )


# ---- onward referrals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OnwardView:
    onward: OnwardReferral
    service: DirectoryService | None

    @property
    def service_name(self) -> str:
        return self.service.name if self.service is not None else "A service no longer in the directory"


def _directory_services(hub: Hub, ids: Iterable[UUID]) -> dict[UUID, DirectoryService]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {s.id: s for s in services_for_hub(hub, include_retired=True).filter(id__in=wanted)}


def onward_referrals_for(referral: Referral) -> list[OnwardView]:
    """The referral's onward referrals with their directory services (looked up, never copied)."""
    onwards = list(
        OnwardReferral.objects.filter(referral=referral)
        .prefetch_related("updates")
        .order_by("created_at", "id")
    )
    services = _directory_services(referral.hub, (o.directory_service_id for o in onwards))
    return [OnwardView(onward=o, service=services.get(o.directory_service_id)) for o in onwards]


def onward_service_name(referral: Referral, onward: OnwardReferral) -> str:
    """The name of the directory service an onward referral is to, as the referral's page shows it."""
    return next((v.service_name for v in onward_referrals_for(referral) if v.onward.pk == onward.pk), "")


def onward_not_completed(hub: Hub) -> list[OnwardView]:
    """Closing the loop: onward referrals where the person did not go or it did not suit them. Three
    queries."""
    onwards = list(
        OnwardReferral.objects.filter(referral__hub=hub, status__in=OnwardReferral.NOT_COMPLETED)
        .select_related("referral", "referral__person", "referral__worker")
        .order_by("-updated_at", "-id")
    )
    services = _directory_services(hub, (o.directory_service_id for o in onwards))
    return [OnwardView(onward=o, service=services.get(o.directory_service_id)) for o in onwards]


# ---- follow-ups ---------------------------------------------------------------------------------


def follow_ups_due(
    hub: Hub, *, until: date | None = None, worker: Person | None = None
) -> QuerySet[FollowUp]:
    """Follow-ups still to do, due on or before `until` (default today), oldest first."""
    day = until or timezone.localdate()
    qs = FollowUp.objects.filter(referral__hub=hub, status=FollowUp.Status.DUE, due_on__lte=day)
    if worker is not None:
        qs = qs.filter(referral__worker=worker)
    return qs.select_related(
        "referral", "referral__person", "referral__worker", "referral__service"
    ).order_by("due_on", "id")


def reminders_to_send(*, until: date) -> QuerySet[FollowUp]:
    """Across every hub: follow-ups due by `until` whose reminder has not gone yet."""
    return (
        FollowUp.objects.filter(status=FollowUp.Status.DUE, due_on__lte=until, reminder_sent_at__isnull=True)
        .exclude(referral__status__in=[Referral.Status.DECLINED, Referral.Status.REDIRECTED])
        .select_related(
            "referral", "referral__hub", "referral__person", "referral__worker", "referral__service"
        )
        .order_by("due_on", "id")
    )


# ---- reports ------------------------------------------------------------------------------------


@dataclass
class Report:
    """Aggregate figures, never a name. With `exact` False every count is a string with small numbers
    shown as "fewer than 5"."""

    exact: bool
    referrals: object = 0
    by_source: list[tuple[str, object]] = field(default_factory=list)
    by_reason: list[tuple[str, object]] = field(default_factory=list)
    by_outcome: list[tuple[str, object]] = field(default_factory=list)
    days_to_first_contact_median: float | None = None
    days_to_first_contact_count: object = 0
    sessions_per_person_mean: float | None = None
    onward_total: object = 0
    onward_completed: object = 0
    onward_not_completed: object = 0
    caseload_sizes: list[object] = field(default_factory=list)


def support_report(hub: Hub, *, exact: bool, start: date | None = None, end: date | None = None) -> Report:
    """Referrals by source, reason and outcome; days from referral to first contact; sessions per
    person; onward-referral completion; caseload sizes. A fixed number of queries.

    Averages are only given over five or more people when `exact` is False: a median of two people's
    waits is as identifying as the count."""
    qs = Referral.objects.filter(hub=hub)
    if start:
        qs = qs.filter(received_at__date__gte=start)
    if end:
        qs = qs.filter(received_at__date__lte=end)

    def show(n: int) -> object:
        return n if exact else suppress(n)

    rows = list(
        qs.annotate(first_contact=Min("sessions__held_on")).values(
            "source", "reasons", "status", "received_at", "first_contact", "person_id"
        )
    )
    by_source = Counter(r["source"] for r in rows)
    by_reason: Counter[str] = Counter()
    for r in rows:
        by_reason.update(set(r["reasons"] or []))
    by_status = Counter(r["status"] for r in rows)

    waits = [
        (r["first_contact"] - timezone.localtime(r["received_at"]).date()).days
        for r in rows
        if r["first_contact"] is not None
    ]
    report = Report(exact=exact, referrals=show(len(rows)))
    report.by_source = [(s.label, show(by_source.get(s.value, 0))) for s in Source]
    report.by_reason = [(s.label, show(by_reason.get(s.value, 0))) for s in Reason]
    report.by_outcome = [(s.label, show(by_status.get(s.value, 0))) for s in Referral.Status]
    enough = exact or len(waits) >= SMALL_NUMBER
    report.days_to_first_contact_count = show(len(waits))
    report.days_to_first_contact_median = float(statistics.median(waits)) if waits and enough else None

    per_person = list(
        SupportSession.objects.filter(referral__in=qs.values("pk"))
        .values("referral__person_id")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    if per_person and (exact or len(per_person) >= SMALL_NUMBER):
        report.sessions_per_person_mean = round(statistics.mean(per_person), 1)

    onward = Counter(
        OnwardReferral.objects.filter(referral__in=qs.values("pk")).values_list("status", flat=True)
    )
    report.onward_total = show(sum(onward.values()))
    report.onward_completed = show(sum(onward.get(s, 0) for s in OnwardReferral.COMPLETED))
    report.onward_not_completed = show(sum(onward.get(s, 0) for s in OnwardReferral.NOT_COMPLETED))
    sizes = caseload_sizes(hub)
    if exact:
        report.caseload_sizes = [(c.worker.display_name, c.size, c.over_limit) for c in sizes]
    else:
        # Outside the team: how many workers hold how many, never who.
        report.caseload_sizes = [suppress(c.size) for c in sizes]
    return report
