"""Validators for the official HSDS schemas in ../shared/hsds/schema (read in place, never copied)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "https://hsds.invalid/schema/"


@cache
def _registry(schema_dir: str) -> Registry:
    resources = []
    root = Path(schema_dir)
    for path in list(root.glob("*.json")) + list(root.glob("compiled/*.json")):
        uri = BASE + str(path.relative_to(root))
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((uri, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def validator(hsds_dir: Path, name: str) -> Draft202012Validator:
    """A validator for schema/NAME (e.g. "compiled/service.json"), checking formats such as uuid."""
    registry = _registry(str(hsds_dir / "schema"))
    return Draft202012Validator({"$ref": BASE + name}, registry=registry, format_checker=FormatChecker())


def assert_valid(hsds_dir: Path, name: str, instance) -> None:
    errors = sorted(validator(hsds_dir, name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
