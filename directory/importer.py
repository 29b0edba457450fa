"""Import and export of HSDS 3.0 data: the tabular data package (datapackage.json + one CSV per table)
and HSDS JSON (one object, a list, or an API page with `contents`).

An import reads and checks everything first and lists every problem (file, row, field, reason); only
a package with no problem is written, in one transaction. Rows are matched by id, so importing the
same package again updates the same records. References the package makes to rows that are in
neither the package nor the database are refused where the row cannot stand without them (a
service_at_location's service) and dropped with a warning where HSDS treats them as optional (the
official examples point at parent organisations and taxonomies they do not include).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core import audit
from core.errors import DomainError
from core.models import AuditEvent
from core.roles import Actor
from directory import permissions
from directory.hsds import BY_FILE, BY_NAME, KEY_TABLE, SINGULAR_KEYS, TABLES, Table, to_json_value
from directory.models import Organization, Service, TaxonomyTerm
from directory.services import refresh_search_text

MAX_FILE_BYTES = getattr(settings, "DIRECTORY_IMPORT_MAX_BYTES", 200 * 1024 * 1024)
MAX_PROBLEMS = 500
DB_CHUNK = 900  # below SQLite's limit on query parameters
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Problem:
    file: str
    row: str  # a CSV line number or a JSON path
    field: str
    reason: str

    def __str__(self) -> str:
        where = ", ".join(p for p in (self.file, f"row {self.row}" if self.row else "", self.field) if p)
        return f"{where}: {self.reason}"


class ImportRejected(DomainError):
    """The package has problems; nothing was written. `problems` lists every one."""

    def __init__(self, problems: list[Problem], more: int = 0):
        super().__init__(f"The package was not imported: {len(problems) + more} problem(s).")
        self.problems = problems
        self.more = more


@dataclass
class Summary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


@dataclass
class _Row:
    file: str
    where: str
    values: dict[str, Any]


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.more = 0
        self.warnings: list[Problem] = []

    def add(self, *args) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.more += 1
        else:
            self.problems.append(Problem(*args))

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS


# ---- reading -----------------------------------------------------------------------------------


def _read_csv(path: Path, table: Table, rows: dict[str, list[_Row]], c: _Collector) -> None:
    name = path.name
    try:
        with path.open(encoding="utf-8-sig", newline="", errors="strict") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            if not header:
                c.add(name, "", "", "the file is empty; a CSV needs a header row naming its columns")
                return
            unknown = [h for h in header if h not in table.fields]
            for h in unknown[:20]:
                c.add(name, "1", h[:60], f"not a field of the HSDS {table.name} table")
            if "id" not in header:
                c.add(name, "1", "id", "the header has no id column")
            if unknown or "id" not in header:
                return
            for record in reader:
                if None in record:
                    c.add(
                        name, str(reader.line_num), "", "the row has more values than the header has columns"
                    )
                    continue
                rows[table.name].append(_Row(name, str(reader.line_num), dict(record)))
                if c.full:
                    return
    except UnicodeDecodeError as exc:
        c.add(
            name,
            "",
            "",
            f"the file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start} of a "
            "chunk cannot be read); save it as CSV UTF-8",
        )
    except csv.Error as exc:
        c.add(name, "", "", f"the file is not a readable CSV ({exc})")


def _datapackage_files(path: Path, c: _Collector) -> dict[str, str] | None:
    """resource path -> table name from datapackage.json, or None to go by file names."""
    raw = path.read_bytes()[: 5 * 1024 * 1024]
    text = raw.decode("utf-8", errors="replace").strip()
    if text and not text.startswith("{") and text.endswith(".json") and "\n" not in text:
        # A git symlink checked out as a file (the official examples do this): go by file names.
        c.warnings.append(Problem(path.name, "", "", f"is a link to {text}; the CSV files are read by name"))
        return None
    try:
        package = json.loads(text)
    except ValueError as exc:
        c.add(path.name, "", "", f"is not valid JSON ({exc})")
        return None
    files: dict[str, str] = {}
    for i, resource in enumerate(package.get("resources", []) if isinstance(package, dict) else []):
        name = resource.get("name", "")
        file = resource.get("path", "")
        table = BY_NAME.get(name) or BY_FILE.get(file)
        if table is None or not isinstance(file, str) or "/" in file or "\\" in file:
            c.add(path.name, f"resources[{i}]", "path", f"{file!r} is not an HSDS table file")
            continue
        files[file] = table.name
    return files


def read_tabular(folder: Path, c: _Collector) -> dict[str, list[_Row]]:
    rows: dict[str, list[_Row]] = {t.name: [] for t in TABLES}
    listed: dict[str, str] | None = None
    if (folder / "datapackage.json").exists():
        listed = _datapackage_files(folder / "datapackage.json", c)
    for path in sorted(folder.iterdir()):
        if path.name == "datapackage.json":
            continue
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.stat().st_size > MAX_FILE_BYTES:
            c.add(
                path.name,
                "",
                "",
                f"the file is {path.stat().st_size // 2**20} MB; the limit is {MAX_FILE_BYTES // 2**20} MB",
            )
            continue
        table_name = (listed or {}).get(path.name) or (
            BY_FILE[path.name].name if path.name in BY_FILE else None
        )
        if table_name is None:
            c.add(
                path.name, "", "", "not an HSDS table file; expected names like services.csv or locations.csv"
            )
            continue
        _read_csv(path, BY_NAME[table_name], rows, c)
    return rows


ROOT_GUESSES = ("service_at_location", "taxonomy_term", "organization", "taxonomy", "location", "service")


def _guess_table(obj: dict, file_name: str) -> str | None:
    for name in ROOT_GUESSES:
        if file_name.startswith(name):
            return name
    if "service_id" in obj and "location_id" in obj or {"service", "location"} <= obj.keys():
        return "service_at_location"
    if "status" in obj:
        return "service"
    if "location_type" in obj:
        return "location"
    if "taxonomy_detail" in obj or "term_uri" in obj or "parent_id" in obj:
        return "taxonomy_term"
    if "services" in obj or "organization_identifiers" in obj or "legal_status" in obj:
        return "organization"
    return None


def read_json(path: Path, c: _Collector) -> dict[str, list[_Row]]:
    rows: dict[str, list[_Row]] = {t.name: [] for t in TABLES}
    if path.stat().st_size > MAX_FILE_BYTES:
        c.add(
            path.name,
            "",
            "",
            f"the file is {path.stat().st_size // 2**20} MB; the limit is {MAX_FILE_BYTES // 2**20} MB",
        )
        return rows
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        c.add(path.name, "", "", "the file is not UTF-8 text")
        return rows
    except ValueError as exc:
        c.add(path.name, "", "", f"is not valid JSON ({exc})")
        return rows
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        items, prefix = data["contents"], "contents"
    elif isinstance(data, list):
        items, prefix = data, ""
    else:
        items, prefix = [data], ""
    for i, item in enumerate(items):
        where = f"{prefix}[{i}]" if len(items) > 1 or prefix else "$"
        if not isinstance(item, dict):
            c.add(path.name, where, "", "expected an HSDS object")
            continue
        table = _guess_table(item, path.name)
        if table is None:
            c.add(path.name, where, "", "cannot tell which HSDS object this is (a service, organization, …)")
            continue
        _flatten(item, BY_NAME[table], None, path.name, where, rows, c)
    # A program nested in a service belongs to the service's organization.
    org_of_program = {
        r.values.get("program_id"): r.values.get("organization_id")
        for r in rows["service"]
        if r.values.get("program_id")
    }
    for r in rows["program"]:
        if not r.values.get("organization_id") and org_of_program.get(r.values.get("id")):
            r.values["organization_id"] = org_of_program[r.values["id"]]
    return rows


def _flatten(obj, table: Table, parent: tuple[Table, Any] | None, file, where, rows, c) -> Any:
    if not isinstance(obj, dict):
        c.add(file, where, "", f"expected an HSDS {table.name} object")
        return None
    values = {k: v for k, v in obj.items() if k in table.fields}
    if parent is not None:
        ptable, pid = parent
        if table.name == "attribute":
            values.setdefault("link_id", pid)
            values.setdefault("link_entity", ptable.name)
        elif table.name == "metadata":
            values.setdefault("resource_id", pid)
            values.setdefault("resource_type", ptable.name)
        elif f"{ptable.name}_id" in table.fields:
            values.setdefault(f"{ptable.name}_id", pid)
    for key, sub in obj.items():
        if key in table.fields or key not in KEY_TABLE:
            continue
        child_table = BY_NAME[KEY_TABLE[key]]
        if key in SINGULAR_KEYS:
            child_id = _flatten(sub, child_table, None, file, f"{where}.{key}", rows, c)
            ref = "taxonomy_id" if key == "taxonomy_detail" else f"{key}_id"
            if child_id is not None and ref in table.fields:
                values.setdefault(ref, child_id)
        elif isinstance(sub, list):
            for j, item in enumerate(sub):
                _flatten(item, child_table, (table, obj.get("id")), file, f"{where}.{key}[{j}]", rows, c)
        else:
            c.add(file, f"{where}.{key}", "", "expected a list")
    rows[table.name].append(_Row(file, where, values))
    return obj.get("id")


# ---- checking ----------------------------------------------------------------------------------

_email = EmailValidator()
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Required by HSDS but legitimately empty: a metadata row for a new value has no previous one.
EMPTY_OK = {"previous_value", "replacement_value"}


def _coerce(kind: str, value: Any, table: Table, name: str):
    """(value, None) or (None, reason)."""
    if value is None or value == "":
        return None, None
    if kind == "uuid":
        # Ids stay text (lower case, checked by pattern): parsing a million uuid.UUID objects was a
        # third of a large import's checking time.
        text = str(value).strip().lower() if isinstance(value, str) else ""
        if not _UUID.match(text):
            return None, f"{str(value)[:40]!r} is not a UUID"
        return text, None
    if kind == "number":
        if isinstance(value, bool) or isinstance(value, dict | list):
            return None, "must be a number"
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None, f"{str(value)[:40]!r} is not a number"
        if number != number or number in (float("inf"), float("-inf")):
            return None, "must be a number"
        return number, None
    if isinstance(value, dict | list | bool):
        return None, "must be text"
    text = str(value)
    if kind == "date":
        try:
            return dt.date.fromisoformat(text), None
        except ValueError:
            return None, f"{text[:40]!r} is not a date like 2026-01-31"
    if kind == "time":
        try:
            return dt.time.fromisoformat(text), None
        except ValueError:
            return None, f"{text[:40]!r} is not a time like 09:30:00"
    if kind == "datetime":
        moment = parse_datetime(text.replace("Z", "+00:00")) if len(text) < 60 else None
        if moment is None:
            return None, f"{text[:40]!r} is not a date and time like 2026-01-31T09:30:00Z"
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment, None
    if kind == "enum":
        allowed = table.enums[name]
        if text not in allowed:
            return None, f"{text[:40]!r} is not one of: {', '.join(allowed)}"
        return text, None
    if kind == "email":
        try:
            _email(text)
        except ValidationError:
            return None, f"{text[:60]!r} is not an email address"
    return text, None


def _check_rows(rows: dict[str, list[_Row]], c: _Collector) -> dict[str, dict[str, dict]]:
    """Typed values per table and id; rows with the same id (JSON repeats nested objects) merge."""
    typed: dict[str, dict[str, dict]] = {t.name: {} for t in TABLES}
    origin: dict[tuple[str, str], _Row] = {}
    for table in TABLES:
        for row in rows[table.name]:
            values: dict[str, Any] = {}
            bad = False
            for name, raw in row.values.items():
                kind = table.fields[name]
                value, reason = _coerce(kind, raw, table, name)
                if reason:
                    c.add(row.file, row.where, name, reason)
                    bad = True
                values[name] = value
            for name in table.required:
                raw = row.values.get(name)
                if name not in row.values or (raw in (None, "") and name not in EMPTY_OK):
                    c.add(row.file, row.where, name, "is required")
                    bad = True
            if bad or values.get("id") is None:
                continue
            key = values["id"]
            if key in typed[table.name]:
                first = origin[(table.name, key)]
                if first.file.endswith(".csv"):
                    c.add(row.file, row.where, "id", f"the id {key} is also on row {first.where}")
                    continue
                merged = typed[table.name][key]
                for name, value in values.items():
                    if merged.get(name) is None:
                        merged[name] = value
            else:
                typed[table.name][key] = values
                origin[(table.name, key)] = row
    c.origin = origin  # type: ignore[attr-defined]
    return typed


def _existing(model, ids) -> dict:
    """id -> hub id (or None) for rows already in the database."""
    out: dict = {}
    ids = list(ids)
    if not ids:
        return out
    has_hub = any(f.name == "hub" for f in model._meta.fields)
    if connection.vendor == "postgresql":
        # One array parameter instead of thousands: large imports check ids in a few queries.
        table = connection.ops.quote_name(model._meta.db_table)
        columns = "id, hub_id" if has_hub else "id, NULL"
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 50_000):
                cursor.execute(
                    f"SELECT {columns} FROM {table} WHERE id = ANY(%s::uuid[])",  # noqa: S608 - names from the model
                    [[str(i) for i in ids[start : start + 50_000]]],
                )
                out.update((str(pk), hub) for pk, hub in cursor.fetchall())
        return out
    for start in range(0, len(ids), DB_CHUNK):
        chunk = ids[start : start + DB_CHUNK]
        if has_hub:
            out.update(
                (str(pk), hub) for pk, hub in model.objects.filter(pk__in=chunk).values_list("pk", "hub_id")
            )
        else:
            out.update(
                (str(pk), None) for pk in model.objects.filter(pk__in=chunk).values_list("pk", flat=True)
            )
    return out


def _check_references(typed, actor: Actor, c: _Collector) -> dict[str, dict]:
    existing = {t.name: _existing(t.model, typed[t.name].keys()) for t in TABLES}
    origin = c.origin  # type: ignore[attr-defined]
    for table in TABLES:
        if not table.hub_owned:
            continue
        for key, hub_id in existing[table.name].items():
            if hub_id != actor.hub.pk:
                row = origin[(table.name, key)]
                c.add(row.file, row.where, "id", f"this {table.name} belongs to another hub")
    missing_cache: dict[str, dict] = {}
    for table in TABLES:
        for ref, (target, hard) in table.refs.items():
            wanted = {v[ref] for v in typed[table.name].values() if v.get(ref) is not None}
            unknown = wanted - typed[target].keys()
            if unknown:
                found = _existing(BY_NAME[target].model, unknown)
                missing_cache.setdefault(target, {}).update(found)
                unknown -= found.keys()
            for key, values in typed[table.name].items():
                if values.get(ref) in unknown:
                    row = origin[(table.name, key)]
                    message = (
                        f"points at {target} {values[ref]}, which is not in the package or the directory"
                    )
                    if hard:
                        c.add(row.file, row.where, ref, message)
                    else:
                        c.warnings.append(Problem(row.file, row.where, ref, message + "; left empty"))
                        values[ref] = None
    return existing


# ---- writing -----------------------------------------------------------------------------------


NULLABLE_KINDS = ("number", "uuid", "date", "time", "datetime")


def _search_texts(typed) -> dict:
    """search_text for the package's services, from the package (and the directory for what it lacks),
    so new services are written once instead of written and then updated."""
    terms = {k: (v.get("name") or "", v.get("parent_id")) for k, v in typed["taxonomy_term"].items()}
    wanted = {v["taxonomy_term_id"] for v in typed["attribute"].values()} - terms.keys()
    for start in range(0, len(wanted), DB_CHUNK):
        chunk = list(wanted)[start : start + DB_CHUNK]
        for pk, name, parent in TaxonomyTerm.objects.filter(pk__in=chunk).values_list(
            "pk", "name", "parent_id"
        ):
            terms[pk] = (name, parent)
    parents = {p for _, p in terms.values() if p and p not in terms}
    for pk, name in TaxonomyTerm.objects.filter(pk__in=list(parents)[:DB_CHUNK]).values_list("pk", "name"):
        terms[str(pk)] = (name, None)
    orgs = {k: v.get("name") or "" for k, v in typed["organization"].items()}
    wanted = {
        v["organization_id"] for v in typed["service"].values() if v.get("organization_id")
    } - orgs.keys()
    for start in range(0, len(wanted), DB_CHUNK):
        chunk = list(wanted)[start : start + DB_CHUNK]
        orgs.update(
            (str(pk), name)
            for pk, name in Organization.objects.filter(pk__in=chunk).values_list("pk", "name")
        )
    names: dict = {}
    for attribute in typed["attribute"].values():
        term = terms.get(attribute["taxonomy_term_id"])
        if term and attribute.get("link_id") in typed["service"]:
            parent = terms.get(term[1]) if term[1] else None
            names.setdefault(attribute["link_id"], []).extend(n for n in (term[0], parent and parent[0]) if n)
    texts = {}
    for key, v in typed["service"].items():
        parts = [
            v.get("name"),
            v.get("alternate_name"),
            v.get("description"),
            orgs.get(v.get("organization_id")),
        ]
        texts[key] = " ".join(p for p in [*parts, *names.get(key, [])] if p)
    return texts


def _copy_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """PostgreSQL COPY of new rows, as CSV text: the import's writes run at close to COPY's own speed.

    Every value is quoted, so an empty text stays empty; FORCE_NULL turns the quoted empty values of
    nullable columns (references, numbers, dates) into NULL.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields}
    table = connection.ops.quote_name(model._meta.db_table)
    names = [connection.ops.quote_name(fields[c].column) for c in columns]
    nullable = [n for c, n in zip(columns, names, strict=True) if fields[c].null]
    options = "FORMAT csv" + (f", FORCE_NULL ({', '.join(nullable)})" if nullable else "")
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(
        ["" if v is None else v for v in row] for row in rows
    )
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN WITH ({options})") as copy,
    ):
        copy.write(buffer.getvalue())


