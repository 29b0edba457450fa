"""Every read the course, group and volunteer pages need, with related rows fetched up front."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import Hub
from core.roles import Role
from directory.models import Location
from groups.models import (
    Attendance,
    BackgroundCheck,
    CourseRun,
    DevelopmentDay,
    Enrolment,
    Facilitator,
    Group,
    GroupMeeting,
    NominatedIssue,
    OnCallAvailability,
    OnCallCredit,
    RotaSettings,
    Session,
    Supervision,
    TrainingRecord,
    VolunteerApplication,
    VolunteerHours,
    VolunteerRole,
)
from people.models import Person
from people.queries import suppress
from support.models import OnCallPeriod, Plan
from support.queries import on_call_rota

EXPIRY_WARNING_DAYS = 60

# ---- places --------------------------------------------------------------------------------------


def places_for_hub(hub: Hub) -> QuerySet[Location]:
    """Directory locations a hub may hold sessions at: its own, and those of services shared with it."""
    from directory.queries import services_for_hub

    shared = services_for_hub(hub).values("service_at_locations__location_id")
    return (
        Location.objects.filter(Q(hub=hub) | Q(pk__in=shared))
        .exclude(location_type=Location.LocationType.POSTAL)
        .prefetch_related("addresses")
        .order_by("name", "id")
    )


def place_text(location: Location | None, online: bool) -> str:
    if online:
        return "Online"
    if location is None:
        return "Place to be confirmed"
    addresses = list(location.addresses.all())
    if addresses:
        a = addresses[0]
        return ", ".join(p for p in (location.name, a.address_1, a.city, a.postal_code) if p)
    return location.name or "Place to be confirmed"


# ---- runs ----------------------------------------------------------------------------------------


def _sessions_prefetch() -> Prefetch:
    return Prefetch(
        "sessions",
        queryset=Session.objects.select_related("location").prefetch_related("location__addresses"),
    )


def _facilitators_prefetch() -> Prefetch:
    return Prefetch("facilitators", queryset=Facilitator.objects.select_related("person"))


def _with_counts(qs: QuerySet[CourseRun]) -> QuerySet[CourseRun]:
    return qs.annotate(
        enrolled_count=Count(
            "enrolments", filter=Q(enrolments__status=Enrolment.Status.ENROLLED), distinct=True
        ),
        waiting_count=Count(
            "enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITING), distinct=True
        ),
    )


def prospectus(hub: Hub) -> list[CourseRun]:
    """Published runs that have not finished, by term and first session; each with its course,
    sessions (and places), co-facilitators and the places taken."""
    now = timezone.now()
    upcoming = Session.objects.filter(run=OuterRef("pk"), ends_at__gt=now)
    first = Session.objects.filter(run=OuterRef("pk")).order_by("starts_at").values("starts_at")[:1]
    qs = (
        _with_counts(CourseRun.objects.filter(hub=hub, status=CourseRun.Status.PUBLISHED))
        .filter(Exists(upcoming))
        .annotate(first_session=Subquery(first))
        .select_related("course", "term")
        .prefetch_related(_sessions_prefetch(), _facilitators_prefetch(), "course__designers")
        .order_by("term__starts_on", "first_session", "id")
    )
    return list(qs)


def run_detail(run_id: int) -> CourseRun | None:
    return (
        _with_counts(CourseRun.objects.filter(pk=run_id))
        .select_related("course", "term", "hub")
        .prefetch_related(
            _sessions_prefetch(),
            _facilitators_prefetch(),
            Prefetch("course__designers", queryset=_designers()),
        )
        .first()
    )


def _designers():
    from groups.models import CoDesigner

    return CoDesigner.objects.select_related("person")


def runs_to_manage(hub: Hub) -> QuerySet[CourseRun]:
    """Every run in the hub, newest first, for the coordinator's list."""
    first = Session.objects.filter(run=OuterRef("pk")).order_by("starts_at").values("starts_at")[:1]
    return (
        _with_counts(CourseRun.objects.filter(hub=hub))
        .annotate(first_session=Subquery(first), session_count=Count("sessions", distinct=True))
        .select_related("course", "term")
        .prefetch_related(_facilitators_prefetch())
        .order_by("-created_at", "-id")
    )


