"""Every write in support. Pages, the API, the spreadsheet upload, the reminder command and the demo
builder all come here. Each function checks permission, validates everything, then writes in one
transaction with its audit row; a DomainError means nothing was written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit
from core.errors import Conflict, DomainError
from core.models import AuditEvent, Hub
from core.roles import Actor, Role
from directory.queries import get_service
from people import services as people_services
from people.models import ConsentEvent, ConsentPurpose, Person, ProfileEntry
from people.permissions import can_record_consent
from people.validators import normalise_nhs_number, normalise_postcode, validate_nhs_number, validate_postcode
from support import permissions, queries, ratelimit
from support.models import (
    Assignment,
    ClinicalCode,
    CodedEvent,
    Conversation,
    Exclusion,
    FollowUp,
    OnCallPeriod,
    OnwardReferral,
    OnwardReferralUpdate,
    PathwayStep,
    Plan,
    PlanSupporter,
    PlanVersion,
    Reason,
    Referral,
    ReferrerMessage,
    Source,
    SupportService,
    SupportSession,
    SupportSettings,
)
from support.plans import clean_plan_content

MAX_SESSION_MINUTES = 8 * 60
MAX_TEXT = 5000


def _refuse(message: str = "You do not have permission to do that.") -> None:
    raise PermissionDenied(message)


def _text(value: Any, *, field: str, maximum: int, required: bool = False, label: str = "This") -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise DomainError("Some details are missing.", {field: [f"{label} is required."]})
    if len(text) > maximum:
        raise DomainError(
            "Some details are too long.", {field: [f"Keep this to {maximum} characters or fewer."]}
        )
    return text


def parse_date(value: Any, *, field: str, label: str = "Date") -> dt.date | None:
    """A date from a date, "2025-03-31" or "31/03/2025"; None for empty. Bad dates say which field."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise DomainError(
        "Check the dates you entered.",
        {field: [f"{label} must be a real date, like 31/03/2025."]},
    )


def _past_date(value: Any, *, field: str, label: str, required: bool = True) -> dt.date | None:
    day = parse_date(value, field=field, label=label)
    if day is None:
        if required:
            raise DomainError("Some details are missing.", {field: [f"{label} is required."]})
        return None
    if day > timezone.localdate():
        raise DomainError("Check the dates you entered.", {field: [f"{label} cannot be in the future."]})
    return day


def _same_hub_person(actor: Actor, person: Person, *, field: str = "person") -> Person:
    if person.hub_id != actor.hub.pk:
        raise DomainError("That person is not in this hub.", {field: ["Choose someone in this hub."]})
    return person


def _own_service(actor: Actor, service: SupportService) -> SupportService:
    if service.hub_id != actor.hub.pk:
        raise DomainError("That support service is not in this hub.", {"service": ["Choose a service."]})
    return service


def _code(actor: Actor, code: ClinicalCode | None) -> ClinicalCode | None:
    if code is None:
        return None
    if code.hub_id != actor.hub.pk or not code.active:
        raise DomainError("Choose a code from this hub's list.", {"code": ["Choose a code from the list."]})
    return code


# ---- settings, services, rules and pathways -----------------------------------------------------


def _clean_sections(sections: Any) -> list[dict[str, str]]:
    if not isinstance(sections, list) or not sections:
        raise DomainError(
            "The conversation needs at least one section.", {"conversation_sections": ["Add a section."]}
        )
    cleaned: list[dict[str, str]] = []
    keys: set[str] = set()
    for i, item in enumerate(sections):
        if not isinstance(item, Mapping) or set(item) - {"key", "label", "hint"}:
            raise DomainError(
                "Each section has a key, a label and an optional hint.",
                {f"conversation_sections.{i}": ["Give a key, a label and an optional hint."]},
            )
        key = _text(
            item.get("key"), field=f"conversation_sections.{i}.key", maximum=40, required=True, label="Key"
        )
        if not key.replace("_", "").isalnum() or key in keys:
            raise DomainError(
                "Each section needs its own key of letters, digits and underscores.",
                {f"conversation_sections.{i}.key": ["Use letters, digits and underscores, once each."]},
            )
        keys.add(key)
        cleaned.append(
            {
                "key": key,
                "label": _text(
                    item.get("label"),
                    field=f"conversation_sections.{i}.label",
                    maximum=200,
                    required=True,
                    label="Label",
                ),
                "hint": _text(item.get("hint"), field=f"conversation_sections.{i}.hint", maximum=300),
            }
        )
    return cleaned


@transaction.atomic
def update_support_settings(
    *,
    actor: Actor,
    caseload_limit: int | None = None,
    conversation_sections: list[dict[str, str]] | None = None,
) -> SupportSettings:
    """Coordinators set the caseload limit and adapt the "what matters to you" template."""
    if not permissions.can_configure_services(actor):
        _refuse()
    found, _ = SupportSettings.objects.select_for_update().get_or_create(hub=actor.hub)
    changed = []
    if caseload_limit is not None:
        if (
            isinstance(caseload_limit, bool)
            or not isinstance(caseload_limit, int)
            or not 1 <= caseload_limit <= 500
        ):
            raise DomainError(
                "Enter a caseload limit between 1 and 500.", {"caseload_limit": ["Between 1 and 500."]}
            )
        found.caseload_limit = caseload_limit
        changed.append("caseload_limit")
    if conversation_sections is not None:
        found.conversation_sections = _clean_sections(conversation_sections)
        changed.append("conversation_sections")
    found.save()
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=found,
        summary="Changed support settings",
        fields=changed,
    )
    return found


