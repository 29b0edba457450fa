"""The members' time-bank pages, driven through the test client on a real database."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEvent
from core.roles import Role
from core.testing import make_person
from timebank import queries, services
from timebank.models import Account, Category, DigestSubscription, Entry, Exchange, Listing, Transfer


def balance(account) -> int:
    return Account.objects.get(pk=account.pk).balance


def written() -> tuple[int, int, int, int]:
    """What a refused or bad request must leave untouched."""
    return Exchange.objects.count(), Transfer.objects.count(), Entry.objects.count(), Listing.objects.count()


def record(cast, bank, *, by="member", minutes=90, description="Weeding the front garden"):
    return services.record_exchange(
        actor=cast.actor(by),
        giver=bank["member"],
        receiver=bank["member2"],
        minutes=minutes,
        category=Category.GARDENING,
        description=description,
    )


def exchange_post(cast, bank, **overrides):
    data = {
        "direction": "gave",
        "other": bank["member2"].pk,
        "hours": "1",
        "minutes": "30",
        "category": "gardening",
        "description": "Weeded the front garden",
        "occurred_on": timezone.localdate().isoformat(),
        "listing": "",
    }
    data.update(overrides)
    return data


# My time bank


def test_a_member_joins_from_the_home_page_and_sees_their_balance(cast):
    services.update_settings(actor=cast.actor("coordinator"), hub=cast.hub, joining_grant=300)
    client = cast.client("member")
    page = client.get("/timebank/")
    assert page.status_code == 200
    assert b"Join the time bank" in page.content
    response = client.post("/timebank/join/", follow=True)
    assert b"Welcome to the time bank." in response.content
    assert b"5h 00m" in response.content
    assert queries.account_of(cast.member).balance == 300
    again = client.post("/timebank/join/", follow=True)
    assert b"already in the time bank" in again.content
    assert Account.objects.filter(person=cast.member).count() == 1


def test_staff_without_a_member_role_are_not_offered_to_join(cast):
    page = cast.client("commissioner").get("/timebank/")
    assert page.status_code == 200
    assert b"Join the time bank" not in page.content
    assert cast.client("commissioner").post("/timebank/join/").status_code == 403
    assert b"/timebank/board/" not in page.content  # commissioners see aggregates, not the board


def test_the_home_page_lists_what_waits_for_me_and_i_confirm_it(cast, bank):
    exchange = record(cast, bank)
    mia = cast.client("member2")
    page = mia.get("/timebank/")
    assert [e.pk for e in page.context["waiting"]] == [exchange.pk]
    assert b"Mo Member helped you" in page.content
    # Mo recorded it, so it waits for Mia, not for Mo.
    mo_page = cast.client("member").get("/timebank/")
    assert mo_page.context["waiting"] == []
    assert [e.pk for e in mo_page.context["mine_open"]] == [exchange.pk]
    response = mia.post(f"/timebank/exchanges/{exchange.pk}/confirm/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"Confirmed. Your balances have changed." in response.content
    assert b"-1h 30m" in response.content  # the fragment shows the new balance
    assert (balance(bank["member"]), balance(bank["member2"])) == (90, -90)


def test_declining_from_the_home_page_posts_nothing(cast, bank):
    exchange = record(cast, bank)
    response = cast.client("member2").post(f"/timebank/exchanges/{exchange.pk}/decline/", follow=True)
    assert b"Declined. Nothing has been posted." in response.content
    assert Exchange.objects.get(pk=exchange.pk).status == Exchange.Status.DECLINED
    assert Transfer.objects.filter(kind=Transfer.Kind.EXCHANGE).count() == 0


def test_the_digest_toggle(cast, bank):
    client = cast.client("member")
    client.post("/timebank/digest/", {"subscribed": "yes"})
    assert DigestSubscription.objects.filter(person=cast.member).exists()
    assert (
        b'id="digest-subscribed" name="subscribed" type="checkbox" value="yes" checked'
        in client.get("/timebank/").content
    )
    client.post("/timebank/digest/", {})
    assert not DigestSubscription.objects.filter(person=cast.member).exists()


def test_the_header_links_to_the_time_bank_for_people_with_a_record(cast):
    assert b'href="/timebank/"' in cast.client("member").get("/").content


# Recording and answering exchanges


def test_a_member_records_help_they_gave_and_the_other_confirms_on_the_exchange_page(cast, bank):
    mo, mia = cast.client("member"), cast.client("member2")
    form = mo.get("/timebank/exchanges/new/")
    assert form.status_code == 200
    # A browser date picker only takes an ISO date.
    today = timezone.localdate().isoformat()
    assert f'type="date" name="occurred_on" value="{today}"' in form.content.decode()
    others = list(form.context["form"].fields["other"].queryset)
    assert bank["member"] not in others and bank["member2"] in others
    response = mo.post("/timebank/exchanges/new/", exchange_post(cast, bank))
    exchange = Exchange.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/timebank/exchanges/{exchange.pk}/"
    assert (exchange.giver, exchange.receiver, exchange.minutes) == (bank["member"], bank["member2"], 90)
    assert exchange.status == Exchange.Status.AWAITING_CONFIRMATION
    # The recorder cannot confirm their own record; the page does not offer it.
    page = mo.get(f"/timebank/exchanges/{exchange.pk}/")
    assert not page.context["can_confirm"] and page.context["can_withdraw"]
    assert mo.post(f"/timebank/exchanges/{exchange.pk}/confirm/").status_code == 403
    page = mia.get(f"/timebank/exchanges/{exchange.pk}/")
    assert page.context["can_confirm"]
    mia.post(f"/timebank/exchanges/{exchange.pk}/confirm/")
    assert (balance(bank["member"]), balance(bank["member2"])) == (90, -90)
    # Confirming twice is refused with a message and changes nothing.
    again = mia.post(f"/timebank/exchanges/{exchange.pk}/confirm/", follow=True)
    assert b"not waiting for confirmation" in again.content
    assert (balance(bank["member"]), balance(bank["member2"])) == (90, -90)


def test_help_received_makes_me_the_receiver(cast, bank):
    cast.client("member").post(
        "/timebank/exchanges/new/", exchange_post(cast, bank, direction="received", hours="0", minutes="45")
    )
    exchange = Exchange.objects.get()
    assert (exchange.giver, exchange.receiver, exchange.minutes) == (bank["member2"], bank["member"], 45)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hours": "", "minutes": ""}, "Enter how long"),
        ({"hours": "0", "minutes": "0"}, "Enter how long"),
        ({"minutes": "75"}, "less than or equal to 59"),
        ({"hours": "-1"}, "greater than or equal to 0"),
        ({"hours": "25", "minutes": "0"}, "At most 1440 minutes"),
        ({"description": "  "}, "This field is required"),
        ({"occurred_on": (timezone.localdate() + timedelta(days=1)).isoformat()}, "Cannot be in the future"),
        ({"category": "partner"}, "Select a valid choice"),
        ({"direction": ""}, "This field is required"),
    ],
)
def test_bad_exchange_input_shows_a_message_and_writes_nothing(cast, bank, overrides, message):
    before = written()
    response = cast.client("member").post("/timebank/exchanges/new/", exchange_post(cast, bank, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert b"There is a problem" in response.content
    assert written() == before


def test_a_member_cannot_record_an_exchange_between_other_people_or_with_themselves(cast, bank):
    before = written()
    # The form only offers other approved members; Mo's own account and Pat's other hub are refused.
    own = cast.client("member").post(
        "/timebank/exchanges/new/", exchange_post(cast, bank, other=bank["member"].pk)
    )
    assert b"Select a valid choice" in own.content
    nina = services.join(actor=cast.actor("outsider"), person=cast.other_member)
    elsewhere = cast.client("member").post(
        "/timebank/exchanges/new/", exchange_post(cast, bank, other=nina.pk)
    )
    assert b"Select a valid choice" in elsewhere.content
    assert written() == before


def test_a_limit_refusal_is_shown_on_the_form(cast, bank):
    services.update_settings(actor=cast.actor("coordinator"), hub=cast.hub, approval="none")
    Account.objects.filter(pk=bank["member2"].pk).update(lowest_balance=-60)
    response = cast.client("member").post("/timebank/exchanges/new/", exchange_post(cast, bank))
    assert response.status_code == 302  # recorded; the limit is checked when it posts
    exchange = Exchange.objects.get()
    refused = cast.client("member2").post(f"/timebank/exchanges/{exchange.pk}/confirm/", follow=True)
    assert b"below the lowest balance allowed" in refused.content
    assert Exchange.objects.get().status == Exchange.Status.AWAITING_CONFIRMATION
    assert Transfer.objects.filter(kind=Transfer.Kind.EXCHANGE).count() == 0


def test_people_outside_an_exchange_cannot_see_or_answer_it(cast, bank):
    exchange = record(cast, bank)
    url = f"/timebank/exchanges/{exchange.pk}/"
    assert cast.client("peer").get(url).status_code == 403
    assert cast.client("peer").post(url + "confirm/").status_code == 403
    assert cast.client("peer").post(url + "decline/").status_code == 403
    assert cast.client("outsider").get(url).status_code == 404
    assert cast.client("outsider").post(url + "confirm/").status_code == 404
    assert cast.client("broker").get(url).status_code == 200
    assert Exchange.objects.get().status == Exchange.Status.AWAITING_CONFIRMATION
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, object_id=str(exchange.pk)).exists()


def test_a_member_without_an_account_is_sent_to_join_first(cast):
    for url in ("/timebank/exchanges/new/", "/timebank/give/", "/timebank/spend/", "/timebank/send/"):
        response = cast.client("member").get(url)
        assert response.status_code == 302 and response["Location"] == "/timebank/", url
    assert cast.client("member").get("/timebank/statement/").status_code == 302


def test_signed_out_people_are_sent_to_sign_in(db):
    from django.test import Client

    response = Client().get("/timebank/")
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


# The board


def add_listings(cast, count: int, *, start: int = 0) -> None:
    for i in range(start, start + count):
        person = make_person(
            cast.hub, f"Lee Lister{i:03d}", Role.MEMBER, login=False, email=f"lee{i}@example.org"
        )
        services.create_listing(
            actor=cast.actor("broker"),
            person=person,
            kind="offer" if i % 2 else "request",
            title=f"Dog walking {i}",
            category="community",
            area="RV3",
        )


def test_the_board_filters_and_pages(cast, bank):
    add_listings(cast, 25)
    services.create_listing(
        actor=cast.actor("member"), person=cast.member, kind="offer", title="Guitar lessons", category="arts"
    )
    client = cast.client("member2")
    page = client.get("/timebank/board/")
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 26
    assert len(page.context["page"].object_list) == 20
    assert client.get("/timebank/board/?kind=offer").context["page"].paginator.count == 13
    second = client.get("/timebank/board/?q=dog&page=2")
    assert len(second.context["page"].object_list) == 5
    assert b"?q=dog&amp;page=1" in second.content
    assert [item.title for item in client.get("/timebank/board/?q=guitar").context["page"].object_list] == [
        "Guitar lessons"
    ]
    assert client.get("/timebank/board/?category=arts").context["page"].paginator.count == 1
    assert client.get("/timebank/board/?area=rv3").context["page"].paginator.count == 25
    assert client.get("/timebank/board/?kind=nonsense").context["page"].paginator.count == 26


def test_the_board_costs_the_same_number_of_queries_for_5_or_30_listings(cast, bank):
    client = cast.client("member")
    add_listings(cast, 5)
    client.get("/timebank/board/")
    with CaptureQueriesContext(connection) as few:
        client.get("/timebank/board/")
    add_listings(cast, 25, start=5)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/timebank/board/").context["page"].object_list) == 20
    assert len(few) == len(many)


def test_a_member_posts_edits_and_closes_their_own_listing(cast, bank):
    client = cast.client("member")
    response = client.post(
        "/timebank/board/new/",
        {"kind": "offer", "title": "Help with gardens", "category": "gardening", "tags": "Weeding, pruning"},
    )
    listing = Listing.objects.get()
    assert response["Location"] == f"/timebank/board/{listing.pk}/"
    assert (listing.person, listing.area, listing.tags) == (cast.member, "LS1", "weeding, pruning")
    client.post(
        f"/timebank/board/{listing.pk}/edit/",
        {"kind": "offer", "title": "Help with small gardens", "category": "gardening"},
    )
    assert Listing.objects.get().title == "Help with small gardens"
    client.post(f"/timebank/board/{listing.pk}/close/")
    assert not Listing.objects.get().is_active
    assert cast.client("member").get("/timebank/board/").context["page"].paginator.count == 0


def test_bad_listing_input_writes_nothing(cast, bank):
    before = written()
    response = cast.client("member").post(
        "/timebank/board/new/", {"kind": "offer", "title": "", "category": ""}
    )
    assert response.status_code == 200 and b"There is a problem" in response.content
    assert written() == before


def test_a_member_cannot_change_another_members_listing_and_other_hubs_get_404(cast, bank):
    listing = services.create_listing(
        actor=cast.actor("member"), person=cast.member, kind="offer", title="Guitar", category="arts"
    )
    url = f"/timebank/board/{listing.pk}/"
    assert cast.client("member2").get(url).status_code == 200
    assert cast.client("member2").get(url + "edit/").status_code == 403
    assert (
        cast.client("member2")
        .post(url + "edit/", {"kind": "offer", "title": "Mine", "category": "arts"})
        .status_code
        == 403
    )
    assert cast.client("member2").post(url + "close/").status_code == 403
    assert cast.client("outsider").get(url).status_code == 404
    assert cast.client("other_member").get(url).status_code == 404
    listing.refresh_from_db()
    assert (listing.title, listing.is_active) == ("Guitar", True)


def test_a_broker_posts_on_behalf_of_a_member(cast, bank):
    client = cast.client("broker")
    form = client.get("/timebank/board/new/")
    assert "person" in form.context["form"].fields
    client.post(
        "/timebank/board/new/",
        {
            "person": bank["member2"].pk,
            "kind": "request",
            "title": "Lift to the clinic",
            "category": "transport",
        },
    )
    listing = Listing.objects.get()
    assert (listing.person, listing.created_by) == (cast.member2, cast.broker.user)
    # A member's form has no person field: they post as themselves whatever they send.
    cast.client("member").post(
        "/timebank/board/new/",
        {"person": bank["member2"].pk, "kind": "offer", "title": "Baking", "category": "cooking"},
    )
    assert Listing.objects.get(title="Baking").person == cast.member


def test_a_requests_page_shows_matches_with_reasons_to_its_owner_and_brokers(cast, bank):
    from people.models import ProfileEntry

    ProfileEntry.objects.create(
        person=cast.peer, kind=ProfileEntry.Kind.LIVED_EXPERIENCE, text="Weeding in recovery"
    )
    services.create_listing(
        actor=cast.actor("member"),
        person=cast.member,
        kind="offer",
        title="Garden weeding",
        category="gardening",
    )
    request = services.create_listing(
        actor=cast.actor("member2"),
        person=cast.member2,
        kind="request",
        title="Weeding help",
        category="gardening",
    )
    url = f"/timebank/board/{request.pk}/"
    owner = cast.client("member2").get(url)
    assert [m.person for m in owner.context["matches"]] == [cast.member]
    assert "Offers “Garden weeding”" in owner.content.decode()
    assert b"recovery" not in owner.content  # a person's record is not shown to other members
    broker = cast.client("broker").get(url)
    assert {m.person for m in broker.context["matches"]} == {cast.member, cast.peer}
    assert b"Can offer: Weeding in recovery" in broker.content
    assert cast.client("member").get(url).context["matches"] is None


# Giving, spending, sending


def test_a_member_gives_time_to_a_member_and_to_the_pot(cast, bank):
    client = cast.client("member")
    form = client.get("/timebank/give/")
    key = form.context["form"].initial["key"]
    data = {"to": str(bank["member2"].pk), "hours": "1", "minutes": "0", "note": "For Mum", "key": key}
    response = client.post("/timebank/give/", data, follow=True)
    assert b"You gave 1h 00m to Mia Member." in response.content
    # The same form sent twice posts once, even with a changed amount, and says what really moved.
    again = client.post("/timebank/give/", {**data, "hours": "2"}, follow=True)
    assert b"You gave 1h 00m to Mia Member." in again.content
    assert (balance(bank["member"]), balance(bank["member2"])) == (-60, 60)
    client.post("/timebank/give/", {"to": "pot", "hours": "0", "minutes": "30"})
    pot = services.system_account(cast.hub, Account.Kind.POT)
    assert balance(pot) == 30 and balance(bank["member"]) == -90


def test_a_member_cannot_give_from_another_account_or_beyond_their_limit(cast, bank):
    before = written()
    client = cast.client("member")
    # Only the signed-in member's account is ever the source; a forged field is ignored.
    client.post(
        "/timebank/give/", {"to": str(bank["peer"].pk), "minutes": "10", "from_account": bank["member2"].pk}
    )
    assert (balance(bank["member"]), balance(bank["member2"]), balance(bank["peer"])) == (-10, 0, 10)
    before = written()
    too_much = client.post("/timebank/give/", {"to": "pot", "hours": "11"})
    assert b"below the lowest balance allowed" in too_much.content
    nobody = client.post("/timebank/give/", {"to": "999999", "hours": "1"})
    assert b"Select a valid choice" in nobody.content
    assert written() == before


def test_a_member_spends_at_a_partner(cast, bank):
    college = services.add_partner(actor=cast.actor("broker"), name="Riverside College")
    way = services.add_way_to_spend(
        actor=cast.actor("broker"), partner=college, title="Pottery class", price=120
    )
    client = cast.client("member")
    page = client.get("/timebank/spend/")
    assert b"Pottery class" in page.content and b"2h 00m" in page.content
    response = client.post("/timebank/spend/", {"way": way.pk, "quantity": "1"}, follow=True)
    assert b"Pottery class at Riverside College" in response.content
    assert (balance(bank["member"]), balance(college)) == (-120, 120)
    before = written()
    assert b"There is a problem" in client.post("/timebank/spend/", {"way": way.pk, "quantity": "0"}).content
    assert written() == before


def test_a_member_sends_time_to_a_member_of_another_hub_found_by_name(cast, bank):
    nina = services.join(actor=cast.actor("outsider"), person=cast.other_member)
    client = cast.client("member")
    start = client.get("/timebank/send/")
    assert list(start.context["find"].fields["hub"].queryset) == [cast.other_hub]
    assert start.context["recipients"] is None  # no list of another hub's members, only a search
    found = client.get(f"/timebank/send/?hub={cast.other_hub.pk}&name=nin")
    assert list(found.context["recipients"]) == [nina]
    assert b"Nina Northgate" in found.content
    assert b"nina@example.org" not in found.content
    response = client.post(
        f"/timebank/send/?hub={cast.other_hub.pk}&name=nin", {"to": nina.pk, "hours": "2"}, follow=True
    )
    assert b"You sent 2h 00m to Nina Northgate (Northgate Time Bank)." in response.content
    assert (balance(bank["member"]), balance(nina)) == (-120, 120)
    # Someone not found by the search cannot be chosen by forging the form.
    before = written()
    client.post(f"/timebank/send/?hub={cast.other_hub.pk}&name=zzz", {"to": nina.pk, "hours": "1"})
    client.post(f"/timebank/send/?hub={cast.hub.pk}&name=mia", {"to": bank["member2"].pk, "hours": "1"})
    assert written() == before


# Statements


def test_the_statement_page_csv_and_pdf(cast, bank):
    services.confirm_exchange(actor=cast.actor("member2"), exchange=record(cast, bank))
    client = cast.client("member")
    page = client.get("/timebank/statement/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Weeding the front garden" in text and "Mia Member" in text and "+1h 30m" in text
    today = timezone.localdate().isoformat()
    csv_response = client.get(f"/timebank/statement/csv/?start={today}&end={today}")
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode())))
    assert ["Date", "What", "Category", "Description", "With", "Minutes", "Time", "Balance (minutes)"] in rows
    assert [
        today,
        "Exchange",
        "Gardening",
        "Weeding the front garden",
        "Mia Member",
        "90",
        "1h 30m",
        "90",
    ] in rows
    pdf = client.get(f"/timebank/statement/pdf/?start={today}&end={today}")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"]


def test_the_csv_cannot_carry_a_spreadsheet_formula(cast, bank):
    services.confirm_exchange(
        actor=cast.actor("member2"), exchange=record(cast, bank, description='=HYPERLINK("http://x","y")')
    )
    services.confirm_exchange(
        actor=cast.actor("member2"), exchange=record(cast, bank, description="@SUM(A1)")
    )
    body = cast.client("member").get("/timebank/statement/csv/").content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    descriptions = [row[3] for row in rows if len(row) > 3 and row[1] == "Exchange"]
    assert descriptions == ['\'=HYPERLINK("http://x","y")', "'@SUM(A1)"]
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_a_bad_period_shows_a_message(cast, bank):
    page = cast.client("member").get("/timebank/statement/?start=2026-05-01&end=2026-04-01")
    assert b"The end date must be on or after the start date." in page.content


def test_a_member_cannot_open_another_members_statement(cast, bank):
    mia = bank["member2"]
    for suffix in ("", "csv/", "pdf/"):
        assert cast.client("member").get(f"/timebank/accounts/{mia.pk}/statement/{suffix}").status_code == 403
        assert (
            cast.client("outsider").get(f"/timebank/accounts/{mia.pk}/statement/{suffix}").status_code == 404
        )
    assert cast.client("commissioner").get(f"/timebank/accounts/{mia.pk}/statement/").status_code == 403
    # Their own, by number, is fine.
    assert cast.client("member").get(f"/timebank/accounts/{bank['member'].pk}/statement/").status_code == 200


def test_a_broker_reads_any_members_statement_and_it_is_audited(cast, bank):
    mia = bank["member2"]
    page = cast.client("broker").get(f"/timebank/accounts/{mia.pk}/statement/")
    assert page.status_code == 200
    assert b"Statement for Mia Member" in page.content
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, person=cast.member2, summary__startswith="Time-bank statement"
    ).exists()


def test_the_statement_and_home_cost_the_same_number_of_queries_for_5_or_30_movements(cast, bank):
    client = cast.client("member")

    def add(count):
        for _ in range(count):
            services.record_exchange(
                actor=cast.actor("broker"),
                giver=bank["member"],
                receiver=bank[("member2", "peer")[_ % 2]],
                minutes=5,
                category=Category.COOKING,
                description="Soup",
            )

    add(5)
    client.get("/timebank/statement/")
    with CaptureQueriesContext(connection) as few_statement:
        client.get("/timebank/statement/")
    with CaptureQueriesContext(connection) as few_home:
        client.get("/timebank/")
    add(25)
    with CaptureQueriesContext(connection) as many_statement:
        assert len(client.get("/timebank/statement/").context["statement"].lines) == 30
    with CaptureQueriesContext(connection) as many_home:
        client.get("/timebank/")
    assert len(few_statement) == len(many_statement)
    assert len(few_home) == len(many_home)


def test_every_member_page_renders_for_a_member_with_an_account(cast, bank):
    client = cast.client("member")
    for url in (
        "/timebank/",
        "/timebank/board/",
        "/timebank/board/new/",
        "/timebank/exchanges/new/",
        "/timebank/give/",
        "/timebank/spend/",
        "/timebank/send/",
        "/timebank/statement/",
    ):
        assert client.get(url).status_code == 200, url


def test_the_outsider_sees_nothing_of_this_hub(cast, bank):
    exchange = record(cast, bank)
    listing = services.create_listing(
        actor=cast.actor("member"), person=cast.member, kind="offer", title="Guitar", category="arts"
    )
    outsider = cast.client("outsider")
    for url in (
        f"/timebank/exchanges/{exchange.pk}/",
        f"/timebank/board/{listing.pk}/",
        f"/timebank/board/{listing.pk}/edit/",
        f"/timebank/accounts/{bank['member'].pk}/statement/",
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.get("/timebank/board/").context["page"].paginator.count == 0


def test_recording_from_a_listing_fills_in_who_what_and_which_way(cast, bank):
    offer = services.create_listing(
        actor=cast.actor("member2"), person=cast.member2, kind="offer", title="Guitar lesson", category="arts"
    )
    request = services.create_listing(
        actor=cast.actor("member2"),
        person=cast.member2,
        kind="request",
        title="Lift to clinic",
        category="transport",
    )
    client = cast.client("member")
    initial = client.get(f"/timebank/exchanges/new/?listing={offer.pk}").context["form"].initial
    assert (initial["direction"], initial["other"], initial["category"], initial["listing"]) == (
        "received",
        bank["member2"].pk,
        "arts",
        offer.pk,
    )
    assert (
        client.get(f"/timebank/exchanges/new/?listing={request.pk}").context["form"].initial["direction"]
        == "gave"
    )
    other_hub = services.create_listing(
        actor=cast.actor("outsider"),
        person=cast.other_member,
        kind="offer",
        title="Cakes",
        category="cooking",
    )
    assert client.get(f"/timebank/exchanges/new/?listing={other_hub.pk}").status_code == 404
    assert client.get("/timebank/exchanges/new/?listing=abc").status_code == 200


def test_a_broker_is_offered_the_reversal_and_their_dashboard(cast, bank):
    exchange = services.confirm_exchange(actor=cast.actor("member2"), exchange=record(cast, bank))
    broker = cast.client("broker")
    page = broker.get(f"/timebank/exchanges/{exchange.pk}/")
    assert f"/timebank/broker/transfers/{exchange.transfer_id}/reverse/" in page.content.decode()
    assert b"/timebank/broker/" in broker.get("/timebank/").content
    member_page = cast.client("member2").get(f"/timebank/exchanges/{exchange.pk}/")
    assert b"/reverse/" not in member_page.content
    assert b"/timebank/broker/" not in cast.client("member2").get("/timebank/").content


def test_the_ways_to_spend_cost_the_same_number_of_queries_for_5_or_30(cast, bank):
    client = cast.client("member")
    partners = [services.add_partner(actor=cast.actor("broker"), name=f"Partner {i}") for i in range(3)]

    def add(start, count):
        for i in range(start, start + count):
            services.add_way_to_spend(
                actor=cast.actor("broker"), partner=partners[i % 3], title=f"Class {i:02d}", price=30 + i
            )

    add(0, 5)
    client.get("/timebank/spend/")
    with CaptureQueriesContext(connection) as few:
        client.get("/timebank/spend/")
    add(5, 25)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/timebank/spend/").content.count(b'type="radio"') == 30
    assert len(few) == len(many)


@pytest.mark.parametrize("name", ["commissioner", "referrer"])
def test_commissioners_and_referrers_do_not_see_the_board(cast, bank, name):
    listing = services.create_listing(
        actor=cast.actor("member"), person=cast.member, kind="offer", title="Guitar", category="arts"
    )
    client = cast.client(name)
    assert client.get("/timebank/board/").status_code == 403
    assert client.get(f"/timebank/board/{listing.pk}/").status_code == 403
    assert client.get("/timebank/board/new/").status_code == 403


def test_without_pango_the_pdf_link_says_so_and_offers_the_csv(cast, bank, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    response = cast.client("member").get("/timebank/statement/pdf/?start=2026-01-01", follow=True)
    assert response.redirect_chain[-1][0] == "/timebank/statement/?start=2026-01-01"
    assert b"download the CSV instead" in response.content


def test_a_member_waiting_for_approval_is_told_and_cannot_exchange_yet(cast, bank):
    services.update_settings(actor=cast.actor("coordinator"), hub=cast.hub, approve_new_members=True)
    services.join(actor=cast.actor("volunteer"), person=cast.volunteer)
    client = cast.client("volunteer")
    assert b"Waiting for approval" in client.get("/timebank/").content
    before = written()
    response = client.post(
        "/timebank/exchanges/new/", exchange_post(cast, bank, other=bank["member2"].pk, direction="gave")
    )
    assert b"waiting for a broker to approve them" in response.content
    gift = client.post("/timebank/give/", {"to": "pot", "hours": "1"})
    assert b"waiting for a broker to approve them" in gift.content
    assert written() == before
