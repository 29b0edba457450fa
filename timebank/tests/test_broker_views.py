"""The brokers' and coordinators' pages, driven through the test client: who may open them, what
each tool does, and that bad input shows an error and writes nothing."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEvent
from core.roles import Role
from core.testing import make_person
from timebank import services
from timebank.broker_views import chart, pounds
from timebank.models import Account, Category, Entry, Exchange, TimebankSettings, Transfer, WayToSpend

BROKERS = ["broker", "coordinator"]
NOT_BROKERS = ["member", "link_worker", "commissioner"]


def written() -> tuple[int, int, int]:
    """What a refused request must leave untouched."""
    return Entry.objects.count(), Transfer.objects.count(), Exchange.objects.count()


def balance(account: Account) -> int:
    return Account.objects.get(pk=account.pk).balance


def page(response) -> str:
    return response.content.decode()


def exchange(cast, giver, receiver, minutes=60, description="Helped with the garden"):
    return services.record_exchange(
        actor=cast.actor("broker"),
        giver=giver,
        receiver=receiver,
        minutes=minutes,
        category=Category.GARDENING,
        description=description,
    )


@pytest.fixture
def objects(cast, bank):
    """One of each thing a broker page can be about, in Riverside."""
    posted = exchange(cast, bank["member"], bank["member2"])
    partner = services.add_partner(actor=cast.actor("broker"), name="Riverside College")
    way = services.add_way_to_spend(actor=cast.actor("broker"), partner=partner, title="Pottery", price=60)
    return {"account": bank["member"], "transfer": posted.transfer, "partner": partner, "way": way}


@pytest.fixture
def northgate(cast):
    """The same things in the other hub, which Riverside's brokers must never reach."""
    otto = cast.actor("outsider")
    nina = services.join(actor=otto, person=cast.other_member)
    grant = services.award(actor=otto, to_account=nina, minutes=30, reason="Welcome")
    partner = services.add_partner(actor=otto, name="Northgate Leisure")
    way = services.add_way_to_spend(actor=otto, partner=partner, title="Swim", price=60)
    return {"account": nina, "transfer": grant, "way": way}


PAGES = [
    "/timebank/broker/",
    "/timebank/broker/approvals/",
    "/timebank/broker/accounts/",
    "/timebank/broker/accounts/{account}/",
    "/timebank/broker/transfers/{transfer}/reverse/",
    "/timebank/broker/time-sheet/",
    "/timebank/broker/time-sheet/upload/",
    "/timebank/broker/group/",
    "/timebank/broker/award/",
    "/timebank/broker/pot/",
    "/timebank/broker/partners/",
    "/timebank/broker/partners/add/",
    "/timebank/broker/ways/add/",
]


def url(template: str, things: dict) -> str:
    return template.format(**{k: getattr(v, "pk", v) for k, v in things.items()})


# Who may open which page


@pytest.mark.parametrize("role", BROKERS)
@pytest.mark.parametrize("path", PAGES)
def test_each_page_opens_for_brokers_and_coordinators(cast, objects, role, path):
    response = cast.client(role).get(url(path, objects))

    assert response.status_code == 200
    assert " style=" not in page(response) and "<script>" not in page(response)


@pytest.mark.parametrize("role", NOT_BROKERS)
@pytest.mark.parametrize("path", PAGES[1:])
def test_each_page_refuses_everyone_else(cast, objects, role, path):
    response = cast.client(role).get(url(path, objects))

    assert response.status_code == 403
    assert "You cannot see this page" in page(response)


@pytest.mark.parametrize("role", ["member", "link_worker", "peer", "referrer", "volunteer"])
def test_the_dashboard_refuses_people_without_a_reporting_role(cast, role):
    assert cast.client(role).get("/timebank/broker/").status_code == 403


def test_a_staff_member_who_has_not_passed_two_factor_is_sent_to_it(cast):
    response = cast.client("broker", verified=False).get("/timebank/broker/")

    assert response.status_code == 302
    assert "two-factor" in response["Location"]


def test_only_a_coordinator_opens_the_settings(cast):
    assert cast.client("coordinator").get("/timebank/broker/settings/").status_code == 200
    for role in ["broker", "member", "link_worker", "commissioner", "administrator"]:
        assert cast.client(role).get("/timebank/broker/settings/").status_code == 403, role


@pytest.mark.parametrize(
    "path",
    [
        "/timebank/broker/accounts/{account}/",
        "/timebank/broker/transfers/{transfer}/reverse/",
        "/timebank/broker/accounts/99999999/",
        "/timebank/broker/transfers/00000000-0000-0000-0000-000000000000/reverse/",
        "/timebank/broker/exchanges/99999999/approve/",
    ],
)
def test_another_hubs_records_are_not_found(cast, objects, northgate, path):
    response = cast.client("broker").get(url(path, northgate))

    assert response.status_code == 404
    assert "Nina" not in page(response)