def _clean_rules(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for name in ("min_age", "max_age"):
        value = data.get(name)
        if value in (None, ""):
            out[name] = None
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 130:
            errors[name] = ["Enter an age in whole years between 0 and 130."]
        else:
            out[name] = value
    if (
        not errors
        and out["min_age"] is not None
        and out["max_age"] is not None
        and out["min_age"] > out["max_age"]
    ):
        errors["max_age"] = ["The oldest age must not be below the youngest."]
    districts = []
    for d in data.get("postcode_districts") or []:
        text = str(d).strip().upper()
        if not text or len(text) > 4 or not text[0].isalpha() or not any(c.isdigit() for c in text):
            errors.setdefault("postcode_districts", []).append(
                f"“{str(d)[:10]}” is not a postcode district like RV1."
            )
        districts.append(text)
    out["postcode_districts"] = sorted(set(districts))
    practices = [str(p).strip() for p in data.get("gp_practices") or [] if str(p).strip()]
    if any(len(p) > 200 for p in practices):
        errors["gp_practices"] = ["Each practice must be 200 characters or fewer."]
    out["gp_practices"] = practices
    months = data.get("follow_up_months") or []
    if not all(isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 60 for m in months):
        errors["follow_up_months"] = ["Follow-ups are whole months between 1 and 60."]
    else:
        out["follow_up_months"] = sorted(set(months))
    if errors:
        raise DomainError("Check the service's rules.", errors)
    return out


def _clean_steps(steps: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not steps:
        raise DomainError("A pathway needs at least one step.", {"steps": ["Add a step."]})
    cleaned = []
    for i, step in enumerate(steps):
        unknown = set(step) - {"name", "role", "worker_title", "session_cap"}
        if unknown:
            raise DomainError(
                f"Unknown step field: {', '.join(sorted(unknown))}.", {f"steps.{i}": ["Unknown field."]}
            )
        role = step.get("role") or Role.LINK_WORKER
        if role not in (Role.LINK_WORKER, Role.COORDINATOR, Role.PEER_SUPPORTER, Role.VOLUNTEER):
            raise DomainError(
                "Choose who does this step.", {f"steps.{i}.role": ["Choose a role that supports people."]}
            )
        cap = step.get("session_cap")
        if cap in ("", None):
            cap = None
        elif isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= 100:
            raise DomainError(
                "Session caps are whole numbers from 1 to 100.",
                {f"steps.{i}.session_cap": ["1 to 100, or none."]},
            )
        cleaned.append(
            {
                "name": _text(
                    step.get("name"), field=f"steps.{i}.name", maximum=100, required=True, label="Step name"
                ),
                "role": role,
                "worker_title": _text(step.get("worker_title"), field=f"steps.{i}.worker_title", maximum=100),
                "session_cap": cap,
            }
        )
    return cleaned


def _clean_exclusions(actor: Actor, exclusions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for i, item in enumerate(exclusions):
        unknown = set(item) - {"label", "redirect_to", "redirect_service_id"}
        if unknown:
            raise DomainError(
                f"Unknown exclusion field: {', '.join(sorted(unknown))}.",
                {f"exclusions.{i}": ["Unknown field."]},
            )
        service_id = item.get("redirect_service_id") or None
        if service_id is not None and get_service(service_id, hub=actor.hub) is None:
            raise DomainError(
                "Choose a service from the directory.",
                {f"exclusions.{i}.redirect_service_id": ["Not in the directory."]},
            )
        cleaned.append(
            {
                "label": _text(
                    item.get("label"),
                    field=f"exclusions.{i}.label",
                    maximum=200,
                    required=True,
                    label="What it is",
                ),
                "redirect_to": _text(
                    item.get("redirect_to"),
                    field=f"exclusions.{i}.redirect_to",
                    maximum=300,
                    required=True,
                    label="Where to send people",
                ),
                "redirect_service_id": UUID(str(service_id)) if service_id else None,
            }
        )
    return cleaned


SERVICE_FIELDS = {
    "name",
    "description",
    "active",
    "takes_self_referrals",
    "min_age",
    "max_age",
    "postcode_districts",
    "gp_practices",
    "follow_up_months",
}


@transaction.atomic
def create_support_service(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    steps: Sequence[Mapping[str, Any]],
    exclusions: Sequence[Mapping[str, Any]] = (),
) -> SupportService:
    """A coordinator adds a support service with its eligibility rules and pathway."""
    if not permissions.can_configure_services(actor):
        _refuse()
    unknown = set(data) - SERVICE_FIELDS
    if unknown:
        raise DomainError(f"Unknown field: {', '.join(sorted(unknown))}.")
    name = _text(data.get("name"), field="name", maximum=200, required=True, label="Name")
    if SupportService.objects.filter(hub=actor.hub, name__iexact=name).exists():
        raise Conflict("This hub already has a service with that name.", {"name": ["Choose another name."]})
    rules = _clean_rules(data)
    clean_steps = _clean_steps(steps)
    clean_exclusions = _clean_exclusions(actor, exclusions)
    service = SupportService.objects.create(
        hub=actor.hub,
        name=name,
        description=_text(data.get("description"), field="description", maximum=MAX_TEXT),
        active=bool(data.get("active", True)),
        takes_self_referrals=bool(data.get("takes_self_referrals", True)),
        **rules,
    )
    for position, step in enumerate(clean_steps, start=1):
        PathwayStep.objects.create(service=service, position=position, **step)
    for item in clean_exclusions:
        Exclusion.objects.create(service=service, **item)
    audit.record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=service, summary=f"Added support service {name}"
    )
    return service


@transaction.atomic
def update_support_service(
    *,
    actor: Actor,
    service: SupportService,
    data: Mapping[str, Any] | None = None,
    steps: Sequence[Mapping[str, Any]] | None = None,
    exclusions: Sequence[Mapping[str, Any]] | None = None,
) -> SupportService:
    """Change a service's details, rules, pathway or exclusions; only what is given changes. Steps
    that people have been supported at cannot be removed, only renamed or re-capped."""
    if not permissions.can_configure_services(actor):
        _refuse()
    service = SupportService.objects.select_for_update().get(pk=_own_service(actor, service).pk)
    data = data or {}
    unknown = set(data) - SERVICE_FIELDS
    if unknown:
        raise DomainError(f"Unknown field: {', '.join(sorted(unknown))}.")
    merged = {f: getattr(service, f) for f in SERVICE_FIELDS} | dict(data)
    rules = _clean_rules(merged)
    changed = sorted(data)
    if "name" in data:
        name = _text(data["name"], field="name", maximum=200, required=True, label="Name")
        if SupportService.objects.filter(hub=actor.hub, name__iexact=name).exclude(pk=service.pk).exists():
            raise Conflict(
                "This hub already has a service with that name.", {"name": ["Choose another name."]}
            )
        service.name = name
    if "description" in data:
        service.description = _text(data["description"], field="description", maximum=MAX_TEXT)
    for flag in ("active", "takes_self_referrals"):
        if flag in data:
            setattr(service, flag, bool(data[flag]))
    for key, value in rules.items():
        setattr(service, key, value)
    service.save()
    if steps is not None:
        clean_steps = _clean_steps(steps)
        existing = {s.position: s for s in service.steps.all()}
        for position, step in enumerate(clean_steps, start=1):
            row = existing.pop(position, None) or PathwayStep(service=service, position=position)
            for key, value in step.items():
                setattr(row, key, value)
            row.save()
        for row in existing.values():
            in_use = (
                Referral.objects.filter(current_step=row).exists()
                or Assignment.objects.filter(step=row).exists()
                or SupportSession.objects.filter(step=row).exists()
            )
            if in_use:
                raise Conflict(
                    f"The step “{row.name}” has people's support recorded against it and cannot be removed.",
                    {"steps": ["Keep this step; rename it or change its cap instead."]},
                )
            row.delete()
        changed.append("steps")
    if exclusions is not None:
        clean_exclusions = _clean_exclusions(actor, exclusions)
        service.exclusions.all().delete()
        for item in clean_exclusions:
            Exclusion.objects.create(service=service, **item)
        changed.append("exclusions")
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=service,
        summary=f"Changed support service {service.name}",
        fields=changed,
    )
    return service


@transaction.atomic
def add_clinical_code(*, actor: Actor, code: str, label: str, system: str = "SNOMED CT") -> ClinicalCode:
    """Add a code to the hub's list, for events GP systems record."""
    if not permissions.can_configure_services(actor):
        _refuse()
    code = _text(code, field="code", maximum=40, required=True, label="Code")
    label = _text(label, field="label", maximum=200, required=True, label="Label")
    system = _text(system, field="system", maximum=40, required=True, label="Code system")
    if ClinicalCode.objects.filter(hub=actor.hub, system=system, code=code).exists():
        raise Conflict("That code is already on the list.", {"code": ["Already on the list."]})
    row = ClinicalCode.objects.create(hub=actor.hub, system=system, code=code, label=label)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=row, summary=f"Added clinical code {code}")
    return row


