"""Support: referrals in, eligibility and triage, pathways with session caps, caseloads, "what matters to
you" conversations, member-owned plans, sessions, onward referrals, follow-ups and closing
(DOMAIN.md part 4; docs/decisions/0009-support-pathways-and-plans.md).

One `Referral` carries a person's whole journey through one support service, from the moment it is
received to the day it is closed: an accepted referral *is* a place on a worker's caseload. Plans belong
to the person, not to a referral, because they outlive any one episode of support.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import AppendOnlyModel, Hub
from core.roles import Role
from people.models import Person

# The six sections of ImROC's recovery conversation (004 l.931-958), in the platform's own words.
# Hubs copy and adapt these in SupportSettings.conversation_sections.
DEFAULT_CONVERSATION_SECTIONS = [
    {"key": "concerns", "label": "What feels most pressing right now", "hint": "Money, housing, health…"},
    {"key": "coping", "label": "How you have coped so far", "hint": "What has helped and what has not."},
    {
        "key": "hopes_fears",
        "label": "Hopes and fears",
        "hint": "What worries you; what would help you feel safe.",
    },
    {
        "key": "strengths",
        "label": "Strengths and resources",
        "hint": "Your own skills and values, and the people and groups around you.",
    },
    {"key": "goals", "label": "Short-term goals", "hint": "What would be different? What could you do?"},
    {"key": "vision", "label": "A vision for the future", "hint": "If you could wave a magic wand…"},
]


def default_conversation_sections() -> list[dict[str, str]]:
    return [dict(s) for s in DEFAULT_CONVERSATION_SECTIONS]


class SupportSettings(models.Model):
    """What differs between hubs' support teams."""

    hub = models.OneToOneField(Hub, on_delete=models.CASCADE, related_name="support_settings")
    caseload_limit = models.PositiveSmallIntegerField(
        default=55,
        help_text="Warn when a worker holds more people than this (Local Area Coordination: 50–60).",
    )
    conversation_sections = models.JSONField(
        default=default_conversation_sections,
        help_text="The sections of the 'what matters to you' conversation, in order.",
    )

    def __str__(self) -> str:
        return f"Support settings for {self.hub}"


class SupportService(models.Model):
    """A support service the hub runs and takes referrals into (Live Well, Local Area Coordination…).
    Its eligibility rules and pathway are data, so each hub sets its own."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="support_services")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    takes_self_referrals = models.BooleanField(default=True)
    min_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Youngest age taken, in years."
    )
    max_age = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Oldest age taken, in years.")
    # Postcode districts ("RV1", "LS6"); empty means anywhere.
    postcode_districts = models.JSONField(default=list, blank=True)
    # GP practice codes or names; empty means any practice.
    gp_practices = models.JSONField(default=list, blank=True)
    # Months after acceptance when a follow-up is due (Live Well: 4 and 8).
    follow_up_months = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "name"], name="supportservice_unique_name_in_hub"),
        ]

    def __str__(self) -> str:
        return self.name


class Exclusion(models.Model):
    """A need the service does not meet, and where to send people who have it (Bradford sent
    severe mental illness back to the GP, 000 case 18)."""

    service = models.ForeignKey(SupportService, on_delete=models.CASCADE, related_name="exclusions")
    label = models.CharField(max_length=200)
    redirect_to = models.CharField(max_length=300, help_text="Where to send people instead.")
    # Optional: a directory service to suggest instead (its id only; never a copy of it).
    redirect_service_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["service", "label", "id"]

    def __str__(self) -> str:
        return self.label


class PathwayStep(models.Model):
    """One step of a service's pathway: who does it and how many sessions it may use."""

    service = models.ForeignKey(SupportService, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100, help_text="For example, health coaching.")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.LINK_WORKER)
    worker_title = models.CharField(max_length=100, blank=True, help_text="For example, health coach.")
    # None means no cap (Local Area Coordination).
    session_cap = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["service", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "position"], name="pathwaystep_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.name}"