def runs_facilitated_by(person: Person) -> QuerySet[CourseRun]:
    return (
        CourseRun.objects.filter(facilitators__person=person)
        .exclude(status=CourseRun.Status.CANCELLED)
        .select_related("course")
        .prefetch_related(_sessions_prefetch())
        .order_by("-created_at")
        .distinct()
    )


def own_enrolment(run: CourseRun, person: Person | None) -> Enrolment | None:
    if person is None:
        return None
    return (
        run.enrolments.filter(person=person, status__in=[Enrolment.Status.ENROLLED, Enrolment.Status.WAITING])
        .order_by("-id")
        .first()
    )


def waiting_position(enrolment: Enrolment) -> int | None:
    """1 for the first person waiting, and so on; None for someone with a place."""
    if enrolment.status != Enrolment.Status.WAITING:
        return None
    ahead = Enrolment.objects.filter(
        run_id=enrolment.run_id, status=Enrolment.Status.WAITING, id__lt=enrolment.pk
    )
    return ahead.count() + 1


def _attended_counts(qs: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    present = Attendance.objects.filter(enrolment=OuterRef("pk"), present=True).values("enrolment")
    sessions = Session.objects.filter(run=OuterRef("run")).values("run")
    return qs.annotate(
        attended=Coalesce(
            Subquery(present.annotate(n=Count("id")).values("n")[:1], output_field=IntegerField()), 0
        ),
        session_total=Coalesce(
            Subquery(sessions.annotate(n=Count("id")).values("n")[:1], output_field=IntegerField()), 0
        ),
    )


def students(run: CourseRun) -> list[Enrolment]:
    """Students with a place, then the waiting list in order; each with sessions attended."""
    qs = _attended_counts(
        run.enrolments.filter(
            status__in=[Enrolment.Status.ENROLLED, Enrolment.Status.WAITING]
        ).select_related("person")
    ).order_by("status", "id")
    return list(qs)


@dataclass
class Completion:
    attended: int
    total: int
    percent_needed: int

    @property
    def needed(self) -> int:
        """Sessions needed: the percentage of the run's sessions, rounded up."""
        return -(-self.total * self.percent_needed // 100)

    @property
    def completed(self) -> bool:
        return self.total > 0 and self.attended >= self.needed


def completion(enrolment: Enrolment) -> Completion:
    """The completion rule: a student with a place who attended at least the course's percentage of
    the run's sessions (75% unless the course says otherwise) has completed it."""
    total = enrolment.run.sessions.count()
    attended = (
        enrolment.attendance.filter(present=True).count()
        if enrolment.status == Enrolment.Status.ENROLLED
        else 0
    )
    return Completion(attended=attended, total=total, percent_needed=enrolment.run.course.completion_percent)


def my_enrolments(person: Person) -> list[Enrolment]:
    qs = _attended_counts(
        Enrolment.objects.filter(person=person)
        .exclude(status=Enrolment.Status.CANCELLED)
        .select_related("run__course", "run__term")
        .prefetch_related(Prefetch("run__sessions", queryset=Session.objects.select_related("location")))
    ).order_by("-id")
    enrolments = list(qs)
    for e in enrolments:
        e.completion = Completion(  # type: ignore[attr-defined]
            attended=e.attended if e.status == Enrolment.Status.ENROLLED else 0,  # type: ignore[attr-defined]
            total=e.session_total,  # type: ignore[attr-defined]
            percent_needed=e.run.course.completion_percent,
        )
    return enrolments


@dataclass
class RegisterLine:
    enrolment: Enrolment
    present: bool | None


def register(session: Session) -> list[RegisterLine]:
    """Students with a place on the session's run, by name, with what the register says so far."""
    marks = dict(session.attendance.values_list("enrolment_id", "present"))
    enrolments = (
        session.run.enrolments.filter(status=Enrolment.Status.ENROLLED)
        .select_related("person")
        .order_by("person__full_name", "id")
    )
    return [RegisterLine(enrolment=e, present=marks.get(e.pk)) for e in enrolments]


# ---- groups --------------------------------------------------------------------------------------


def groups_for_hub(hub: Hub, *, active_only: bool = True) -> QuerySet[Group]:
    last = GroupMeeting.objects.filter(group=OuterRef("pk"), starts_at__lte=timezone.now()).order_by(
        "-starts_at"
    )
    qs = Group.objects.filter(hub=hub)
    if active_only:
        qs = qs.filter(active=True)
    return (
        qs.select_related("lead", "service")
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__left_at__isnull=True), distinct=True),
            last_attended=Subquery(last.values("attended")[:1]),
        )
        .order_by("name", "id")
    )


