"""Social return on investment arithmetic, following the Social Value UK guide's stages 4–5 (impact,
then value). Pure functions on plain numbers; the conventions are in docs/decisions/0012-sroi-conventions.md.

For each outcome, year 1's impact = quantity × financial proxy × (1 − deadweight) × (1 − displacement)
× (1 − attribution). Year k (k = 1 … duration) keeps (1 − drop-off)^(k−1) of it: drop-off starts in
year 2. Year k is discounted by (1 + rate)^k, so year 1 is discounted by one year (its value arrives
at the end of the first year, when the inputs have already been spent at the start).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

GREEN_BOOK_RATE = 0.035  # HM Treasury Green Book standard discount rate

Assumption = str  # "quantity", "proxy", "duration", "deadweight", "displacement", "attribution", "drop_off"
LINEAR = ("quantity", "proxy", "deadweight", "displacement", "attribution")
SHARES = ("deadweight", "displacement", "attribution", "drop_off")


@dataclass(frozen=True)
class Outcome:
    name: str
    quantity: float
    proxy: float  # £ per unit of quantity per year
    duration: int  # years the outcome lasts, at least 1
    deadweight: float = 0.0  # shares from 0 to 1
    displacement: float = 0.0
    attribution: float = 0.0
    drop_off: float = 0.0

    @property
    def year_one(self) -> float:
        return (
            self.quantity
            * self.proxy
            * (1 - self.deadweight)
            * (1 - self.displacement)
            * (1 - self.attribution)
        )

    def yearly(self) -> list[float]:
        """Impact in years 1 … duration before discounting."""
        return [self.year_one * (1 - self.drop_off) ** (k - 1) for k in range(1, self.duration + 1)]


def present_value(outcome: Outcome, rate: float) -> float:
    return sum(value / (1 + rate) ** k for k, value in enumerate(outcome.yearly(), start=1))


@dataclass(frozen=True)
class Result:
    inputs: float
    present_value: float
    by_outcome: dict[str, float]
    yearly: list[float]  # total impact per year, undiscounted
    npv: float
    ratio: float | None  # present value per £1 of input; None when there are no inputs
    net_ratio: float | None  # NPV per £1 of input
    payback_months: float | None  # None when year 1 creates no value


def calculate(outcomes: list[Outcome], *, inputs: float, rate: float = GREEN_BOOK_RATE) -> Result:
    """The whole model: present value, NPV, ratio, net ratio and the guide's payback period."""
    by_outcome = {o.name: present_value(o, rate) for o in outcomes}
    total = sum(by_outcome.values())
    years = max((o.duration for o in outcomes), default=0)
    yearly = [sum(o.yearly()[k] for o in outcomes if k < o.duration) for k in range(years)]
    year_one = yearly[0] if yearly else 0.0
    return Result(
        inputs=inputs,
        present_value=total,
        by_outcome=by_outcome,
        yearly=yearly,
        npv=total - inputs,
        ratio=total / inputs if inputs > 0 else None,
        net_ratio=(total - inputs) / inputs if inputs > 0 else None,
        # The guide's payback: months for the first year's (undiscounted) impact to repay the inputs.
        payback_months=inputs / (year_one / 12) if year_one > 0 else None,
    )


def _with(outcome: Outcome, assumption: Assumption, value: float) -> Outcome:
    if assumption == "duration":
        return replace(outcome, duration=max(1, int(value)))
    changes: dict[str, float] = {assumption: value}
    return replace(outcome, **changes)  # type: ignore[arg-type]


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float | None:
    """A root of a monotonic f on [lo, hi], or None when f does not change sign there."""
    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0:
        return lo
    if f_hi == 0:
        return hi
    if (f_lo > 0) == (f_hi > 0):
        return None
    for _ in range(200):
        mid = (lo + hi) / 2
        if (f(mid) > 0) == (f_lo > 0):
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return (lo + hi) / 2


