"""Recovery college courses, community groups and volunteers (DOMAIN.md part 5).

A course is designed once (with its co-designers) and run many times; each run has its sessions,
its co-facilitators, its students and their attendance. Places refer to directory locations and a
group's page is a directory service: both are foreign keys to the directory's rows, never copies.
Who may publish a run, and what "completed" means, live in groups.services (decision 0010).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.models import Hub
from people.models import Person

# ---- prospectus ----------------------------------------------------------------------------------


class Term(models.Model):
    """A term of the prospectus (autumn, spring…): runs are listed under the term they start in."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="terms")
    name = models.CharField(max_length=100)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "name"], name="term_unique_name_in_hub"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="term_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    class Level(models.TextChoices):
        INTRODUCTION = "introduction", "Introduction: no experience needed"
        FURTHER = "further", "Further: builds on an introduction"
        IN_DEPTH = "in_depth", "In depth: for people who want to go further"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="courses")
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="What the course is about, in a few sentences.")
    # One outcome per line: "By the end you will…".
    learning_outcomes = models.TextField()
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.INTRODUCTION)
    session_count = models.PositiveSmallIntegerField(default=1)
    session_minutes = models.PositiveSmallIntegerField(default=120)
    accessibility = models.TextField(blank=True)
    # Who it is for. All three together read "open to all" (recovery colleges admit students,
    # families and staff to the same class, 004 Box 7).
    for_members = models.BooleanField(default=True)
    for_families = models.BooleanField(default=True)
    for_staff = models.BooleanField(default=True)
    # The completion rule: the share of a run's sessions a student must attend.
    completion_percent = models.PositiveSmallIntegerField(default=75)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "title"], name="course_unique_title_in_hub"),
            models.CheckConstraint(
                condition=Q(completion_percent__gte=1, completion_percent__lte=100),
                name="course_completion_percent_1_to_100",
            ),
            models.CheckConstraint(condition=Q(session_count__gte=1), name="course_at_least_one_session"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def outcomes(self) -> list[str]:
        return [line.strip(" -•\t") for line in self.learning_outcomes.splitlines() if line.strip(" -•\t")]

    @property
    def audience(self) -> str:
        if self.for_members and self.for_families and self.for_staff:
            return "Open to all: members, families and friends, and staff"
        parts = [
            label
            for wanted, label in (
                (self.for_members, "members"),
                (self.for_families, "families and friends"),
                (self.for_staff, "staff"),
            )
            if wanted
        ]
        return "For " + " and ".join(parts)


class CoDesigner(models.Model):
    """Someone who designed the course, and what they brought to it."""

    class Kind(models.TextChoices):
        LIVED_EXPERIENCE = "lived_experience", "Lived experience"
        PRACTITIONER = "practitioner", "Practitioner"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="designers")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="courses_designed")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "person"], name="codesigner_once_per_course"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_kind_display()})"


class CourseRun(models.Model):
    """One run of a course: its dates, places, co-facilitators and students."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CANCELLED = "cancelled", "Cancelled"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="course_runs")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="runs")
    term = models.ForeignKey(Term, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    capacity = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="courserun_capacity_at_least_one"),
        ]
        indexes = [
            # The prospectus lists a hub's published runs.
            models.Index(fields=["hub", "status"], name="courserun_hub_status"),
        ]

    def __str__(self) -> str:
        return f"{self.course.title} ({self.pk})"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Facilitator(models.Model):
    """A co-facilitator of a run. Decision 0010: a peer trainer and a practitioner, on equal terms."""

    class Kind(models.TextChoices):
        PEER_TRAINER = "peer_trainer", "Peer trainer"
        PRACTITIONER = "practitioner", "Practitioner"

    run = models.ForeignKey(CourseRun, on_delete=models.CASCADE, related_name="facilitators")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="runs_facilitated")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "person"], name="facilitator_once_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_kind_display()})"


class Session(models.Model):
    """One meeting of a course run, at a directory location or online."""

    run = models.ForeignKey(CourseRun, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The directory's row, not a copy of its address. SET_NULL: a place removed from the directory
    # leaves the session "place to be confirmed" rather than blocking the directory.
    location = models.ForeignKey(
        "directory.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="course_sessions"
    )
    online = models.BooleanField(default=False)
    joining_link = models.URLField(blank=True, help_text="Shown only to students.")
    # Set by send_course_reminders, so a student is reminded once per session.
    reminders_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(
                condition=~Q(online=True, location__isnull=False), name="session_place_or_online"
            ),
        ]
        indexes = [
            # Reminders look for sessions starting in the next day or so.
            models.Index(fields=["starts_at"], name="session_starts_at"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.starts_at:%Y-%m-%d %H:%M}"


class Enrolment(models.Model):
    """A student on a run, or waiting for a place. The waiting list is served in id order: ids are
    given out while the run's row is locked, so they follow arrival order (services.enrol)."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled"
        WAITING = "waiting", "On the waiting list"
        CANCELLED = "cancelled", "Cancelled"

    run = models.ForeignKey(CourseRun, on_delete=models.CASCADE, related_name="enrolments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrolled_by_label = models.CharField(max_length=200, blank=True)
    place_given_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The individual learning plan: the student's own words.
    hopes = models.TextField("What I want to get from this course", blank=True)
    support_needs = models.TextField("What would help me learn", blank=True)
    plan_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "person"],
                condition=Q(status__in=["enrolled", "waiting"]),
                name="enrolment_one_live_per_person",
            ),
        ]
        indexes = [
            # Counting places taken and finding the head of the waiting list.
            models.Index(fields=["run", "status", "id"], name="enrolment_run_status"),
        ]

    def __str__(self) -> str:
        return f"{self.person} on run {self.run_id}: {self.status}"