def group_members(group: Group) -> QuerySet[Person]:
    return Person.objects.filter(
        group_memberships__group=group, group_memberships__left_at__isnull=True
    ).order_by("full_name", "id")


def group_meetings(group: Group, *, limit: int = 20) -> list[GroupMeeting]:
    return list(
        group.meetings.select_related("location")
        .prefetch_related("location__addresses")
        .order_by("-starts_at", "-id")[:limit]
    )


def is_member(group: Group, person: Person | None) -> bool:
    return person is not None and group.memberships.filter(person=person, left_at__isnull=True).exists()


# ---- volunteers ----------------------------------------------------------------------------------


@dataclass
class Warning:
    person: Person
    what: str
    on: date
    expired: bool


def expiry_warnings(hub: Hub, *, within_days: int = EXPIRY_WARNING_DAYS) -> list[Warning]:
    """Background checks and training that have expired or expire within `within_days`, soonest
    first. Only each person's latest check of a kind counts: a renewed check clears the warning."""
    today = timezone.localdate()
    horizon = today + timedelta(days=within_days)
    newer_check = BackgroundCheck.objects.filter(
        person=OuterRef("person"), kind=OuterRef("kind"), expires_on__gt=OuterRef("expires_on")
    )
    checks = (
        BackgroundCheck.objects.filter(hub=hub, expires_on__lte=horizon)
        .exclude(Exists(newer_check))
        .select_related("person")
    )
    newer_training = TrainingRecord.objects.filter(
        person=OuterRef("person"), title=OuterRef("title"), completed_on__gt=OuterRef("completed_on")
    )
    training = (
        TrainingRecord.objects.filter(hub=hub, expires_on__isnull=False, expires_on__lte=horizon)
        .exclude(Exists(newer_training))
        .select_related("person")
    )
    warnings = [Warning(c.person, c.kind, c.expires_on, c.expires_on <= today) for c in checks]
    warnings += [
        Warning(t.person, f"Training: {t.title}", t.expires_on, t.expires_on <= today)
        for t in training
        if t.expires_on is not None
    ]
    return sorted(warnings, key=lambda w: (w.on, w.person.full_name))


def volunteer_roles(hub: Hub) -> QuerySet[VolunteerRole]:
    return VolunteerRole.objects.filter(hub=hub).annotate(
        waiting=Count("applications", filter=Q(applications__status=VolunteerApplication.Status.RECEIVED))
    )


def applications_to_decide(hub: Hub) -> QuerySet[VolunteerApplication]:
    return (
        VolunteerApplication.objects.filter(hub=hub, status=VolunteerApplication.Status.RECEIVED)
        .select_related("role", "person")
        .order_by("submitted_at", "id")
    )


