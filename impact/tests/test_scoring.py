"""Scoring every shipped instrument, and the definition format through fictitious instruments."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from impact.definitions import DefinitionError, parse, shipped
from impact.scoring import ScoringError, gas_t_score, score

ONS4 = shipped()["ons4"]
GAS = shipped()["gas"]
OWN = shipped()["own_goals"]

# A made-up three-item scale (1–5) with one reversed item and a conversion table, standing in for a
# licensed scale such as SWEMWBS whose wording and table we may not ship.
FICTIONAL = {
    "code": "calm3",
    "name": "Fictional Calm Scale",
    "licence": "Invented for tests",
    "source": "Coproduce tests",
    "scale": {"min": 1, "max": 5},
    "items": [
        {"key": "a", "text": "I felt calm"},
        {"key": "b", "text": "I felt rushed", "reverse": True},
        {"key": "c", "text": "I slept well"},
    ],
    "scores": [
        {
            "key": "metric",
            "label": "Calm (metric)",
            "method": "sum",
            "min_answered": 3,
            "meaningful_change": 2,
            # Raw totals 3–15 → metric scores: a made-up table with the same shape as SWEMWBS's.
            "conversion": {str(raw): round(raw * 2.5 - 0.5, 2) for raw in range(3, 16)},
            "bands": [{"label": "Low", "min": 0, "max": 20}, {"label": "High", "min": 20.5, "max": 40}],
        },
        {"key": "mean", "label": "Average", "method": "mean", "min_answered": 2, "meaningful_change": 1},
        {"key": "raw", "label": "Raw (prorated)", "method": "sum", "min_answered": 2, "meaningful_change": 1},
    ],
    "primary": "metric",
}


def test_ons4_scores_each_question_with_the_ons_bands():
    result = score(ONS4, {"satisfied": 4, "worthwhile": 5, "happy": 7, "anxious": 9})
    assert (result["satisfied"].value, result["satisfied"].band) == (4, "Low")
    assert (result["worthwhile"].value, result["worthwhile"].band) == (5, "Medium")
    assert (result["happy"].value, result["happy"].band) == (7, "High")
    # Anxiety runs the other way: 6–10 is high anxiety (the ONS's thresholds), and a fall is better.
    assert (result["anxious"].value, result["anxious"].band) == (9, "High")
    assert ONS4.rule("anxious").higher_is_better is False


@pytest.mark.parametrize(
    ("value", "positive", "anxiety"),
    [
        (0, "Low", "Very low"),
        (1, "Low", "Very low"),
        (2, "Low", "Low"),
        (3, "Low", "Low"),
        (4, "Low", "Medium"),
        (5, "Medium", "Medium"),
        (6, "Medium", "High"),
        (8, "High", "High"),
        (9, "Very high", "High"),
        (10, "Very high", "High"),
    ],
)
def test_ons4_band_edges(value, positive, anxiety):
    result = score(ONS4, {"satisfied": value, "worthwhile": value, "happy": value, "anxious": value})
    assert result["happy"].band == positive
    assert result["anxious"].band == anxiety


def test_ons4_a_skipped_question_leaves_that_score_missing_not_zero():
    result = score(ONS4, {"satisfied": 8, "worthwhile": None, "happy": 6})
    assert result["satisfied"].value == 8
    assert result["worthwhile"].value is None and not result["worthwhile"].valid
    assert result["anxious"].value is None


@pytest.mark.parametrize("bad", [11, -1, 2.5, "7", True])
def test_answers_off_the_scale_are_refused(bad):
    with pytest.raises(ScoringError):
        score(ONS4, {"satisfied": bad})


def test_unknown_items_are_refused():
    with pytest.raises(ScoringError, match="Unknown items: mood"):
        score(ONS4, {"mood": 5})


def test_gas_t_score_by_hand():
    # Three equally weighted goals at +1, +1, +2: Σwx = 4, Σw² = 3, (Σw)² = 9.
    # T = 50 + 10 × 4 / √(0.7 × 3 + 0.3 × 9) = 50 + 40 / √4.8 = 50 + 40 / 2.19089 = 68.257.
    result = score(GAS, {"goals": [{"score": 1}, {"score": 1}, {"score": 2}]})["t_score"]
    assert result.value == pytest.approx(68.257, abs=1e-3)
    assert result.band == "Above expected"


def test_gas_weights_and_the_expected_level():
    # Weights 2 and 1 at −1 and +2: Σwx = −2 + 2 = 0, so T = 50 whatever the denominator.
    assert (
        score(GAS, {"goals": [{"score": -1, "weight": 2}, {"score": 2, "weight": 1}]})["t_score"].band
        == "As expected"
    )
    # One goal at −2, weight 1: T = 50 + 10 × (−2) / √(0.7 + 0.3) = 30.
    low = score(GAS, {"goals": [{"score": -2}]})["t_score"]
    assert (low.value, low.band) == (pytest.approx(30), "Below expected")
    # Weights 3 and 1 at +1 and −1: Σwx = 2, Σw² = 10, (Σw)² = 16: 50 + 20 / √(7 + 4.8) = 55.822.
    assert gas_t_score([(1, 3), (-1, 1)]) == pytest.approx(55.822, abs=1e-3)


def test_gas_with_no_rated_goal_is_missing_and_bad_weights_are_refused():
    assert score(GAS, {"goals": [{"score": None}]})["t_score"].value is None
    with pytest.raises(ScoringError, match="weight"):
        score(GAS, {"goals": [{"score": 1, "weight": 0}]})
    with pytest.raises(ScoringError):
        score(GAS, {"goals": [{"score": 3}]})


def test_own_goal_ratings_average_the_rated_goals():
    # Ratings 3, 6 and (unrated): mean of the two rated = 4.5, "On the way" (4 and above).
    result = score(
        OWN,
        {
            "goals": [
                {"label": "Walk to the park", "score": 3},
                {"label": "Cook", "score": 6},
                {"label": "Call my sister", "score": None},
            ]
        },
    )["mean"]
    assert (result.value, result.band, result.answered) == (4.5, "On the way", 2)


def test_fictional_instrument_reverses_and_converts():
    definition = parse(FICTIONAL)
    # a = 4, b = 2 reversed to 1 + 5 − 2 = 4, c = 5: raw 13 → table 13 × 2.5 − 0.5 = 32.0 → High.
    result = score(definition, {"a": 4, "b": 2, "c": 5})
    assert result["metric"].value == 32.0
    assert result["metric"].band == "High"
    assert result["mean"].value == pytest.approx(13 / 3)
    # Lowest possible: a = 1, b = 5 (reversed to 1), c = 1 → raw 3 → 7.0 → Low.
    assert score(definition, {"a": 1, "b": 5, "c": 1})["metric"].value == 7.0


def test_fictional_instrument_needs_every_item_for_the_converted_score_but_prorates_the_raw_sum():
    definition = parse(FICTIONAL)
    result = score(definition, {"a": 4, "b": 2, "c": None})
    assert result["metric"].value is None  # min_answered 3: a gap
    assert (result["metric"].answered, result["metric"].needed) == (2, 3)
    # Raw: (4 + 4) / 2 answered × 3 items = 12.
    assert result["raw"].value == 12
    assert result["mean"].value == 4
    assert score(definition, {"a": 4})["mean"].value is None  # only 1 of the 2 needed


def test_a_conversion_table_missing_a_raw_total_is_refused_when_loaded():
    broken = copy.deepcopy(FICTIONAL)
    del broken["scores"][0]["conversion"]["9"]
    with pytest.raises(DefinitionError, match="no row for raw totals 9"):
        parse(broken)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("licence"), "'licence' is missing"),
        (lambda d: d["scores"][0].update(method="median"), "method must be one of"),
        (lambda d: d["scores"][1].update(items=["zz"]), "unknown items zz"),
        (lambda d: d["scores"][1].update(min_answered=4), "min_answered"),
        (lambda d: d["scores"][1].update(meaningful_change=0), "meaningful_change"),
        (lambda d: d.update(primary="nope"), "primary score nope"),
        (lambda d: d["items"].append({"key": "a", "text": "again"}), "unique"),
        (lambda d: d.update(scale={"min": 5, "max": 1}), "below its max"),
    ],
)
def test_malformed_definitions_are_refused_with_a_reason(change, message):
    broken = copy.deepcopy(FICTIONAL)
    change(broken)
    with pytest.raises(DefinitionError, match=message):
        parse(broken)


def test_every_shipped_instrument_names_its_licence_and_source():
    assert set(shipped()) == {"ons4", "gas", "own_goals"}
    for definition in shipped().values():
        assert definition.licence and definition.source
        assert definition.rule().meaningful_change > 0


@given(st.lists(st.tuples(st.integers(-2, 2), st.integers(1, 5)), min_size=1, max_size=8))
def test_gas_t_is_50_exactly_when_weighted_attainment_sums_to_zero_and_stays_in_range(goals):
    t = gas_t_score([(float(x), float(w)) for x, w in goals])
    if sum(x * w for x, w in goals) == 0:
        assert t == pytest.approx(50)
    # With ρ = 0.3 the T-score cannot leave 50 ± 20 / √0.3 = 13.5 … 86.5.
    assert 50 - 20 / math.sqrt(0.3) - 1e-9 <= t <= 50 + 20 / math.sqrt(0.3) + 1e-9
