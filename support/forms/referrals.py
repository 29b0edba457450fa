"""Forms for referrals coming in (staff and referrers, the public form, the CSV upload) and the filter
of the referral list."""

from __future__ import annotations

from typing import Any

from django import forms

from support.forms.common import YES_NO, DateInput, text_area
from support.models import Reason, Referral, Source


class ReferralForm(forms.Form):
    """The staff form (support staff and referrers with a login). Dates stay text: the service checks them."""

    service = forms.ModelChoiceField(
        label="Which service?",
        queryset=None,
        empty_label="Choose a service",  # type: ignore[arg-type]
    )
    full_name = forms.CharField(
        label="Full name of the person being referred",
        max_length=200,
        error_messages={"required": "Enter the name of the person being referred."},
    )
    date_of_birth = forms.CharField(
        label="Date of birth", required=False, widget=DateInput(), help_text="Leave empty if you do not know."
    )
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    nhs_number = forms.CharField(label="NHS number", max_length=12, required=False)
    email = forms.CharField(label="Their email address", max_length=254, required=False)
    phone = forms.CharField(label="Their phone number", max_length=30, required=False)
    gp_practice = forms.CharField(label="Their GP practice", max_length=200, required=False)
    source = forms.ChoiceField(
        label="Who is making the referral?",
        choices=[(v, label) for v, label in Source.choices if v != Source.SELF],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who is making the referral."},
    )
    reasons = forms.MultipleChoiceField(
        label="Why are you referring them?",
        choices=Reason.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one reason."},
        help_text="Choose all that apply.",
    )
    reason_detail = forms.CharField(
        label="Tell us more", required=False, widget=text_area(), help_text="Anything the team should know."
    )
    urgency = forms.ChoiceField(
        label="How soon do they need support?",
        choices=Referral.Urgency.choices,
        widget=forms.RadioSelect,
        initial=Referral.Urgency.ROUTINE,
        required=False,
    )
    referrer_name = forms.CharField(label="Your name", max_length=200, required=False)
    referrer_organisation = forms.CharField(label="Your organisation", max_length=200, required=False)
    referrer_email = forms.CharField(
        label="Your email address",
        max_length=254,
        required=False,
        help_text="We tell you the outcome here, if they agree.",
    )
    referrer_phone = forms.CharField(label="Your phone number", max_length=30, required=False)
    referrer_address = forms.CharField(
        label="Your postal address",
        max_length=500,
        required=False,
        help_text="Only needed if you have no email address; we will send a letter.",
    )
    consent_to_report_back = forms.ChoiceField(
        label="Have they agreed to us telling you how the referral went?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )

    DATA_FIELDS = (
        "full_name",
        "date_of_birth",
        "postcode",
        "nhs_number",
        "email",
        "phone",
        "gp_practice",
        "source",
        "reasons",
        "reason_detail",
        "urgency",
        "referrer_name",
        "referrer_organisation",
        "referrer_email",
        "referrer_phone",
        "referrer_address",
    )

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services

    def referral_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.DATA_FIELDS}
        data["consent_to_report_back"] = self.cleaned_data.get("consent_to_report_back") == "yes"
        return {k: v for k, v in data.items() if v not in (None, "")}


class SelfReferralForm(forms.Form):
    """The public form, in plain words: no login, no NHS number asked."""

    service = forms.ModelChoiceField(
        label="Which support would you like?",
        queryset=None,  # type: ignore[arg-type]
        widget=forms.RadioSelect,
        empty_label=None,
    )
    source = forms.ChoiceField(
        label="Who is filling in this form?",
        choices=[
            (Source.SELF, "I am asking for support for myself"),
            (Source.FAMILY, "I am asking for a family member or friend"),
        ],
        widget=forms.RadioSelect,
        initial=Source.SELF,
    )
    full_name = forms.CharField(
        label="Full name of the person who would like support",
        max_length=200,
        error_messages={"required": "Enter the name of the person who would like support."},
    )
    date_of_birth = forms.CharField(label="Their date of birth", required=False, widget=DateInput())
    postcode = forms.CharField(label="Their postcode", max_length=10, required=False)
    email = forms.CharField(label="Email address", max_length=254, required=False)
    phone = forms.CharField(
        label="Phone number",
        max_length=30,
        required=False,
        help_text="We will call or email to arrange a chat.",
    )
    gp_practice = forms.CharField(label="GP practice", max_length=200, required=False)
    reasons = forms.MultipleChoiceField(
        label="What would you like help with?",
        choices=Reason.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one thing you would like help with."},
        help_text="Choose all that apply.",
    )
    reason_detail = forms.CharField(
        label="Anything else you would like us to know", required=False, widget=text_area()
    )
    referrer_name = forms.CharField(
        label="Your name, if you are filling this in for someone else", max_length=200, required=False
    )

    DATA_FIELDS = (
        "source",
        "full_name",
        "date_of_birth",
        "postcode",
        "email",
        "phone",
        "gp_practice",
        "reasons",
        "reason_detail",
        "referrer_name",
    )

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services

    def referral_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.DATA_FIELDS}
        return {k: v for k, v in data.items() if v not in (None, "")}


class UploadForm(forms.Form):
    service = forms.ModelChoiceField(
        label="Which service are the referrals for?", queryset=None, empty_label="Choose a service"
    )  # type: ignore[arg-type]
    file = forms.FileField(label="Spreadsheet (CSV)", help_text="Use the template; at most 1,000 rows.")

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", choices=[("", "Any")] + list(Referral.Status.choices), required=False
    )
    source = forms.ChoiceField(
        label="Referred by", choices=[("", "Any")] + list(Source.choices), required=False
    )
