"""Writing checked HSDS rows (from directory.importer) inside the import's transaction.

PostgreSQL: new rows go in with COPY, as CSV text in blocks; rows already there are updated from a
temporary table with one UPDATE per table. Loading many rows into an empty table (a first import),
the table's secondary indexes (the GIN full-text index among them) and its foreign keys to other
directory tables are dropped first and rebuilt after the load, as pg_restore does: building an index
once is several times quicker than growing it a row at a time, and re-adding a foreign key checks
every row with one join instead of one query per row at commit. All of it is inside the import's
transaction, so a failure puts the indexes and keys back as they were. The tables are locked for the
import (other sessions wait to read them); foreign keys to tables outside the directory (the hub) are
kept, as dropping them would lock those tables too.

SQLite (development and tests): bulk_create and bulk_update.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection
from django.utils import timezone

from directory.hsds import TABLES, Table
from directory.models import Attribute, Organization, Service, TaxonomyTerm
from directory.services import refresh_search_text

# A table that is empty before the import and gets at least this many rows is bulk loaded (indexes
# and foreign keys rebuilt afterwards). Below it the locks are not worth it. Tests lower it.
BULK_LOAD_MIN_ROWS = 20_000
COPY_BLOCK = 20_000  # rows per block of CSV text sent to COPY (and per progress step)
DB_CHUNK = 900  # ids per query on SQLite, below its limit on query parameters
INDEX_MEMORY = "256MB"  # maintenance_work_mem while rebuilding indexes after a bulk load
Progress = Callable[[str, int, int], None]


@dataclass
class Records:
    """One table's checked rows: ids, and columns of normalised text ("" when empty) keyed by HSDS
    field; a field no file had is absent. `files` is the one file they came from, or one per row."""

    table: Table
    ids: list[str]
    cols: dict[str, list[str]]
    files: str | list[str] = ""
    where: Sequence = field(default_factory=list)

    @classmethod
    def empty(cls, table: Table) -> Records:
        return cls(table, [], {})

    def file_of(self, i: int) -> str:
        return self.files if isinstance(self.files, str) else self.files[i]

    def col(self, name: str) -> list[str] | None:
        return self.cols.get(name)


# ---- reading what is there ---------------------------------------------------------------------


def existing_ids(model, ids: Iterable[str]) -> dict[str, Any]:
    """id -> owning hub id (None for tables without a hub) for the ids already in the database."""
    wanted = [i for i in ids if i]
    if not wanted or not model.objects.exists():
        return {}
    has_hub = any(f.name == "hub" for f in model._meta.fields)
    out: dict[str, Any] = {}
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        columns = "id::text, hub_id" if has_hub else "id::text, NULL"
        with connection.cursor() as cursor:
            for start in range(0, len(wanted), 100_000):
                # The ids as one array literal: psycopg would otherwise adapt each id in Python.
                ids_text = "{" + ",".join(wanted[start : start + 100_000]) + "}"
                cursor.execute(f"SELECT {columns} FROM {table} WHERE id = ANY(%s::uuid[])", [ids_text])  # noqa: S608 - names from the model
                out.update(cursor.fetchall())
        return out
    for start in range(0, len(wanted), DB_CHUNK):
        chunk = wanted[start : start + DB_CHUNK]
        values = ("pk", "hub_id") if has_hub else ("pk", "pk")
        for pk, hub in model.objects.filter(pk__in=chunk).values_list(*values):
            out[str(pk)] = hub if has_hub else None
    return out


def select_text(model, column: str, values: list[str], fields: tuple[str, ...]) -> Iterator[tuple]:
    """The `fields` (as text, "" for NULL) of the rows whose uuid `column` is one of `values`."""
    if not values:
        return
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        wanted = ", ".join(f"{qn(f)}::text" for f in fields)
        sql = f"SELECT {wanted} FROM {qn(model._meta.db_table)} WHERE {qn(column)} = ANY(%s::uuid[])"  # noqa: S608
        with connection.cursor() as cursor:
            for start in range(0, len(values), 100_000):
                cursor.execute(sql, ["{" + ",".join(values[start : start + 100_000]) + "}"])
                for row in cursor.fetchall():
                    yield tuple(v or "" for v in row)
        return
    for start in range(0, len(values), DB_CHUNK):
        rows = model.objects.filter(**{f"{column}__in": values[start : start + DB_CHUNK]}).values_list(
            *fields
        )
        for row in rows:
            yield tuple("" if v is None else str(v) for v in row)


def search_texts(data: dict[str, Records], existing: dict[str, dict]) -> list[str]:
    """search_text for the package's services (aligned with their ids): names, description,
    organisation and category names with their parents, from the package and, for what it lacks,
    the directory. Computed before writing, so a new service is written once."""
    services = data["service"]
    if not services.ids:
        return []
    ids = set(services.ids)
    terms_of: dict[str, list[str]] = {}
    attributes = data["attribute"]
    links, terms = attributes.col("link_id"), attributes.col("taxonomy_term_id")
    if links and terms:
        for link, term in zip(links, terms, strict=True):
            if link in ids and term:
                terms_of.setdefault(link, []).append(term)
    known = [k for k in services.ids if k in existing.get("service", {})]
    if known:
        # Categories the directory already gives these services, unless the package replaces them.
        replaced = set(attributes.ids)
        for pk, link, term in select_text(Attribute, "link_id", known, ("id", "link_id", "taxonomy_term_id")):
            if pk not in replaced:
                terms_of.setdefault(link, []).append(term)
    term_rows = data["taxonomy_term"]
    names = dict(zip(term_rows.ids, term_rows.col("name") or [""] * len(term_rows.ids), strict=True))
    parents = dict(zip(term_rows.ids, term_rows.col("parent_id") or [""] * len(term_rows.ids), strict=True))
    used = {t for ts in terms_of.values() for t in ts}
    _fill_from_db(TaxonomyTerm, used - names.keys(), names, parents)
    _fill_from_db(TaxonomyTerm, {parents[t] for t in used if parents.get(t)} - names.keys(), names, parents)
    orgs = data["organization"]
    org_names = dict(zip(orgs.ids, orgs.col("name") or [""] * len(orgs.ids), strict=True))
    service_orgs = services.col("organization_id") or [""] * len(services.ids)
    _fill_from_db(Organization, set(service_orgs) - org_names.keys() - {""}, org_names, None)
    # Each category's words once ("Walking Physical activity"), then one join per service.
    term_text = {
        t: " ".join(filter(None, (names.get(t, ""), names.get(parents.get(t, ""), "")))) for t in used
    }
    empty = [""] * len(services.ids)
    return [
        " ".join(
            filter(
                None,
                (
                    name,
                    alternate,
                    description,
                    org_names.get(org, ""),
                    *(term_text[t] for t in terms_of.get(key, ())),
                ),
            )
        )
        for key, name, alternate, description, org in zip(
            services.ids,
            services.col("name") or empty,
            services.col("alternate_name") or empty,
            services.col("description") or empty,
            service_orgs,
            strict=True,
        )
    ]


def _fill_from_db(model, ids: set[str], names: dict, parents: dict | None) -> None:
    fields = ("id", "name", "parent_id") if parents is not None else ("id", "name")
    for row in select_text(model, "id", sorted(ids - {""}), fields):
        names[row[0]] = row[1]
        if parents is not None:
            parents[row[0]] = row[2]


# ---- writing -----------------------------------------------------------------------------------


def write(
    data: dict[str, Records], existing: dict[str, dict], *, hub, progress: Progress | None = None
) -> dict[str, tuple[int, int]]:
    """Write every table (in dependency order); returns table -> (rows added, rows updated).
    Call inside a transaction."""
    texts = search_texts(data, existing)
    postgres = connection.vendor == "postgresql"
    plans = []
    for table in TABLES:
        records = data[table.name]
        if not records.ids:
            continue
        known = existing.get(table.name) or {}
        new = [i for i, k in enumerate(records.ids) if k not in known] if known else None
        n_new = len(records.ids) if new is None else len(new)
        plans.append((table, records, new, n_new))
    bulk = []
    if postgres:
        bulk = [
            t.model
            for t, _, _, n in plans
            if n >= BULK_LOAD_MIN_ROWS and not t.model._default_manager.exists()
        ]
    counts: dict[str, tuple[int, int]] = {}
    deferred = _drop_indexes_and_keys(bulk) if bulk else None
    now = timezone.now()
    for table, records, new, n_new in plans:
        columns = _columns(table, records, texts if table.name == "service" else None, hub=hub, now=now)
        fresh = set(new) if new is not None else set()
        updated = [i for i in range(len(records.ids)) if i not in fresh] if new is not None else []
        if postgres:
            _copy_new(table, columns, new, progress)
            _update_from_copy(table, columns, updated)
        else:
            _bulk_create(table, columns, new, progress)
            _bulk_update(table, columns, updated)
        counts[table.name] = (n_new, len(updated))
    if deferred is not None:
        if progress:
            progress("rebuilding indexes", 0, 1)
        _restore_indexes_and_keys(deferred)
        if progress:
            progress("rebuilding indexes", 1, 1)
    # Services outside the package that gained or lost a category here need their text rebuilt.
    links = set(data["attribute"].col("link_id") or []) - set(data["service"].ids) - {""}
    others = list(existing_ids(Service, links))
    for start in range(0, len(others), 2000):
        refresh_search_text(others[start : start + 2000])
    return counts


@dataclass
class _Columns:
    """What goes into the model's table: column attnames and their values (text, "" when empty), the
    HSDS ones first (those an update sets), then local columns with their defaults for new rows."""

    names: list[str]
    values: list[Sequence[str]]
    n_updatable: int
    nullable: set[str]
    # Columns the import filled in itself (a service's last_modified the package left out): they
    # change a row only together with something the package did say.
    stamped: set[str] = field(default_factory=set)


NULLABLE_KINDS = ("number", "uuid", "date", "time", "datetime")


def _columns(table: Table, records: Records, texts: list[str] | None, *, hub, now) -> _Columns:
    n = len(records.ids)
    stamped: set[str] = set()
    names: list[str] = ["id"]
    values: list[Sequence[str]] = [records.ids]
    for name in table.fields:
        if name == "id":
            continue
        col = records.col(name)
        if table.name == "service" and name == "last_modified" and (not col or "" in col):
            stamp = now.isoformat()
            col = [v or stamp for v in col] if col else [stamp] * n
            stamped.add(name)
        names.append(table.attname(name))
        values.append(col if col is not None else [""] * n)
    if texts is not None:
        names.append("search_text")
        values.append(texts)
    n_updatable = len(names)
    model_fields = {f.attname: f for f in table.model._meta.concrete_fields}
    for attname, f in model_fields.items():
        if attname in names:
            continue
        default = hub.pk if attname == "hub_id" else f.get_default()
        names.append(attname)
        values.append([_text(default)] * n)
    nullable = {a for a in names if model_fields[a].null}
    return _Columns(names, values, n_updatable, nullable, stamped)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _rows(columns: _Columns, picked: list[int] | None, *, upto: int | None = None) -> list[Sequence[str]]:
    values = columns.values[:upto] if upto else columns.values
    if picked is None:
        return values
    return [[col[i] for i in picked] for col in values]


def _copy_text(col: Sequence[str], nullable: bool) -> Sequence[str]:
    """A column's values as COPY's text format wants them: \\N for NULL, and backslashes, tabs and
    line breaks escaped. Done on the whole column joined (the checks refused NUL characters, so NUL
    can join and split it): a few string operations instead of one call per value."""
    if nullable:
        return [v or "\\N" for v in col]
    joined = "\x00".join(col)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        joined = joined.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return joined.split("\x00")
    return col


def _copy(model_table: str, names: list[str], nullable: set[str], cols: list[Sequence[str]], report=None):
    """COPY the columns into a table, in COPY's text format, a block of rows at a time."""
    qn = connection.ops.quote_name
    quoted = ", ".join(qn(n) for n in names)
    total = len(cols[0]) if cols else 0
    texts = [_copy_text(col, name in nullable) for name, col in zip(names, cols, strict=True)]
    with connection.cursor() as cursor, cursor.copy(f"COPY {qn(model_table)} ({quoted}) FROM STDIN") as copy:
        for start in range(0, total, COPY_BLOCK):
            block = [c[start : start + COPY_BLOCK] for c in texts]
            # map("\t".join, zip(...)) builds every line in C; a csv.writer took six times as long.
            copy.write("\n".join(map("\t".join, zip(*block, strict=True))) + "\n")
            if report:
                report(min(start + COPY_BLOCK, total), total)


