"""Input parsing and output shapes for the people API; the rules live in people.services."""

from rest_framework import serializers

from core.models import AuditEvent
from people.models import ConsentEvent, ConsentPurpose, Person
from people.services import LIST_KINDS, PERSON_FIELDS


class ProfileListsSerializer(serializers.Serializer):
    need = serializers.ListField(child=serializers.CharField(max_length=300), required=False)
    hope = serializers.ListField(child=serializers.CharField(max_length=300), required=False)
    skill = serializers.ListField(child=serializers.CharField(max_length=300), required=False)
    interest = serializers.ListField(child=serializers.CharField(max_length=300), required=False)
    lived_experience = serializers.ListField(child=serializers.CharField(max_length=300), required=False)


class PersonSerializer(serializers.ModelSerializer):
    """A person's record. `what_matters_and_offers` holds the two lists by kind."""

    roles = serializers.SerializerMethodField()
    what_matters_and_offers = ProfileListsSerializer(required=False)

    class Meta:
        model = Person
        fields = [
            "id",
            *PERSON_FIELDS,
            "roles",
            "what_matters_and_offers",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "roles", "created_at", "updated_at"]
        # Uniqueness, NHS number and postcode checks belong to the service, which gives the
        # same messages to pages and the API.
        validators = []
        extra_kwargs = {"nhs_number": {"validators": []}, "postcode": {"validators": []}}

    def get_roles(self, person) -> list[str]:
        return sorted(g.role for g in person.role_grants.all())

    def to_representation(self, person):
        data = super().to_representation(person)
        lists = {kind: [] for kind in LIST_KINDS}
        for entry in person.profile_entries.all():
            lists[entry.kind].append(entry.text)
        data["what_matters_and_offers"] = lists
        return data

    def split(self) -> tuple[dict, dict | None]:
        data = dict(self.validated_data)
        lists = data.pop("what_matters_and_offers", None)
        return data, lists


class ConsentStateSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    label = serializers.CharField()
    granted = serializers.BooleanField()
    recorded_at = serializers.DateTimeField(source="event.recorded_at", allow_null=True)


class ConsentInputSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    granted = serializers.BooleanField()
    method = serializers.ChoiceField(choices=ConsentEvent.Method.choices)
    detail = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ConsentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsentEvent
        fields = [
            "id",
            "purpose",
            "granted",
            "method",
            "detail",
            "recorded_at",
            "recorded_by_label",
        ]


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["at", "actor_label", "action", "summary", "fields"]


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
