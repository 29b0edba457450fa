"""Import of HSDS 3.0 data: the tabular data package (datapackage.json + one CSV per table) and HSDS
JSON (one object, a list, or an API page with `contents`).

An import reads and checks everything first and lists every problem (file, row, field, reason); only
a package with no problem is written (directory.writer), in one transaction. Rows are matched by id,
so importing the same package again updates the same records. References the package makes to rows
that are in neither the package nor the database are refused where the row cannot stand without them
(a service_at_location's service) and dropped with a warning where HSDS treats them as optional (the
official examples point at parent organisations and taxonomies they do not include).

Values are checked a column at a time: a column of ids is joined into one string and matched by one
regular expression, enums and emails are checked once per distinct value, and references are set
differences. Only a column with a problem is walked value by value, to say which rows are wrong. This
keeps a 100,000-service package's checks to about a second (docs/benchmarks.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import json
import re
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction

from core import audit
from core.errors import DomainError
from core.models import AuditEvent
from core.roles import Actor
from directory import permissions, writer
from directory.hsds import BY_FILE, BY_NAME, KEY_TABLE, SINGULAR_KEYS, TABLES, Table
from directory.writer import Records

MAX_FILE_BYTES = getattr(settings, "DIRECTORY_IMPORT_MAX_BYTES", 200 * 1024 * 1024)
MAX_PROBLEMS = 500
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


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.more = 0
        self.warnings: list[Problem] = []

    def add(self, file: str, row: Any, name: str, reason: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.more += 1
        else:
            self.problems.append(Problem(file, str(row), name, reason))

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS


@dataclass
class _Batch:
    """The rows of one HSDS table from one file, as read: text, or None where a JSON object has no
    value. `where` is each row's CSV line number or JSON path; `bad` the rows already found wrong."""

    table: Table
    file: str
    fields: list[str]
    rows: list[list]
    where: list
    from_json: bool = False
    bad: set[int] = field(default_factory=set)


# ---- reading CSV -------------------------------------------------------------------------------


def _read_csv(path: Path, table: Table, c: _Collector) -> _Batch | None:
    name = path.name
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        with path.open(encoding="utf-8-sig", newline="", errors="strict") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header:
                c.add(name, "", "", "the file is empty; a CSV needs a header row naming its columns")
                return None
            header = [h.strip() for h in header]
            if not _header_ok(name, header, table, c):
                return None
            for row in reader:
                if row:  # a blank line
                    rows.append(row)
                    lines.append(reader.line_num)
    except UnicodeDecodeError as exc:
        c.add(
            name,
            "",
            "",
            f"the file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start} of a "
            "chunk cannot be read); save it as CSV UTF-8",
        )
        return None
    except csv.Error as exc:
        c.add(name, "", "", f"the file is not a readable CSV ({exc})")
        return None
    batch = _Batch(table, name, header, rows, lines)
    width = len(header)
    if any(len(r) != width for r in rows):
        for i, row in enumerate(rows):
            if len(row) > width:
                c.add(name, lines[i], "", "the row has more values than the header has columns")
                batch.bad.add(i)
                rows[i] = row[:width]
            elif len(row) < width:
                rows[i] = row + [""] * (width - len(row))  # as csv.DictReader: missing values are empty
    return batch


def _header_ok(name: str, header: list[str], table: Table, c: _Collector) -> bool:
    ok = True
    unknown = [h for h in header if h not in table.fields]
    for h in unknown[:20]:
        c.add(name, "1", h[:60], f"not a field of the HSDS {table.name} table")
        ok = False
    for h in sorted(h for h, n in Counter(header).items() if n > 1)[:20]:
        c.add(name, "1", h[:60], "the column appears more than once in the header")
        ok = False
    for required in table.required:
        if required not in header:
            c.add(name, "1", required, f"the header has no {required} column, which HSDS requires")
            ok = False
    return ok


