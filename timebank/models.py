"""The time bank: an hour-for-hour double-entry ledger in whole minutes, and the board of offers and
requests that leads to exchanges. Ledger rows (transfers, entries) are append-only; a mistake is undone
by a reversal transfer that points at the original."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import AppendOnlyModel, Hub
from people.models import Person


class Category(models.TextChoices):
    BEFRIENDING = "befriending", "Befriending and company"
    GARDENING = "gardening", "Gardening"
    DIY = "diy", "DIY and repairs"
    TRANSPORT = "transport", "Lifts and transport"
    SHOPPING = "shopping", "Shopping and errands"
    COOKING = "cooking", "Cooking and meals"
    LEARNING = "learning", "Learning and tutoring"
    ADMIN = "admin", "Forms, letters and computers"
    ARTS = "arts", "Arts, crafts and music"
    HEALTH = "health", "Health and wellbeing"
    CARE = "care", "Caring and respite"
    COMMUNITY = "community", "Community and group activities"
    PARTNER = "partner", "Spending at a partner"
    OTHER = "other", "Other"


class TimebankSettings(models.Model):
    """What differs between hubs. Defaults suit a new neighbourhood time bank."""

    class Approval(models.TextChoices):
        NONE = "none", "No broker approval"
        FIRST = "first", "A broker approves each new member's first exchange"
        ALL = "all", "A broker approves every exchange"

    class GroupRule(models.TextChoices):
        # docs/decisions/0005-one-to-many-exchanges.md explains the choice.
        SPLIT = "split", "The people helped share the time between them"
        EACH = "each", "Each person helped gives the full time"
        POT = "pot", "The community pot pays the giver; the people helped pay nothing"

    hub = models.OneToOneField(Hub, on_delete=models.CASCADE, related_name="timebank_settings")
    joining_grant = models.PositiveIntegerField(
        default=0, help_text="Minutes given to a member when they join (Time for Families gave 5 hours)."
    )
    member_lowest_balance = models.IntegerField(
        default=-600, help_text="How far into debit a member may go, in minutes (negative)."
    )
    member_highest_balance = models.IntegerField(
        null=True, blank=True, help_text="Optional cap on a member's balance, in minutes."
    )
    approval = models.CharField(max_length=10, choices=Approval.choices, default=Approval.NONE)
    approve_new_members = models.BooleanField(
        default=False, help_text="A broker approves each member before they can exchange."
    )
    group_rule = models.CharField(max_length=10, choices=GroupRule.choices, default=GroupRule.SPLIT)
    on_call_minutes_per_hour = models.PositiveIntegerField(
        default=15, help_text="Credit for each hour a peer is on call (Samaritans listeners earned credits)."
    )
    wage_pence_per_hour = models.PositiveIntegerField(
        default=1385, help_text="Value of an hour for impact reports (London Living Wage 2025/26: £13.85)."
    )

    def __str__(self) -> str:
        return f"Time bank settings for {self.hub}"


class Account(models.Model):
    class Kind(models.TextChoices):
        MEMBER = "member", "Member"
        ORGANISATION = "organisation", "Organisation"
        POT = "pot", "Community pot"
        ISSUANCE = "issuance", "Issuance"
        CLEARING = "clearing", "Between hubs"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="timebank_accounts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="timebank_accounts"
    )
    name = models.CharField(max_length=200, help_text="Shown on statements.")
    # Cached sum of this account's entries: changed only by timebank.ledger in the same transaction
    # as the entries, and recomputed by `manage.py check_ledger`.
    balance = models.IntegerField(default=0)
    lowest_balance = models.IntegerField(null=True, blank=True)
    highest_balance = models.IntegerField(null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["hub", "kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "person"], condition=Q(person__isnull=False), name="account_one_per_member"
            ),
            models.UniqueConstraint(
                fields=["hub", "kind"],
                condition=Q(kind__in=["pot", "issuance", "clearing"]),
                name="account_one_system_account_of_each_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="member", person__isnull=False) | ~Q(kind="member"),
                name="account_member_has_person",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class Transfer(AppendOnlyModel):
    """One movement of time. Its entries sum to zero; it is never edited or deleted."""

    class Kind(models.TextChoices):
        EXCHANGE = "exchange", "Exchange"
        GROUP = "group", "Group exchange"
        GRANT = "grant", "Joining grant"
        AWARD = "award", "Broker award"
        ON_CALL = "on_call", "Credit for being on call"
        DONATION = "donation", "Donation"
        POT = "pot", "From the community pot"
        PARTNER = "partner", "Spent at a partner"
        BETWEEN_HUBS = "between_hubs", "Between hubs"
        BULK = "bulk", "Time sheet"
        REVERSAL = "reversal", "Reversal"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="timebank_transfers")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.CharField(max_length=300)
    occurred_on = models.DateField(default=timezone.localdate)
    posted_at = models.DateTimeField(default=timezone.now)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_by_label = models.CharField(max_length=200)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)
    # Links the two halves of a transfer between hubs, or the rows of one time sheet.
    batch = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-posted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="transfer_idempotency_key_once",
            ),
        ]
        indexes = [
            # Statements and the broker dashboard read a hub's transfers by date.
            models.Index(fields=["hub", "occurred_on"], name="transfer_hub_date"),
            models.Index(fields=["batch"], name="transfer_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"


class Entry(AppendOnlyModel):
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    minutes = models.IntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(minutes=0), name="entry_minutes_not_zero"),
        ]
        indexes = [
            # A statement: one account's entries in order.
            models.Index(fields=["account", "id"], name="entry_account_id"),
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.minutes:+d}"


class Exchange(models.Model):
    """Help given by one member to another, recorded by either side; posted once confirmed (and
    approved, where the hub asks)."""

    class Status(models.TextChoices):
        AWAITING_CONFIRMATION = "awaiting_confirmation", "Waiting for the other person to confirm"
        AWAITING_APPROVAL = "awaiting_approval", "Waiting for a broker to approve"
        POSTED = "posted", "Done"
        DECLINED = "declined", "Declined"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="timebank_exchanges")
    giver = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="exchanges_given")
    receiver = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="exchanges_received")
    minutes = models.PositiveIntegerField()
    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.CharField(max_length=300)
    occurred_on = models.DateField()
    status = models.CharField(max_length=30, choices=Status.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decline_reason = models.CharField(max_length=300, blank=True)
    transfer = models.OneToOneField(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="exchange"
    )
    listing = models.ForeignKey(
        "Listing", null=True, blank=True, on_delete=models.SET_NULL, related_name="exchanges"
    )

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0), name="exchange_minutes_positive"),
            models.CheckConstraint(condition=~Q(giver=models.F("receiver")), name="exchange_two_sides"),
        ]
        indexes = [models.Index(fields=["hub", "status"], name="exchange_hub_status")]

    def __str__(self) -> str:
        return f"{self.giver} → {self.receiver}: {self.minutes} min"


class Listing(models.Model):
    """An offer of help or a request for it, on the hub's board."""

    class Kind(models.TextChoices):
        OFFER = "offer", "Offer"
        REQUEST = "request", "Request"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="timebank_listings")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="timebank_listings")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=120)
    description = models.CharField(max_length=1000, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    tags = models.CharField(max_length=200, blank=True, help_text="Comma-separated words.")
    area = models.CharField(
        max_length=8, blank=True, help_text="Postcode district, e.g. RV3. Taken from the person if blank."
    )
    availability = models.CharField(max_length=200, blank=True, help_text="For example, weekday mornings.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The board: a hub's active listings of one kind, newest first.
            models.Index(fields=["hub", "kind", "is_active", "-created_at"], name="listing_board"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class WayToSpend(models.Model):
    """Something a partner organisation accepts time credits for (a course, a swim, a museum visit)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="timebank_ways_to_spend")
    partner = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="ways_to_spend")
    title = models.CharField(max_length=120)
    description = models.CharField(max_length=1000, blank=True)
    price = models.PositiveIntegerField(help_text="Price in minutes.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]
        constraints = [models.CheckConstraint(condition=Q(price__gt=0), name="way_to_spend_price_positive")]

    def __str__(self) -> str:
        return self.title


class DigestSubscription(models.Model):
    """A person's opt-in to the weekly email of new offers and requests."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="timebank_digest")
    subscribed_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Digest for {self.person}"
