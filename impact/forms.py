"""Input parsing for impact pages. Rules live in services; these only turn text into values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.utils import timezone

from core.errors import DomainError
from impact.definitions import Definition
from impact.models import CostLine, SroiInput, SroiOutcome

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def parse_date(text: str) -> date:
    """Today when empty; otherwise day/month/year (or ISO). DomainError names the field."""
    if not text.strip():
        return timezone.localdate()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()  # noqa: DTZ007 - a date, no time zone
        except ValueError:
            continue
    raise DomainError(
        "Enter the date as day/month/year.", {"taken_on": ["Enter the date as day/month/year."]}
    )


def _percent(label: str, help_text: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=2,
        initial=0,
    )


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", input_formats=DATE_FORMATS, help_text="For example, 1/4/2025.")
    end = forms.DateField(label="To", input_formats=DATE_FORMATS, help_text="For example, 31/3/2026.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", "The end date must be on or after the start date.")
        return cleaned


class ModelForm(PeriodForm):
    name = forms.CharField(label="Name of the model", max_length=200)
    scope = forms.CharField(
        label="Scope",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What activity, for whom, and why you are measuring it.",
    )
    discount_rate = forms.DecimalField(
        label="Discount rate (%)",
        initial=Decimal("3.5"),
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=2,
        help_text="The Green Book's 3.5% unless you have a reason to change it.",
    )
    hour_value = forms.DecimalField(
        label="Value of an hour of volunteer or member time (£)",
        required=False,
        min_value=Decimal("0"),
        decimal_places=2,
        help_text="Leave empty to use the hub's time-bank wage.",
    )

    field_order = ["name", "scope", "start", "end", "discount_rate", "hour_value"]


class StakeholderForm(forms.Form):
    name = forms.CharField(label="Stakeholder name", max_length=200, help_text="For example, members.")
    involvement = forms.CharField(
        label="How they were involved", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class InputForm(forms.Form):
    description = forms.CharField(
        label="Input", max_length=200, help_text="For example, grant from the council."
    )
    kind = forms.ChoiceField(label="Kind of input", choices=SroiInput.Kind.choices)
    amount = forms.DecimalField(
        label="Amount (£)",
        required=False,
        min_value=Decimal("0"),
        decimal_places=2,
        help_text="For money and in-kind inputs.",
    )
    hours = forms.DecimalField(
        label="Hours",
        required=False,
        min_value=Decimal("0"),
        decimal_places=2,
        help_text="For volunteer and member time, valued at the model's hour value.",
    )


class OutcomeForm(forms.Form):
    stakeholder = forms.ChoiceField(label="Whose outcome")
    description = forms.CharField(label="Outcome", max_length=200, help_text="What changed, in their words.")
    indicator = forms.CharField(label="Indicator", max_length=300, help_text="How you know it changed.")
    quantity_source = forms.ChoiceField(
        label="Quantity comes from", choices=SroiOutcome.QuantitySource.choices
    )
    instrument = forms.ChoiceField(label="Questionnaire", required=False, help_text="For members improved.")
    quantity = forms.DecimalField(
        label="Quantity",
        required=False,
        min_value=Decimal("0"),
        decimal_places=2,
        help_text="Only when you enter the number yourself.",
    )
    proxy = forms.ChoiceField(label="Financial proxy")
    duration_years = forms.IntegerField(
        label="Years the outcome lasts", min_value=1, max_value=100, initial=1
    )
    deadweight = _percent("Deadweight (%)", "How much would have happened anyway.")
    displacement = _percent("Displacement (%)", "How much displaced other good outcomes.")
    attribution = _percent("Attribution (%)", "How much is down to others.")
    drop_off = _percent("Drop-off (%)", "How much the outcome fades each year after the first.")
    evidence = forms.CharField(
        label="Evidence for these figures", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, stakeholders, proxies, instruments: dict[str, Definition], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholder"].choices = [(s.pk, s.name) for s in stakeholders]
        self.fields["proxy"].choices = [(p.pk, str(p)) for p in proxies]
        self.fields["instrument"].choices = [("", "Not from a questionnaire")] + [
            (code, d.name) for code, d in instruments.items()
        ]


class ProxyForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    unit = forms.CharField(label="Per", max_length=100, help_text="For example, person a year.")
    value = forms.DecimalField(label="Value (£)", min_value=Decimal("0"), decimal_places=2)
    source = forms.CharField(label="Source", max_length=500, help_text="Where the value comes from.")
    year = forms.IntegerField(label="Price year", min_value=1990, max_value=2100)


class ComparisonForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    cohort = forms.CharField(label="Who is counted", max_length=300)
    people = forms.IntegerField(label="People in the cohort", min_value=1)
    before_period = forms.CharField(
        label="Before period", max_length=100, help_text="For example, 6 months before."
    )
    after_period = forms.CharField(
        label="After period", max_length=100, help_text="For example, 6 months after."
    )
    data_source = forms.CharField(label="Where the counts come from", max_length=300)


class CostLineForm(forms.Form):
    event = forms.ChoiceField(label="Event", choices=CostLine.Event.choices)
    before = forms.IntegerField(label="Count before", min_value=0)
    after = forms.IntegerField(label="Count after", min_value=0)
    unit_cost = forms.DecimalField(label="Unit cost (£)", min_value=Decimal("0"), decimal_places=2)
    unit_cost_source = forms.CharField(label="Source of the unit cost", max_length=300)
    unit_cost_year = forms.IntegerField(label="Price year", min_value=1990, max_value=2100)


def answers_form(definition: Definition, *, goals: int = 3, data=None) -> forms.Form:
    """A form for one questionnaire: a choice per item, or label/score/weight rows for goal instruments."""
    fields: dict[str, forms.Field] = {}
    scale = [
        (str(v), definition.scale_labels.get(str(v), str(v)))
        for v in range(definition.scale_min, definition.scale_max + 1)
    ]
    choices = [("", "Not answered")] + [(v, f"{v} – {label}" if label != v else v) for v, label in scale]
    if definition.kind == "items":
        for item in definition.items:
            fields[item.key] = forms.TypedChoiceField(
                label=item.text,
                help_text=item.hint,
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
            )
    else:
        for n in range(1, goals + 1):
            fields[f"goal_{n}_label"] = forms.CharField(label=f"Goal {n}", required=False, max_length=200)
            fields[f"goal_{n}_score"] = forms.TypedChoiceField(
                label=f"Goal {n}: rating", choices=choices, coerce=int, required=False, empty_value=None
            )
            if definition.code == "gas":
                fields[f"goal_{n}_weight"] = forms.DecimalField(
                    label=f"Goal {n}: weight", required=False, min_value=Decimal("0.1"), initial=1
                )
    form_class = type("AnswersForm", (forms.Form,), fields)
    return form_class(data=data)


def answers_from(definition: Definition, cleaned: dict) -> dict:
    if definition.kind == "items":
        return {item.key: cleaned.get(item.key) for item in definition.items}
    goals = []
    n = 1
    while f"goal_{n}_score" in cleaned:
        if cleaned.get(f"goal_{n}_label") or cleaned.get(f"goal_{n}_score") is not None:
            weight = cleaned.get(f"goal_{n}_weight") or 1
            goals.append(
                {
                    "label": cleaned.get(f"goal_{n}_label", ""),
                    "score": cleaned.get(f"goal_{n}_score"),
                    "weight": float(weight),
                }
            )
        n += 1
    return {"goals": goals}