def test_a_broker_of_another_hub_cannot_reach_riversides_accounts(cast, objects):
    # Otto is a broker in Northgate and has no role in Riverside: his pages are Northgate's.
    response = cast.client("outsider").get(f"/timebank/broker/accounts/{objects['account'].pk}/")

    assert response.status_code == 404


def test_actions_on_another_hubs_records_are_not_found_and_write_nothing(cast, objects, northgate):
    client = cast.client("broker")
    before = written()

    retire = client.post(f"/timebank/broker/ways/{northgate['way'].pk}/retire/")
    reverse = client.post(
        f"/timebank/broker/transfers/{northgate['transfer'].pk}/reverse/", {"reason": "Entered twice"}
    )
    approve = client.post(f"/timebank/broker/members/{northgate['account'].pk}/approve/")

    assert [retire.status_code, reverse.status_code, approve.status_code] == [404, 404, 404]
    assert written() == before
    assert WayToSpend.objects.get(pk=northgate["way"].pk).is_active


@pytest.mark.parametrize("role", NOT_BROKERS)
def test_actions_refuse_everyone_else_and_write_nothing(cast, objects, role):
    client = cast.client(role)
    before = written()

    responses = [
        client.post(f"/timebank/broker/ways/{objects['way'].pk}/retire/"),
        client.post(f"/timebank/broker/transfers/{objects['transfer'].pk}/reverse/", {"reason": "Mine"}),
        client.post(
            "/timebank/broker/award/", {"member": "Mo Member", "kind": "award", "hours": 5, "reason": "x"}
        ),
        client.post("/timebank/broker/partners/add/", {"name": "Sneaky Ltd"}),
    ]

    assert [r.status_code for r in responses] == [403] * 4
    assert written() == before
    assert not Account.objects.filter(name="Sneaky Ltd").exists()


# Dashboard


def test_the_dashboard_shows_hours_value_chart_and_table(cast, bank):
    exchange(cast, bank["member"], bank["member2"], minutes=90)
    exchange(cast, bank["peer"], bank["member"], minutes=30, description="A lift to the surgery")
    services.update_settings(actor=cast.actor("coordinator"), hub=cast.hub, wage_pence_per_hour=1200)

    response = cast.client("broker").get("/timebank/broker/")
    html = page(response)

    assert response.context["board"].exchanged_minutes == 120
    assert response.context["value"] == "£24.00"
    assert "<svg" in html and "<rect" in html and 'id="by-month-table"' in html
    assert html.count("<rect") == 12  # one bar a month, for twelve months
    assert "Gardening" in html
    for name in [
        "approvals",
        "accounts",
        "time-sheet",
        "time-sheet/upload",
        "group",
        "award",
        "pot",
        "partners",
    ]:
        assert f'href="/timebank/broker/{name}/"' in html, name
    assert 'href="/timebank/broker/settings/"' not in html  # settings are for coordinators


def test_the_coordinator_sees_the_link_to_settings(cast):
    assert 'href="/timebank/broker/settings/"' in page(cast.client("coordinator").get("/timebank/broker/"))


def test_the_dashboard_lists_inactive_members_and_those_near_a_limit_for_brokers(cast, bank):
    exchange(cast, bank["member"], bank["member2"], minutes=560)

    html = page(cast.client("broker").get("/timebank/broker/"))

    near = html.split('id="near-limits"')[1]
    assert "Mia Member" in near and "Mo Member" not in near
    inactive = html.split('id="inactive"')[1].split('id="near-limits"')[0]
    assert "Pat Peer" in inactive and "Mo Member" not in inactive


@pytest.mark.parametrize("role", ["commissioner", "administrator"])
def test_commissioners_see_figures_only_with_small_counts_suppressed(cast, bank, role):
    exchange(cast, bank["member"], bank["member2"], minutes=560)

    response = cast.client(role).get("/timebank/broker/")
    html = page(response)

    assert response.status_code == 200
    assert "Mo Member" not in html and "Mia Member" not in html and "Pat Peer" not in html
    assert "fewer than 5" in html
    assert response.context["figures"]["active"] == "fewer than 5"
    assert "/timebank/broker/accounts/" not in html and "/timebank/broker/approvals/" not in html
    assert 'id="by-month-table"' in html and "9h 20m" in html  # the hours themselves are not people


def test_the_figures_only_dashboard_shows_counts_of_five_or_more(cast, bank):
    for i in range(5):
        person = make_person(
            cast.hub, f"Extra Member{i}", Role.MEMBER, login=False, email=f"x{i}@example.org"
        )
        account = services.join(actor=cast.actor("broker"), person=person)
        exchange(cast, account, bank["member"], minutes=10)

    response = cast.client("commissioner").get("/timebank/broker/")

    assert response.context["figures"]["active"] == "6"