def my_applications(person: Person) -> QuerySet[VolunteerApplication]:
    return person.volunteer_applications.select_related("role").order_by("-submitted_at")


def volunteer_record(person: Person) -> dict[str, object]:
    return {
        "checks": list(person.background_checks.all()),
        "training": list(person.training_records.all()),
        "supervisions": list(person.supervisions.select_related("supervisor")),
        "applications": list(my_applications(person)),
        "hours": list(person.volunteer_hours.select_related("role")[:20]),
        "total_minutes": person.volunteer_hours.aggregate(n=Coalesce(Sum("minutes"), 0))["n"],
    }


def development_days(hub: Hub) -> QuerySet[DevelopmentDay]:
    return DevelopmentDay.objects.filter(hub=hub).prefetch_related(
        Prefetch("agenda", queryset=NominatedIssue.objects.select_related("nominated_by"))
    )


def issues_waiting(hub: Hub) -> QuerySet[NominatedIssue]:
    return NominatedIssue.objects.filter(hub=hub, day__isnull=True).select_related("nominated_by")


# ---- reports -------------------------------------------------------------------------------------


@dataclass
class RunFigures:
    title: str
    enrolled: str
    waiting: str
    completed: str
    attendance_rate: str


@dataclass
class Report:
    start: date
    end: date
    suppressed: bool
    enrolments: str = "0"
    completions: str = "0"
    attendance_rate: str = "no sessions"
    sessions: int = 0
    co_facilitated_share: str = "no sessions"
    waiting: str = "0"
    volunteer_hours: str = "0"
    runs: list[RunFigures] = field(default_factory=list)


def _count(n: int, hide: bool) -> str:
    return suppress(n) if hide else str(n)


def _rate(part: int, whole: int, hide: bool) -> str:
    if whole == 0:
        return "no sessions"
    if hide and 0 < whole < 5:
        return "too few to show"
    return f"{round(100 * part / whole)}%"


def report(hub: Hub, *, start: date, end: date, suppressed: bool) -> Report:
    """Figures for runs whose sessions fall between `start` and `end` (inclusive). With `suppressed`,
    counts of people below 5 read "fewer than 5" and rates over fewer than 5 are not shown."""
    out = Report(start=start, end=end, suppressed=suppressed)
    in_period = Q(starts_at__date__gte=start, starts_at__date__lte=end)
    sessions = Session.objects.filter(in_period, run__hub=hub).exclude(run__status=CourseRun.Status.CANCELLED)
    peer = Facilitator.objects.filter(run=OuterRef("run"), kind=Facilitator.Kind.PEER_TRAINER)
    practitioner = Facilitator.objects.filter(run=OuterRef("run"), kind=Facilitator.Kind.PRACTITIONER)
    session_rows = sessions.annotate(both=Exists(peer) & Exists(practitioner)).values_list("both", flat=True)
    flags = list(session_rows)
    out.sessions = len(flags)
    # Shares of sessions are not about people, so they are never suppressed.
    out.co_facilitated_share = _rate(sum(1 for f in flags if f), len(flags), False)

    marks = Attendance.objects.filter(
        session__run=OuterRef("pk"), session__starts_at__date__gte=start, session__starts_at__date__lte=end
    ).values("session__run")

    def marks_count(qs):
        return Coalesce(Subquery(qs.annotate(n=Count("id")).values("n")[:1], output_field=IntegerField()), 0)

    runs = (
        _attended_runs(hub, start, end)
        .select_related("course")
        .prefetch_related(Prefetch("enrolments", queryset=_attended_counts(Enrolment.objects.all())))
        .annotate(
            enrolled_total=Count(
                "enrolments", filter=Q(enrolments__status=Enrolment.Status.ENROLLED), distinct=True
            ),
            waiting_total=Count(
                "enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITING), distinct=True
            ),
            present_marks=marks_count(marks.filter(present=True)),
            recorded_marks=marks_count(marks),
        )
        .order_by("course__title", "id")
    )
    total_enrolled = total_waiting = total_completed = 0
    present = recorded = 0
    for run in runs:
        completed = 0
        for e in run.enrolments.all():
            if e.status != Enrolment.Status.ENROLLED:
                continue
            done = Completion(e.attended, e.session_total, run.course.completion_percent)  # type: ignore[attr-defined]
            completed += done.completed
        run_present = run.present_marks  # type: ignore[attr-defined]
        run_recorded = run.recorded_marks  # type: ignore[attr-defined]
        present += run_present
        recorded += run_recorded
        total_enrolled += run.enrolled_total  # type: ignore[attr-defined]
        total_waiting += run.waiting_total  # type: ignore[attr-defined]
        total_completed += completed
        out.runs.append(
            RunFigures(
                title=run.course.title,
                enrolled=_count(run.enrolled_total, suppressed),  # type: ignore[attr-defined]
                waiting=_count(run.waiting_total, suppressed),  # type: ignore[attr-defined]
                completed=_count(completed, suppressed),
                attendance_rate=_rate(run_present, run_recorded, suppressed),
            )
        )
    out.enrolments = _count(total_enrolled, suppressed)
    out.waiting = _count(total_waiting, suppressed)
    out.completions = _count(total_completed, suppressed)
    out.attendance_rate = _rate(present, recorded, suppressed)
    minutes = VolunteerHours.objects.filter(hub=hub, worked_on__gte=start, worked_on__lte=end).aggregate(
        n=Coalesce(Sum("minutes"), 0)
    )["n"]
    out.volunteer_hours = f"{minutes // 60}h {minutes % 60:02d}m"
    return out


