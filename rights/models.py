"""A request a member makes under UK GDPR articles 15-17: to see everything held about them (access),
to have something corrected, or to be erased. The request and its completion are also audited
(core.AuditEvent); this row is the working record staff act on."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import Hub
from people.models import Person


class RightsRequest(models.Model):
    class Kind(models.TextChoices):
        ACCESS = "access", "See and download everything held"
        CORRECTION = "correction", "Correct something"
        ERASURE = "erasure", "Erase my record"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for staff"
        DONE = "done", "Done"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="rights_requests")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="rights_requests")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # What the person asked for, in their words (a correction: what is wrong and what it should say).
    detail = models.TextField(blank=True)
    # Who asked: the person themself, or staff on their behalf (then `on_behalf` is true).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_label = models.CharField(max_length=200)
    on_behalf = models.BooleanField(default=False)
    requested_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_by_label = models.CharField(max_length=200, blank=True)
    # What staff did (a correction) or why they refused, told to the person.
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            # The hub's open requests, oldest first (the one-month clock of article 12(3)).
            models.Index(fields=["hub", "status", "requested_at"], name="rights_hub_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(completed_at__isnull=False),
                name="rights_closed_has_completed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
