import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from support import services
from support.models import Referral
from support.tests.conftest import referral_data


def api_referral(service, **overrides):
    data = referral_data(**overrides)
    data["service"] = service.pk
    data["date_of_birth"] = str(data["date_of_birth"])
    return data


def test_staff_send_a_referral_and_see_it_listed(cast, live_well):
    client = cast.client("link_worker")
    response = client.post(
        "/api/support/referrals/", api_referral(live_well), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "received" and body["channel"] == "api" and body["service_name"] == "Live Well"
    listed = client.get("/api/support/referrals/").json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]


def test_bad_input_gets_a_readable_400_and_writes_nothing(cast, live_well):
    client = cast.client("link_worker")
    response = client.post(
        "/api/support/referrals/",
        api_referral(live_well, date_of_birth="31/02/1970", postcode="nowhere"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Check the referral details."
    assert set(response.json()["errors"]) == {"date_of_birth", "postcode"}
    unknown = client.post(
        "/api/support/referrals/",
        api_referral(live_well) | {"hair_colour": "red"},
        content_type="application/json",
    )
    assert unknown.status_code == 400 and "hair_colour" in unknown.json()["errors"]
    assert not Referral.objects.exists()


def test_a_service_in_another_hub_is_a_404(cast, live_well):
    response = cast.client("outsider").post(
        "/api/support/referrals/", api_referral(live_well), content_type="application/json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["member", "peer", "commissioner", "administrator"])
def test_others_cannot_list_or_send_referrals(cast, live_well, name):
    client = cast.client(name)
    assert client.get("/api/support/referrals/").status_code == 403
    response = client.post(
        "/api/support/referrals/", api_referral(live_well), content_type="application/json"
    )
    assert response.status_code == 403


def test_triage_shows_the_rules_and_takes_a_decision(cast, make_referral):
    referral = make_referral()
    client = cast.client("link_worker")
    rules = client.get(f"/api/support/referrals/{referral.pk}/eligibility/").json()
    assert [r["rule"] for r in rules] == ["Age", "Area", "GP practice", "Not for: Severe mental illness"]
    missing = client.post(
        f"/api/support/referrals/{referral.pk}/decision/", {"decision": "decline", "reason": ""}
    )
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    done = client.post(
        f"/api/support/referrals/{referral.pk}/decision/", {"decision": "decline", "reason": "Full"}
    )
    assert done.status_code == 200 and done.json()["status"] == "declined"
    again = client.post(
        f"/api/support/referrals/{referral.pk}/decision/", {"decision": "decline", "reason": "x"}
    )
    assert again.status_code == 409


def test_sessions_over_the_cap_are_a_409(cast, accepted):
    client = cast.client("link_worker")
    body = {"held_on": str(timezone.localdate()), "kind": "phone", "minutes": 30}
    for _ in range(5):
        assert client.post(f"/api/support/referrals/{accepted.pk}/sessions/", body).status_code == 201
    over = client.post(f"/api/support/referrals/{accepted.pk}/sessions/", body)
    assert over.status_code == 409 and "All 5 sessions" in over.json()["detail"]
    assert len(client.get(f"/api/support/referrals/{accepted.pk}/sessions/").json()) == 5


def test_sensitive_notes_are_hidden_from_the_member_in_the_api(cast, accepted):
    services.record_session(
        actor=cast.actor("link_worker"),
        referral=accepted,
        held_on=timezone.localdate(),
        kind="phone",
        minutes=10,
        notes="Private",
        sensitivity="sensitive",
    )
    [row] = cast.client("member").get(f"/api/support/referrals/{accepted.pk}/sessions/").json()
    assert row["notes"] == "" and row["notes_hidden"] is True
    [row] = cast.client("link_worker").get(f"/api/support/referrals/{accepted.pk}/sessions/").json()
    assert row["notes"] == "Private"


def test_a_link_worker_cannot_open_a_referral_in_another_hub(cast, accepted):
    assert cast.client("outsider").get(f"/api/support/referrals/{accepted.pk}/").status_code == 404
    assert cast.client("member2").get(f"/api/support/referrals/{accepted.pk}/").status_code == 403


def test_a_referrer_sees_only_their_own_referrals_status(cast, live_well, make_referral):
    client = cast.client("referrer")
    mine = client.post(
        "/api/support/referrals/",
        api_referral(live_well, full_name="Ann Other"),
        content_type="application/json",
    )
    assert mine.status_code == 201
    make_referral(full_name="Not Theirs")
    rows = client.get("/api/support/my-referrals/").json()
    assert [r["name"] for r in rows] == ["Ann Other"]
    assert client.get(f"/api/support/referrals/{mine.json()['id']}/").status_code == 403
    assert client.get("/api/support/referrals/").status_code == 403


def test_the_caseload_is_the_workers_own(cast, accepted):
    body = cast.client("link_worker").get("/api/support/caseload/").json()
    assert body["size"] == 1 and body["rows"][0]["person"] == "Mo Member"
    assert body["rows"][0]["session_cap"] == 5
    assert cast.client("member").get("/api/support/caseload/").status_code == 403


def test_a_csv_upload_adds_referrals_or_reports_every_problem(cast, live_well):
    client = cast.client("link_worker")
    good = "full_name,source,reasons,referrer_name\r\nAnn Able,gp,isolation,Dr R\r\n"
    response = client.post(
        "/api/support/referrals/upload/",
        {
            "service": live_well.pk,
            "file": SimpleUploadedFile("r.csv", good.encode(), content_type="text/csv"),
        },
    )
    assert response.status_code == 201 and response.json()[0]["full_name"] == "Ann Able"
    bad = client.post(
        "/api/support/referrals/upload/",
        {"service": live_well.pk, "file": SimpleUploadedFile("r.csv", b"name,colour\r\nx,y\r\n")},
    )
    assert bad.status_code == 400
    assert any("Unknown columns" in p for p in bad.json()["errors"]["file"])
    assert Referral.objects.count() == 1


def test_the_public_self_referral_needs_no_login_and_is_rate_limited(cast, live_well, client, settings):
    settings.SUPPORT_SELF_REFERRAL_LIMIT = "2/3600"
    body = api_referral(live_well, source="self", referrer_name="") | {"hub": "riverside"}
    for _ in range(2):
        response = client.post("/api/support/self-referrals/", body, content_type="application/json")
        assert response.status_code == 201
        assert set(response.json()) == {"detail"}
    limited = client.post("/api/support/self-referrals/", body, content_type="application/json")
    assert limited.status_code == 429 and "wait an hour" in limited.json()["detail"]
    assert Referral.objects.filter(channel="self_form").count() == 2


def test_the_self_referral_refuses_unknown_hubs(cast, live_well, client):
    body = api_referral(live_well, source="self") | {"hub": "nowhere"}
    assert (
        client.post("/api/support/self-referrals/", body, content_type="application/json").status_code == 404
    )


def test_the_referral_list_costs_the_same_queries_however_long(cast, make_referral):
    client = cast.client("link_worker")
    make_referral(full_name="First One")
    with CaptureQueriesContext(connection) as small:
        client.get("/api/support/referrals/")
    for i in range(6):
        make_referral(full_name=f"Person {i}")
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/support/referrals/").json()["results"]) == 7
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_schema_includes_the_support_api(cast):
    response = cast.client("coordinator").get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/support/referrals/" in response.content


def test_the_schema_describes_the_caseload_as_the_object_it_is(cast, accepted):
    body = cast.client("link_worker").get("/api/support/caseload/").json()
    schema = cast.client("coordinator").get("/api/schema/?format=json").json()

    ok = schema["paths"]["/api/support/caseload/"]["get"]["responses"]["200"]["content"]["application/json"]
    name = ok["schema"]["$ref"].rsplit("/", 1)[-1]
    described = schema["components"]["schemas"][name]
    assert described["type"] == "object"
    assert set(described["properties"]) == set(body) == {"size", "limit", "warning", "rows"}
    assert described["properties"]["rows"]["type"] == "array"


def test_a_page_past_the_end_of_the_referral_list_is_a_documented_json_404(cast, accepted):
    response = cast.client("link_worker").get("/api/support/referrals/?page=5")
    schema = cast.client("coordinator").get("/api/schema/?format=json").json()

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}
    assert "404" in schema["paths"]["/api/support/referrals/"]["get"]["responses"]
