"""Fixtures for the directory tests: a small taxonomy, the sample postcodes and a service maker."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from directory import services
from directory.models import Taxonomy, TaxonomyTerm

APP = Path(__file__).resolve().parent.parent
SAMPLE_POSTCODES = APP / "fixtures" / "postcodes_sample.csv"
SHARED = Path(settings.BASE_DIR).parent / "shared"
HSDS = SHARED / "hsds"


@pytest.fixture
def hsds_dir() -> Path:
    if not HSDS.exists():
        pytest.skip(f"The HSDS reference files are not at {HSDS} (../shared is absent)")
    return HSDS


@pytest.fixture
def postcodes(db):
    return services.load_postcodes(SAMPLE_POSTCODES)


@pytest.fixture
def terms(db) -> dict[str, TaxonomyTerm]:
    taxonomy = Taxonomy.objects.create(name="Riverside categories", description="Local categories")
    wellbeing = TaxonomyTerm.objects.create(
        name="Wellbeing", description="Feeling well", taxonomy_detail=taxonomy, code="WB"
    )
    activity = TaxonomyTerm.objects.create(
        name="Physical activity", description="Moving more", parent=wellbeing, taxonomy_detail=taxonomy
    )
    money = TaxonomyTerm.objects.create(
        name="Money advice", description="Debt and benefits", taxonomy_detail=taxonomy
    )
    return {"wellbeing": wellbeing, "activity": activity, "money": money}


def service_data(**overrides) -> dict:
    data = {
        "name": "Riverside Walking Group",
        "organization_name": "Riverside Ramblers",
        "description": "Gentle walks by the river for all abilities.",
        "eligibility_description": "Adults who want company on a walk.",
        "minimum_age": 18,
        "maximum_age": None,
        "cost_amount": 0,
        "fees_description": "Free.",
        "help_with_cost": "",
        "application_process": "Just turn up, or ring Ann first.",
        "email": "walks@example.org",
        "phone": "01632 960001",
        "url": "https://example.org/walks",
        "referral_mode": "signpost",
        "capacity": 20,
        "spaces_left": 5,
        "location_name": "Riverside Park cafe",
        "address_1": "1 Park Lane",
        "city": "Riverside",
        "postcode": "RV1 1AA",
        "accessibility": "Step-free access; accessible toilet",
        "days": ["WE"],
        "opens_at": "10:00",
        "closes_at": "11:30",
        "schedule_description": "Every Wednesday morning",
        "term_ids": [],
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_service(cast, postcodes):
    def make(actor_name: str = "coordinator", **overrides):
        return services.create_service(actor=cast.actor(actor_name), data=service_data(**overrides))

    return make
