"""Every write to the directory. The staff pages, the import command and the demo builder come here.

A staff change is one transaction that also writes HSDS metadata rows (who changed which field, from
what to what) and an audit row. Imports live in directory.importer and call refresh_search_text().
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import DomainError
from core.models import AuditEvent, Hub
from core.roles import Actor, Role
from directory import permissions
from directory.hsds import WEEKDAYS
from directory.models import (
    Accessibility,
    Address,
    Attribute,
    CostOption,
    Location,
    Metadata,
    Organization,
    Phone,
    Postcode,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)

# Cost options are HSDS rows; these two `option` names carry the answers to "How much does it cost?"
# (with `amount`, 0 meaning free) and "Can I get help with the cost?" (in `amount_description`).
COST_OPTION_STANDARD = "Standard"
COST_OPTION_HELP = "Help with the cost"

SERVICE_FIELDS = (
    "name",
    "organization_name",
    "description",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "cost_amount",
    "fees_description",
    "help_with_cost",
    "application_process",
    "email",
    "phone",
    "url",
    "referral_mode",
    "capacity",
    "spaces_left",
    "location_name",
    "address_1",
    "city",
    "postcode",
    "accessibility",
    "days",
    "opens_at",
    "closes_at",
    "schedule_description",
    "term_ids",
)
REQUIRED = ("name", "organization_name", "description")
# The service row's own fields that staff edit, for metadata rows.
OWN_FIELDS = (
    "name",
    "description",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "fees_description",
    "application_process",
    "email",
    "url",
    "referral_mode",
    "capacity",
    "spaces_left",
)
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")


def _refuse() -> None:
    raise PermissionDenied("You do not have permission to do that.")


def normalise_postcode(value: str) -> str:
    """'rv1 1aa' -> 'RV1 1AA'; anything that is not a full postcode comes back upper-cased."""
    text = re.sub(r"\s+", "", (value or "").upper())
    match = _POSTCODE.match(text)
    return f"{match.group(1)} {match.group(2)}" if match else text


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(SERVICE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field: {', '.join(sorted(unknown))}.")
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in SERVICE_FIELDS:
        value = data.get(name)
        clean[name] = value.strip() if isinstance(value, str) else value
    for name in REQUIRED:
        if not clean.get(name):
            errors[name] = ["Enter this: everyone who finds the service will read it."]
    for name in ("minimum_age", "maximum_age", "capacity", "spaces_left"):
        value = clean.get(name)
        if value in ("", None):
            clean[name] = None
            continue
        try:
            clean[name] = int(value)
        except (TypeError, ValueError):
            errors[name] = ["Enter a whole number."]
            continue
        if clean[name] < 0 or clean[name] > 10_000:
            errors[name] = ["Enter a number from 0 to 10,000."]
    if (
        isinstance(clean["minimum_age"], int)
        and isinstance(clean["maximum_age"], int)
        and clean["minimum_age"] > clean["maximum_age"]
    ):
        errors["maximum_age"] = ["The oldest age must be the same as or above the youngest."]
    if (
        isinstance(clean["capacity"], int)
        and isinstance(clean["spaces_left"], int)
        and clean["spaces_left"] > clean["capacity"]
    ):
        errors["spaces_left"] = ["There cannot be more spaces left than places in all."]
    amount = clean.get("cost_amount")
    if amount in ("", None):
        clean["cost_amount"] = None
    else:
        try:
            clean["cost_amount"] = round(float(str(amount).replace("£", "")), 2)
            if clean["cost_amount"] < 0:
                raise ValueError
        except ValueError:
            errors["cost_amount"] = ["Enter an amount in pounds, like 3.50, or 0 if it is free."]
    if clean.get("email"):
        try:
            EmailValidator()(clean["email"])
        except ValidationError:
            errors["email"] = ["Enter an email address like name@example.org."]
    if clean.get("url"):
        try:
            URLValidator(schemes=["http", "https"])(clean["url"])
        except ValidationError:
            errors["url"] = ["Enter a web address starting with https://."]
    if clean.get("referral_mode") in (None, ""):
        clean["referral_mode"] = Service.ReferralMode.SIGNPOST
    elif clean["referral_mode"] not in Service.ReferralMode.values:
        errors["referral_mode"] = ["Choose whether the service takes referrals."]
    days = [d.upper()[:2] for d in (clean.get("days") or [])]
    if any(d not in WEEKDAYS for d in days):
        errors["days"] = ["Choose days of the week."]
    clean["days"] = [d for d in WEEKDAYS if d in days]
    for name in ("opens_at", "closes_at"):
        value = clean.get(name)
        if value in ("", None):
            clean[name] = None
        elif isinstance(value, str):
            try:
                clean[name] = dt.time.fromisoformat(value)
            except ValueError:
                errors[name] = ["Enter a time like 10:00 or 14:30."]
    if clean.get("opens_at") and clean.get("closes_at") and clean["closes_at"] <= clean["opens_at"]:
        errors["closes_at"] = ["The end time must be after the start time."]
    clean["postcode"] = normalise_postcode(clean.get("postcode") or "")
    if clean["postcode"] and not _POSTCODE.match(clean["postcode"].replace(" ", "")):
        errors["postcode"] = ["Enter a full postcode, like RV1 2AB."]
    term_ids = [str(t) for t in (clean.get("term_ids") or [])]
    known = TaxonomyTerm.objects.filter(pk__in=_valid_uuids(term_ids)).values_list("pk", flat=True)
    found = {str(pk) for pk in known}
    if set(term_ids) - found:
        errors["term_ids"] = ["Choose categories from the list."]
    clean["term_ids"] = sorted(found)
    if errors:
        raise DomainError("Check the details you entered.", errors)
    return clean


def _valid_uuids(values: Iterable[str]) -> list[uuid.UUID]:
    out = []
    for v in values:
        try:
            out.append(uuid.UUID(v))
        except ValueError:
            continue
    return out


def postcode_point(code: str) -> tuple[float, float] | None:
    """The centre of a postcode, or of its district when the full postcode is not in the table."""
    text = re.sub(r"\s+", "", (code or "").upper())
    if not text:
        return None
    row = Postcode.objects.filter(code=text).first()
    if row is None:
        match = _POSTCODE.match(text)
        district = match.group(1) if match else text
        row = Postcode.objects.filter(code=district).first()
    return (row.latitude, row.longitude) if row else None


def _metadata(actor: Actor, service: Service, action: str, changes: list[tuple[str, Any, Any]]) -> None:
    now = timezone.now().isoformat()
    Metadata.objects.bulk_create(
        Metadata(
            resource_id=service.pk,
            resource_type="service",
            last_action_date=now,
            last_action_type=action,
            field_name=name,
            previous_value="" if before is None else str(before),
            replacement_value="" if after is None else str(after),
            updated_by=actor.label,
        )
        for name, before, after in changes
    )


def _snapshot(service: Service) -> dict[str, Any]:
    snap = {f: getattr(service, f) for f in OWN_FIELDS}
    snap["organization_name"] = service.organization.name if service.organization is not None else ""
    details = service_details(service)
    snap.update(details)
    return snap


def service_details(service: Service) -> dict[str, Any]:
    """The staff form's view of the rows around a service (its first location, phone, schedule…)."""
    if service._state.adding:
        return {}
    sal = service.service_at_locations.select_related("location").first()
    location = sal.location if sal else None
    address = location.addresses.first() if location else None
    access = location.accessibility.first() if location else None
    phone = service.phones.first()
    schedule = service.schedules.first()
    costs = {c.option: c for c in service.cost_options.all()}
    standard = costs.get(COST_OPTION_STANDARD)
    help_option = costs.get(COST_OPTION_HELP)
    return {
        "cost_amount": standard.amount if standard else None,
        "help_with_cost": help_option.amount_description if help_option else "",
        "phone": phone.number if phone else "",
        "location_name": location.name if location else "",
        "address_1": address.address_1 if address else "",
        "city": address.city if address else "",
        "postcode": address.postal_code if address else "",
        "accessibility": access.description if access else "",
        "days": [d for d in (schedule.byday.split(",") if schedule and schedule.byday else []) if d],
        "opens_at": schedule.opens_at if schedule else None,
        "closes_at": schedule.closes_at if schedule else None,
        "schedule_description": schedule.description if schedule else "",
        "term_ids": sorted(
            str(t)
            for t in Attribute.objects.filter(link_id=service.pk, link_entity="service").values_list(
                "taxonomy_term_id", flat=True
            )
        ),
    }