class Attendance(models.Model):
    """Whether a student came to one session; the register writes one row per student."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField()
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once_per_session"),
        ]

    # ---- community groups ----------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.enrolment_id} at {self.session_id}: {'present' if self.present else 'absent'}"


class Group(models.Model):
    class Kind(models.TextChoices):
        PEER_SUPPORT = "peer_support", "Peer support"
        WALKING = "walking", "Walking"
        CRAFT = "craft", "Craft"
        COFFEE_MORNING = "coffee_morning", "Coffee morning"
        OTHER = "other", "Other"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="community_groups")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    meets = models.CharField(max_length=200, blank=True, help_text="For example, every Tuesday at 10am.")
    # The lead may be a member: groups are often run by the people who come to them.
    lead = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="groups_led"
    )
    # The group's public page is its directory service; only its id is kept here.
    service = models.ForeignKey(
        "directory.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="community_groups"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "name"], name="group_unique_name_in_hub"),
        ]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="group_memberships")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "person"],
                condition=Q(left_at__isnull=True),
                name="groupmembership_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.group_id}"


class GroupMeeting(models.Model):
    """One meeting of a group and how many came: drop-in groups count heads, they keep no register."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    location = models.ForeignKey(
        "directory.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="group_meetings"
    )
    online = models.BooleanField(default=False)
    attended = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(online=True, location__isnull=False), name="groupmeeting_place_or_online"
            ),
        ]

    # ---- volunteers ----------------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.group_id}: {self.starts_at:%Y-%m-%d}"


class VolunteerRole(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="volunteer_roles")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    needs_background_check = models.BooleanField(default=False)
    open = models.BooleanField(default=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "title"], name="volunteerrole_unique_title_in_hub"),
        ]

    def __str__(self) -> str:
        return self.title


class VolunteerApplication(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Not this time"
        WITHDRAWN = "withdrawn", "Withdrawn"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="volunteer_applications")
    role = models.ForeignKey(VolunteerRole, on_delete=models.PROTECT, related_name="applications")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="volunteer_applications")
    why = models.TextField("Why you would like to do this", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "person"],
                condition=Q(status__in=["received", "accepted"]),
                name="volunteerapplication_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} for {self.role_id}: {self.status}"


class BackgroundCheck(models.Model):
    """A DBS or similar check: only its dates and reference, never its content."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="background_checks")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="background_checks")
    kind = models.CharField(max_length=100, help_text="For example, enhanced DBS.")
    checked_on = models.DateField()
    expires_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-checked_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("checked_on")), name="backgroundcheck_expires_after_check"
            ),
        ]
        indexes = [
            # The "expiring soon" list.
            models.Index(fields=["hub", "expires_on"], name="backgroundcheck_hub_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} until {self.expires_on}"


class TrainingRecord(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="training_records")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="training_records")
    title = models.CharField(max_length=200)
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-completed_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Supervision(models.Model):
    """A supervision session. Peer supervision and managerial supervision are both offered to peer
    workers and volunteers (ImROC's supervision questions, 004 l.505–515)."""

    class Kind(models.TextChoices):
        MANAGERIAL = "managerial", "Managerial"
        PEER = "peer", "Peer"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="supervisions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="supervisions")
    supervisor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="supervisions_given")
    held_on = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} supervision on {self.held_on}"