def _busy_hub(cast, bank, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        person = make_person(
            cast.hub, f"Busy Member{i:03d}", Role.MEMBER, login=False, email=f"b{i}@example.org"
        )
        account = services.join(actor=cast.actor("broker"), person=person)
        category = [Category.GARDENING, Category.DIY, Category.ARTS, Category.CARE][i % 4]
        services.record_exchange(
            actor=cast.actor("broker"),
            giver=account,
            receiver=bank["member2"],
            minutes=20,
            category=category,
            description="Help",
            occurred_on=timezone.localdate().replace(day=1),
        )
        Account.objects.filter(pk=account.pk).update(lowest_balance=0)


def test_the_dashboard_query_count_does_not_grow_with_members_and_exchanges(cast, bank):
    client = cast.client("broker")
    _busy_hub(cast, bank, 3)
    client.get("/timebank/broker/")  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        assert client.get("/timebank/broker/").status_code == 200
    _busy_hub(cast, bank, 25, start=3)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/timebank/broker/")

    assert len(response.context["board"].near_limits) >= 28
    assert len(many) == len(few)


def test_the_chart_scales_bars_to_the_busiest_month():
    from datetime import date

    bars = chart([(date(2025, 1, 1), 0), (date(2025, 2, 1), 120), (date(2025, 3, 1), 60)])["bars"]

    assert [b["height"] for b in bars] == [0, 160, 80]
    assert bars[1]["hours"] == 2
    assert pounds(123456) == "£1,234.56" and pounds(5) == "£0.05"


# Approvals


def test_a_broker_approves_a_new_member_who_then_gets_the_joining_grant(cast):
    services.update_settings(
        actor=cast.actor("coordinator"), hub=cast.hub, approve_new_members=True, joining_grant=300
    )
    account = services.join(actor=cast.actor("member"), person=cast.member)
    client = cast.client("broker")
    assert "Mo Member" in page(client.get("/timebank/broker/approvals/"))

    response = client.post(f"/timebank/broker/members/{account.pk}/approve/", follow=True)

    account.refresh_from_db()
    assert account.is_approved and account.approved_by == cast.broker.user
    assert account.balance == 300
    assert "can now exchange time" in page(response)
    again = client.post(f"/timebank/broker/members/{account.pk}/approve/", follow=True)
    assert "already approved" in page(again)
    assert balance(account) == 300


def test_approve_member_refuses_get(cast, bank):
    assert (
        cast.client("broker").get(f"/timebank/broker/members/{bank['member'].pk}/approve/").status_code == 405
    )


def _waiting_exchange(cast, bank, minutes: int) -> Exchange:
    services.update_settings(
        actor=cast.actor("coordinator"), hub=cast.hub, approval=TimebankSettings.Approval.ALL
    )
    recorded = services.record_exchange(
        actor=cast.actor("member"),
        giver=bank["member"],
        receiver=bank["member2"],
        minutes=minutes,
        category=Category.CARE,
        description="Respite afternoon",
    )
    return services.confirm_exchange(actor=cast.actor("member2"), exchange=recorded)


def test_a_broker_approves_a_waiting_exchange(cast, bank):
    waiting = _waiting_exchange(cast, bank, 120)
    client = cast.client("broker")
    assert "Respite afternoon" in page(client.get("/timebank/broker/approvals/"))

    response = client.post(f"/timebank/broker/exchanges/{waiting.pk}/approve/", {"override_reason": ""})

    assert response.status_code == 302
    assert Exchange.objects.get(pk=waiting.pk).status == Exchange.Status.POSTED
    assert [balance(bank["member"]), balance(bank["member2"])] == [120, -120]


def test_a_limit_blocks_approval_until_the_broker_writes_a_reason(cast, bank):
    waiting = _waiting_exchange(cast, bank, 700)  # Mia may go 10 hours into debit
    client = cast.client("broker")
    before = written()

    blocked = client.post(f"/timebank/broker/exchanges/{waiting.pk}/approve/", {"override_reason": ""})

    assert blocked.status_code == 200
    assert "below the lowest balance allowed" in page(blocked)
    assert "To approve it anyway, write why" in page(blocked)
    assert 'name="override_reason"' in page(blocked)
    assert written() == before
    assert Exchange.objects.get(pk=waiting.pk).approved_at is None

    done = client.post(
        f"/timebank/broker/exchanges/{waiting.pk}/approve/", {"override_reason": "Agreed with Mia's carer"}
    )

    assert done.status_code == 302
    assert balance(bank["member2"]) == -700
    assert AuditEvent.objects.filter(summary__startswith="Limit overridden: Agreed").count() == 1


def test_a_broker_declines_a_waiting_exchange_and_no_time_moves(cast, bank):
    waiting = _waiting_exchange(cast, bank, 60)
    before = written()

    response = cast.client("broker").post(
        f"/timebank/broker/exchanges/{waiting.pk}/decline/", {"reason": "It was a paid visit"}
    )

    assert response.status_code == 302
    declined = Exchange.objects.get(pk=waiting.pk)
    assert declined.status == Exchange.Status.DECLINED and declined.decline_reason == "It was a paid visit"
    assert written() == before
    assert "not waiting" in page(
        cast.client("broker").get(f"/timebank/broker/exchanges/{waiting.pk}/approve/")
    )


# Accounts and reversals


def test_a_broker_finds_an_account_by_name(cast, bank, objects):
    client = cast.client("broker")

    found = client.get("/timebank/broker/accounts/", {"q": "mia"})
    college = client.get("/timebank/broker/accounts/", {"q": "college"})

    assert [a.name for a in found.context["page"].object_list] == ["Mia Member"]
    assert [a.name for a in college.context["page"].object_list] == ["Riverside College"]
    assert "Nina" not in page(client.get("/timebank/broker/accounts/", {"q": "nina"}))


def test_the_account_page_shows_balance_limits_and_a_reverse_link(cast, bank, objects):
    html = page(cast.client("broker").get(f"/timebank/broker/accounts/{bank['member'].pk}/"))

    assert "1h 00m" in html and "-10h 00m" in html and "Helped with the garden" in html
    assert f"/timebank/broker/transfers/{objects['transfer'].pk}/reverse/?account={bank['member'].pk}" in html
    assert f"/timebank/accounts/{bank['member'].pk}/statement/" in html
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, person=cast.member, summary="Time-bank account (broker)"
    ).exists()


