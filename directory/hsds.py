"""HSDS 3.0 tables as data: each table's fields, types, required fields and references, and the one
generic mapping between model rows and HSDS objects that the API, import and export all use.

The field lists follow hsds/schema/*.json (the official schemas); the app keeps its own copy of these
facts so it runs without ../shared. Tests check this table against the official schemas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models

from directory import models as m

UK_PROFILE_VERSION = "HSDS-UK-3.0"
UK_PROFILE_URL = "https://openreferraluk.org/"
HSDS_OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"

STATUS = ("active", "inactive", "defunct", "temporarily closed")
LOCATION_TYPES = ("physical", "postal", "virtual")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Table:
    name: str  # HSDS object name: "service"
    file: str  # file in a tabular data package: "services.csv"
    model: type[models.Model]
    fields: dict[str, str]  # HSDS field -> type: uuid, string, number, date, time, datetime, email, enum
    required: tuple[str, ...] = ("id",)
    # Reference field -> (table it points at, hard). A hard reference that points nowhere rejects the
    # row; a soft one is dropped with a warning (the official examples point at rows they omit).
    refs: dict[str, tuple[str, bool]] = field(default_factory=dict)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    attnames: dict[str, str] = field(default_factory=dict)  # HSDS field -> model attribute, if different
    hub_owned: bool = False

    def attname(self, hsds_field: str) -> str:
        return self.attnames.get(hsds_field, hsds_field)


def _t(name, file, model, fields: str, **kw) -> Table:
    parsed: dict[str, str] = {}
    for item in fields.split():
        fname, _, ftype = item.partition(":")
        parsed[fname] = ftype or "string"
    return Table(name, file, model, parsed, **kw)


# In dependency order: a table only refers to tables before it (or to itself).
TABLES: list[Table] = [
    _t(
        "taxonomy",
        "taxonomies.csv",
        m.Taxonomy,
        "id:uuid name description uri version",
        required=("id", "name", "description"),
    ),
    _t(
        "taxonomy_term",
        "taxonomy_terms.csv",
        m.TaxonomyTerm,
        "id:uuid code name description parent_id:uuid taxonomy language taxonomy_id:uuid term_uri",
        required=("id", "name", "description"),
        refs={"parent_id": ("taxonomy_term", False), "taxonomy_id": ("taxonomy", False)},
        attnames={"taxonomy_id": "taxonomy_detail_id"},
    ),
    _t(
        "organization",
        "organizations.csv",
        m.Organization,
        "id:uuid name alternate_name description email:email website tax_status tax_id "
        "year_incorporated:number legal_status logo uri parent_organization_id:uuid",
        required=("id", "name", "description"),
        refs={"parent_organization_id": ("organization", False)},
        hub_owned=True,
    ),
    _t(
        "program",
        "programs.csv",
        m.Program,
        "id:uuid organization_id:uuid name alternate_name description",
        required=("id", "name", "description"),
        refs={"organization_id": ("organization", True)},
    ),
    _t(
        "service",
        "services.csv",
        m.Service,
        "id:uuid organization_id:uuid program_id:uuid name alternate_name description url email:email "
        "status:enum interpretation_services application_process fees_description wait_time fees "
        "accreditations eligibility_description minimum_age:number maximum_age:number assured_date:date "
        "assurer_email:email licenses alert last_modified:datetime",
        required=("id", "name", "status"),
        refs={"organization_id": ("organization", True), "program_id": ("program", False)},
        enums={"status": STATUS},
        hub_owned=True,
    ),
    _t(
        "location",
        "locations.csv",
        m.Location,
        "id:uuid location_type:enum url organization_id:uuid name alternate_name description transportation "
        "latitude:number longitude:number external_identifier external_identifier_type",
        required=("id", "location_type"),
        refs={"organization_id": ("organization", False)},
        enums={"location_type": LOCATION_TYPES},
        hub_owned=True,
    ),
    _t(
        "service_at_location",
        "service_at_location.csv",
        m.ServiceAtLocation,
        "id:uuid service_id:uuid location_id:uuid description",
        required=("id", "service_id", "location_id"),
        refs={"service_id": ("service", True), "location_id": ("location", True)},
    ),
    _t(
        "address",
        "addresses.csv",
        m.Address,
        "id:uuid location_id:uuid attention address_1 address_2 city region state_province postal_code "
        "country address_type:enum",
        required=(
            "id",
            "location_id",
            "address_1",
            "city",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ),
        refs={"location_id": ("location", True)},
        enums={"address_type": LOCATION_TYPES},
    ),
    _t(
        "contact",
        "contacts.csv",
        m.Contact,
        "id:uuid organization_id:uuid service_id:uuid service_at_location_id:uuid location_id:uuid name "
        "title department email:email",
        refs={
            "organization_id": ("organization", False),
            "service_id": ("service", False),
            "service_at_location_id": ("service_at_location", False),
            "location_id": ("location", False),
        },
    ),
    _t(
        "phone",
        "phones.csv",
        m.Phone,
        "id:uuid location_id:uuid service_id:uuid organization_id:uuid contact_id:uuid "
        "service_at_location_id:uuid number extension:number type description",
        required=("id", "number"),
        refs={
            "location_id": ("location", False),
            "service_id": ("service", False),
            "organization_id": ("organization", False),
            "contact_id": ("contact", False),
            "service_at_location_id": ("service_at_location", False),
        },
    ),
    _t(
        "schedule",
        "schedules.csv",
        m.Schedule,
        "id:uuid service_id:uuid location_id:uuid service_at_location_id:uuid valid_from:date valid_to:date "
        "dtstart timezone:number until count:number wkst:enum freq:enum interval:number byday byweekno "
        "bymonthday byyearday description opens_at:time closes_at:time schedule_link attending_type notes",
        refs={
            "service_id": ("service", False),
            "location_id": ("location", False),
            "service_at_location_id": ("service_at_location", False),
        },
        enums={"wkst": WEEKDAYS, "freq": ("WEEKLY", "MONTHLY")},
    ),
    _t(
        "service_area",
        "service_areas.csv",
        m.ServiceArea,
        "id:uuid service_id:uuid name description extent extent_type uri",
        required=("id", "service_id"),
        refs={"service_id": ("service", True)},
    ),
    _t(
        "cost_option",
        "cost_options.csv",
        m.CostOption,
        "id:uuid service_id:uuid valid_from:date valid_to:date option currency amount:number "
        "amount_description",
        required=("id", "service_id"),
        refs={"service_id": ("service", True)},
    ),
    _t(
        "language",
        "languages.csv",
        m.Language,
        "id:uuid service_id:uuid location_id:uuid phone_id:uuid name code note",
        refs={
            "service_id": ("service", False),
            "location_id": ("location", False),
            "phone_id": ("phone", False),
        },
    ),
    _t(
        "accessibility",
        "accessibility.csv",
        m.Accessibility,
        "id:uuid location_id:uuid description details url",
        required=("id", "location_id"),
        refs={"location_id": ("location", True)},
    ),
    _t(
        "funding",
        "funding.csv",
        m.Funding,
        "id:uuid organization_id:uuid service_id:uuid source",
        refs={"organization_id": ("organization", False), "service_id": ("service", False)},
    ),
    _t(
        "required_document",
        "required_documents.csv",
        m.RequiredDocument,
        "id:uuid service_id:uuid document uri",
        required=("id", "service_id"),
        refs={"service_id": ("service", True)},
    ),
    _t(
        "organization_identifier",
        "organization_identifiers.csv",
        m.OrganizationIdentifier,
        "id:uuid organization_id:uuid identifier_scheme identifier_type identifier",
        required=("id", "organization_id", "identifier_type", "identifier"),
        refs={"organization_id": ("organization", True)},
    ),
    _t(
        "attribute",
        "attributes.csv",
        m.Attribute,
        "id:uuid link_id:uuid taxonomy_term_id:uuid link_type link_entity value",
        required=("id", "taxonomy_term_id"),
        refs={"taxonomy_term_id": ("taxonomy_term", True)},
    ),
    _t(
        "metadata",
        "metadata.csv",
        m.Metadata,
        "id:uuid resource_id:uuid resource_type last_action_date last_action_type field_name previous_value "
        "replacement_value updated_by",
        required=(
            "id",
            "last_action_date",
            "last_action_type",
            "field_name",
            "previous_value",
            "replacement_value",
            "updated_by",
        ),
    ),
    _t(
        "meta_table_description",
        "meta_table_descriptions.csv",
        m.MetaTableDescription,
        "id:uuid name language character_set",
    ),
]
BY_NAME = {t.name: t for t in TABLES}
BY_FILE = {t.file: t for t in TABLES}
BY_MODEL = {t.model: t for t in TABLES}

# A nested key in HSDS JSON -> the table its objects belong to.
KEY_TABLE = {
    "phones": "phone",
    "schedules": "schedule",
    "service_areas": "service_area",
    "service_at_locations": "service_at_location",
    "languages": "language",
    "funding": "funding",
    "cost_options": "cost_option",
    "required_documents": "required_document",
    "contacts": "contact",
    "attributes": "attribute",
    "metadata": "metadata",
    "locations": "location",
    "addresses": "address",
    "accessibility": "accessibility",
    "programs": "program",
    "organization_identifiers": "organization_identifier",
    "services": "service",
    "organization": "organization",
    "program": "program",
    "location": "location",
    "service": "service",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_detail": "taxonomy",
}
SINGULAR_KEYS = {"organization", "program", "location", "service", "taxonomy_term", "taxonomy_detail"}
# Objects that carry `attributes` in HSDS (taxonomies and terms carry only metadata).
WITHOUT_ATTRIBUTES = {"taxonomy", "taxonomy_term", "attribute", "metadata"}

# ---- values ------------------------------------------------------------------------------------


def to_json_value(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if hasattr(value, "hex") and not isinstance(value, str | bytes | float | int):
        return str(value)  # UUID
    return value


def row_to_hsds(obj, table: Table) -> dict:
    """One row as an HSDS object with its one-to-one fields; empty values are left out, as the
    official examples do (HSDS formats such as email and uri do not admit an empty string)."""
    out = {}
    for name in table.fields:
        value = getattr(obj, table.attname(name))
        if value is None or (value == "" and name not in table.required):
            continue
        out[name] = to_json_value(value)
    return out


# ---- nested trees ------------------------------------------------------------------------------

PHONE: dict[str, dict] = {"languages": {}}
CONTACT = {"phones": PHONE}
LOCATION_FULL = {
    "languages": {},
    "addresses": {},
    "contacts": CONTACT,
    "accessibility": {},
    "phones": PHONE,
    "schedules": {},
}
SAL_IN_SERVICE = {"contacts": CONTACT, "phones": PHONE, "schedules": {}, "location": LOCATION_FULL}
SERVICE_FULL = {
    "phones": PHONE,
    "schedules": {},
    "service_areas": {},
    "service_at_locations": SAL_IN_SERVICE,
    "languages": {},
    "organization": {},
    "funding": {},
    "cost_options": {},
    "program": {},
    "required_documents": {},
    "contacts": CONTACT,
}
SERVICE_LIST: dict = {"organization": {}, "program": {}}
ORGANIZATION_FULL = {
    "funding": {},
    "contacts": CONTACT,
    "phones": PHONE,
    "locations": LOCATION_FULL,
    "programs": {},
    "organization_identifiers": {},
    "services": {},
}
ORGANIZATION_FULL_SERVICES = {**ORGANIZATION_FULL, "services": SERVICE_FULL}
SAL_FULL = {**SAL_IN_SERVICE, "service": SERVICE_FULL}
SAL_LIST: dict = {"location": {}, "service": {}}
TAXONOMY_TERM: dict = {"taxonomy_detail": {}}


def prefetch_paths(tree: dict, prefix: str = "") -> list[str]:
    """The prefetch_related lookups that load a whole tree with one query per relation."""
    paths = []
    for key, sub in tree.items():
        path = f"{prefix}__{key}" if prefix else key
        paths.append(path)
        paths.extend(prefetch_paths(sub, path))
    return paths


def _build(obj, table: Table, tree: dict, seen: list) -> dict:
    out = row_to_hsds(obj, table)
    seen.append((out, table))
    for key, sub in tree.items():
        child_table = BY_NAME[KEY_TABLE[key]]
        if key in SINGULAR_KEYS:
            child = getattr(obj, key)
            if child is not None:
                out[key] = _build(child, child_table, sub, seen)
        else:
            out[key] = [_build(c, child_table, sub, seen) for c in getattr(obj, key).all()]
    return out


def serialize(objs: Iterable, table: Table, tree: dict, *, links: bool = True) -> list[dict]:
    """Objects (already prefetched with prefetch_paths(tree)) as HSDS dicts. With `links`, every
    object in the tree also gets its `attributes` (with their terms) and `metadata`, fetched in two
    queries for the whole page."""
    seen: list = []
    result = [_build(o, table, tree, seen) for o in objs]
    if links and seen:
        _attach_links(seen)
    return result


def _attach_links(seen: list) -> None:
    ids = {d["id"] for d, _ in seen}
    attrs: dict[str, list] = {}
    for a in m.Attribute.objects.filter(link_id__in=ids).select_related("taxonomy_term__taxonomy_detail"):
        item = row_to_hsds(a, BY_NAME["attribute"])
        term = row_to_hsds(a.taxonomy_term, BY_NAME["taxonomy_term"])
        if a.taxonomy_term.taxonomy_detail is not None:
            term["taxonomy_detail"] = row_to_hsds(a.taxonomy_term.taxonomy_detail, BY_NAME["taxonomy"])
        item["taxonomy_term"] = term
        attrs.setdefault(str(a.link_id), []).append(item)
    meta: dict[str, list] = {}
    for row in m.Metadata.objects.filter(resource_id__in=ids):
        meta.setdefault(str(row.resource_id), []).append(row_to_hsds(row, BY_NAME["metadata"]))
    for data, table in seen:
        if table.name not in WITHOUT_ATTRIBUTES:
            data["attributes"] = attrs.get(data["id"], [])
        if table.name != "metadata":
            data["metadata"] = meta.get(data["id"], [])
