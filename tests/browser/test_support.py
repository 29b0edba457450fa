"""Support's acceptance journey (issue 6), in a real browser, with axe-core on every page visited: a GP
practice refers a member, triage accepts, a health coach has the "what matters to you" conversation
and writes a goal plan with them, hands over to a link worker, who refers on to a walking group from
the directory; the member says they went; the 4-month follow-up is done and the referral closed. The
member sees their plan on their own page and the referrer sees the outcome."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.roles import Role
from core.testing import build_cast, make_person
from directory import services as directory_services
from directory.tests.conftest import service_data
from support import services
from support.models import FollowUp, OnwardReferral, Plan, Referral

pytestmark = pytest.mark.browser


def live_well(cast):
    return services.create_support_service(
        actor=cast.actor("coordinator"),
        data={
            "name": "Live Well",
            "min_age": 18,
            "max_age": 120,
            "postcode_districts": ["LS1", "RV1"],
            "gp_practices": ["Riverside Surgery"],
            "follow_up_months": [4, 8],
        },
        steps=[
            {"name": "Health coaching", "worker_title": "Health coach", "session_cap": 5},
            {"name": "Link work", "worker_title": "Link worker", "session_cap": 8},
        ],
        exclusions=[{"label": "Severe mental illness", "redirect_to": "Back to the GP"}],
    )


def test_a_gp_referral_goes_from_triage_to_a_walking_group_and_is_closed_after_follow_up(
    new_page, sign_in, visit, check_a11y
):
    cast = build_cast()
    live_well(cast)
    harry = make_person(cast.hub, "Harry Coach", Role.LINK_WORKER)
    directory_services.create_service(actor=cast.actor("coordinator"), data=service_data())

    # Rory, at the GP practice, refers Mo from the Support menu.
    rory = new_page()
    sign_in(rory, cast.referrer)
    rory.get_by_role("link", name="Support", exact=True).first.click()
    expect(rory.locator("h1")).to_have_text("Support")
    check_a11y(rory)
    rory.get_by_role("link", name="Make a referral").click()
    expect(rory.locator("h1")).to_have_text("Make a referral")
    check_a11y(rory)
    rory.get_by_label("Which service?").select_option(label="Live Well")
    rory.get_by_label("Full name of the person being referred").fill("Mo Member")
    rory.get_by_label("Date of birth").fill("1970-05-01")
    rory.get_by_label("Postcode").fill("LS1 4AP")
    rory.get_by_label("Their GP practice").fill("Riverside Surgery")
    rory.get_by_label("GP practice or clinician").check()
    rory.get_by_label("Feeling isolated or lonely").check()
    rory.get_by_label("Your organisation").fill("Riverside Surgery")
    rory.get_by_label("Yes", exact=True).check()
    rory.get_by_role("button", name="Send the referral").click()
    expect(rory.locator("h1")).to_have_text("Your referrals")
    expect(rory.get_by_role("status")).to_contain_text("The referral for Mo Member has been received.")
    expect(rory.locator("#mine tbody tr")).to_contain_text("Waiting for triage")
    check_a11y(rory)
    referral = Referral.objects.get()
    assert referral.referrer_person == cast.referrer and referral.person is None

    # Lin triages: every rule passes, Mo's record is linked, and the referral is accepted for Harry.
    lin = new_page()
    sign_in(lin, cast.link_worker)
    visit(lin, "/support/triage/")
    lin.get_by_role("link", name="Mo Member").click()
    expect(lin.locator("h1")).to_contain_text("Mo Member")
    expect(lin.locator("#eligibility tbody tr")).to_have_count(4)
    expect(lin.locator("#eligibility")).not_to_contain_text("Failed")
    check_a11y(lin)
    lin.get_by_label(re.compile(r"^Mo Member, born")).check()
    lin.get_by_role("button", name="Link the record").click()
    expect(lin.get_by_role("status")).to_contain_text("linked")
    lin.get_by_label("Accept: offer support").check()
    lin.get_by_label("Why?").fill("Lonely since moving here; wants to be more active")
    lin.get_by_label("Who will support them first?").select_option(label="Harry Coach")
    lin.get_by_role("button", name="Save the decision").click()
    expect(lin.locator("#status")).to_contain_text("Accepted")
    expect(lin.locator("#status")).to_contain_text("Health coaching with Harry Coach")
    check_a11y(lin)
    referral.refresh_from_db()
    assert (referral.status, referral.person, referral.worker) == ("accepted", cast.member, harry)

    # Harry, the health coach, finds Mo on his caseload, has the conversation and writes a goal plan.
    coach = new_page()
    sign_in(coach, harry)
    visit(coach, "/support/caseload/")
    expect(coach.locator("#caseload tbody tr")).to_contain_text("0 of 5")
    coach.get_by_role("link", name="Mo Member").click()
    coach.get_by_role("link", name=re.compile("what matters to you")).click()
    expect(coach.locator("h1")).to_contain_text("What matters to you")
    check_a11y(coach)
    coach.get_by_label("What feels most pressing right now").fill("Feeling alone since the move")
    coach.get_by_label("Short-term goals").fill("Get out walking with other people")
    coach.get_by_label("Add to what matters to them: needs").fill("Company on walks")
    coach.get_by_role("button", name="Save the conversation").click()
    expect(coach.get_by_role("status")).to_contain_text("The conversation has been recorded.")
    assert cast.member.profile_entries.filter(kind="need", text="Company on walks").exists()

    coach.get_by_role("link", name="Record a session").click()
    check_a11y(coach)
    coach.get_by_label("Phone").check()
    coach.get_by_label("How long, in minutes?").fill("45")
    coach.get_by_label("Notes").fill("Talked through local groups")
    coach.get_by_role("button", name="Record the session").click()
    expect(coach.locator("#sessions-used")).to_contain_text("1 session used at Health coaching, of 5")
    check_a11y(coach)

    coach.get_by_role("link", name="All plans, or start one").click()
    expect(coach.locator("h1")).to_have_text("Mo Member's plans")
    check_a11y(coach)
    coach.get_by_role("link", name="Start a goal plan").click()
    expect(coach.locator("h1")).to_contain_text("Goal plan")
    check_a11y(coach)
    coach.get_by_label("Goal 1 (optional)", exact=True).fill("Walk with other people every week")
    coach.get_by_label("How far along is goal 1?").fill("10")
    coach.get_by_label("Goal 1, step 1 (optional)", exact=True).fill("Try the Wednesday walking group")
    coach.get_by_label("Step 1 by when?").first.fill("2030-01-31")
    coach.get_by_role("button", name="Save the plan").click()
    expect(coach.get_by_role("status")).to_contain_text("Saved as version 1.")
    expect(coach.locator("#plan")).to_contain_text("Try the Wednesday walking group (Me, by 2030-01-31)")
    check_a11y(coach)

    # Harry hands Mo over to Lin for link work.
    visit(coach, f"/support/referrals/{referral.pk}/")
    coach.get_by_role("link", name="Hand over").click()
    check_a11y(coach)
    coach.get_by_label("Which step of the pathway?").select_option(label="Live Well: Link work")
    coach.get_by_label("Who will support them now?").select_option(label="Lin Linkworker")
    coach.get_by_label("Hand-over note").fill("Keen on walking; goal plan written together")
    coach.get_by_role("button", name="Hand over").click()
    expect(coach.locator("#status")).to_contain_text("Link work with Lin Linkworker")
    check_a11y(coach)

    # Lin suggests the walking group from the directory and hears Mo has been in touch.
    visit(lin, f"/support/referrals/{referral.pk}/")
    expect(lin.locator("#assignments")).to_contain_text("Keen on walking")
    lin.get_by_role("link", name="Suggest a community service").click()
    check_a11y(lin)
    lin.get_by_label("Which community service?").select_option(
        label="Riverside Walking Group (Riverside Ramblers)"
    )
    lin.get_by_label("Note").fill("Gentle, friendly, Wednesday mornings")
    lin.get_by_role("button", name="Suggest this service").click()
    expect(lin.locator("#onward")).to_contain_text("Suggested")
    lin.get_by_role("link", name="Update Riverside Walking Group").click()
    check_a11y(lin)
    lin.get_by_label("What has happened?").select_option(label="Contacted")
    lin.get_by_role("button", name="Save").click()
    expect(lin.locator("#onward")).to_contain_text("Contacted")

    # Mo signs in, sees the plan on their own pages and says they went.
    mo = new_page()
    sign_in(mo, cast.member)
    visit(mo, "/me/")
    mo.get_by_role("link", name="Your plans").first.click()
    expect(mo.locator("h1")).to_have_text("Your plans")
    check_a11y(mo)
    mo.get_by_role("link", name="See the goal plan").click()
    expect(mo.locator("#plan")).to_contain_text("Walk with other people every week")
    check_a11y(mo)
    visit(mo, "/support/")
    mo.locator("#own-referrals").get_by_role("link", name="Live Well").click()
    expect(mo.locator("h1")).to_have_text("Your support from Live Well")
    check_a11y(mo)
    mo.get_by_role("link", name="Tell us how it went at Riverside Walking Group").click()
    check_a11y(mo)
    mo.get_by_label("How did it go?").fill("I went on Wednesday and walked with Ann. I will go again.")
    mo.get_by_label("Yes").check()
    mo.get_by_role("button", name="Save").click()
    expect(mo.get_by_role("status")).to_contain_text("Thank you")
    expect(mo.locator("#onward")).to_contain_text("I went on Wednesday")
    check_a11y(mo)
    assert OnwardReferral.objects.get().status == "contacted"  # the member's words, not the status

    # Lin records that Mo went, then the 4-month follow-up comes due and is done.
    visit(lin, f"/support/referrals/{referral.pk}/")
    expect(lin.locator("#onward")).to_contain_text("I went on Wednesday")
    lin.get_by_role("link", name="Update Riverside Walking Group").click()
    lin.get_by_label("What has happened?").select_option(label="Attended")
    lin.get_by_role("button", name="Save").click()
    expect(lin.locator("#onward")).to_contain_text("Attended")

    four_months = FollowUp.objects.get(referral=referral, months=4)
    visit(lin, "/support/follow-ups/")
    expect(lin.locator("#due")).to_contain_text("Nothing due")
    until = (four_months.due_on + dt.timedelta(days=1)).isoformat()
    visit(lin, f"/support/follow-ups/?until={until}")
    expect(lin.locator("#due tbody tr")).to_have_count(1)
    lin.get_by_role("link", name="4-month follow-up for Mo Member").click()
    check_a11y(lin)
    lin.get_by_label("Done: we spoke").check()
    lin.get_by_label("Note").fill("Still walking every Wednesday")
    lin.get_by_role("button", name="Save").click()
    expect(lin.locator("#follow-ups")).to_contain_text("Done on")

    # Lin closes the referral; the referrer is told, as Mo agreed.
    lin.get_by_role("link", name="Close this referral").click()
    check_a11y(lin)
    lin.get_by_role("button", name="Close the referral").click()
    expect(lin.get_by_role("alert")).to_contain_text("There is a problem")
    check_a11y(lin)
    lin.get_by_label("Goals met").check()
    lin.get_by_label("Summary").fill("Walking weekly with the group and feeling less alone")
    lin.get_by_role("button", name="Close the referral").click()
    expect(lin.locator("#status")).to_contain_text("Closed")
    check_a11y(lin)
    referral.refresh_from_db()
    assert referral.status == "closed" and referral.close_reason == "goals_met"

    # Rory sees the outcome on their own list.
    visit(rory, "/support/referrals/mine/")
    row = rory.locator("#mine tbody tr")
    expect(row).to_contain_text("Closed")
    expect(row).to_contain_text("Walking weekly with the group")
    assert Plan.objects.filter(person=cast.member, kind="goals").count() == 1


def test_the_public_self_referral_form_and_the_staff_pages_pass_axe(new_page, sign_in, visit, check_a11y):
    cast = build_cast()
    service = live_well(cast)
    directory_services.create_service(actor=cast.actor("coordinator"), data=service_data())
    public = new_page()
    visit(public, f"/support/refer/{cast.hub.slug}/")
    public.get_by_role("button", name="Send").click()
    expect(public.get_by_role("alert")).to_contain_text("There is a problem")
    check_a11y(public)
    public.get_by_label("Live Well").check()
    public.get_by_label("Full name of the person who would like support").fill("Ann Public")
    public.get_by_label("Low mood").check()
    public.get_by_label("Email address").fill("ann@example.org")
    public.get_by_role("button", name="Send").click()
    expect(public.locator("h1")).to_have_text("Thank you, we have your form")
    check_a11y(public)
    assert Referral.objects.get().channel == "self_form"

    # A crisis plan, named peer, and the coordinator's pages.
    mo = cast.actor("member")
    version = services.save_plan(
        actor=mo, person=cast.member, kind="crisis", content={"what_i_want": "Call my sister"}
    )
    cora = new_page()
    sign_in(cora, cast.coordinator)
    for path in (
        "/support/",
        "/support/triage/",
        "/support/referrals/",
        "/support/referrals/upload/",
        "/support/on-call/",
        "/support/settings/",
        f"/support/settings/services/{service.pk}/",
        f"/support/settings/services/{service.pk}/pathway/",
        "/support/settings/services/new/",
        "/support/settings/sections/",
        "/support/settings/codes/",
        "/support/reports/",
        "/support/onward/not-completed/",
        f"/support/plans/{version.plan_id}/",
        f"/support/plans/{version.plan_id}/versions/",
        f"/support/people/{cast.member.pk}/plans/wellbeing/edit/",
        f"/support/people/{cast.member.pk}/plans/crisis/edit/",
    ):
        visit(cora, path)
    now = timezone.localtime()
    visit(cora, "/support/on-call/")
    cora.get_by_label("Which peer supporter?").select_option(label="Pat Peer")
    cora.get_by_label("Starts").fill((now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    cora.get_by_label("Ends").fill((now + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    cora.get_by_role("button", name="Add to the rota").click()
    expect(cora.locator("#rota tbody tr")).to_contain_text("Pat Peer")
    check_a11y(cora)

    pat = new_page()
    sign_in(pat, cast.peer)
    visit(pat, "/support/crisis-plans/")
    expect(pat.locator("#crisis-plans")).to_contain_text("No member has shared")