def test_a_broker_reverses_a_transfer_with_a_reason_and_it_shows_as_reversed(cast, bank, objects):
    client = cast.client("broker")
    path = f"/timebank/broker/transfers/{objects['transfer'].pk}/reverse/?account={bank['member'].pk}"
    before = written()

    refused = client.post(path, {"reason": "  "})

    assert refused.status_code == 200 and "This field is required" in page(refused)
    assert written() == before

    done = client.post(path, {"reason": "Entered twice"})

    assert done.status_code == 302 and done["Location"] == f"/timebank/broker/accounts/{bank['member'].pk}/"
    assert [balance(bank["member"]), balance(bank["member2"])] == [0, 0]
    account_page = page(client.get(done["Location"]))
    assert "Already reversed" in account_page
    assert "Already reversed" in page(client.get(path))
    count = Transfer.objects.count()
    again = client.post(path, {"reason": "Entered twice"})
    assert "already been reversed" in page(again)
    assert Transfer.objects.count() == count


def test_reversing_half_of_a_send_between_hubs_warns_that_the_other_half_stays(cast, bank, northgate):
    services.award(actor=cast.actor("broker"), to_account=bank["member"], minutes=60, reason="x")
    out, _ = services.send_between_hubs(
        actor=cast.actor("member"), from_account=bank["member"], to_account=northgate["account"], minutes=30
    )

    html = page(cast.client("broker").get(f"/timebank/broker/transfers/{out.pk}/reverse/"))

    assert 'id="between-hubs"' in html and "their broker reverses it too" in html


def test_a_reversal_cannot_itself_be_reversed(cast, bank, objects):
    reversal = services.reverse_transfer(
        actor=cast.actor("broker"), transfer=objects["transfer"], reason="Oops"
    )
    client = cast.client("broker")
    before = written()

    response = client.post(f"/timebank/broker/transfers/{reversal.pk}/reverse/", {"reason": "Undo"})

    assert "cannot itself be reversed" in page(response)
    assert written() == before


# Paper time sheets


def sheet(rows: list[dict], override: str = "") -> dict:
    data = {
        "row-TOTAL_FORMS": "10",
        "row-INITIAL_FORMS": "0",
        "row-MIN_NUM_FORMS": "0",
        "row-MAX_NUM_FORMS": "10",
        "override_reason": override,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"row-{i}-{key}"] = value
    return data


def row(giver="Mo Member", receiver="Mia Member", hours="1", minutes="30", **extra) -> dict:
    return {
        "giver": giver,
        "receiver": receiver,
        "hours": hours,
        "minutes": minutes,
        "category": "gardening",
        "description": "Weeding",
        **extra,
    }


def test_a_broker_enters_a_paper_time_sheet_and_blank_rows_are_ignored(cast, bank):
    client = cast.client("broker")
    assert "Mo Member" in page(client.get("/timebank/broker/time-sheet/"))  # in the type-ahead list

    response = client.post(
        "/timebank/broker/time-sheet/",
        sheet([row(), {}, row(giver="pat@example.org", receiver="mo member", hours="", minutes="45")]),
        follow=True,
    )

    assert "2 exchanges entered (2 h 15 min in all)" in page(response)
    assert [balance(bank["member"]), balance(bank["member2"]), balance(bank["peer"])] == [45, -90, 45]
    assert Exchange.objects.filter(status=Exchange.Status.POSTED).count() == 2


def test_a_time_sheet_lists_every_unknown_person_by_row_and_writes_nothing(cast, bank):
    before = written()

    response = cast.client("broker").post(
        "/timebank/broker/time-sheet/",
        sheet(
            [row(), {}, row(giver="Nobody Known"), row(receiver="=HYPERLINK(1)"), row(receiver="Mo Member")]
        ),
    )
    html = page(response)

    assert response.status_code == 200
    assert "Row 3: no member of this time bank is called" in html
    assert "Row 4: the receiver “=HYPERLINK(1)” looks like a spreadsheet formula" in html
    assert "Row 5: the giver and the receiver are the same person" in html
    assert "Row 1:" not in html and "Row 2:" not in html
    assert written() == before


