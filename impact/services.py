"""Every write in impact: measurements, licensed definitions, funding, SROI models, cost calculators."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import Conflict, DomainError
from core.models import AuditEvent, Hub
from core.roles import Actor, Role
from impact import permissions, queries
from impact.definitions import DefinitionError, parse, shipped
from impact.models import (
    CostComparison,
    CostLine,
    FinancialProxy,
    Funding,
    InstrumentDefinition,
    Measurement,
    SroiInput,
    SroiModel,
    SroiOutcome,
    Stakeholder,
)
from impact.scoring import ScoringError, clean_answers, score
from people.models import Person
from support.models import Referral

MOMENT = re.compile(r"^(baseline|follow_up_[1-9][0-9]?)$")
EXAMPLE_PROXIES = Path(__file__).resolve().parent / "proxies" / "open_examples.json"


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


@transaction.atomic
def record_measurement(
    *,
    actor: Actor,
    person: Person,
    instrument: str,
    moment: str,
    taken_on: date,
    answers: dict[str, Any] | None = None,
    mode: str = Measurement.Mode.PAPER,
    referral: Referral | None = None,
) -> Measurement:
    """Score and keep one questionnaire. The same moment again replaces it (a correction, audited);
    MISSED records the gap with no scores, which change figures count as lost to follow-up."""
    _require(permissions.can_record_measurement(actor, person), "You may not record this person's answers")
    definitions = queries.definitions_for(actor.hub)
    if instrument not in definitions:
        raise DomainError("No such questionnaire in this hub.", {"instrument": ["Choose a questionnaire."]})
    if not MOMENT.match(moment):
        raise DomainError("Choose when this was taken.", {"moment": ["Baseline or a follow-up."]})
    if taken_on > timezone.localdate():
        raise DomainError("The date cannot be in the future.", {"taken_on": ["Enter today or earlier."]})
    if mode == Measurement.Mode.ONLINE and not actor.is_self(person):
        raise DomainError("Only the member fills in a questionnaire online.")
    if referral is not None and referral.person_id != person.pk:
        raise DomainError("That referral is someone else's.")
    definition = definitions[instrument]
    scores: dict[str, float | None] = {}
    bands: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if mode != Measurement.Mode.MISSED:
        try:
            results = score(definition, answers or {})
        except ScoringError as error:
            raise DomainError(str(error), {"answers": [str(error)]}) from error
        cleaned = clean_answers(definition, answers or {})
        scores = {key: result.value for key, result in results.items()}
        bands = {key: result.band for key, result in results.items()}
    existing = (
        Measurement.objects.select_for_update()
        .filter(person=person, instrument=instrument, moment=moment)
        .first()
    )
    fields = {
        "hub": actor.hub,
        "referral": referral,
        "taken_on": taken_on,
        "mode": mode,
        "answers": cleaned,
        "scores": scores,
        "bands": bands,
        "primary": scores.get(definition.primary),
        "recorded_by": actor.user if actor.user is not None and actor.user.pk else None,
        "recorded_at": timezone.now(),
    }
    if existing is None:
        measurement = Measurement.objects.create(
            person=person, instrument=instrument, moment=moment, **fields
        )
        action = AuditEvent.Action.CREATE
    else:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        measurement, action = existing, AuditEvent.Action.UPDATE
    audit.record(
        actor=actor,
        action=action,
        person=person,
        obj=measurement,
        summary=f"{definition.name}, {moment.replace('_', ' ')} ({mode})",
        fields=["answers", "scores"],
    )
    return measurement


@transaction.atomic
def load_instrument(
    *, hub: Hub, data: dict[str, Any], licence_note: str, loaded_by: str
) -> InstrumentDefinition:
    """Keep a licensed definition for one hub (run by an administrator from the command line)."""
    if not licence_note.strip():
        raise DomainError("Say whose licence this is loaded under.")
    try:
        definition = parse(data)
    except DefinitionError as error:
        raise DomainError(str(error)) from error
    except (TypeError, ValueError, AttributeError, KeyError) as error:
        # A value of the wrong kind somewhere inside (a list where the scale should be, text for a number).
        raise DomainError(f"The definition is not in the expected shape ({error}).") from error
    if definition.code in shipped():
        raise Conflict(f"{definition.code} is a shipped instrument; choose another code.")
    row, _ = InstrumentDefinition.objects.update_or_create(
        hub=hub,
        code=definition.code,
        defaults={
            "definition": data,
            "licence_note": licence_note,
            "loaded_by": loaded_by,
            "loaded_at": timezone.now(),
        },
    )
    system = Actor(user=None, hub=hub, roles=frozenset({Role.ADMINISTRATOR}))
    audit.record(actor=system, action=AuditEvent.Action.UPDATE, obj=row, summary=f"Loaded {definition.name}")
    return row


@transaction.atomic
def record_funding(*, actor: Actor, commissioner: User, programme: str = "") -> Funding:
    """A coordinator records that a commissioner funds this hub, so they see its (suppressed) reports."""
    _require(permissions.can_manage_models(actor), "Only coordinators record funding")
    funding, _ = Funding.objects.get_or_create(
        commissioner=commissioner, hub=actor.hub, defaults={"programme": programme}
    )
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=funding, summary="Recorded funding")
    return funding


@transaction.atomic
def add_proxy(
    *, actor: Actor, name: str, unit: str, value_pence: int, source: str, year: int
) -> FinancialProxy:
    _require(permissions.can_manage_models(actor), "Only coordinators add financial proxies")
    if not source.strip():
        raise DomainError("Every proxy needs its source.", {"source": ["Say where the value comes from."]})
    proxy = FinancialProxy.objects.create(
        hub=actor.hub, name=name, unit=unit, value_pence=value_pence, source=source, year=year
    )
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=proxy, summary=f"Added proxy {name}")
    return proxy


@transaction.atomic
def load_example_proxies(*, actor: Actor) -> list[FinancialProxy]:
    """Copy the open example set into this hub (once; names already present are skipped)."""
    _require(permissions.can_manage_models(actor), "Only coordinators add financial proxies")
    data = json.loads(EXAMPLE_PROXIES.read_text(encoding="utf-8"))
    have = set(FinancialProxy.objects.filter(hub=actor.hub).values_list("name", flat=True))
    rows = [FinancialProxy(hub=actor.hub, **p) for p in data["proxies"] if p["name"] not in have]
    FinancialProxy.objects.bulk_create(rows)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, summary=f"Added {len(rows)} example proxies")
    return rows


@transaction.atomic
def create_model(
    *,
    actor: Actor,
    name: str,
    period_start: date,
    period_end: date,
    scope: str = "",
    discount_rate: Decimal = Decimal("0.035"),
    hour_value_pence: int | None = None,
) -> SroiModel:
    _require(permissions.can_manage_models(actor), "Only coordinators build SROI models")
    if period_end < period_start:
        raise DomainError("The period ends before it starts.", {"period_end": ["End on or after the start."]})
    if not Decimal("0") <= discount_rate <= Decimal("1"):
        raise DomainError("The discount rate is a share from 0 to 1.", {"discount_rate": ["0% to 100%."]})
    if hour_value_pence is None:
        hour_value_pence = queries.wage_pence(actor.hub)
    model = SroiModel.objects.create(
        hub=actor.hub,
        name=name,
        scope=scope,
        period_start=period_start,
        period_end=period_end,
        discount_rate=discount_rate,
        hour_value_pence=hour_value_pence,
        created_by=actor.label,
    )
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=model, summary=f"SROI model {name}")
    return model


def _touch(actor: Actor, model: SroiModel, summary: str, obj=None) -> None:
    model.updated_at = timezone.now()
    model.save(update_fields=["updated_at"])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=obj or model, summary=summary[:300])


@transaction.atomic
def add_stakeholder(*, actor: Actor, model: SroiModel, name: str, involvement: str = "") -> Stakeholder:
    _require(permissions.can_manage_models(actor) and model.hub_id == actor.hub.pk, "Not your model")
    stakeholder = Stakeholder.objects.create(model=model, name=name, involvement=involvement)
    _touch(actor, model, f"Added stakeholder {name}", stakeholder)
    return stakeholder


@transaction.atomic
def add_input(
    *,
    actor: Actor,
    model: SroiModel,
    description: str,
    kind: str,
    amount_pence: int = 0,
    hours: Decimal = Decimal("0"),
    stakeholder: Stakeholder | None = None,
) -> SroiInput:
    """Money and in-kind inputs carry an amount; volunteer and member time carry hours, valued at the
    model's hour value."""
    _require(permissions.can_manage_models(actor) and model.hub_id == actor.hub.pk, "Not your model")
    if kind in SroiInput.TIME_KINDS:
        if hours <= 0:
            raise DomainError("Enter the hours given.", {"hours": ["Enter a number of hours above 0."]})
        amount_pence = 0
    elif amount_pence <= 0:
        raise DomainError("Enter the amount.", {"amount": ["Enter an amount above £0."]})
    if stakeholder is not None and stakeholder.model_id != model.pk:
        raise DomainError("That stakeholder belongs to another model.")
    row = SroiInput.objects.create(
        model=model,
        description=description,
        kind=kind,
        amount_pence=amount_pence,
        hours=hours,
        stakeholder=stakeholder,
    )
    _touch(actor, model, f"Added input {description}", row)
    return row


