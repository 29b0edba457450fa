"""HSDS import and export: everything checked first, every problem listed, nothing half-written."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from directory import services, writer
from directory.exporter import export_package
from directory.hsds import BY_FILE, TABLES
from directory.importer import ImportRejected, import_hsds
from directory.models import Service
from directory.services import system_actor

from .conftest import service_data
from .schemas import assert_valid

JSON_EXAMPLES = [
    "service_full.json",
    "service_list.json",
    "organization_full.json",
    "organization_list.json",
    "service_at_location_full.json",
    "service_at_location_list.json",
    "location.json",
    "taxonomy.json",
    "taxonomy_list.json",
    "taxonomy_term.json",
    "taxonomy_term_list.json",
]


def snapshot() -> dict:
    return {t.name: sorted(map(str, t.model.objects.values_list())) for t in TABLES}


@pytest.fixture
def package(cast, postcodes, terms, tmp_path):
    """An exported package of two services, and the database it came from."""
    for name in ("Riverside Walking Group", "Men's Shed"):
        services.create_service(
            actor=cast.actor("coordinator"),
            data=service_data(name=name, term_ids=[str(terms["activity"].pk)]),
        )
    folder = tmp_path / "package"
    export_package(folder=folder)
    return folder


def rewrite(path, change) -> None:
    """Apply change(rows) to a CSV's rows (a list of dicts) and write it back."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def rejected(cast, path) -> ImportRejected:
    before = snapshot()
    with pytest.raises(ImportRejected) as error:
        import_hsds(actor=system_actor(cast.hub), path=path)
    assert snapshot() == before, "a rejected package changed the database"
    return error.value


# ---- the official examples ---------------------------------------------------------------------


def test_the_official_tabular_package_imports(cast, hsds_dir):
    summary = import_hsds(actor=system_actor(cast.hub), path=hsds_dir / "examples" / "csv")
    assert summary.created["service"] == 1 and summary.created["location"] == 1
    assert summary.total == 21
    # The examples point at parents they do not include; those links are dropped with a warning.
    assert any(w.field == "parent_organization_id" for w in summary.warnings)
    service = Service.objects.get(pk="ac148810-d857-441c-9679-408f346de14b")
    assert service.hub == cast.hub and service.minimum_age == 12


@pytest.mark.parametrize("name", JSON_EXAMPLES)
def test_every_official_json_example_imports(cast, hsds_dir, name):
    summary = import_hsds(actor=system_actor(cast.hub), path=hsds_dir / "examples" / name)
    assert summary.total >= 1


def test_reimporting_updates_in_place(cast, hsds_dir):
    actor = system_actor(cast.hub)
    import_hsds(actor=actor, path=hsds_dir / "examples" / "csv")
    import_hsds(actor=actor, path=hsds_dir / "examples" / "service_full.json")
    first = snapshot()
    again = import_hsds(actor=actor, path=hsds_dir / "examples" / "csv")
    assert sum(again.created.values()) == 0 and sum(again.updated.values()) == 21
    import_hsds(actor=actor, path=hsds_dir / "examples" / "service_full.json")
    assert snapshot() == first


def test_an_export_reimports_to_the_same_records_and_validates(cast, hsds_dir, postcodes, terms, tmp_path):
    actor = system_actor(cast.hub)
    import_hsds(actor=actor, path=hsds_dir / "examples" / "csv")
    services.create_service(
        actor=cast.actor("coordinator"), data=service_data(term_ids=[str(terms["money"].pk)])
    )
    before = snapshot()
    export_package(folder=tmp_path / "out")
    summary = import_hsds(actor=actor, path=tmp_path / "out")
    assert sum(summary.created.values()) == 0
    assert not summary.warnings
    assert snapshot() == before
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    assert {r["path"] for r in descriptor["resources"]} == set(BY_FILE)
    # The exported tables, typed as the tabular schema expects, validate against compiled/tabular.json.
    tables = {}
    for table in TABLES:
        with (tmp_path / "out" / table.file).open(encoding="utf-8") as handle:
            rows = []
            for row in csv.DictReader(handle):
                typed = {}
                for key, value in row.items():
                    if value == "" and key not in table.required:
                        continue
                    typed[key] = float(value) if table.fields[key] == "number" else value
                rows.append(typed)
        tables[table.name] = rows
    assert_valid(hsds_dir, "compiled/tabular.json", tables)


def test_a_hub_export_holds_only_that_hubs_records(cast, package, tmp_path):
    counts = export_package(folder=tmp_path / "riverside", hub=cast.hub)
    assert counts["services.csv"] == 2
    assert export_package(folder=tmp_path / "northgate", hub=cast.other_hub)["services.csv"] == 0
    assert export_package(folder=tmp_path / "northgate", hub=cast.other_hub)["taxonomy_terms.csv"] == 3


