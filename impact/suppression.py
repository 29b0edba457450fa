"""Small-number suppression for everything shown outside the team. Pure functions.

The rule (docs/decisions/0012-sroi-conventions.md): a count from 1 to 4 shows as "fewer than 5". When
any count in a breakdown is hidden, the other counts are rounded to the nearest 5 and the total to the
nearest 10, so the hidden one cannot be worked out by subtraction; when the total itself is 1–4, every
part is hidden, zeros included. A figure computed from a hidden count (a share, a mean, money) is hidden
with it. Nothing is hidden for the team.
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
    return parts, Shown(f"about {round10(total):,}", exact=False, coarse=True)


def money(pounds: float | None, *, hidden: bool) -> str:
    if hidden or pounds is None:
        return "not shown" if hidden else "—"
    return f"£{pounds:,.0f}"