def test_a_half_filled_row_is_shown_with_its_missing_fields(cast, bank):
    before = written()

    response = cast.client("broker").post(
        "/timebank/broker/time-sheet/", sheet([row(), {"giver": "Mo Member", "hours": "1"}])
    )

    html = page(response)
    assert "Row 2, who was helped: Required on a row that is filled in." in html
    assert "Row 2, category" in html and "Row 2, what was done" in html
    assert written() == before


def test_a_time_sheet_cannot_be_made_longer_than_ten_rows_by_editing_the_form(cast, bank):
    data = sheet([row(description=f"Row {i}") for i in range(12)])
    data["row-TOTAL_FORMS"] = "12"
    before = written()

    response = cast.client("broker").post("/timebank/broker/time-sheet/", data)

    assert response.status_code == 200
    assert "at most 10 forms" in page(response)
    assert written() == before


def test_a_time_sheet_with_no_rows_says_so(cast, bank):
    response = cast.client("broker").post("/timebank/broker/time-sheet/", sheet([]))

    assert "Fill in at least one row." in page(response)


def test_a_limit_on_one_row_stops_the_whole_sheet_until_a_reason_is_given(cast, bank):
    client = cast.client("broker")
    rows = [row(hours="8", minutes="0"), {}, row(hours="3", minutes="0", description="Day two")]
    before = written()

    blocked = client.post("/timebank/broker/time-sheet/", sheet(rows))

    assert "Row 3: Mia Member would go to -11 h" in page(blocked)
    assert written() == before

    done = client.post("/timebank/broker/time-sheet/", sheet(rows, override="Agreed at the steering group"))

    assert done.status_code == 302
    assert balance(bank["member2"]) == -660


def test_a_future_date_on_a_time_sheet_is_refused(cast, bank):
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    before = written()

    response = cast.client("broker").post("/timebank/broker/time-sheet/", sheet([row(occurred_on=tomorrow)]))

    assert "Cannot be in the future." in page(response)
    assert written() == before


# Time sheet uploads


def upload(client, content: bytes, name="sheet.csv", override=""):
    return client.post(
        "/timebank/broker/time-sheet/upload/",
        {"sheet": SimpleUploadedFile(name, content, content_type="text/csv"), "override_reason": override},
    )


HEADER = "giver,receiver,minutes,category,description,date\n"


def test_a_broker_uploads_a_csv_time_sheet(cast, bank):
    today = timezone.localdate()
    content = (
        "\ufeffGiver,Receiver,Minutes,Category,Description,Date\n"
        f"mo@example.org,Mia Member,90,Gardening,Weeding,{today.isoformat()}\n"
        f"  pat peer ,mo@example.org,30,transport,Lift to the surgery,{today.strftime('%d/%m/%Y')}\n"
        ",,,,,\n"
        "Mia Member,Pat Peer,15,befriending,Phone call,\n"
    ).encode()

    response = upload(cast.client("broker"), content)

    assert response.status_code == 302
    assert [balance(bank["member"]), balance(bank["member2"]), balance(bank["peer"])] == [60, -75, 15]
    assert set(Transfer.objects.values_list("category", flat=True)) == {
        "gardening",
        "transport",
        "befriending",
    }


def test_an_upload_lists_every_problem_with_its_row_number_and_writes_nothing(cast, bank):
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    content = (
        HEADER
        + "Mo Member,Mia Member,90,gardening,Weeding,\n"
        + "Nobody,Mia Member,90,gardening,Weeding,\n"
        + "Mo Member,Mia Member,ninety,gardening,Weeding,\n"
        + "Mo Member,Mia Member,90,knitting,Weeding,\n"
        + f"Mo Member,Mia Member,90,gardening,Weeding,{tomorrow}\n"
        + "Mo Member,Mia Member,0,gardening,,31/02/2025\n"
        + "@SUM(A1),Mia Member,90,gardening,Weeding,\n"
        + "Mo Member,Mia Member,90,gardening,=cmd|' /C calc'!A0,\n"
    ).encode()
    before = written()

    response = upload(cast.client("broker"), content)
    html = page(response)

    assert response.status_code == 200
    assert "Row 1" not in html.split("problems-title")[1].split("</ul>")[0]
    for expected in [
        "Row 2: no member of this time bank is called or has the email address “Nobody”.",
        "Row 3: the minutes must be a whole number.",
        "Row 4: “knitting” is not a category.",
        "Row 5: the date is in the future.",
        "Row 6: the description is missing.",
        "Row 6: the minutes must be between 1 and 1440.",
        "Row 6: the date must look like 2025-03-31 or 31/03/2025.",
        "Row 7: the giver “@SUM(A1)” looks like a spreadsheet formula",
        "Row 8: the description looks like a spreadsheet formula.",
    ]:
        assert expected in html, expected
    assert written() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ((b"Mo Member,Mia Member,90,gardening,Weeding,\n"), "The first line must name the columns"),
        (HEADER.encode(), "no rows after the header"),
        (b"", "The submitted file is empty"),  # Django refuses it before we read it
        ((HEADER + "Mö Member,Mia Member,90,gardening,Weeding,\n").encode("latin-1"), "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not UTF-8"),
        (b"giver,receiver\x00,minutes\n", "not a CSV time sheet"),
        ((HEADER + "Mo Member,Mia Member,1,gardening,Tea,\n" * 501).encode(), "501 rows; at most 500"),
        ((HEADER + "x" * 1_000_001).encode(), "larger than 1 MB"),
    ],
    ids=["no-header", "header-only", "empty", "latin-1", "binary", "nul", "too-many-rows", "too-big"],
)
def test_an_upload_refuses_junk_gracefully_and_writes_nothing(cast, bank, content, message):
    before = written()

    response = upload(cast.client("broker"), content)

    assert response.status_code == 200
    assert message in page(response)
    assert written() == before