def test_the_command_shows_progress_and_a_summary(cast, package):
    out = io.StringIO()
    call_command("import_hsds", str(package), "--hub", "riverside", stdout=out)
    text = out.getvalue()
    assert "services.csv" in text and "[####" in text
    assert "Imported" in text


def test_the_command_lists_every_problem_and_writes_nothing(cast, package):
    rewrite(package / "services.csv", lambda rows: rows[0].update(id="not-a-uuid", status="open"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_hsds", str(package), "--hub", "riverside", stdout=io.StringIO(), stderr=err)
    assert "services.csv, row 2, id: 'not-a-uuid' is not a UUID" in err.getvalue()
    assert "services.csv, row 2, status: 'open' is not one of" in err.getvalue()


def test_another_hubs_records_cannot_be_overwritten(cast, package):
    problems = rejected_for(cast.other_hub, package)
    assert any("belongs to another hub" in p.reason for p in problems)


def rejected_for(hub, path):
    with pytest.raises(ImportRejected) as error:
        import_hsds(actor=system_actor(hub), path=path)
    return error.value.problems


# ---- malformed packages: one test each, the database unchanged -----------------------------------


def test_missing_required_field_is_rejected(cast, package):
    rewrite(package / "services.csv", lambda rows: rows[1].update(name=""))
    [problem] = rejected(cast, package).problems
    assert (problem.file, problem.row, problem.field, problem.reason) == (
        "services.csv",
        "3",
        "name",
        "is required",
    )


def test_bad_uuid_is_rejected(cast, package):
    rewrite(package / "phones.csv", lambda rows: rows[0].update(service_id="1234"))
    [problem] = rejected(cast, package).problems
    assert (problem.file, problem.row, problem.field) == ("phones.csv", "2", "service_id")
    assert "is not a UUID" in problem.reason


def test_dangling_foreign_key_is_rejected(cast, package):
    missing = "7f1c7a8e-0000-4000-8000-000000000000"
    rewrite(package / "service_at_location.csv", lambda rows: rows[0].update(service_id=missing))
    [problem] = rejected(cast, package).problems
    assert problem.file == "service_at_location.csv" and problem.field == "service_id"
    assert f"points at service {missing}, which is not in the package or the directory" in problem.reason


def test_wrong_type_is_rejected(cast, package):
    def change(rows):
        rows[0].update(minimum_age="eighteen", assured_date="last Tuesday")

    rewrite(package / "services.csv", change)
    problems = rejected(cast, package).problems
    assert {(p.field, p.reason) for p in problems} == {
        ("minimum_age", "'eighteen' is not a number"),
        ("assured_date", "'last Tuesday' is not a date like 2026-01-31"),
    }


def test_unknown_file_is_rejected(cast, package):
    (package / "volunteers.csv").write_text("id,name\n1,Val\n", encoding="utf-8")
    [problem] = rejected(cast, package).problems
    assert problem.file == "volunteers.csv" and "not an HSDS table file" in problem.reason


def test_wrong_encoding_is_rejected(cast, package):
    path = package / "organizations.csv"
    text = path.read_text(encoding="utf-8").replace("Riverside Ramblers", "Riverside Ramblers £")
    path.write_bytes(text.encode("cp1252"))
    [problem] = rejected(cast, package).problems
    assert problem.file == "organizations.csv"
    assert "not UTF-8" in problem.reason and "0xa3" in problem.reason


def test_fifty_megabytes_of_junk_is_rejected_quickly(cast, package):
    junk = package / "services.csv"
    with junk.open("wb") as handle:
        for _ in range(50):
            handle.write(os.urandom(1024 * 1024))
    problems = rejected(cast, package).problems
    assert [p.file for p in problems] == ["services.csv"]
    assert "not UTF-8" in problems[0].reason or "not a field" in problems[0].reason


def test_junk_json_is_rejected(cast, tmp_path):
    path = tmp_path / "services.json"
    path.write_text('{"id": "x", "name": ', encoding="utf-8")
    [problem] = rejected(cast, path).problems
    assert "is not valid JSON" in problem.reason


def test_every_problem_is_listed_not_just_the_first(cast, package):
    rewrite(package / "services.csv", lambda rows: [r.update(status="") for r in rows])
    shutil.copy(package / "services.csv", package / "services-copy.csv")
    problems = rejected(cast, package).problems
    assert len([p for p in problems if p.field == "status"]) == 2
    assert any(p.file == "services-copy.csv" for p in problems)


def test_only_directory_staff_import(cast, package):
    from core.errors import DomainError

    with pytest.raises(DomainError):
        import_hsds(actor=cast.actor("member"), path=package)


def test_a_header_without_a_required_column_is_one_problem(cast, package):
    def drop_status(path):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        index = rows[0].index("status")
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([r[:index] + r[index + 1 :] for r in rows])

    drop_status(package / "services.csv")
    [problem] = rejected(cast, package).problems
    assert (problem.file, problem.row, problem.field) == ("services.csv", "1", "status")
    assert "the header has no status column" in problem.reason


@pytest.mark.parametrize(
    "field,value,reason",
    [
        ("minimum_age", "1e999", "'1e999' is not a number"),
        ("minimum_age", "nan", "'nan' is not a number"),
        ("assured_date", "2026-02-30", "'2026-02-30' is not a date like 2026-01-31"),
        ("last_modified", "yesterday", "'yesterday' is not a date and time like 2026-01-31T09:30:00Z"),
        ("email", "walks at example", "'walks at example' is not an email address"),
        ("description", "nul \x00 byte", "contains a NUL character (is this a text file?)"),
    ],
)
def test_values_the_database_could_not_store_are_problems(cast, package, field, value, reason):
    rewrite(package / "services.csv", lambda rows: rows[1].update({field: value}))
    [problem] = rejected(cast, package).problems
    assert (problem.file, problem.row, problem.field, problem.reason) == ("services.csv", "3", field, reason)


def test_times_are_checked_and_normalised(cast, package):
    rewrite(package / "schedules.csv", lambda rows: rows[0].update(opens_at="25:00"))
    [problem] = rejected(cast, package).problems
    assert (problem.field, problem.reason) == ("opens_at", "'25:00' is not a time like 09:30:00")


def test_values_are_tidied_as_they_are_read(cast, package):
    """Upper-case ids, spaces round numbers, text with line breaks, tabs and backslashes: all arrive
    as meant (on PostgreSQL they travel through COPY's text format, which escapes them)."""
    text = 'Line one\nLine\ttwo, with "quotes" and a back\\slash\\N'
    service_id = Service.objects.order_by("name").first().pk

    def change(rows):
        row = next(r for r in rows if r["id"] == str(service_id))
        row.update(id=row["id"].upper(), description=text, minimum_age=" 16 ")

    rewrite(package / "services.csv", change)
    summary = import_hsds(actor=system_actor(cast.hub), path=package)
    assert summary.created.get("service", 0) == 0
    service = Service.objects.get(pk=service_id)
    assert service.description == text and service.minimum_age == 16
    assert "back\\slash" in service.search_text


def test_json_values_of_the_wrong_type_are_problems(cast, tmp_path):
    path = tmp_path / "services.json"
    service = {"id": "7f1c7a8e-0000-4000-8000-000000000001", "name": "Walks", "status": "active"}
    path.write_text(json.dumps([{**service, "minimum_age": True, "description": ["a", "list"]}]))
    problems = rejected(cast, path).problems
    assert {(p.field, p.reason) for p in problems} == {
        ("minimum_age", "must be a number"),
        ("description", "must be text"),
    }


def test_a_json_service_package_exports_validates_and_imports_to_the_same_records(
    cast, hsds_dir, postcodes, terms, tmp_path
):
    from directory.exporter import export_json

    for name, term in (("Riverside Walking Group", "activity"), ("Debt Advice Drop-in", "money")):
        services.create_service(
            actor=cast.actor("coordinator"), data=service_data(name=name, term_ids=[str(terms[term].pk)])
        )
    path = tmp_path / "directory.json"
    assert export_json(path=path, hub=cast.hub) == 2
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert_valid(hsds_dir, "compiled/service_package.json", exported)
    before = snapshot()
    summary = import_hsds(actor=system_actor(cast.hub), path=path)
    assert sum(summary.created.values()) == 0 and not summary.warnings
    assert snapshot() == before
    # Into a directory with the same vocabulary (a service package carries the categories a service
    # uses, not their parents) and nothing else, the services come back as the API showed them.
    api = {s["id"]: Client().get(f"/hsds/services/{s['id']}").json() for s in exported}
    for table in reversed(TABLES):
        if table.name not in ("taxonomy", "taxonomy_term"):
            table.model.objects.all().delete()
    import_hsds(actor=system_actor(cast.hub), path=path)
    assert {i: Client().get(f"/hsds/services/{i}").json() for i in api} == api


def test_export_command_writes_json_with_the_flag(cast, package, tmp_path):
    out = io.StringIO()
    call_command("export_hsds", str(tmp_path / "all.json"), "--json", stdout=out)
    assert "Wrote 2 services" in out.getvalue()
    assert len(json.loads((tmp_path / "all.json").read_text())) == 2


def test_the_command_needs_no_hub_when_there_is_only_one(db, tmp_path, hsds_dir):
    from core.models import Hub

    Hub.objects.create(name="Riverside Live Well", slug="riverside")
    out = io.StringIO()
    call_command("import_hsds", str(hsds_dir / "examples" / "csv"), stdout=out)
    assert "Imported 21 records into Riverside Live Well" in out.getvalue()
    Hub.objects.create(name="Northgate", slug="northgate")
    with pytest.raises(CommandError, match="--hub"):
        call_command("import_hsds", str(hsds_dir / "examples" / "csv"), stdout=io.StringIO())


# ---- PostgreSQL: bulk loading an empty directory -------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bulk load (indexes rebuilt after COPY) is PostgreSQL's"
)


def schema_facts() -> set:
    """Every index and foreign key on the directory's tables, by name and definition."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'directory\\_%%' "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text LIKE 'directory\\_%%'"
        )
        return set(cursor.fetchall())


@postgres_only
def test_a_bulk_load_writes_the_same_rows_and_puts_every_index_and_key_back(cast, hsds_dir, monkeypatch):
    from django.db import transaction

    actor, folder = system_actor(cast.hub), hsds_dir / "examples" / "csv"
    schema = schema_facts()
    loaded = {}
    for bulk in (False, True):
        monkeypatch.setattr(writer, "BULK_LOAD_MIN_ROWS", 1 if bulk else 10**9)
        with transaction.atomic():
            import_hsds(actor=actor, path=folder)
            loaded[bulk] = snapshot()
            assert schema_facts() == schema
            transaction.set_rollback(True)
    assert loaded[True] == loaded[False] and loaded[True]["service"]


@postgres_only
def test_a_bulk_load_that_fails_half_way_leaves_everything_as_it_was(cast, hsds_dir, monkeypatch):
    monkeypatch.setattr(writer, "BULK_LOAD_MIN_ROWS", 1)
    schema, before = schema_facts(), snapshot()

    def fail(label, done, total):
        if label == "locations.csv":
            raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        import_hsds(actor=system_actor(cast.hub), path=hsds_dir / "examples" / "csv", progress=fail)
    assert schema_facts() == schema and snapshot() == before


@postgres_only
def test_a_target_deleted_during_a_bulk_load_rejects_the_import(cast, package, monkeypatch):
    """Someone deletes an organisation between the checks and the writing: re-adding the foreign
    key finds the service pointing nowhere, and the import says so and writes nothing."""
    from core.errors import DomainError
    from directory.models import Organization

    monkeypatch.setattr(writer, "BULK_LOAD_MIN_ROWS", 1)
    org = Organization.objects.get()
    Service.objects.all().delete()
    schema = schema_facts()

    def delete_org(label, done, total):
        if label == "checking references":
            Organization.objects.filter(pk=org.pk).delete()

    with pytest.raises(DomainError, match="changed while the package was being imported"):
        import_hsds(actor=system_actor(cast.hub), path=package, progress=delete_org)
    assert not Service.objects.exists() and schema_facts() == schema


def test_fifty_megabytes_of_text_junk_is_rejected_quickly(cast, package):
    """Junk that is valid UTF-8: a header of a million columns, then lines of noise."""
    import random
    import time

    rng = random.Random(4)
    with (package / "services.csv").open("w", encoding="utf-8") as handle:
        handle.write(",".join(f"c{i}" for i in range(1_000_000)) + "\n")
        line = "".join(rng.choice("abc,;\"' \t") for _ in range(1000)) + "\n"
        for _ in range(45_000):
            handle.write(line)
    started = time.monotonic()
    problems = rejected(cast, package).problems
    assert time.monotonic() - started < 20
    assert {p.file for p in problems} == {"services.csv"} and len(problems) == 23  # 20 named, 3 missing
    assert all("not a field" in p.reason or "the header has no" in p.reason for p in problems)


def test_a_service_without_last_modified_keeps_it_until_something_changes(cast, tmp_path):
    path = tmp_path / "services.json"
    org = {"id": "7f1c7a8e-0000-4000-8000-00000000000a", "name": "Ramblers", "description": "Walks"}
    service = {"id": "7f1c7a8e-0000-4000-8000-000000000001", "name": "Walks", "status": "active"}
    path.write_text(json.dumps({**service, "organization": org}))
    actor = system_actor(cast.hub)
    import_hsds(actor=actor, path=path)
    stamp = Service.objects.get().last_modified
    Service.objects.update(last_modified=stamp - dt.timedelta(days=3))
    import_hsds(actor=actor, path=path)
    assert Service.objects.get().last_modified == stamp - dt.timedelta(days=3)
    path.write_text(json.dumps({**service, "organization": org, "description": "Longer walks"}))
    import_hsds(actor=actor, path=path)
    assert Service.objects.get().last_modified > stamp - dt.timedelta(days=1)
