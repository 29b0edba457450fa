"""Every write for member rights: requests, their completion, the subject access archive and erasure.
Each runs in one transaction and writes its audit rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import Conflict, DomainError
from core.models import AuditEvent
from core.roles import Actor
from people.models import Person
from rights import erasure as erasure_engine
from rights import export, permissions, queries
from rights.models import RightsRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_DETAIL = 4000
CLOSED_BY_ERASURE = "Closed when the record was erased"


def _refuse(message: str = "You do not have permission to do that.") -> None:
    raise PermissionDenied(message)


def _detail(value: str, *, required: bool, field: str = "detail", label: str = "This") -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(f"{label} is required.", {field: ["Required."]})
    if len(text) > MAX_DETAIL:
        raise DomainError(f"{label} must be {MAX_DETAIL} characters or fewer.", {field: ["Too long."]})
    return text


def _user(actor: Actor) -> User | None:
    return actor.user if actor.user is not None and actor.user.pk else None


def _whose(actor: Actor, person: Person) -> str:
    return "" if actor.is_self(person) else " on their behalf"


@transaction.atomic
def make_request(*, actor: Actor, person: Person, kind: str, detail: str = "") -> RightsRequest:
    """Ask for a correction or an erasure (or record an access request made by letter or phone)."""
    if not permissions.can_make_request(actor, person):
        _refuse()
    if kind not in RightsRequest.Kind.values:
        raise DomainError("Choose what you are asking for.", {"kind": ["Choose one."]})
    text = _detail(
        detail,
        required=kind == RightsRequest.Kind.CORRECTION,
        label="What is wrong and what it should say",
    )
    if queries.is_erased(person):
        raise DomainError("This record has already been erased.")
    if (
        kind == RightsRequest.Kind.ERASURE
        and RightsRequest.objects.filter(person=person, kind=kind, status=RightsRequest.Status.OPEN).exists()
    ):
        raise Conflict("An erasure request for this record is already waiting for staff.")
    request = RightsRequest.objects.create(
        hub=person.hub,
        person=person,
        kind=kind,
        detail=text,
        requested_by=_user(actor),
        requested_by_label=actor.label[:200],
        on_behalf=not actor.is_self(person),
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.RIGHTS,
        person=person,
        obj=request,
        summary=f"Asked: {request.get_kind_display().lower()}{_whose(actor, person)}",
    )
    return request


def _close(actor: Actor, request: RightsRequest, *, status: str, outcome: str) -> RightsRequest:
    request.status = status
    request.outcome = outcome
    request.completed_at = timezone.now()
    request.completed_by = _user(actor)
    request.completed_by_label = actor.label[:200]
    request.save(update_fields=["status", "outcome", "completed_at", "completed_by", "completed_by_label"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.RIGHTS,
        person=request.person,
        obj=request,
        summary=f"{request.get_status_display()}: {request.get_kind_display().lower()}",
    )
    return request


def _locked_open(request: RightsRequest) -> RightsRequest:
    locked = RightsRequest.objects.select_for_update(of=("self",)).select_related("person").get(pk=request.pk)
    if not locked.is_open:
        raise Conflict(f"This request is already {locked.get_status_display().lower()}.")
    return locked


@transaction.atomic
def complete_request(*, actor: Actor, request: RightsRequest, outcome: str) -> RightsRequest:
    """Mark a correction (or an access request by letter) done, saying what was changed. An erasure is
    completed only by erase()."""
    if not permissions.can_complete_request(actor, request):
        _refuse()
    if request.kind == RightsRequest.Kind.ERASURE:
        raise DomainError("An erasure is completed by carrying it out.")
    text = _detail(outcome, required=True, field="outcome", label="What was done")
    return _close(actor, _locked_open(request), status=RightsRequest.Status.DONE, outcome=text)


@transaction.atomic
def refuse_request(*, actor: Actor, request: RightsRequest, reason: str) -> RightsRequest:
    """Refuse with a reason the person is told (article 12(4): why, and that they may complain to the
    ICO)."""
    if not permissions.can_complete_request(actor, request):
        _refuse()
    text = _detail(reason, required=True, field="reason", label="The reason")
    return _close(actor, _locked_open(request), status=RightsRequest.Status.REFUSED, outcome=text)


@transaction.atomic
def withdraw_request(*, actor: Actor, request: RightsRequest) -> RightsRequest:
    if not permissions.can_withdraw_request(actor, request):
        _refuse()
    return _close(
        actor,
        _locked_open(request),
        status=RightsRequest.Status.WITHDRAWN,
        outcome=f"Withdrawn by {actor.label}",
    )


@transaction.atomic
def export_archive(*, actor: Actor, person: Person) -> tuple[str, bytes]:
    """The subject access archive (.zip of JSON and PDF). Recorded as an access request made and
    completed at once, and audited as a download."""
    if not permissions.can_see_everything(actor, person):
        _refuse()
    data = queries.subject_data(person=person, viewer=actor)
    content = export.archive(data)
    now = timezone.now()
    request = RightsRequest.objects.create(
        hub=person.hub,
        person=person,
        kind=RightsRequest.Kind.ACCESS,
        status=RightsRequest.Status.DONE,
        requested_by=_user(actor),
        requested_by_label=actor.label[:200],
        on_behalf=not actor.is_self(person),
        requested_at=now,
        completed_at=now,
        completed_by=_user(actor),
        completed_by_label=actor.label[:200],
        outcome=f"Downloaded a copy of {data.total} entries"
        + (" with sensitive session notes" if data.include_sensitive else ""),
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        person=person,
        obj=request,
        summary=f"Downloaded everything held ({data.total} entries){_whose(actor, person)}",
    )
    return export.filename(data), content


def _anonymise(person: Person) -> tuple[erasure_engine.Erasure, dict[str, int]]:
    """Run every app's erasure rules on a locked person. The caller holds the transaction."""
    user = person.user
    context = erasure_engine.Erasure(
        person=person,
        user=user,
        label=erasure_engine.erased_label(person),
        needles=erasure_engine.identifiers(person, user),
        closes_login=user is not None and not Person.objects.filter(user=user).exclude(pk=person.pk).exists(),
        username=user.get_username() if user is not None else "",
    )
    return context, erasure_engine.run(context)