class VolunteerHours(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="volunteer_hours")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="volunteer_hours")
    role = models.ForeignKey(VolunteerRole, null=True, blank=True, on_delete=models.SET_NULL)
    worked_on = models.DateField()
    minutes = models.PositiveIntegerField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-worked_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=24 * 60), name="volunteerhours_one_day_at_most"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} minutes on {self.worked_on}"


class DevelopmentDay(models.Model):
    """A quarterly development day for volunteers and peer workers. Its agenda is the issues they
    nominated since the last one (Nottinghamshire's PSW development days, 004 l.525–527)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="development_days")
    held_on = models.DateField()
    title = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["held_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "held_on"], name="developmentday_one_per_date"),
        ]

    def __str__(self) -> str:
        return self.title or f"Development day {self.held_on}"


class NominatedIssue(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="nominated_issues")
    nominated_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="nominated_issues")
    text = models.CharField(max_length=500)
    nominated_at = models.DateTimeField(default=timezone.now)
    # Set when the issue is placed on a day's agenda; null while it waits for the next one.
    day = models.ForeignKey(
        DevelopmentDay, null=True, blank=True, on_delete=models.SET_NULL, related_name="agenda"
    )

    class Meta:
        ordering = ["nominated_at", "id"]

    def __str__(self) -> str:
        return self.text


# ---- on-call rota for peer support ----------------------------------------------------------------
# The periods a peer is on call are support.OnCallPeriod rows (decision 0009): the crisis-plan rule
# reads them. The rota adds what a coordinator needs to build them: when peers say they can be on
# call, which hours the hub wants covered, and which periods have been credited to the time bank.


class RotaSettings(models.Model):
    """The hours of the week a hub wants a peer on call. SUN's rota (000 case 2) covered every hour
    ("there are always people on hand"); other hubs cover evenings and weekends only."""

    hub = models.OneToOneField(Hub, on_delete=models.CASCADE, related_name="rota_settings")
    # Weekday digits, Monday 0 to Sunday 6: "0123456" is every day.
    cover_days = models.CharField(max_length=7, default="0123456")
    # Local hours. From 0 to 24 is the whole day; a start after the end runs past midnight
    # (18 to 8 is evenings and nights), counted on the day it starts and the early hours of that day.
    cover_from_hour = models.PositiveSmallIntegerField(default=0)
    cover_to_hour = models.PositiveSmallIntegerField(default=24)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "rota settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(cover_from_hour__lte=23, cover_to_hour__gte=1, cover_to_hour__lte=24)
                & ~Q(cover_from_hour=F("cover_to_hour")),
                name="rotasettings_hours_in_day",
            ),
        ]

    def __str__(self) -> str:
        return f"Rota cover for {self.hub_id}"

    def hours_on(self, weekday: int) -> set[int]:
        """The local hours (0–23) that need cover on a weekday."""
        if str(weekday) not in self.cover_days:
            return set()
        start, end = self.cover_from_hour, self.cover_to_hour
        if start < end:
            return set(range(start, end))
        return set(range(start, 24)) | set(range(0, end))


class OnCallAvailability(models.Model):
    """A time a peer supporter says they could be on call. Not a promise and not on the rota until a
    coordinator puts them on call; withdrawing it deletes the row (and is audited)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="on_call_availability")
    peer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="on_call_availability")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name_plural = "on-call availability"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="availability_ends_after_start"
            ),
        ]
        indexes = [
            # The rota page reads a hub's availability for one week.
            models.Index(fields=["hub", "starts_at"], name="availability_hub_start"),
        ]

    def __str__(self) -> str:
        return f"{self.peer} free {self.starts_at:%Y-%m-%d %H:%M}"


class OnCallCredit(models.Model):
    """Time-bank credit for one completed on-call period. One row per period (the one-to-one is what
    makes crediting idempotent); the transfer itself is the time bank's append-only record."""

    period = models.OneToOneField("support.OnCallPeriod", on_delete=models.PROTECT, related_name="credit")
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="on_call_credits")
    peer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="on_call_credits")
    hours = models.PositiveSmallIntegerField()
    transfer = models.ForeignKey("timebank.Transfer", on_delete=models.PROTECT, related_name="+")
    credited_at = models.DateTimeField(default=timezone.now)
    credited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["credited_at", "id"]

    def __str__(self) -> str:
        return f"{self.hours} hours on call for {self.peer_id}"
