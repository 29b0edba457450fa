"""The frameworks as data: six principles in the seed's order, the scale, the depth rule, the grid,
the ladder, the Four Co's, the matrix and the stakeholder quadrants."""

from __future__ import annotations

import itertools

import pytest

from practice import frameworks as fw


def test_six_principles_in_the_order_the_wedge_draws_them():
    assert fw.PRINCIPLE_KEYS == (
        "assets",
        "capabilities",
        "mutuality",
        "networks",
        "blurring_roles",
        "catalysts",
    )
    for principle in fw.PRINCIPLES:
        assert len(principle.definition) > 60 and principle.definition.endswith(".")


def test_the_scale_has_four_steps_from_not_happening_to_embedded():
    assert [label for _, label in fw.RATINGS] == ["Not happening", "Starting", "Developing", "Embedded"]
    assert fw.TOP_RATING == max(value for value, _ in fw.RATINGS) == 3


def test_default_statements_are_unique_and_short_enough_to_read():
    texts = [t for _, t in fw.DEFAULT_STATEMENTS]
    assert len(texts) == len(set(texts))
    assert all(len(t) <= 120 for t in texts)


@pytest.mark.parametrize("answers", list(itertools.product([True, False], repeat=len(fw.DEPTH_QUESTIONS))))
def test_the_depth_verdict_needs_every_answer_of_a_level(answers):
    given = dict(zip([q.key for q in fw.DEPTH_QUESTIONS], answers, strict=True))
    intermediate = all(given[q.key] for q in fw.DEPTH_QUESTIONS if q.level == "intermediate")
    transformative = all(given[q.key] for q in fw.DEPTH_QUESTIONS if q.level == "transformative")
    expected = (
        "transformative"
        if intermediate and transformative
        else "intermediate"
        if intermediate
        else "descriptive"
    )
    assert fw.depth_verdict(given) == expected


def test_a_missing_answer_counts_as_no():
    assert fw.depth_verdict({}) == "descriptive"


def test_the_grid_names_all_nine_cells_and_marks_our_own_wording():
    cells = set(itertools.product([k for k, _ in fw.PLANNERS], [k for k, _ in fw.DELIVERERS]))
    assert set(fw.GRID) == cells
    # The seed's six names (000 l.116-121), and three of ours.
    assert fw.GRID[("professionals", "professionals")] == "Traditional service"
    assert fw.GRID[("together", "together")] == "Co-produced"
    assert fw.GRID[("communities", "communities")] == "Self-organised"
    assert fw.GRID[("professionals", "communities")] == "Co-opted"
    assert len(fw.OWN_WORDING_CELLS) == 3 and fw.OWN_WORDING_CELLS <= cells


def test_the_ladder_from_the_grid():
    assert fw.ladder_for("professionals", "professionals") == "doing_for"
    assert fw.ladder_for("professionals", "communities") == "doing_to"
    assert fw.ladder_for("together", "professionals") == "doing_with"
    assert fw.ladder_for("communities", "communities") == "doing_with"
    assert [k for k, _, _ in fw.LADDER] == ["doing_to", "doing_for", "doing_with"]


def test_the_four_cos_and_their_sub_tags():
    assert [k for k, _, _ in fw.FOUR_COS] == ["co_commissioning", "co_design", "co_delivery", "co_assessment"]
    assert fw.PARENT_OF["co_financing"] == "co_commissioning"
    assert fw.PARENT_OF["co_performing"] == "co_delivery"
    assert fw.FOUR_CO_TAG_LABELS["co_managing"] == "Co-delivery: co-managing"
    assert len(fw.FOUR_CO_TAGS) == 9


@pytest.mark.parametrize(
    ("impact", "effort", "key"),
    [
        (4, 1, "quick_win"),
        (3, 2, "quick_win"),
        (3, 3, "major_project"),
        (2, 2, "fill_in"),
        (1, 4, "hard_slog"),
    ],
)
def test_the_priority_matrix(impact, effort, key):
    assert fw.quadrant(impact=impact, effort=effort)[0] == key


def test_every_stakeholder_quadrant_has_handling_advice():
    assert set(fw.STAKEHOLDER_HANDLING) == set(itertools.product([True, False], repeat=2))
    assert fw.STAKEHOLDER_HANDLING[(True, True)][0] == "Partners and champions"
