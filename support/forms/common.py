"""What the support forms share: date and time pickers, text areas, a person chosen by name, and
lines of text split into a list."""

from __future__ import annotations

from django import forms

from people.models import Person

YES_NO = [("yes", "Yes"), ("no", "No")]


class DateInput(forms.DateInput):
    """A browser date picker (ISO dates only)."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 - Django's own argument name
        super().__init__(attrs=attrs, format=format)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None, format="%Y-%m-%dT%H:%M"):  # noqa: A002 - Django's own argument name
        super().__init__(attrs=attrs, format=format)


def text_area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PersonChoiceField(forms.ModelChoiceField):
    """A person by the name they go by."""

    def label_from_instance(self, obj: Person) -> str:
        return obj.display_name


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
