"""The HSDS API at /hsds/: every path of hsds/schema/openapi.json, validated against the official
compiled schemas, plus the Open Referral UK profile (version, filters, openness, CORS) and the UK
validator's level 1 and level 2 checks reproduced as tests."""

from __future__ import annotations

import json
import math

import pytest
from django.test import Client

from directory import services
from directory.importer import import_hsds
from directory.services import system_actor

from .conftest import service_data
from .schemas import assert_valid

EXAMPLE_SERVICE = "ac148810-d857-441c-9679-408f346de14b"
EXAMPLE_ORG = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
EXAMPLE_SAL = "e94c9f38-1e8f-4564-91d4-d53501ab1765"
EXAMPLE_TAXONOMY = "5c4d79d7-cc55-470e-9f1f-8cad074e4892"
EXAMPLE_TERM = "3f7b145d-84af-42d7-8fae-eaca714b02b2"

LISTS = {
    "services": ("compiled/service_list.json", "compiled/service.json"),
    "organizations": ("compiled/organization_list.json", "compiled/organization.json"),
    "service_at_locations": ("compiled/service_at_location_list.json", "compiled/service_at_location.json"),
    "taxonomies": ("taxonomy.json", "taxonomy.json"),
    "taxonomy_terms": ("taxonomy_term.json", "taxonomy_term.json"),
}
PAGE_FIELDS = {
    "total_items": int,
    "total_pages": int,
    "page_number": int,
    "size": int,
    "first_page": bool,
    "last_page": bool,
    "empty": bool,
    "contents": list,
}


@pytest.fixture
def riverside(cast, postcodes, terms):
    """Seven Riverside services that differ in one way each, for the level 2 searches."""
    make = lambda **kw: services.create_service(actor=cast.actor("coordinator"), data=service_data(**kw))  # noqa: E731
    return {
        "walk": make(term_ids=[str(terms["activity"].pk)]),
        "youth": make(
            name="Youth Football",
            organization_name="Riverside FC",
            description="Football for young people.",
            minimum_age=11,
            maximum_age=17,
            days=["SA"],
            opens_at="09:00",
            closes_at="10:30",
            postcode="RV3 4EF",
            term_ids=[str(terms["activity"].pk)],
        ),
        "debt": make(
            name="Debt Advice Drop-in",
            organization_name="Riverside Advice",
            description="Free, confidential help with debts and benefits.",
            minimum_age=18,
            days=["MO", "TH"],
            opens_at="13:00",
            closes_at="16:00",
            postcode="RV7 8NP",
            term_ids=[str(terms["money"].pk)],
        ),
        "far": make(
            name="Leeds Walking Club",
            organization_name="Leeds Walkers",
            description="Longer walks from the city centre.",
            postcode="LS1 4AP",
            cost_amount=2,
        ),
        "online": make(
            name="Phone Befriending",
            organization_name="Riverside Befrienders",
            description="A weekly call from a volunteer.",
            location_name="",
            address_1="",
            postcode="",
            days=["TU"],
            opens_at="18:00",
            closes_at="20:00",
        ),
    }


@pytest.fixture
def examples(cast, hsds_dir):
    actor = system_actor(cast.hub)
    import_hsds(actor=actor, path=hsds_dir / "examples" / "csv")
    import_hsds(actor=actor, path=hsds_dir / "examples" / "service_full.json")


def get(path: str, **params):
    response = Client().get(path, params)
    assert response.status_code == 200, (path, params, response.content[:300])
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.json()


def ids(page: dict) -> list[str]:
    return [item["id"] for item in page["contents"]]


# ---- every path, schema-valid ------------------------------------------------------------------


def test_root_reports_the_uk_profile_version(db):
    body = get("/hsds/")
    assert body["version"] == "HSDS-UK-3.0"
    assert body["openapi_url"].endswith("openapi.json")
    assert get("/hsds")["version"] == "HSDS-UK-3.0"