@transaction.atomic
def set_clinical_code_active(*, actor: Actor, code: ClinicalCode, active: bool) -> ClinicalCode:
    """Retire a code (events keep it) or bring it back."""
    if not permissions.can_configure_services(actor) or code.hub_id != actor.hub.pk:
        _refuse()
    code.active = bool(active)
    code.save(update_fields=["active"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=code,
        summary="Changed a clinical code",
        fields=["active"],
    )
    return code


# ---- referrals in -------------------------------------------------------------------------------

REFERRAL_FIELDS = {
    "full_name",
    "date_of_birth",
    "postcode",
    "nhs_number",
    "email",
    "phone",
    "gp_practice",
    "source",
    "reasons",
    "reason_detail",
    "urgency",
    "flagged_exclusions",
    "referrer_name",
    "referrer_organisation",
    "referrer_email",
    "referrer_phone",
    "referrer_address",
    "consent_to_report_back",
}


def clean_referral_data(service: SupportService, data: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of a referral checked at once; all problems are reported together. Used by the
    forms, the API and the spreadsheet upload so each gives the same messages."""
    unknown = set(data) - REFERRAL_FIELDS
    if unknown:
        raise DomainError(
            f"Unknown field: {', '.join(sorted(unknown))}.",
            {f: ["This is not a referral field."] for f in sorted(unknown)},
        )
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def text(name: str, maximum: int, *, required: bool = False, label: str = "This") -> None:
        try:
            out[name] = _text(data.get(name), field=name, maximum=maximum, required=required, label=label)
        except DomainError as exc:
            errors.update(exc.field_errors)

    text("full_name", 200, required=True, label="Name")
    text("phone", 30)
    text("gp_practice", 200)
    text("reason_detail", MAX_TEXT)
    for name in ("referrer_name", "referrer_organisation", "referrer_address"):
        text(name, 500 if name == "referrer_address" else 200)
    text("referrer_phone", 30)
    for name in ("email", "referrer_email"):
        text(name, 254)
        if out.get(name):
            out[name] = out[name].lower()
            try:
                validate_email(out[name])
            except ValidationError:
                errors[name] = ["Enter an email address like name@example.org."]
    try:
        born = parse_date(data.get("date_of_birth"), field="date_of_birth", label="Date of birth")
        if born is not None and born > timezone.localdate():
            errors["date_of_birth"] = ["Date of birth must be in the past."]
        elif born is not None and born.year < 1900:
            errors["date_of_birth"] = ["Check the year of birth."]
        out["date_of_birth"] = born
    except DomainError as exc:
        errors.update(exc.field_errors)
    postcode = normalise_postcode(str(data.get("postcode") or ""))
    try:
        validate_postcode(postcode)
    except ValidationError as exc:
        errors["postcode"] = list(exc.messages)
    out["postcode"] = postcode
    nhs = normalise_nhs_number(str(data.get("nhs_number") or ""))
    try:
        validate_nhs_number(nhs)
    except ValidationError as exc:
        errors["nhs_number"] = list(exc.messages)
    out["nhs_number"] = nhs
    source = data.get("source")
    if source not in Source.values:
        errors["source"] = ["Choose who is making the referral."]
    out["source"] = source
    reasons = data.get("reasons") or []
    if isinstance(reasons, str):
        reasons = [r.strip() for r in reasons.replace(",", ";").split(";") if r.strip()]
    if not isinstance(reasons, list | tuple) or not reasons:
        errors["reasons"] = ["Choose at least one reason."]
    elif set(map(str, reasons)) - set(Reason.values):
        errors["reasons"] = ["Choose reasons from the list."]
    out["reasons"] = sorted({str(r) for r in reasons}) if isinstance(reasons, list | tuple) else []
    if "other" in out["reasons"] and not out.get("reason_detail"):
        errors["reason_detail"] = ["Say what the other reason is."]
    urgency = data.get("urgency") or Referral.Urgency.ROUTINE
    if urgency not in Referral.Urgency.values:
        errors["urgency"] = ["Choose how urgent this is."]
    out["urgency"] = urgency
    flagged = data.get("flagged_exclusions") or []
    valid_ids = {e.pk for e in service.exclusions.all()}
    try:
        flagged_ids = sorted({int(x) for x in flagged})
    except (TypeError, ValueError):
        flagged_ids = [-1]
    if set(flagged_ids) - valid_ids:
        errors["flagged_exclusions"] = ["Choose from this service's list."]
    out["flagged_exclusions"] = flagged_ids
    consent = data.get("consent_to_report_back", False)
    if not isinstance(consent, bool):
        errors["consent_to_report_back"] = ["Choose yes or no."]
    out["consent_to_report_back"] = consent is True
    if source not in (Source.SELF, None) and not (
        out.get("referrer_name") or out.get("referrer_organisation")
    ):
        errors.setdefault("referrer_name", []).append("Say who is making the referral.")
    if errors:
        raise DomainError("Check the referral details.", errors)
    return out


def _consent_method(channel: str) -> str:
    return (
        ConsentEvent.Method.ONLINE
        if channel in (Referral.Channel.SELF_FORM, Referral.Channel.API)
        else ConsentEvent.Method.WRITTEN
    )


def _record_referral_consent(actor: Actor, referral: Referral) -> None:
    """Copy the referral's "you may tell the referrer" answer onto the person's consent record, so it
    shows (and can be withdrawn) with their other answers. Only a yes is copied: a no or no answer
    changes nothing, since no answer already means no."""
    if (
        referral.person is None
        or not referral.consent_to_report_back
        or not can_record_consent(actor, referral.person)
    ):
        return
    people_services.record_consent(
        actor=actor,
        person=referral.person,
        purpose=ConsentPurpose.SHARE_WITH_REFERRER,
        granted=True,
        method=_consent_method(referral.channel),
        detail=f"Given with referral #{referral.pk} to {referral.service.name}"[:500],
    )


def _check_service_open(service: SupportService) -> None:
    if not service.active:
        raise DomainError("This service is not taking referrals.", {"service": ["Choose another service."]})


def _build_referral(
    *, actor: Actor, service: SupportService, data: Mapping[str, Any], channel: str
) -> Referral:
    cleaned = clean_referral_data(service, data)
    referral = Referral(hub=actor.hub, service=service, channel=channel, received_by=actor.user, **cleaned)
    if actor.person is not None and actor.has(Role.REFERRER) and not permissions.is_support_staff(actor):
        referral.referrer_person = actor.person
        referral.referrer_name = referral.referrer_name or actor.person.full_name
        referral.referrer_email = referral.referrer_email or actor.person.email
    return referral


def _link_exact_match(referral: Referral) -> None:
    matching = queries.find_matches(
        hub=referral.hub,
        full_name=referral.full_name,
        date_of_birth=referral.date_of_birth,
        postcode=referral.postcode,
        nhs_number=referral.nhs_number,
    )
    if matching.exact is not None:
        referral.person = matching.exact
        referral.matched_by = matching.how


@transaction.atomic
def create_referral(
    *,
    actor: Actor,
    service: SupportService,
    data: Mapping[str, Any],
    channel: str = Referral.Channel.STAFF,
    person: Person | None = None,
    code: ClinicalCode | None = None,
) -> Referral:
    """Receive a referral from the staff form, the API or an upload. A given `person` is used; otherwise
    an exact match (NHS number, or name + date of birth + postcode) is linked; otherwise the referral
    waits for staff to choose a possible duplicate or create a record (`link_person`)."""
    if not permissions.can_make_referral(actor):
        _refuse()
    if channel not in (Referral.Channel.STAFF, Referral.Channel.API, Referral.Channel.UPLOAD):
        raise DomainError("Unknown way of referring.")
    _check_service_open(_own_service(actor, service))
    if person is not None and not permissions.is_support_staff(actor):
        _refuse("Only the support team can choose the person record.")
    referral = _build_referral(actor=actor, service=service, data=data, channel=channel)
    code = _code(actor, code)
    if person is not None:
        referral.person = _same_hub_person(actor, person)
        referral.matched_by = "chosen by staff"
    else:
        _link_exact_match(referral)
    referral.save()
    if code is not None:
        CodedEvent.objects.create(referral=referral, event=CodedEvent.Event.REFERRAL, code=code)
    _record_referral_consent(actor, referral)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        person=referral.person,
        obj=referral,
        summary=f"Received a referral to {service.name} ({referral.get_source_display()})",
    )
    return referral


@transaction.atomic
def submit_self_referral(
    *, hub: Hub, service: SupportService, data: Mapping[str, Any], ip_address: str | None
) -> Referral:
    """The public form: no login. Rate-limited per address. Never links to a person record on its own
    (anyone can type someone else's name and date of birth); staff confirm the match at triage."""
    ratelimit.check_self_referral(hub=hub, ip_address=ip_address)
    actor = Actor(user=None, hub=hub, ip_address=ip_address)
    if service.hub_id != hub.pk or not service.takes_self_referrals:
        raise DomainError(
            "This service does not take self-referrals.", {"service": ["Choose another service."]}
        )
    _check_service_open(service)
    data = dict(data)
    if data.get("source", Source.SELF) not in (Source.SELF, Source.FAMILY):
        raise DomainError("Check the referral details.", {"source": ["Choose yourself or a family member."]})
    data.setdefault("source", Source.SELF)
    referral = _build_referral(actor=actor, service=service, data=data, channel=Referral.Channel.SELF_FORM)
    referral.save()
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=referral,
        summary=f"Self-referral to {service.name} received",
    )
    return referral


def _link(actor: Actor, referral: Referral, person: Person, *, matched_by: str, summary: str) -> None:
    """Link a locked referral to a person record, carry its consent answer over, and audit it."""
    referral.person = person
    referral.matched_by = matched_by
    referral.updated_at = timezone.now()
    referral.save(update_fields=["person", "matched_by", "updated_at"])
    _record_referral_consent(actor, referral)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=person,
        obj=referral,
        summary=summary,
        fields=["person"],
    )


@transaction.atomic
def link_person(*, actor: Actor, referral: Referral, person: Person) -> Referral:
    """Link a referral to an existing person record (a possible duplicate staff have checked)."""
    if not permissions.can_triage(actor, referral):
        _refuse()
    referral = Referral.objects.select_for_update(of=("self",)).select_related("service").get(pk=referral.pk)
    if (
        referral.status in (Referral.Status.ACCEPTED, Referral.Status.CLOSED)
        and referral.person_id != person.pk
    ):
        raise Conflict("This referral is already under way; its person cannot change.")
    _link(
        actor,
        referral,
        _same_hub_person(actor, person),
        matched_by="chosen by staff",
        summary="Linked a referral to this record",
    )
    return referral


@transaction.atomic
def create_person_from_referral(*, actor: Actor, referral: Referral) -> Person:
    """Create a person record from the referral's details (after checking there is no duplicate) and
    link it. A clash of email or NHS number with someone on record is a Conflict, and nothing changes."""
    if not permissions.can_triage(actor, referral):
        _refuse()
    referral = Referral.objects.select_for_update(of=("self",)).select_related("service").get(pk=referral.pk)
    if referral.person_id is not None:
        raise Conflict("This referral is already linked to a person record.")
    person = people_services.create_person(
        actor=actor,
        data={
            "full_name": referral.full_name,
            "date_of_birth": referral.date_of_birth,
            "postcode": referral.postcode,
            "nhs_number": referral.nhs_number,
            "email": referral.email,
            "phone": referral.phone,
        },
    )
    _link(actor, referral, person, matched_by="new record", summary="Linked a referral to a new record")
    return person


@transaction.atomic
def flag_exclusions(*, actor: Actor, referral: Referral, exclusion_ids: Sequence[int]) -> Referral:
    """Triage marks which of the service's exclusions apply (a rule the referrer could not know)."""
    if not permissions.can_triage(actor, referral):
        _refuse()
    referral = Referral.objects.select_for_update(of=("self",)).select_related("service").get(pk=referral.pk)
    if referral.status != Referral.Status.RECEIVED:
        raise Conflict("This referral has already been decided.")
    valid = set(referral.service.exclusions.values_list("pk", flat=True))
    try:
        wanted = sorted({int(x) for x in exclusion_ids})
    except (TypeError, ValueError):
        wanted = [-1]
    if set(wanted) - valid:
        raise DomainError(
            "Choose from this service's list.", {"flagged_exclusions": ["Choose from the list."]}
        )
    referral.flagged_exclusions = wanted
    referral.updated_at = timezone.now()
    referral.save(update_fields=["flagged_exclusions", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=referral.person,
        obj=referral,
        summary="Flagged exclusions at triage",
        fields=["flagged_exclusions"],
    )
    return referral


# ---- triage decisions ---------------------------------------------------------------------------


def _worker_for(actor: Actor, step: PathwayStep, worker: Person | None) -> Person:
    if worker is None:
        if actor.person is None or not actor.has(step.role):
            raise DomainError(
                "Choose who will support this person.",
                {"worker": [f"Choose a {step.worker_title or step.get_role_display().lower()}."]},
            )
        worker = actor.person
    _same_hub_person(actor, worker, field="worker")
    if not worker.role_grants.filter(role=step.role).exists():
        raise DomainError(
            f"{worker.display_name} cannot take the step “{step.name}”.",
            {"worker": [f"Choose someone who is a {step.get_role_display().lower()}."]},
        )
    return worker


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    # The last day of a shorter month stands in for the 29th–31st.
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@transaction.atomic
def decide_referral(
    *,
    actor: Actor,
    referral: Referral,
    decision: str,
    reason: str,
    worker: Person | None = None,
    redirect_to: str = "",
    code: ClinicalCode | None = None,
    on: dt.date | None = None,
) -> Referral:
    """Accept, decline or redirect a referral, with a reason. Accepting needs a linked person record and
    starts the pathway's first step with a worker who holds its role; follow-ups are scheduled from the
    service's intervals. The referrer is told when consent allows. The rule results are kept as they
    stood, so the decision can be read later against the rules it was made under."""
    if not permissions.can_triage(actor, referral):
        _refuse()
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("service", "person", "hub")
        .get(pk=referral.pk)
    )
    if referral.status != Referral.Status.RECEIVED:
        raise Conflict(f"This referral has already been decided ({referral.get_status_display().lower()}).")
    if decision not in ("accept", "decline", "redirect"):
        raise DomainError(
            "Choose accept, decline or redirect.", {"decision": ["Choose accept, decline or redirect."]}
        )
    reason = _text(
        reason, field="reason", maximum=MAX_TEXT, required=True, label="The reason for the decision"
    )
    code = _code(actor, code)
    day = on or timezone.localdate()
    results = queries.check_eligibility(referral, on=day)
    now = timezone.now()
    referral.triage_results = [r.as_dict() for r in results]
    referral.decision_reason = reason
    referral.decided_at = now
    referral.decided_by = actor.user
    referral.updated_at = now
    if decision == "accept":
        if referral.person is None:
            raise DomainError(
                "Link this referral to a person record before accepting it.",
                {"person": ["Choose or create the person's record."]},
            )
        first = referral.service.steps.order_by("position").first()
        if first is None:
            raise DomainError("This service has no pathway steps yet; a coordinator needs to add them.")
        chosen = _worker_for(actor, first, worker)
        referral.status = Referral.Status.ACCEPTED
        referral.current_step = first
        referral.worker = chosen
        referral.save()
        Assignment.objects.create(
            referral=referral, step=first, worker=chosen, started_at=now, assigned_by=actor.user
        )
        for months in referral.service.follow_up_months:
            FollowUp.objects.create(referral=referral, months=months, due_on=_add_months(day, int(months)))
    else:
        if decision == "redirect":
            suggested = next((r.redirect_to for r in results if r.redirect_to), "")
            referral.redirected_to = _text(
                redirect_to or suggested,
                field="redirect_to",
                maximum=300,
                required=True,
                label="Where they were redirected",
            )
            referral.status = Referral.Status.REDIRECTED
        else:
            referral.status = Referral.Status.DECLINED
        referral.save()
        if code is not None:
            CodedEvent.objects.create(referral=referral, event=CodedEvent.Event.DECLINED, code=code, at=now)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=referral.person,
        obj=referral,
        summary=f"Referral {referral.get_status_display().lower()}",
        fields=["status", "decision_reason"],
    )
    _tell_referrer(referral, kind=ReferrerMessage.Kind.OUTCOME)
    return referral


