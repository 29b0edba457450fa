"""The directory's main journey in a real browser: a member finds a free walking group near them and
reads its page, with axe-core on every page visited."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.testing import build_cast
from directory import demo

pytestmark = pytest.mark.browser

FIVE_QUESTIONS = [
    "What is it?",
    "Who can use it?",
    "How much does it cost?",
    "Can I get help with the cost?",
    "How do I get in touch?",
]


def test_member_finds_a_free_walking_group_near_a_postcode(new_page, sign_in, visit, check_a11y):
    cast = build_cast()
    demo.build(hub=cast.hub, seed=1)
    page = new_page()
    sign_in(page, cast.member)

    visit(page, "/directory/")
    expect(page.locator("h1")).to_have_text("Find groups and services")
    page.get_by_label("What are you looking for?").fill("walking group")
    page.get_by_label("Postcode").fill("RV1 2AB")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/directory/?*")
    check_a11y(page)
    results = page.locator("#results .nhsuk-card__heading")
    expect(results.first).to_be_visible()
    names = results.all_inner_texts()
    assert "Riverside Walking Group" in names
    assert "Nordic Walking Taster" in names  # costs £3 a session
    expect(page.locator("#results")).to_contain_text("miles")

    page.get_by_label("Free only").check()
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**cost=free**")
    check_a11y(page)
    free_names = page.locator("#results .nhsuk-card__heading").all_inner_texts()
    assert "Riverside Walking Group" in free_names
    assert "Nordic Walking Taster" not in free_names
    assert all(cost == "Free" for cost in page.locator("#results dt:text('Cost') + dd").all_inner_texts())

    page.get_by_role("link", name="Riverside Walking Group").click()
    expect(page.locator("h1")).to_have_text("Riverside Walking Group")
    check_a11y(page)
    headings = page.locator("main h2").all_inner_texts()
    for question in FIVE_QUESTIONS:
        assert question in headings
    assert "When" in headings and "Where" in headings
    # Each question is answered right under its heading, from the record.
    answers = {
        "what": "Gentle one-hour walks by the river",
        "who": "Anyone aged 18 or over.",
        "cost": "Free.",
        "help-with-cost": "It is free, so there is nothing to pay.",
        "contact": "Just come along, or phone first",
    }
    for heading, answer in answers.items():
        expect(page.locator(f"h2#{heading} + p")).to_contain_text(answer)
    expect(page.locator("main a[href^='tel:']").first).to_be_visible()
    expect(page.locator("h2#when + p")).to_contain_text("Wednesday, 10am to 11am")
    expect(page.locator("h2#where + p")).to_contain_text("Riverside")
