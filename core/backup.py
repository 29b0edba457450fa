"""Backing up and restoring the whole database, for `manage.py backup` and `manage.py restore`.

SQLite: sqlite3's online backup API copies the database page by page under one read lock, so the copy
is consistent even while the app is writing. A restore copies the pages back the same way.

PostgreSQL: pg_dump's custom format, restored with pg_restore in one transaction. The rows are counted
in the very snapshot pg_dump reads (pg_export_snapshot), so the summary matches the file exactly. The
connection comes from settings; a password goes to the client programs in PGPASSWORD, never on the
command line, where other users of the machine could read it.

A restore refuses a file that is not a backup, a backup whose migrations differ from this code's, and
a database that already holds hubs or logins unless forced. See docs/guides/backup-and-restore.md.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.migrations.loader import MigrationLoader

from core.errors import DomainError

Progress = Callable[[str], None]
SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"


class BackupError(DomainError):
    """The backup or restore was refused or failed; the database was not changed."""


@dataclass(frozen=True)
class Summary:
    engine: str
    path: Path
    tables: int
    rows: int

    @property
    def size(self) -> str:
        megabytes = self.path.stat().st_size / (1024 * 1024)
        return f"{megabytes:.1f} MB"


def _quiet(message: str) -> None:
    pass


def engine() -> str:
    """'SQLite' or 'PostgreSQL', or BackupError for any other database."""
    if connection.vendor == "sqlite":
        return "SQLite"
    if connection.vendor == "postgresql":
        return "PostgreSQL"
    raise BackupError(
        f"Backups of {connection.vendor} databases are not supported: use SQLite or PostgreSQL."
    )


def count_rows(cursor: Any) -> tuple[int, int]:
    """(tables, rows) in every table of the database the DB-API cursor is connected to."""
    tables = connection.introspection.table_names(cursor)
    rows = 0
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a table name
        rows += cursor.fetchone()[0]
    return len(tables), rows


def backup(path: str | Path, *, progress: Progress = _quiet) -> Summary:
    """Write a consistent copy of the whole database to path (replacing any file there)."""
    target = Path(path)
    kind = engine()
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist. Create it first.")
    if target.is_dir():
        raise BackupError(f"{target} is a folder. Give the name of the backup file to write.")
    # Write beside the target and rename at the end, so a failed backup never leaves a file that
    # looks complete, and an earlier backup of the same name survives until the new one is whole.
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if kind == "SQLite":
            tables, rows = _backup_sqlite(partial, progress)
        else:
            tables, rows = _backup_postgresql(partial, progress)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Summary(engine=kind, path=target, tables=tables, rows=rows)


def restore(path: str | Path, *, force: bool = False, progress: Progress = _quiet) -> Summary:
    """Replace the whole database with the backup at path, after checking the file and the target."""
    source = Path(path)
    kind = engine()
    if not source.is_file():
        raise BackupError(f"There is no backup file at {source}.")
    if kind == "SQLite":
        applied = _sqlite_backup_migrations(source)
    else:
        applied = _postgresql_backup_migrations(source)
    check_migrations(applied)
    progress(f"The backup's {len(applied)} migrations match this version of Coproduce.")
    in_use = database_in_use()
    if in_use and not force:
        raise BackupError(
            f"The database already holds {in_use}. Restoring replaces everything in it; if that is what "
            "you want, back it up first and run restore again with --force."
        )
    if in_use:
        progress(f"Replacing a database that holds {in_use} (--force).")
    if kind == "SQLite":
        _restore_sqlite(source, progress)
    else:
        _restore_postgresql(source, progress)
    with connection.cursor() as cursor:
        tables, rows = count_rows(cursor)
    return Summary(engine=kind, path=source, tables=tables, rows=rows)


def check_foreign_keys() -> None:
    """Raise BackupError if a row refers to one that is not there (the restore left a hole)."""
    from django.db import IntegrityError

    try:
        connection.check_constraints()
    except IntegrityError as error:
        raise BackupError(f"The restored database has a broken reference: {error}") from error


def database_in_use() -> str:
    """What the current database already holds ("2 hubs and 14 logins"), or "" if nothing that matters."""
    tables = set(connection.introspection.table_names())
    found = []
    with connection.cursor() as cursor:
        for table, noun in (("core_hub", "hub"), ("auth_user", "login")):
            if table in tables:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                count = cursor.fetchone()[0]
                if count:
                    found.append(f"{count} {noun}{'' if count == 1 else 's'}")
    return " and ".join(found)


def check_migrations(applied: Iterable[tuple[str, str]]) -> None:
    """Refuse a backup made by a different version of the code: its schema would not fit the models."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    done = set(applied)
    # A squashed migration counts as applied when everything it replaces was.
    for key in graph.nodes:
        replaces = graph.nodes[key].replaces
        if replaces and all(tuple(r) in done for r in replaces):
            done.add(key)
    replaced = {tuple(r) for key in graph.nodes for r in graph.nodes[key].replaces}
    unknown = sorted(done - set(graph.nodes) - replaced)
    missing = sorted(set(graph.nodes) - done)
    if unknown:
        raise BackupError(
            f"This backup was made by a newer version of Coproduce: it has {len(unknown)} migration(s) this "
            f"version does not know ({_names(unknown)}). Restore it with the version that made it."
        )
    if missing:
        raise BackupError(
            f"This backup was made by an older version of Coproduce: it lacks {len(missing)} migration(s) "
            f"of this version ({_names(missing)}). Restore it with the version that made it, then upgrade "
            "as usual (manage.py migrate)."
        )