def _write(typed, existing, actor: Actor, summary: Summary, progress: Progress | None) -> None:
    now = timezone.now()
    texts = _search_texts(typed)
    use_copy = connection.vendor == "postgresql"
    for table in TABLES:
        records = typed[table.name]
        if not records:
            continue
        model = table.model
        fields = [n for n in table.fields if n != "id"]
        blank = {table.attname(n): None if table.fields[n] in NULLABLE_KINDS else "" for n in fields}
        # Columns HSDS does not have take their model defaults (the owning hub is the actor's).
        extra = {
            f.attname: f.get_default()
            for f in model._meta.concrete_fields
            if f.attname != "id" and f.attname not in blank
        }
        if table.hub_owned:
            extra["hub_id"] = actor.hub.pk
        columns = ["id", *blank, *extra]
        new_rows, changed = [], []
        for key, values in records.items():
            row = dict(blank)
            for n in fields:
                value = values.get(n)
                if value is not None:
                    row[table.attname(n)] = value
            if table.name == "service":
                row["last_modified"] = row["last_modified"] or now
                row["status"] = row["status"] or "active"
            if key in existing[table.name]:
                obj = model(id=key, **row)
                if table.name == "service":
                    obj.search_text = texts[key]
                changed.append(obj)
                continue
            full = {**row, **extra}
            if table.name == "service":
                full["search_text"] = texts[key]
            new_rows.append((key, *(full[c] for c in columns[1:])))
        done = 0
        for start in range(0, len(new_rows), 5000):
            batch = new_rows[start : start + 5000]
            if use_copy:
                _copy_rows(model, columns, batch)
            else:
                model.objects.bulk_create([model(**dict(zip(columns, r, strict=True))) for r in batch])
            done += len(batch)
            if progress:
                progress(table.file, done, len(records))
        attnames = [table.attname(n) for n in fields] + (["search_text"] if table.name == "service" else [])
        for start in range(0, len(changed), 500):
            model.objects.bulk_update(changed[start : start + 500], attnames)
            done += len(changed[start : start + 500])
            if progress:
                progress(table.file, done, len(records))
        summary.created[table.name] = len(new_rows)
        summary.updated[table.name] = len(changed)
    # Services outside the package that gained or lost a category here need their text rebuilt.
    linked = {v["link_id"] for v in typed["attribute"].values() if v.get("link_id")} - typed["service"].keys()
    others = list(_existing(Service, linked))
    for start in range(0, len(others), 2000):
        refresh_search_text(others[start : start + 2000])


