"""Input parsing and output shapes for the time-bank API; the rules live in timebank.services."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from people.models import Person
from people.serializers import ErrorSerializer  # noqa: F401 - one error body for every API
from timebank.ledger import hours_minutes
from timebank.models import Account, Category, Entry, Exchange, Listing, Transfer


@extend_schema_field(OpenApiTypes.INT)
class InHub(serializers.PrimaryKeyRelatedField):
    """An id of a row in the acting hub; anything else reads as "does not exist" (400), so ids from
    other hubs cannot be probed. Whether the actor may use the row is the service's question."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.filter(hub=self.context["actor"].hub)


class AccountSerializer(serializers.ModelSerializer):
    """An account with its cached balance and limits, in minutes. `available` is how much more it
    may give before reaching its lowest balance (null when it has no lower limit)."""

    balance_text = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()

    class Meta:
        model = Account
        fields = [
            "id",
            "kind",
            "name",
            "person",
            "balance",
            "balance_text",
            "lowest_balance",
            "highest_balance",
            "available",
            "is_active",
            "opened_at",
            "approved_at",
        ]

    def get_balance_text(self, account: Account) -> str:
        return hours_minutes(account.balance)

    def get_available(self, account: Account) -> int | None:
        if account.lowest_balance is None:
            return None
        return max(account.balance - account.lowest_balance, 0)


class EntrySerializer(serializers.ModelSerializer):
    """One statement line: a movement on the account and the balance after it (in posting order)."""

    transfer = serializers.UUIDField(source="transfer_id")
    kind = serializers.CharField(source="transfer.kind")
    category = serializers.CharField(source="transfer.category")
    description = serializers.CharField(source="transfer.description")
    occurred_on = serializers.DateField(source="transfer.occurred_on")
    posted_at = serializers.DateTimeField(source="transfer.posted_at")
    reverses = serializers.UUIDField(source="transfer.reverses_id", allow_null=True)
    balance_after = serializers.IntegerField()

    class Meta:
        model = Entry
        fields = [
            "id",
            "transfer",
            "kind",
            "category",
            "description",
            "occurred_on",
            "posted_at",
            "minutes",
            "balance_after",
            "reverses",
        ]


class LegSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name")

    class Meta:
        model = Entry
        fields = ["account", "account_name", "minutes"]


class TransferSerializer(serializers.ModelSerializer):
    entries = LegSerializer(many=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "kind",
            "category",
            "description",
            "occurred_on",
            "posted_at",
            "posted_by_label",
            "reverses",
            "entries",
        ]


class DonationSerializer(serializers.Serializer):
    """A gift of time to another member of the hub, or to the community pot (`to_pot`)."""

    from_account = serializers.IntegerField(
        required=False, help_text="The account to give from; your own when left out."
    )
    to_account = InHub(Account, required=False, help_text="A member's account in this hub.")
    to_pot = serializers.BooleanField(default=False, help_text="Give to the hub's community pot.")
    minutes = serializers.IntegerField(min_value=1, max_value=100 * 60)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def validate(self, data):
        if bool(data.get("to_account")) == data["to_pot"]:
            raise serializers.ValidationError({"to_account": ["Give either to_account or to_pot."]})
        return data


class ExchangeSerializer(serializers.ModelSerializer):
    giver_name = serializers.CharField(source="giver.name", read_only=True)
    receiver_name = serializers.CharField(source="receiver.name", read_only=True)

    class Meta:
        model = Exchange
        fields = [
            "id",
            "giver",
            "giver_name",
            "receiver",
            "receiver_name",
            "minutes",
            "category",
            "description",
            "occurred_on",
            "status",
            "recorded_at",
            "confirmed_at",
            "approved_at",
            "transfer",
            "listing",
        ]
        read_only_fields = fields


class RecordExchangeSerializer(serializers.Serializer):
    """Help given: one side records it, the other confirms. A broker's record posts at once."""

    giver = InHub(Account)
    receiver = InHub(Account)
    minutes = serializers.IntegerField(min_value=1)
    category = serializers.ChoiceField(choices=Category.choices)
    description = serializers.CharField(max_length=300)
    occurred_on = serializers.DateField(required=False)
    listing = InHub(Listing, required=False, allow_null=True)
    override_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Brokers only: why this exchange may break a limit.",
    )


class ListingSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.display_name", read_only=True)
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Listing
        fields = [
            "id",
            "kind",
            "title",
            "description",
            "category",
            "tags",
            "area",
            "availability",
            "person",
            "person_name",
            "created_at",
        ]
        read_only_fields = fields

    def get_tags(self, listing: Listing) -> list[str]:
        return listing.tag_list


class ListingInputSerializer(serializers.Serializer):
    person = InHub(
        Person, required=False, help_text="Brokers: the person it is for. Others post for themselves."
    )
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=Category.choices)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list)
    area = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    availability = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
