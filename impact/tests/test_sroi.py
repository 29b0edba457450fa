"""The SROI arithmetic against a model worked by hand. Every number below can be checked with a calculator.

The model: £10,000 of inputs, the Green Book's 3.5% discount rate, three outcomes.

A  Members feel less isolated: 20 members × £500 a year, lasting 3 years,
   deadweight 20%, displacement 0%, attribution 25%, drop-off 50% a year.
   Year 1 impact = 20 × 500 × (1 − 0.20) × (1 − 0) × (1 − 0.25) = 10,000 × 0.8 × 0.75 = £6,000
   Year 2 = 6,000 × (1 − 0.5) = £3,000;  year 3 = 3,000 × 0.5 = £1,500
   PV = 6,000 / 1.035 + 3,000 / 1.035² + 1,500 / 1.035³
      = 5,797.10 + 2,800.53 (3,000 / 1.071225) + 1,352.92 (1,500 / 1.108718) = £9,950.55

B  Fewer A&E attendances: 30 attendances × £100, lasting 2 years,
   deadweight 10%, displacement 10%, attribution 0%, drop-off 20%.
   Year 1 = 3,000 × 0.9 × 0.9 = £2,430;  year 2 = 2,430 × 0.8 = £1,944
   PV = 2,430 / 1.035 + 1,944 / 1.071225 = 2,347.83 + 1,814.74 = £4,162.57

C  Hours exchanged: 400 hours × £10, 1 year, no reductions.
   Year 1 = £4,000;  PV = 4,000 / 1.035 = £3,864.73

Total PV = 9,950.55 + 4,162.57 + 3,864.73 = £17,977.85
NPV = 17,977.85 − 10,000 = £7,977.85
SROI ratio = 17,977.85 / 10,000 = 1.80 : 1;  net ratio = 7,977.85 / 10,000 = 0.80 : 1
Payback (the guide's): year-1 impact is 6,000 + 2,430 + 4,000 = £12,430, £1,035.83 a month,
so 10,000 / 1,035.83 = 9.65 months.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from impact import sroi

A = sroi.Outcome("A", quantity=20, proxy=500, duration=3, deadweight=0.2, attribution=0.25, drop_off=0.5)
B = sroi.Outcome("B", quantity=30, proxy=100, duration=2, deadweight=0.1, displacement=0.1, drop_off=0.2)
C = sroi.Outcome("C", quantity=400, proxy=10, duration=1)
MODEL = [A, B, C]


def test_it_applies_deadweight_displacement_attribution_and_drop_off_from_year_two():
    assert A.yearly() == pytest.approx([6000, 3000, 1500])
    assert B.yearly() == pytest.approx([2430, 1944])
    assert C.yearly() == pytest.approx([4000])


def test_it_discounts_year_one_by_one_year():
    assert sroi.present_value(A, 0.035) == pytest.approx(9950.55, abs=0.01)
    assert sroi.present_value(B, 0.035) == pytest.approx(4162.57, abs=0.01)
    assert sroi.present_value(C, 0.035) == pytest.approx(3864.73, abs=0.01)


def test_the_hand_worked_model_gives_its_ratio_npv_and_payback():
    result = sroi.calculate(MODEL, inputs=10_000)
    assert result.present_value == pytest.approx(17977.85, abs=0.01)
    assert result.npv == pytest.approx(7977.85, abs=0.01)
    assert result.ratio == pytest.approx(1.7978, abs=1e-4)
    assert result.net_ratio == pytest.approx(0.7978, abs=1e-4)
    assert result.payback_months == pytest.approx(9.654, abs=1e-3)
    assert result.yearly == pytest.approx([12430, 4944, 1500])


def test_no_inputs_gives_no_ratio_and_no_year_one_value_no_payback():
    result = sroi.calculate([sroi.Outcome("x", 0, 100, 1)], inputs=0)
    assert (result.ratio, result.net_ratio, result.payback_months) == (None, None, None)


def test_a_zero_rate_is_undiscounted():
    assert sroi.present_value(A, 0) == pytest.approx(10500)


def rows():
    return {(r.outcome, r.assumption): r for r in sroi.sensitivity(MODEL, inputs=10_000)}


def test_break_even_attribution_for_outcome_a_is_worked_out_by_hand():
    # B and C are worth 4,162.57 + 3,864.73 = 8,027.30, so A must fall to 10,000 − 8,027.30 = 1,972.70,
    # which is 1,972.70 / 9,950.55 = 0.19825 of its value. PV is proportional to (1 − attribution):
    # 1 − a* = 0.75 × 0.19825 = 0.14869, so a* = 0.8513: attribution of 85% would bring the ratio to 1:1.
    assert rows()[("A", "attribution")].break_even == pytest.approx(0.8513, abs=1e-4)
    # The same fraction scales quantity and proxy: 20 × 0.19825 = 3.96 members, £500 × 0.19825 = £99.12.
    assert rows()[("A", "quantity")].break_even == pytest.approx(3.965, abs=1e-3)
    assert rows()[("A", "proxy")].break_even == pytest.approx(99.12, abs=0.01)
    # Deadweight: 1 − d* = 0.8 × 0.19825 = 0.1586, d* = 0.8414.
    assert rows()[("A", "deadweight")].break_even == pytest.approx(0.8414, abs=1e-4)


def test_break_even_is_none_when_no_value_of_that_assumption_reaches_one_to_one():
    # Without B at all, A + C = 13,815.28 > 10,000: no quantity of B can pull the ratio down to 1:1.
    assert rows()[("B", "quantity")].break_even is None
    # Even with 100% drop-off, A keeps year 1 (5,797.10), and 5,797.10 + 8,027.30 > 10,000.
    assert rows()[("A", "drop_off")].break_even is None


def test_sensitivity_moves_shares_by_ten_points_money_by_a_quarter_and_duration_by_a_year():
    row = rows()[("A", "attribution")]
    assert (row.low_value, row.high_value) == pytest.approx((0.15, 0.35))
    # At 35% attribution A is worth 9,950.55 × 0.65 / 0.75 = 8,623.81; ratio (8,623.81 + 8,027.30) / 10,000.
    assert row.high_ratio == pytest.approx(1.6651, abs=1e-4)
    proxy = rows()[("A", "proxy")]
    assert (proxy.low_value, proxy.high_value) == (375, 625)
    duration = rows()[("A", "duration")]
    assert (duration.low_value, duration.high_value) == (2, 4)
    # Two years: 5,797.10 + 2,800.53 = 8,597.63 → (8,597.63 + 8,027.30) / 10,000 = 1.6625.
    assert duration.low_ratio == pytest.approx(1.6625, abs=1e-4)


def test_break_even_discount_rate_and_inputs():
    rate = rows()[("", "discount_rate")]
    total = sum(sroi.present_value(o, rate.break_even) for o in MODEL)
    assert total == pytest.approx(10_000, abs=0.01)
    assert rows()[("", "inputs")].break_even == pytest.approx(17977.85, abs=0.01)


def test_drop_off_break_even_found_by_bisection_gives_one_to_one():
    # With inputs of £15,000 the answer lies between drop-off 0 (ratio 1.20)
    # and drop-off 1 (13,824.40 / 15,000 = 0.92).
    value = sroi.break_even(MODEL, 0, "drop_off", inputs=15_000, rate=0.035)
    assert value is not None
    changed = [sroi.Outcome("A", 20, 500, 3, 0.2, 0, 0.25, value), B, C]
    assert sroi.calculate(changed, inputs=15_000).ratio == pytest.approx(1.0, abs=1e-9)


shares = st.floats(min_value=0, max_value=1)


@given(
    quantity=st.integers(0, 500),
    proxy=st.floats(min_value=0, max_value=5000),
    duration=st.integers(1, 10),
    dw=shares,
    drop=shares,
    rate=st.floats(min_value=0, max_value=0.2),
)
def test_present_value_never_exceeds_the_undiscounted_total(quantity, proxy, duration, dw, drop, rate):
    outcome = sroi.Outcome("x", quantity, proxy, duration, deadweight=dw, drop_off=drop)
    assert sroi.present_value(outcome, rate) <= sum(outcome.yearly()) + 1e-6
