"""A populated demo hub goes through `manage.py backup` and `manage.py restore` into a fresh, separate
database and comes back identical, table by table and row by row, with a correct ledger.

transaction=True: the hub must be committed, because pg_dump reads it over its own connection, and
SQLite's test database lives in memory, reachable only through the test's own connection (which the
backup API copies from). Each engine's round trip runs on the database the test run uses; the other
is skipped (CI runs the suite on both).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.recorder import MigrationRecorder

from core.models import Hub
from core.testing import build_cast
from people import services as people_services
from timebank.queries import ledger_problems

from .conftest import build_small_demo_hub, fingerprints, row_counts

pytestmark = pytest.mark.django_db(transaction=True)

only_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite round trip runs when the tests run on SQLite"
)
only_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the PostgreSQL round trip runs when the tests run on PostgreSQL (DATABASE_URL=postgres://…)",
)


@contextmanager
def default_database_named(name: str) -> Iterator[None]:
    """Point the ORM (and so the commands) at another database of the same server for a while."""
    original = connections[DEFAULT_DB_ALIAS]
    settings_dict = copy.deepcopy(original.settings_dict)
    settings_dict["NAME"] = name
    replacement = type(original)(settings_dict, alias=DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = replacement
    try:
        yield
    finally:
        replacement.close()
        connections[DEFAULT_DB_ALIAS] = original


@contextmanager
def fresh_database(tmp_path: Path) -> Iterator[None]:
    """An empty database, separate from the test database, as the default for a while."""
    if connection.vendor == "sqlite":
        with default_database_named(str(tmp_path / "restored.sqlite3")):
            yield
        return
    name = f"{connection.settings_dict['NAME']}_restored"[:63]
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quoted}")
    try:
        with default_database_named(name):
            yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def backup_to(path: Path) -> str:
    out = StringIO()
    call_command("backup", str(path), stdout=out)
    return out.getvalue()


def restore_from(path: Path, *options: str) -> str:
    out = StringIO()
    call_command("restore", str(path), *options, stdout=out)
    return out.getvalue()


def round_trip(tmp_path: Path, suffix: str) -> None:
    build_small_demo_hub()
    before = fingerprints(connection)
    file = tmp_path / f"riverside{suffix}"

    said = backup_to(file)

    rows = sum(count for count, _ in before.values())
    assert f"Backed up {len(before)} tables, {rows:,} rows" in said
    with fresh_database(tmp_path):
        assert connections[DEFAULT_DB_ALIAS].introspection.table_names() == []
        said = restore_from(file)
        after = fingerprints(connections[DEFAULT_DB_ALIAS])
        problems, stats = ledger_problems()
    assert f"Restored {len(before)} tables, {rows:,} rows" in said
    assert "The ledger is correct" in said
    # Every table Django sees (auth, sessions, axes, otp and the migrations record too) is there,
    # with the same number of rows and the same values in primary-key order.
    assert sorted(after) == sorted(before)
    assert {table: count for table, (count, _) in after.items()} == {
        table: count for table, (count, _) in before.items()
    }
    different = [table for table in before if after[table] != before[table]]
    assert different == []
    # The demo hub really was populated: the comparison is not of empty tables.
    assert rows > 2000
    assert sum(1 for count, _ in before.values() if count) > 60
    for table in (
        "auth_user",
        "otp_totp_totpdevice",
        "timebank_entry",
        "support_referral",
        "core_auditevent",
    ):
        assert before[table][0] > 0, table
    assert problems == []
    assert stats["transfers"] > 0


@only_sqlite
def test_it_round_trips_a_populated_demo_hub_through_backup_and_restore_on_sqlite(tmp_path):
    round_trip(tmp_path, ".sqlite3")


@only_postgresql
def test_it_round_trips_a_populated_demo_hub_through_backup_and_restore_on_postgresql(tmp_path):
    round_trip(tmp_path, ".pgdump")


def add_hub(slug: str) -> Hub:
    return people_services.create_hub(name=f"Hub {slug}", slug=slug)


def test_it_refuses_to_restore_over_a_database_in_use_unless_forced(tmp_path):
    build_cast()
    before = fingerprints(connection)
    file = tmp_path / "cast.backup"
    backup_to(file)
    add_hub("added-after-the-backup")

    with pytest.raises(CommandError, match=r"already holds 3 hubs and \d+ logins.*--force"):
        restore_from(file)
    assert Hub.objects.filter(slug="added-after-the-backup").exists()

    said = restore_from(file, "--force")

    assert "Replacing a database that holds 3 hubs" in said
    assert not Hub.objects.filter(slug="added-after-the-backup").exists()
    assert fingerprints(connection) == before


def test_it_refuses_a_backup_made_by_a_newer_version(tmp_path):
    build_cast()
    recorder = MigrationRecorder(connection)
    recorder.record_applied("core", "9999_from_a_newer_version")
    file = tmp_path / "newer.backup"
    backup_to(file)
    recorder.record_unapplied("core", "9999_from_a_newer_version")
    before = row_counts(connection)

    with pytest.raises(CommandError, match=r"newer version.*core\.9999_from_a_newer_version"):
        restore_from(file, "--force")
    assert row_counts(connection) == before


def test_it_refuses_a_backup_made_by_an_older_version(tmp_path):
    build_cast()
    recorder = MigrationRecorder(connection)
    latest = recorder.migration_qs.filter(app="core").order_by("-name").first()
    latest.delete()
    file = tmp_path / "older.backup"
    backup_to(file)
    recorder.record_applied("core", latest.name)
    add_hub("still-here")

    with pytest.raises(CommandError, match=rf"older version.*core\.{latest.name}.*manage\.py migrate"):
        restore_from(file, "--force")
    assert Hub.objects.filter(slug="still-here").exists()


def test_it_refuses_a_file_that_is_not_a_backup_of_this_kind_of_database(tmp_path):
    build_cast()
    letter = tmp_path / "letter.txt"
    letter.write_text("Dear Dr Shah, thank you for the referral.\n")
    missing = tmp_path / "nothing-here.backup"

    with pytest.raises(CommandError, match=r"letter\.txt is not an? (SQLite database|PostgreSQL backup)"):
        restore_from(letter, "--force")
    with pytest.raises(CommandError, match="There is no backup file at"):
        restore_from(missing, "--force")
    assert Hub.objects.count() == 2


def test_it_writes_no_backup_into_a_folder_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="does not exist. Create it first"):
        backup_to(tmp_path / "no-such-folder" / "coproduce.backup")
    assert list(tmp_path.iterdir()) == []


def test_an_erasure_made_after_the_backup_is_applied_again_after_the_restore(tmp_path):
    from people.models import Person
    from rights import services as rights_services

    cast = build_cast()
    file = tmp_path / "before-the-erasure.backup"
    backup_to(file)
    request = rights_services.make_request(actor=cast.actor("member"), person=cast.member, kind="erasure")
    rights_services.erase(actor=cast.actor("coordinator"), request=request, confirmed=True)
    register = tmp_path / "erasures.json"
    call_command("erasure_register", str(register), stdout=StringIO())

    with fresh_database(tmp_path):
        restore_from(file)
        # The backup predates the erasure: Mo is back, as the guide warns.
        assert Person.objects.get(pk=cast.member.pk).full_name == "Mo Member"
        out = StringIO()
        call_command("reapply_erasures", str(register), stdout=out)
        mo = Person.objects.get(pk=cast.member.pk)
        problems, _ = ledger_problems()
        again = StringIO()
        call_command("reapply_erasures", str(register), stdout=again)

    assert "1 erased again" in out.getvalue()
    assert mo.full_name == f"Erased member {mo.pk}" and mo.email == "" and mo.user_id is None
    assert problems == []
    assert "0 erased again, 1 already erased" in again.getvalue()