def _organization(hub: Hub, name: str) -> Organization:
    org = Organization.objects.filter(hub=hub, name__iexact=name).first()
    if org is None:
        org = Organization.objects.create(hub=hub, name=name, description=name)
    return org


def _write_details(service: Service, data: dict[str, Any]) -> None:
    hub = service.hub
    sal = service.service_at_locations.select_related("location").first()
    has_place = any(data.get(f) for f in ("location_name", "address_1", "postcode"))
    if has_place:
        location = sal.location if sal else Location(hub=hub, organization=service.organization)
        location.name = data.get("location_name") or data.get("address_1") or ""
        point = postcode_point(data.get("postcode") or "")
        location.latitude, location.longitude = point if point else (None, None)
        location.save()
        if sal is None:
            ServiceAtLocation.objects.create(service=service, location=location)
        address = location.addresses.first() or Address(location=location, country="GB")
        address.address_1 = data.get("address_1") or location.name
        address.city = data.get("city") or ""
        address.state_province = address.state_province or data.get("city") or ""
        address.postal_code = data.get("postcode") or ""
        address.save()
        access = location.accessibility.first()
        if data.get("accessibility"):
            access = access or Accessibility(location=location)
            access.description = data["accessibility"]
            access.save()
        elif access is not None:
            access.delete()
    phone = service.phones.first()
    if data.get("phone"):
        phone = phone or Phone(service=service)
        phone.number = data["phone"]
        phone.save()
    elif phone is not None:
        phone.delete()
    schedule = service.schedules.first()
    if data.get("days") or data.get("opens_at") or data.get("schedule_description"):
        schedule = schedule or Schedule(service=service, freq="WEEKLY", interval=1, wkst="MO")
        schedule.byday = ",".join(data.get("days") or [])
        schedule.opens_at = data.get("opens_at")
        schedule.closes_at = data.get("closes_at")
        schedule.description = data.get("schedule_description") or ""
        schedule.save()
    elif schedule is not None:
        schedule.delete()
    _set_cost(service, COST_OPTION_STANDARD, amount=data.get("cost_amount"))
    _set_cost(service, COST_OPTION_HELP, description=data.get("help_with_cost") or "")
    current = set(
        Attribute.objects.filter(link_id=service.pk, link_entity="service").values_list(
            "taxonomy_term_id", flat=True
        )
    )
    wanted = {t for t in data.get("term_ids") or []}
    current_s = {str(t) for t in current}
    Attribute.objects.filter(
        link_id=service.pk, link_entity="service", taxonomy_term_id__in=_valid_uuids(current_s - wanted)
    ).delete()
    Attribute.objects.bulk_create(
        Attribute(link_id=service.pk, link_entity="service", link_type="category", taxonomy_term_id=t)
        for t in sorted(wanted - current_s)
    )


