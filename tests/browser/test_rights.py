"""Member rights in a real browser (issue 10), with axe-core on every page.

Mo opens everything held about him from his record, asks for a correction and for
erasure; Cora, the coordinator, finds the request, reads the confirmation page (what goes, what is
kept) and erases the record.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.testing import build_cast
from people.models import Person

pytestmark = pytest.mark.browser


def test_a_member_sees_downloads_and_asks_for_erasure_and_a_coordinator_erases(
    new_page, sign_in, visit, check_a11y
):
    cast = build_cast()
    mo = new_page()
    sign_in(mo, cast.member)
    visit(mo, "/me/")
    mo.get_by_role("link", name="See and download everything we hold").click()
    expect(mo.locator("h1")).to_have_text("Everything we hold about you")
    mo.locator("summary", has_text="Your profile").click()
    check_a11y(mo)

    # The download itself is tested in rights/tests (it takes seconds to render the PDF).
    expect(mo.get_by_role("button", name="Download everything (.zip with JSON and PDF)")).to_be_visible()

    mo.get_by_role("link", name="Ask staff to correct something else").click()
    check_a11y(mo)
    mo.get_by_role("button", name="Send the request").click()
    expect(mo.locator(".nhsuk-error-summary")).to_be_visible()
    check_a11y(mo)
    mo.get_by_label("What is wrong, and what should it say?").fill("My postcode is LS2 7AB")
    mo.get_by_role("button", name="Send the request").click()
    expect(mo.locator("h1")).to_have_text("Correct something")
    check_a11y(mo)

    visit(mo, f"/rights/people/{cast.member.pk}/erasure/")
    mo.get_by_role("button", name="Ask for erasure").click()
    expect(mo.locator("h1")).to_have_text("Erase my record")

    cora = new_page()
    sign_in(cora, cast.coordinator)
    visit(cora, "/rights/requests/")
    cora.get_by_role("link", name="Erase my record").click()
    check_a11y(cora)
    cora.get_by_role("link", name="Carry out the erasure").click()
    expect(cora.get_by_role("heading", name="What will be kept")).to_be_visible()
    check_a11y(cora)
    cora.get_by_role("button", name="Erase the record").click()
    expect(cora.locator(".nhsuk-error-summary")).to_be_visible()
    check_a11y(cora)
    cora.get_by_label("I have read what will be removed").check()
    cora.get_by_role("button", name="Erase the record").click()
    expect(cora.locator("h1")).to_have_text("Erase my record")
    check_a11y(cora)
    assert Person.objects.get(pk=cast.member.pk).full_name == f"Erased member {cast.member.pk}"