class ClinicalCode(models.Model):
    """A code from the hub's own list, for events GP systems record (SNOMED CT, for example)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="clinical_codes")
    system = models.CharField(max_length=40, default="SNOMED CT")
    code = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["system", "code"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "system", "code"], name="clinicalcode_unique_in_hub"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Source(models.TextChoices):
    GP = "gp", "GP practice or clinician"
    NURSE = "nurse", "Nurse"
    SOCIAL_CARE = "social_care", "Social care"
    VOLUNTARY = "voluntary", "Voluntary sector"
    FAMILY = "family", "Family or friend"
    SELF = "self", "Self-referral"


class Reason(models.TextChoices):
    ISOLATION = "isolation", "Feeling isolated or lonely"
    LOW_MOOD = "low_mood", "Low mood"
    LONG_TERM_CONDITION = "long_term_condition", "Living with a long-term condition"
    HOUSING = "housing", "Housing"
    MONEY = "money", "Money"
    WORK = "work", "Work"
    CARING = "caring", "Caring for someone"
    BEREAVEMENT = "bereavement", "Bereavement"
    OTHER = "other", "Something else"


class Referral(models.Model):
    """A person's journey through one support service, from referral to closing.

    The referred person's details are kept as the referrer gave them until staff link the referral to
    a person record: a match (NHS number, or name + date of birth + postcode) links at once; anything
    less certain is shown to staff as a possible duplicate to choose from.
    """

    class Channel(models.TextChoices):
        STAFF = "staff", "Staff form"
        SELF_FORM = "self_form", "Self-referral form"
        API = "api", "API"
        UPLOAD = "upload", "Spreadsheet upload"

    class Urgency(models.TextChoices):
        ROUTINE = "routine", "Routine"
        SOON = "soon", "Soon (within two weeks)"
        URGENT = "urgent", "Urgent (within two working days)"

    class Status(models.TextChoices):
        RECEIVED = "received", "Waiting for triage"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REDIRECTED = "redirected", "Redirected elsewhere"
        CLOSED = "closed", "Closed"

    class CloseReason(models.TextChoices):
        GOALS_MET = "goals_met", "Goals met"
        MOVED_AWAY = "moved_away", "Moved away"
        STOPPED_ENGAGING = "stopped_engaging", "Stopped engaging"
        DECLINED = "declined", "Declined further support"
        REFERRED_ELSEWHERE = "referred_elsewhere", "Referred elsewhere"
        DIED = "died", "Died"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(SupportService, on_delete=models.PROTECT, related_name="referrals")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    matched_by = models.CharField(max_length=40, blank=True, help_text="How the person record was found.")

    # The referred person as the referrer described them.
    full_name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    nhs_number = models.CharField(max_length=12, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    gp_practice = models.CharField(max_length=200, blank=True)

    source = models.CharField(max_length=20, choices=Source.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    reasons = models.JSONField(default=list)
    reason_detail = models.TextField(blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    # Exclusions the referrer or triage flagged (ids of Exclusion rows of this service).
    flagged_exclusions = models.JSONField(default=list, blank=True)

    # Who referred, and how to reach them.
    referrer_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals_made"
    )
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_organisation = models.CharField(max_length=200, blank=True)
    referrer_email = models.EmailField(max_length=254, blank=True)
    referrer_phone = models.CharField(max_length=30, blank=True)
    referrer_address = models.CharField(max_length=500, blank=True)
    # What the person said when referred; once linked, their ConsentEvent for SHARE_WITH_REFERRER rules.
    consent_to_report_back = models.BooleanField(default=False)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Triage decision.
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    redirected_to = models.CharField(max_length=300, blank=True)
    # The rule results at the moment of decision, so a later change of rules does not rewrite history.
    triage_results = models.JSONField(default=list, blank=True)

    # Support: the current step and worker; Assignment keeps the history.
    current_step = models.ForeignKey(
        PathwayStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    worker = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="caseload"
    )
    next_action = models.CharField(max_length=300, blank=True)
    next_action_on = models.DateField(null=True, blank=True)

    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    close_summary = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # The triage queue and status lists within a hub, newest first.
            models.Index(fields=["hub", "status", "-received_at"], name="referral_hub_status"),
            # A worker's caseload.
            models.Index(fields=["worker", "status"], name="referral_worker_status"),
            # A referrer's own referrals.
            models.Index(fields=["referrer_person", "-received_at"], name="referral_referrer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(person__isnull=False),
                name="referral_accepted_has_person",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(close_reason=""),
                name="referral_closed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral #{self.pk} to {self.service_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.ACCEPTED


class CodedEvent(AppendOnlyModel):
    """A referral event recorded with a clinical code, for GP systems."""

    class Event(models.TextChoices):
        REFERRAL = "referral", "Referred"
        DECLINED = "declined", "Declined"
        CLOSED = "closed", "Closed"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="coded_events")
    event = models.CharField(max_length=10, choices=Event.choices)
    code = models.ForeignKey(ClinicalCode, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.event}: {self.code_id}"


class Assignment(models.Model):
    """Who supported the person at which step, and when; a hand-over ends one and starts the next."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="assignments")
    step = models.ForeignKey(PathwayStep, on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="support_assignments")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    handover_note = models.TextField(blank=True, help_text="What the next worker needs to know.")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"], condition=Q(ended_at__isnull=True), name="assignment_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} at {self.step}"


