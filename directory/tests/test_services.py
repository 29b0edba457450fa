"""Directory services: every write checks permission, validates, writes metadata and audit in one go."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEvent
from directory import queries, services
from directory.models import Attribute, CostOption, Metadata, Postcode, Schedule, Service

from .conftest import SAMPLE_POSTCODES, service_data


def test_it_adds_a_service_with_its_place_times_costs_and_categories(cast, postcodes, terms):
    service = services.create_service(
        actor=cast.actor("coordinator"), data=service_data(term_ids=[str(terms["activity"].pk)])
    )
    assert service.hub == cast.hub
    assert service.organization.name == "Riverside Ramblers"
    sal = service.service_at_locations.get()
    assert sal.location.latitude == pytest.approx(53.7003)
    assert sal.location.addresses.get().postal_code == "RV1 1AA"
    assert sal.location.accessibility.get().description.startswith("Step-free")
    schedule = Schedule.objects.get(service=service)
    assert schedule.byday == "WE" and schedule.opens_at == dt.time(10, 0)
    assert CostOption.objects.get(service=service, option=services.COST_OPTION_STANDARD).amount == 0
    assert Attribute.objects.filter(link_id=service.pk, taxonomy_term=terms["activity"]).exists()
    assert "Physical activity" in service.search_text and "Wellbeing" in service.search_text
    assert Metadata.objects.filter(resource_id=service.pk, last_action_type="create").exists()
    assert AuditEvent.objects.filter(object_id=str(service.pk), action="create").exists()


@pytest.mark.parametrize("who", ["coordinator", "link_worker"])
def test_coordinators_and_link_workers_add_services(make_service, who):
    assert make_service(who).pk


@pytest.mark.parametrize(
    "who", ["member", "peer", "commissioner", "administrator", "broker", "referrer", "volunteer"]
)
def test_other_roles_cannot_add_services(cast, postcodes, who):
    with pytest.raises(PermissionDenied):
        services.create_service(actor=cast.actor(who), data=service_data())
    assert not Service.objects.exists()


def test_it_lists_every_problem_and_writes_nothing(cast, postcodes):
    bad = service_data(
        name="",
        minimum_age=70,
        maximum_age=12,
        email="not-an-email",
        opens_at="11:00",
        closes_at="10:00",
        postcode="nowhere",
        capacity=3,
        spaces_left=9,
        cost_amount="lots",
        term_ids=["7f1c7a8e-0000-4000-8000-000000000000"],
    )
    with pytest.raises(DomainError) as error:
        services.create_service(actor=cast.actor("coordinator"), data=bad)
    assert set(error.value.field_errors) == {
        "name",
        "maximum_age",
        "email",
        "closes_at",
        "postcode",
        "spaces_left",
        "cost_amount",
        "term_ids",
    }
    assert not Service.objects.exists()


def test_it_refuses_unknown_fields(cast):
    with pytest.raises(DomainError):
        services.create_service(actor=cast.actor("coordinator"), data={**service_data(), "hub": 3})


def test_update_records_who_changed_which_field(cast, make_service):
    service = make_service()
    services.update_service(
        actor=cast.actor("link_worker"), service=service, data={"spaces_left": 2, "days": ["TU"]}
    )
    service.refresh_from_db()
    assert service.spaces_left == 2
    assert Schedule.objects.get(service=service).byday == "TU"
    changed = set(
        Metadata.objects.filter(resource_id=service.pk, last_action_type="update").values_list(
            "field_name", "updated_by"
        )
    )
    assert changed == {("spaces_left", "Lin Linkworker"), ("days", "Lin Linkworker")}
    event = AuditEvent.objects.get(object_id=str(service.pk), action="update")
    assert event.fields == ["days", "spaces_left"]


def test_an_update_that_changes_nothing_writes_nothing(cast, make_service):
    service = make_service()
    before = Metadata.objects.count()
    services.update_service(actor=cast.actor("coordinator"), service=service, data={})
    assert Metadata.objects.count() == before


def test_other_hubs_cannot_change_a_service_even_when_shared(cast, make_service):
    service = make_service()
    services.share_service(actor=cast.actor("coordinator"), service=service, hubs=[cast.other_hub])
    assert service in queries.services_for_hub(cast.other_hub)
    with pytest.raises(PermissionDenied):
        services.update_service(actor=cast.actor("outsider"), service=service, data={"name": "Mine"})
    with pytest.raises(PermissionDenied):
        services.verify_service(actor=cast.actor("outsider"), service=service)


def test_verify_sets_the_last_checked_date(cast, make_service):
    service = make_service()
    service = services.verify_service(actor=cast.actor("link_worker"), service=service)
    assert service.assured_date == timezone.localdate()
    assert service.assurer_email == "lin@example.org"


def test_only_coordinators_retire_and_a_reason_is_needed(cast, make_service):
    service = make_service()
    with pytest.raises(PermissionDenied):
        services.retire_service(actor=cast.actor("link_worker"), service=service, reason="Closed")
    with pytest.raises(DomainError):
        services.retire_service(actor=cast.actor("coordinator"), service=service, reason=" ")
    services.retire_service(actor=cast.actor("coordinator"), service=service, reason="The group has stopped")
    service.refresh_from_db()
    assert service.status == "defunct" and service.alert == "The group has stopped"
    assert service not in queries.services_for_hub(cast.hub)
    with pytest.raises(DomainError):
        services.retire_service(actor=cast.actor("coordinator"), service=service, reason="Again")


def test_postcodes_load_with_district_centres_and_skip_terminated(db):
    loaded = services.load_postcodes(SAMPLE_POSTCODES)
    assert loaded == 17  # one terminated row skipped
    assert Postcode.objects.filter(code="RV11AA").exists()
    assert not Postcode.objects.filter(code="RV99XX").exists()
    district = Postcode.objects.get(code="RV1")
    assert 53.69 < district.latitude < 53.71
    # A postcode we do not know falls back to its district's centre.
    assert services.postcode_point("rv1 9zz") == (district.latitude, district.longitude)
    assert services.postcode_point("ZZ9 9ZZ") is None
    # Loading again updates in place.
    assert services.load_postcodes(SAMPLE_POSTCODES) == 17
    assert Postcode.objects.filter(code="RV11AA").count() == 1


def test_postcodes_refuse_a_file_without_the_ons_columns(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("postcode,x,y\nRV1 1AA,1,2\n")
    with pytest.raises(DomainError, match="no column"):
        services.load_postcodes(path)
    assert not Postcode.objects.exists()


def test_other_apps_find_services_by_id_within_what_their_hub_may_use(cast, make_service):
    service = make_service()
    assert queries.get_service(service.pk) == service
    assert queries.get_service(str(service.pk), hub=cast.hub) == service
    assert queries.get_service(service.pk, hub=cast.other_hub) is None
    assert queries.get_service("not-an-id") is None
    services.share_service(actor=cast.actor("coordinator"), service=service, hubs=[cast.other_hub])
    assert queries.get_service(service.pk, hub=cast.other_hub) == service
    assert list(queries.services_for_hub(cast.other_hub)) == [service]
    # A retired service still resolves by id, so an old referral still reads, but is not offered.
    services.retire_service(actor=cast.actor("coordinator"), service=service, reason="Stopped")
    assert queries.get_service(service.pk, hub=cast.hub) is not None
    assert list(queries.services_for_hub(cast.hub)) == []


def test_search_measures_from_a_point_as_well_as_a_postcode(make_service):
    near = make_service(name="Near Walk", postcode="RV1 1AA")
    far = make_service(name="Far Walk", postcode="RV7 8NP")
    leeds = make_service(name="Leeds Walk", postcode="LS1 4AP")
    point = services.postcode_point("RV1 1AA")
    results = queries.search_services(queries.Filters(point=point, radius_m=10_000))
    assert [s.name for s in results.items] == [near.name, far.name]
    assert results.distances[near.pk] < 50 < results.distances[far.pk] <= 10_000
    assert leeds not in results.items


def test_other_apps_resolve_many_services_in_one_query(cast, make_service, django_assert_num_queries):
    mine = [make_service(name=f"Group {i}") for i in range(3)]
    ids = [s.pk for s in mine] + ["not-an-id", "7f1c7a8e-0000-4000-8000-000000000000"]
    with django_assert_num_queries(1):
        found = queries.services_by_id(ids, hub=cast.hub)
        assert [found[s.pk].organization.name for s in mine] == ["Riverside Ramblers"] * 3
    assert queries.services_by_id(ids, hub=cast.other_hub) == {}
    services.share_service(actor=cast.actor("coordinator"), service=mine[0], hubs=[cast.other_hub])
    assert list(queries.services_by_id(ids, hub=cast.other_hub)) == [mine[0].pk]


def test_the_postcode_command_loads_the_sample_and_reports(db):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("import_postcodes", str(SAMPLE_POSTCODES), stdout=out)
    assert "Loaded 17 postcodes." in out.getvalue()
    assert services.postcode_point("RV1 1AA") is not None
    with pytest.raises(CommandError, match="No such file|not found|Errno"):
        call_command("import_postcodes", "/nonexistent/onspd.csv", stdout=io.StringIO())