def _set_cost(service: Service, option: str, *, amount=None, description: str = "") -> None:
    row = service.cost_options.filter(option=option).first()
    if amount is None and not description:
        if row is not None:
            row.delete()
        return
    row = row or CostOption(service=service, option=option, currency="GBP")
    row.amount = amount
    row.amount_description = description
    row.save()


def refresh_search_text(service_ids: Iterable) -> None:
    """Rebuild the one text column free-text search reads: names, description, organisation and the
    names of the service's categories and their parents."""
    ids = list(service_ids)
    terms: dict[str, list[str]] = {}
    rows = Attribute.objects.filter(link_id__in=ids).values_list(
        "link_id", "taxonomy_term__name", "taxonomy_term__parent__name"
    )
    for link_id, name, parent in rows:
        terms.setdefault(str(link_id), []).extend(n for n in (name, parent) if n)
    batch = []
    for service in Service.objects.filter(pk__in=ids).select_related("organization"):
        parts = [
            service.name,
            service.alternate_name,
            service.description,
            service.organization.name if service.organization is not None else "",
            *terms.get(str(service.pk), []),
        ]
        service.search_text = " ".join(p for p in parts if p)
        batch.append(service)
    Service.objects.bulk_update(batch, ["search_text"], batch_size=1000)


def _apply(service: Service, clean: dict[str, Any]) -> None:
    for name in OWN_FIELDS:
        setattr(service, name, clean[name] if clean[name] is not None or name in _NULLABLE else "")
    service.organization = _organization(service.hub, clean["organization_name"])
    service.last_modified = timezone.now()
    service.save()
    _write_details(service, clean)
    refresh_search_text([service.pk])
    service.refresh_from_db(fields=["search_text"])


