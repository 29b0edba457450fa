"""Reads for member rights: everything held about a person (the page and the export share it), and the
hub's rights requests."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from core.models import Hub
from core.roles import Actor, Role
from people.models import Person
from rights.models import RightsRequest
from rights.registry import PARTS, Rule, rules

# Fields the readable page and PDF leave out (the JSON keeps them): keys and the hub.
HIDDEN_IN_READABLE = {"id", "hub"}


@dataclass
class Section:
    """One model's rows about the person."""

    model: str
    title: str
    rows: list[dict[str, Any]]  # field name -> JSON value (the export's JSON)
    readable: list[list[tuple[str, str]]]  # per row: (field label, text) for the page and the PDF
    kept: str = ""
    note: str = ""


@dataclass
class Part:
    key: str
    title: str
    sections: list[Section] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(s.rows) for s in self.sections)


@dataclass
class SubjectData:
    person: Person
    made_at: dt.datetime
    made_by: str
    parts: list[Part]
    include_sensitive: bool

    @property
    def total(self) -> int:
        return sum(p.count for p in self.parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "about": {
                "person_id": self.person.pk,
                "hub": self.person.hub.name,
                "made_at": self.made_at.isoformat(),
                "made_by": self.made_by,
                "sensitive_session_notes_included": self.include_sensitive,
                "law": "UK GDPR article 15 (right of access) and article 20 (data portability)",
            },
            "parts": [
                {
                    "part": p.key,
                    "title": p.title,
                    "tables": [
                        {"model": s.model, "title": s.title, "kept_after_erasure": s.kept, "rows": s.rows}
                        for s in p.sections
                    ],
                }
                for p in self.parts
            ],
        }


@dataclass
class ExportContext:
    """Who the export is for: some rows read differently depending on who made it (sensitive notes)."""

    person: Person
    viewer: Actor
    include_sensitive: bool
    user_labels: dict[int, str] = field(default_factory=dict)


def includes_sensitive_notes(viewer: Actor, person: Person) -> bool:
    """Sensitive session notes go into the copy only when a coordinator or administrator makes it on the
    person's behalf: support keeps them from the member's own view (support/permissions.py), because
    they can hold what a third party said, so staff read them before handing the copy over."""
    return not viewer.is_self(person) and viewer.has(Role.COORDINATOR, Role.ADMINISTRATOR)


def _user_labels(hub: Hub) -> dict[int, str]:
    return {
        user_id: name
        for user_id, name, preferred in Person.objects.filter(hub=hub, user__isnull=False).values_list(
            "user_id", "full_name", "preferred_name"
        )
        for name in [preferred or name]
    }