def _attended_runs(hub: Hub, start: date, end: date) -> QuerySet[CourseRun]:
    within = Session.objects.filter(run=OuterRef("pk"), starts_at__date__gte=start, starts_at__date__lte=end)
    return CourseRun.objects.filter(hub=hub).exclude(status=CourseRun.Status.CANCELLED).filter(Exists(within))


# ---- on-call rota --------------------------------------------------------------------------------


def rota_settings(hub: Hub) -> RotaSettings:
    """The hub's cover hours; a hub that has not chosen any is asked to cover every hour (SUN's rota)."""
    found = RotaSettings.objects.filter(hub=hub).first()
    return found if found is not None else RotaSettings(hub=hub)


def week_start(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.get_current_timezone())


def _merged(periods: list[OnCallPeriod]) -> list[tuple[datetime, datetime]]:
    """The stretches of time at least one peer is on call, overlapping periods joined."""
    spans: list[tuple[datetime, datetime]] = []
    for start, end in sorted((p.starts_at, p.ends_at) for p in periods):
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


@dataclass(frozen=True)
class Gap:
    starts_at: datetime
    ends_at: datetime

    @property
    def hours(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 3600)


@dataclass
class RotaDay:
    day: date
    availability: list[OnCallAvailability] = field(default_factory=list)
    periods: list[OnCallPeriod] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


@dataclass
class WeekRota:
    start: date
    settings: RotaSettings
    days: list[RotaDay]
    hours_needed: int
    hours_covered: int
    credited: set[int]  # ids of on-call periods already credited to the time bank

    @property
    def gaps(self) -> list[Gap]:
        return [gap for day in self.days for gap in day.gaps]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=7)


def _hour_slots(day: date) -> list[tuple[datetime, datetime]]:
    """The day's hours as instants: 23 or 25 of them on the days the clocks change."""
    tz = timezone.get_current_timezone()
    start = _local_midnight(day).astimezone(UTC)
    end = _local_midnight(day + timedelta(days=1)).astimezone(UTC)
    slots = []
    while start < end:
        slots.append((start.astimezone(tz), (start + timedelta(hours=1)).astimezone(tz)))
        start += timedelta(hours=1)
    return slots


