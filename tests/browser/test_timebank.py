"""The time bank's acceptance journey (issue 5), in a real browser, with axe-core on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.testing import build_cast
from timebank import services
from timebank.models import Account, Exchange, Transfer
from timebank.queries import ledger_problems

pytestmark = pytest.mark.browser


def balance(account: Account) -> int:
    return Account.objects.get(pk=account.pk).balance


def test_a_member_records_gardening_the_other_confirms_and_a_broker_reverses_it(
    new_page, sign_in, visit, check_a11y
):
    cast = build_cast()
    broker = cast.actor("broker")
    mo_account = services.join(actor=broker, person=cast.member)
    mia_account = services.join(actor=broker, person=cast.member2)

    # Mo records 90 minutes of gardening he gave Mia.
    mo = new_page()
    sign_in(mo, cast.member)
    mo.get_by_role("link", name="Time bank").first.click()
    expect(mo.locator("h1")).to_have_text("Your time bank")
    expect(mo.locator("#balance")).to_have_text("0h 00m")
    check_a11y(mo)
    mo.get_by_role("link", name="Record an exchange").click()
    expect(mo.locator("h1")).to_have_text("Record an exchange")
    check_a11y(mo)
    mo.get_by_label("I gave help to a member").check()
    mo.get_by_label("Who was the other member?").select_option(label="Mia Member")
    mo.get_by_label("Hours").fill("1")
    mo.get_by_label("Minutes").fill("30")
    mo.get_by_label("What kind of help?").select_option(label="Gardening")
    mo.get_by_label("What did you do?").fill("Weeded and planted the front garden")
    mo.get_by_role("button", name="Record the exchange").click()

    expect(mo.locator("h1")).to_have_text("Weeded and planted the front garden")
    expect(mo.get_by_role("status")).to_contain_text("We have asked Mia Member to confirm it.")
    expect(mo.locator("#status")).to_have_text("Waiting for the other person to confirm")
    check_a11y(mo)
    exchange = Exchange.objects.get()
    assert (exchange.giver_id, exchange.receiver_id, exchange.minutes) == (mo_account.pk, mia_account.pk, 90)
    assert (balance(mo_account), balance(mia_account)) == (0, 0)  # nothing moves until Mia confirms

    # Mia signs in and confirms from her time-bank page (htmx swaps the page body in place).
    mia = new_page()
    sign_in(mia, cast.member2)
    visit(mia, "/timebank/")
    row = mia.locator("#waiting tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Mo Member helped you")
    expect(row).to_contain_text("1h 30m")
    row.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(mia.get_by_role("status")).to_contain_text("Confirmed. Your balances have changed.")
    expect(mia.locator("#balance")).to_have_text("-1h 30m")
    expect(mia.locator("#waiting")).to_have_count(0)
    check_a11y(mia)
    assert (balance(mo_account), balance(mia_account)) == (90, -90)

    # Both balances changed, and Mo's statement shows the exchange.
    visit(mo, "/timebank/")
    expect(mo.locator("#balance")).to_have_text("1h 30m")
    mo.get_by_role("link", name="Your statement").click()
    expect(mo.locator("h1")).to_have_text("Your statement")
    check_a11y(mo)
    line = mo.locator("#statement tbody tr", has_text="Weeded and planted the front garden")
    expect(line).to_contain_text("Mia Member")
    expect(line).to_contain_text("+1h 30m")
    expect(mo.locator("#closing")).to_have_text("1h 30m")

    # A broker (with a second factor) reverses it on the brokers' reverse page.
    bea = new_page()
    sign_in(bea, cast.broker)
    transfer = Exchange.objects.get().transfer
    visit(bea, f"/timebank/broker/transfers/{transfer.pk}/reverse/")
    expect(bea.locator("h1")).to_have_text("Reverse a transfer")
    bea.get_by_label("Why is it being reversed?").fill("Recorded against the wrong garden")
    bea.get_by_role("button", name="Reverse this transfer").click()
    expect(bea.get_by_role("status")).to_contain_text("The transfer is reversed")
    check_a11y(bea)
    assert Transfer.objects.filter(kind=Transfer.Kind.REVERSAL, reverses=transfer).count() == 1

    # Both balances return, and the statement keeps both movements.
    assert (balance(mo_account), balance(mia_account)) == (0, 0)
    visit(mo, "/timebank/")
    expect(mo.locator("#balance")).to_have_text("0h 00m")
    visit(mia, "/timebank/")
    expect(mia.locator("#balance")).to_have_text("0h 00m")
    visit(mo, "/timebank/statement/")
    expect(mo.locator("#statement tbody tr")).to_have_count(2)
    expect(mo.locator("#statement")).to_contain_text("Reversal: Weeded and planted the front garden")
    expect(mo.locator("#closing")).to_have_text("0h 00m")
    assert ledger_problems()[0] == []


def test_a_member_is_refused_another_members_statement_in_the_browser(new_page, sign_in, visit):
    cast = build_cast()
    broker = cast.actor("broker")
    services.join(actor=broker, person=cast.member)
    mia_account = services.join(actor=broker, person=cast.member2)
    page = new_page()
    sign_in(page, cast.member)
    visit(page, f"/timebank/accounts/{mia_account.pk}/statement/", status=403)


def test_every_member_page_passes_axe_including_errors_and_search_results(
    new_page, sign_in, visit, check_a11y
):
    cast = build_cast()
    broker = cast.actor("broker")
    mo_account = services.join(actor=broker, person=cast.member)
    services.join(actor=broker, person=cast.member2)
    services.join(actor=cast.actor("outsider"), person=cast.other_member)
    college = services.add_partner(actor=broker, name="Riverside College")
    services.add_way_to_spend(actor=broker, partner=college, title="Pottery class", price=60)
    services.create_listing(
        actor=cast.actor("member2"),
        person=cast.member2,
        kind="offer",
        title="Garden weeding",
        category="gardening",
    )
    request = services.create_listing(
        actor=cast.actor("member"),
        person=cast.member,
        kind="request",
        title="Weeding help",
        category="gardening",
    )
    page = new_page()
    sign_in(page, cast.member)
    for path in (
        "/timebank/board/",
        "/timebank/board/?kind=offer&q=garden",
        "/timebank/board/new/",
        f"/timebank/board/{request.pk}/",
        f"/timebank/board/{request.pk}/edit/",
        "/timebank/give/",
        "/timebank/spend/",
        "/timebank/send/",
        f"/timebank/send/?hub={cast.other_hub.pk}&name=nin",
        f"/timebank/send/?hub={cast.other_hub.pk}&name=zz",
        "/timebank/statement/",
    ):
        visit(page, path)
    visit(page, f"/timebank/board/{request.pk}/")
    expect(page.locator("#matches")).to_contain_text("Mia Member")

    # Forms with mistakes: the error summary and messages beside fields pass axe too.
    visit(page, "/timebank/exchanges/new/")
    page.get_by_role("button", name="Record the exchange").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    check_a11y(page)
    visit(page, "/timebank/give/")
    page.get_by_label("Who would you like to give time to?").select_option(label="Mia Member")
    page.get_by_label("Hours").fill("20")
    page.get_by_role("button", name="Give this time").click()
    expect(page.get_by_role("alert")).to_contain_text("below the lowest balance allowed")
    check_a11y(page)
    assert balance(mo_account) == 0

    # Spending at a partner from the list of ways to spend.
    visit(page, "/timebank/spend/")
    page.get_by_label("Pottery class at Riverside College").check()
    page.get_by_role("button", name="Spend my time").click()
    expect(page.get_by_role("status")).to_contain_text("Pottery class at Riverside College")
    expect(page.locator("#balance")).to_have_text("-1h 00m")
    check_a11y(page)