def import_hsds(*, actor: Actor, path, progress: Progress | None = None, dry_run: bool = False) -> Summary:
    """Check a package (folder of CSVs, datapackage.json or a JSON file) and, if it has no
    problems, write it for the actor's hub in one transaction. Raises ImportRejected listing them."""
    if not permissions.can_manage_directory(actor):
        raise DomainError("Only coordinators and link workers import directory data.")
    path = Path(path)
    c = _Collector()
    if path.is_dir():
        rows = read_tabular(path, c)
    elif path.name == "datapackage.json":
        rows = read_tabular(path.parent, c)
    elif path.suffix.lower() == ".json":
        rows = read_json(path, c)
    elif not path.exists():
        raise ImportRejected([Problem(str(path), "", "", "no such file or folder")])
    else:
        raise ImportRejected(
            [Problem(path.name, "", "", "import a folder of CSV files, a datapackage.json or a .json file")]
        )
    typed = _check_rows(rows, c)
    existing = _check_references(typed, actor, c) if not c.problems else {}
    if c.problems:
        raise ImportRejected(c.problems, c.more)
    summary = Summary(warnings=c.warnings)
    if dry_run:
        return summary
    with transaction.atomic():
        _write(typed, existing, actor, summary, progress)
        audit.record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            summary=f"Imported directory data from {path.name}: {summary.total} records",
        )
    return summary