# ---- telling the referrer -----------------------------------------------------------------------


def _outcome_text(referral: Referral, kind: str) -> tuple[str, str]:
    name = referral.full_name
    service = referral.service.name
    received = timezone.localtime(referral.received_at).strftime("%-d %B %Y")
    greeting = f"Dear {referral.referrer_name or 'colleague'},"
    if kind == ReferrerMessage.Kind.CLOSING:
        subject = f"{service}: support has ended for {name}"
        lines = [
            f"Thank you for referring {name} to {service} on {received}.",
            "Their support with us has now ended.",
            f"Reason: {referral.get_close_reason_display()}.",
            "",
            referral.close_summary,
        ]
    else:
        subject = f"{service}: your referral for {name}"
        outcomes: dict[str, str] = {
            Referral.Status.ACCEPTED: "We have accepted the referral; the team will contact them.",
            Referral.Status.DECLINED: "We are not able to offer support from this service.",
            Referral.Status.REDIRECTED: f"This is not the right service; try {referral.redirected_to}.",
        }
        status = outcomes.get(str(referral.status), "")
        lines = [
            f"Thank you for referring {name} to {service} on {received}.",
            status,
            "",
            referral.decision_reason,
        ]
    body = "\n".join(
        [greeting, "", *lines, "", f"{referral.hub.name}", "", "They agreed to us telling you this."]
    )
    return subject[:200], body