def test_upload_row_numbers_count_blank_lines_so_they_match_the_spreadsheet(cast, bank):
    content = (
        HEADER + "Mo Member,Mia Member,30,gardening,Weeding,\n,,,,,\n\nNobody,Mia Member,30,diy,Shelf,\n"
    ).encode()

    response = upload(cast.client("broker"), content)

    assert "Row 4: no member of this time bank is called" in page(response)


def test_an_uploaded_name_shared_by_two_members_must_be_an_email_address(cast, bank):
    twin = make_person(cast.hub, "Mia Member", Role.MEMBER, login=False, email="mia.two@example.org")
    services.join(actor=cast.actor("broker"), person=twin)
    before = written()

    response = upload(
        cast.client("broker"), (HEADER + "Mo Member,Mia Member,30,gardening,Weeding,\n").encode()
    )

    assert "Row 1: more than one member is called “Mia Member”; use their email address." in page(response)
    assert written() == before
    ok = upload(
        cast.client("broker"), (HEADER + "Mo Member,mia.two@example.org,30,gardening,Weeding,\n").encode()
    )
    assert ok.status_code == 302


def test_an_upload_cannot_name_another_hubs_member_or_one_waiting_for_approval(cast, bank, northgate):
    services.update_settings(actor=cast.actor("coordinator"), hub=cast.hub, approve_new_members=True)
    services.join(actor=cast.actor("broker"), person=cast.volunteer)
    before = written()

    response = upload(
        cast.client("broker"),
        (
            HEADER + "Mo Member,Nina Northgate,30,gardening,Weeding,\nVal Volunteer,Mo Member,30,diy,Shelf,\n"
        ).encode(),
    )

    assert "Row 1: no member of this time bank is called or has the email address “Nina Northgate”" in page(
        response
    )
    assert "Row 2: Val Volunteer is waiting for a broker to approve them." in page(response)
    assert written() == before


def test_an_uploaded_limit_problem_names_the_row_and_nothing_posts(cast, bank):
    content = (
        HEADER + "Mo Member,Mia Member,500,care,Day one,\nMo Member,Mia Member,200,care,Day two,\n"
    ).encode()
    before = written()

    response = upload(cast.client("broker"), content)

    assert "Row 2: Mia Member would go to" in page(response)
    assert written() == before
    assert upload(cast.client("broker"), content, override="Agreed with the coordinator").status_code == 302
    assert balance(bank["member2"]) == -700


# Group exchanges


def test_a_broker_records_a_group_session_under_the_hubs_rule(cast, bank):
    client = cast.client("broker")
    assert "The people helped share the time between them" in page(client.get("/timebank/broker/group/"))

    response = client.post(
        "/timebank/broker/group/",
        {
            "giver": "Pat Peer",
            "receivers": "Mo Member\n\nmia@example.org\n",
            "hours": "1",
            "minutes": "1",
            "category": "arts",
            "description": "Craft session",
        },
    )

    assert response.status_code == 302
    assert [balance(bank["peer"]), balance(bank["member"]), balance(bank["member2"])] == [61, -31, -30]
    assert Transfer.objects.get(kind=Transfer.Kind.GROUP).category == "arts"


def test_a_group_session_with_unknown_people_or_the_giver_among_them_writes_nothing(cast, bank):
    client = cast.client("broker")
    before = written()
    data = {"giver": "Pat Peer", "hours": "1", "category": "arts", "description": "Craft session"}

    unknown = client.post("/timebank/broker/group/", {**data, "receivers": "Mo Member\nNo Such Person"})
    giver_too = client.post("/timebank/broker/group/", {**data, "receivers": "Mo Member\nPat Peer"})
    nobody = client.post("/timebank/broker/group/", {**data, "receivers": "\n\n"})

    assert "Line 2: no member of this time bank is called" in page(unknown)
    assert "not including the giver" in page(giver_too)
    assert "Who took part: This field is required" in page(nobody)
    assert written() == before


def test_the_group_page_shows_the_each_rule_when_the_hub_chose_it(cast):
    services.update_settings(actor=cast.actor("coordinator"), hub=cast.hub, group_rule="each")

    html = page(cast.client("broker").get("/timebank/broker/group/"))

    assert "Each person helped gives the full time" in html


