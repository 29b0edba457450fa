"""Peer support on call, community groups and volunteering (issue 7), in a real browser, with axe-core
on every page visited.

Pat, a peer supporter, says when he can be on call; Cora, the coordinator, sets the hours the hub
wants covered, sees the gaps, puts Pat on call from his availability and by hand, and credits last
on-call time to the time bank. Mo, a member with a crisis plan who named Pat and agreed to share it,
calls: Pat, on call, opens the plan. Cora then adds and edits a group, runs the volunteering pages and
edits a course.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.testing import build_cast
from groups import services as groups_services
from groups.models import BackgroundCheck, Course, Group, OnCallAvailability, OnCallCredit, VolunteerRole
from people.models import ConsentPurpose
from people.services import record_consent
from support import services as support_services
from support.models import OnCallPeriod
from timebank import services as timebank_services

pytestmark = pytest.mark.browser

CRISIS = {
    "what_i_want": "Stay at home with someone I know",
    "what_i_do_not_want": "Hospital unless I ask",
    "who_to_call": [{"name": "Sister Sam", "phone": "07700 900123", "relationship": "sister"}],
    "practical": "Feed the cat",
}


def test_peers_are_put_on_call_gaps_are_shown_a_call_is_taken_and_time_is_credited(
    new_page, sign_in, visit, check_a11y
):
    cast = build_cast()
    coordinator = cast.actor("coordinator")
    tomorrow = timezone.localdate() + timedelta(days=1)
    # Mo's crisis plan names Pat, and Mo agrees to share plans.
    plan = support_services.save_plan(
        actor=cast.actor("member"), person=cast.member, kind="crisis", content=CRISIS
    ).plan
    support_services.name_supporter(actor=cast.actor("member"), plan=plan, peer=cast.peer)
    record_consent(
        actor=cast.actor("member"),
        person=cast.member,
        purpose=ConsentPurpose.SHARE_PLANS,
        granted=True,
        method="online",
    )
    # Pat is in the time bank, and was on call for three hours that have ended.
    timebank_services.join(actor=coordinator, person=cast.peer)
    now = timezone.now().replace(second=0, microsecond=0)
    done = support_services.schedule_on_call(
        actor=coordinator,
        peer=cast.peer,
        starts_at=now - timedelta(hours=5),
        ends_at=now - timedelta(hours=2),
    )

    # Pat says he can be on call tomorrow evening.
    pat = new_page()
    sign_in(pat, cast.peer)
    visit(pat, "/groups/")
    pat.get_by_role("link", name="When you can be on call").click()
    expect(pat.locator("h1")).to_have_text("When you can be on call")
    check_a11y(pat)
    pat.get_by_label("Date").fill(tomorrow.strftime("%d/%m/%Y"))
    pat.get_by_label("From").fill("18:00")
    pat.get_by_label("Until").fill("22:00")
    pat.get_by_role("button", name="Add the time").click()
    expect(pat.get_by_role("status")).to_contain_text("1 time added.")
    check_a11y(pat)
    # A time in the past is refused with the reason, and nothing is saved.
    pat.get_by_label("Date").fill((tomorrow - timedelta(days=3)).strftime("%d/%m/%Y"))
    pat.get_by_label("From").fill("18:00")
    pat.get_by_label("Until").fill("22:00")
    pat.get_by_role("button", name="Add the time").click()
    expect(pat.get_by_role("alert")).to_contain_text("That time has passed")
    check_a11y(pat)
    assert OnCallAvailability.objects.count() == 1

    # Cora sets evening cover and builds tomorrow's rota.
    cora = new_page()
    sign_in(cora, cast.coordinator)
    visit(cora, "/groups/")
    cora.get_by_role("link", name="On-call rota").click()
    expect(cora.locator("h1")).to_contain_text("On-call rota")
    check_a11y(cora)
    cora.get_by_label("From (hour, 0 to 23)").fill("18")
    cora.get_by_label("Until (hour, 1 to 24)").fill("22")
    cora.get_by_role("button", name="Save the hours").click()
    expect(cora.get_by_role("status")).to_contain_text("The hours to cover are saved.")
    visit(cora, f"/groups/on-call/?week={tomorrow.isoformat()}")
    expect(cora.locator("#gaps")).to_contain_text(tomorrow.strftime("%A %-d %B") + ", 18:00 to 22:00")
    cora.get_by_role("button", name=re.compile(r"^Put on call\W+Pat Peer " + tomorrow.strftime("%a"))).click()
    expect(cora.get_by_role("status")).to_contain_text("Pat Peer is on call from")
    check_a11y(cora)
    expect(cora.locator("main")).not_to_contain_text(tomorrow.strftime("%A %-d %B") + ", 18:00 to 22:00")
    # A clash is refused with support's message.
    cora.get_by_label("Peer supporter").select_option(label="Pat Peer")
    cora.get_by_label("Date").fill(tomorrow.strftime("%d/%m/%Y"))
    cora.get_by_label("From", exact=True).fill("19:00")
    cora.get_by_label("Until", exact=True).fill("20:00")
    cora.get_by_role("button", name="Put on call", exact=True).click()
    expect(cora.get_by_role("alert")).to_contain_text("already on call")
    check_a11y(cora)
    # Pat is also on call now, put on by hand.
    start = timezone.localtime(now).replace(minute=0)
    cora.get_by_label("Peer supporter").select_option(label="Pat Peer")
    cora.get_by_label("Date").fill(start.strftime("%d/%m/%Y"))
    cora.get_by_label("From", exact=True).fill(start.strftime("%H:%M"))
    cora.get_by_label("Until", exact=True).fill((start + timedelta(hours=2)).strftime("%H:%M"))
    cora.get_by_role("button", name="Put on call", exact=True).click()
    expect(cora.get_by_role("status")).to_contain_text("Pat Peer is on call from")
    assert OnCallPeriod.objects.filter(cancelled_at__isnull=True).count() == 3

    # The period that has ended is credited once.
    week = timezone.localtime(done.ends_at).date()
    visit(cora, f"/groups/on-call/?week={week.isoformat()}")
    cora.get_by_role("button", name="Credit on-call time for this week").click()
    expect(cora.get_by_role("status")).to_contain_text("3 hours on call credited for 1 periods.")
    check_a11y(cora)
    cora.get_by_role("button", name="Credit on-call time for this week").click()
    expect(cora.get_by_role("status")).to_contain_text("0 hours on call credited for 0 periods.")
    assert OnCallCredit.objects.get().period == done

    # Mo calls. Pat, on call now, sees who else is on call and opens Mo's plan.
    visit(pat, "/groups/on-call/availability/")
    pat.get_by_role("link", name="Take a member's call").click()
    expect(pat.locator("#on-call-now")).to_contain_text("Pat Peer")
    check_a11y(pat)
    pat.get_by_role("link", name="Mo Member").click()
    expect(pat.locator("main")).to_contain_text("Stay at home with someone I know")
    expect(pat.locator("main")).to_contain_text("07700 900123")
    check_a11y(pat)


def test_a_coordinator_runs_groups_volunteering_and_edits_a_course(new_page, sign_in, visit, check_a11y):
    cast = build_cast()
    groups_services.create_course(
        actor=cast.actor("coordinator"),
        data={"title": "Sleep well", "summary": "Sleep.", "learning_outcomes": "Sleep better"},
    )
    groups_services.nominate_issue(actor=cast.actor("volunteer"), text="Lone working in the evenings")
    today = timezone.localdate()
    cora = new_page()
    sign_in(cora, cast.coordinator)

    # A group, added and then edited.
    visit(cora, "/groups/")
    cora.get_by_role("link", name="Add a group").click()
    check_a11y(cora)
    cora.get_by_role("button", name="Add the group").click()
    expect(cora.get_by_role("alert")).to_contain_text("There is a problem")
    check_a11y(cora)
    cora.get_by_label("Name").fill("Tuesday walkers")
    cora.get_by_label("Walking").check()
    cora.get_by_label("Group lead (optional)").select_option(label="Mo Member")
    cora.get_by_role("button", name="Add the group").click()
    expect(cora.locator("h1")).to_have_text("Tuesday walkers")
    check_a11y(cora)
    cora.get_by_role("link", name="Edit the group").click()
    check_a11y(cora)
    cora.get_by_label("When it meets (optional)").fill("Tuesdays at 10am, from the library")
    cora.get_by_role("button", name="Save the group").click()
    expect(cora.get_by_role("status")).to_contain_text("The group's details are saved.")
    expect(cora.locator("main")).to_contain_text("Tuesdays at 10am, from the library")
    assert Group.objects.get().lead == cast.member

    # Volunteering: a role, a check, supervision, hours and a development day's agenda.
    visit(cora, "/volunteering/")
    cora.get_by_role("link", name="Roles, checks, training, supervision, hours and development days").click()
    expect(cora.locator("h1")).to_have_text("Manage volunteering")
    check_a11y(cora)
    cora.get_by_label("Title of the role").fill("Befriender")
    cora.get_by_label("This role needs a background check").check()
    cora.get_by_role("button", name="Add the role").click()
    expect(cora.get_by_role("status")).to_contain_text("The role Befriender is added.")
    check_a11y(cora)
    check = cora.locator("form", has=cora.get_by_role("button", name="Record the check"))
    check.get_by_label("Person").select_option(label="Val Volunteer")
    check.get_by_label("Kind of check").fill("Enhanced DBS")
    check.get_by_label("Date of the check").fill((today - timedelta(days=10)).strftime("%d/%m/%Y"))
    check.get_by_label("Renew by").fill((today - timedelta(days=20)).strftime("%d/%m/%Y"))
    check.get_by_role("button", name="Record the check").click()
    expect(cora.get_by_role("alert")).to_contain_text("The expiry date must be after the check date.")
    check_a11y(cora)
    assert not BackgroundCheck.objects.exists()
    check = cora.locator("form", has=cora.get_by_role("button", name="Record the check"))
    check.get_by_label("Renew by").fill((today + timedelta(days=30)).strftime("%d/%m/%Y"))
    check.get_by_role("button", name="Record the check").click()
    expect(cora.get_by_role("status")).to_contain_text("The check for Val Volunteer is recorded.")
    expect(cora.locator("main")).to_contain_text("Val Volunteer: Enhanced DBS")
    supervision = cora.locator("form", has=cora.get_by_role("button", name="Record the supervision"))
    supervision.get_by_label("Volunteer or peer worker").select_option(label="Val Volunteer")
    supervision.get_by_label("Supervisor").select_option(label="Pat Peer")
    supervision.get_by_label("Date").fill(today.strftime("%d/%m/%Y"))
    supervision.get_by_role("radio", name="Peer").check()
    supervision.get_by_role("button", name="Record the supervision").click()
    expect(cora.get_by_role("status")).to_contain_text("Supervision for Val Volunteer is recorded.")
    hours = cora.locator("form", has=cora.get_by_role("button", name="Record the hours"))
    hours.get_by_label("Volunteer").select_option(label="Val Volunteer")
    hours.get_by_label("Role (optional)").select_option(label="Befriender")
    hours.get_by_label("Date").fill(today.strftime("%d/%m/%Y"))
    hours.get_by_label("Time given, in minutes").fill("90")
    hours.get_by_role("button", name="Record the hours").click()
    expect(cora.get_by_role("status")).to_contain_text("90 minutes recorded for Val Volunteer.")
    day = cora.locator("form", has=cora.get_by_role("button", name="Add the day"))
    day.get_by_label("Date").fill((today + timedelta(days=14)).strftime("%d/%m/%Y"))
    day.get_by_label("Title (optional)").fill("Winter development day")
    day.get_by_role("button", name="Add the day").click()
    expect(cora.get_by_role("status")).to_contain_text("is added.")
    cora.get_by_role("button", name="Build the agenda").click()
    expect(cora.get_by_role("status")).to_contain_text("1 issue added to the agenda.")
    expect(cora.locator("main")).to_contain_text("Lone working in the evenings")
    check_a11y(cora)
    assert VolunteerRole.objects.get().needs_background_check

    # A course, edited.
    visit(cora, "/courses/manage/")
    cora.get_by_role("link", name="Sleep well").click()
    cora.get_by_role("link", name="Edit the course").click()
    expect(cora.locator("h1")).to_have_text("Edit the course")
    check_a11y(cora)
    cora.get_by_label("Title").fill("Sleep well, live well")
    # Who it is for: several may be chosen, so the course can be for members and families, not staff.
    cora.get_by_label("Staff", exact=True).uncheck()
    expect(cora.get_by_label("Members", exact=True)).to_be_checked()
    cora.get_by_role("button", name="Save the course").click()
    expect(cora.locator("h1")).to_have_text("Sleep well, live well")
    expect(cora.get_by_role("status")).to_contain_text("The course is saved.")
    check_a11y(cora)
    course = Course.objects.get()
    assert (course.for_members, course.for_families, course.for_staff) == (True, True, False)
