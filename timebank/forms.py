"""Input parsing only: the rules (limits, who may do what, dates, lengths) live in timebank.services."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone

from timebank.models import Account, Category, Listing

MEMBER_CATEGORIES = [(value, label) for value, label in Category.choices if value != Category.PARTNER]


class DateInput(forms.DateInput):
    """A browser date picker, which only takes ISO dates (not the en-GB 23/11/2026 Django would write)."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 - Django's own argument name
        super().__init__(attrs=attrs, format=format)


class AccountChoiceField(forms.ModelChoiceField):
    """Shows a member by the name they go by, never their full record."""

    def label_from_instance(self, obj: Account) -> str:
        return obj.person.display_name if obj.person_id else obj.name


class TimeFields(forms.Form):
    """Hours and minutes as two boxes; `total_minutes()` is what services receive."""

    hours = forms.IntegerField(label="Hours", min_value=0, max_value=100, required=False)
    minutes = forms.IntegerField(label="Minutes", min_value=0, max_value=59, required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("hours") or data.get("minutes")):
            self.add_error("minutes", "Enter how long: hours, minutes or both.")
        return data

    def total_minutes(self) -> int:
        return (self.cleaned_data.get("hours") or 0) * 60 + (self.cleaned_data.get("minutes") or 0)


class IdempotentForm(forms.Form):
    """A hidden key made when the form is shown, so pressing the button twice posts once."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("key", f"form:{uuid.uuid4()}")
        super().__init__(*args, **kwargs)

    def idempotency_key(self) -> str | None:
        return self.cleaned_data.get("key") or None


class ExchangeForm(TimeFields):
    GAVE, RECEIVED = "gave", "received"

    direction = forms.ChoiceField(
        label="What happened?",
        choices=[(GAVE, "I gave help to a member"), (RECEIVED, "I received help from a member")],
        widget=forms.RadioSelect,
    )
    other = AccountChoiceField(
        label="Who was the other member?", queryset=Account.objects.none(), empty_label="Choose a member"
    )
    category = forms.ChoiceField(label="What kind of help?", choices=[("", "Choose"), *MEMBER_CATEGORIES])
    description = forms.CharField(
        label="What did you do?",
        max_length=300,
        help_text="For example, weeded the front garden.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    occurred_on = forms.DateField(label="When did it happen?", widget=DateInput())
    listing = forms.ModelChoiceField(
        label="Was it for an offer or request on the board?",
        queryset=Listing.objects.none(),
        required=False,
        empty_label="No",
    )

    field_order = ["direction", "other", "hours", "minutes", "category", "description", "occurred_on"]

    def __init__(self, *args, members, listings, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("occurred_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = members
        self.fields["listing"].queryset = listings
        self.fields["listing"].label_from_instance = lambda item: (
            f"{item.get_kind_display()}: {item.title} ({item.person.display_name})"
        )


class ListingForm(forms.Form):
    kind = forms.ChoiceField(
        label="Is this an offer or a request?",
        choices=[
            (Listing.Kind.OFFER, "An offer: help I can give"),
            (Listing.Kind.REQUEST, "A request: help I need"),
        ],
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label="Title", max_length=120, help_text="For example, help with a garden.")
    description = forms.CharField(
        label="Details", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    category = forms.ChoiceField(label="Category", choices=[("", "Choose"), *MEMBER_CATEGORIES])
    tags = forms.CharField(
        label="Tags", max_length=200, required=False, help_text="Words separated by commas."
    )
    area = forms.CharField(
        label="Area",
        max_length=8,
        required=False,
        help_text="The first part of a postcode, like RV3. Left empty, we use the person’s own.",
    )
    availability = forms.CharField(
        label="When", max_length=200, required=False, help_text="For example, weekday mornings."
    )

    FIELDS = ("kind", "title", "description", "category", "tags", "area", "availability")

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            # Brokers post on someone's behalf.
            self.fields = {
                "person": AccountChoiceField(
                    label="On behalf of", queryset=people, empty_label="Choose a member"
                ),
                **self.fields,
            }

    def listing_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class BoardFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Show", required=False, choices=[("", "Offers and requests"), *Listing.Kind.choices]
    )
    q = forms.CharField(label="Words", required=False, max_length=100)
    category = forms.ChoiceField(label="Category", required=False, choices=[("", "Any"), *MEMBER_CATEGORIES])
    area = forms.CharField(label="Area", required=False, max_length=8, help_text="For example, RV3.")


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why? (optional)", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DonateForm(TimeFields, IdempotentForm):
    POT = "pot"

    to = forms.ChoiceField(label="Who would you like to give time to?")
    note = forms.CharField(label="Message", max_length=300, required=False)

    field_order = ["to", "hours", "minutes", "note"]

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self._members = {str(a.pk): a for a in members}
        self.fields["to"].choices = [
            ("", "Choose"),
            (self.POT, "The community pot (for members who cannot earn time)"),
            *[(pk, a.person.display_name) for pk, a in self._members.items()],
        ]

    def recipient(self) -> Account | None:
        """The chosen member's account, or None for the community pot."""
        return self._members.get(self.cleaned_data["to"])

    def recipient_label(self) -> str:
        account = self.recipient()
        return account.person.display_name if account is not None else "the community pot"


class SpendForm(IdempotentForm):
    way = forms.ModelChoiceField(
        label="What would you like?", queryset=None, widget=forms.RadioSelect, empty_label=None
    )
    quantity = forms.IntegerField(label="How many?", min_value=1, max_value=20, initial=1)

    def __init__(self, *args, ways, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["way"].queryset = ways
        self.fields["way"].label_from_instance = lambda w: f"{w.title} at {w.partner.name}"


class FindElsewhereForm(forms.Form):
    """Step one of sending to another hub: which hub, and the name the sender already knows."""

    hub = forms.ModelChoiceField(label="Which time bank?", queryset=None, empty_label="Choose")
    name = forms.CharField(
        label="Their name", min_length=2, max_length=100, help_text="Type at least the start of their name."
    )

    def __init__(self, *args, hubs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hub"].queryset = hubs


class SendForm(TimeFields, IdempotentForm):
    to = AccountChoiceField(label="Who?", queryset=None, widget=forms.RadioSelect, empty_label=None)
    note = forms.CharField(label="Message", max_length=200, required=False)

    field_order = ["to", "hours", "minutes", "note"]

    def __init__(self, *args, recipients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = recipients


class StatementForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=DateInput())
    end = forms.DateField(label="To", required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end date must be on or after the start date.")
        return data
