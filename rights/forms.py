"""Input parsing only: the rules live in rights.services."""

from django import forms

from rights.services import MAX_DETAIL


class CorrectionForm(forms.Form):
    detail = forms.CharField(
        label="What is wrong, and what should it say?",
        help_text="For example: my date of birth is 4 May 1961, not 5 April. Say where you saw it.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_DETAIL,
    )


class ErasureRequestForm(forms.Form):
    detail = forms.CharField(
        label="Anything you want us to know",
        help_text="You do not have to give a reason.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_DETAIL,
        required=False,
    )


class CompleteForm(forms.Form):
    outcome = forms.CharField(
        label="What was done",
        help_text="The person reads this. For example: date of birth corrected on their record.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_DETAIL,
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label="Why the request is refused",
        help_text=(
            "The person reads this. Tell them they can complain to the Information Commissioner's Office."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_DETAIL,
    )


class ConfirmErasureForm(forms.Form):
    confirm = forms.MultipleChoiceField(
        label="Confirm the erasure",
        choices=[
            ("yes", "I have read what will be removed and what will be kept, and this cannot be undone")
        ],
        widget=forms.CheckboxSelectMultiple,
    )