def _datapackage_files(path: Path, c: _Collector) -> dict[str, str] | None:
    """resource path -> table name from datapackage.json, or None to go by file names."""
    with path.open("rb") as handle:  # never the whole of a huge file: a real one is a few KB
        raw = handle.read(5 * 1024 * 1024)
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
        resource = resource if isinstance(resource, dict) else {}
        name = resource.get("name", "")
        file = resource.get("path", "")
        table = (BY_NAME.get(name) if isinstance(name, str) else None) or (
            BY_FILE.get(file) if isinstance(file, str) else None
        )
        if table is None or not isinstance(file, str) or "/" in file or "\\" in file:
            c.add(path.name, f"resources[{i}]", "path", f"{str(file)[:60]!r} is not an HSDS table file")
            continue
        files[file] = table.name
    return files


def read_tabular(folder: Path, c: _Collector, progress: Progress | None = None) -> list[_Batch]:
    batches: list[_Batch] = []
    listed: dict[str, str] | None = None
    if (folder / "datapackage.json").exists():
        listed = _datapackage_files(folder / "datapackage.json", c)
    for path in sorted(folder.iterdir()):
        if path.name == "datapackage.json" or path.name.startswith(".") or path.is_dir():
            continue
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            c.add(
                path.name,
                "",
                "",
                f"the file is {size // 2**20} MB; the limit is {MAX_FILE_BYTES // 2**20} MB",
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
        batch = _read_csv(path, BY_NAME[table_name], c)
        if batch is not None:
            batches.append(batch)
            if progress:
                progress(f"read {path.name}", len(batch.rows), len(batch.rows))
    return batches


# ---- reading JSON ------------------------------------------------------------------------------

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


def read_json(path: Path, c: _Collector) -> list[_Batch]:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        c.add(path.name, "", "", f"the file is {size // 2**20} MB; the limit is {MAX_FILE_BYTES // 2**20} MB")
        return []
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        c.add(path.name, "", "", "the file is not UTF-8 text")
        return []
    except ValueError as exc:
        c.add(path.name, "", "", f"is not valid JSON ({exc})")
        return []
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        items, prefix = data["contents"], "contents"
    elif isinstance(data, list):
        items, prefix = data, ""
    else:
        items, prefix = [data], ""
    found: dict[str, list[tuple[str, dict]]] = {t.name: [] for t in TABLES}
    for i, item in enumerate(items):
        where = f"{prefix}[{i}]" if len(items) > 1 or prefix else "$"
        if not isinstance(item, dict):
            c.add(path.name, where, "", "expected an HSDS object")
            continue
        table = _guess_table(item, path.name)
        if table is None:
            c.add(path.name, where, "", "cannot tell which HSDS object this is (a service, organization, …)")
            continue
        _flatten(item, BY_NAME[table], None, path.name, where, found, c)
    # A program nested in a service belongs to the service's organization.
    org_of_program = {
        v.get("program_id"): v.get("organization_id") for _, v in found["service"] if v.get("program_id")
    }
    for _, v in found["program"]:
        if not v.get("organization_id") and org_of_program.get(v.get("id")):
            v["organization_id"] = org_of_program[v["id"]]
    return [_json_batch(BY_NAME[name], path.name, objs, c) for name, objs in found.items() if objs]


def _flatten(obj, table: Table, parent: tuple[Table, Any] | None, file, where, found, c) -> Any:
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
            child_id = _flatten(sub, child_table, None, file, f"{where}.{key}", found, c)
            ref = "taxonomy_id" if key == "taxonomy_detail" else f"{key}_id"
            if child_id is not None and ref in table.fields:
                values.setdefault(ref, child_id)
        elif isinstance(sub, list):
            for j, item in enumerate(sub):
                _flatten(item, child_table, (table, obj.get("id")), file, f"{where}.{key}[{j}]", found, c)
        else:
            c.add(file, f"{where}.{key}", "", "expected a list")
    found[table.name].append((where, values))
    return obj.get("id")


def _json_batch(table: Table, file: str, objs: list[tuple[str, dict]], c: _Collector) -> _Batch:
    """JSON objects as text rows, like a CSV's: numbers written out, anything else refused."""
    present = set().union(*(v.keys() for _, v in objs))
    fields = [f for f in table.fields if f in present]
    batch = _Batch(table, file, fields, [], [w for w, _ in objs], from_json=True)
    for i, (where, values) in enumerate(objs):
        row = []
        for name in fields:
            value = values.get(name)
            if value is None or isinstance(value, str):
                row.append(value)
            elif isinstance(value, bool) or not isinstance(value, int | float):
                kind = "a number" if table.fields[name] == "number" else "text"
                c.add(file, where, name, f"must be {kind}")
                batch.bad.add(i)
                row.append("")
            else:
                row.append(repr(value))
        batch.rows.append(row)
    return batch


# ---- checking values, a column at a time ---------------------------------------------------------

_email = EmailValidator()
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# At most 30 digits and a two-digit exponent: what PostgreSQL's double precision surely stores.
_NUMBER = r"[+-]?(?:\d{1,30}(?:\.\d{0,30})?|\.\d{1,30})(?:[eE][+-]?\d{1,2})?"
_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"


def _lines(one: str) -> re.Pattern:
    """A pattern for a whole column joined with newlines: every line empty or one value."""
    return re.compile(rf"(?:[ \t]*{one}[ \t]*)?(?:\n(?:[ \t]*{one}[ \t]*)?)*")


_COLUMN = {"uuid": _lines(_UUID), "number": _lines(_NUMBER), "date": _lines(_DATE), "time": _lines(_TIME)}
_ONE = {kind: re.compile(rf"[ \t]*{p}[ \t]*") for kind, p in (("uuid", _UUID), ("number", _NUMBER))}
# Required by HSDS but legitimately empty: a metadata row for a new value has no previous one.
EMPTY_OK = {"previous_value", "replacement_value"}
Bad = list[tuple[int, str]]


def _joined_check(kind: str, col: list[str], lower: bool = False) -> list[str] | None:
    """The column's values (stripped) if every one is empty or well formed, else None."""
    text = "\n".join(col)
    if lower:
        text = text.lower()
    if not _COLUMN[kind].fullmatch(text):
        return None
    values = text.split("\n")
    if len(values) != len(col):  # a value with a line break in it
        return None
    if " " in text or "\t" in text:
        values = [v.strip() for v in values]
    return values


_HEX = str.maketrans("", "", "0123456789abcdef")


def _all_uuids(text: str, n: int) -> bool:
    """True if `text` is exactly n lower-case UUIDs, each followed by a newline: checked with a few
    slices and one translate, many times quicker than a regular expression over the same text."""
    return (
        len(text) == 37 * n
        and text[36::37] == "\n" * n
        and all(text[k::37] == "-" * n for k in (8, 13, 18, 23))
        and text.translate(_HEX) == "----\n" * n
    )


def _check_uuid(col: list[str], table: Table, name: str) -> tuple[list[str], Bad]:
    # Ids stay text, lower case: parsing a million uuid.UUID objects was a third of a large import.
    if col:
        joined = "\n".join(col) + "\n"
        low = joined.lower()
        if _all_uuids(low, len(col)):
            return (col if low == joined else low.split("\n")[:-1]), []
    values = _joined_check("uuid", col, lower=True)
    if values is not None:
        return values, []
    out, bad = [], []
    for i, v in enumerate(col):
        low = v.strip().lower()
        if low and not _ONE["uuid"].fullmatch(low):
            bad.append((i, f"{v[:40]!r} is not a UUID"))
            low = ""
        out.append(low)
    return out, bad


def _check_number(col: list[str], table: Table, name: str) -> tuple[list[str], Bad]:
    values = _joined_check("number", col)
    if values is not None:
        return values, []
    out, bad = [], []
    for i, v in enumerate(col):
        text = v.strip()
        if text and not _ONE["number"].fullmatch(text):
            bad.append((i, f"{v[:40]!r} is not a number"))
            text = ""
        out.append(text)
    return out, bad


def _by_distinct_value(col: list[str], check: Callable[[str], str | None]) -> tuple[list[str], Bad]:
    """Check each distinct non-empty value once; check(value) returns the normal form or None."""
    normal = {v: check(v) for v in set(col) if v}
    bad_values = {v for v, n in normal.items() if n is None}
    if not bad_values and all(n == v for v, n in normal.items()):
        return col, []
    out, bad = [], []
    for i, v in enumerate(col):
        if v in bad_values:
            bad.append((i, v))
            out.append("")
        else:
            out.append(normal.get(v) or "")
    return out, bad


def _parse(parse: Callable[[str], Any], text: str) -> Any:
    try:
        return parse(text)
    except ValueError:
        return None


def _check_date(col: list[str], table: Table, name: str) -> tuple[list[str], Bad]:
    def one(v: str) -> str | None:
        day = _parse(dt.date.fromisoformat, v.strip()) if re.fullmatch(rf"[ \t]*{_DATE}[ \t]*", v) else None
        return day.isoformat() if day else None

    out, bad = _by_distinct_value(col, one)
    return out, [(i, f"{v[:40]!r} is not a date like 2026-01-31") for i, v in bad]


def _check_time(col: list[str], table: Table, name: str) -> tuple[list[str], Bad]:
    def one(v: str) -> str | None:
        moment = (
            _parse(dt.time.fromisoformat, v.strip()) if re.fullmatch(rf"[ \t]*{_TIME}[ \t]*", v) else None
        )
        return moment.isoformat() if moment else None

    out, bad = _by_distinct_value(col, one)
    return out, [(i, f"{v[:40]!r} is not a time like 09:30:00") for i, v in bad]


def _check_datetime(col: list[str], table: Table, name: str) -> tuple[list[str], Bad]:
    def one(v: str) -> str | None:
        text = v.strip()
        moment = (
            _parse(dt.datetime.fromisoformat, text) if 10 < len(text) < 40 and text[:4].isdigit() else None
        )
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.isoformat()

    out, bad = _by_distinct_value(col, one)
    return out, [(i, f"{v[:40]!r} is not a date and time like 2026-01-31T09:30:00Z") for i, v in bad]


def _check_enum(col: list[str], table: Table, name: str) -> tuple[list[str], Bad]:
    allowed = table.enums[name]
    wrong = set(col) - set(allowed) - {""}
    if not wrong:
        return col, []
    bad = [(i, f"{v[:40]!r} is not one of: {', '.join(allowed)}") for i, v in enumerate(col) if v in wrong]
    return [("" if v in wrong else v) for v in col], bad


def _check_email(col: list[str], table: Table, name: str) -> tuple[list[str], Bad]:
    def one(v: str) -> str | None:
        try:
            _email(v)
        except ValidationError:
            return None
        return v

    out, bad = _by_distinct_value(col, one)
    return out, [(i, f"{v[:60]!r} is not an email address") for i, v in bad]


def _check_string(col: list[str], table: Table, name: str) -> tuple[list[str], Bad]:
    if "\x00" not in "".join(col):
        return col, []
    # PostgreSQL text cannot hold a NUL character.
    bad = [(i, "contains a NUL character (is this a text file?)") for i, v in enumerate(col) if "\x00" in v]
    return [v.replace("\x00", "") for v in col], bad


CHECKS: dict[str, Callable[[list[str], Table, str], tuple[list[str], Bad]]] = {
    "uuid": _check_uuid,
    "number": _check_number,
    "date": _check_date,
    "time": _check_time,
    "datetime": _check_datetime,
    "enum": _check_enum,
    "email": _check_email,
    "string": _check_string,
}


def _check_batch(batch: _Batch, c: _Collector) -> dict[str, list[str]]:
    """The batch's columns, each value normalised ("" when empty); problems go to the collector."""
    table = batch.table
    out: dict[str, list[str]] = {}
    for j, name in enumerate(batch.fields):
        # One column at a time (itemgetter is several times quicker than zip(*rows) here).
        raw = list(map(itemgetter(j), batch.rows))
        empty_is_missing = name not in EMPTY_OK
        has_none = batch.from_json and None in raw  # a CSV value is never None
        if name in table.required and (has_none or (empty_is_missing and "" in raw)):
            for i, v in enumerate(raw):
                if v is None or (empty_is_missing and v == ""):
                    c.add(batch.file, batch.where[i], name, "is required")
                    batch.bad.add(i)
        if has_none:
            raw = [v if v is not None else "" for v in raw]
        values, bad = CHECKS[table.fields[name]](raw, table, name)
        for i, reason in bad:
            c.add(batch.file, batch.where[i], name, reason)
            batch.bad.add(i)
        out[name] = values
    if batch.from_json:
        for name in table.required:
            if name not in out:
                for i, where in enumerate(batch.where):
                    c.add(batch.file, where, name, "is required")
                    batch.bad.add(i)
    return out


def _combine(table: Table, batches: list[_Batch], checked: list[dict], c: _Collector) -> Records:
    """One table's rows from every file, matched by id: a CSV may not repeat an id; JSON repeats
    nested objects, so rows with the same id merge (the first value given for a field wins)."""
    if len(batches) == 1 and not batches[0].from_json:
        batch, cols = batches[0], checked[0]
        ids = cols.get("id") or [""] * len(batch.rows)
        records = Records(table, ids, {k: v for k, v in cols.items() if k != "id"}, batch.file, batch.where)
        _refuse_repeated_ids(records, c)
        return records
    fields = [f for f in table.fields if f != "id" and any(f in cols for cols in checked)]
    merged: dict[str, list[str]] = {}
    origin: dict[str, tuple[str, Any, bool]] = {}
    for batch, cols in zip(batches, checked, strict=True):
        ids = cols.get("id", [])
        for i, key in enumerate(ids):
            if not key:
                continue
            row = [cols[f][i] if f in cols else "" for f in fields]
            if key not in merged:
                merged[key] = row
                origin[key] = (batch.file, batch.where[i], batch.from_json)
            elif batch.from_json and origin[key][2]:
                merged[key] = [old or new for old, new in zip(merged[key], row, strict=True)]
            else:
                file, where, _ = origin[key]
                on = f"row {where}" if file == batch.file else f"{file} row {where}"
                c.add(batch.file, batch.where[i], "id", f"the id {key} is also on {on}")
    keys = list(merged)
    rows = list(zip(*merged.values(), strict=True)) if keys else [() for _ in fields]
    files = [origin[k][0] for k in keys]
    return Records(
        table,
        keys,
        {f: list(col) for f, col in zip(fields, rows, strict=True)},
        files,
        [origin[k][1] for k in keys],
    )


def _refuse_repeated_ids(records: Records, c: _Collector) -> None:
    ids = records.ids
    if len(set(ids)) == len(ids):
        return
    first: dict[str, Any] = {}
    for i, key in enumerate(ids):
        if not key:
            continue
        if key in first:
            c.add(records.file_of(i), records.where[i], "id", f"the id {key} is also on row {first[key]}")
        else:
            first[key] = records.where[i]


# ---- references --------------------------------------------------------------------------------


def _check_references(data: dict[str, Records], actor: Actor, c: _Collector) -> dict[str, dict[str, Any]]:
    """Ids already in the database per table (id -> owning hub), after checking that the actor's hub
    owns them and that every reference points at a row in the package or the database."""
    existing = {t.name: writer.existing_ids(t.model, data[t.name].ids) for t in TABLES}
    for table in TABLES:
        if not table.hub_owned or not existing[table.name]:
            continue
        records = data[table.name]
        others = {k for k, hub in existing[table.name].items() if hub != actor.hub.pk}
        for i, key in enumerate(records.ids):
            if key in others:
                c.add(records.file_of(i), records.where[i], "id", f"this {table.name} belongs to another hub")
    in_package = {name: set(records.ids) for name, records in data.items()}
    for table in TABLES:
        records = data[table.name]
        for ref, (target, hard) in table.refs.items():
            col = records.cols.get(ref)
            if not col:
                continue
            unknown = set(col) - in_package[target] - {""}
            if unknown:
                unknown -= writer.existing_ids(BY_NAME[target].model, unknown).keys()
            if not unknown:
                continue
            col = records.cols[ref] = list(col)
            for i, value in enumerate(col):
                if value not in unknown:
                    continue
                message = f"points at {target} {value}, which is not in the package or the directory"
                if hard:
                    c.add(records.file_of(i), records.where[i], ref, message)
                else:
                    c.warnings.append(
                        Problem(records.file_of(i), str(records.where[i]), ref, message + "; left empty")
                    )
                    col[i] = ""
    return existing


# ---- the import --------------------------------------------------------------------------------


def check_package(path, *, actor: Actor, progress: Progress | None = None):
    """Read and check a package: (records per table, ids already in the database, warnings), or
    ImportRejected listing every problem."""
    path = Path(path)
    c = _Collector()
    if path.is_dir():
        batches = read_tabular(path, c, progress)
    elif path.name == "datapackage.json":
        batches = read_tabular(path.parent, c, progress)
    elif path.suffix.lower() == ".json" and path.is_file():
        batches = read_json(path, c)
    elif not path.exists():
        raise ImportRejected([Problem(str(path), "", "", "no such file or folder")])
    else:
        raise ImportRejected(
            [Problem(path.name, "", "", "import a folder of CSV files, a datapackage.json or a .json file")]
        )
    data: dict[str, Records] = {}
    for n, table in enumerate(TABLES, start=1):
        mine = [b for b in batches if b.table is table]
        checked = [_check_batch(b, c) for b in mine]
        data[table.name] = _combine(table, mine, checked, c) if mine else Records.empty(table)
        if progress:
            progress("checking values", n, len(TABLES))
    existing = _check_references(data, actor, c) if not c.full else {}
    if progress:
        progress("checking references", 1, 1)
    if c.problems:
        raise ImportRejected(c.problems, c.more)
    return data, existing, c.warnings


@contextmanager
def _without_cycle_collection():
    """Pause Python's cycle collector: reading a large package makes millions of lists and strings,
    none in cycles, and the collector walking them again and again took half the reading time.
    Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_hsds(*, actor: Actor, path, progress: Progress | None = None, dry_run: bool = False) -> Summary:
    """Check a package (folder of CSVs, datapackage.json or a JSON file) and, if it has no
    problems, write it for the actor's hub in one transaction. Raises ImportRejected listing them."""
    if not permissions.can_manage_directory(actor):
        raise DomainError("Only coordinators and link workers import directory data.")
    with _without_cycle_collection():
        data, existing, warnings = check_package(path, actor=actor, progress=progress)
    summary = Summary(warnings=warnings)
    if dry_run:
        return summary
    try:
        with _without_cycle_collection(), transaction.atomic():
            counts = writer.write(data, existing, hub=actor.hub, progress=progress)
            for name, (created, updated) in counts.items():
                summary.created[name], summary.updated[name] = created, updated
            audit.record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                summary=f"Imported directory data from {Path(path).name}: {summary.total} records",
            )
    except IntegrityError as exc:
        # Only a change made by someone else between the checks and the writing gets here.
        raise DomainError(
            "The directory changed while the package was being imported, so nothing was written. "
            f"Import it again. ({str(exc).splitlines()[0][:200]})"
        ) from exc
    return summary