def break_even(
    outcomes: list[Outcome], index: int, assumption: Assumption, *, inputs: float, rate: float
) -> float | None:
    """The value of one outcome's assumption that brings the ratio to exactly 1:1, everything else held;
    None when no value in its allowed range does (a share must stay within 0–1, a duration 1–100)."""
    others = sum(present_value(o, rate) for i, o in enumerate(outcomes) if i != index)
    outcome = outcomes[index]
    own = present_value(outcome, rate)
    if own == 0 and assumption != "duration":
        return None
    if assumption in LINEAR:
        factor = (inputs - others) / own
        if assumption in ("quantity", "proxy"):
            value = getattr(outcome, assumption) * factor
            return value if value >= 0 else None
        # Present value is proportional to (1 − share), so the break-even share solves
        # (1 − s*) = (1 − s) × factor.
        share = 1 - (1 - getattr(outcome, assumption)) * factor
        return share if 0 <= share <= 1 else None
    if assumption == "drop_off":
        return _bisect(lambda d: others + present_value(_with(outcome, "drop_off", d), rate) - inputs, 0, 1)
    if assumption == "duration":
        # The shortest whole number of years at which the ratio reaches 1:1.
        for years in range(1, 101):
            if others + present_value(_with(outcome, "duration", years), rate) >= inputs:
                return float(years)
        return None
    raise ValueError(f"Unknown assumption {assumption}.")


def break_even_rate(outcomes: list[Outcome], *, inputs: float) -> float | None:
    """The discount rate at which the ratio is 1:1 (between 0% and 1000%), or None."""
    return _bisect(lambda r: sum(present_value(o, r) for o in outcomes) - inputs, 0, 10)


@dataclass(frozen=True)
class Sensitivity:
    outcome: str  # "" for model-wide rows (discount rate, inputs)
    assumption: Assumption
    current: float
    low_value: float
    low_ratio: float | None
    high_value: float
    high_ratio: float | None
    break_even: float | None


# How far each assumption is moved for the low/high test: shares by 10 percentage points, money and
# quantity by 25%, duration by one year.
def _variants(assumption: Assumption, current: float) -> tuple[float, float]:
    if assumption in SHARES:
        return max(0.0, current - 0.10), min(1.0, current + 0.10)
    if assumption == "duration":
        return max(1.0, current - 1), current + 1
    return current * 0.75, current * 1.25


def sensitivity(
    outcomes: list[Outcome], *, inputs: float, rate: float = GREEN_BOOK_RATE
) -> list[Sensitivity]:
    """Vary each assumption of each outcome, then the discount rate and the inputs; give the ratio at
    each variant and the break-even value."""
    rows = []
    for index, outcome in enumerate(outcomes):
        for assumption in ("quantity", "proxy", "duration", *SHARES):
            current = float(getattr(outcome, assumption))
            low, high = _variants(assumption, current)

            def ratio_at(value: float, a: Assumption = assumption, i: int = index) -> float | None:
                changed = [(_with(o, a, value) if j == i else o) for j, o in enumerate(outcomes)]
                return calculate(changed, inputs=inputs, rate=rate).ratio

            rows.append(
                Sensitivity(
                    outcome=outcome.name,
                    assumption=assumption,
                    current=current,
                    low_value=low,
                    low_ratio=ratio_at(low),
                    high_value=high,
                    high_ratio=ratio_at(high),
                    break_even=break_even(outcomes, index, assumption, inputs=inputs, rate=rate),
                )
            )
    rows.append(
        Sensitivity(
            outcome="",
            assumption="discount_rate",
            current=rate,
            low_value=0.015,
            low_ratio=calculate(outcomes, inputs=inputs, rate=0.015).ratio,
            high_value=0.05,
            high_ratio=calculate(outcomes, inputs=inputs, rate=0.05).ratio,
            break_even=break_even_rate(outcomes, inputs=inputs),
        )
    )
    pv = calculate(outcomes, inputs=inputs, rate=rate).present_value
    rows.append(
        Sensitivity(
            outcome="",
            assumption="inputs",
            current=inputs,
            low_value=inputs * 0.75,
            low_ratio=pv / (inputs * 0.75) if inputs > 0 else None,
            high_value=inputs * 1.25,
            high_ratio=pv / (inputs * 1.25) if inputs > 0 else None,
            break_even=pv,
        )
    )
    return rows
