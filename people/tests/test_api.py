"""The people API at /api/: who may list, read, create and change records, and what bad input gets back."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from core.roles import Role
from core.testing import make_person
from people.models import ConsentEvent, Person, ProfileEntry

STAFF = ["link_worker", "broker", "coordinator", "administrator"]
NOT_STAFF = ["member", "peer", "volunteer", "referrer", "commissioner"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def post_json(client: Client, url: str, data) -> object:
    return client.post(url, data, content_type="application/json")


def patch_json(client: Client, url: str, data) -> object:
    return client.patch(url, data, content_type="application/json")


def names(response) -> set[str]:
    return {row["full_name"] for row in response.json()["results"]}


def written() -> tuple[int, int, int]:
    """What a refused create must leave untouched."""
    return (
        Person.objects.count(),
        AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).count(),
        ProfileEntry.objects.count(),
    )


def add_people(hub, count: int, *, start: int = 0) -> None:
    for i in range(start, start + count):
        person = make_person(
            hub,
            f"Zed Extra{i:03d}",
            Role.MEMBER,
            login=False,
            email=f"zed{i}@example.org",
            postcode="LS2 7EW",
        )
        ProfileEntry.objects.create(person=person, kind=ProfileEntry.Kind.SKILL, text="Gardening")
        ProfileEntry.objects.create(person=person, kind=ProfileEntry.Kind.NEED, text="Company")


# Listing and searching


@pytest.mark.parametrize("role", STAFF)
def test_it_lists_people_of_the_staff_members_own_hub_only(cast, role):
    response = cast.client(role).get("/api/people/")

    assert response.status_code == 200
    listed = names(response)
    assert "Mo Member" in listed
    assert "Mia Member" in listed
    assert "Nina Northgate" not in listed
    assert "Otto Outsider" not in listed
    assert response.json()["count"] == Person.objects.filter(hub=cast.hub).count()


@pytest.mark.parametrize("role", STAFF)
def test_it_searches_within_the_staff_members_own_hub_only(cast, role):
    make_person(cast.other_hub, "Mona Northgate", Role.MEMBER, login=False, email="mona@example.org")

    response = cast.client(role).get("/api/people/", {"search": "mo"})

    assert response.status_code == 200
    listed = names(response)
    assert "Mo Member" in listed
    assert "Mona Northgate" not in listed


def test_it_searches_by_postcode(cast):
    response = cast.client("link_worker").get("/api/people/", {"search": "LS1 4AP"})

    assert names(response) == {"Mo Member"}


def test_the_outsider_sees_only_northgate(cast):
    response = cast.client("outsider").get("/api/people/")

    assert names(response) == {"Otto Outsider", "Nina Northgate"}


@pytest.mark.parametrize("role", NOT_STAFF)
def test_it_refuses_the_list_to_roles_that_do_not_work_on_records(cast, role):
    response = cast.client(role).get("/api/people/", {"search": "Mo"})

    assert response.status_code == 403
    assert "Mo Member" not in response.content.decode()
    assert "detail" in response.json()


def test_it_refuses_the_list_to_a_signed_out_visitor(cast):
    response = Client().get("/api/people/")

    assert response.status_code == 403


def test_it_refuses_a_login_with_no_record_in_any_hub(cast):
    user = User.objects.create_user(username="nobody", password="x" * 12)
    client = Client()
    client.force_login(user)

    assert client.get("/api/people/").status_code == 403
    assert client.get("/api/me/").status_code == 403


def test_list_query_count_stays_constant_as_people_are_added(cast):
    client = cast.client("link_worker")
    add_people(cast.hub, 5)
    client.get("/api/people/")  # warm up the session

    with CaptureQueriesContext(connection) as few:
        response = client.get("/api/people/")
    assert response.json()["count"] == Person.objects.filter(hub=cast.hub).count()

    add_people(cast.hub, 25, start=5)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/people/")
    assert response.json()["count"] == Person.objects.filter(hub=cast.hub).count()
    assert len(response.json()["results"]) > 30

    assert len(many.captured_queries) == len(few.captured_queries)


# Individual records


def test_it_shows_a_record_with_its_lists_and_roles(cast):
    ProfileEntry.objects.create(person=cast.member, kind=ProfileEntry.Kind.HOPE, text="Join a choir")

    response = cast.client("link_worker").get(f"/api/people/{cast.member.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["full_name"] == "Mo Member"
    assert body["roles"] == ["member"]
    assert body["what_matters_and_offers"]["hope"] == ["Join a choir"]
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, person=cast.member, actor=cast.link_worker.user
    ).exists()


@pytest.mark.parametrize(
    "path",
    ["/api/people/{id}/", "/api/people/{id}/consents/", "/api/people/{id}/audit/"],
)
def test_the_commissioner_never_sees_another_persons_record(cast, path):
    client = cast.client("commissioner")
    others = Person.objects.filter(hub=cast.hub).exclude(pk=cast.commissioner.pk)

    for person in others:
        response = client.get(path.format(id=person.pk))
        assert response.status_code == 403, person
        assert person.full_name not in response.content.decode()


def test_the_commissioner_cannot_change_or_record_consent_for_anyone(cast):
    client = cast.client("commissioner")

    patched = patch_json(client, f"/api/people/{cast.member.pk}/", {"phone": "0000"})
    consent = post_json(
        client,
        f"/api/people/{cast.member.pk}/consents/",
        {"purpose": "evaluation", "granted": True, "method": "verbal"},
    )
    created = post_json(client, "/api/people/", {"full_name": "New Person"})

    assert (patched.status_code, consent.status_code, created.status_code) == (403, 403, 403)
    cast.member.refresh_from_db()
    assert cast.member.phone == ""
    assert not ConsentEvent.objects.exists()
    assert not Person.objects.filter(full_name="New Person").exists()


def test_guessing_an_id_from_another_hub_gives_404_without_the_name(cast):
    client = cast.client("link_worker")
    nina = cast.other_member

    for path in (
        f"/api/people/{nina.pk}/",
        f"/api/people/{nina.pk}/consents/",
        f"/api/people/{nina.pk}/audit/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Nina" not in response.content.decode()
        assert "Northgate" not in response.content.decode()
    response = patch_json(client, f"/api/people/{nina.pk}/", {"full_name": "Changed"})
    assert response.status_code == 404
    nina.refresh_from_db()
    assert nina.full_name == "Nina Northgate"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DENIED, actor=cast.link_worker.user, hub=cast.hub
    ).exists()


@pytest.mark.parametrize("person_id", ["999999", "99999999999999999999999"])
def test_it_gives_404_for_an_id_that_does_not_exist(cast, person_id):
    response = cast.client("coordinator").get(f"/api/people/{person_id}/")

    assert response.status_code == 404


def test_it_gives_the_member_their_own_record_at_me(cast):
    response = cast.client("member", verified=False).get("/api/me/")

    assert response.status_code == 200
    assert response.json()["id"] == cast.member.pk
    assert response.json()["postcode"] == "LS1 4AP"


# Creating


def test_it_creates_a_person_with_both_lists(cast):
    payload = {
        "full_name": "Nadia Newcomer",
        "preferred_name": "Nad",
        "email": "Nadia@Example.org",
        "postcode": "ls6 2ab",
        "nhs_number": "943 476 5919",
        "date_of_birth": "1980-05-17",
        "what_matters_and_offers": {
            "need": ["Someone to talk to", "Help with forms"],
            "hope": ["Get back to work"],
            "skill": ["Baking"],
            "lived_experience": ["Caring for a parent"],
        },
    }

    response = post_json(cast.client("link_worker"), "/api/people/", payload)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["full_name"] == "Nadia Newcomer"
    assert body["email"] == "nadia@example.org"
    assert body["postcode"] == "LS6 2AB"
    assert body["nhs_number"] == "9434765919"
    assert body["roles"] == ["member"]
    assert body["what_matters_and_offers"] == {
        "need": ["Someone to talk to", "Help with forms"],
        "hope": ["Get back to work"],
        "skill": ["Baking"],
        "interest": [],
        "lived_experience": ["Caring for a parent"],
    }
    person = Person.objects.get(pk=body["id"])
    assert person.hub == cast.hub
    assert person.created_by == cast.link_worker.user
    assert person.profile_entries.count() == 5
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, person=person)
    assert event.actor == cast.link_worker.user
    assert event.actor_label == "Lin Linkworker"
    # Field names only: the audit log must never copy health data.
    assert "nhs_number" in event.fields
    assert "9434765919" not in str(event.fields) + event.summary


def test_it_ignores_fields_a_client_may_not_set(cast):
    payload = {
        "full_name": "Sly Person",
        "hub": cast.other_hub.pk,
        "roles": ["administrator"],
        "created_by": cast.outsider.user.pk,
        "id": cast.member.pk,
        "shoe_size": 9,
        "what_matters_and_offers": {"wishes": ["Everything"], "skill": ["Knitting"]},
    }

    response = post_json(cast.client("link_worker"), "/api/people/", payload)

    assert response.status_code == 201, response.content
    person = Person.objects.get(full_name="Sly Person")
    assert person.hub == cast.hub
    assert person.pk != cast.member.pk
    assert person.created_by == cast.link_worker.user
    assert list(person.role_grants.values_list("role", flat=True)) == ["member"]
    assert list(person.profile_entries.values_list("text", flat=True)) == ["Knitting"]


def test_it_allows_the_same_email_in_another_hub(cast):
    response = post_json(
        cast.client("link_worker"), "/api/people/", {"full_name": "Nina Again", "email": "nina@example.org"}
    )

    assert response.status_code == 201


def test_it_refuses_creation_by_a_member_and_writes_nothing(cast):
    before = written()

    response = post_json(cast.client("member"), "/api/people/", {"full_name": "Friend Of Mo"})

    assert response.status_code == 403
    assert written() == before


LONG_ITEM = "x" * 301


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        pytest.param(
            {"full_name": "Ned Number", "nhs_number": "9434765918"},
            400,
            "nhs_number",
            id="invalid_nhs_number",
        ),
        pytest.param(
            {"full_name": "Ned Short", "nhs_number": "12345"}, 400, "nhs_number", id="short_nhs_number"
        ),
        pytest.param(
            {"full_name": "Double Mo", "email": "MO@example.org"}, 409, "email", id="duplicate_email"
        ),
        pytest.param({"email": "nameless@example.org"}, 400, "full_name", id="missing_full_name"),
        pytest.param({"full_name": "   "}, 400, "full_name", id="blank_full_name"),
        pytest.param(
            {"full_name": "Al Address", "address": "a" * 600}, 400, "address", id="oversized_address"
        ),
        pytest.param({"full_name": "N" * 201}, 400, "full_name", id="oversized_name"),
        pytest.param(
            {"full_name": "Pip Postcode", "postcode": "NOT A CODE"}, 400, "postcode", id="bad_postcode"
        ),
        pytest.param({"full_name": "Em Email", "email": "not-an-email"}, 400, "email", id="bad_email"),
        pytest.param(
            {"full_name": "Fay Future", "date_of_birth": "2999-01-01"},
            400,
            "date_of_birth",
            id="future_birth",
        ),
        pytest.param(
            {"full_name": "Lon Glist", "what_matters_and_offers": {"skill": ["Baking", LONG_ITEM]}},
            400,
            "what_matters_and_offers",
            id="oversized_list_item",
        ),
        pytest.param(
            {
                "full_name": "Many Skills",
                "what_matters_and_offers": {"skill": [f"Skill {i}" for i in range(31)]},
            },
            400,
            "skill",
            id="too_many_list_items",
        ),
        pytest.param(
            {"full_name": "Nota List", "what_matters_and_offers": {"skill": "Baking"}},
            400,
            "what_matters_and_offers",
            id="list_that_is_not_a_list",
        ),
    ],
)
def test_it_refuses_bad_input_with_a_readable_body_and_writes_nothing(cast, payload, status, field):
    before = written()

    response = post_json(cast.client("link_worker"), "/api/people/", payload)

    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert any(key.startswith(field) or field in key for key in body["errors"]), body
    assert all(isinstance(messages, list) for messages in body["errors"].values()), body
    assert written() == before


def test_it_refuses_invalid_nhs_number_and_writes_nothing(cast):
    before = written()

    response = post_json(
        cast.client("coordinator"), "/api/people/", {"full_name": "Ned Number", "nhs_number": "9434765918"}
    )

    assert response.status_code == 400
    assert "last digit does not match" in response.json()["errors"]["nhs_number"][0]
    assert written() == before


def test_it_refuses_a_duplicate_email_in_the_same_hub_with_409(cast):
    before = written()

    response = post_json(
        cast.client("coordinator"), "/api/people/", {"full_name": "Mo Again", "email": " mo@example.org "}
    )

    assert response.status_code == 409
    assert response.json()["errors"]["email"] == ["Someone in this hub already has this email address."]
    assert written() == before


def test_it_refuses_a_body_that_is_not_json_object(cast):
    before = written()

    response = post_json(cast.client("coordinator"), "/api/people/", ["full_name", "Ned"])

    assert response.status_code == 400
    assert "detail" in response.json()
    assert written() == before


# Changing


def test_the_member_can_correct_their_own_record(cast):
    client = cast.client("member", verified=False)

    response = patch_json(
        client, f"/api/people/{cast.member.pk}/", {"phone": "0113 496 0000", "pronouns": "he/him"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "0113 496 0000"
    cast.member.refresh_from_db()
    assert cast.member.phone == "0113 496 0000"
    assert cast.member.full_name == "Mo Member"
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, person=cast.member)
    assert event.summary == "Corrected their own details"
    assert event.fields == ["phone", "pronouns"]


def test_a_patch_of_one_list_keeps_the_other_lists(cast):
    ProfileEntry.objects.create(person=cast.member, kind=ProfileEntry.Kind.NEED, text="Company")
    client = cast.client("link_worker")

    response = patch_json(
        client, f"/api/people/{cast.member.pk}/", {"what_matters_and_offers": {"skill": ["Baking"]}}
    )

    assert response.status_code == 200, response.content
    lists = response.json()["what_matters_and_offers"]
    assert lists["skill"] == ["Baking"]
    assert lists["need"] == ["Company"]


def test_a_patch_that_empties_a_list_empties_it(cast):
    ProfileEntry.objects.create(person=cast.member, kind=ProfileEntry.Kind.NEED, text="Company")

    response = patch_json(
        cast.client("link_worker"),
        f"/api/people/{cast.member.pk}/",
        {"what_matters_and_offers": {"need": []}},
    )

    assert response.status_code == 200
    assert response.json()["what_matters_and_offers"]["need"] == []
    assert not cast.member.profile_entries.exists()


def test_a_member_cannot_change_another_member_and_the_attempt_is_audited(cast):
    client = cast.client("member")

    response = patch_json(client, f"/api/people/{cast.member2.pk}/", {"full_name": "Hacked"})

    assert response.status_code in (403, 404)
    assert "detail" in response.json()
    cast.member2.refresh_from_db()
    assert cast.member2.full_name == "Mia Member"
    denied = AuditEvent.objects.get(action=AuditEvent.Action.DENIED)
    assert denied.actor == cast.member.user
    assert denied.person == cast.member2
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()


def test_a_member_cannot_read_another_member(cast):
    response = cast.client("member").get(f"/api/people/{cast.member2.pk}/")

    assert response.status_code == 403
    assert "Mia" not in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, person=cast.member2).exists()


def test_a_member_guessing_an_id_in_another_hub_gets_404_and_a_denied_row(cast):
    response = patch_json(cast.client("member"), f"/api/people/{cast.other_member.pk}/", {"phone": "1"})

    assert response.status_code == 404
    assert "Nina" not in response.content.decode()
    denied = AuditEvent.objects.get(action=AuditEvent.Action.DENIED)
    assert denied.hub == cast.hub
    assert denied.person is None


def test_a_patch_with_a_taken_email_gives_409_and_changes_nothing(cast):
    response = patch_json(
        cast.client("link_worker"),
        f"/api/people/{cast.member.pk}/",
        {"email": "mia@example.org", "phone": "1"},
    )

    assert response.status_code == 409
    assert "email" in response.json()["errors"]
    cast.member.refresh_from_db()
    assert (cast.member.email, cast.member.phone) == ("mo@example.org", "")


def test_a_patch_with_an_invalid_nhs_number_gives_400_and_changes_nothing(cast):
    response = patch_json(
        cast.client("link_worker"), f"/api/people/{cast.member.pk}/", {"nhs_number": "9434765918"}
    )

    assert response.status_code == 400
    assert "nhs_number" in response.json()["errors"]
    cast.member.refresh_from_db()
    assert cast.member.nhs_number == ""


# Consent


def consent_state(client: Client, person: Person) -> dict[str, bool]:
    response = client.get(f"/api/people/{person.pk}/consents/")
    assert response.status_code == 200
    return {row["purpose"]: row["granted"] for row in response.json()}


def test_it_records_consent_and_shows_the_latest_answer_per_purpose(cast):
    client = cast.client("link_worker")

    response = post_json(
        client,
        f"/api/people/{cast.member.pk}/consents/",
        {"purpose": "contact_email", "granted": True, "method": "verbal", "detail": "Said yes on the phone"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["granted"] is True
    assert response.json()["recorded_by_label"] == "Lin Linkworker"
    state = consent_state(client, cast.member)
    assert state == {
        "share_with_referrer": False,
        "share_plans": False,
        "contact_email": True,
        "contact_sms": False,
        "evaluation": False,
    }
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CONSENT, person=cast.member).count() == 1


def test_a_withdrawal_makes_the_current_answer_no_and_keeps_the_history(cast):
    client = cast.client("coordinator")
    url = f"/api/people/{cast.member.pk}/consents/"
    post_json(client, url, {"purpose": "evaluation", "granted": True, "method": "written"})
    post_json(client, url, {"purpose": "contact_sms", "granted": True, "method": "written"})

    response = post_json(client, url, {"purpose": "evaluation", "granted": False, "method": "verbal"})

    assert response.status_code == 201
    state = consent_state(client, cast.member)
    assert state["evaluation"] is False
    assert state["contact_sms"] is True
    assert ConsentEvent.objects.filter(person=cast.member, purpose="evaluation").count() == 2


def test_a_member_can_record_their_own_consent(cast):
    client = cast.client("member", verified=False)

    response = post_json(
        client,
        f"/api/people/{cast.member.pk}/consents/",
        {"purpose": "share_plans", "granted": True, "method": "online"},
    )

    assert response.status_code == 201
    assert response.json()["recorded_by_label"] == "Mo Member"
    assert consent_state(client, cast.member)["share_plans"] is True


def test_a_peer_cannot_record_consent_for_someone_else(cast):
    response = post_json(
        cast.client("peer"),
        f"/api/people/{cast.member.pk}/consents/",
        {"purpose": "share_plans", "granted": True, "method": "verbal"},
    )

    assert response.status_code == 403
    assert not ConsentEvent.objects.exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DENIED, actor=cast.peer.user, person=cast.member
    ).exists()


def test_an_administrator_does_not_record_consent(cast):
    response = post_json(
        cast.client("administrator"),
        f"/api/people/{cast.member.pk}/consents/",
        {"purpose": "share_plans", "granted": True, "method": "verbal"},
    )

    assert response.status_code == 403
    assert not ConsentEvent.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"purpose": "sell_my_data", "granted": True, "method": "verbal"}, "purpose"),
        ({"purpose": "evaluation", "granted": True, "method": "telepathy"}, "method"),
        ({"purpose": "evaluation", "method": "verbal"}, "granted"),
        ({"purpose": "evaluation", "granted": True, "method": "verbal", "detail": "d" * 501}, "detail"),
    ],
)
def test_it_refuses_bad_consent_input_and_writes_nothing(cast, payload, field):
    response = post_json(cast.client("link_worker"), f"/api/people/{cast.member.pk}/consents/", payload)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert "detail" in response.json()
    assert not ConsentEvent.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CONSENT).exists()


# Audit


def test_the_coordinator_sees_who_opened_a_record(cast):
    cast.client("link_worker").get(f"/api/people/{cast.member.pk}/")

    response = cast.client("coordinator").get(f"/api/people/{cast.member.pk}/audit/")

    assert response.status_code == 200
    labels = {(row["actor_label"], row["action"]) for row in response.json()}
    assert ("Lin Linkworker", "view") in labels


def test_the_member_sees_who_opened_their_record(cast):
    cast.client("link_worker").get(f"/api/people/{cast.member.pk}/")

    response = cast.client("member").get(f"/api/people/{cast.member.pk}/audit/")

    assert response.status_code == 200
    assert "Lin Linkworker" in {row["actor_label"] for row in response.json()}


def test_a_link_worker_cannot_read_the_audit_of_a_record(cast):
    response = cast.client("link_worker").get(f"/api/people/{cast.member.pk}/audit/")

    assert response.status_code == 403


# Two-factor


@pytest.mark.parametrize("role", [*STAFF, "commissioner"])
def test_staff_without_a_second_factor_are_refused_by_the_api(cast, role):
    client = cast.client(role, verified=False)

    for path in ("/api/people/", f"/api/people/{cast.member.pk}/", "/api/me/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "two-factor" in response.json()["detail"]
    response = post_json(client, "/api/people/", {"full_name": "Sneaky Add"})
    assert response.status_code == 403
    assert not Person.objects.filter(full_name="Sneaky Add").exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).exists()


# Schema


def test_the_openapi_schema_renders_and_lists_the_people_paths(db):
    response = Client().get("/api/schema/")

    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/people/:",
        "/api/people/{person_id}/:",
        "/api/people/{person_id}/consents/:",
        "/api/people/{person_id}/audit/:",
        "/api/me/:",
    ):
        assert path in text
    assert "what_matters_and_offers" in text


def test_the_openapi_schema_validates_without_warnings(db, tmp_path):
    out = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    assert "/api/people/{person_id}/consents/" in out.read_text()


def test_a_page_past_the_end_of_the_people_list_is_a_documented_json_404(cast):
    response = cast.client("coordinator").get("/api/people/?page=99")
    schema = Client().get("/api/schema/?format=json").json()

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}
    assert "404" in schema["paths"]["/api/people/"]["get"]["responses"]
