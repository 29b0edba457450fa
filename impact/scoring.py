"""Scoring a completed questionnaire against its definition. Pure functions, no database.

Answers are {item key: number or None} for questionnaires, and {"goals": [{"label", "score", "weight"}]}
for goal-based instruments (Goal Attainment Scaling, the member's own goal ratings).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from impact.definitions import Definition, ScoreRule


class ScoringError(ValueError):
    """The answers cannot belong to this instrument (an unknown item, a value off the scale)."""


@dataclass(frozen=True)
class Score:
    key: str
    value: float | None  # None when too few items were answered: a gap, never a zero
    band: str
    answered: int
    needed: int

    @property
    def valid(self) -> bool:
        return self.value is not None


def _check_value(definition: Definition, key: str, value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScoringError(f"{key}: the answer must be a number.")
    if not definition.scale_min <= value <= definition.scale_max or value != int(value):
        raise ScoringError(
            f"{key}: the answer must be a whole number from {definition.scale_min} to {definition.scale_max}."
        )
    return float(value)


def clean_answers(definition: Definition, answers: dict[str, Any]) -> dict[str, Any]:
    """Answers checked against the definition: numbers on the scale, known items, weights above 0."""
    if definition.kind == "goals":
        goals = answers.get("goals", [])
        if not isinstance(goals, list):
            raise ScoringError("goals: expected a list.")
        cleaned = []
        for n, goal in enumerate(goals, start=1):
            weight = goal.get("weight", 1)
            if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
                raise ScoringError(f"goal {n}: the weight must be a number above 0.")
            cleaned.append(
                {
                    "label": str(goal.get("label", ""))[:200],
                    "score": _check_value(definition, f"goal {n}", goal.get("score")),
                    "weight": float(weight),
                }
            )
        return {"goals": cleaned}
    unknown = sorted(set(answers) - set(definition.item_keys))
    if unknown:
        raise ScoringError(f"Unknown items: {', '.join(unknown)}.")
    return {key: _check_value(definition, key, answers.get(key)) for key in definition.item_keys}


def reversed_value(definition: Definition, value: float) -> float:
    """A reverse-scored item counts (min + max − answer): on 1–5, an answer of 1 counts 5."""
    return definition.scale_min + definition.scale_max - value


def gas_t_score(goals: list[tuple[float, float]], rho: float = 0.3) -> float:
    """Kiresuk–Sherman T = 50 + 10·Σwx / √((1−ρ)Σw² + ρ(Σw)²) for (attainment x, weight w) pairs."""
    sum_wx = sum(w * x for x, w in goals)
    sum_w2 = sum(w * w for _, w in goals)
    sum_w = sum(w for _, w in goals)
    return 50 + 10 * sum_wx / math.sqrt((1 - rho) * sum_w2 + rho * sum_w**2)


def _score_rule(definition: Definition, rule: ScoreRule, cleaned: dict[str, Any]) -> Score:
    if definition.kind == "goals":
        pairs = [(g["score"], g["weight"]) for g in cleaned["goals"] if g["score"] is not None]
        needed = rule.min_answered
        if len(pairs) < needed:
            return Score(rule.key, None, "", len(pairs), needed)
        if rule.method == "gas_t":
            value = gas_t_score(pairs, rule.rho)
        elif rule.method == "mean":
            value = sum(x * w for x, w in pairs) / sum(w for _, w in pairs)
        else:
            value = sum(x for x, _ in pairs)
        return Score(rule.key, value, rule.band_for(value), len(pairs), needed)

    by_key = {item.key: item for item in definition.items}
    values: list[float] = []
    for key in rule.items:
        answer: float | None = cleaned.get(key)
        if answer is None:
            continue
        values.append(reversed_value(definition, answer) if by_key[key].reverse else answer)
    if len(values) < rule.min_answered:
        return Score(rule.key, None, "", len(values), rule.min_answered)
    if rule.method == "item":
        value = values[0]
    elif rule.method == "mean":
        value = sum(values) / len(values)
    else:
        total = sum(values)
        if len(values) < len(rule.items):
            # Fewer items than all but at least min_answered: prorate, the usual rule for summed scales
            # that allow missing items. Scales that allow none set min_answered to the item count.
            total = total / len(values) * len(rule.items)
        if rule.conversion:
            # A conversion table has rows for whole raw totals only; prorated totals round half up first.
            value = rule.conversion[math.floor(total + 0.5)]
        else:
            value = total
    return Score(rule.key, value, rule.band_for(value), len(values), rule.min_answered)


def score(definition: Definition, answers: dict[str, Any]) -> dict[str, Score]:
    """Every score the definition describes, by key. Raises ScoringError for answers off the scale."""
    cleaned = clean_answers(definition, answers)
    return {rule.key: _score_rule(definition, rule, cleaned) for rule in definition.scores}
