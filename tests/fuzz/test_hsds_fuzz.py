"""Fuzzing the HSDS directory API at /hsds/ against the official HSDS 3.0 OpenAPI file (the contract
these endpoints follow, kept out of the project's own schema). HSDS documents only the 200 answers,
so this checks that no request causes a 5xx, every 200 body matches the official schema, and every
4xx is the project's readable JSON error. Anonymous only: the directory is public."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from coproduce.wsgi import application
from directory import services
from directory.models import Taxonomy, TaxonomyTerm
from directory.tests.conftest import HSDS, SAMPLE_POSTCODES, service_data
from tests.fuzz.checks import SEED, error_body_is_readable
from tests.fuzz.world import rolled_back

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 15
MIN_CASES = 100
SPEC_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
CASES: Counter[str] = Counter()


def _inline(node, base: Path, depth: int = 0):
    """The official file names its component schemas by web address; tests cannot fetch, so each is
    replaced by the same file from the HSDS reference copy (and its own relative references too)."""
    if isinstance(node, list):
        return [_inline(item, base, depth) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref", "")
    if ref and not ref.startswith("#") and depth < 8:
        path = base / ref.removeprefix(SPEC_URL) if ref.startswith(SPEC_URL) else base / ref
        return _inline(json.loads(path.read_text(encoding="utf-8")), path.parent, depth + 1)
    return {key: _inline(value, base, depth) for key, value in node.items()}


def _load_schema():
    openapi = HSDS / "schema" / "openapi.json"
    if not openapi.exists():
        return None
    raw = _inline(json.loads(openapi.read_text(encoding="utf-8")), HSDS / "schema")
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "base-url": "http://localhost/hsds",
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}},
        }
    )
    loaded = schemathesis.openapi.from_dict(raw, config=config)
    loaded.app = application
    return loaded


schema = _load_schema()
if schema is None:
    pytest.skip(f"The HSDS reference files are not at {HSDS} (../shared is absent)", allow_module_level=True)


@pytest.fixture(scope="module")
def directory(django_db_setup, django_db_blocker):
    """Two services with a location, schedule and taxonomy term, built once and rolled back at the end."""
    from core.testing import build_cast

    with rolled_back(django_db_blocker):
        cast = build_cast()
        services.load_postcodes(SAMPLE_POSTCODES)
        taxonomy = Taxonomy.objects.create(name="Riverside categories", description="Local categories")
        term = TaxonomyTerm.objects.create(
            name="Wellbeing", description="Feeling well", taxonomy_detail=taxonomy, code="WB"
        )
        for name in ("Riverside Walking Group", "Bridge Street Lunch Club"):
            services.create_service(
                actor=cast.actor("coordinator"), data=service_data(name=name, term_ids=[term.pk])
            )
        yield


@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_hsds(case, directory):
    response = case.call()
    CASES[case.operation.label] += 1
    case.validate_response(
        response, checks=[not_a_server_error, response_schema_conformance, error_body_is_readable]
    )


def test_the_hsds_fuzz_sent_every_operation_cases():
    operations = {result.ok().label for result in schema.get_all_operations()}
    assert set(CASES) == operations
    print(f"\nHSDS fuzz: {len(operations)} operations, {sum(CASES.values())} cases")
    assert sum(CASES.values()) >= MIN_CASES