def _tell_referrer(referral: Referral, *, kind: str) -> ReferrerMessage | None:
    """Tell the referrer what happened, only when consent allows and there is someone to tell: by
    email when we have their address, otherwise as a letter (PDF) for staff to post. Sent on commit."""
    if referral.source == Source.SELF or not queries.may_report_back(referral):
        return None
    if not referral.referrer_email and not referral.referrer_address:
        return None
    subject, body = _outcome_text(referral, kind)
    channel = ReferrerMessage.Channel.EMAIL if referral.referrer_email else ReferrerMessage.Channel.LETTER
    message = ReferrerMessage.objects.create(
        referral=referral, kind=kind, channel=channel, subject=subject, body=body
    )
    if channel == ReferrerMessage.Channel.EMAIL:
        to = referral.referrer_email
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True)
        )
    return message


# ---- support under way: hand-overs, sessions, conversations -------------------------------------


def _open_referral(actor: Actor, referral: Referral) -> Referral:
    if not permissions.can_work_with(actor, referral):
        _refuse()
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("service", "person", "current_step", "worker", "hub")
        .get(pk=referral.pk)
    )
    if referral.status != Referral.Status.ACCEPTED:
        raise Conflict("This referral is not open for support.")
    return referral


@transaction.atomic
def hand_over(
    *,
    actor: Actor,
    referral: Referral,
    worker: Person,
    note: str,
    step: PathwayStep | None = None,
) -> Assignment:
    """Hand a person on to another worker, at the same step or a later one (a health coach hands on
    to a link worker). The current assignment ends with the note; sessions and history stay."""
    referral = _open_referral(actor, referral)
    note = _text(note, field="note", maximum=MAX_TEXT, required=True, label="A hand-over note")
    target = step or referral.current_step
    if target is None or target.service_id != referral.service_id:
        raise DomainError("Choose a step of this service's pathway.", {"step": ["Choose a step."]})
    current = referral.current_step
    if current is not None and target.position < current.position:
        raise DomainError(
            "Hand-overs move along the pathway, not back.", {"step": ["Choose this step or a later one."]}
        )
    chosen = _worker_for(actor, target, worker)
    if chosen.pk == referral.worker_id and target.pk == referral.current_step_id:
        raise DomainError(
            "This person is already with that worker at this step.", {"worker": ["Choose someone else."]}
        )
    now = timezone.now()
    open_assignment = (
        Assignment.objects.select_for_update().filter(referral=referral, ended_at__isnull=True).first()
    )
    if open_assignment is not None:
        open_assignment.ended_at = now
        open_assignment.handover_note = note
        open_assignment.save(update_fields=["ended_at", "handover_note"])
    assignment = Assignment.objects.create(
        referral=referral, step=target, worker=chosen, started_at=now, assigned_by=actor.user
    )
    referral.current_step = target
    referral.worker = chosen
    referral.updated_at = now
    referral.save(update_fields=["current_step", "worker", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=referral.person,
        obj=referral,
        summary=f"Handed over to {chosen.display_name} ({target.name})",
        fields=["worker", "current_step"],
    )
    return assignment


@transaction.atomic
def set_next_action(*, actor: Actor, referral: Referral, text: str, on: Any = None) -> Referral:
    """What happens next for this person, and by when (shown on the caseload)."""
    referral = _open_referral(actor, referral)
    referral.next_action = _text(text, field="next_action", maximum=300)
    referral.next_action_on = parse_date(on, field="next_action_on", label="Date of the next action")
    referral.updated_at = timezone.now()
    referral.save(update_fields=["next_action", "next_action_on", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=referral.person,
        obj=referral,
        summary="Changed the next action",
        fields=["next_action"],
    )
    return referral


@transaction.atomic
def record_session(
    *,
    actor: Actor,
    referral: Referral,
    held_on: Any,
    kind: str,
    minutes: int,
    notes: str = "",
    sensitivity: str = SupportSession.Sensitivity.STANDARD,
) -> SupportSession:
    """Record a session at the referral's current step. A step with a cap refuses a session beyond
    it (Live Well: 1–5 with a health coach, then up to 8 with a link worker): hand over or close."""
    referral = _open_referral(actor, referral)
    errors: dict[str, list[str]] = {}
    try:
        day = _past_date(held_on, field="held_on", label="Date of the session")
        if day is not None and day < timezone.localtime(referral.received_at).date():
            errors["held_on"] = ["The session cannot be before the referral was received."]
    except DomainError as exc:
        errors.update(exc.field_errors)
        day = None
    if kind not in SupportSession.Kind.values:
        errors["kind"] = ["Choose the kind of session."]
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_SESSION_MINUTES:
        errors["minutes"] = [f"Enter the length in whole minutes, from 1 to {MAX_SESSION_MINUTES}."]
    if sensitivity not in SupportSession.Sensitivity.values:
        errors["sensitivity"] = ["Choose how sensitive the notes are."]
    if len(notes or "") > MAX_TEXT * 2:
        errors["notes"] = [f"Keep notes to {MAX_TEXT * 2} characters or fewer."]
    if errors:
        raise DomainError("Check the session details.", errors)
    assert day is not None  # noqa: S101 - errors above include a missing date
    step = referral.current_step
    assert step is not None  # noqa: S101 - an accepted referral always has a step (decide_referral)
    used = SupportSession.objects.filter(referral=referral, step=step).count()
    if step.session_cap is not None and used >= step.session_cap:
        raise Conflict(
            f"All {step.session_cap} sessions of “{step.name}” are used. "
            "Hand over to the next step or close the referral.",
            {"held_on": ["No sessions left at this step."]},
        )
    assert referral.worker is not None  # noqa: S101 - accepted referrals always have a worker
    session = SupportSession.objects.create(
        referral=referral,
        step=step,
        worker=actor.person if actor.person is not None and actor.has(step.role) else referral.worker,
        held_on=day,
        kind=kind,
        minutes=minutes,
        notes=(notes or "").strip(),
        sensitivity=sensitivity,
        recorded_by=actor.user,
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        person=referral.person,
        obj=session,
        summary=f"Recorded a {session.get_kind_display().lower()} session ({used + 1}"
        + (f" of {step.session_cap})" if step.session_cap else ")"),
    )
    return session


@transaction.atomic
def record_conversation(
    *,
    actor: Actor,
    person: Person,
    held_on: Any,
    answers: Mapping[str, str],
    referral: Referral | None = None,
    add_to_lists: Mapping[str, Sequence[str]] | None = None,
) -> Conversation:
    """Record a "what matters to you" conversation in the hub's template, and add what came out of it
    to the person's "what matters" and "what I can offer" lists (people.services.update_person)."""
    _same_hub_person(actor, person)
    if not permissions.is_support_staff(actor) and not actor.is_self(person):
        _refuse()
    if referral is not None and (referral.person_id != person.pk or referral.hub_id != actor.hub.pk):
        raise DomainError(
            "That referral is not this person's.", {"referral": ["Choose one of their referrals."]}
        )
    day = _past_date(held_on, field="held_on", label="Date of the conversation")
    assert day is not None  # noqa: S101 - required=True raised otherwise
    template = queries.support_settings(actor.hub).conversation_sections
    keys = [s["key"] for s in template]
    unknown = set(answers) - set(keys)
    if unknown:
        raise DomainError(
            f"Unknown section: {', '.join(sorted(unknown))}.",
            {k: ["This is not a section of the conversation."] for k in sorted(unknown)},
        )
    sections = []
    for section in template:
        answer = _text(answers.get(section["key"]), field=section["key"], maximum=MAX_TEXT)
        sections.append({"key": section["key"], "label": section["label"], "answer": answer})
    if not any(s["answer"] for s in sections):
        raise DomainError(
            "Write something in at least one section.", {keys[0]: ["Write what the person said."]}
        )
    conversation = Conversation.objects.create(
        person=person,
        referral=referral,
        held_on=day,
        sections=sections,
        recorded_by=actor.user,
        recorded_by_label=actor.label,
    )
    if add_to_lists:
        kinds = set(ProfileEntry.Kind.values)
        unknown_kinds = set(add_to_lists) - kinds
        if unknown_kinds:
            raise DomainError(f"Unknown list: {', '.join(sorted(unknown_kinds))}.")
        current: dict[str, list[str]] = {k: [] for k in kinds}
        for entry in person.profile_entries.order_by("position", "id"):
            current[entry.kind].append(entry.text)
        lists = {}
        for kind, items in add_to_lists.items():
            merged = list(current[kind])
            for item in items:
                text = str(item).strip()
                if text and text.lower() not in {m.lower() for m in merged}:
                    merged.append(text)
            lists[kind] = merged
        people_services.update_person(actor=actor, person=person, data={}, lists=lists)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        person=person,
        obj=conversation,
        summary="Recorded a “what matters to you” conversation",
    )
    return conversation


# ---- plans --------------------------------------------------------------------------------------


@transaction.atomic
def save_plan(
    *, actor: Actor, person: Person, kind: str, content: Mapping[str, Any], note: str = ""
) -> PlanVersion:
    """Save a new version of the member's plan of this kind (the first save creates the plan). The
    member edits their own plans; support staff co-write them. Saving what is already the latest
    version writes nothing and returns it."""
    if kind not in Plan.Kind.values:
        raise DomainError("Choose a kind of plan.", {"kind": ["Choose goal, wellbeing or crisis."]})
    if not permissions.can_create_plan(actor, person):
        _refuse()
    cleaned = clean_plan_content(kind, content)
    note = _text(note, field="note", maximum=300)
    try:
        with transaction.atomic():
            plan, _ = Plan.objects.get_or_create(person=person, kind=kind)
    except IntegrityError:
        plan = Plan.objects.get(person=person, kind=kind)
    # The plan row lock orders concurrent saves, so version numbers never collide.
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    latest = queries.latest_version(plan)
    if latest is not None and latest.content == cleaned:
        return latest
    now = timezone.now()
    version = PlanVersion.objects.create(
        plan=plan,
        number=(latest.number + 1) if latest else 1,
        content=cleaned,
        note=note,
        created_at=now,
        created_by=actor.user,
        created_by_label=actor.label,
    )
    plan.updated_at = now
    plan.save(update_fields=["updated_at"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE if version.number > 1 else AuditEvent.Action.CREATE,
        person=person,
        obj=plan,
        summary=f"Saved {plan.get_kind_display().lower()} version {version.number}",
        fields=sorted(cleaned),
    )
    return version


@transaction.atomic
def name_supporter(*, actor: Actor, plan: Plan, peer: Person) -> PlanSupporter:
    """The member names a peer supporter who may see their crisis plan while on call (and only while
    the member consents to sharing plans)."""
    if not permissions.can_name_supporters(actor, plan):
        _refuse()
    _same_hub_person(actor, peer, field="peer")
    if not peer.role_grants.filter(role=Role.PEER_SUPPORTER).exists():
        raise DomainError(
            f"{peer.display_name} is not a peer supporter.", {"peer": ["Choose a peer supporter."]}
        )
    if peer.pk == plan.person_id:
        raise DomainError("Choose someone else to support you.", {"peer": ["Choose someone else."]})
    if PlanSupporter.objects.filter(plan=plan, peer=peer, removed_at__isnull=True).exists():
        raise Conflict(f"{peer.display_name} is already named on this plan.")
    row = PlanSupporter.objects.create(plan=plan, peer=peer, added_by=actor.user)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=plan.person,
        obj=plan,
        summary=f"Named {peer.display_name} to see the crisis plan on call",
    )
    return row


@transaction.atomic
def remove_supporter(*, actor: Actor, plan: Plan, peer: Person) -> PlanSupporter:
    if not permissions.can_name_supporters(actor, plan):
        _refuse()
    row = (
        PlanSupporter.objects.select_for_update()
        .filter(plan=plan, peer=peer, removed_at__isnull=True)
        .first()
    )
    if row is None:
        raise DomainError(f"{peer.display_name} is not named on this plan.")
    row.removed_at = timezone.now()
    row.save(update_fields=["removed_at"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=plan.person,
        obj=plan,
        summary=f"{peer.display_name} may no longer see the crisis plan",
    )
    return row


@transaction.atomic
def schedule_on_call(
    *, actor: Actor, peer: Person, starts_at: dt.datetime, ends_at: dt.datetime
) -> OnCallPeriod:
    """Put a peer supporter on the on-call rota for a period (at most a week at a time)."""
    if not permissions.can_manage_on_call(actor):
        _refuse()
    _same_hub_person(actor, peer, field="peer")
    if not peer.role_grants.filter(role=Role.PEER_SUPPORTER).exists():
        raise DomainError(
            f"{peer.display_name} is not a peer supporter.", {"peer": ["Choose a peer supporter."]}
        )
    if not isinstance(starts_at, dt.datetime) or not isinstance(ends_at, dt.datetime):
        raise DomainError("Enter when the period starts and ends.", {"starts_at": ["Enter a date and time."]})
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise DomainError("Give times with a time zone.", {"starts_at": ["Give a time zone."]})
    if ends_at <= starts_at:
        raise DomainError("The period must end after it starts.", {"ends_at": ["End after the start."]})
    if ends_at - starts_at > dt.timedelta(days=7):
        raise DomainError(
            "On-call periods are at most a week.", {"ends_at": ["At most seven days after the start."]}
        )
    if OnCallPeriod.objects.filter(
        peer=peer, cancelled_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists():
        raise Conflict(f"{peer.display_name} is already on call for part of that time.")
    period = OnCallPeriod.objects.create(
        hub=actor.hub, peer=peer, starts_at=starts_at, ends_at=ends_at, created_by=actor.user
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        person=peer,
        obj=period,
        summary="Added an on-call period",
    )
    return period


@transaction.atomic
def cancel_on_call(*, actor: Actor, period: OnCallPeriod) -> OnCallPeriod:
    if not permissions.can_manage_on_call(actor) or period.hub_id != actor.hub.pk:
        _refuse()
    period.cancelled_at = timezone.now()
    period.save(update_fields=["cancelled_at"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=period.peer,
        obj=period,
        summary="Cancelled an on-call period",
    )
    return period


# ---- onward referrals ---------------------------------------------------------------------------

ONWARD_NEXT = {
    OnwardReferral.Status.SUGGESTED: {
        OnwardReferral.Status.CONTACTED,
        OnwardReferral.Status.DID_NOT_ATTEND,
        OnwardReferral.Status.NOT_SUITABLE,
    },
    OnwardReferral.Status.CONTACTED: {
        OnwardReferral.Status.ATTENDED,
        OnwardReferral.Status.DID_NOT_ATTEND,
        OnwardReferral.Status.NOT_SUITABLE,
    },
    OnwardReferral.Status.ATTENDED: {OnwardReferral.Status.CONTINUING, OnwardReferral.Status.NOT_SUITABLE},
    # Someone who did not go may be helped to try again.
    OnwardReferral.Status.DID_NOT_ATTEND: {OnwardReferral.Status.CONTACTED},
    OnwardReferral.Status.CONTINUING: set(),
    OnwardReferral.Status.NOT_SUITABLE: set(),
}


@transaction.atomic
def suggest_onward_referral(
    *, actor: Actor, referral: Referral, directory_service_id: Any, note: str = ""
) -> OnwardReferral:
    """Suggest a community service from the directory; only its id is kept."""
    referral = _open_referral(actor, referral)
    service = get_service(directory_service_id, hub=actor.hub)
    if service is None or service.is_retired:
        raise DomainError(
            "Choose a service from the directory.",
            {"directory_service_id": ["Not a current directory service."]},
        )
    onward = OnwardReferral.objects.create(
        referral=referral,
        directory_service_id=service.id,
        note=_text(note, field="note", maximum=MAX_TEXT),
        created_by=actor.user,
    )
    OnwardReferralUpdate.objects.create(
        onward_referral=onward, status=onward.status, note=onward.note, by_label=actor.label
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        person=referral.person,
        obj=onward,
        summary=f"Suggested {service.name}",
    )
    return onward


@transaction.atomic
def update_onward_referral(
    *,
    actor: Actor,
    onward: OnwardReferral,
    status: str | None = None,
    note: str = "",
    member_feedback: str | None = None,
    helped: str | None = None,
) -> OnwardReferral:
    """Move an onward referral along (suggested → contacted → attended → continuing, or did not attend /
    not suitable) and record the member's own feedback. Support staff, or the member for feedback only."""
    onward = (
        OnwardReferral.objects.select_for_update(of=("self",))
        .select_related("referral", "referral__person")
        .get(pk=onward.pk)
    )
    referral = onward.referral
    is_member = permissions.is_referred_person(actor, referral)
    if not permissions.can_work_with(actor, referral) and not (is_member and status is None):
        _refuse()
    changed = []
    if status is not None and status != onward.status:
        if status not in OnwardReferral.Status.values:
            raise DomainError("Choose a status.", {"status": ["Choose a status."]})
        if status not in ONWARD_NEXT[OnwardReferral.Status(onward.status)]:
            raise Conflict(
                f"An onward referral that is “{onward.get_status_display().lower()}” cannot become "
                f"“{OnwardReferral.Status(status).label.lower()}”.",
                {"status": ["Choose a next step."]},
            )
        onward.status = status
        changed.append("status")
    if member_feedback is not None:
        onward.member_feedback = _text(member_feedback, field="member_feedback", maximum=MAX_TEXT)
        changed.append("member_feedback")
    if helped is not None:
        if helped not in ("", *OnwardReferral.Helped.values):
            raise DomainError("Choose whether it helped.", {"helped": ["Choose yes, a bit or no."]})
        onward.helped = helped
        changed.append("helped")
    note = _text(note, field="note", maximum=MAX_TEXT)
    if not changed and not note:
        raise DomainError("Nothing to change.", {"status": ["Choose a new status or add feedback."]})
    onward.updated_at = timezone.now()
    onward.save()
    OnwardReferralUpdate.objects.create(
        onward_referral=onward, status=onward.status, note=note, by_label=actor.label
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=referral.person,
        obj=onward,
        summary="Updated an onward referral",
        fields=changed,
    )
    return onward


# ---- follow-ups ---------------------------------------------------------------------------------


@transaction.atomic
def complete_follow_up(
    *, actor: Actor, follow_up: FollowUp, status: str, done_on: Any = None, note: str = ""
) -> FollowUp:
    """Mark a follow-up done, or that the person could not be reached."""
    follow_up = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("referral", "referral__person")
        .get(pk=follow_up.pk)
    )
    if not permissions.can_work_with(actor, follow_up.referral):
        _refuse()
    if follow_up.status != FollowUp.Status.DUE:
        raise Conflict("This follow-up has already been recorded.")
    if status not in (FollowUp.Status.DONE, FollowUp.Status.MISSED):
        raise DomainError("Choose done or could not reach.", {"status": ["Choose done or could not reach."]})
    follow_up.done_on = _past_date(done_on or timezone.localdate(), field="done_on", label="Date")
    follow_up.status = status
    follow_up.note = _text(note, field="note", maximum=MAX_TEXT)
    follow_up.save(update_fields=["status", "done_on", "note"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=follow_up.referral.person,
        obj=follow_up,
        summary=f"Follow-up at {follow_up.months} months recorded",
    )
    return follow_up


def send_follow_up_reminders(*, today: dt.date | None = None, days_ahead: int = 7) -> int:
    """Email each worker about follow-ups due within `days_ahead` days that nobody has been reminded
    of. One short transaction per follow-up, so a bad address does not hold back the rest; returns
    how many were sent. Run daily by `manage.py send_support_reminders`."""
    until = (today or timezone.localdate()) + dt.timedelta(days=days_ahead)
    ids = list(queries.reminders_to_send(until=until).values_list("pk", flat=True))
    return sum(_send_reminder(follow_up_id=pk, until=until) for pk in ids)


@transaction.atomic
def _send_reminder(*, follow_up_id: int, until: dt.date) -> bool:
    # The row lock and the re-check stop two overlapping runs from sending the same reminder twice.
    follow_up = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related(
            "referral", "referral__hub", "referral__person", "referral__worker", "referral__service"
        )
        .filter(pk=follow_up_id, reminder_sent_at__isnull=True, status=FollowUp.Status.DUE)
        .first()
    )
    if follow_up is None:
        return False
    referral = follow_up.referral
    recipient = referral.worker
    if recipient is None or not recipient.email:
        # No worker (or no address): the hub's coordinators hear instead.
        recipient = (
            Person.objects.filter(hub=referral.hub, role_grants__role=Role.COORDINATOR)
            .exclude(email="")
            .order_by("pk")
            .first()
        )
    if recipient is None:
        return False
    follow_up.reminder_sent_at = timezone.now()
    follow_up.save(update_fields=["reminder_sent_at"])
    # The email names no one: a worker's inbox is not the place for a person's health record.
    subject = f"{referral.service.name}: a follow-up is due on {follow_up.due_on:%-d %B %Y}"
    body = "\n".join(
        [
            f"Hello {recipient.display_name},",
            "",
            f"A {follow_up.months}-month follow-up for someone you support is due on "
            f"{follow_up.due_on:%-d %B %Y}.",
            f"See referral #{referral.pk}: {settings.COPRODUCE_SITE_URL}/support/referrals/{referral.pk}/",
            "",
            "Outcome questionnaires to ask at this follow-up are listed on the referral.",
        ]
    )
    to = recipient.email
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True)
    )
    audit.record(
        actor=Actor(user=None, hub=referral.hub),
        action=AuditEvent.Action.UPDATE,
        person=referral.person,
        obj=follow_up,
        summary=f"Follow-up reminder sent to {recipient.display_name}",
        fields=["reminder_sent_at"],
    )
    return True


# ---- closing ------------------------------------------------------------------------------------


@transaction.atomic
def close_referral(
    *, actor: Actor, referral: Referral, reason: str, summary: str, code: ClinicalCode | None = None
) -> Referral:
    """Close a person's support with a reason and a summary; the referrer gets the summary when consent
    allows. Follow-ups already scheduled stay due: Live Well follows up after support ends."""
    referral = _open_referral(actor, referral)
    if reason not in Referral.CloseReason.values:
        raise DomainError("Choose why support is ending.", {"reason": ["Choose a reason."]})
    summary = _text(summary, field="summary", maximum=MAX_TEXT, required=True, label="A summary")
    code = _code(actor, code)
    now = timezone.now()
    Assignment.objects.filter(referral=referral, ended_at__isnull=True).update(ended_at=now)
    referral.status = Referral.Status.CLOSED
    referral.close_reason = reason
    referral.close_summary = summary
    referral.closed_at = now
    referral.updated_at = now
    referral.save(update_fields=["status", "close_reason", "close_summary", "closed_at", "updated_at"])
    if code is not None:
        CodedEvent.objects.create(referral=referral, event=CodedEvent.Event.CLOSED, code=code, at=now)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=referral.person,
        obj=referral,
        summary=f"Closed: {referral.get_close_reason_display()}",
        fields=["status", "close_reason", "close_summary"],
    )
    _tell_referrer(referral, kind=ReferrerMessage.Kind.CLOSING)
    return referral
