"""Questionnaires as data: the definition format, its checks, and where definitions come from.

A definition is a JSON object (docs/guides/impact-and-social-value.md describes every key). The open
instruments ship in impact/instruments/*.json; licensed ones (SWEMWBS, the Stars, PAM) are loaded by a
hub under its own licence with `manage.py load_instrument` and kept in InstrumentDefinition rows, so
their wording never enters this repository.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SHIPPED_DIR = Path(__file__).resolve().parent / "instruments"
METHODS = ("item", "sum", "mean", "gas_t")
KINDS = ("items", "goals")


class DefinitionError(ValueError):
    """A definition file is malformed; the message says where."""


@dataclass(frozen=True)
class Band:
    label: str
    min: float
    max: float


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    hint: str = ""
    reverse: bool = False


@dataclass(frozen=True)
class ScoreRule:
    key: str
    label: str
    method: str
    items: tuple[str, ...]
    min_answered: int
    higher_is_better: bool
    meaningful_change: float
    bands: tuple[Band, ...] = ()
    # Raw total -> reported score, e.g. SWEMWBS's raw-to-metric table. Keys are raw totals.
    conversion: dict[int, float] = field(default_factory=dict)
    rho: float = 0.3

    def band_for(self, value: float) -> str:
        """Bands are listed low to high; a value takes the last band whose min it reaches (so 4.5 on a
        scale banded 0–4, 5–6 is in the upper band) unless it is above that band's max."""
        found = ""
        for band in self.bands:
            if value >= band.min:
                found = band.label if value <= band.max else ""
        return found


@dataclass(frozen=True)
class Definition:
    code: str
    name: str
    version: str
    licence: str
    source: str
    kind: str
    scale_min: int
    scale_max: int
    scale_labels: dict[str, str]
    items: tuple[Item, ...]
    scores: tuple[ScoreRule, ...]
    primary: str

    def rule(self, key: str | None = None) -> ScoreRule:
        wanted = key or self.primary
        for rule in self.scores:
            if rule.key == wanted:
                return rule
        raise KeyError(wanted)

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)


def _need(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise DefinitionError(f"{where}: '{key}' is missing.")
    return data[key]


def parse(data: dict[str, Any]) -> Definition:
    """Check a definition and turn it into a Definition; DefinitionError says what is wrong."""
    if not isinstance(data, dict):
        raise DefinitionError("A definition must be a JSON object.")
    code = str(_need(data, "code", "definition"))
    where = f"instrument {code}"
    kind = data.get("kind", "items")
    if kind not in KINDS:
        raise DefinitionError(f"{where}: kind must be one of {', '.join(KINDS)}.")
    scale = _need(data, "scale", where)
    lo, hi = int(_need(scale, "min", where)), int(_need(scale, "max", where))
    if lo >= hi:
        raise DefinitionError(f"{where}: the scale's min must be below its max.")
    items = tuple(
        Item(
            key=str(_need(i, "key", where)),
            text=str(_need(i, "text", where)),
            hint=str(i.get("hint", "")),
            reverse=bool(i.get("reverse", False)),
        )
        for i in data.get("items", [])
    )
    keys = [i.key for i in items]
    if len(set(keys)) != len(keys):
        raise DefinitionError(f"{where}: item keys must be unique.")
    if kind == "items" and not items:
        raise DefinitionError(f"{where}: a questionnaire needs at least one item.")
    rules = []
    for raw in _need(data, "scores", where):
        key = str(_need(raw, "key", where))
        method = raw.get("method", "sum")
        if method not in METHODS:
            raise DefinitionError(f"{where}, score {key}: method must be one of {', '.join(METHODS)}.")
        rule_items = tuple(raw.get("items", keys if kind == "items" else []))
        unknown = [k for k in rule_items if k not in keys]
        if unknown:
            raise DefinitionError(f"{where}, score {key}: unknown items {', '.join(unknown)}.")
        if kind == "items" and not rule_items:
            raise DefinitionError(f"{where}, score {key}: no items to score.")
        min_answered = int(raw.get("min_answered", len(rule_items) or 1))
        if kind == "items" and not 1 <= min_answered <= len(rule_items):
            raise DefinitionError(f"{where}, score {key}: min_answered must be between 1 and the item count.")
        conversion = {int(k): float(v) for k, v in raw.get("conversion", {}).items()}
        if conversion and method != "sum":
            raise DefinitionError(f"{where}, score {key}: a conversion table applies to a sum.")
        if conversion and kind == "items":
            needed = range(lo * len(rule_items), hi * len(rule_items) + 1)
            missing = [str(n) for n in needed if n not in conversion]
            if missing:
                raise DefinitionError(
                    f"{where}, score {key}: the conversion table has no row for raw totals "
                    f"{', '.join(missing)}."
                )
        bands = tuple(
            Band(label=str(b["label"]), min=float(b["min"]), max=float(b["max"]))
            for b in raw.get("bands", [])
        )
        change = float(_need(raw, "meaningful_change", f"{where}, score {key}"))
        if change <= 0:
            raise DefinitionError(f"{where}, score {key}: meaningful_change must be above 0.")
        rules.append(
            ScoreRule(
                key=key,
                label=str(raw.get("label", key)),
                method=method,
                items=rule_items,
                min_answered=min_answered,
                higher_is_better=bool(raw.get("higher_is_better", True)),
                meaningful_change=change,
                bands=bands,
                conversion=conversion,
                rho=float(raw.get("rho", 0.3)),
            )
        )
    if not rules:
        raise DefinitionError(f"{where}: at least one score is needed.")
    primary = str(data.get("primary", rules[0].key))
    if primary not in {r.key for r in rules}:
        raise DefinitionError(f"{where}: primary score {primary} is not defined.")
    return Definition(
        code=code,
        name=str(_need(data, "name", where)),
        version=str(data.get("version", "")),
        licence=str(_need(data, "licence", where)),
        source=str(_need(data, "source", where)),
        kind=kind,
        scale_min=lo,
        scale_max=hi,
        scale_labels={str(k): str(v) for k, v in scale.get("labels", {}).items()},
        items=items,
        scores=tuple(rules),
        primary=primary,
    )


@cache
def shipped() -> dict[str, Definition]:
    """The open instruments that ship with Coproduce, by code."""
    out = {}
    for path in sorted(SHIPPED_DIR.glob("*.json")):
        definition = parse(json.loads(path.read_text(encoding="utf-8")))
        out[definition.code] = definition
    return out
