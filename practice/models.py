"""Co-production practice: self-reflection rounds and their wedges, depth verdicts, co-led action
plans, the Four Co's portfolio and stakeholder map, and the catalogue of case studies."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone

from core.models import Hub
from practice.frameworks import (
    DELIVERERS,
    DEPTHS,
    FOUR_CO_TAG_LABELS,
    LADDER,
    PLANNERS,
    PRINCIPLE_CHOICES,
    PRINCIPLE_KEYS,
)


def new_code() -> str:
    return secrets.token_urlsafe(12)


class Perspective(models.TextChoices):
    STAFF = "staff", "Staff"
    MEMBER = "member", "Members"


class Statement(models.Model):
    """One of a hub's reflection statements; a round copies the active ones when it opens."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="practice_statements")
    principle = models.CharField(max_length=20, choices=PRINCIPLE_CHOICES)
    text = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def principle_order(self) -> int:
        return PRINCIPLE_KEYS.index(self.principle)


class Round(models.Model):
    """A self-reflection round about one service or team."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="practice_rounds")
    title = models.CharField(max_length=200)
    about = models.CharField("Service or team", max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by_label = models.CharField(max_length=200)
    opened_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    # The anonymous links: whoever holds one answers as staff or as a member, and nothing ties the
    # answer to a person. Separate codes so the perspective cannot be chosen by the respondent.
    staff_code = models.CharField(max_length=32, unique=True, default=new_code)
    member_code = models.CharField(max_length=32, unique=True, default=new_code)

    class Meta:
        ordering = ["-opened_on", "-id"]
        # The hub's rounds newest first (home page, history, the latest closed round for impact).
        indexes = [models.Index(fields=["hub", "status", "closed_on"], name="practice_round_hub_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class RoundItem(models.Model):
    """A statement as it stood when the round opened, so later edits do not change past rounds."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="items")
    principle = models.CharField(max_length=20, choices=PRINCIPLE_CHOICES)
    text = models.CharField(max_length=300)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Invitation(models.Model):
    """A named invitation: the person answers signed in, and the answer carries their name."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="practice_invitations")
    perspective = models.CharField(max_length=10, choices=Perspective.choices)
    invited_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="practice_one_invitation_each")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_perspective_display()})"


class Response(models.Model):
    """One person's answers. Anonymous responses have no person, no invitation and only a date:
    nothing in the row (not even a time that could be matched to a sign-in) points to who gave it."""

    class Via(models.TextChoices):
        NAMED = "named", "Named, online"
        ANONYMOUS = "anonymous", "Anonymous link or code"
        PAPER = "paper", "On paper, entered by staff"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="responses")
    perspective = models.CharField(max_length=10, choices=Perspective.choices)
    via = models.CharField(max_length=10, choices=Via.choices)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="practice_responses"
    )
    submitted_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "person"],
                condition=models.Q(person__isnull=False),
                name="practice_one_named_response_each",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_perspective_display()} response to {self.round_id}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(RoundItem, on_delete=models.CASCADE, related_name="answers")
    # 0 not happening .. 3 embedded; null is "don't know", left out of averages.
    rating = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="practice_one_answer_per_item"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__lte=3),
                name="practice_rating_0_to_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.rating}"


class DepthAssessment(models.Model):
    """A guided verdict on how deep co-production goes, with the answers that decided it and where
    the service sits on the plan x deliver grid and the ladder."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="practice_depths")
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.SET_NULL, related_name="depths")
    about = models.CharField("Service or team", max_length=200)
    answers = models.JSONField(default=dict)
    verdict = models.CharField(max_length=20, choices=DEPTHS)
    plans = models.CharField(max_length=20, choices=PLANNERS)
    delivers = models.CharField(max_length=20, choices=DELIVERERS)
    ladder = models.CharField(max_length=20, choices=[(k, label) for k, label, _ in LADDER])
    notes = models.TextField(blank=True)
    decided_by_label = models.CharField(max_length=200)
    decided_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.about}: {self.verdict}"


class ActionPlan(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="practice_plans")
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans")
    title = models.CharField(max_length=200)
    created_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["-created_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Priority(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="priorities")
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Action(models.Model):
    """One action, co-led by a member of staff and a member (ImROC's TRIP, 004 l.1056)."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        UNDER_WAY = "under_way", "Under way"
        DONE = "done", "Done"
        STOPPED = "stopped", "Stopped"

    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=300)
    principle = models.CharField(max_length=20, choices=PRINCIPLE_CHOICES)
    staff_lead = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    member_lead = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    review_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.text


class Activity(models.Model):
    """A co-production activity or idea in the hub's Four Co's portfolio, scored for the matrix."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="practice_activities")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    tags = models.JSONField(default=list)
    impact = models.PositiveSmallIntegerField()
    effort = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["title", "id"]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return self.title

    @property
    def tag_labels(self) -> list[str]:
        return [FOUR_CO_TAG_LABELS.get(t, t) for t in self.tags]


class Stakeholder(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="practice_stakeholders")
    name = models.CharField(max_length=200)
    high_power = models.BooleanField()
    high_influence = models.BooleanField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class CatalogueCase(models.Model):
    """A case study from the seeds, in our own words. Loaded from practice/catalogue/*.json."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    place = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=200)
    summary = models.TextField()
    why = models.TextField()
    keywords = models.JSONField(default=list)
    # {principle key: 0-3}; only principles the text supports. Our judgement unless the seed drew a wedge.
    principles = models.JSONField(default=dict)
    principles_judged = models.BooleanField(default=True)
    depth = models.CharField(max_length=20, choices=DEPTHS, blank=True)
    depth_judged = models.BooleanField(default=True)
    figures = models.JSONField(default=list)
    see_also = models.JSONField(default=list)
    ideas = models.JSONField(default=list)
    # Lower-cased words of every text field, for the search box on SQLite and PostgreSQL alike.
    search_text = models.TextField(blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