_NULLABLE = {"minimum_age", "maximum_age", "capacity", "spaces_left"}


@transaction.atomic
def create_service(*, actor: Actor, data: Mapping[str, Any]) -> Service:
    """Add a service (with its organisation, place, times and costs) to the actor's hub."""
    if not permissions.can_add_service(actor):
        _refuse()
    clean = _clean(data)
    service = Service(hub=actor.hub)
    _apply(service, clean)
    _metadata(actor, service, "create", [("*", "", service.name)])
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, obj=service, summary=f"Added {service.name}")
    return service


@transaction.atomic
def update_service(*, actor: Actor, service: Service, data: Mapping[str, Any]) -> Service:
    """Change a service; the fields given replace the old ones. Staff of the owning hub."""
    if not permissions.can_edit_service(actor, service):
        _refuse()
    service = (
        Service.objects.select_for_update(of=("self",))
        .select_related("hub", "organization")
        .get(pk=service.pk)
    )
    before = _snapshot(service)
    clean = _clean({**before, **data})
    _apply(service, clean)
    after = _snapshot(service)
    changes = [(k, before[k], after[k]) for k in before if before[k] != after[k]]
    if changes:
        _metadata(actor, service, "update", changes)
        audit.record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=service,
            summary=f"Changed {service.name}",
            fields=[k for k, _, _ in changes],
        )
    return service


@transaction.atomic
def verify_service(*, actor: Actor, service: Service) -> Service:
    """Record that someone checked the record is still right today (HSDS assured_date)."""
    if not permissions.can_verify_service(actor, service):
        _refuse()
    service = Service.objects.select_for_update().get(pk=service.pk)
    before = service.assured_date
    service.assured_date = timezone.localdate()
    service.assurer_email = (actor.person.email if actor.person else "") or service.assurer_email
    service.last_modified = timezone.now()
    service.save(update_fields=["assured_date", "assurer_email", "last_modified"])
    _metadata(actor, service, "verify", [("assured_date", before, service.assured_date)])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=service, summary=f"Checked {service.name}")
    return service


@transaction.atomic
def retire_service(*, actor: Actor, service: Service, reason: str) -> Service:
    """Take a service out of the directory (HSDS status "defunct"); it stays in the feed as retired so
    other directories learn it has gone. Coordinators of the owning hub only."""
    if not permissions.can_retire_service(actor, service):
        _refuse()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the service is being retired.", {"reason": ["Say why, for the record."]})
    if len(reason) > 500:
        raise DomainError("Check the reason.", {"reason": ["Keep this to 500 characters or fewer."]})
    service = Service.objects.select_for_update().get(pk=service.pk)
    if service.is_retired:
        raise DomainError("This service has already been retired.")
    before = service.status
    service.status = Service.Status.DEFUNCT
    service.alert = reason
    service.last_modified = timezone.now()
    service.save(update_fields=["status", "alert", "last_modified"])
    _metadata(actor, service, "retire", [("status", before, service.status), ("alert", "", reason)])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=service, summary=f"Retired {service.name}")
    return service


