"""Small numbers outside the team: no count from 1 to 4 shows, and none can be derived from a total."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from impact.suppression import HIDDEN, breakdown, is_small, one, round5, round10


def test_a_single_small_count_is_hidden_outside_the_team_only():
    assert str(one(3, suppress=True)) == HIDDEN
    assert str(one(3, suppress=False)) == "3"
    assert str(one(0, suppress=True)) == "0"
    assert str(one(5, suppress=True)) == "5"


def test_round5():
    assert [round5(n) for n in (0, 5, 6, 7, 8, 12, 13, 1234)] == [0, 5, 5, 5, 10, 10, 15, 1235]


def test_two_hidden_fours_are_not_given_away_by_the_total():
    parts, total = breakdown([4, 4], suppress=True)
    assert str(total) == "about 10"  # could be 1 + 4 … 4 + 4 (5 to 8), so neither 4 shows


def test_a_total_that_would_pin_a_hidden_count_is_withheld():
    # Shown "about 30, 30, 35" allow at most 32 + 32 + 37 = 101; "about 110" at least 105: only 4 fits.
    parts, total = breakdown([4, 32, 32, 37], suppress=True)
    assert total.withheld and str(total) == "not shown"


def test_a_breakdown_with_a_hidden_part_rounds_the_rest_and_the_total():
    parts, total = breakdown([12, 3, 0], suppress=True)
    assert [str(p) for p in parts] == ["about 10", HIDDEN, "0"]
    assert str(total) == "about 20"  # 15 to the nearest 10, halves up


def test_a_small_total_hides_every_part_including_zeros():
    parts, total = breakdown([1, 0, 2], suppress=True)
    assert all(p.hidden for p in parts) and total.hidden


def test_a_breakdown_without_small_counts_is_exact():
    parts, total = breakdown([12, 7], suppress=True)
    assert [str(p) for p in parts] == ["12", "7"] and str(total) == "19"


def _candidates(shown) -> list[int]:
    if shown.withheld:
        return list(range(0, 200))
    if shown.hidden:
        return [0, 1, 2, 3, 4] if shown.may_be_zero else [1, 2, 3, 4]
    if shown.exact:
        return [int(shown.text.replace(",", ""))]
    r = int(shown.text.removeprefix("about ").replace(",", ""))
    rounding = round10 if shown.coarse else round5
    return [v for v in range(max(0, r - 5), r + 6) if rounding(v) == r and not is_small(v)]


@settings(max_examples=1500)
@given(st.lists(st.integers(0, 60), min_size=1, max_size=5))
def test_no_hidden_count_can_be_worked_out_from_what_is_shown(counts):
    parts, total = breakdown(counts, suppress=True)
    shown_texts = [str(p) for p in parts] + [str(total)]
    assert not any(t in {"1", "2", "3", "4"} for t in shown_texts)
    # Every set of true counts that would display exactly the same way:
    possible = [
        combo
        for combo in itertools.product(*[_candidates(p) for p in parts])
        if sum(combo) in _candidates(total)
    ]
    assert tuple(counts) in possible
    for i, part in enumerate(parts):
        if part.hidden:
            assert len({combo[i] for combo in possible}) >= 2, (counts, shown_texts)
    if total.hidden:
        assert len({sum(combo) for combo in possible}) >= 2


def test_money_from_a_hidden_count_is_not_shown():
    from impact.suppression import money

    assert money(1234.4, hidden=False) == "£1,234"
    assert money(1234.4, hidden=True) == "not shown"
    assert money(None, hidden=False) == "—"
