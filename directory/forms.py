"""Input parsing only: the rules live in directory.services and directory.queries."""

from __future__ import annotations

from django import forms

from directory import queries
from directory.hsds import WEEKDAYS
from directory.models import Service

DAY_CHOICES = [(d, queries.DAY_NAMES[d]) for d in WEEKDAYS]
# With a postcode and no choice, results stop at 25 miles: further is rarely useful, and the search
# stays quick however large the directory.
DEFAULT_MILES = 25
DISTANCE_CHOICES = [
    ("", f"Within {DEFAULT_MILES} miles"),
    ("1", "Within 1 mile"),
    ("3", "Within 3 miles"),
    ("5", "Within 5 miles"),
    ("10", "Within 10 miles"),
]
METRES_PER_MILE = 1609.344


class TimeInput(forms.TimeInput):
    input_type = "time"


class SearchForm(forms.Form):
    q = forms.CharField(
        label="What are you looking for?",
        required=False,
        max_length=100,
        help_text="For example, walking group, coffee morning or debt advice.",
    )
    postcode = forms.CharField(
        label="Postcode",
        required=False,
        max_length=10,
        help_text="To see what is nearest first, for example RV1 2AB.",
    )
    distance = forms.ChoiceField(label="How far", required=False, choices=DISTANCE_CHOICES)
    category = forms.ChoiceField(label="Category", required=False)
    age = forms.IntegerField(label="Age of the person it is for", required=False, min_value=0, max_value=120)
    cost = forms.MultipleChoiceField(
        label="Cost", required=False, choices=[("free", "Free only")], widget=forms.CheckboxSelectMultiple
    )
    day = forms.ChoiceField(label="Day", required=False, choices=[("", "Any day"), *DAY_CHOICES])
    after = forms.TimeField(label="Starting at or after", required=False, widget=TimeInput())
    accessibility = forms.ChoiceField(
        label="Access needs",
        required=False,
        choices=[("", "No particular needs"), *queries.ACCESSIBILITY_CHOICES],
    )
    sort = forms.ChoiceField(
        label="Show first",
        required=False,
        choices=[("", "Nearest"), ("relevance", "Best match for the words")],
        help_text="Nearest needs a postcode. Without one, the best match comes first.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Any category"), *queries.category_choices()]

    def filters(self, *, hub=None) -> queries.Filters:
        data = self.cleaned_data
        distance = data.get("distance")
        return queries.Filters(
            text=data.get("q") or "",
            term_ids=[data["category"]] if data.get("category") else [],
            age=data.get("age"),
            free="free" in (data.get("cost") or []),
            day=data.get("day") or "",
            start_time=data.get("after"),
            accessibility=data.get("accessibility") or "",
            postcode=data.get("postcode") or "",
            radius_m=float(distance or DEFAULT_MILES) * METRES_PER_MILE,
            hub=hub,
            sort=data.get("sort") or "",
        )


class ServiceForm(forms.Form):
    """The staff form: the five questions, then when and where. Field names are SERVICE_FIELDS."""

    name = forms.CharField(label="Name of the service", max_length=200)
    organization_name = forms.CharField(label="Organisation that runs it", max_length=200)
    description = forms.CharField(
        label="What is it?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In plain words: what happens, and what people get from it.",
    )
    eligibility_description = forms.CharField(
        label="Who can use it?", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    minimum_age = forms.IntegerField(label="Youngest age", required=False, min_value=0, max_value=120)
    maximum_age = forms.IntegerField(label="Oldest age", required=False, min_value=0, max_value=120)
    cost_amount = forms.DecimalField(
        label="How much does it cost, in pounds?",
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        help_text="0 if it is free. Leave empty if it varies.",
    )
    fees_description = forms.CharField(
        label="More about the cost", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    help_with_cost = forms.CharField(
        label="Can people get help with the cost?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    application_process = forms.CharField(
        label="How do people get in touch or join?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    phone = forms.CharField(label="Phone number", required=False, max_length=30)
    email = forms.CharField(label="Email address", required=False, max_length=254)
    url = forms.CharField(label="Website", required=False, max_length=500)
    referral_mode = forms.ChoiceField(
        label="Referrals",
        choices=Service.ReferralMode.choices,
        widget=forms.RadioSelect,
        initial=Service.ReferralMode.SIGNPOST,
    )
    capacity = forms.IntegerField(label="Places in all", required=False, min_value=0, max_value=10000)
    spaces_left = forms.IntegerField(label="Spaces left now", required=False, min_value=0, max_value=10000)
    days = forms.MultipleChoiceField(
        label="Days it runs", required=False, choices=DAY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    opens_at = forms.TimeField(label="Starts at", required=False, widget=TimeInput())
    closes_at = forms.TimeField(label="Ends at", required=False, widget=TimeInput())
    schedule_description = forms.CharField(
        label="More about when",
        required=False,
        max_length=500,
        help_text="For example, every week except school holidays.",
    )
    location_name = forms.CharField(label="Name of the place", required=False, max_length=200)
    address_1 = forms.CharField(label="Street address", required=False, max_length=200)
    city = forms.CharField(label="Town", required=False, max_length=100)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    accessibility = forms.CharField(
        label="Access",
        required=False,
        max_length=1000,
        help_text="For example, step-free access, hearing loop, accessible toilet.",
    )
    term_ids = forms.MultipleChoiceField(
        label="Categories", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, term_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term_ids"].choices = list(term_choices)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("opens_at", "closes_at"):
            data[name] = data[name].isoformat(timespec="minutes") if data.get(name) else None
        if data.get("cost_amount") is not None:
            data["cost_amount"] = str(data["cost_amount"])
        return data


class RetireForm(forms.Form):
    reason = forms.CharField(
        label="Why is it being retired?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, the group has stopped meeting. This is kept with the record.",
    )


class ShareForm(forms.Form):
    hubs = forms.MultipleChoiceField(
        label="Hubs that may list this service and refer people to it",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="They see it in their directory and refer to it; only your hub can change it.",
    )

    def __init__(self, *args, hub_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hubs"].choices = list(hub_choices)
