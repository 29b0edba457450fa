"""Forms for one referral's journey: the decision and exclusions, sessions, hand-overs, the next
action, the "what matters to you" conversation, onward referrals, follow-ups and closing."""

from __future__ import annotations

from django import forms

from people.models import Person, ProfileEntry
from support.forms.common import DateInput, PersonChoiceField, lines, text_area
from support.models import FollowUp, OnwardReferral, Referral, SupportSession


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="What have you decided?",
        choices=[
            ("accept", "Accept: offer support"),
            ("decline", "Decline"),
            ("redirect", "Redirect to another service"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose accept, decline or redirect."},
    )
    reason = forms.CharField(
        label="Why?",
        error_messages={"required": "The reason for the decision is required."},
        widget=text_area(),
        help_text="A reason is needed for every decision.",
    )
    worker = PersonChoiceField(
        label="Who will support them first?",
        queryset=Person.objects.none(),
        required=False,
        empty_label="Me",
        help_text="Only needed when you accept.",
    )
    redirect_to = forms.CharField(
        label="Where are you redirecting them?",
        max_length=300,
        required=False,
        help_text="Only needed when you redirect.",
    )
    code = forms.ModelChoiceField(
        label="Clinical code",
        queryset=None,
        required=False,
        empty_label="None",  # type: ignore[arg-type]
    )

    def __init__(self, *args, workers=(), codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers
        self.fields["code"].queryset = codes


class ExclusionsForm(forms.Form):
    exclusion_ids = forms.MultipleChoiceField(
        label="Which of these apply?",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The service does not support people with these needs.",
    )

    def __init__(self, *args, exclusions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exclusion_ids"].choices = [(str(e.pk), e.label) for e in exclusions]


class SessionForm(forms.Form):
    held_on = forms.CharField(
        label="Date of the session",
        error_messages={"required": "Enter the date of the session."},
        widget=DateInput(),
    )
    kind = forms.ChoiceField(
        label="How did you meet?",
        choices=SupportSession.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you met."},
    )
    minutes = forms.IntegerField(
        label="How long, in minutes?",
        error_messages={"required": "Enter how long the session was, in minutes."},
        min_value=1,
        max_value=480,
    )
    notes = forms.CharField(label="Notes", required=False, widget=text_area(5))
    sensitivity = forms.ChoiceField(
        label="Who may read the notes?",
        choices=[
            (SupportSession.Sensitivity.STANDARD, "The support team"),
            (SupportSession.Sensitivity.SENSITIVE, "Only this person's workers and coordinators (sensitive)"),
        ],
        widget=forms.RadioSelect,
        initial=SupportSession.Sensitivity.STANDARD,
    )


class HandOverForm(forms.Form):
    step = forms.ModelChoiceField(label="Which step of the pathway?", queryset=None, empty_label=None)  # type: ignore[arg-type]
    worker = PersonChoiceField(
        label="Who will support them now?",
        queryset=Person.objects.none(),
        empty_label="Choose a worker",
        error_messages={"required": "Choose who will support them now."},
    )
    note = forms.CharField(
        label="Hand-over note",
        error_messages={"required": "A hand-over note is required."},
        widget=text_area(5),
        help_text="What the next worker needs to know.",
    )

    def __init__(self, *args, steps=(), workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].queryset = steps
        self.fields["worker"].queryset = workers


class NextActionForm(forms.Form):
    next_action = forms.CharField(label="What happens next?", max_length=300, required=False)
    next_action_on = forms.CharField(label="By when?", required=False, widget=DateInput())


class ConversationForm(forms.Form):
    """The hub's "what matters to you" sections, then what to add to the person's lists."""

    held_on = forms.CharField(
        label="Date of the conversation",
        error_messages={"required": "Enter the date of the conversation."},
        widget=DateInput(),
    )

    LISTS = {
        ProfileEntry.Kind.NEED: "Add to what matters to them: needs",
        ProfileEntry.Kind.HOPE: "Add to what matters to them: hopes",
        ProfileEntry.Kind.SKILL: "Add to what they can offer: skills",
        ProfileEntry.Kind.INTEREST: "Add to what they can offer: interests",
    }

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.section_keys = []
        for section in sections:
            self.fields[section["key"]] = forms.CharField(
                label=section["label"], help_text=section.get("hint", ""), required=False, widget=text_area(4)
            )
            self.section_keys.append(section["key"])
        for kind, label in self.LISTS.items():
            self.fields[f"add_{kind}"] = forms.CharField(
                label=label, required=False, widget=text_area(2), help_text="One on each line."
            )

    def answers(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key) or "" for key in self.section_keys}

    def add_to_lists(self) -> dict[str, list[str]]:
        out = {kind: lines(self.cleaned_data.get(f"add_{kind}", "")) for kind in self.LISTS}
        return {k: v for k, v in out.items() if v}


class OnwardForm(forms.Form):
    directory_service_id = forms.ChoiceField(
        label="Which community service?", error_messages={"required": "Choose a service from the directory."}
    )
    note = forms.CharField(
        label="Note", required=False, widget=text_area(), help_text="Why it might suit them."
    )

    def __init__(self, *args, directory_services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["directory_service_id"].choices = [("", "Choose a service")] + [
            (str(s.id), f"{s.name} ({s.organization.name})" if s.organization_id else s.name)
            for s in directory_services
        ]


class OnwardUpdateForm(forms.Form):
    status = forms.ChoiceField(label="What has happened?", required=False)
    note = forms.CharField(label="Note", required=False, widget=text_area(2))

    def __init__(self, *args, next_statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "No change")] + [
            (s, OnwardReferral.Status(s).label) for s in next_statuses
        ]

    def new_status(self) -> str | None:
        return self.cleaned_data.get("status") or None


class FeedbackForm(forms.Form):
    """What the member says about a community service they were referred to."""

    member_feedback = forms.CharField(
        label="How did it go?", required=False, widget=text_area(4), help_text="In your own words."
    )
    helped = forms.ChoiceField(
        label="Did it help?", choices=OnwardReferral.Helped.choices, widget=forms.RadioSelect, required=False
    )


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(
        label="How did the follow-up go?",
        choices=[
            (FollowUp.Status.DONE, "Done: we spoke"),
            (FollowUp.Status.MISSED, "We could not reach them"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose done or could not reach."},
    )
    done_on = forms.CharField(
        label="Date", required=False, widget=DateInput(), help_text="Leave empty for today."
    )
    note = forms.CharField(label="Note", required=False, widget=text_area(3))


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is support ending?",
        choices=Referral.CloseReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why support is ending."},
    )
    summary = forms.CharField(
        label="Summary",
        error_messages={"required": "A summary is required."},
        widget=text_area(5),
        help_text="What changed for them. The referrer sees this if they agreed.",
    )
    code = forms.ModelChoiceField(label="Clinical code", queryset=None, required=False, empty_label="None")  # type: ignore[arg-type]

    def __init__(self, *args, codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].queryset = codes