def _copy_new(table: Table, columns: _Columns, new: list[int] | None, progress: Progress | None) -> None:
    cols = _rows(columns, new)
    if not cols[0]:
        return
    report = (lambda done, total: progress(table.file, done, total)) if progress else None
    _copy(table.model._meta.db_table, columns.names, columns.nullable, cols, report)


def _update_from_copy(table: Table, columns: _Columns, updated: list[int]) -> None:
    """Rows already in the directory: COPY their HSDS columns into a temporary table, then one UPDATE."""
    if not updated:
        return
    qn = connection.ops.quote_name
    names = columns.names[: columns.n_updatable]
    target, temp = qn(table.model._meta.db_table), qn("directory_import_update")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "  # noqa: S608 - names from the model
            f"SELECT {', '.join(qn(n) for n in names)} FROM {target} WITH NO DATA"
        )
        _copy(
            "directory_import_update",
            names,
            columns.nullable,
            _rows(columns, updated, upto=columns.n_updatable),
        )
        sets = ", ".join(f"{qn(n)} = s.{qn(n)}" for n in names[1:])
        compared = [n for n in names[1:] if n not in columns.stamped]
        before = ", ".join(f"t.{qn(n)}" for n in compared)
        after = ", ".join(f"s.{qn(n)}" for n in compared)
        # Rows that would not change are left alone: re-importing the same package writes nothing.
        cursor.execute(
            f"UPDATE {target} AS t SET {sets} FROM {temp} AS s "  # noqa: S608 - names from the model
            f"WHERE t.id = s.id AND ({before}) IS DISTINCT FROM ({after})"
        )
        cursor.execute(f"DROP TABLE {temp}")


