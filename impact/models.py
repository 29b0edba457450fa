"""Outcome measurements, licensed instrument definitions, funding, SROI models and cost-avoided
calculators. The arithmetic lives in scoring.py, stats.py, sroi.py and costs.py; these are the rows."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import Hub
from people.models import Person

SHARE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class InstrumentDefinition(models.Model):
    """A licensed questionnaire a hub loaded under its own licence (manage.py load_instrument). The wording
    lives only in the hub's database, never in the repository."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="instrument_definitions")
    code = models.SlugField(max_length=40)
    definition = models.JSONField()
    licence_note = models.CharField(max_length=300, help_text="Who holds the licence, and its reference.")
    loaded_at = models.DateTimeField(default=timezone.now)
    loaded_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "code"], name="instrumentdefinition_one_per_hub")
        ]

    def __str__(self) -> str:
        return self.code


class Measurement(models.Model):
    """One completed questionnaire (or a follow-up that could not be done: mode MISSED, no scores)."""

    class Mode(models.TextChoices):
        PAPER = "paper", "On paper, entered by staff"
        ONLINE = "online", "Online, by the member"
        MISSED = "missed", "Not done (could not reach)"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="measurements")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="measurements")
    instrument = models.SlugField(max_length=40)
    moment = models.CharField(max_length=20, help_text='"baseline" or "follow_up_<months>".')
    referral = models.ForeignKey(
        "support.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="measurements"
    )
    taken_on = models.DateField()
    mode = models.CharField(max_length=10, choices=Mode.choices)
    answers = models.JSONField(default=dict, blank=True)
    scores = models.JSONField(default=dict, blank=True)  # {score key: value or null}
    bands = models.JSONField(default=dict, blank=True)
    # The instrument's primary score, copied out so cohort change is one indexed query.
    primary = models.FloatField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["taken_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "instrument", "moment"], name="measurement_one_per_moment"
            ),
        ]
        indexes = [
            # Cohort change reads every measurement of one instrument in a hub, by moment.
            models.Index(fields=["hub", "instrument", "moment"], name="measurement_hub_instrument"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.moment}"


class Funding(models.Model):
    """A commissioner funds a hub: they see its aggregate reports (never an individual)."""

    commissioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fundings"
    )
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="fundings")
    programme = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["hub__name"]
        constraints = [models.UniqueConstraint(fields=["commissioner", "hub"], name="funding_one_per_hub")]

    def __str__(self) -> str:
        return f"{self.commissioner} funds {self.hub}"


class FinancialProxy(models.Model):
    """What one unit of an outcome is worth in a year, with its source. hub null: the open example set."""

    hub = models.ForeignKey(Hub, null=True, blank=True, on_delete=models.CASCADE, related_name="proxies")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=100, help_text="Per what: a person, an hour, an attendance.")
    value_pence = models.PositiveIntegerField()
    source = models.CharField(max_length=500)
    year = models.PositiveSmallIntegerField(help_text="The price year of the value.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "financial proxies"

    def __str__(self) -> str:
        return f"{self.name} (£{self.value_pence / 100:,.2f} per {self.unit}, {self.year})"


class SroiModel(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="sroi_models")
    name = models.CharField(max_length=200)
    scope = models.TextField(blank=True, help_text="What activity, for whom, and why (stage 1).")
    period_start = models.DateField()
    period_end = models.DateField()
    discount_rate = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.035"), validators=SHARE
    )
    hour_value_pence = models.PositiveIntegerField(
        help_text="What an hour of volunteer or member time is worth as an input."
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=200)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="sroi_period_order"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Stakeholder(models.Model):
    model = models.ForeignKey(SroiModel, on_delete=models.CASCADE, related_name="stakeholders")
    name = models.CharField(max_length=200)
    involvement = models.TextField(blank=True, help_text="How they were involved in deciding what changed.")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class SroiInput(models.Model):
    class Kind(models.TextChoices):
        MONEY = "money", "Money"
        IN_KIND = "in_kind", "In kind (rooms, equipment)"
        VOLUNTEER_TIME = "volunteer_time", "Volunteer time"
        MEMBER_TIME = "member_time", "Member time"

    TIME_KINDS = (Kind.VOLUNTEER_TIME, Kind.MEMBER_TIME)

    model = models.ForeignKey(SroiModel, on_delete=models.CASCADE, related_name="inputs")
    stakeholder = models.ForeignKey(
        Stakeholder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount_pence = models.PositiveIntegerField(default=0, help_text="For money and in kind.")
    hours = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"), help_text="For time.")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class SroiOutcome(models.Model):
    class QuantitySource(models.TextChoices):
        ENTERED = "entered", "A number I enter"
        IMPROVED = "improved", "Members improved on a questionnaire"
        HOURS = "hours", "Hours exchanged in the time bank"
        ONWARD = "onward", "Onward referrals completed"
        COURSES = "courses", "Course completions"

    PLATFORM_SOURCES = (
        QuantitySource.IMPROVED,
        QuantitySource.HOURS,
        QuantitySource.ONWARD,
        QuantitySource.COURSES,
    )

    model = models.ForeignKey(SroiModel, on_delete=models.CASCADE, related_name="outcomes")
    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.PROTECT, related_name="outcomes")
    description = models.CharField(max_length=200, help_text="What changed, in the stakeholder's words.")
    indicator = models.CharField(max_length=300, help_text="How you know it changed.")
    quantity_source = models.CharField(max_length=10, choices=QuantitySource.choices)
    instrument = models.SlugField(max_length=40, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    proxy = models.ForeignKey(FinancialProxy, on_delete=models.PROTECT, related_name="+")
    duration_years = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    deadweight = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"), validators=SHARE)
    displacement = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"), validators=SHARE)
    attribution = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"), validators=SHARE)
    drop_off = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"), validators=SHARE)
    evidence = models.TextField(
        blank=True, help_text="Where the deadweight and attribution figures come from."
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class CostComparison(models.Model):
    """Events for one cohort before and after support, valued at unit costs the hub enters."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="cost_comparisons")
    name = models.CharField(max_length=200)
    cohort = models.CharField(
        max_length=300, help_text="Who is counted, for example members referred in 2024."
    )
    people = models.PositiveIntegerField()
    before_period = models.CharField(max_length=100, help_text="For example, the 6 months before joining.")
    after_period = models.CharField(max_length=100, help_text="For example, the 6 months after joining.")
    data_source = models.CharField(max_length=300, help_text="Where the counts come from.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.name


class CostLine(models.Model):
    class Event(models.TextChoices):
        ADMISSIONS = "admissions", "Hospital admissions"
        BED_DAYS = "bed_days", "Hospital bed days"
        AE = "ae", "A&E attendances"
        GP = "gp", "GP appointments"

    comparison = models.ForeignKey(CostComparison, on_delete=models.CASCADE, related_name="lines")
    event = models.CharField(max_length=20, choices=Event.choices)
    before = models.PositiveIntegerField()
    after = models.PositiveIntegerField()
    unit_cost_pence = models.PositiveIntegerField()
    unit_cost_source = models.CharField(max_length=300)
    unit_cost_year = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["comparison", "event"], name="costline_one_per_event")]

    def __str__(self) -> str:
        return self.get_event_display()