@transaction.atomic
def erase(*, actor: Actor, request: RightsRequest, confirmed: bool) -> RightsRequest:
    """Carry out an erasure request: anonymise the person across every app (rights/erasure.py).

    Only a coordinator or administrator, after the confirmation step, and never while something
    blocks it (queries.erasure_blockers). All or nothing: any error undoes every change.
    """
    if not (
        permissions.can_complete_request(actor, request) and permissions.can_erase(actor, request.person)
    ):
        _refuse()
    if request.kind != RightsRequest.Kind.ERASURE:
        raise DomainError("This is not an erasure request.")
    if not confirmed:
        raise DomainError(
            "Confirm that you have read what will be removed and what will be kept.",
            {"confirm": ["Confirm to carry out the erasure."]},
        )
    request = _locked_open(request)
    person = (
        Person.objects.select_for_update(of=("self",)).select_related("hub", "user").get(pk=request.person_id)
    )
    blockers = queries.erasure_blockers(person)
    if blockers:
        raise DomainError("The record cannot be erased yet. " + " ".join(blockers))
    context, changed = _anonymise(person)
    # Other open requests end with the record they were about.
    for other in RightsRequest.objects.filter(person=person, status=RightsRequest.Status.OPEN).exclude(
        pk=request.pk
    ):
        _close(actor, other, status=RightsRequest.Status.WITHDRAWN, outcome=CLOSED_BY_ERASURE)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.ERASE,
        person=person,
        summary=f"Erased record #{person.pk}: {sum(changed.values())} rows in {len(changed)} tables",
    )
    request.person = person
    return _close(
        actor,
        request,
        status=RightsRequest.Status.DONE,
        outcome=f"Erased: {sum(changed.values())} rows changed in {len(changed)} tables; "
        "records the hub must keep stay with the person shown as "
        f"'{context.label}'.",
    )


RESTORE_LABEL = "Re-applied after a restore from backup"


@transaction.atomic
def reapply_erasure(*, hub_slug: str, person_id: int, erased_on: str) -> str:
    """Erase again a record that an earlier erasure had anonymised, after a backup from before that
    erasure was restored (docs/guides/backup-and-restore.md). Driven by the erasure register, not a
    person: the original request already passed the permission and blocker checks, so neither is asked
    again. Recorded as a completed erasure request and audited. Returns "erased", "already erased" or
    "not found" (the record is not in this database, or not in that hub)."""
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("hub", "user")
        .filter(pk=person_id, hub__slug=hub_slug)
        .first()
    )
    if person is None:
        return "not found"
    if queries.is_erased(person):
        return "already erased"
    context, changed = _anonymise(person)
    system = Actor(user=None, hub=person.hub)
    now = timezone.now()
    outcome = (
        f"Erasure of {erased_on} re-applied after a restore from backup: "
        f"{sum(changed.values())} rows changed in {len(changed)} tables."
    )
    for other in RightsRequest.objects.filter(person=person, status=RightsRequest.Status.OPEN):
        _close(system, other, status=RightsRequest.Status.WITHDRAWN, outcome=CLOSED_BY_ERASURE)
    request = RightsRequest.objects.create(
        hub=person.hub,
        person=person,
        kind=RightsRequest.Kind.ERASURE,
        status=RightsRequest.Status.DONE,
        requested_by_label=RESTORE_LABEL,
        on_behalf=True,
        requested_at=now,
        completed_at=now,
        completed_by_label=RESTORE_LABEL,
        outcome=outcome,
    )
    audit.record(
        actor=system,
        action=AuditEvent.Action.ERASE,
        person=person,
        obj=request,
        summary=f"Erased record #{person.pk} again after a restore (first erased {erased_on})",
    )
    return "erased"