def _fk_labels(rows: list[models.Model], f: models.Field, ctx: ExportContext) -> dict[Any, str]:
    ids = {getattr(r, f.attname) for r in rows} - {None}
    if not ids:
        return {}
    related = f.related_model
    if related is None or isinstance(related, str):  # not a relation to a model
        return {}
    if related._meta.label == settings.AUTH_USER_MODEL:
        return {i: ctx.user_labels.get(i, "a login with no record in this hub") for i in ids}
    if related is Person:
        return {
            pk: (preferred or name)
            for pk, name, preferred in Person.objects.filter(pk__in=ids).values_list(
                "pk", "full_name", "preferred_name"
            )
        }
    return {pk: str(obj) for pk, obj in related._base_manager.in_bulk(list(ids)).items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    return value


def _readable(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%-d %B %Y %H:%M}" if timezone.is_aware(value) else str(value)
    if isinstance(value, dt.date):
        return f"{value:%-d %B %Y}"
    if isinstance(value, dict):
        if set(value) == {"value", "label"}:
            return str(value["label"])
        return "; ".join(f"{k.replace('_', ' ')}: {_readable(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_readable(v) for v in value)
    return str(value)


def _section(rule: Rule, ctx: ExportContext) -> Section:
    model = rule.model_class
    objects = list(rule.person_rows(ctx.person).order_by("pk"))
    fields_ = [f for f in model._meta.concrete_fields if f.name not in rule.omit]
    labels = {f.name: _fk_labels(objects, f, ctx) for f in fields_ if f.is_relation}
    rows, readable = [], []
    for obj in objects:
        row: dict[str, Any] = {}
        for f in fields_:
            raw = getattr(obj, f.attname)
            if f.is_relation:
                row[f.name] = None if raw is None else {"id": _json_value(raw), "label": labels[f.name][raw]}
            elif f.choices and raw not in (None, ""):
                row[f.name] = {"value": raw, "label": str(getattr(obj, f"get_{f.name}_display")())}
            else:
                row[f.name] = _json_value(raw)
        if rule.present is not None:
            rule.present(obj, row, ctx)
        rows.append(row)
        readable.append(
            [
                (str(f.verbose_name).capitalize(), _readable_field(obj, f, row[f.name]))
                for f in fields_
                if f.name not in HIDDEN_IN_READABLE
            ]
        )
    return Section(
        model=rule.model,
        title=str(model._meta.verbose_name_plural).capitalize(),
        rows=rows,
        readable=readable,
        kept=rule.kept,
        note=rule.note,
    )


def _readable_field(obj: models.Model, f: models.Field, value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"id", "label"}:
        return str(value["label"])
    if isinstance(f, models.DateTimeField | models.DateField) and value:
        return _readable(getattr(obj, f.attname))
    return _readable(value)


def subject_data(*, person: Person, viewer: Actor) -> SubjectData:
    """Every row about `person` from every app, grouped by part (the page, the JSON and the PDF)."""
    ctx = ExportContext(
        person=person,
        viewer=viewer,
        include_sensitive=includes_sensitive_notes(viewer, person),
        user_labels=_user_labels(person.hub),
    )
    parts = {key: Part(key=key, title=title) for key, title in PARTS.items()}
    for rule in rules():
        section = _section(rule, ctx)
        if section.rows:
            parts[rule.part].sections.append(section)
    return SubjectData(
        person=person,
        made_at=timezone.now(),
        made_by=viewer.label,
        parts=[p for p in parts.values() if p.sections],
        include_sensitive=ctx.include_sensitive,
    )


def requests_for_person(person: Person) -> QuerySet[RightsRequest]:
    return RightsRequest.objects.filter(person=person).order_by("-requested_at", "-id")


def open_requests(hub: Hub) -> QuerySet[RightsRequest]:
    """The hub's requests waiting for staff, oldest first (each has a month to answer)."""
    return (
        RightsRequest.objects.filter(hub=hub, status=RightsRequest.Status.OPEN)
        .select_related("person")
        .order_by("requested_at", "id")
    )


def recent_requests(hub: Hub, *, limit: int = 50) -> QuerySet[RightsRequest]:
    return (
        RightsRequest.objects.filter(hub=hub)
        .exclude(status=RightsRequest.Status.OPEN)
        .select_related("person")
        .order_by("-completed_at", "-id")[:limit]
    )


def erasure_register() -> list[dict[str, object]]:
    """Every completed erasure, oldest first, as numbers only: what must be erased again after a backup
    from before it is restored. Holds no personal data, so it can be kept beside the backups."""
    rows = (
        RightsRequest.objects.filter(kind=RightsRequest.Kind.ERASURE, status=RightsRequest.Status.DONE)
        .order_by("completed_at", "pk")
        .values_list("hub__slug", "person_id", "completed_at")
    )
    seen: set[int] = set()
    register: list[dict[str, object]] = []
    for hub_slug, person_id, completed_at in rows:
        # Erased again after a restore: the first date is the one that counts. A done request always
        # has its completion time (a check constraint), so the None test only satisfies the types.
        if person_id in seen or completed_at is None:
            continue
        seen.add(person_id)
        register.append({"hub": hub_slug, "person": person_id, "erased_on": completed_at.date().isoformat()})
    return register


def is_erased(person: Person) -> bool:
    return RightsRequest.objects.filter(
        person=person, kind=RightsRequest.Kind.ERASURE, status=RightsRequest.Status.DONE
    ).exists()


def erasure_blockers(person: Person) -> list[str]:
    """What must be finished before the person can be erased, each as a sentence staff can act on.

    - A staff role: the person works on other people's records; an administrator removes the role
      first (their work stays attributed through the audit log).
    - An unfinished time-bank exchange: the other member is owed a confirmation or a decision, and
      posting it later would need the account open.
    - An open referral: support under way is closed (or declined) first, so the reports count it once.
    - A future on-call period: the rota would show a peer nobody can reach.
    """
    from core.roles import STAFF_ROLES
    from support.models import OnCallPeriod, Referral
    from timebank.models import Exchange

    blockers = []
    held = sorted(
        Role(r).label for r in person.role_grants.values_list("role", flat=True) if r in STAFF_ROLES
    )
    if held:
        blockers.append(
            f"They hold a staff role ({', '.join(held)}): an administrator removes it first on the "
            "Roles page."
        )
    waiting = (
        Exchange.objects.filter(
            status__in=[Exchange.Status.AWAITING_CONFIRMATION, Exchange.Status.AWAITING_APPROVAL]
        )
        .filter(models.Q(giver__person=person) | models.Q(receiver__person=person))
        .count()
    )
    if waiting:
        blockers.append(
            f"{waiting} time-bank exchange{'s' if waiting != 1 else ''} still "
            f"wait{'s' if waiting == 1 else ''} for confirmation or approval: confirm or decline "
            f"{'it' if waiting == 1 else 'them'} first."
        )
    open_referrals = Referral.objects.filter(
        person=person, status__in=[Referral.Status.RECEIVED, Referral.Status.ACCEPTED]
    ).count()
    if open_referrals:
        blockers.append(
            f"{open_referrals} support referral{'s are' if open_referrals != 1 else ' is'} still open: "
            "close or decline it first."
        )
    on_call = OnCallPeriod.objects.filter(
        peer=person, cancelled_at__isnull=True, ends_at__gt=timezone.now()
    ).count()
    if on_call:
        blockers.append(
            f"They are on the on-call rota {on_call} more time{'s' if on_call != 1 else ''}: cancel "
            "those periods first."
        )
    return blockers