@transaction.atomic
def update_spaces(*, actor: Actor, service: Service, spaces_left: int | None) -> Service:
    """Staff say how many places are free now (the figure link workers look at before referring)."""
    return update_service(actor=actor, service=service, data={"spaces_left": spaces_left})


@transaction.atomic
def share_service(*, actor: Actor, service: Service, hubs: Iterable[Hub]) -> Service:
    """Let other hubs list and refer to the service. Coordinators of the owning hub only."""
    if not permissions.can_share_service(actor, service):
        _refuse()
    hubs = [h for h in hubs if h.pk != service.hub_id]
    service.shared_with.set(hubs)
    _metadata(actor, service, "share", [("shared_with", "", ", ".join(sorted(h.slug for h in hubs)))])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=service, summary=f"Shared {service.name}")
    return service


def system_actor(hub: Hub) -> Actor:
    """The actor for commands and the demo builder: they act for the hub as its coordinator would,
    with no signed-in person (audit rows read "system")."""
    return Actor(user=None, hub=hub, roles=frozenset({Role.COORDINATOR}))


# ---- postcodes ---------------------------------------------------------------------------------


def load_postcodes(path, *, progress=None, batch_size: int = 5000) -> int:
    """Load postcode centres from an ONS Postcode Directory CSV (columns pcds, lat, long; rows with
    a termination date in `doterm` are skipped), then give every district ("RV1") the centre of its
    postcodes, so an unknown full postcode can fall back to its district. Returns the rows loaded.

    Reference data, not a person's record: no audit row. Re-loading replaces the coordinates.
    """
    path = Path(path)
    try:
        loaded = _load_postcode_rows(path, progress=progress, batch_size=batch_size)
    except UnicodeDecodeError as error:
        raise DomainError(
            f"{path.name} is not UTF-8 text (byte 0x{error.object[error.start]:02x} cannot be read); "
            "download the ONS Postcode Directory CSV again."
        ) from None
    except csv.Error as error:
        raise DomainError(f"{path.name} is not a readable CSV ({error}).") from None
    if progress:
        progress(loaded)
    return loaded


def _load_postcode_rows(path: Path, *, progress, batch_size: int) -> int:
    # Streamed a batch at a time, with no size limit: the ONS file is over a gigabyte by design.
    loaded = 0
    districts: dict[str, list[float]] = {}  # district -> [sum of lat, sum of long, count]
    batch: list[Postcode] = []

    def flush() -> None:
        Postcode.objects.bulk_create(
            batch, update_conflicts=True, unique_fields=["code"], update_fields=["latitude", "longitude"]
        )
        batch.clear()

    with transaction.atomic(), path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"pcds", "lat", "long"} - set(reader.fieldnames or [])
        if missing:
            raise DomainError(
                f"{path.name} has no column {', '.join(sorted(missing))}: is it the ONS Postcode Directory?"
            )
        for line, row in enumerate(reader, start=2):
            if (row.get("doterm") or "").strip():
                continue
            code = re.sub(r"\s+", "", row["pcds"].upper())
            match = _POSTCODE.match(code)
            try:
                lat, lon = float(row["lat"]), float(row["long"])
            except ValueError:
                raise DomainError(f"{path.name} line {line}: lat and long must be numbers.") from None
            if match is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat == 99.999999:
                continue  # ONSPD marks postcodes with no grid reference as 99.999999
            batch.append(Postcode(code=code, latitude=lat, longitude=lon))
            acc = districts.setdefault(match.group(1), [0.0, 0.0, 0])
            acc[0] += lat
            acc[1] += lon
            acc[2] += 1
            loaded += 1
            if len(batch) >= batch_size:
                flush()
                if progress:
                    progress(loaded)
        batch.extend(Postcode(code=d, latitude=a / n, longitude=b / n) for d, (a, b, n) in districts.items())
        flush()
    return loaded
