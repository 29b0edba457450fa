"""The app's own table of HSDS facts (directory.hsds) agrees with the official schemas."""

from __future__ import annotations

import json

import pytest

from directory import geo
from directory.hsds import BY_FILE, TABLES
from directory.queries import _stem

SCHEMA_FILES = {t.name: f"{t.name}.json" for t in TABLES}


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_fields_and_required_fields_match_the_official_schema(hsds_dir, table):
    schema = json.loads((hsds_dir / "schema" / SCHEMA_FILES[table.name]).read_text())
    scalar = [
        name
        for name, spec in schema["properties"].items()
        if spec.get("type") not in ("array", "object") and "$ref" not in spec
    ]
    assert list(table.fields) == scalar
    for name, kind in table.fields.items():
        spec = schema["properties"][name]
        if kind == "uuid":
            assert spec.get("format") == "uuid", name
        if kind == "number":
            assert spec["type"] in ("number", "integer"), name
        if kind == "enum":
            assert tuple(spec["enum"]) == table.enums[name], name
    # Ours may ask for more (a program's organisation is found from context) but never for less.
    assert set(schema.get("required", [])) <= set(table.required)


def test_file_names_match_the_official_tabular_package(hsds_dir):
    files = {p.name for p in (hsds_dir / "examples" / "csv").glob("*.csv")}
    assert files == set(BY_FILE)


def test_haversine_and_bounding_box():
    # Leeds to Manchester is about 58 km as the crow flies.
    assert 55_000 < geo.haversine_m(53.7965, -1.5478, 53.4794, -2.2453) < 60_000
    lat, lon = 53.7, -1.5
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, 5000)
    for corner_lat, corner_lon in ((max_lat, lon), (lat, max_lon), (min_lat, lon), (lat, min_lon)):
        assert geo.haversine_m(lat, lon, corner_lat, corner_lon) == pytest.approx(5000, rel=0.01)


@pytest.mark.parametrize(
    "word,stem",
    [("walking", "walk"), ("walks", "walk"), ("groups", "group"), ("bus", "bus"), ("classes", "class")],
)
def test_the_sqlite_search_stems_roughly_like_postgresql(word, stem):
    assert _stem(word) == stem
