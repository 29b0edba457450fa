"""Input parsing only: the rules live in people.services."""

from django import forms
from django.forms.models import fields_for_model

from core.models import AuditEvent
from core.roles import Role
from people.models import ConsentEvent, ConsentPurpose, Person, ProfileEntry
from people.services import LIST_KINDS, PERSON_FIELDS

LIST_HELP = {
    ProfileEntry.Kind.NEED: "What they need help with now. One per line.",
    ProfileEntry.Kind.HOPE: "What they hope for. One per line.",
    ProfileEntry.Kind.SKILL: "Things they are good at and could share. One per line.",
    ProfileEntry.Kind.INTEREST: "What they enjoy or want to do more of. One per line.",
    ProfileEntry.Kind.LIVED_EXPERIENCE: "Experience they could draw on to support others. One per line.",
}
LIST_LABELS = {
    ProfileEntry.Kind.NEED: "Needs",
    ProfileEntry.Kind.HOPE: "Hopes",
    ProfileEntry.Kind.SKILL: "Skills",
    ProfileEntry.Kind.INTEREST: "Interests",
    ProfileEntry.Kind.LIVED_EXPERIENCE: "Lived experience",
}


class DateInput(forms.DateInput):
    input_type = "date"


class PersonForm(forms.Form):
    """The person's details plus the two lists (one textarea per kind, one item per line)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                Person,
                fields=PERSON_FIELDS,
                widgets={
                    "date_of_birth": DateInput(),
                    "address": forms.Textarea(attrs={"rows": 3}),
                    "communication_needs": forms.Textarea(attrs={"rows": 3}),
                },
            )
        )
        # The service normalises and checks these; the form only carries the text.
        for name in ("nhs_number", "postcode"):
            self.fields[name].validators = []
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        for kind in LIST_KINDS:
            self.fields[kind] = forms.CharField(
                label=LIST_LABELS[kind],
                help_text=LIST_HELP[kind],
                required=False,
                max_length=10000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    @classmethod
    def initial_for(cls, person: Person, lists: dict[str, list[str]]) -> dict:
        initial = {f: getattr(person, f) for f in PERSON_FIELDS}
        initial.update({kind: "\n".join(items) for kind, items in lists.items()})
        return initial

    def person_data(self) -> dict:
        return {f: self.cleaned_data[f] for f in PERSON_FIELDS}

    def lists(self) -> dict[str, list[str]]:
        return {kind: self.cleaned_data[kind].splitlines() for kind in LIST_KINDS}


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(
        label="What is the consent for?", choices=ConsentPurpose.choices, widget=forms.RadioSelect
    )
    granted = forms.TypedChoiceField(
        label="What did they say?",
        choices=[("yes", "Yes"), ("no", "No, or withdraw it")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label="How did they tell us?", choices=ConsentEvent.Method.choices, widget=forms.RadioSelect
    )
    detail = forms.CharField(
        label="Details (optional)",
        required=False,
        max_length=500,
        help_text="For example, the supporters they named.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles in this hub",
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class AuditSearchForm(forms.Form):
    q = forms.CharField(label="Who or what", required=False, max_length=100)
    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "Any"), *AuditEvent.Action.choices],
    )
    date_from = forms.DateField(label="From", required=False, widget=DateInput())
    date_to = forms.DateField(label="To", required=False, widget=DateInput())


class LoginForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="Letters, digits and @ . + - _ only. If the person has an email address, we send "
        "them a link to choose their password.",
    )