def _names(keys: list[tuple[str, str]]) -> str:
    shown = ", ".join(f"{app}.{name}" for app, name in keys[:5])
    return shown + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")


# SQLite ----------------------------------------------------------------------------------------


def _backup_sqlite(partial: Path, progress: Progress) -> tuple[int, int]:
    connection.ensure_connection()
    source = connection.connection
    progress(f"Copying the SQLite database {connection.settings_dict['NAME']} with sqlite3's backup API…")
    with closing(sqlite3.connect(partial)) as copy:
        # pages=-1 copies everything in one step under one read lock: a consistent snapshot that
        # cannot be restarted forever by a busy writer.
        source.backup(copy, pages=-1)
        with closing(copy.cursor()) as cursor:
            return count_rows(cursor)


def _sqlite_backup_migrations(source: Path) -> set[tuple[str, str]]:
    with source.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{source} is not an SQLite database, so it cannot be a backup of this one.")
    with closing(sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)) as backup_db:
        try:
            verdict = backup_db.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"{source} is damaged (SQLite says: {verdict}). Use another backup.")
            rows = backup_db.execute("SELECT app, name FROM django_migrations").fetchall()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not a Coproduce backup ({error}).") from error
    return {(app, name) for app, name in rows}


def _restore_sqlite(source: Path, progress: Progress) -> None:
    progress(f"Copying {source} into {connection.settings_dict['NAME']} with sqlite3's backup API…")
    connection.ensure_connection()
    with closing(sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)) as backup_db:
        # One step under one write lock: other connections see the old database or the new one.
        backup_db.backup(connection.connection, pages=-1)


# PostgreSQL ------------------------------------------------------------------------------------


def _client(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise BackupError(
            f"{program} is not installed. Install PostgreSQL's client programs (on Debian and Ubuntu: "
            "apt-get install postgresql-client), the same major version as the server or newer."
        )
    return found


def _postgres_env() -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the connection from settings, the password hidden."""
    settings_dict = connection.settings_dict
    options = settings_dict.get("OPTIONS") or {}
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    for option, variable in (
        ("service", "PGSERVICE"),
        ("passfile", "PGPASSFILE"),
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if options.get(option):
            env[variable] = str(options[option])
    return env


def _run(args: list[str], what: str) -> str:
    # No shell, arguments as a list: a file name cannot be read as a command.
    result = subprocess.run(args, env=_postgres_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or 'no message'}")
    return result.stdout


def _backup_postgresql(partial: Path, progress: Progress) -> tuple[int, int]:
    pg_dump = _client("pg_dump")
    name = connection.settings_dict["NAME"]
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables, rows = count_rows(cursor)
            progress(f"Dumping the PostgreSQL database {name} ({tables} tables, {rows:,} rows) with pg_dump…")
            # pg_dump reads the snapshot this transaction exported, which stays open until it is done.
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--file={partial}",
                    name,
                ],
                "pg_dump",
            )
        raw.rollback()
    finally:
        raw.close()
    return tables, rows


def _postgresql_backup_migrations(source: Path) -> set[tuple[str, str]]:
    with source.open("rb") as handle:
        if handle.read(len(PG_DUMP_HEADER)) != PG_DUMP_HEADER:
            raise BackupError(
                f"{source} is not a PostgreSQL backup in pg_dump's custom format, so it cannot be "
                "restored into this database."
            )
    script = _run(
        [_client("pg_restore"), "--data-only", "--table=django_migrations", "--file=-", str(source)],
        "Reading the backup's migrations with pg_restore",
    )
    applied: set[tuple[str, str]] = set()
    copying = False
    for line in script.splitlines():
        if line.startswith("COPY ") and "django_migrations" in line:
            copying = True
        elif copying and line == "\\.":
            break
        elif copying:
            _, app, name, _ = line.split("\t")
            applied.add((app, name))
    if not copying:
        raise BackupError(f"{source} is not a Coproduce backup: it has no migrations table.")
    return applied


def _restore_postgresql(source: Path, progress: Progress) -> None:
    pg_restore = _client("pg_restore")
    name = connection.settings_dict["NAME"]
    progress(f"Restoring {source} into the PostgreSQL database {name} with pg_restore…")
    # Our own session must not hold anything pg_restore has to drop.
    connection.close()
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            # All or nothing: a failure part-way leaves the database as it was.
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={name}",
            str(source),
        ],
        "pg_restore",
    )
