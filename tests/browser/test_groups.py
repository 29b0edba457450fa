"""The recovery college's acceptance journey (issue 7), in a real browser, with axe-core on every page.

A coordinator adds a course co-designed and co-facilitated by a peer trainer and a practitioner and
publishes a run of it; a member finds it in the prospectus and enrols; the peer trainer takes the
register on a phone-sized screen; the member has completed the course and downloads the certificate.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.testing import build_cast
from groups.models import Attendance, CourseRun, Enrolment
from groups.tests.conftest import make_place

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


def session_times() -> tuple[datetime, datetime]:
    """A session starting in half an hour (so the member can still enrol and the register is open),
    ending an hour later or at midnight, whichever is sooner."""
    starts = timezone.localtime() + timedelta(minutes=30)
    starts = starts.replace(second=0, microsecond=0)
    ends = starts + timedelta(hours=1)
    if ends.date() != starts.date():
        ends = starts.replace(hour=23, minute=59)
    return starts, ends


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_course_is_co_produced_published_taken_registered_and_certified(
    new_page, sign_in, visit, check_a11y
):
    cast = build_cast()
    make_place(cast.hub, "Riverside Community Centre")
    starts, ends = session_times()

    # Cora, the coordinator, adds the course.
    cora = new_page()
    sign_in(cora, cast.coordinator)
    visit(cora, "/courses/manage/")
    cora.get_by_role("link", name="Add a course").click()
    expect(cora.locator("h1")).to_have_text("Add a course")
    check_a11y(cora)
    cora.get_by_label("Title").fill("Understanding anxiety")
    cora.get_by_label("What the course is about").fill(
        "What anxiety is, what keeps it going, and what helps."
    )
    cora.get_by_label("Learning outcomes").fill("Name the signs of anxiety\nTry three ways of calming down")
    cora.get_by_label("Introduction: no experience needed").check()
    cora.get_by_label("Number of sessions").fill("1")
    cora.get_by_label("Length of each session, in minutes").fill("60")
    for who in ("Members", "Families and friends", "Staff"):
        cora.get_by_label(who, exact=True).check()
    cora.get_by_role("button", name="Add the course").click()
    expect(cora.locator("h1")).to_have_text("Understanding anxiety")
    check_a11y(cora)

    # Who designed it: Pat, with lived experience, and Lin, a practitioner.
    for person, kind in (("Pat Peer", "Lived experience"), ("Lin Linkworker", "Practitioner")):
        cora.get_by_label("Who designed the course").select_option(label=person)
        cora.get_by_label(kind, exact=True).check()
        cora.get_by_role("button", name="Add co-designer").click()
        expect(cora.get_by_role("status")).to_contain_text(f"{person} is recorded as a co-designer.")
    check_a11y(cora)

    # A run with ten places.
    cora.get_by_label("Number of places").fill("10")
    cora.get_by_role("button", name="Add a run").click()
    expect(cora.locator("h1")).to_have_text("Understanding anxiety")
    expect(cora.locator(".nhsuk-warning-callout")).to_contain_text("Add a peer trainer as a co-facilitator")
    check_a11y(cora)

    # Publishing before anyone co-facilitates is refused, with the reason on screen.
    cora.get_by_role("button", name="Publish in the prospectus").click()
    expect(cora.get_by_role("alert")).to_contain_text("This run cannot be published yet")
    expect(cora.get_by_role("alert")).to_contain_text("Add a peer trainer as a co-facilitator")
    check_a11y(cora)
    assert CourseRun.objects.get().status == CourseRun.Status.DRAFT

    # A session at a place from the directory, and the two co-facilitators.
    cora.get_by_label("Date").fill(starts.strftime("%d/%m/%Y"))
    cora.get_by_label("Start time").fill(starts.strftime("%H:%M"))
    cora.get_by_label("End time").fill(ends.strftime("%H:%M"))
    cora.get_by_label("Place (optional)").select_option(label="Riverside Community Centre")
    cora.get_by_role("button", name="Add session").click()
    expect(cora.get_by_role("status")).to_contain_text("The session is added.")
    for person, kind in (("Pat Peer", "Peer trainer"), ("Lin Linkworker", "Practitioner")):
        cora.get_by_label("Co-facilitator", exact=True).select_option(label=person)
        cora.get_by_label(kind, exact=True).check()
        cora.get_by_role("button", name="Add co-facilitator").click()
        expect(cora.get_by_role("status")).to_contain_text(f"{person} is a co-facilitator.")
    check_a11y(cora)
    cora.get_by_role("button", name="Publish in the prospectus").click()
    expect(cora.get_by_role("status")).to_contain_text(
        "Understanding anxiety is published in the prospectus."
    )
    check_a11y(cora)
    assert CourseRun.objects.get().status == CourseRun.Status.PUBLISHED

    # Mo, a member, finds it in the prospectus and enrols with what he wants from it.
    mo = new_page()
    sign_in(mo, cast.member)
    mo.get_by_role("main").get_by_role("link", name="Courses").click()  # the card on the home page
    expect(mo.locator("h1")).to_have_text("Courses")
    check_a11y(mo)
    mo.get_by_role("link", name="Understanding anxiety").click()
    expect(mo.locator("h1")).to_have_text("Understanding anxiety")
    check_a11y(mo)
    mo.get_by_label("What I want to get from this course").fill("Cope with panic on the bus")
    mo.get_by_role("button", name="Enrol").click()
    expect(mo.locator("h1")).to_have_text("Your courses")
    expect(mo.get_by_role("status")).to_contain_text("You have a place on Understanding anxiety.")
    expect(mo.locator("main")).to_contain_text("Cope with panic on the bus")
    check_a11y(mo)
    enrolment = Enrolment.objects.get()
    assert (enrolment.person, enrolment.status) == (cast.member, Enrolment.Status.ENROLLED)

    # Pat, the peer trainer, takes the register on a phone.
    pat = new_page()
    pat.set_viewport_size(PHONE)
    sign_in(pat, cast.peer)
    visit(pat, "/courses/mine/")
    expect(pat.locator("main")).to_contain_text("Courses you co-facilitate")
    pat.get_by_role("link", name="Take the register").click()
    expect(pat.locator("h1")).to_contain_text("Register for")
    check_a11y(pat)
    assert fits_the_screen(pat)
    pat.get_by_label("Mo Member").check()
    pat.get_by_role("button", name="Save the register").click()
    expect(pat.get_by_role("status")).to_contain_text("Register saved: 1 of 1 here.")
    expect(pat.get_by_label("Mo Member")).to_be_checked()
    check_a11y(pat)
    assert fits_the_screen(pat)
    assert Attendance.objects.get().present

    # Mo has completed the course (one session of one) and downloads his certificate.
    visit(mo, "/courses/mine/")
    expect(mo.locator("main")).to_contain_text("Completed")
    with mo.expect_download() as download_info:
        mo.get_by_role("link", name="Download your certificate (PDF)").click()
    download = download_info.value
    with open(download.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    assert download.suggested_filename == f"certificate-{enrolment.pk}.pdf"

    # The public prospectus, signed out, lists it too.
    visitor = new_page()
    visit(visitor, "/prospectus/riverside/")
    expect(visitor.locator("main")).to_contain_text("Understanding anxiety")
