"""The people part's main journeys, in a real browser, with axe-core on every page visited."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from core.models import AuditEvent
from core.testing import PASSWORD, build_cast
from people.models import ConsentEvent, ConsentPurpose, Person

from .conftest import current_code

pytestmark = pytest.mark.browser

VALID_NHS_NUMBER = "943 476 5919"
# The same number with its last digit changed, so the modulus-11 check fails.
MISTYPED_NHS_NUMBER = "943 476 5918"


def audit_rows(page) -> list[str]:
    return page.locator("#audit + table tbody tr").all_inner_texts()


def test_link_worker_adds_a_person_records_consent_and_the_coordinator_sees_who_looked(
    new_page, sign_in, visit, check_a11y
):
    cast = build_cast()
    page = new_page()
    sign_in(page, cast.link_worker)
    expect(page.locator("h1")).to_have_text("Hello, Lin Linkworker")

    visit(page, "/people/add/")
    page.get_by_label("Full name").fill("Sam Newperson")
    page.get_by_label("NHS number").fill(VALID_NHS_NUMBER)
    page.get_by_label("Postcode").fill("ls1 4ap")
    page.get_by_label("Needs (optional)", exact=True).fill("Company on walks")
    page.get_by_label("Skills (optional)", exact=True).fill("Baking bread")
    page.get_by_role("button", name="Add this person").click()

    expect(page.locator("h1")).to_have_text("Sam Newperson")
    person = Person.objects.get(hub=cast.hub, nhs_number="9434765919")
    assert page.url.endswith(f"/people/{person.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Sam Newperson has been added.")
    details = page.locator(".nhsuk-summary-list").first
    expect(details).to_contain_text(VALID_NHS_NUMBER)
    expect(details).to_contain_text("LS1 4AP")
    expect(page.locator("main")).to_contain_text("Company on walks")
    expect(page.locator("main")).to_contain_text("Baking bread")
    # A link worker works with the record but does not see who else has looked at it.
    expect(page.get_by_role("heading", name="Who has looked at this record")).to_have_count(0)
    check_a11y(page)

    page.get_by_role("link", name="Record consent").click()
    expect(page.locator("h1")).to_have_text("Consent for Sam Newperson")
    assert page.url.endswith(f"/people/{person.pk}/consent/")
    check_a11y(page)
    page.get_by_label(ConsentPurpose.CONTACT_EMAIL.label).check()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Told us in person or by phone").check()
    page.get_by_role("button", name="Record answer").click()

    expect(page.get_by_role("status")).to_contain_text("The consent answer has been recorded.")
    assert page.url.endswith(f"/people/{person.pk}/")
    consent_row = page.locator(".nhsuk-summary-list__row", has_text=ConsentPurpose.CONTACT_EMAIL.label)
    expect(consent_row).to_contain_text("Yes")
    check_a11y(page)
    event = ConsentEvent.objects.get(person=person)
    assert (event.purpose, event.granted, event.method) == (ConsentPurpose.CONTACT_EMAIL, True, "verbal")

    visit(page, f"/people/{person.pk}/")
    expect(page.locator("h1")).to_have_text("Sam Newperson")
    views = AuditEvent.objects.filter(
        person=person, actor=cast.link_worker.user, action=AuditEvent.Action.VIEW
    )
    assert views.count() >= 3  # shown after adding, opened for consent, shown after it, opened again

    coordinator = new_page()
    sign_in(coordinator, cast.coordinator)
    visit(coordinator, f"/people/{person.pk}/")
    expect(coordinator.get_by_role("heading", name="Who has looked at this record")).to_be_visible()
    rows = audit_rows(coordinator)
    assert any("Lin Linkworker" in r and "Viewed" in r for r in rows), rows
    assert any("Lin Linkworker" in r and "Created" in r for r in rows), rows
    assert any("Lin Linkworker" in r and "Recorded consent" in r for r in rows), rows
    assert any("Cora Coordinator" in r and "Viewed" in r for r in rows), rows


def test_member_sees_and_corrects_their_record_and_is_refused_another_members(
    new_page, sign_in, visit, check_a11y
):
    cast = build_cast()
    link_worker = new_page()
    sign_in(link_worker, cast.link_worker)
    visit(link_worker, f"/people/{cast.member.pk}/")
    expect(link_worker.locator("h1")).to_contain_text("Mo Member")

    page = new_page()
    sign_in(page, cast.member)
    assert not TOTPDevice.objects.filter(user=cast.member.user).exists(), "members need no second factor"
    expect(page.locator("h1")).to_have_text("Hello, Mo Member")

    page.get_by_role("link", name="What we hold about you").click()
    expect(page.locator("h1")).to_have_text("What we hold about you")
    assert page.url.endswith("/me/")
    check_a11y(page)
    expect(page.get_by_role("heading", name="Who has looked at your record")).to_be_visible()
    rows = audit_rows(page)
    assert any("Lin Linkworker" in r and "Viewed" in r for r in rows), rows
    assert any("Mo Member" in r and "Viewed" in r for r in rows), rows

    page.get_by_role("link", name="Correct your details").click()
    expect(page).to_have_url(re.compile(rf"/people/{cast.member.pk}/edit/$"))
    expect(page.locator("h1")).to_have_text("Change Mo Member’s details")
    check_a11y(page)
    page.get_by_label("Preferred name").fill("Mo")
    page.get_by_label("Pronouns").fill("he/him")
    page.get_by_label("Phone").fill("0113 496 0000")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("status")).to_contain_text("The changes have been saved.")
    expect(page.locator("h1")).to_have_text("What we hold about you")
    details = page.locator(".nhsuk-summary-list").first
    expect(details).to_contain_text("he/him")
    expect(details).to_contain_text("0113 496 0000")
    check_a11y(page)
    rows = audit_rows(page)
    assert any("Corrected their own details" in r and "phone" in r and "pronouns" in r for r in rows), rows
    assert any("Lin Linkworker" in r for r in rows), rows
    member = Person.objects.get(pk=cast.member.pk)
    assert (member.preferred_name, member.pronouns, member.phone) == ("Mo", "he/him", "0113 496 0000")

    visit(page, f"/people/{cast.member2.pk}/", status=403)
    expect(page.locator("h1")).to_have_text("You cannot see this page")
    expect(page.locator("main")).not_to_contain_text("Mia Member")
    assert AuditEvent.objects.filter(
        actor=cast.member.user, person=cast.member2, action=AuditEvent.Action.DENIED
    ).exists()


def test_a_mistyped_nhs_number_is_shown_as_an_error_and_nothing_is_saved(
    new_page, sign_in, visit, check_a11y
):
    cast = build_cast()
    page = new_page()
    sign_in(page, cast.link_worker)
    people_before = Person.objects.count()
    audit_before = AuditEvent.objects.exclude(action=AuditEvent.Action.VIEW).count()

    visit(page, "/people/add/")
    page.get_by_label("Full name").fill("Tess Typo")
    page.get_by_label("NHS number").fill(MISTYPED_NHS_NUMBER)
    page.get_by_label("Postcode").fill("LS1 4AP")
    page.get_by_role("button", name="Add this person").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    summary_link = summary.get_by_role("link", name=re.compile("NHS number"))
    expect(summary_link).to_contain_text("its last digit does not match")
    expect(summary_link).to_have_attribute("href", "#id_nhs_number")
    expect(page.locator("#id_nhs_number-error")).to_contain_text("its last digit does not match")
    expect(page.locator("#id_nhs_number")).to_have_class(re.compile("nhsuk-input--error"))
    # What they typed is kept, so only the mistake needs retyping.
    expect(page.get_by_label("Full name")).to_have_value("Tess Typo")
    assert page.url.endswith("/people/add/")
    check_a11y(page)

    assert Person.objects.count() == people_before
    assert not Person.objects.filter(full_name="Tess Typo").exists()
    assert AuditEvent.objects.exclude(action=AuditEvent.Action.VIEW).count() == audit_before


def test_people_search_updates_the_results_in_place(new_page, sign_in, visit, check_a11y):
    cast = build_cast()
    page = new_page()
    sign_in(page, cast.link_worker)
    visit(page, "/people/")
    results = page.locator("#results")
    expect(results).to_contain_text("10 people")
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Search by name, email, postcode or NHS number").press_sequentially("Mia")
    expect(results).to_contain_text("1 person matching “Mia”")
    expect(results.get_by_role("link", name="Mia Member")).to_be_visible()
    expect(results).not_to_contain_text("Mo Member")
    assert page.evaluate("window.notReloaded === true"), "the search reloaded the whole page"
    expect(page).to_have_url(re.compile(r"/people/\?q=Mia$"))
    check_a11y(page)

    page.get_by_label("Search by name, email, postcode or NHS number").fill("LS1")
    expect(results).to_contain_text("1 person matching “LS1”")
    expect(results.get_by_role("link", name="Mo Member")).to_be_visible()
    assert page.evaluate("window.notReloaded === true")

    results.get_by_role("link", name="Mo Member").click()
    expect(page.locator("h1")).to_have_text("Mo Member")
    assert page.url.endswith(f"/people/{cast.member.pk}/")
    check_a11y(page)


def test_staff_without_a_device_set_up_two_factor_at_first_sign_in(new_page, visit, check_a11y):
    cast = build_cast()
    user = cast.coordinator.user
    page = new_page()
    visit(page, "/accounts/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("h1")).to_have_text("Set up two-factor sign-in")
    assert "/accounts/two-factor/" in page.url
    expect(page.get_by_role("img", name="QR code for your authenticator app").locator("svg")).to_be_visible()
    check_a11y(page)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    shown_key = page.locator("main code").inner_text()
    assert shown_key == base64.b32encode(device.bin_key).decode()

    # Until set-up is finished, staff pages send them back here, and on to the page they wanted after.
    page.goto("/people/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next=/people/$"))
    expect(page.locator("h1")).to_have_text("Set up two-factor sign-in")
    assert TOTPDevice.objects.filter(user=user).count() == 1, "a second visit reuses the unconfirmed device"

    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("h1")).to_have_text("People")
    assert page.url.endswith("/people/")
    check_a11y(page)
    device.refresh_from_db()
    assert device.confirmed
