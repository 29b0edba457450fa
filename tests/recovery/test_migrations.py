"""Migrations go backward and forward again on a populated database, leaving the schema as the models
describe it and the data in the tables they did not drop. This is what rolling back a release does
(docs/guides/production.md), so every Coproduce migration must be reversible.

The tests work from whatever migrations exist, so new ones are covered as they are added.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, migrations
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

from .conftest import build_small_demo_hub, row_counts

# Coproduce's own apps: the ones whose folder is in the repository (not installed packages).
PROJECT_APPS = sorted(
    config.label for config in apps.get_app_configs() if Path(config.path).parent == Path(settings.BASE_DIR)
)
RECORD = "django_migrations"  # the record of applied migrations changes as they are reversed
# Rows a data migration loads and its reverse removes: practice 0002 loads the case-study catalogue.
LOADED_BY_MIGRATIONS = {"practice_cataloguecase"}


def irreversible_operations(operations) -> list[str]:
    found = []
    for operation in operations:
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            found += irreversible_operations(operation.database_operations)
        elif not operation.reversible:
            found.append(operation.describe())
    return found


def test_every_coproduce_migration_can_be_reversed():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = {key: m for key, m in loader.disk_migrations.items() if key[0] in PROJECT_APPS}
    data_steps = [
        op
        for m in ours.values()
        for op in m.operations
        if isinstance(op, migrations.RunPython | migrations.RunSQL)
    ]

    irreversible = {
        f"{app}.{name}": found
        for (app, name), migration in sorted(ours.items())
        if (found := irreversible_operations(migration.operations))
    }

    assert irreversible == {}, "each RunPython needs reverse_code and each RunSQL reverse_sql"
    assert len(ours) >= 15
    assert data_steps  # the check has RunPython steps to look at


def test_the_reversibility_check_finds_a_data_step_with_no_way_back():
    def forwards(apps, schema_editor):
        pass

    one_way = [
        migrations.RunPython(forwards),
        migrations.SeparateDatabaseAndState(database_operations=[migrations.RunSQL("SELECT 1")]),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]

    assert irreversible_operations(one_way) == [
        "Raw Python operation",
        "Raw SQL operation",
    ]


def schema() -> dict[str, tuple]:
    """Every table's columns and constraints (indexes, keys, checks) as the database reports them."""
    introspection = connection.introspection
    result = {}
    with connection.cursor() as cursor:
        for table in introspection.table_names(cursor):
            columns = sorted(
                repr(tuple(column)) for column in introspection.get_table_description(cursor, table)
            )
            constraints = sorted(
                f"{name}: {sorted(details.items())!r}"
                for name, details in introspection.get_constraints(cursor, table).items()
            )
            result[table] = (columns, constraints)
    return result


def migrate_forward(targets: list[tuple[str, str]]) -> int:
    """Apply what the targets need, as `manage.py migrate` does; returns how many migrations ran."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(targets)
    assert not any(backwards for _, backwards in plan)
    executor.migrate(targets, plan=plan)
    return len(plan)


def migrate_backward(targets: list[tuple[str, str | None]]) -> int:
    """Reverse migrations to the targets in the executor's order; returns how many were reversed.

    Each migration is reversed by the executor from the state before it, built from its ancestors.
    The executor's own migrate() walks every applied migration with all models rendered, re-rendering
    them at each step: the same result, three times slower here.
    """
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(targets)
    assert all(backwards for _, backwards in plan)
    for migration, _ in plan:
        before = executor.loader.project_state((migration.app_label, migration.name), at_end=False)
        before.apps  # noqa: B018 - render once; reversing each operation then clones the rendered models
        executor.unapply_migration(before, migration)
    return len(plan)


def latest() -> list[tuple[str, str]]:
    return sorted(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def one_before_latest() -> list[tuple[str, str]]:
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    targets = []
    for app, name in graph.leaf_nodes():
        if app in PROJECT_APPS:
            previous = [parent for parent in graph.node_map[(app, name)].parents if parent.key[0] == app]
            if previous:
                targets.append(previous[0].key)
    return sorted(targets)


def assert_schema_matches_the_models(expected_schema: dict) -> None:
    # Nothing left to apply, the models need no new migration (makemigrations --check), and the
    # tables, columns, indexes and constraints are exactly those the full migration made.
    assert MigrationExecutor(connection).migration_plan(latest()) == []
    loader = MigrationLoader(connection)
    changes = MigrationAutodetector(loader.project_state(), ProjectState.from_apps(apps)).changes(
        graph=loader.graph
    )
    assert changes == {}
    assert schema() == expected_schema


def project_tables() -> set[str]:
    return {
        model._meta.db_table
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }


@pytest.mark.django_db(transaction=True)
def test_migrations_go_back_and_forward_on_a_populated_demo_hub_keeping_its_data():
    build_small_demo_hub()
    full_schema = schema()
    counts = row_counts(connection)
    targets = one_before_latest()
    assert len(targets) >= 4  # core, directory, groups and practice have more than one migration

    # One step back for every app that has one: the rollback of a release.
    reversed_ = migrate_backward(targets)
    kept = row_counts(connection)

    assert reversed_ >= len(targets)
    dropped = set(counts) - set(kept)
    assert dropped < project_tables()
    survived = {t: n for t, n in counts.items() if t in kept and t != RECORD}
    assert {t: kept[t] for t in survived if t not in LOADED_BY_MIGRATIONS} == {
        t: n for t, n in survived.items() if t not in LOADED_BY_MIGRATIONS
    }
    reapplied = migrate_forward(latest())
    assert reapplied == reversed_
    assert_schema_matches_the_models(full_schema)
    assert {t: n for t, n in row_counts(connection).items() if t in survived} == survived
    call_command("check_ledger", verbosity=0)

    # All the way back: every Coproduce app to before its first migration, dropping all its tables;
    # the tables of Django, django-axes and django-otp (logins, two-factor devices) keep their rows.
    reversed_all = migrate_backward([(app, None) for app in PROJECT_APPS])
    kept = row_counts(connection)

    assert not set(kept) & project_tables()
    assert set(kept) == set(counts) - project_tables()
    assert {t: n for t, n in kept.items() if t != RECORD} == {
        t: n for t, n in counts.items() if t in kept and t != RECORD
    }
    assert kept["auth_user"] > 0 and kept["otp_totp_totpdevice"] > 0
    reapplied_all = migrate_forward(latest())
    assert reapplied_all == reversed_all
    assert_schema_matches_the_models(full_schema)
    print(  # the figures docs/security.md quotes, shown with -s
        f"\none step back: {reversed_} migrations reversed and re-applied; "
        f"all the way back: {reversed_all} migrations reversed and re-applied; {len(counts)} tables"
    )
