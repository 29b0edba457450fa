"""Fuzzing the API: schemathesis generates requests from the project's own OpenAPI schema (the one
/api/schema/ serves) and sends them in-process, signed in as several roles. Every response must be
no 5xx and have a status code, content type and body the schema documents; every 4xx must carry a
readable JSON error. Two passes:

- fuzzing: every operation as every role, with random valid and invalid data (permissions,
  object ids of both hubs, validation);
- coverage: every operation once, as a role that may use it, with schemathesis' boundary and
  invalid values for each field, wrong methods (405) and wrong media types (415).

The last test proves how many cases ran. See docs/guides/api-fuzzing.md."""

from __future__ import annotations

import copy
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from coproduce.wsgi import application
from tests.fuzz.checks import SEED, error_body_is_readable
from tests.fuzz.world import ROLES, World, build_world, rolled_back

# At least this many generated requests in one run (the issue asks for 1,000 in CI).
MIN_CASES = 1000
# Random examples per operation and role in the fuzzing pass (positive and negative data).
MAX_EXAMPLES = 6

# Who the coverage pass signs in as for each part of the API: a role that gets past the permission
# check, so boundary values reach the serializers and services rather than stopping at 403.
COVERAGE_ROLE = {
    "/api/people/": "coordinator",
    "/api/me/": "member",
    "/api/timebank/": "member",
    "/api/support/self-referrals/": "anonymous",
    "/api/support/my-referrals/": "link_worker",
    "/api/support/": "link_worker",
}


def _config(phase: str) -> SchemathesisConfig:
    """Only `phase` runs; the same seed and no example database, so every run sends the same cases."""
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                # Each role's session cookie is sent by the test itself, never generated.
                "with-security-parameters": False,
            },
            "phases": {name: {"enabled": name == phase} for name in ("examples", "coverage", "fuzzing")},
        }
    )


def _json_bodies_only(raw: dict) -> dict:
    """The schema with each request body offered as JSON alone where JSON is one of its types. The
    coverage pass makes a case per field, boundary and media type; the form encodings repeat the
    JSON cases through DRF's other parsers and would triple its time. The fuzzing pass sends all."""
    raw = copy.deepcopy(raw)
    for operations in raw["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                for media_type in [m for m in content if m != "application/json"]:
                    del content[media_type]
    return raw


fuzz_schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", application, config=_config("fuzzing")
)
coverage_schema = schemathesis.openapi.from_dict(
    _json_bodies_only(fuzz_schema.raw_schema), config=_config("coverage")
)
coverage_schema.app = application

# Each test also runs in its own savepoint (rolled back after it), so one role's writes never
# reach the next test; the world fixture's rows stay for the whole module.
pytestmark = pytest.mark.django_db

CASES: Counter[tuple[str, str, str]] = Counter()  # (pass, role, operation) -> cases sent
STATUSES: Counter[int] = Counter()
KNOWN_IDS: dict[str, list[int]] = {}


def _known_id(name: str, value):
    """Two in three generated integer ids become ids of rows that exist (in either hub), so
    permission checks and serializers run on real objects rather than stopping at 404."""
    known = KNOWN_IDS.get(name)
    if known and isinstance(value, int) and not isinstance(value, bool) and value % 3:
        return known[value % len(known)]
    return value


def map_path_parameters(context, path_parameters):
    return {name: _known_id(name, value) for name, value in (path_parameters or {}).items()}


def map_body(context, body):
    if isinstance(body, dict) and "service" in body:
        return {**body, "service": _known_id("service", body["service"])}
    return body


for _schema in (fuzz_schema, coverage_schema):
    _schema.hook(map_path_parameters)
    _schema.hook(map_body)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_body_is_readable,
]
HYPOTHESIS = settings(
    deadline=None,
    # The world fixture is built once for all examples on purpose; CI machines are slow.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The cast and their data, built once for the module and rolled back at its end."""
    with rolled_back(django_db_blocker):
        built = build_world()
        KNOWN_IDS.update(built.ids)
        try:
            yield built
        finally:
            KNOWN_IDS.clear()


def _send(case, world: World, role: str, phase: str) -> None:
    credentials = world.credentials[role]
    response = case.call(cookies=credentials.cookies, headers=credentials.headers)
    CASES[(phase, role, case.operation.label)] += 1
    STATUSES[response.status_code] += 1
    case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize("role", ROLES)
@fuzz_schema.parametrize()
@HYPOTHESIS
def test_fuzzing(case, role: str, world: World):
    _send(case, world, role, "fuzzing")


def coverage_role(path: str) -> str:
    """The role for `path`'s part of the API; a part added later is covered as the coordinator until
    it is given its own line in COVERAGE_ROLE."""
    return next((role for prefix, role in COVERAGE_ROLE.items() if path.startswith(prefix)), "coordinator")


@coverage_schema.parametrize()
@HYPOTHESIS
def test_coverage(case, world: World):
    _send(case, world, coverage_role(case.operation.path), "coverage")


def test_the_fuzz_sent_at_least_a_thousand_cases_covering_every_role_and_operation():
    operations = {result.ok().label for result in fuzz_schema.get_all_operations()}
    fuzzed = {(role, label) for phase, role, label in CASES if phase == "fuzzing"}
    covered = {label for phase, _, label in CASES if phase == "coverage"}
    assert fuzzed == {(role, label) for role in ROLES for label in operations}
    assert covered == operations
    total = sum(CASES.values())
    by_phase = Counter()
    for (phase, _, _), n in CASES.items():
        by_phase[phase] += n
    print(
        f"\nAPI fuzz: {len(operations)} operations, {len(ROLES)} roles, {total} cases "
        f"({dict(by_phase)}); statuses {dict(sorted(STATUSES.items()))}"
    )
    assert total >= MIN_CASES