# SQLite: model instances from the text values.
PARSE: dict[str, Callable[[str], Any]] = {
    "number": float,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "datetime": dt.datetime.fromisoformat,
}


def _parser(field, kind: str | None) -> Callable[[str], Any]:
    """text -> the model value: HSDS text as it is; numbers, dates and times parsed; ids, references
    and local columns converted by their field. An empty value is NULL (or the field's default)."""
    if kind in ("string", "email", "enum") and not field.null:
        return str
    parse = PARSE.get(kind or "", field.to_python)
    empty = None if field.null else field.get_default()
    return lambda text: parse(text) if text else empty


def _instances(table: Table, columns: _Columns, picked: list[int], upto: int | None = None) -> list:
    kinds: dict[str, str] = {table.attname(n): k for n, k in table.fields.items()}
    kinds["search_text"] = "string"
    fields = {f.attname: f for f in table.model._meta.concrete_fields}
    names = columns.names[:upto] if upto else columns.names
    parsers = [_parser(fields[name], kinds.get(name)) for name in names]
    values = columns.values[: len(names)]
    return [
        table.model(**{n: parse(col[i]) for n, parse, col in zip(names, parsers, values, strict=True)})
        for i in picked
    ]


def _bulk_create(table: Table, columns: _Columns, new: list[int] | None, progress: Progress | None) -> None:
    picked = list(range(len(columns.values[0]))) if new is None else new
    for start in range(0, len(picked), 2000):
        table.model._default_manager.bulk_create(_instances(table, columns, picked[start : start + 2000]))
        if progress:
            progress(table.file, min(start + 2000, len(picked)), len(picked))


