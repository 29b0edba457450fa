"""The privacy registry: what every app holds about a person, how to export it and how to erase it.

Each app declares its rules in `<app>/privacy.py` as a list named RULES. A rule names one model, the
fields of it that point to a person (people.Person or the auth User linked to one), the part of the
subject access export its rows belong to, and what erasure does to them: an `erase` function, nothing
(the rows hold no free text and point at the person record, which erasure anonymises in place), or
`kept` with the reason the hub must keep them.

rights/tests/test_registry.py walks every installed model and fails when a field that points to a
person is not covered by a rule, so a new model that refers to a person cannot be missed.
"""

from __future__ import annotations

import importlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet

if TYPE_CHECKING:
    from people.models import Person
    from rights.erasure import Erasure

# The parts of the export, in the order a member reads them.
PARTS: dict[str, str] = {
    "profile": "Your profile",
    "consent": "Consent history",
    "audit": "Who looked at your record",
    "timebank": "Time bank account and transfers",
    "support": "Referrals, plans, sessions and follow-ups",
    "courses": "Courses and groups",
    "volunteering": "Volunteering",
    "practice": "Co-production practice answers",
    "measurements": "Measurements",
    "login": "Your login",
    "rights": "Your data rights requests",
}


@dataclass(frozen=True)
class Rule:
    """What one model holds about a person.

    model: "app_label.ModelName".
    fields: the fields of the model that point to people.Person or the auth User, covered by this rule.
    part: the part of the export (a key of PARTS).
    rows: the person's rows (for the export and for erasure); by default, rows where any of `fields`
        is the person or their login, within the person's hub.
    erase: what erasure does to the rows (anonymise, blank free text, delete); None when there is
        nothing to do beyond anonymising the person record the rows point to.
    kept: why the rows are kept after erasure (a law, a retention period); shown in the docs and on
        the erasure confirmation page. Kept rows may still have free text blanked by `erase`.
    omit: fields left out of the export (secrets, and other people's data; say why in the module).
    present: a function that adjusts one exported row (hide a note the viewer may not see).
    """

    model: str
    part: str
    fields: tuple[str, ...] = ()
    rows: Callable[[Person], QuerySet] | None = None
    erase: Callable[[Erasure], None] | None = None
    kept: str = ""
    omit: tuple[str, ...] = ()
    present: Callable[[models.Model, dict[str, Any], Any], None] | None = None
    note: str = ""

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def person_rows(self, person: Person) -> QuerySet:
        """The rows about `person` in their hub (the base manager: append-only managers refuse updates
        erasure must make, and no default manager filter may hide a row from the export)."""
        model = self.model_class
        if self.rows is not None:
            qs = self.rows(person)
        else:
            q = Q()
            for name in self.fields:
                target = model._meta.get_field(name).related_model
                if target is not None and target._meta.label == settings.AUTH_USER_MODEL:
                    if person.user_id is not None:
                        q |= Q(**{name: person.user_id})
                else:
                    q |= Q(**{name: person.pk})
            qs = model._base_manager.filter(q) if q else model._base_manager.none()
        path = hub_path(model)
        if path is not None:
            qs = qs.filter(**{path: person.hub_id})
        return qs


def person_models() -> tuple[type[models.Model], ...]:
    from people.models import Person

    return (Person, apps.get_model(settings.AUTH_USER_MODEL))


def person_fields(model_list: Iterable[type[models.Model]] | None = None) -> list[tuple[str, str]]:
    """Every (model label, field name) of an installed model that points to a person or a login."""
    targets = person_models()
    found = []
    for model in apps.get_models() if model_list is None else model_list:
        for f in model._meta.get_fields():
            # Forward ForeignKey, OneToOne and ManyToMany fields; reverse relations are auto_created.
            if not f.is_relation or f.auto_created:
                continue
            if f.related_model in targets:
                found.append((model._meta.label, f.name))
    return sorted(found)


def privacy_modules() -> list[str]:
    return [f"{config.name}.privacy" for config in apps.get_app_configs()]


@cache
def rules() -> tuple[Rule, ...]:
    """Every app's rules, in app order then declaration order."""
    collected: list[Rule] = []
    for name in privacy_modules():
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        collected.extend(module.RULES)
    return tuple(collected)


def declared_fields(all_rules: tuple[Rule, ...] | list[Rule] | None = None) -> set[tuple[str, str]]:
    return {(r.model, f) for r in (rules() if all_rules is None else all_rules) for f in r.fields}


def undeclared_fields(
    all_rules: tuple[Rule, ...] | list[Rule] | None = None,
    model_list: Iterable[type[models.Model]] | None = None,
) -> list[tuple[str, str]]:
    """The (model, field) pairs that point to a person and no rule covers: must be empty."""
    declared = declared_fields(all_rules)
    return [pair for pair in person_fields(model_list) if pair not in declared]


def kept_rules() -> list[Rule]:
    return [r for r in rules() if r.kept]


@cache
def hub_path(model: type[models.Model]) -> str | None:
    """The lookup from `model` to its hub's id ("hub", "referral__hub", "person__hub"…), or None.

    Found by following foreign keys breadth first, at most three steps, so every query the registry
    makes stays inside one hub.
    """
    from core.models import Hub

    queue: deque[tuple[type[models.Model], str, int]] = deque([(model, "", 0)])
    seen = {model}
    while queue:
        current, prefix, depth = queue.popleft()
        for f in current._meta.concrete_fields:
            if not f.is_relation or f.related_model is None:
                continue
            if f.related_model is Hub:
                return f"{prefix}{f.name}"
        if depth == 3:
            continue
        for f in current._meta.concrete_fields:
            related = f.related_model if f.is_relation else None
            if related is None or related in seen or related is current:
                continue
            seen.add(related)
            queue.append((related, f"{prefix}{f.name}__", depth + 1))
    return None


def check_rules() -> list[str]:
    """Rules that name a model, a field or a part that does not exist."""
    problems = []
    for rule in rules():
        try:
            model = rule.model_class
        except LookupError:
            problems.append(f"{rule.model}: no such model")
            continue
        if rule.part not in PARTS:
            problems.append(f"{rule.model}: unknown part {rule.part}")
        for name in rule.fields + rule.omit:
            try:
                model._meta.get_field(name)
            except Exception:  # noqa: BLE001 - FieldDoesNotExist, reported
                problems.append(f"{rule.model}.{name}: no such field")
    return problems
