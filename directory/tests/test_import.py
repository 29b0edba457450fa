"""HSDS import and export: everything checked first, every problem listed, nothing half-written."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil

import pytest
from django.core.management import CommandError, call_command

from directory import services
from directory.hsds import BY_FILE, TABLES
from directory.importer import ImportRejected, export_package, import_hsds
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