class SupportSession(models.Model):
    class Kind(models.TextChoices):
        FACE_TO_FACE = "face_to_face", "Face to face"
        PHONE = "phone", "Phone"
        VIDEO = "video", "Video"
        GROUP = "group", "Group"
        HOME_VISIT = "home_visit", "Home visit"

    class Sensitivity(models.TextChoices):
        STANDARD = "standard", "Standard"
        SENSITIVE = "sensitive", "Sensitive: only the person's workers and coordinators"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="sessions")
    step = models.ForeignKey(PathwayStep, on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    kind = models.CharField(max_length=15, choices=Kind.choices)
    minutes = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True)
    sensitivity = models.CharField(max_length=10, choices=Sensitivity.choices, default=Sensitivity.STANDARD)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["held_on", "id"]
        indexes = [
            # Sessions used at a step (the cap) and the first contact date (reports).
            models.Index(fields=["referral", "step"], name="session_referral_step"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_on}"


class Conversation(models.Model):
    """A "what matters to you" conversation, recorded section by section in the hub's template."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="conversations")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="conversations"
    )
    held_on = models.DateField()
    # [{"key", "label", "answer"}]: the labels as asked that day, so later template edits keep history.
    sections = models.JSONField(default=list)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"Conversation on {self.held_on}"


class Plan(models.Model):
    """A plan the member owns. Its content lives in versions; the newest is the plan."""

    class Kind(models.TextChoices):
        GOALS = "goals", "Goal plan"
        WELLBEING = "wellbeing", "Wellbeing plan"
        CRISIS = "crisis", "Crisis and support plan"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="plans")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="plan_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.person}"


class PlanVersion(AppendOnlyModel):
    """One saved state of a plan. Never changed: an edit is a new version."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    note = models.CharField(max_length=300, blank=True, help_text="What changed, in a few words.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planversion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"


class PlanSupporter(models.Model):
    """A peer the member names to see their crisis plan while on call. Removing them ends the
    sharing; the row stays so the history of who could see the plan is kept."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="supporters")
    peer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="plans_supported")
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "peer"], condition=Q(removed_at__isnull=True), name="plansupporter_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.peer} for {self.plan}"


class OnCallPeriod(models.Model):
    """A stretch of time a peer supporter is on call for the hub (SUN's rota, 000 case 2)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="on_call_periods")
    peer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="on_call_periods")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            # "Is this peer on call now?" on every crisis-plan view.
            models.Index(fields=["peer", "starts_at", "ends_at"], name="oncall_peer_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="oncall_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.peer} on call {self.starts_at:%Y-%m-%d %H:%M}"


class OnwardReferral(models.Model):
    """A referral on to a community service in the directory, followed until the loop is closed."""

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        CONTACTED = "contacted", "Contacted"
        ATTENDED = "attended", "Attended"
        CONTINUING = "continuing", "Still going"
        DID_NOT_ATTEND = "did_not_attend", "Did not go"
        NOT_SUITABLE = "not_suitable", "Not suitable"

    class Helped(models.TextChoices):
        YES = "yes", "Yes"
        SOMEWHAT = "somewhat", "A bit"
        NO = "no", "No"

    # Where the loop is still open; the other statuses are outcomes.
    OPEN = (Status.SUGGESTED, Status.CONTACTED, Status.ATTENDED)
    COMPLETED = (Status.ATTENDED, Status.CONTINUING)
    NOT_COMPLETED = (Status.DID_NOT_ATTEND, Status.NOT_SUITABLE)

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="onward_referrals")
    # The directory service's id only (directory.queries.get_service resolves it); never a copy.
    directory_service_id = models.UUIDField()
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.SUGGESTED)
    note = models.TextField(blank=True)
    member_feedback = models.TextField(blank=True, help_text="What the member said about it, in their words.")
    helped = models.CharField(max_length=10, choices=Helped.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["referral", "status"], name="onward_referral_status")]

    def __str__(self) -> str:
        return f"Onward referral #{self.pk} ({self.status})"


class OnwardReferralUpdate(AppendOnlyModel):
    """Each change of an onward referral's status, for the history and the completion report."""

    onward_referral = models.ForeignKey(OnwardReferral, on_delete=models.PROTECT, related_name="updates")
    status = models.CharField(max_length=15, choices=OnwardReferral.Status.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.status} at {self.at:%Y-%m-%d}"


class FollowUp(models.Model):
    class Status(models.TextChoices):
        DUE = "due", "Due"
        DONE = "done", "Done"
        MISSED = "missed", "Could not reach"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="follow_ups")
    months = models.PositiveSmallIntegerField(help_text="Months after acceptance.")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    done_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # The due list and the daily reminder command.
            models.Index(fields=["status", "due_on"], name="followup_status_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["referral", "months"], name="followup_once_per_interval"),
        ]

    def __str__(self) -> str:
        return f"Follow-up at {self.months} months, due {self.due_on}"


class ReferrerMessage(AppendOnlyModel):
    """What the referrer was told, when and how. Written only when consent allowed it."""

    class Kind(models.TextChoices):
        OUTCOME = "outcome", "Outcome of the referral"
        CLOSING = "closing", "Summary on closing"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="referrer_messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.channel}"
