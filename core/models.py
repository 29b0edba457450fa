from django.conf import settings
from django.db import models
from django.utils import timezone


class Hub(models.Model):
    """A local hub: a time bank, a Live Well team, a recovery college… One installation serves many."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    """Rows of trust (audit, consent, ledger) are never changed or removed, only added to."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


class AuditEvent(AppendOnlyModel):
    """One row per view or change of a person's record, and per refused attempt."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        CONSENT = "consent", "Recorded consent"
        ROLE = "role", "Changed roles"
        DENIED = "denied", "Refused access"
        SEARCH = "search", "Searched"
        # Member rights (UK GDPR articles 15-17): a request made, completed or refused; a copy of
        # everything held downloaded; a record erased (anonymised in place).
        RIGHTS = "rights", "Data rights request"
        EXPORT = "export", "Downloaded a copy of the record"
        ERASE = "erase", "Erased the record"

    at = models.DateTimeField(default=timezone.now)
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A snapshot of who acted, so the row reads the same after the actor's name changes.
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=20, choices=Action.choices)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=60, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    # Names of the fields that changed, never their values: the log must not copy health data.
    fields = models.JSONField(default=list, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # "Who looked at this person's record", newest first: the member's own page.
            models.Index(fields=["person", "-at"], name="audit_person_at"),
            # Administrators' search within a hub, newest first.
            models.Index(fields=["hub", "-at"], name="audit_hub_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"
