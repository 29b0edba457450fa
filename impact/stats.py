"""Change between a baseline and a follow-up: mean change with a 95% confidence interval from the t
distribution, and how many improved, stayed the same or got worse. Pure functions, no database.

Only paired answers count (the same person at both times). People with a baseline and no follow-up
are lost to follow-up and are counted, never scored as zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def _betacf(a: float, b: float, x: float) -> float:
    # Continued fraction for the incomplete beta function (Lentz's method).
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    ln_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(ln_front) * _betacf(a, b, x) / a
    return 1 - math.exp(ln_front) * _betacf(b, a, 1 - x) / b


def t_cdf(t: float, df: int) -> float:
    """P(T ≤ t) for Student's t with df degrees of freedom."""
    tail = 0.5 * incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


def t_quantile(p: float, df: int) -> float:
    """The t value with P(T ≤ t) = p, by bisection on the CDF (accurate to about 1e-10)."""
    if not 0 < p < 1 or df < 1:
        raise ValueError("p must be between 0 and 1 and df at least 1.")
    lo, hi = -1e4, 1e4
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return (lo + hi) / 2


@dataclass(frozen=True)
class Change:
    n: int  # people with both a baseline and a follow-up
    baseline_mean: float | None
    follow_up_mean: float | None
    mean_change: float | None
    ci_low: float | None  # None below two pairs: no interval can be drawn from one difference
    ci_high: float | None
    improved: int
    same: int
    worse: int
    lost: int  # baseline but no valid follow-up: a gap, not a zero


def paired_change(
    pairs: list[tuple[float, float]],
    *,
    threshold: float,
    higher_is_better: bool = True,
    lost: int = 0,
    confidence: float = 0.95,
) -> Change:
    """Mean of (follow-up − baseline) with a t-based interval; improved/worse means a change of at least
    `threshold` in the better/worse direction (for anxiety, where lower is better, a fall improves)."""
    n = len(pairs)
    if n == 0:
        return Change(0, None, None, None, None, None, 0, 0, 0, lost)
    diffs = [after - before for before, after in pairs]
    mean = sum(diffs) / n
    low = high = None
    if n >= 2:
        sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1))
        half = t_quantile(1 - (1 - confidence) / 2, n - 1) * sd / math.sqrt(n)
        low, high = mean - half, mean + half
    sign = 1 if higher_is_better else -1
    # A small tolerance so a change of exactly the threshold counts despite float rounding (7.1 − 6.1).
    eps = 1e-9
    improved = sum(1 for d in diffs if sign * d >= threshold - eps)
    worse = sum(1 for d in diffs if sign * d <= -threshold + eps)
    return Change(
        n=n,
        baseline_mean=sum(b for b, _ in pairs) / n,
        follow_up_mean=sum(a for _, a in pairs) / n,
        mean_change=mean,
        ci_low=low,
        ci_high=high,
        improved=improved,
        same=n - improved - worse,
        worse=worse,
        lost=lost,
    )
