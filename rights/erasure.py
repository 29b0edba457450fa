"""Erasure (UK GDPR article 17): anonymise a person in place across every app.

The person record stays, renamed "Erased member <id>" with every contact detail blanked, so every row
that points to it (ledger accounts, enrolments, measurements) keeps its numbers and dates: the time-bank
books still balance to the minute and the reports keep their totals. Each app's privacy module blanks
or deletes the free text it holds about or by the person; then a sweep replaces the person's
identifiers (full name, email, phone, NHS number) wherever they still appear in a text column of the
hub's rows, such as the name snapshots audit rows and transfers keep of who acted.

Append-only rows (audit, consent, ledger transfers, plan versions) are changed here and only here:
erasure is the one lawful exception to "never updated", and it touches only text columns, never a
number, a date, a key or an entry. docs/decisions/0013-member-rights-and-erasure.md explains why.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.functions import Cast

from rights.registry import hub_path, rules

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from people.models import Person

REMOVED = "Removed when the member's record was erased"


def erased_label(person: Person) -> str:
    return f"Erased member {person.pk}"


def _variants(value: str) -> list[str]:
    value = value.strip()
    if not value:
        return []
    found = {value}
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 10 and digits != value:
        found.add(digits)
    if len(digits) == 10 and value == digits:
        # An NHS number is shown as 3 3 4 digits.
        found.add(f"{digits[:3]} {digits[3:6]} {digits[6:]}")
    return sorted(found, key=len, reverse=True)


def identifiers(person: Person, user: User | None) -> list[str]:
    """The strings that identify the person on their own: never a first name alone, which other
    people share and which would make the sweep rewrite their rows."""
    values = [person.full_name, person.email, person.phone, person.nhs_number]
    if person.preferred_name and " " in person.preferred_name.strip():
        values.append(person.preferred_name)
    if user is not None:
        values.append(user.email)
        full = user.get_full_name()
        if " " in full:
            values.append(full)
    found: list[str] = []
    for value in values:
        for v in _variants(value or ""):
            if len(v) >= 5 and v not in found:
                found.append(v)
    return sorted(found, key=len, reverse=True)


@dataclass
class Erasure:
    """What every app's erase function receives: the person (already anonymised by the time later
    rules run, so each rule reads `user` and `needles` from here, not from the person), their login
    as it was, and the helpers to change rows."""

    person: Person
    user: User | None
    label: str
    needles: list[str]
    # True when the login serves only this record: erasure then closes it (no other hub's record
    # loses its sign-in).
    closes_login: bool = False
    # The login's username as it was (erasure renames the login).
    username: str = ""
    changed: dict[str, int] = field(default_factory=dict)

    def count(self, model: str, n: int) -> None:
        if n:
            self.changed[model] = self.changed.get(model, 0) + n

    def scrub(self, text: str) -> str:
        """`text` with every identifier replaced by the neutral label: whole identifiers only, so
        "demo@example.org" keeps its "mo@example.org" and "Mo Member-Jones" her name."""
        for needle in self.needles:
            pattern = rf"(?<![\w@.+-]){re.escape(needle)}(?![\w@-])"
            text = re.sub(pattern, self.label, text, flags=re.IGNORECASE)
        return text

    def scrub_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.scrub_value(v) for k, v in value.items()}
        return value

    def update(self, qs: QuerySet, **values: Any) -> int:
        """UPDATE the rows through the model's base manager, which append-only rows' own manager
        would refuse. Only erasure calls this, and only with text columns (see the module docstring)."""
        model = qs.model
        n = model._base_manager.filter(pk__in=list(qs.values_list("pk", flat=True))).update(**values)
        self.count(model._meta.label, n)
        return n

    def delete(self, qs: QuerySet) -> int:
        n, _ = qs.model._base_manager.filter(pk__in=list(qs.values_list("pk", flat=True))).delete()
        self.count(qs.model._meta.label, n)
        return n

    def relabel(self, qs: QuerySet, *names: str) -> int:
        """Replace the label snapshots (actor_label, recorded_by_label…) of rows the person wrote."""
        return self.update(qs, **dict.fromkeys(names, self.label)) if names else 0


def _text_fields(model: type[models.Model]) -> list[models.Field]:
    out: list[models.Field] = []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.is_relation or f.choices:
            continue
        if isinstance(f, models.CharField | models.TextField | models.JSONField):
            out.append(f)
    return out


def sweep(erasure: Erasure, *, skip: tuple[str, ...] = ("people.Person",)) -> int:
    """Replace the person's identifiers in every text column of every row of their hub.

    Models with no path to a hub (logins, the global case-study catalogue) are not swept: an
    identifier there belongs to the login, which erasure handles itself, or to nobody in this hub.
    Person rows are skipped: the erased record was anonymised already, and another person whose
    name contains this one's must keep it.
    """
    if not erasure.needles:
        return 0
    changed = 0
    for model in apps.get_models():
        if model._meta.label in skip or model._meta.proxy:
            continue
        path = hub_path(model)
        if path is None:
            continue
        for f in _text_fields(model):
            is_json = isinstance(f, models.JSONField)
            qs = model._base_manager.filter(**{path: erasure.person.hub_id})
            column = f.name
            if is_json:
                qs = qs.annotate(_as_text=Cast(f.name, models.TextField()))
                column = "_as_text"
            q = Q()
            for needle in erasure.needles:
                q |= Q(**{f"{column}__icontains": needle})
                if is_json:
                    # SQLite keeps JSON with non-ASCII characters escaped.
                    escaped = needle.encode("ascii", "backslashreplace").decode().replace("\\x", "\\u00")
                    if escaped != needle:
                        q |= Q(**{f"{column}__icontains": escaped})
            for pk, value in qs.filter(q).values_list("pk", f.name):
                new = erasure.scrub_value(value)
                if new != value:
                    model._base_manager.filter(pk=pk).update(**{f.name: new})
                    erasure.count(model._meta.label, 1)
                    changed += 1
    return changed


def run(erasure: Erasure) -> dict[str, int]:
    """Every app's erase function, then the sweep. The caller holds the transaction."""
    for rule in rules():
        if rule.erase is not None:
            rule.erase(erasure)
    sweep(erasure)
    return erasure.changed


def new_username(person: Person) -> str:
    return f"erased-{person.pk}-{secrets.token_hex(4)}"