def gaps_in_cover(
    settings: RotaSettings, periods: list[OnCallPeriod], day: date
) -> tuple[list[Gap], int, int]:
    """The hours of `day` the hub wants covered with nobody on call for the whole hour, joined into
    runs, with the hours needed and the hours covered. An hour covered only in part is a gap: a member
    calling in the uncovered minutes would find nobody."""
    spans = _merged(periods)
    wanted = settings.hours_on(day.weekday())
    gaps: list[Gap] = []
    needed = covered = 0
    for start, end in _hour_slots(day):
        if start.hour not in wanted:
            continue
        needed += 1
        if any(s <= start and end <= e for s, e in spans):
            covered += 1
        elif gaps and gaps[-1].ends_at == start:
            gaps[-1] = Gap(gaps[-1].starts_at, end)
        else:
            gaps.append(Gap(start, end))
    return gaps, needed, covered


def week_rota(hub: Hub, *, start: date) -> WeekRota:
    """One week of the rota: each peer's availability, who is on call (support's periods), the gaps in
    the hub's cover, and which periods have been credited. Four queries whatever the size of the week."""
    settings = rota_settings(hub)
    begins, ends = _local_midnight(start), _local_midnight(start + timedelta(days=7))
    availability = list(
        OnCallAvailability.objects.filter(hub=hub, ends_at__gt=begins, starts_at__lt=ends)
        .select_related("peer")
        .order_by("starts_at", "id")
    )
    periods = list(on_call_rota(hub, start=begins, end=ends))
    credited = set(
        OnCallCredit.objects.filter(period__in=[p.pk for p in periods]).values_list("period_id", flat=True)
    )
    days, needed, covered = [], 0, 0
    for offset in range(7):
        day = start + timedelta(days=offset)
        day_begins, day_ends = _local_midnight(day), _local_midnight(day + timedelta(days=1))
        row = RotaDay(
            day=day,
            availability=[a for a in availability if a.ends_at > day_begins and a.starts_at < day_ends],
            periods=[p for p in periods if p.ends_at > day_begins and p.starts_at < day_ends],
        )
        row.gaps, day_needed, day_covered = gaps_in_cover(settings, row.periods, day)
        needed, covered = needed + day_needed, covered + day_covered
        days.append(row)
    return WeekRota(
        start=start,
        settings=settings,
        days=days,
        hours_needed=needed,
        hours_covered=covered,
        credited=credited,
    )


def my_availability(person: Person, *, since: datetime | None = None) -> QuerySet[OnCallAvailability]:
    return OnCallAvailability.objects.filter(peer=person, ends_at__gt=since or timezone.now()).order_by(
        "starts_at", "id"
    )


def peers(hub: Hub) -> QuerySet[Person]:
    """People who may be put on call: the hub's peer supporters."""
    return (
        Person.objects.filter(hub=hub, role_grants__role=Role.PEER_SUPPORTER)
        .distinct()
        .order_by("full_name", "id")
    )


def crisis_plans_in_hub(hub: Hub) -> QuerySet[Plan]:
    """Crisis plans the team may open when taking a call; support's rule decides each view."""
    return (
        Plan.objects.filter(kind=Plan.Kind.CRISIS, person__hub=hub)
        .select_related("person")
        .order_by("person__full_name", "id")
    )


def recent_volunteer_records(hub: Hub, *, limit: int = 20) -> dict[str, list]:
    """The latest checks, training, supervision and hours recorded in the hub, one query each."""
    return {
        "checks": list(BackgroundCheck.objects.filter(hub=hub).select_related("person")[:limit]),
        "training": list(TrainingRecord.objects.filter(hub=hub).select_related("person")[:limit]),
        "supervisions": list(
            Supervision.objects.filter(hub=hub).select_related("person", "supervisor")[:limit]
        ),
        "hours": list(VolunteerHours.objects.filter(hub=hub).select_related("person", "role")[:limit]),
    }
