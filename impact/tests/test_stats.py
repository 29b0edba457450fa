"""Change statistics checked against published t tables and hand-worked pairs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from impact.stats import paired_change, t_cdf, t_quantile


@pytest.mark.parametrize(
    ("df", "expected"),
    # Two-sided 95% critical values from any printed t table.
    [(1, 12.706), (2, 4.303), (4, 2.776), (5, 2.571), (10, 2.228), (30, 2.042), (120, 1.980)],
)
def test_t_quantile_matches_the_printed_table(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-3)


def test_t_cdf_is_symmetric_and_half_at_zero():
    assert t_cdf(0, 7) == pytest.approx(0.5)
    assert t_cdf(-1.5, 7) == pytest.approx(1 - t_cdf(1.5, 7))


def test_paired_change_by_hand():
    # Baseline → follow-up: 4→6, 5→5, 6→9, 7→6, 3→5. Differences +2, 0, +3, −1, +2.
    # Mean = 6 / 5 = 1.2. Deviations 0.8, −1.2, 1.8, −2.2, 0.8; squares 0.64 + 1.44 + 3.24 + 4.84 + 0.64
    # = 10.8; variance 10.8 / 4 = 2.7; sd = 1.6432; standard error 1.6432 / √5 = 0.73485.
    # t(0.975, 4) = 2.7764, half-width 2.0403: interval 1.2 − 2.0403 = −0.840 to 1.2 + 2.0403 = 3.240.
    change = paired_change([(4, 6), (5, 5), (6, 9), (7, 6), (3, 5)], threshold=2, lost=3)
    assert change.n == 5
    assert change.mean_change == pytest.approx(1.2)
    assert change.ci_low == pytest.approx(-0.8403, abs=1e-3)
    assert change.ci_high == pytest.approx(3.2403, abs=1e-3)
    assert (change.baseline_mean, change.follow_up_mean) == pytest.approx((5.0, 6.2))
    # With a meaningful change of 2: +2, +3, +2 improved; 0 and −1 the same; none worse.
    assert (change.improved, change.same, change.worse, change.lost) == (3, 2, 0, 3)


def test_where_lower_is_better_a_fall_counts_as_improvement():
    change = paired_change([(8, 5), (4, 6), (5, 5)], threshold=1, higher_is_better=False)
    assert (change.improved, change.same, change.worse) == (1, 1, 1)


def test_a_change_of_exactly_the_threshold_counts_despite_float_rounding():
    assert paired_change([(6.1, 7.1)], threshold=1).improved == 1


def test_one_pair_has_a_mean_but_no_interval_and_none_has_neither():
    one = paired_change([(3, 5)], threshold=1)
    assert (one.mean_change, one.ci_low, one.ci_high) == (2, None, None)
    none = paired_change([], threshold=1, lost=4)
    assert (none.n, none.mean_change, none.lost) == (0, None, 4)


@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10)), min_size=2, max_size=40))
def test_interval_contains_the_mean_and_groups_add_up(pairs):
    change = paired_change(pairs, threshold=1)
    assert change.improved + change.same + change.worse == change.n == len(pairs)
    assert change.ci_low <= change.mean_change <= change.ci_high
    assert not math.isnan(change.ci_low)
