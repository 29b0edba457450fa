"""The time-bank API at /api/timebank/: who may see and move time, idempotent transfers, limits, the
board, and lists whose query count does not grow with rows."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.pagination import PageNumberPagination

from core.models import AuditEvent
from core.roles import Role
from core.testing import make_person
from timebank import services
from timebank.models import Account, Category, Entry, Exchange, Listing, Transfer
from timebank.queries import ledger_problems

API = "/api/timebank"


def post_json(client: Client, url: str, data, **headers):
    return client.post(url, data, content_type="application/json", **headers)


def balance(account: Account) -> int:
    return Account.objects.get(pk=account.pk).balance


def give(client: Client, data: dict, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return post_json(client, f"{API}/transfers/", data, **headers)


def assert_books_balance():
    problems, _ = ledger_problems()
    assert problems == []


# Accounts


def test_a_member_lists_only_their_own_account(cast, bank):
    response = cast.client("member").get(f"{API}/accounts/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [bank["member"].pk]
    assert rows[0]["balance"] == 0
    assert rows[0]["lowest_balance"] == -600
    assert rows[0]["available"] == 600


def test_a_broker_lists_every_account_in_the_hub_and_no_other(cast, bank):
    services.join(actor=cast.actor("outsider"), person=cast.other_member)
    services.system_account(cast.hub, Account.Kind.POT)

    response = cast.client("broker").get(f"{API}/accounts/")

    ids = {row["id"] for row in response.json()["results"]}
    assert ids == set(Account.objects.filter(hub=cast.hub).values_list("pk", flat=True))
    assert len(ids) == 4


@pytest.mark.parametrize("name", ["commissioner", "link_worker", "administrator", "referrer"])
def test_people_who_hold_no_account_and_do_not_broker_see_no_accounts(cast, bank, name):
    client = cast.client(name)

    response = client.get(f"{API}/accounts/")

    assert response.status_code == 200
    assert response.json()["results"] == []
    assert client.get(f"{API}/accounts/{bank['member'].pk}/").status_code == 403
    assert client.get(f"{API}/accounts/{bank['member'].pk}/entries/").status_code == 403


def test_a_member_reads_their_balance_and_limits(cast, bank):
    services.donate(
        actor=cast.actor("member2"), from_account=bank["member2"], to_account=bank["member"], minutes=75
    )

    response = cast.client("member").get(f"{API}/accounts/{bank['member'].pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["balance"] == 75
    assert body["balance_text"] == "1 h 15 min"
    assert body["lowest_balance"] == -600
    assert body["highest_balance"] is None
    assert body["kind"] == "member"


def test_a_member_cannot_read_another_members_account_and_the_refusal_is_audited(cast, bank):
    client = cast.client("member")
    other = bank["member2"]

    assert client.get(f"{API}/accounts/{other.pk}/").status_code == 403
    assert client.get(f"{API}/accounts/{other.pk}/entries/").status_code == 403
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=cast.member.user).count() == 2


def test_accounts_in_another_hub_are_not_found(cast, bank):
    client = cast.client("outsider")  # every staff role, but in Northgate

    assert client.get(f"{API}/accounts/{bank['member'].pk}/").status_code == 404
    assert client.get(f"{API}/accounts/{bank['member'].pk}/entries/").status_code == 404
    assert client.get(f"{API}/accounts/999999/").status_code == 404
    assert client.get(f"{API}/accounts/").json()["results"] == []


def test_the_api_needs_a_signed_in_user_and_staff_need_two_factor(cast, bank):
    assert Client().get(f"{API}/accounts/").status_code == 403
    assert give(Client(), {"to_pot": True, "minutes": 5}).status_code == 403
    assert cast.client("broker", verified=False).get(f"{API}/accounts/").status_code == 403


def test_a_statement_lists_entries_newest_first_with_the_balance_after_each(cast, bank):
    mo, mia = bank["member"], bank["member2"]
    for minutes in (30, 45, 60):
        services.donate(actor=cast.actor("member2"), from_account=mia, to_account=mo, minutes=minutes)
    services.donate(actor=cast.actor("member"), from_account=mo, to_account=mia, minutes=20)

    response = cast.client("member").get(f"{API}/accounts/{mo.pk}/entries/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert response.json()["count"] == 4
    assert [r["minutes"] for r in rows] == [-20, 60, 45, 30]
    assert [r["balance_after"] for r in rows] == [115, 135, 75, 30]
    assert rows[0]["balance_after"] == balance(mo)
    assert rows[0]["kind"] == Transfer.Kind.DONATION


def test_statement_pages_keep_the_running_balance(cast, bank, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    mo, mia = bank["member"], bank["member2"]
    for minutes in (10, 20, 30):
        services.donate(actor=cast.actor("member2"), from_account=mia, to_account=mo, minutes=minutes)

    client = cast.client("member")
    first = client.get(f"{API}/accounts/{mo.pk}/entries/").json()
    second = client.get(f"{API}/accounts/{mo.pk}/entries/?page=2").json()

    assert [r["balance_after"] for r in first["results"] + second["results"]] == [60, 30, 10]


# Transfers (donations)


def test_a_member_gives_time_to_another_member(cast, bank):
    mo, mia = bank["member"], bank["member2"]

    response = give(cast.client("member"), {"to_account": mia.pk, "minutes": 90, "note": "For my sister"})

    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == Transfer.Kind.DONATION
    assert body["description"] == "For my sister"
    assert {(e["account"], e["minutes"]) for e in body["entries"]} == {(mo.pk, -90), (mia.pk, 90)}
    assert (balance(mo), balance(mia)) == (-90, 90)
    assert_books_balance()


def test_a_member_gives_time_to_the_community_pot(cast, bank):
    response = give(cast.client("member"), {"from_account": bank["member"].pk, "to_pot": True, "minutes": 30})

    assert response.status_code == 201
    assert balance(services.system_account(cast.hub, Account.Kind.POT)) == 30


def test_a_member_cannot_give_from_another_members_account(cast, bank):
    mo, mia = bank["member"], bank["member2"]

    response = give(cast.client("member"), {"from_account": mia.pk, "to_account": mo.pk, "minutes": 60})

    assert response.status_code == 403
    assert Transfer.objects.count() == 0
    assert (balance(mo), balance(mia)) == (0, 0)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=cast.member.user).exists()


def test_a_member_cannot_give_from_the_pot_and_accounts_of_other_hubs_are_unknown(cast, bank):
    pot = services.system_account(cast.hub, Account.Kind.POT)
    nina = services.join(actor=cast.actor("outsider"), person=cast.other_member)
    client = cast.client("member")

    assert (
        give(client, {"from_account": pot.pk, "to_account": bank["member"].pk, "minutes": 5}).status_code
        == 403
    )
    assert give(client, {"from_account": nina.pk, "to_pot": True, "minutes": 5}).status_code == 404
    refused = give(client, {"to_account": nina.pk, "minutes": 5})
    assert refused.status_code == 400
    assert "to_account" in refused.json()["errors"]
    assert Transfer.objects.count() == 0


def test_a_broker_gives_on_a_members_behalf(cast, bank):
    mo, mia = bank["member"], bank["member2"]

    response = give(cast.client("broker"), {"from_account": mo.pk, "to_account": mia.pk, "minutes": 15})

    assert response.status_code == 201
    assert (balance(mo), balance(mia)) == (-15, 15)


def test_the_same_idempotency_key_posts_once_and_replays_with_200(cast, bank):
    mo, mia = bank["member"], bank["member2"]
    client = cast.client("member")
    data = {"to_account": mia.pk, "minutes": 40}

    first = give(client, data, key="gift-2026-11-23-a")
    again = give(client, data, key="gift-2026-11-23-a")
    other = give(client, data, key="gift-2026-11-23-b")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]
    assert (balance(mo), balance(mia)) == (-80, 80)
    assert Transfer.objects.count() == 2


def test_a_key_reused_for_a_different_transfer_is_refused_with_409(cast, bank):
    mia = bank["member2"]
    client = cast.client("member")
    give(client, {"to_account": mia.pk, "minutes": 40}, key="k1")

    response = give(client, {"to_account": mia.pk, "minutes": 50}, key="k1")

    assert response.status_code == 409
    assert "Idempotency-Key" in response.json()["detail"]
    assert balance(mia) == 40


def test_two_people_who_choose_the_same_key_do_not_share_a_transfer(cast, bank):
    mo, mia = bank["member"], bank["member2"]

    first = give(cast.client("member"), {"to_account": mia.pk, "minutes": 10}, key="same")
    second = give(cast.client("member2"), {"to_account": mo.pk, "minutes": 10}, key="same")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert (balance(mo), balance(mia)) == (0, 0)
    assert Transfer.objects.count() == 2


@pytest.mark.parametrize("key", ["x" * 81, "tab\there"])
def test_an_unusable_idempotency_key_is_refused(cast, bank, key):
    response = give(cast.client("member"), {"to_pot": True, "minutes": 10}, key=key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert Transfer.objects.count() == 0


def test_a_gift_beyond_the_lowest_balance_is_refused_with_409_and_a_clear_message(cast, bank):
    mo, mia = bank["member"], bank["member2"]
    Account.objects.filter(pk=mo.pk).update(lowest_balance=-60)

    response = give(cast.client("member"), {"to_account": mia.pk, "minutes": 90})

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Mo Member would go to -1 h 30 min, below the lowest balance allowed (-1 h)."
    )
    assert (balance(mo), balance(mia)) == (0, 0)
    assert Transfer.objects.count() == 0
    assert give(cast.client("member"), {"to_account": mia.pk, "minutes": 60}).status_code == 201


def test_a_gift_above_the_receivers_highest_balance_is_refused(cast, bank):
    Account.objects.filter(pk=bank["member2"].pk).update(highest_balance=30)

    response = give(cast.client("member"), {"to_account": bank["member2"].pk, "minutes": 31})

    assert response.status_code == 409
    assert "above the highest balance allowed" in response.json()["detail"]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"to_pot": True, "minutes": 0}, "minutes"),
        ({"to_pot": True, "minutes": 1.5}, "minutes"),
        ({"to_pot": True, "minutes": "an hour"}, "minutes"),
        ({"to_pot": True, "minutes": 100 * 60 + 1}, "minutes"),
        ({"minutes": 10}, "to_account"),
        ({"to_pot": True, "to_account": 1, "minutes": 10}, "to_account"),
        ({"to_pot": True, "minutes": 10, "note": "x" * 301}, "note"),
    ],
)
def test_bad_transfer_input_gets_a_400_with_the_field(cast, bank, data, field):
    if data.get("to_account") == 1:
        data["to_account"] = bank["member2"].pk

    response = give(cast.client("member"), data)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Transfer.objects.count() == 0


def test_someone_with_no_account_is_told_so(cast, bank):
    response = give(cast.client("volunteer"), {"to_pot": True, "minutes": 10})

    assert response.status_code == 400
    assert response.json()["detail"] == "You have no time-bank account in this hub."


# Exchanges


def record(client: Client, giver: Account, receiver: Account, minutes: int = 90, **extra):
    data = {
        "giver": giver.pk,
        "receiver": receiver.pk,
        "minutes": minutes,
        "category": Category.GARDENING,
        "description": "Weeding the front garden",
        **extra,
    }
    return post_json(client, f"{API}/exchanges/", data)


def test_an_exchange_recorded_by_one_side_posts_when_the_other_confirms(cast, bank):
    mo, mia = bank["member"], bank["member2"]

    recorded = record(cast.client("member"), mo, mia)

    assert recorded.status_code == 201
    exchange_id = recorded.json()["id"]
    assert recorded.json()["status"] == Exchange.Status.AWAITING_CONFIRMATION
    assert recorded.json()["transfer"] is None
    assert post_json(cast.client("member"), f"{API}/exchanges/{exchange_id}/confirm/", {}).status_code == 403
    assert post_json(cast.client("peer"), f"{API}/exchanges/{exchange_id}/confirm/", {}).status_code == 403
    assert (balance(mo), balance(mia)) == (0, 0)

    confirmed = post_json(cast.client("member2"), f"{API}/exchanges/{exchange_id}/confirm/", {})

    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == Exchange.Status.POSTED
    assert confirmed.json()["transfer"] is not None
    assert (balance(mo), balance(mia)) == (90, -90)
    again = post_json(cast.client("member2"), f"{API}/exchanges/{exchange_id}/confirm/", {})
    assert again.status_code == 409
    assert (balance(mo), balance(mia)) == (90, -90)
    assert_books_balance()


def test_a_member_cannot_record_an_exchange_between_two_other_people(cast, bank):
    response = record(cast.client("member"), bank["peer"], bank["member2"])

    assert response.status_code == 403
    assert Exchange.objects.count() == 0


def test_a_brokers_record_posts_at_once(cast, bank):
    response = record(cast.client("broker"), bank["member"], bank["member2"], minutes=30)

    assert response.status_code == 201
    assert response.json()["status"] == Exchange.Status.POSTED
    assert balance(bank["member"]) == 30


def test_only_a_broker_may_override_a_limit(cast, bank):
    mo, mia = bank["member"], bank["member2"]
    Account.objects.filter(pk=mia.pk).update(lowest_balance=-60)

    refused = record(cast.client("member"), mo, mia, override_reason="She needs it")
    assert refused.status_code == 403
    over = record(cast.client("broker"), mo, mia, minutes=120)
    assert over.status_code == 409
    assert "below the lowest balance" in over.json()["detail"]

    allowed = record(cast.client("broker"), mo, mia, minutes=120, override_reason="Agreed at the meeting")

    assert allowed.status_code == 201
    assert balance(mia) == -120
    assert_books_balance()


def test_confirming_an_exchange_that_would_break_a_limit_gets_409(cast, bank):
    mo, mia = bank["member"], bank["member2"]
    recorded = record(cast.client("member"), mo, mia, minutes=120)
    Account.objects.filter(pk=mia.pk).update(lowest_balance=-60)

    response = post_json(cast.client("member2"), f"{API}/exchanges/{recorded.json()['id']}/confirm/", {})

    assert response.status_code == 409
    assert "Mia Member would go to -2 h" in response.json()["detail"]
    assert Exchange.objects.get().status == Exchange.Status.AWAITING_CONFIRMATION


def test_exchanges_in_another_hub_are_not_found_and_bad_input_is_400(cast, bank):
    recorded = record(cast.client("member"), bank["member"], bank["member2"])

    outsider = post_json(cast.client("outsider"), f"{API}/exchanges/{recorded.json()['id']}/confirm/", {})
    assert outsider.status_code == 404
    bad = record(cast.client("member"), bank["member"], bank["member2"], minutes=0, category="juggling")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"minutes", "category"}
    too_long = record(cast.client("member"), bank["member"], bank["member2"], minutes=24 * 60 + 1)
    assert too_long.status_code == 400
    assert too_long.json()["errors"] == {"minutes": ["At most 1440 minutes."]}


# The board


def test_members_post_offers_and_requests_and_see_them_on_the_board(cast, bank):
    client = cast.client("member")

    offer = post_json(
        client,
        f"{API}/offers/",
        {"title": "Help with gardens", "category": Category.GARDENING, "tags": ["Weeding", "lawns"]},
    )
    wanted = post_json(
        client, f"{API}/requests/", {"title": "A lift to the surgery", "category": "transport"}
    )

    assert offer.status_code == 201
    assert offer.json()["kind"] == Listing.Kind.OFFER
    assert offer.json()["tags"] == ["weeding", "lawns"]
    assert offer.json()["area"] == "LS1"  # from Mo's postcode
    assert offer.json()["person"] == cast.member.pk
    assert wanted.status_code == 201
    offers = cast.client("member2").get(f"{API}/offers/").json()["results"]
    requests = cast.client("member2").get(f"{API}/requests/").json()["results"]
    assert [o["title"] for o in offers] == ["Help with gardens"]
    assert [r["title"] for r in requests] == ["A lift to the surgery"]
    assert cast.client("member2").get(f"{API}/offers/?search=lawns").json()["count"] == 1
    assert cast.client("member2").get(f"{API}/offers/?category=diy").json()["count"] == 0


def test_a_broker_posts_on_someones_behalf_but_a_member_cannot(cast, bank):
    data = {"person": cast.member2.pk, "title": "Knitting lessons", "category": Category.ARTS}

    assert post_json(cast.client("member"), f"{API}/offers/", data).status_code == 403
    response = post_json(cast.client("broker"), f"{API}/offers/", data)

    assert response.status_code == 201
    assert Listing.objects.get().person == cast.member2


def test_the_board_belongs_to_its_hub(cast, bank):
    services.create_listing(
        actor=cast.actor("member"), person=cast.member, kind="offer", title="Dog walking", category="other"
    )
    client = cast.client("outsider")

    assert client.get(f"{API}/offers/").json()["results"] == []
    response = post_json(
        client, f"{API}/offers/", {"person": cast.member.pk, "title": "Anything", "category": "other"}
    )
    assert response.status_code == 400
    assert "person" in response.json()["errors"]


def test_bad_listing_input_gets_a_400(cast, bank):
    response = post_json(cast.client("member"), f"{API}/requests/", {"title": "", "category": "nope"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"title", "category"}
    assert Listing.objects.count() == 0


# Query counts


def add_members(cast, count: int, *, start: int) -> list[Account]:
    broker = cast.actor("broker")
    accounts = []
    for i in range(start, start + count):
        person = make_person(
            cast.hub, f"Zed Extra{i:03d}", Role.MEMBER, login=False, email=f"z{i}@example.org"
        )
        accounts.append(services.join(actor=broker, person=person))
    return accounts


def test_the_account_list_query_count_stays_constant_as_accounts_are_added(cast, bank):
    client = cast.client("broker")
    add_members(cast, 3, start=0)
    client.get(f"{API}/accounts/")

    with CaptureQueriesContext(connection) as few:
        assert len(client.get(f"{API}/accounts/").json()["results"]) == 6
    add_members(cast, 30, start=3)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(f"{API}/accounts/").json()["results"]) == 36

    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_statement_query_count_stays_constant_as_entries_are_added(cast, bank):
    mo, mia = bank["member"], bank["member2"]
    client = cast.client("member")

    def gifts(n):
        for _ in range(n):
            services.donate(actor=cast.actor("member2"), from_account=mia, to_account=mo, minutes=5)

    gifts(2)
    client.get(f"{API}/accounts/{mo.pk}/entries/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"{API}/accounts/{mo.pk}/entries/")
    gifts(30)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(f"{API}/accounts/{mo.pk}/entries/").json()["results"]) == 32

    assert len(many.captured_queries) == len(few.captured_queries)
    assert Entry.objects.filter(account=mo).count() == 32


def test_the_board_query_count_stays_constant_as_listings_are_added(cast, bank):
    client = cast.client("member2")
    people = [cast.member, cast.peer, cast.member2]

    def listings(n, start):
        for i in range(start, start + n):
            services.create_listing(
                actor=cast.actor("broker"),
                person=people[i % 3],
                kind="offer",
                title=f"Help {i}",
                category="diy",
            )

    listings(2, 0)
    client.get(f"{API}/offers/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"{API}/offers/")
    listings(30, 2)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"{API}/offers/").json()["count"] == 32

    assert len(many.captured_queries) == len(few.captured_queries)


# The schema


def test_the_openapi_schema_covers_the_time_bank_without_warnings(db, tmp_path):
    out = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    text = out.read_text()
    for path in (
        "/api/timebank/accounts/:",
        "/api/timebank/accounts/{account_id}/:",
        "/api/timebank/accounts/{account_id}/entries/:",
        "/api/timebank/transfers/:",
        "/api/timebank/exchanges/:",
        "/api/timebank/exchanges/{exchange_id}/confirm/:",
        "/api/timebank/offers/:",
        "/api/timebank/requests/:",
    ):
        assert path in text
    assert "Idempotency-Key" in text


@pytest.mark.parametrize("path", ["/accounts/", "/offers/", "/requests/"])
def test_a_page_past_the_end_of_a_list_is_a_documented_json_404(cast, bank, path):
    response = cast.client("member").get(f"{API}{path}?page=0")
    schema = Client().get("/api/schema/?format=json").json()

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}
    assert "404" in schema["paths"][f"{API}{path}"]["get"]["responses"]