# ---- export ------------------------------------------------------------------------------------

CSV_TYPES = {
    "uuid": "string",
    "string": "string",
    "email": "string",
    "enum": "string",
    "number": "number",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
}


def _csv_value(value) -> str:
    if value is None:
        return ""
    value = to_json_value(value)
    return str(value)


def export_package(*, folder, hub=None, progress: Progress | None = None) -> dict[str, int]:
    """Write every table as CSV plus datapackage.json into `folder`; with `hub`, only that hub's
    organisations, services and locations and the rows that belong to them. Returns rows per file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    exported: dict[str, set] = {}
    counts: dict[str, int] = {}
    resources = []
    for table in TABLES:
        qs = table.model.objects.all().order_by("pk")
        if hub is not None:
            if table.hub_owned:
                qs = qs.filter(hub=hub)
            elif table.name == "attribute":
                qs = qs.filter(link_id__in=set().union(*exported.values()))
            elif table.name == "metadata":
                qs = qs.filter(resource_id__in=set().union(*exported.values()))
            else:
                # Rows hang off the hub's records; the vocabularies are shared by every hub.
                owned = [(r, t) for r, (t, _) in table.refs.items() if t not in ("taxonomy", "taxonomy_term")]
                if owned:
                    q = Q()
                    for ref, target in owned:
                        q |= Q(**{f"{table.attname(ref)}__in": exported.get(target, set())})
                    qs = qs.filter(q)
        ids = set()
        with (folder / table.file).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(list(table.fields))
            for n, obj in enumerate(qs.iterator(chunk_size=2000), start=1):
                ids.add(obj.pk)
                writer.writerow([_csv_value(getattr(obj, table.attname(f))) for f in table.fields])
                if progress and n % 5000 == 0:
                    progress(table.file, n, 0)
        exported[table.name] = ids
        counts[table.file] = len(ids)
        resources.append(
            {
                "name": table.name,
                "path": table.file,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {"name": f, "type": CSV_TYPES[k], **({"format": "uuid"} if k == "uuid" else {})}
                        for f, k in table.fields.items()
                    ],
                    "primaryKey": "id",
                },
            }
        )
    descriptor = {
        "name": "coproduce-directory",
        "title": "Coproduce community directory (Open Referral HSDS 3.0)",
        "profile": "tabular-data-package",
        "created": to_json_value(timezone.now()),
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
    return counts
