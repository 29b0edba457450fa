"""Input parsing for the practice pages; every rule lives in practice.services."""

from __future__ import annotations

from django import forms

from people.models import Person
from practice.frameworks import (
    DELIVERERS,
    DEPTH_QUESTIONS,
    FOUR_CO_TAGS,
    LADDER,
    PLANNERS,
    PRINCIPLE_BY_KEY,
    PRINCIPLE_CHOICES,
    RATINGS,
    SCORE_CHOICES,
)
from practice.models import Action, Perspective, Round

DONT_KNOW = "dk"
YES_NO = [("yes", "Yes"), ("no", "No")]


class RoundForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, help_text="For example, Spring 2027 reflection.")
    about = forms.CharField(
        label="Service or team",
        max_length=200,
        help_text="What the round looks at, such as the Live Well team.",
    )


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.display_name


def people_choice(
    hub, *, label: str, roles=None, login_only: bool = False, required: bool = True
) -> PersonChoice:
    qs = Person.objects.filter(hub=hub).order_by("full_name", "id")
    if roles:
        qs = qs.filter(role_grants__role__in=roles).distinct()
    if login_only:
        qs = qs.filter(user__isnull=False)
    return PersonChoice(queryset=qs, label=label, required=required, empty_label="Choose a person")


class InviteForm(forms.Form):
    perspective = forms.ChoiceField(
        label="Answers as",
        choices=[("", "Decide from their roles"), *Perspective.choices],
        required=False,
    )

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"person": people_choice(hub, label="Who to invite", login_only=True)} | self.fields


class AnswerForm(forms.Form):
    """One question per statement in the round, grouped by principle in the template."""

    def __init__(self, *args, round_: Round, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(value), label) for value, label in RATINGS] + [(DONT_KNOW, "Don't know")]
        self.items = list(round_.items.all())
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.text, choices=choices, widget=forms.RadioSelect, required=False
            )

    def groups(self):
        """[(principle, [bound fields])] in the round's order."""
        grouped: list[tuple[object, list]] = []
        for item in self.items:
            principle = PRINCIPLE_BY_KEY[item.principle]
            if not grouped or grouped[-1][0] != principle:
                grouped.append((principle, []))
            grouped[-1][1].append(self[f"item_{item.pk}"])
        return grouped

    def ratings(self) -> dict[int, int | None]:
        result: dict[int, int | None] = {}
        for item in self.items:
            value = self.cleaned_data.get(f"item_{item.pk}")
            result[item.pk] = int(value) if value not in (None, "", DONT_KNOW) else None
        return result


class PaperForm(AnswerForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "perspective": forms.ChoiceField(
                label="Who filled in the paper form", choices=Perspective.choices, widget=forms.RadioSelect
            )
        } | self.fields


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Your code", max_length=40, help_text="It is on your invitation or the paper form."
    )


class StatementForm(forms.Form):
    principle = forms.ChoiceField(label="Principle", choices=PRINCIPLE_CHOICES)
    text = forms.CharField(label="Statement", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    active = forms.BooleanField(label="Ask this in new rounds", required=False, initial=True)


class DepthForm(forms.Form):
    about = forms.CharField(label="Service or team", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in DEPTH_QUESTIONS:
            self.fields[question.key] = forms.ChoiceField(
                label=question.text, choices=YES_NO, widget=forms.RadioSelect
            )
        self.fields["plans"] = forms.ChoiceField(
            label="Who plans the service?", choices=PLANNERS, widget=forms.RadioSelect
        )
        self.fields["delivers"] = forms.ChoiceField(
            label="Who delivers the service?", choices=DELIVERERS, widget=forms.RadioSelect
        )
        self.fields["ladder"] = forms.ChoiceField(
            label="Where it sits on the ladder",
            help_text="Leave as it is to work it out from who plans and who delivers.",
            choices=[("", "Work it out for me")] + [(k, label) for k, label, _ in LADDER],
            required=False,
        )
        self.fields["notes"] = forms.CharField(
            label="Notes", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
        )

    def answers(self) -> dict[str, bool]:
        return {
            q.key: self.cleaned_data.get(q.key) == "yes"
            for q in DEPTH_QUESTIONS
            if self.cleaned_data.get(q.key)
        }


class PlanForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"] = forms.ModelChoiceField(
            queryset=Round.objects.filter(hub=hub, status=Round.Status.CLOSED),
            label="Round it follows",
            required=False,
            empty_label="None",
        )


class PriorityForm(forms.Form):
    title = forms.CharField(label="Priority", max_length=200)


class ActionForm(forms.Form):
    text = forms.CharField(label="Action", max_length=300)
    principle = forms.ChoiceField(label="Principle it strengthens", choices=PRINCIPLE_CHOICES)
    due_on = forms.DateField(label="Due by", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    review_on = forms.DateField(
        label="Review on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        # Not required here: the service refuses an action without both leads, with its own message.
        self.fields["staff_lead"] = people_choice(hub, label="Staff lead", required=False)
        self.fields["member_lead"] = people_choice(hub, label="Member lead", required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=Action.Status.choices)


class ActivityForm(forms.Form):
    title = forms.CharField(label="Activity or idea", max_length=200)
    description = forms.CharField(
        label="What it involves", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    tags = forms.MultipleChoiceField(
        label="Which of the Four Co's", choices=FOUR_CO_TAGS, widget=forms.CheckboxSelectMultiple
    )
    impact = forms.TypedChoiceField(
        label="Impact", choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    effort = forms.TypedChoiceField(
        label="Effort", choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
    )


class StakeholderForm(forms.Form):
    name = forms.CharField(label="Person or organisation", max_length=200)
    high_power = forms.ChoiceField(
        label="Do they have a lot of power over the work?", choices=YES_NO, widget=forms.RadioSelect
    )
    high_influence = forms.ChoiceField(
        label="Do they have a lot of influence on others?", choices=YES_NO, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CatalogueFilterForm(forms.Form):
    text = forms.CharField(label="Search", required=False, max_length=100)
    keyword = forms.ChoiceField(label="Keyword", required=False)
    principle = forms.ChoiceField(
        label="Strong in", required=False, choices=[("", "Any principle"), *PRINCIPLE_CHOICES]
    )
    depth = forms.ChoiceField(
        label="Depth",
        required=False,
        choices=[
            ("", "Any depth"),
            ("descriptive", "Descriptive"),
            ("intermediate", "Intermediate"),
            ("transformative", "Transformative"),
        ],
    )

    def __init__(self, *args, keywords: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keyword"].choices = [("", "Any keyword")] + [(k, k) for k in keywords]