def test_the_official_examples_are_served_schema_valid(examples, hsds_dir):
    assert_valid(hsds_dir, "compiled/service.json", get(f"/hsds/services/{EXAMPLE_SERVICE}"))
    assert_valid(hsds_dir, "compiled/organization.json", get(f"/hsds/organizations/{EXAMPLE_ORG}"))
    assert_valid(
        hsds_dir,
        "compiled/organization.json",
        get(f"/hsds/organizations/{EXAMPLE_ORG}", full_service="true"),
    )
    assert_valid(
        hsds_dir, "compiled/service_at_location.json", get(f"/hsds/service_at_locations/{EXAMPLE_SAL}")
    )
    assert_valid(hsds_dir, "taxonomy.json", get(f"/hsds/taxonomies/{EXAMPLE_TAXONOMY}"))
    assert_valid(hsds_dir, "taxonomy_term.json", get(f"/hsds/taxonomy_terms/{EXAMPLE_TERM}"))
    service = get(f"/hsds/services/{EXAMPLE_SERVICE}")
    # The nested rows arrive with the service, as in examples/service_full.json.
    assert service["organization"]["id"] == EXAMPLE_ORG
    assert service["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "ABC 1234"
    assert service["cost_options"] and service["schedules"] and service["phones"][0]["languages"]
    assert service["attributes"] == [] or service["attributes"][0]["taxonomy_term"]["id"]


@pytest.mark.parametrize("endpoint", sorted(LISTS))
def test_lists_are_schema_valid_in_every_variant(examples, riverside, hsds_dir, endpoint):
    item_schema, full_schema = LISTS[endpoint]
    page = get(f"/hsds/{endpoint}", per_page=3)
    assert {k: type(v) for k, v in page.items()} == PAGE_FIELDS
    for item in page["contents"]:
        assert_valid(hsds_dir, item_schema, item)
    if endpoint in ("services", "organizations", "service_at_locations"):
        for item in get(f"/hsds/{endpoint}", full="true")["contents"]:
            assert_valid(hsds_dir, full_schema, item)
    if endpoint == "services":
        minimal = get("/hsds/services", minimal="true")
        assert minimal["contents"] and set(minimal["contents"][0]) == {
            "id",
            "name",
            "status",
            "last_modified",
        }
        for item in minimal["contents"]:
            assert_valid(hsds_dir, item_schema, item)


def test_ndjson_streams_every_record_without_pages(examples, riverside, hsds_dir):
    response = Client().get("/hsds/services", {"format": "ndjson", "per_page": 1})
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Access-Control-Allow-Origin"] == "*"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 6
    for line in lines:
        assert_valid(hsds_dir, "compiled/service_list.json", json.loads(line))
    taxonomy_lines = b"".join(Client().get("/hsds/taxonomy_terms", {"format": "ndjson"}).streaming_content)
    assert len(taxonomy_lines.splitlines()) == 4


def test_unknown_ids_are_404_with_cors_and_bad_parameters_400(db):
    for path in ("/hsds/services/nope", "/hsds/services/7f1c7a8e-0000-4000-8000-000000000000"):
        response = Client().get(path)
        assert response.status_code == 404
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    for params in (
        {"page": "x"},
        {"per_page": "0"},
        {"full": "maybe"},
        {"day": "Funday"},
        {"start_time": "late"},
    ):
        response = Client().get("/hsds/services", params)
        assert response.status_code == 400, params
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_it_is_open_without_login_and_refuses_writes(cast):
    client = Client(enforce_csrf_checks=True)
    assert client.get("/hsds/services").status_code == 200
    assert client.post("/hsds/services", {}).status_code == 405
    # A signed-in member gets the same public feed.
    assert cast.client("member").get("/hsds/services").status_code == 200


def test_a_page_of_services_takes_the_same_number_of_queries_however_many_rows(
    cast, postcodes, terms, django_assert_max_num_queries
):
    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            get("/hsds/services", per_page=50)
            get("/hsds/services", per_page=50, full="true")
        return len(ctx.captured_queries)

    for i in range(3):
        services.create_service(actor=cast.actor("coordinator"), data=service_data(name=f"Group {i}"))
    few = count_queries()
    for i in range(3, 15):
        services.create_service(actor=cast.actor("coordinator"), data=service_data(name=f"Group {i}"))
    assert count_queries() == few


# ---- UK validator, level 1 ----------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", sorted(LISTS))
def test_uk_level_1_first_middle_and_last_pages_and_every_id_found(examples, riverside, hsds_dir, endpoint):
    item_schema, full_schema = LISTS[endpoint]
    per_page = 2
    first = get(f"/hsds/{endpoint}", per_page=per_page)
    assert first["page_number"] == 1 and first["first_page"] is True
    total = first["total_items"]
    assert first["total_pages"] == math.ceil(total / per_page)
    assert first["empty"] is (total == 0)
    last_number = first["total_pages"]
    pages = {1: first}
    for number in {(1 + last_number) // 2, last_number}:
        pages[number] = get(f"/hsds/{endpoint}", per_page=per_page, page=number)
    assert pages[last_number]["last_page"] is True
    assert pages[last_number]["size"] == total - per_page * (last_number - 1)
    seen = set()
    for number, page in pages.items():
        assert page["page_number"] == number
        assert page["size"] == len(page["contents"]) <= per_page
        for item_id in ids(page):
            assert item_id not in seen
            seen.add(item_id)
            assert_valid(hsds_dir, full_schema, get(f"/hsds/{endpoint}/{item_id}"))
    beyond = get(f"/hsds/{endpoint}", per_page=per_page, page=last_number + 1)
    assert beyond["contents"] == [] and beyond["last_page"] is True


# ---- UK validator, level 2 ----------------------------------------------------------------------


def test_uk_level_2_age_filters(riverside):
    youth, debt = str(riverside["youth"].pk), str(riverside["debt"].pk)
    at_least_11 = ids(get("/hsds/services", minimum_age=11))
    assert youth in at_least_11 and debt in at_least_11
    assert youth not in ids(get("/hsds/services", minimum_age=12))
    assert ids(get("/hsds/services", maximum_age=17)) == [youth]
    assert ids(get("/hsds/service_at_locations", maximum_age=17))[0] == str(
        riverside["youth"].service_at_locations.get().pk
    )


def test_uk_level_2_postcode_and_proximity(riverside):
    near = ids(get("/hsds/services", postcode="RV1 1AA", proximity=4000))
    assert set(near) == {str(riverside[k].pk) for k in ("walk", "youth", "debt")}
    assert near[0] == str(riverside["walk"].pk)  # nearest first
    assert str(riverside["far"].pk) in ids(get("/hsds/services", postcode="LS1 4AP", proximity=500))
    # An unknown full postcode in a known district is measured from the district's centre.
    assert str(riverside["walk"].pk) in ids(get("/hsds/services", postcode="RV1 9ZZ", proximity=2000))
    sal = ids(get("/hsds/service_at_locations", postcode="RV1 1AA", proximity=1000))
    assert sal == [str(riverside["walk"].service_at_locations.get().pk)]
    response = Client().get("/hsds/services", {"postcode": "ZZ9 9ZZ", "proximity": 1000})
    assert response.status_code == 400 and "postcode" in response.json()["errors"]


def test_uk_level_2_day_and_time(riverside):
    assert ids(get("/hsds/services", day="SA")) == [str(riverside["youth"].pk)]
    assert ids(get("/hsds/services", day="Thursday")) == [str(riverside["debt"].pk)]
    evening = ids(get("/hsds/services", start_time="17:00"))
    assert evening == [str(riverside["online"].pk)]
    morning = set(ids(get("/hsds/services", end_time="12:00")))
    assert morning == {str(riverside[k].pk) for k in ("walk", "youth", "far")}
    assert ids(get("/hsds/service_at_locations", day="MO", start_time="12:00", end_time="17:00")) == [
        str(riverside["debt"].service_at_locations.get().pk)
    ]


def test_uk_level_2_taxonomy(riverside, terms):
    activity = set(ids(get("/hsds/services", taxonomy_term_id=str(terms["activity"].pk))))
    assert activity == {str(riverside["walk"].pk), str(riverside["youth"].pk)}
    assert ids(get("/hsds/services", taxonomy_term_id=str(terms["money"].pk))) == [str(riverside["debt"].pk)]
    everything = set(ids(get("/hsds/services", taxonomy_id=str(terms["money"].taxonomy_detail_id))))
    assert everything == {str(riverside[k].pk) for k in ("walk", "youth", "debt")}
    children = get("/hsds/taxonomy_terms", parent_id=str(terms["wellbeing"].pk))
    assert ids(children) == [str(terms["activity"].pk)]
    top = set(ids(get("/hsds/taxonomy_terms", top_only="true")))
    assert top == {str(terms["wellbeing"].pk), str(terms["money"].pk)}


def test_uk_level_2_text_search(riverside):
    assert set(ids(get("/hsds/services", search="walking"))) == {
        str(riverside["walk"].pk),
        str(riverside["far"].pk),
    }
    assert ids(get("/hsds/services", search="debts")) == [str(riverside["debt"].pk)]
    # Organisation names and category names are searched too.
    assert ids(get("/hsds/services", search="Befrienders")) == [str(riverside["online"].pk)]
    assert str(riverside["youth"].pk) in ids(get("/hsds/services", search="physical activity"))
    assert ids(get("/hsds/services", search="zebra")) == []
    assert ids(get("/hsds/organizations", search="Advice")) == [str(riverside["debt"].organization_id)]


def test_organization_and_modified_after_filters(riverside):
    org = str(riverside["debt"].organization_id)
    assert ids(get("/hsds/services", organization_id=org)) == [str(riverside["debt"].pk)]
    assert len(ids(get("/hsds/services", modified_after="2000-01-01"))) == 5
    assert ids(get("/hsds/services", modified_after="2999-01-01T00:00:00Z")) == []


def test_uk_level_2_every_record_is_found_by_its_own_values(examples, riverside):
    """The UK validator's level 2 done its way: take each service the feed lists, read its own age
    range, categories, times and postcode, search by each, and expect the service among the results
    (of /services and, for its places, of /service_at_locations)."""
    checked = {"text": 0, "taxonomy": 0, "age": 0, "day": 0, "time": 0, "postcode": 0}

    def found(service_id: str, sal_ids: list[str], **params) -> None:
        assert service_id in ids(get("/hsds/services", per_page=1000, **params)), params
        if sal_ids:
            listed = ids(get("/hsds/service_at_locations", per_page=1000, **params))
            assert set(sal_ids) <= set(listed), params

    for summary in get("/hsds/services", per_page=1000)["contents"]:
        service = get(f"/hsds/services/{summary['id']}")
        sid = service["id"]
        sal_ids = [sal["id"] for sal in service["service_at_locations"]]
        found(sid, sal_ids, search=service["name"])
        checked["text"] += 1
        for attribute in service["attributes"]:
            term = attribute["taxonomy_term"]
            found(sid, sal_ids, taxonomy_term_id=term["id"])
            if term.get("taxonomy_id"):
                found(sid, sal_ids, taxonomy_id=term["taxonomy_id"])
            checked["taxonomy"] += 1
        for name in ("minimum_age", "maximum_age"):
            if name in service:
                found(sid, sal_ids, **{name: service[name]})
                checked["age"] += 1
        for schedule in service["schedules"]:
            for day in schedule.get("byday", "").split(","):
                if day:
                    found(sid, sal_ids, day=day)
                    checked["day"] += 1
            if "opens_at" in schedule and "closes_at" in schedule:
                found(sid, sal_ids, start_time=schedule["opens_at"], end_time=schedule["closes_at"])
                checked["time"] += 1
        for sal in service["service_at_locations"]:
            for address in sal["location"]["addresses"]:
                if services.postcode_point(address["postal_code"]) is None:
                    continue  # the official examples' "ABC 1234" is no UK postcode
                near = get("/hsds/service_at_locations", postcode=address["postal_code"], proximity=500)
                assert sal["id"] in ids(near)
                found(sid, [], postcode=address["postal_code"], proximity=500)
                checked["postcode"] += 1
    assert all(checked.values()), checked


@pytest.mark.parametrize("endpoint", sorted(LISTS))
def test_ndjson_is_every_record_of_every_list_schema_valid(examples, riverside, hsds_dir, endpoint):
    item_schema, _ = LISTS[endpoint]
    response = Client().get(f"/hsds/{endpoint}", {"format": "ndjson"})
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Access-Control-Allow-Origin"] == "*"
    lines = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    paged = get(f"/hsds/{endpoint}", per_page=1000)
    assert [item["id"] for item in lines] == ids(paged)
    for item in lines:
        assert_valid(hsds_dir, item_schema, item)


def test_ndjson_keeps_the_filters_the_distance_order_and_minimal(riverside):
    def stream(path: str, **params) -> list[dict]:
        response = Client().get(path, {"format": "ndjson", **params})
        return [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]

    near = {"postcode": "RV1 1AA", "proximity": 4000}
    assert [s["id"] for s in stream("/hsds/services", **near)] == ids(get("/hsds/services", **near))
    assert [s["id"] for s in stream("/hsds/service_at_locations", **near)] == ids(
        get("/hsds/service_at_locations", **near)
    )
    minimal = stream("/hsds/services", minimal="true", day="SA")
    assert minimal == [
        {
            "id": str(riverside["youth"].pk),
            "name": "Youth Football",
            "status": "active",
            "last_modified": minimal[0]["last_modified"],
        }
    ]


def test_organizations_list_with_full_services_is_schema_valid(examples, riverside, hsds_dir):
    page = get("/hsds/organizations", full_service="true")
    assert any(org["services"] and "service_at_locations" in org["services"][0] for org in page["contents"])
    for org in page["contents"]:
        assert_valid(hsds_dir, "compiled/organization.json", org)


def test_cross_origin_preflight_and_head_are_answered(db):
    client = Client()
    response = client.options(
        "/hsds/services", HTTP_ORIGIN="https://example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    response = client.head("/hsds/services")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("text", ["a", "!!!", "Ò"])
def test_a_search_with_no_searchable_words_finds_nothing_instead_of_failing(riverside, text):
    services_page = get("/hsds/services", search=text)
    ndjson = Client().get("/hsds/services", {"search": text, "format": "ndjson"})

    assert services_page["total_items"] == 0 and services_page["contents"] == []
    assert ndjson.status_code == 200 and b"".join(ndjson.streaming_content) == b""
