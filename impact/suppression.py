"""Small-number suppression for everything shown outside the team. Pure functions.

The rule (docs/decisions/0012-sroi-conventions.md): a count from 1 to 4 shows as "fewer than 5". When
any count in a breakdown is hidden, the other counts are rounded to the nearest 5 and the total to the
nearest 10, so the hidden one cannot be worked out by subtraction; when the total itself is 1–4, every
part is hidden, zeros included; and if the rounded figures would still leave only one possible value
for a hidden count, the total is not shown. A figure computed from a hidden count (a share, a mean,
money) is hidden with it. Nothing is hidden for the team.
"""

from __future__ import annotations

from dataclasses import dataclass

SMALL = 5
HIDDEN = "fewer than 5"


def is_small(n: int) -> bool:
    return 0 < n < SMALL


def round10(n: int) -> int:
    """Nearest multiple of 10, halves up."""
    return 10 * ((n + 5) // 10)


def round5(n: int) -> int:
    """Nearest multiple of 5, halves up (never needed: a multiple of 5 plus 2.5 is not a whole number)."""
    return 5 * ((n + 2) // 5)


@dataclass(frozen=True)
class Shown:
    """A count as displayed: its text, and whether it is exact, rounded or hidden."""

    text: str
    exact: bool
    hidden: bool = False
    may_be_zero: bool = False  # a hidden part of a hidden total: 0 is hidden too
    coarse: bool = False  # rounded to the nearest 10 rather than 5
    withheld: bool = False  # a total not shown at all

    def __str__(self) -> str:
        return self.text


def one(n: int, *, suppress: bool) -> Shown:
    """A count on its own (no breakdown to protect)."""
    if suppress and is_small(n):
        return Shown(HIDDEN, exact=False, hidden=True)
    return Shown(f"{n:,}", exact=True)


def breakdown(counts: list[int], *, suppress: bool) -> tuple[list[Shown], Shown]:
    """Parts and their total as displayed under the rule above."""
    total = sum(counts)
    if not suppress:
        return [Shown(f"{n:,}", True) for n in counts], Shown(f"{total:,}", True)
    if not any(is_small(n) for n in counts) and not is_small(total):
        return [Shown(f"{n:,}", True) for n in counts], Shown(f"{total:,}", True)
    if is_small(total):
        # Every part is hidden, zeros included: with four parts summing to 4 and zeros shown, each
        # hidden part would have to be 1.
        hidden = Shown(HIDDEN, exact=False, hidden=True, may_be_zero=True)
        return [hidden for _ in counts], Shown(HIDDEN, exact=False, hidden=True)
    parts = []
    for n in counts:
        if is_small(n):
            parts.append(Shown(HIDDEN, exact=False, hidden=True))
        elif n == 0:
            parts.append(Shown("0", exact=True))
        else:
            parts.append(Shown(f"about {round5(n):,}", exact=False))
    # The total is rounded more coarsely than the parts: to the nearest 5, two hidden 4s would give
    # "about 10", which only 4 + 4 fits.
    shown_total = Shown(f"about {round10(total):,}", exact=False, coarse=True)
    if _gives_away(counts, round10(total)):
        # Rounding windows can still line up so that only one value fits a hidden count (4, 32, 32, 37
        # shows as "about 30, 30, 35", total "about 110": the rounded parts allow at most 101, the
        # total at least 105, so the hidden one must be 4). Then the total is withheld.
        shown_total = Shown("not shown", exact=False, withheld=True)
    return parts, shown_total


def _window(n: int) -> tuple[int, int]:
    """The values a part shown as "about round5(n)" could have (never 1–4: those would be hidden)."""
    r = round5(n)
    lo, hi = max(0, r - 2), r + 2
    return (max(lo, SMALL), hi) if lo < SMALL <= hi else (lo, hi)


def _gives_away(counts: list[int], rounded_total: int) -> bool:
    hidden = sum(1 for n in counts if is_small(n))
    windows = [_window(n) if n else (0, 0) for n in counts if not is_small(n)]
    total_lo, total_hi = max(SMALL, rounded_total - 5), rounded_total + 4
    # One hidden count h: the rest of the hidden ones lie in [hidden − 1, 4 × (hidden − 1)].
    lowest = total_lo - sum(hi for _, hi in windows) - 4 * (hidden - 1)
    highest = total_hi - sum(lo for lo, _ in windows) - (hidden - 1)
    return min(4, highest) - max(1, lowest) < 1


def money(pounds: float | None, *, hidden: bool) -> str:
    """Money worked out from a count: "not shown" when that count is hidden."""
    if hidden:
        return "not shown"
    return "—" if pounds is None else f"£{pounds:,.0f}"