def _bulk_update(table: Table, columns: _Columns, updated: list[int]) -> None:
    """Rows already in the directory, where anything the package says differs (as on PostgreSQL)."""
    if not updated:
        return
    names = columns.names[1 : columns.n_updatable]
    compared = [n for n in names if n not in columns.stamped]
    manager = table.model._default_manager
    for start in range(0, len(updated), 500):
        objs = _instances(table, columns, updated[start : start + 500], upto=columns.n_updatable)
        current = manager.in_bulk([o.pk for o in objs])
        changed = [o for o in objs if any(getattr(o, n) != getattr(current[o.pk], n) for n in compared)]
        manager.bulk_update(changed, names)


# ---- bulk loading an empty table ---------------------------------------------------------------


@dataclass
class _Deferred:
    primary_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (table, name, definition)
    indexes: list[str] = field(default_factory=list)  # CREATE INDEX statements
    keys: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, name) -> definition


def _directory_tables() -> list[str]:
    return [m._meta.db_table for m in apps.get_app_config("directory").get_models(include_auto_created=True)]


def _drop_key(cursor, deferred: _Deferred, table: str, name: str, definition: str) -> None:
    qn = connection.ops.quote_name
    if (table, name) not in deferred.keys:
        deferred.keys[(table, name)] = definition
        cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")


