"""Co-production practice in a real browser (issue 8), with axe-core on every page.

Cora, the coordinator, opens a reflection round; two staff (Lin by name, another by the anonymous
staff link) and two members (Mo by name, Mia by the anonymous member link) answer; the report's
three wedges show that staff and members see the principles differently; Cora adds an action co-led
by Lin and Mo, and opens a catalogue case the report recommends.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.testing import build_cast
from practice.loader import load
from practice.models import CatalogueCase, Round

pytestmark = pytest.mark.browser

# Staff think assets are embedded and networks barely started; members the opposite.
STAFF = {
    "assets": "3",
    "capabilities": "2",
    "mutuality": "2",
    "networks": "1",
    "blurring_roles": "2",
    "catalysts": "1",
}
MEMBERS = {
    "assets": "1",
    "capabilities": "2",
    "mutuality": "1",
    "networks": "3",
    "blurring_roles": "0",
    "catalysts": "0",
}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def answer_all(page, round_: Round, by_principle: dict[str, str]) -> None:
    for item in round_.items.all():
        page.locator(f'input[name="item_{item.pk}"][value="{by_principle[item.principle]}"]').check()
    page.get_by_role("button", name="Send my answers").click()


def test_a_round_is_answered_compared_and_turned_into_a_co_led_action(new_page, sign_in, visit, check_a11y):
    cast = build_cast()
    load(CatalogueCase)  # the live-server tests start from an empty database

    # Cora opens a round from the home page card.
    cora = new_page()
    sign_in(cora, cast.coordinator)
    cora.get_by_role("link", name="Co-production practice").click()
    expect(cora.locator("h1")).to_have_text("Co-production practice")
    check_a11y(cora)
    cora.get_by_role("link", name="Open a reflection round").click()
    check_a11y(cora)
    cora.get_by_label("Title").fill("Spring reflection")
    cora.get_by_label("Service or team").fill("Live Well team")
    cora.get_by_role("button", name="Open the round").click()
    expect(cora.locator("h1")).to_have_text("Spring reflection")
    check_a11y(cora)
    round_ = Round.objects.get(title="Spring reflection")

    for person in ("Lin Linkworker", "Mo Member"):
        cora.get_by_label("Who to invite").select_option(label=person)
        cora.get_by_role("button", name="Invite").click()
        expect(cora.get_by_role("status")).to_contain_text(f"{person} is invited.")
    check_a11y(cora)

    # Lin (staff) and Mo (member) answer by name.
    for person, answers in ((cast.link_worker, STAFF), (cast.member, MEMBERS)):
        page = new_page()
        sign_in(page, person)
        visit(page, "/practice/")
        page.get_by_role("link", name="Answer Spring reflection").click()
        expect(page.locator("h1")).to_have_text("Spring reflection")
        check_a11y(page)
        answer_all(page, round_, answers)
        expect(page.get_by_role("status")).to_contain_text("Your answers are saved")
        check_a11y(page)

    # A second member of staff and Mia answer anonymously, without signing in.
    for code, answers in ((round_.staff_code, STAFF), (round_.member_code, MEMBERS)):
        page = new_page()
        visit(page, "/practice/answer/")
        page.get_by_label("Your code").fill(code)
        page.get_by_role("button", name="Continue").click()
        expect(page.locator("h1")).to_have_text("Spring reflection (anonymous)")
        check_a11y(page)
        answer_all(page, round_, answers)
        expect(page.locator("h1")).to_have_text("Thank you")
        check_a11y(page)

    # Cora closes the round and reads the report.
    visit(cora, f"/practice/rounds/{round_.pk}/")
    expect(cora.locator("main")).to_contain_text("Answers so far: 2 from staff, 2 from members.")
    cora.get_by_role("button", name="Close the round and see the report").click()
    expect(cora.locator("h1")).to_have_text("Report: Spring reflection")
    check_a11y(cora)
    wedges = cora.locator("svg.practice-wedge")
    expect(wedges).to_have_count(3)
    # The wedge has a text alternative: it is an image named by its <title>, described by its <desc>.
    staff_wedge = cora.get_by_role("img", name="Staff wedge for Spring reflection")
    expect(staff_wedge).to_be_visible()
    expect(staff_wedge.locator("desc")).to_have_text(re.compile(r"Assets: 100%; .*Networks: 33%"))
    members_wedge = cora.get_by_role("img", name="Members' wedge for Spring reflection")
    expect(members_wedge.locator("desc")).to_have_text(re.compile(r"Assets: 33%; .*Networks: 100%"))
    # Assets is dark for staff and pale for members; networks the other way round.
    staff_fills = [staff_wedge.locator("path").nth(i).get_attribute("fill") for i in range(6)]
    member_fills = [members_wedge.locator("path").nth(i).get_attribute("fill") for i in range(6)]
    assert staff_fills[0] == "#003087" and member_fills[0] != "#003087"
    assert member_fills[3] == "#003087" and staff_fills[3] != "#003087"
    # Members said catalysts is not happening: that segment is white.
    assert member_fills[5] == "#ffffff"
    callout = cora.locator(".nhsuk-warning-callout")
    expect(callout).to_contain_text("Where staff and members see it differently")
    expect(callout).to_contain_text("Assets: staff 100%, members 33%")
    expect(callout).to_contain_text("Networks: staff 33%, members 100%")
    expect(cora.get_by_role("table").first).to_contain_text("Members see more")

    # Cora starts an action plan with a co-led action.
    cora.get_by_role("link", name="Make an action plan").click()
    check_a11y(cora)
    cora.get_by_label("Title").fill("Our plan for the year")
    cora.get_by_label("Round it follows").select_option(label="Spring reflection")
    cora.get_by_role("button", name="Start the plan").click()
    expect(cora.locator("h1")).to_have_text("Our plan for the year")
    check_a11y(cora)
    cora.get_by_label("Priority", exact=True).fill("Grow peer networks")
    cora.get_by_role("button", name="Add the priority").click()
    expect(cora.get_by_role("heading", name="1. Grow peer networks")).to_be_visible()
    cora.get_by_label("Action", exact=True).fill("Start a carers' group run by carers")
    cora.get_by_label("Principle it strengthens").select_option(label="Networks")
    cora.get_by_label("Staff lead").select_option(label="Lin Linkworker")
    # Without a member lead the action is refused.
    cora.get_by_label("Due by").fill("2027-03-01")
    cora.get_by_label("Review on").fill("2027-02-01")
    cora.get_by_role("button", name="Add the action").click()
    expect(cora.locator(".nhsuk-error-summary")).to_contain_text("co-led by a member of staff and a member")
    check_a11y(cora)
    cora.get_by_label("Member lead").select_option(label="Mo Member")
    cora.get_by_role("button", name="Add the action").click()
    expect(cora.get_by_role("status")).to_contain_text("The action is added, with its two leads.")
    expect(cora.locator("main table")).to_contain_text("Lin Linkworker (staff) and Mo Member (member)")
    check_a11y(cora)

    # Back on the report, Cora opens a case the report recommends.
    visit(cora, f"/practice/rounds/{round_.pk}/report/")
    recommended = cora.locator("h2:has-text('Learn from others') ~ .nhsuk-card a").first
    title = recommended.inner_text()
    recommended.click()
    expect(cora.locator("h1")).to_have_text(title)
    check_a11y(cora)
    expect(cora.locator("main")).to_contain_text("Ideas for an action plan")


def test_the_other_practice_pages_pass_axe_and_work_on_a_phone(new_page, sign_in, visit, check_a11y):
    """Statements, depth with the grid and ladder, the Four Co's matrix, the stakeholder map, the
    catalogue and a case page, and the trend chart once two rounds have closed."""
    from practice.tests.conftest import answered_round

    cast = build_cast()
    load(CatalogueCase)
    answered_round(cast, title="Spring")
    answered_round(cast, title="Autumn")
    cora = new_page()
    cora.set_viewport_size({"width": 375, "height": 740})
    sign_in(cora, cast.coordinator)

    visit(cora, "/practice/")
    trend = cora.get_by_role("img", name="Overall score per principle, round by round")
    expect(trend).to_be_visible()
    expect(
        cora.locator("table", has_text="Overall score per principle in each closed round")
    ).to_contain_text("Autumn")

    assert fits_the_screen(cora), f"{cora.url} is wider than a phone"

    visit(cora, "/practice/statements/")
    assert fits_the_screen(cora), f"{cora.url} is wider than a phone"
    cora.get_by_label("Principle").select_option(label="Catalysts")
    cora.get_by_label("Statement", exact=True).fill("We help members start their own groups.")
    cora.get_by_role("button", name="Add the statement").click()
    expect(cora.get_by_role("status")).to_contain_text("The statement is added.")
    check_a11y(cora)

    visit(cora, "/practice/depth/")
    assert fits_the_screen(cora), f"{cora.url} is wider than a phone"
    cora.get_by_label("Service or team").fill("Live Well team")
    for question, answer in (
        ("Do we recognise and value", "Yes"),
        ("Do members have real ways", "Yes"),
        ("Do members share decisions", "No"),
        ("Do members take part in delivering", "Yes"),
        ("Does the whole team work", "No"),
        ("Do we help community strengths", "Yes"),
    ):
        cora.get_by_role("group", name=re.compile(question)).get_by_label(answer, exact=True).check()
    cora.get_by_role("group", name="Who plans the service?").get_by_label("Planned together").check()
    cora.get_by_role("group", name="Who delivers the service?").get_by_label("Professionals deliver").check()
    cora.get_by_role("button", name="Record the verdict").click()
    expect(cora.get_by_role("status")).to_contain_text("Verdict recorded: intermediate.")
    check_a11y(cora)

    visit(cora, "/practice/portfolio/")
    assert fits_the_screen(cora), f"{cora.url} is wider than a phone"
    cora.get_by_label("Activity or idea").fill("Members on interview panels")
    cora.get_by_label("Co-design", exact=True).check()
    cora.get_by_role("group", name="Impact").get_by_label("4 - very high").check()
    cora.get_by_role("group", name="Effort").get_by_label("1 - very low").check()
    cora.get_by_role("button", name="Add the activity").click()
    expect(cora.locator(".nhsuk-card", has_text="Quick win")).to_contain_text("Members on interview panels")
    check_a11y(cora)

    visit(cora, "/practice/stakeholders/")
    assert fits_the_screen(cora), f"{cora.url} is wider than a phone"
    cora.get_by_label("Person or organisation").fill("GP practice managers")
    cora.get_by_role("group", name=re.compile("power")).get_by_label("Yes").check()
    cora.get_by_role("group", name=re.compile("influence")).get_by_label("Yes").check()
    cora.get_by_role("button", name="Add to the map").click()
    expect(cora.locator(".nhsuk-card", has_text="Partners and champions")).to_contain_text(
        "GP practice managers"
    )
    check_a11y(cora)

    visit(cora, "/practice/catalogue/")
    assert fits_the_screen(cora), f"{cora.url} is wider than a phone"
    cora.get_by_label("Keyword").select_option("time banking")
    cora.get_by_role("button", name="Show cases").click()
    expect(cora.get_by_role("status")).to_contain_text("found")
    check_a11y(cora)
    cora.get_by_role("link", name="Time for Families").click()
    expect(cora.locator("h1")).to_have_text("Time for Families")
    expect(cora.locator("main")).to_contain_text("002_9071cd5666d628a5.txt, line 1060")
    check_a11y(cora)
    assert fits_the_screen(cora), f"{cora.url} is wider than a phone"
