from __future__ import annotations

from datetime import date

import pytest

from core.errors import DomainError
from impact.definitions import shipped
from impact.forms import answers_form, answers_from, parse_date


def test_a_questionnaire_form_has_a_choice_per_item_with_the_scale_labels():
    form = answers_form(shipped()["ons4"])
    assert list(form.fields) == ["satisfied", "worthwhile", "happy", "anxious"]
    choices = dict(form.fields["happy"].choices)
    assert choices["0"] == "0 – Not at all" and choices["10"] == "10 – Completely" and choices["5"] == "5"
    assert form.fields["anxious"].help_text.startswith("0 is not at all anxious")


def test_answers_come_back_as_numbers_and_blanks_as_none():
    definition = shipped()["ons4"]
    form = answers_form(definition, data={"satisfied": "7", "worthwhile": "", "happy": "3", "anxious": "10"})
    assert form.is_valid(), form.errors
    assert answers_from(definition, form.cleaned_data) == {
        "satisfied": 7,
        "worthwhile": None,
        "happy": 3,
        "anxious": 10,
    }


def test_goal_forms_give_goals_with_weights_for_gas_only():
    gas, own = shipped()["gas"], shipped()["own_goals"]
    assert "goal_1_weight" in answers_form(gas).fields and "goal_1_weight" not in answers_form(own).fields
    form = answers_form(
        gas,
        data={
            "goal_1_label": "Walk",
            "goal_1_score": "-1",
            "goal_1_weight": "2",
            "goal_2_label": "",
            "goal_2_score": "",
            "goal_3_label": "Cook",
            "goal_3_score": "2",
        },
    )
    assert form.is_valid(), form.errors
    assert answers_from(gas, form.cleaned_data) == {
        "goals": [{"label": "Walk", "score": -1, "weight": 2.0}, {"label": "Cook", "score": 2, "weight": 1.0}]
    }


def test_a_goal_rating_off_the_scale_is_refused_by_the_form():
    form = answers_form(shipped()["own_goals"], data={"goal_1_label": "Walk", "goal_1_score": "11"})
    assert not form.is_valid()


def test_dates():
    assert parse_date("2/3/2025") == date(2025, 3, 2)
    assert parse_date("2025-03-02") == date(2025, 3, 2)
    assert isinstance(parse_date("  "), date)
    with pytest.raises(DomainError, match="day/month/year"):
        parse_date("March")
