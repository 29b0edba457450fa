"""The people pages, sign-in, two-factor and the hub switcher, driven through the test client."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.middleware import HUB_SESSION_KEY
from core.models import AuditEvent, Hub
from core.roles import Role
from core.testing import PASSWORD, make_person
from people.models import ConsentEvent, Person, ProfileEntry, RoleGrant

STAFF = ["link_worker", "broker", "coordinator", "administrator"]
EVERYONE = [*STAFF, "member", "member2", "peer", "commissioner", "referrer", "volunteer"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def url_for(cast, template: str) -> str:
    return template.format(member=cast.member.pk, nina=cast.other_member.pk)


def written() -> tuple[int, int, int]:
    """What a refused add must leave untouched."""
    return (
        Person.objects.count(),
        AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).count(),
        ProfileEntry.objects.count(),
    )


def listed(response) -> set[str]:
    return {p.full_name for p in response.context["page"].object_list}


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


def current_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    token = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0 - offset_steps * device.step,
        digits=device.digits,
    )
    return f"{token:0{device.digits}d}"


# Who may open which page

ALLOWED = [
    *[(role, "/") for role in EVERYONE],
    *[(role, "/people/") for role in STAFF],
    *[(role, "/people/add/") for role in STAFF],
    *[(role, "/people/{member}/") for role in [*STAFF, "member"]],
    *[(role, "/people/{member}/edit/") for role in [*STAFF, "member"]],
    *[(role, "/people/{member}/consent/") for role in ["link_worker", "broker", "coordinator", "member"]],
    ("administrator", "/people/{member}/roles/"),
    *[(role, "/me/") for role in EVERYONE],
    ("administrator", "/audit/"),
]

REFUSED = [
    *[(role, "/people/") for role in ["member", "peer", "volunteer", "referrer", "commissioner"]],
    *[(role, "/people/add/") for role in ["member", "peer", "commissioner"]],
    *[(role, "/people/{member}/") for role in ["commissioner", "member2", "peer", "volunteer", "referrer"]],
    *[(role, "/people/{member}/edit/") for role in ["commissioner", "member2", "peer"]],
    *[(role, "/people/{member}/consent/") for role in ["commissioner", "administrator", "member2", "peer"]],
    *[(role, "/people/{member}/roles/") for role in ["link_worker", "coordinator", "member", "commissioner"]],
    *[(role, "/audit/") for role in ["link_worker", "coordinator", "broker", "member", "commissioner"]],
]


@pytest.mark.parametrize(("role", "path"), ALLOWED)
def test_each_page_opens_for_the_roles_it_serves(cast, role, path):
    response = cast.client(role).get(url_for(cast, path))

    assert response.status_code == 200


@pytest.mark.parametrize(("role", "path"), REFUSED)
def test_each_page_refuses_the_roles_it_does_not_serve(cast, role, path):
    response = cast.client(role).get(url_for(cast, path))

    assert response.status_code == 403
    assert "You cannot see this page" in response.content.decode()
    if "{member}" in path:
        assert "LS1 4AP" not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("link_worker", "/people/{nina}/"),
        ("link_worker", "/people/{nina}/edit/"),
        ("coordinator", "/people/{nina}/consent/"),
        ("administrator", "/people/{nina}/roles/"),
        ("member", "/people/{nina}/"),
        ("outsider", "/people/{member}/"),
        ("link_worker", "/people/99999999/"),
    ],
)
def test_a_person_in_another_hub_is_not_found(cast, role, path):
    response = cast.client(role).get(url_for(cast, path))

    assert response.status_code == 404
    assert "Nina" not in response.content.decode()
    assert "LS1 4AP" not in response.content.decode()


def test_a_member_opening_another_members_page_is_refused_and_audited(cast):
    response = cast.client("member").get(f"/people/{cast.member2.pk}/")

    assert response.status_code == 403
    assert "Mia Member" not in response.content.decode()
    denied = AuditEvent.objects.get(action=AuditEvent.Action.DENIED)
    assert denied.actor == cast.member.user
    assert denied.person == cast.member2
    assert denied.hub == cast.hub


def test_a_signed_out_visitor_is_sent_to_sign_in(cast):
    response = Client().get("/people/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_opening_a_record_is_audited_as_a_view(cast):
    cast.client("broker").get(f"/people/{cast.member.pk}/")

    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, person=cast.member)
    assert event.actor == cast.broker.user
    assert event.actor_label == "Bea Broker"


def test_the_home_page_shows_figures_to_the_commissioner_without_names(cast):
    response = cast.client("commissioner").get("/")

    text = response.content.decode()
    assert "Riverside Live Well in numbers" in text
    assert "Mo Member" not in text
    assert "fewer than 5" in text


# Adding a person


def person_form(**overrides) -> dict[str, str]:
    data = {
        "full_name": "Nadia Newcomer",
        "preferred_name": "Nad",
        "pronouns": "she/her",
        "date_of_birth": "1980-05-17",
        "nhs_number": "943 476 5919",
        "communication_needs": "Large print",
        "email": "nadia@example.org",
        "phone": "0113 496 0000",
        "address": "1 Park Row, Leeds",
        "postcode": "ls1 5ab",
        "need": "Someone to talk to\nHelp with forms\n",
        "hope": "Get back to work",
        "skill": "Baking\n\nGardening",
        "interest": "",
        "lived_experience": "Caring for a parent",
    }
    data.update(overrides)
    return data


def test_the_add_form_creates_the_person_with_their_lists(cast):
    response = cast.client("link_worker").post("/people/add/", person_form())

    person = Person.objects.get(full_name="Nadia Newcomer")
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.pk}/"
    assert person.hub == cast.hub
    assert person.nhs_number == "9434765919"
    assert person.postcode == "LS1 5AB"
    entries = list(person.profile_entries.order_by("kind", "position").values_list("kind", "text"))
    assert entries == [
        ("hope", "Get back to work"),
        ("lived_experience", "Caring for a parent"),
        ("need", "Someone to talk to"),
        ("need", "Help with forms"),
        ("skill", "Baking"),
        ("skill", "Gardening"),
    ]
    assert list(person.role_grants.values_list("role", flat=True)) == ["member"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, person=person).exists()


def test_after_adding_the_new_record_shows_the_lists_and_a_message(cast):
    client = cast.client("coordinator")

    response = client.post("/people/add/", person_form(), follow=True)

    text = response.content.decode()
    assert "Nad has been added." in text
    assert "Someone to talk to" in text
    assert "Caring for a parent" in text
    assert "943 476 5919" in text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"nhs_number": "9434765918"}, "This is not a valid NHS number", id="invalid_nhs_number"),
        pytest.param({"nhs_number": "12345"}, "An NHS number has 10 digits", id="short_nhs_number"),
        pytest.param(
            {"email": "MO@example.org"},
            "Someone in this hub already has this email address",
            id="duplicate_email",
        ),
        pytest.param({"full_name": ""}, "This field is required", id="missing_full_name"),
        pytest.param({"full_name": "   "}, "This field is required", id="blank_full_name"),
        pytest.param({"address": "a" * 600}, "at most 500 characters", id="oversized_address"),
        pytest.param({"skill": "Baking\n" + "x" * 301}, "300 characters or fewer", id="oversized_list_item"),
        pytest.param({"postcode": "NOT A CODE"}, "Enter a full UK postcode", id="bad_postcode"),
        pytest.param({"date_of_birth": "2999-01-01"}, "Date of birth must be in the past", id="future_birth"),
    ],
)
def test_the_add_form_shows_the_problem_and_writes_nothing(cast, overrides, message):
    before = written()

    response = cast.client("link_worker").post("/people/add/", person_form(**overrides))

    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert message in text
    # What was typed is kept, so nothing has to be entered twice.
    assert "Someone to talk to" in text
    assert written() == before


def test_a_duplicate_nhs_number_in_the_hub_is_refused(cast):
    Person.objects.filter(pk=cast.member2.pk).update(nhs_number="9434765919")
    before = written()

    response = cast.client("link_worker").post("/people/add/", person_form())

    assert response.status_code == 200
    assert "Someone in this hub already has this NHS number" in response.content.decode()
    assert written() == before


def test_a_member_cannot_post_the_add_form(cast):
    before = written()

    response = cast.client("member").post("/people/add/", person_form())

    assert response.status_code == 403
    assert written() == before


# Editing, consent and roles through pages


def test_the_member_corrects_their_own_details(cast):
    client = cast.client("member")
    form = client.get(f"/people/{cast.member.pk}/edit/").context["form"]
    data = {name: (value or "") for name, value in form.initial.items()}
    data.update(phone="07700 900123", need="Company on Sundays")

    response = client.post(f"/people/{cast.member.pk}/edit/", data)

    assert response.status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.phone == "07700 900123"
    assert cast.member.postcode == "LS1 4AP"
    assert list(cast.member.profile_entries.values_list("text", flat=True)) == ["Company on Sundays"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert event.summary == "Corrected their own details"


def test_a_member_cannot_post_to_another_members_edit_form(cast):
    response = cast.client("member").post(f"/people/{cast.member2.pk}/edit/", {"full_name": "Hacked"})

    assert response.status_code == 403
    cast.member2.refresh_from_db()
    assert cast.member2.full_name == "Mia Member"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, person=cast.member2).exists()


def test_the_consent_page_records_an_answer(cast):
    response = cast.client("link_worker").post(
        f"/people/{cast.member.pk}/consent/",
        {"purpose": "contact_sms", "granted": "no", "method": "verbal", "detail": ""},
    )

    assert response.status_code == 302
    event = ConsentEvent.objects.get()
    assert (event.person, event.purpose, event.granted) == (cast.member, "contact_sms", False)
    assert event.recorded_by_label == "Lin Linkworker"


def test_the_roles_page_changes_roles(cast):
    response = cast.client("administrator").post(
        f"/people/{cast.member.pk}/roles/", {"roles": [Role.MEMBER, Role.VOLUNTEER]}
    )

    assert response.status_code == 302
    assert set(RoleGrant.objects.filter(person=cast.member).values_list("role", flat=True)) == {
        "member",
        "volunteer",
    }
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ROLE, person=cast.member).exists()


# The people list


def test_the_list_shows_only_the_hubs_people(cast):
    response = cast.client("link_worker").get("/people/")

    people = listed(response)
    assert {"Mo Member", "Mia Member", "Lin Linkworker"} <= people
    assert "Nina Northgate" not in people
    assert "Otto Outsider" not in people


def test_the_list_search_finds_by_name(cast):
    response = cast.client("link_worker").get("/people/", {"q": "mia"})

    assert listed(response) == {"Mia Member"}


def test_the_list_search_finds_by_postcode(cast):
    make_person(cast.hub, "Pete Postcode", Role.MEMBER, login=False, postcode="LS2 7EW")

    assert listed(cast.client("link_worker").get("/people/", {"q": "LS1 4AP"})) == {"Mo Member"}
    assert listed(cast.client("link_worker").get("/people/", {"q": "ls2"})) == {"Pete Postcode"}


@pytest.mark.parametrize("typed", ["9434765919", "943 476 5919", "943-476-5919", "943476"])
def test_the_list_search_finds_by_nhs_number(cast, typed):
    Person.objects.filter(pk=cast.member2.pk).update(nhs_number="9434765919")

    response = cast.client("link_worker").get("/people/", {"q": typed})

    assert listed(response) == {"Mia Member"}


def test_the_list_search_does_not_reach_another_hub(cast):
    response = cast.client("link_worker").get("/people/", {"q": "Nina"})

    assert listed(response) == set()
    assert "Nina Northgate" not in response.content.decode()


def test_an_htmx_search_returns_only_the_results_fragment(cast):
    response = cast.client("link_worker").get("/people/", {"q": "Mia"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text
    assert "<table" in text
    assert "Mia Member" in text
    assert "Mo Member" not in text
    assert [t.name for t in response.templates][0] == "people/_results.html"


def test_the_full_list_page_is_a_whole_page(cast):
    response = cast.client("link_worker").get("/people/", {"q": "Mia"})

    assert "<html" in response.content.decode()


def test_list_page_query_count_stays_constant_as_people_are_added(cast):
    client = cast.client("link_worker")
    add_people(cast.hub, 5)
    client.get("/people/")  # warm up the session

    with CaptureQueriesContext(connection) as few:
        assert client.get("/people/").status_code == 200

    add_people(cast.hub, 25, start=5)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/people/")
    assert response.context["page"].paginator.count == Person.objects.filter(hub=cast.hub).count()
    assert len(response.context["page"].object_list) == 25

    assert len(many.captured_queries) == len(few.captured_queries)


# The member's own page


def test_the_member_sees_what_we_hold_and_who_looked(cast):
    cast.client("link_worker").get(f"/people/{cast.member.pk}/")

    response = cast.client("member").get("/me/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "What we hold about you" in text
    assert "Who has looked at your record" in text
    assert "Lin Linkworker" in text
    assert "LS1 4AP" in text


def test_the_member_page_does_not_show_another_members_views(cast):
    cast.client("link_worker").get(f"/people/{cast.member2.pk}/")

    response = cast.client("member").get("/me/")

    assert "Lin Linkworker" not in response.content.decode()


def test_a_link_worker_does_not_see_who_looked_at_a_record(cast):
    response = cast.client("link_worker").get(f"/people/{cast.member.pk}/")

    assert "Who has looked at this record" not in response.content.decode()


def test_a_coordinator_sees_who_looked_at_a_record(cast):
    cast.client("link_worker").get(f"/people/{cast.member.pk}/")

    response = cast.client("coordinator").get(f"/people/{cast.member.pk}/")

    text = response.content.decode()
    assert "Who has looked at this record" in text
    assert "Lin Linkworker" in text


# The audit search


def test_the_administrator_searches_the_audit_log_of_their_hub(cast):
    cast.client("member").get(f"/people/{cast.member2.pk}/")
    cast.client("outsider").get(f"/people/{cast.other_member.pk}/")

    response = cast.client("administrator").get("/audit/", {"action": "denied"})

    assert response.status_code == 200
    events = list(response.context["page"].object_list)
    assert [e.actor_label for e in events] == ["Mo Member"]


# Two-factor sign-in for staff


def test_staff_who_have_not_passed_two_factor_are_sent_to_it(cast):
    response = cast.client("link_worker", verified=False).get("/people/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/?next=/people/"


def test_members_do_not_need_two_factor(cast):
    response = cast.client("member", verified=False).get("/me/")

    assert response.status_code == 200


@pytest.mark.parametrize("name", ["peer", "broker", "commissioner", "administrator", "coordinator"])
def test_peer_supporters_and_every_staff_role_must_pass_two_factor(cast, name):
    # Peer supporters open members' shared crisis plans while on call, so they need it too.
    response = cast.client(name, verified=False).get("/me/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")


@pytest.mark.parametrize("name", ["member", "volunteer", "referrer"])
def test_members_volunteers_and_referrers_do_not_need_two_factor(cast, name):
    assert cast.client(name, verified=False).get("/me/").status_code == 200


def test_the_two_factor_page_offers_set_up_when_there_is_no_device(cast):
    response = cast.client("link_worker", verified=False).get("/accounts/two-factor/?next=/people/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "Set up two-factor sign-in" in text
    assert "<svg" in text
    device = TOTPDevice.objects.get(user=cast.link_worker.user)
    assert not device.confirmed
    assert response.context["secret"] in text


def test_the_two_factor_page_asks_for_a_code_when_a_device_is_set_up(cast):
    TOTPDevice.objects.create(user=cast.link_worker.user, name="phone", confirmed=True)

    response = cast.client("link_worker", verified=False).get("/accounts/two-factor/")

    text = response.content.decode()
    assert "Enter your sign-in code" in text
    assert "<svg" not in text


def test_a_correct_code_confirms_the_device_and_lets_staff_in(cast):
    client = cast.client("link_worker", verified=False)
    client.get("/accounts/two-factor/?next=/people/")
    device = TOTPDevice.objects.get(user=cast.link_worker.user)

    response = client.post("/accounts/two-factor/", {"token": current_code(device), "next": "/people/"})

    assert response.status_code == 302
    assert response["Location"] == "/people/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/people/").status_code == 200


def test_a_wrong_code_shows_an_error_and_keeps_staff_out(cast):
    client = cast.client("link_worker", verified=False)
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=cast.link_worker.user)
    valid = {current_code(device, offset_steps=n) for n in (-1, 0, 1)}
    wrong = next(code for code in ("123456", "654321", "111111", "222222") if code not in valid)

    response = client.post("/accounts/two-factor/", {"token": wrong, "next": "/people/"})

    assert response.status_code == 200
    assert "That code did not match" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/people/").status_code == 302


def test_the_two_factor_page_does_not_redirect_off_site(cast):
    client = cast.client("link_worker", verified=False)
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=cast.link_worker.user)

    response = client.post(
        "/accounts/two-factor/", {"token": current_code(device), "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


# The hub switcher


def test_the_hub_switcher_moves_to_a_hub_where_the_user_has_a_record(cast):
    mo_in_northgate = Person.objects.create(
        hub=cast.other_hub, user=cast.member.user, full_name="Mo Member", email="mo@example.org"
    )
    RoleGrant.objects.create(person=mo_in_northgate, role=Role.MEMBER)
    client = cast.client("member")

    for hub, record in ((cast.hub, cast.member), (cast.other_hub, mo_in_northgate)):
        response = client.post("/hub/switch/", {"hub": hub.pk})

        assert response.status_code == 302
        assert client.session[HUB_SESSION_KEY] == hub.pk
        assert f"You are working in {hub.name}" in client.get("/").content.decode()
        assert client.get("/me/").context["person"] == record


def test_the_hub_switcher_refuses_a_hub_where_the_user_has_no_record(cast):
    third = Hub.objects.create(name="Eastfield Recovery College", slug="eastfield")
    client = cast.client("member")

    for hub in (cast.other_hub, third):
        response = client.post("/hub/switch/", {"hub": hub.pk})
        assert response.status_code == 302
        assert HUB_SESSION_KEY not in client.session
    text = client.get("/").content.decode()
    assert "You are working in Riverside Live Well" in text


def test_the_hub_switcher_does_not_let_a_member_become_staff_elsewhere(cast):
    client = cast.client("member")

    client.post("/hub/switch/", {"hub": cast.other_hub.pk})

    assert client.get(f"/people/{cast.other_member.pk}/").status_code == 404
    assert client.get("/people/").status_code == 403


def test_the_hub_switcher_only_takes_a_post(cast):
    assert cast.client("member").get("/hub/switch/").status_code == 405


# Sign in


def test_signing_in_with_username_and_password(cast):
    client = Client()

    response = client.post("/accounts/sign-in/", {"username": "mo", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "What we hold about you" in client.get("/").content.decode()


def test_a_wrong_password_shows_an_error(cast):
    client = Client()

    response = client.post("/accounts/sign-in/", {"username": "mo", "password": "wrong-password"})

    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    assert client.get("/me/").status_code == 302


def test_staff_sign_in_then_pass_two_factor_before_seeing_people(cast):
    client = Client()

    response = client.post(
        "/accounts/sign-in/", {"username": "lin", "password": PASSWORD, "next": "/people/"}
    )
    assert response["Location"] == "/people/"
    response = client.get("/people/")
    assert response["Location"] == "/accounts/two-factor/?next=/people/"
    client.get(response["Location"])
    device = TOTPDevice.objects.get(user=cast.link_worker.user)
    response = client.post("/accounts/two-factor/", {"token": current_code(device), "next": "/people/"})

    assert response["Location"] == "/people/"
    assert client.get("/people/").status_code == 200


def test_the_account_locks_after_five_wrong_passwords(cast):
    client = Client()
    for _ in range(5):
        client.post("/accounts/sign-in/", {"username": "mo", "password": "wrong-password"})

    response = client.post("/accounts/sign-in/", {"username": "mo", "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert client.get("/me/").status_code == 302


def test_four_wrong_passwords_do_not_lock_the_account(cast):
    client = Client()
    for _ in range(4):
        client.post("/accounts/sign-in/", {"username": "mo", "password": "wrong-password"})

    response = client.post("/accounts/sign-in/", {"username": "mo", "password": PASSWORD})

    assert response.status_code == 302


def test_a_lockout_of_one_account_leaves_others_alone(cast):
    client = Client()
    for _ in range(5):
        client.post("/accounts/sign-in/", {"username": "mo", "password": "wrong-password"})

    response = client.post("/accounts/sign-in/", {"username": "mia", "password": PASSWORD})

    assert response.status_code == 302
