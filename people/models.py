from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import AppendOnlyModel, Hub
from core.roles import Role
from people.validators import validate_nhs_number, validate_postcode


class Person(models.Model):
    """One record per human in a hub, whatever their roles. Many members never sign in: `user` is
    optional and staff record on their behalf."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="people")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    full_name = models.CharField("Full name", max_length=200)
    preferred_name = models.CharField(
        "Preferred name",
        max_length=100,
        blank=True,
        help_text="What they like to be called, if different.",
    )
    pronouns = models.CharField(max_length=50, blank=True, help_text="For example, she/her.")
    email = models.EmailField("Email address", max_length=254, blank=True)
    phone = models.CharField("Phone number", max_length=30, blank=True)
    address = models.CharField(max_length=500, blank=True)
    postcode = models.CharField(max_length=10, blank=True, validators=[validate_postcode])
    date_of_birth = models.DateField("Date of birth", null=True, blank=True)
    nhs_number = models.CharField(
        "NHS number",
        max_length=12,
        blank=True,
        validators=[validate_nhs_number],
        help_text="Optional. 10 digits, for example 943 476 5919.",
    )
    communication_needs = models.CharField(
        "Communication needs",
        max_length=1000,
        blank=True,
        help_text="For example, large print, British Sign Language, an interpreter, easy read.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["full_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "email"], condition=~Q(email=""), name="person_unique_email_in_hub"
            ),
            models.UniqueConstraint(
                fields=["hub", "nhs_number"],
                condition=~Q(nhs_number=""),
                name="person_unique_nhs_number_in_hub",
            ),
            # A login has at most one record in each hub.
            models.UniqueConstraint(
                fields=["hub", "user"],
                condition=Q(user__isnull=False),
                name="person_one_record_per_user_in_hub",
            ),
        ]
        indexes = [
            # The people list is ordered by name within a hub.
            models.Index(fields=["hub", "full_name"], name="person_hub_name"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.full_name


class ProfileEntry(models.Model):
    """An item on one of the two first-class lists the seeds ask to assess together: what matters to
    the person (needs, hopes) and what they can offer (skills, interests, lived experience)."""

    class Kind(models.TextChoices):
        NEED = "need", "Need"
        HOPE = "hope", "Hope"
        SKILL = "skill", "Skill"
        INTEREST = "interest", "Interest"
        LIVED_EXPERIENCE = "lived_experience", "Lived experience"

    MATTERS = (Kind.NEED, Kind.HOPE)
    OFFERS = (Kind.SKILL, Kind.INTEREST, Kind.LIVED_EXPERIENCE)

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="profile_entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["person", "kind", "position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"

    @property
    def is_offer(self) -> bool:
        return self.kind in self.OFFERS


class RoleGrant(models.Model):
    """A role a person holds in their hub. Roles are per hub because a person record is."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["role"]
        constraints = [
            models.UniqueConstraint(fields=["person", "role"], name="rolegrant_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}"


class ConsentPurpose(models.TextChoices):
    SHARE_WITH_REFERRER = "share_with_referrer", "Tell the person who referred me what happened"
    SHARE_PLANS = "share_plans", "Share my plans with the supporters I name"
    CONTACT_EMAIL = "contact_email", "Contact me by email"
    CONTACT_SMS = "contact_sms", "Contact me by text message"
    EVALUATION = "evaluation", "Use my information, anonymised, to evaluate the service"


class ConsentEvent(AppendOnlyModel):
    """A person's yes or no to one purpose. The latest event per purpose is the current answer;
    earlier ones stay as history. No answer on record means no consent."""

    class Method(models.TextChoices):
        VERBAL = "verbal", "Told us in person or by phone"
        WRITTEN = "written", "Signed a form"
        ONLINE = "online", "Answered online"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consent_events")
    purpose = models.CharField(max_length=40, choices=ConsentPurpose.choices)
    granted = models.BooleanField()
    method = models.CharField(max_length=10, choices=Method.choices)
    detail = models.CharField(
        max_length=500,
        blank=True,
        help_text="Anything that limits this answer, such as the supporters it names.",
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            # The current answer per purpose is the newest row for (person, purpose).
            models.Index(fields=["person", "purpose", "-recorded_at"], name="consent_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.purpose} {'yes' if self.granted else 'no'}"