def _drop_indexes_and_keys(models: list) -> _Deferred:
    """Drop what makes loading slow and can be rebuilt in one go afterwards; return what
    _restore_indexes_and_keys needs to put it back exactly (same names and definitions):
    - each table's secondary indexes;
    - its foreign keys to directory tables (keys to the hub stay: see the module docstring);
    - its primary key, when only directory tables point at it (their keys are dropped with it), so the
      rows go in without growing a unique index one random id at a time. Services and locations keep
      theirs: other apps' tables point at them."""
    deferred = _Deferred()
    qn = connection.ops.quote_name
    ours = _directory_tables()
    with connection.cursor() as cursor:
        # Any checks still pending in this transaction run now: PostgreSQL will not alter a table
        # with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_MEMORY}'")
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                "ORDER BY 1",
                [table],
            )
            for name, definition in cursor.fetchall():
                deferred.indexes.append(definition)
                cursor.execute(f"DROP INDEX {name}")
            cursor.execute(
                "SELECT k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                "JOIN pg_class r ON r.oid = k.confrelid "
                "WHERE k.conrelid = %s::regclass AND k.contype = 'f' AND r.relname = ANY(%s) ORDER BY 1",
                [table, ours],
            )
            for name, definition in cursor.fetchall():
                _drop_key(cursor, deferred, table, name, definition)
            cursor.execute(
                "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                "JOIN pg_class c ON c.oid = k.conrelid "
                "WHERE k.confrelid = %s::regclass AND k.contype = 'f' ORDER BY 1, 2",
                [table],
            )
            pointing = cursor.fetchall()
            if all(other in ours for other, _, _ in pointing):
                for other, name, definition in pointing:
                    _drop_key(cursor, deferred, other, name, definition)
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'p'",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    deferred.primary_keys.append((table, name, definition))
                    cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
    return deferred


def _restore_indexes_and_keys(deferred: _Deferred) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # Primary keys first (a foreign key needs the unique index it points at). Building one also
        # checks the ids are unique, as the import's checks already made sure.
        for table, name, definition in deferred.primary_keys:
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
        for statement in deferred.indexes:
            cursor.execute(statement)
        # Re-adding a key checks every row against the table it points at in one query; if a row
        # points nowhere (someone deleted its target meanwhile) this raises and the import rolls back.
        for (table, name), definition in deferred.keys.items():
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