@transaction.atomic
def add_outcome(
    *, actor: Actor, model: SroiModel, stakeholder: Stakeholder, proxy: FinancialProxy, **fields: Any
) -> SroiOutcome:
    """An outcome with its indicator, quantity (entered, or from the platform's own data), duration,
    proxy and the four adjustments."""
    _require(permissions.can_manage_models(actor) and model.hub_id == actor.hub.pk, "Not your model")
    if stakeholder.model_id != model.pk:
        raise DomainError("That stakeholder belongs to another model.")
    if proxy.hub_id not in (None, actor.hub.pk):
        raise DomainError("That proxy belongs to another hub.")
    source = fields.get("quantity_source", SroiOutcome.QuantitySource.ENTERED)
    if source == SroiOutcome.QuantitySource.IMPROVED and fields.get(
        "instrument"
    ) not in queries.definitions_for(actor.hub):
        raise DomainError("Choose the questionnaire.", {"instrument": ["Choose which questionnaire."]})
    for share in ("deadweight", "displacement", "attribution", "drop_off"):
        value = Decimal(str(fields.get(share, 0)))
        if not Decimal("0") <= value <= Decimal("1"):
            raise DomainError(f"{share.replace('_', '-')} must be 0% to 100%.", {share: ["0% to 100%."]})
    if int(fields.get("duration_years", 1)) < 1:
        raise DomainError("An outcome lasts at least one year.", {"duration_years": ["1 or more."]})
    outcome = SroiOutcome.objects.create(model=model, stakeholder=stakeholder, proxy=proxy, **fields)
    _touch(actor, model, f"Added outcome {outcome.description}", outcome)
    return outcome