# Awards and the pot


def test_a_broker_awards_credits_and_a_double_click_posts_once(cast, bank):
    client = cast.client("broker")
    data = {
        "member": "Mo Member",
        "kind": "award",
        "hours": "2",
        "minutes": "0",
        "reason": "Ran the open day",
    }
    data["key"] = "broker:double-click"

    first = client.post("/timebank/broker/award/", data)
    second = client.post("/timebank/broker/award/", data)

    assert first.status_code == 302 and second.status_code == 302
    assert first["Location"] == f"/timebank/broker/accounts/{bank['member'].pk}/"
    assert balance(bank["member"]) == 120
    assert Transfer.objects.filter(kind=Transfer.Kind.AWARD).count() == 1


def test_a_broker_credits_time_on_call_at_the_hubs_rate(cast, bank):
    services.update_settings(actor=cast.actor("coordinator"), hub=cast.hub, on_call_minutes_per_hour=10)

    response = cast.client("broker").post(
        "/timebank/broker/award/",
        {"member": "pat@example.org", "kind": "on_call", "on_call_hours": "12", "reason": "Weekend rota"},
    )

    assert response.status_code == 302
    assert balance(bank["peer"]) == 120
    assert Transfer.objects.get(kind=Transfer.Kind.ON_CALL).description == "Weekend rota"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"member": "Nobody", "kind": "award", "hours": "1", "reason": "x"}, "No member of this time bank"),
        ({"member": "Mo Member", "kind": "award", "reason": "x"}, "Enter how much"),
        ({"member": "Mo Member", "kind": "on_call", "reason": "x"}, "Enter the hours on call"),
        ({"member": "Mo Member", "kind": "award", "hours": "1", "reason": ""}, "This field is required"),
        (
            {"member": "Mo Member", "kind": "award", "hours": "101", "reason": "x"},
            "less than or equal to 100",
        ),
        ({"member": "Nina Northgate", "kind": "award", "hours": "1", "reason": "x"}, "No member of this"),
    ],
)
def test_a_bad_award_shows_an_error_and_writes_nothing(cast, bank, northgate, data, message):
    before = written()

    response = cast.client("broker").post("/timebank/broker/award/", data)

    assert response.status_code == 200
    assert message in page(response)
    assert written() == before


def test_a_broker_gives_from_the_pot_but_never_more_than_it_holds(cast, bank):
    pot = services.system_account(cast.hub, Account.Kind.POT)
    services.award(actor=cast.actor("broker"), to_account=bank["member"], minutes=60, reason="seed")
    services.donate(actor=cast.actor("member"), from_account=bank["member"], to_account=pot, minutes=60)
    client = cast.client("broker")
    assert "1h 00m" in page(client.get("/timebank/broker/pot/"))
    before = written()

    too_much = client.post("/timebank/broker/pot/", {"member": "Pat Peer", "hours": "2", "reason": "Lifts"})

    assert "Community pot would go to" in page(too_much)
    assert written() == before

    done = client.post("/timebank/broker/pot/", {"member": "Pat Peer", "minutes": "45", "reason": "Lifts"})

    assert done.status_code == 302
    assert [balance(pot), balance(bank["peer"])] == [15, 45]


# Partners


def test_a_broker_adds_a_partner_and_a_way_to_spend_and_retires_it(cast, bank):
    client = cast.client("broker")

    added = client.post("/timebank/broker/partners/add/", {"name": "Riverside Leisure Centre"})
    duplicate = client.post("/timebank/broker/partners/add/", {"name": "riverside leisure centre"})

    assert added.status_code == 302
    assert "Already a partner." in page(duplicate)
    partner = Account.objects.get(kind=Account.Kind.ORGANISATION)
    assert f'value="{partner.pk}" selected' in page(
        client.get(f"/timebank/broker/ways/add/?partner={partner.pk}")
    )

    way = client.post(
        "/timebank/broker/ways/add/",
        {"partner": partner.pk, "title": "A swim", "hours": "1", "minutes": "0", "description": "Weekdays"},
    )

    assert way.status_code == 302
    listing = page(client.get("/timebank/broker/partners/"))
    assert "Riverside Leisure Centre" in listing and "A swim" in listing and "1h 00m" in listing
    swim = WayToSpend.objects.get()
    services.award(actor=cast.actor("broker"), to_account=bank["member"], minutes=60, reason="seed")
    services.spend_at_partner(actor=cast.actor("member"), account=bank["member"], way=swim)

    retired = client.post(f"/timebank/broker/ways/{swim.pk}/retire/", follow=True)

    assert "is no longer offered" in page(retired)
    assert not WayToSpend.objects.get(pk=swim.pk).is_active
    assert "A swim" not in page(client.get("/timebank/broker/partners/"))
    assert "1h 00m" in page(client.get("/timebank/broker/partners/"))  # the partner keeps what was spent
    again = client.post(f"/timebank/broker/ways/{swim.pk}/retire/", follow=True)
    assert "already been retired" in page(again)


