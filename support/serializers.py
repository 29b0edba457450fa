"""Input parsing and output shapes for the support API; the rules live in support.services."""

from rest_framework import serializers

from support.models import Referral, Source, SupportSession


class ReferralInputSerializer(serializers.Serializer):
    """A referral as sent to the API. Values are checked by services.clean_referral_data, which gives
    the forms, the upload and the API the same messages; unknown fields are refused there too."""

    service = serializers.IntegerField()
    full_name = serializers.CharField(allow_blank=True)
    date_of_birth = serializers.CharField(required=False, allow_blank=True)
    postcode = serializers.CharField(required=False, allow_blank=True)
    nhs_number = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)
    gp_practice = serializers.CharField(required=False, allow_blank=True)
    source = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    reason_detail = serializers.CharField(required=False, allow_blank=True)
    urgency = serializers.CharField(required=False)
    referrer_name = serializers.CharField(required=False, allow_blank=True)
    referrer_organisation = serializers.CharField(required=False, allow_blank=True)
    referrer_email = serializers.CharField(required=False, allow_blank=True)
    referrer_phone = serializers.CharField(required=False, allow_blank=True)
    referrer_address = serializers.CharField(required=False, allow_blank=True)
    consent_to_report_back = serializers.BooleanField(required=False)

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: ["This is not a referral field."] for name in sorted(unknown)}
            )
        return attrs


class SelfReferralInputSerializer(ReferralInputSerializer):
    hub = serializers.SlugField()
    source = serializers.ChoiceField(choices=[Source.SELF, Source.FAMILY], required=False)


class ReferralSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name")
    person_id = serializers.IntegerField(allow_null=True)
    worker_name = serializers.SerializerMethodField()
    step_name = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "service",
            "service_name",
            "person_id",
            "full_name",
            "source",
            "channel",
            "reasons",
            "urgency",
            "status",
            "received_at",
            "decided_at",
            "decision_reason",
            "redirected_to",
            "worker_name",
            "step_name",
            "next_action",
            "next_action_on",
            "closed_at",
            "close_reason",
        ]

    def get_worker_name(self, referral) -> str:
        return referral.worker.display_name if referral.worker else ""

    def get_step_name(self, referral) -> str:
        return referral.current_step.name if referral.current_step else ""


class ReferrerViewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    service = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    outcome = serializers.CharField()


class RuleResultSerializer(serializers.Serializer):
    rule = serializers.CharField()
    passed = serializers.BooleanField(allow_null=True)
    detail = serializers.CharField()
    redirect_to = serializers.CharField()


class DecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "decline", "redirect"])
    reason = serializers.CharField(allow_blank=True)
    worker = serializers.IntegerField(required=False)
    redirect_to = serializers.CharField(required=False, allow_blank=True, default="")


class SessionInputSerializer(serializers.Serializer):
    held_on = serializers.CharField()
    kind = serializers.CharField()
    minutes = serializers.IntegerField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    sensitivity = serializers.CharField(required=False, default=SupportSession.Sensitivity.STANDARD)


class SessionViewSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="session.id")
    held_on = serializers.DateField(source="session.held_on")
    kind = serializers.CharField(source="session.kind")
    minutes = serializers.IntegerField(source="session.minutes")
    step = serializers.CharField(source="session.step.name")
    worker = serializers.CharField(source="session.worker.display_name")
    sensitivity = serializers.CharField(source="session.sensitivity")
    notes = serializers.CharField()
    notes_hidden = serializers.BooleanField()


class CaseloadRowSerializer(serializers.Serializer):
    referral = serializers.IntegerField(source="referral.id")
    person = serializers.CharField(source="person.display_name")
    service = serializers.CharField(source="referral.service.name")
    step = serializers.CharField(source="referral.current_step.name")
    last_contact = serializers.DateField(allow_null=True)
    next_action = serializers.CharField(source="referral.next_action")
    next_action_on = serializers.DateField(source="referral.next_action_on", allow_null=True)
    sessions_used = serializers.IntegerField()
    session_cap = serializers.IntegerField(allow_null=True)


class CaseloadSerializer(serializers.Serializer):
    """A worker's caseload: its size against their limit, a warning when near or over it, and the rows."""

    size = serializers.IntegerField()
    limit = serializers.IntegerField()
    warning = serializers.CharField(allow_blank=True)
    rows = CaseloadRowSerializer(many=True)


class UploadInputSerializer(serializers.Serializer):
    service = serializers.IntegerField()
    file = serializers.FileField()
