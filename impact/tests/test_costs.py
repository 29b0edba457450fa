"""Cost avoided, by hand: SUN's published bed days (seed 000, line 561) at a unit cost we choose."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from impact.costs import Line, per_person, total_avoided

BED_DAYS = Line("Bed days", before=330, after=162, unit_cost=400.0)
VISITS = Line("Unplanned hospital visits", before=414, after=286, unit_cost=250.0)


def test_each_line_is_the_fall_in_events_times_the_unit_cost():
    # (330 − 162) × £400 = 168 × 400 = £67,200;  (414 − 286) × £250 = 128 × 250 = £32,000.
    assert BED_DAYS.avoided == 67_200
    assert VISITS.avoided == 32_000
    assert BED_DAYS.change == -168
    # 168 fewer of 330 is a fall of 50.9%.
    assert BED_DAYS.change_share == pytest.approx(-0.50909, abs=1e-5)


def test_totals_and_per_person():
    assert total_avoided([BED_DAYS, VISITS]) == 99_200
    # Over a cohort of 40: £99,200 / 40 = £2,480 each.
    assert per_person([BED_DAYS, VISITS], 40) == 2_480
    assert per_person([BED_DAYS], 0) is None


def test_a_rise_in_events_is_a_negative_saving_and_no_baseline_has_no_share():
    rise = Line("GP appointments", before=10, after=14, unit_cost=42.0)
    assert rise.avoided == -168
    assert Line("A&E", before=0, after=3, unit_cost=1.0).change_share is None


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.floats(min_value=0, max_value=10_000))
def test_avoided_is_antisymmetric_in_before_and_after(before, after, cost):
    assert Line("x", before, after, cost).avoided == pytest.approx(-Line("x", after, before, cost).avoided)
