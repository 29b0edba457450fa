"""What each kind of plan holds, and the checks its content passes before a version is saved.

- Goal plan (Mosaic, 002; Live Well's SMART goals, 004 l.1419): goals broken into steps, each step
  saying who does it (the member, their worker or a peer), by when, and whether it is done.
- Wellbeing plan in the WRAP style (Live Well's Green Book, 004 l.1419): what keeps me well, triggers,
  early warning signs, what helps, and what to do in a crisis.
- Crisis and support plan (SUN's CASPs, 000 case 2): what the member wants to happen in a crisis, what
  they do not want, who to call, and practical things to see to.

Content is stored as JSON in PlanVersion; dates are ISO strings so versions compare exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from core.errors import DomainError

MAX_ITEMS = 30
MAX_ITEM = 500
MAX_LONG = 5000

WHO = {"member": "Me", "worker": "My worker", "peer": "A peer supporter"}

WELLBEING_LISTS = {
    "keeps_me_well": "What keeps me well",
    "triggers": "Things that can make me unwell",
    "early_warning_signs": "Early warning signs",
    "what_helps": "What helps when I notice them",
    "in_a_crisis": "What to do in a crisis",
}
CRISIS_TEXTS = {
    "what_i_want": "What I want to happen in a crisis",
    "what_i_do_not_want": "What I do not want to happen",
    "practical": "Practical things to see to (children, pets, work, bills)",
}
GOAL_FIELDS = {"title", "progress", "steps"}
STEP_FIELDS = {"text", "who", "due", "done"}
CONTACT_FIELDS = {"name", "phone", "relationship"}


def _unknown(got: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(got) - allowed
    if unknown:
        raise DomainError(
            f"Unknown plan field: {', '.join(sorted(map(str, unknown)))}.",
            {
                f"{where}{k}" if where else str(k): ["This is not part of the plan."]
                for k in sorted(map(str, unknown))
            },
        )


def _string(value: Any, field: str, maximum: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError("Check the plan.", {field: ["Write this as text."]})
    text = value.strip()
    if required and not text:
        raise DomainError("Check the plan.", {field: ["This cannot be empty."]})
    if len(text) > maximum:
        raise DomainError("Check the plan.", {field: [f"Keep this to {maximum} characters or fewer."]})
    return text


def _list(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise DomainError("Check the plan.", {field: ["Give a list of items."]})
    if len(value) > MAX_ITEMS:
        raise DomainError("Check the plan.", {field: [f"Keep this list to {MAX_ITEMS} items or fewer."]})
    items = [_string(v, f"{field}.{i}", MAX_ITEM) for i, v in enumerate(value)]
    return [item for item in items if item]


def _due(value: Any, field: str) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise DomainError(
            "Check the dates in the plan.", {field: ["Enter a real date, like 2025-03-31."]}
        ) from None


def _goals(content: Mapping[str, Any]) -> dict[str, Any]:
    _unknown(content, {"goals"}, "")
    goals = content.get("goals") or []
    if not isinstance(goals, list) or len(goals) > MAX_ITEMS:
        raise DomainError("Check the plan.", {"goals": [f"Give a list of up to {MAX_ITEMS} goals."]})
    out = []
    for i, goal in enumerate(goals):
        where = f"goals.{i}."
        if not isinstance(goal, Mapping):
            raise DomainError("Check the plan.", {f"goals.{i}": ["Each goal has a title and steps."]})
        _unknown(goal, GOAL_FIELDS, where)
        progress = goal.get("progress", 0)
        if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
            raise DomainError(
                "Check the plan.", {f"{where}progress": ["Progress is a percentage from 0 to 100."]}
            )
        steps = goal.get("steps") or []
        if not isinstance(steps, list) or len(steps) > MAX_ITEMS:
            raise DomainError(
                "Check the plan.", {f"{where}steps": [f"Give a list of up to {MAX_ITEMS} steps."]}
            )
        clean_steps = []
        for j, step in enumerate(steps):
            at = f"{where}steps.{j}."
            if not isinstance(step, Mapping):
                raise DomainError(
                    "Check the plan.", {f"{where}steps.{j}": ["Each step has text and who does it."]}
                )
            _unknown(step, STEP_FIELDS, at)
            who = step.get("who") or "member"
            if who not in WHO:
                raise DomainError(
                    "Check the plan.", {f"{at}who": ["Choose me, my worker or a peer supporter."]}
                )
            done = step.get("done", False)
            if not isinstance(done, bool):
                raise DomainError("Check the plan.", {f"{at}done": ["Say yes or no."]})
            clean_steps.append(
                {
                    "text": _string(step.get("text"), f"{at}text", MAX_ITEM, required=True),
                    "who": who,
                    "due": _due(step.get("due"), f"{at}due"),
                    "done": done,
                }
            )
        out.append(
            {
                "title": _string(goal.get("title"), f"{where}title", MAX_ITEM, required=True),
                "progress": progress,
                "steps": clean_steps,
            }
        )
    return {"goals": out}


def _wellbeing(content: Mapping[str, Any]) -> dict[str, Any]:
    _unknown(content, set(WELLBEING_LISTS), "")
    return {key: _list(content.get(key), key) for key in WELLBEING_LISTS}


def _crisis(content: Mapping[str, Any]) -> dict[str, Any]:
    _unknown(content, {*CRISIS_TEXTS, "who_to_call"}, "")
    out: dict[str, Any] = {key: _string(content.get(key), key, MAX_LONG) for key in CRISIS_TEXTS}
    contacts = content.get("who_to_call") or []
    if not isinstance(contacts, list) or len(contacts) > MAX_ITEMS:
        raise DomainError("Check the plan.", {"who_to_call": [f"Give a list of up to {MAX_ITEMS} people."]})
    clean = []
    for i, contact in enumerate(contacts):
        if not isinstance(contact, Mapping):
            raise DomainError("Check the plan.", {f"who_to_call.{i}": ["Give a name and a phone number."]})
        _unknown(contact, CONTACT_FIELDS, f"who_to_call.{i}.")
        clean.append(
            {
                "name": _string(contact.get("name"), f"who_to_call.{i}.name", 200, required=True),
                "phone": _string(contact.get("phone"), f"who_to_call.{i}.phone", 30),
                "relationship": _string(contact.get("relationship"), f"who_to_call.{i}.relationship", 100),
            }
        )
    out["who_to_call"] = clean
    return out


CLEANERS = {"goals": _goals, "wellbeing": _wellbeing, "crisis": _crisis}


def empty_content(kind: str) -> dict[str, Any]:
    """What a new plan of this kind starts as, for forms."""
    return CLEANERS[kind]({})


def clean_plan_content(kind: str, content: Any) -> dict[str, Any]:
    """The plan's content checked and normalised, or a DomainError naming the field (goals.0.steps.1.due)."""
    if not isinstance(content, Mapping):
        raise DomainError("Check the plan.", {"content": ["The plan's content is missing."]})
    return CLEANERS[kind](content)
