"""Cost avoided: events before and after for one cohort, times a unit cost the hub enters. Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    event: str  # "Emergency admissions", "Bed days" …
    before: int
    after: int
    unit_cost: float  # £ per event

    @property
    def change(self) -> int:
        return self.after - self.before

    @property
    def avoided(self) -> float:
        """£ avoided (negative when events rose)."""
        return (self.before - self.after) * self.unit_cost

    @property
    def change_share(self) -> float | None:
        return (self.after - self.before) / self.before if self.before else None


def total_avoided(lines: list[Line]) -> float:
    return sum(line.avoided for line in lines)


def per_person(lines: list[Line], people: int) -> float | None:
    return total_avoided(lines) / people if people else None