@transaction.atomic
def remove_outcome(*, actor: Actor, outcome: SroiOutcome) -> None:
    model = outcome.model
    _require(permissions.can_manage_models(actor) and model.hub_id == actor.hub.pk, "Not your model")
    _touch(actor, model, f"Removed outcome {outcome.description}")
    outcome.delete()


@transaction.atomic
def create_comparison(*, actor: Actor, **fields: Any) -> CostComparison:
    _require(permissions.can_manage_models(actor), "Only coordinators build cost calculators")
    if int(fields.get("people", 0)) < 1:
        raise DomainError("Enter how many people are in the cohort.", {"people": ["1 or more."]})
    comparison = CostComparison.objects.create(hub=actor.hub, created_by=actor.label, **fields)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=comparison, summary=comparison.name)
    return comparison


@transaction.atomic
def set_cost_line(
    *,
    actor: Actor,
    comparison: CostComparison,
    event: str,
    before: int,
    after: int,
    unit_cost_pence: int,
    unit_cost_source: str,
    unit_cost_year: int,
) -> CostLine:
    """One event type's before/after counts and unit cost; entering the same event again replaces it."""
    _require(permissions.can_manage_models(actor) and comparison.hub_id == actor.hub.pk, "Not yours")
    if not unit_cost_source.strip():
        raise DomainError("Say where the unit cost comes from.", {"unit_cost_source": ["Enter a source."]})
    line, _ = CostLine.objects.update_or_create(
        comparison=comparison,
        event=event,
        defaults={
            "before": before,
            "after": after,
            "unit_cost_pence": unit_cost_pence,
            "unit_cost_source": unit_cost_source,
            "unit_cost_year": unit_cost_year,
        },
    )
    audit.record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=line, summary=f"{comparison.name}: {event}"
    )
    return line