def test_a_way_to_spend_needs_a_partner_of_this_hub_and_a_price(cast, northgate):
    client = cast.client("broker")
    mine = services.add_partner(actor=cast.actor("broker"), name="Museum")
    theirs = Account.objects.get(name="Northgate Leisure")

    elsewhere = client.post(
        "/timebank/broker/ways/add/", {"partner": theirs.pk, "title": "Swim", "hours": "1"}
    )
    free = client.post("/timebank/broker/ways/add/", {"partner": mine.pk, "title": "Entry"})

    assert "Select a valid choice" in page(elsewhere)
    assert "Enter how long" in page(free)
    assert WayToSpend.objects.filter(hub=cast.hub).count() == 0


# Settings


def test_a_coordinator_changes_the_time_banks_settings(cast):
    client = cast.client("coordinator")
    form = client.get("/timebank/broker/settings/").context["form"]
    assert form.initial["debit_hours"] == 10 and form.initial["wage_pounds"] == Decimal("13.85")

    response = client.post(
        "/timebank/broker/settings/",
        {
            "grant_hours": "5",
            "grant_minutes": "0",
            "debit_hours": "2",
            "debit_minutes": "30",
            "highest_hours": "40",
            "highest_minutes": "",
            "approval": "first",
            "approve_new_members": "yes",
            "group_rule": "pot",
            "on_call_minutes_per_hour": "20",
            "wage_pounds": "12.60",
        },
    )

    assert response.status_code == 302
    rules = TimebankSettings.objects.get(hub=cast.hub)
    assert (rules.joining_grant, rules.member_lowest_balance, rules.member_highest_balance) == (
        300,
        -150,
        2400,
    )
    assert (rules.approval, rules.approve_new_members, rules.group_rule) == ("first", True, "pot")
    assert (rules.on_call_minutes_per_hour, rules.wage_pence_per_hour) == (20, 1260)
    assert AuditEvent.objects.filter(summary="Changed time-bank settings").exists()
    assert client.get("/timebank/broker/settings/").context["form"].initial["highest_hours"] == 40


def test_bad_settings_show_errors_and_change_nothing(cast):
    client = cast.client("coordinator")

    response = client.post(
        "/timebank/broker/settings/",
        {
            "grant_hours": "-1",
            "grant_minutes": "75",
            "debit_hours": "",
            "debit_minutes": "0",
            "highest_minutes": "30",
            "approval": "sometimes",
            "approve_new_members": "yes",
            "group_rule": "split",
            "on_call_minutes_per_hour": "15",
            "wage_pounds": "lots",
        },
    )

    html = page(response)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter the hours too" in html
    assert "Select a valid choice" in html
    assert not TimebankSettings.objects.filter(hub=cast.hub).exists()


def test_a_broker_cannot_change_the_settings(cast):
    response = cast.client("broker").post("/timebank/broker/settings/", {"grant_hours": "100"})

    assert response.status_code == 403
    assert not TimebankSettings.objects.filter(hub=cast.hub).exists()


def test_no_broker_template_has_inline_code():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "templates" / "timebank" / "broker"
    for template in folder.glob("*.html"):
        text = re.sub(r"{#.*?#}", "", template.read_text())
        assert " style=" not in text and "<style" not in text and "<script" not in text, template.name


def _more_of_everything(cast, bank, count: int, start: int) -> None:
    broker = cast.actor("broker")
    rules = {"approve_new_members": True, "approval": TimebankSettings.Approval.ALL}
    services.update_settings(actor=cast.actor("coordinator"), hub=cast.hub, **rules)
    for i in range(start, start + count):
        person = make_person(
            cast.hub, f"Many Member{i:03d}", Role.MEMBER, login=False, email=f"m{i}@example.org"
        )
        services.join(actor=broker, person=person)  # waits for approval
        partner = services.add_partner(actor=broker, name=f"Partner {i:03d}")
        services.add_way_to_spend(actor=broker, partner=partner, title=f"Visit {i}", price=30)
        exchange(cast, bank["member"], bank["member2"], minutes=5, description=f"Help {i}")
        waiting = services.record_exchange(
            actor=cast.actor("member"),
            giver=bank["member"],
            receiver=bank["member2"],
            minutes=5,
            category=Category.DIY,
            description=f"Waiting {i}",
        )
        services.confirm_exchange(actor=cast.actor("member2"), exchange=waiting)


@pytest.mark.parametrize(
    "path",
    [
        "/timebank/broker/approvals/",
        "/timebank/broker/accounts/?q=member",
        "/timebank/broker/accounts/{account}/",
        "/timebank/broker/partners/",
        "/timebank/broker/ways/add/",
    ],
)
def test_list_pages_keep_a_constant_query_count(cast, bank, path):
    client = cast.client("broker")
    path = path.format(account=bank["member"].pk)
    _more_of_everything(cast, bank, 2, start=0)
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    _more_of_everything(cast, bank, 12, start=2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(path)

    assert response.status_code == 200
    assert len(many) == len(few), path
