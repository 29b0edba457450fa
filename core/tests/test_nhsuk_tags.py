"""The NHS.UK form tag draws each kind of choice with the right control."""

from django import forms

from core.templatetags.nhsuk import nhsuk_field


class Choices(forms.Form):
    one = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple)


def test_a_multiple_choice_field_is_drawn_as_checkboxes_so_several_can_be_chosen():
    html = nhsuk_field(Choices()["many"])

    assert html.count('type="checkbox"') == 2
    assert 'type="radio"' not in html
    assert "nhsuk-checkboxes__input" in html


def test_a_single_choice_field_is_drawn_as_radios():
    html = nhsuk_field(Choices()["one"])

    assert html.count('type="radio"') == 2
    assert 'type="checkbox"' not in html
    assert "nhsuk-radios__input" in html
