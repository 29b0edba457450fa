"""Practice pages: who sees what, forms that reach the services, and constant query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from practice import services
from practice.models import Action, Perspective, Response, Round, Statement
from practice.tests.conftest import MEMBER_C, STAFF_A, answered_round, ratings

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_coordinators_their_tools_and_members_their_invitations(cast):
    round_ = answered_round(cast, close=False)
    services.invite(actor=cast.actor("coordinator"), round_=round_, person=cast.member2)
    page = cast.client("coordinator").get("/practice/").content.decode()
    assert "Open a reflection round" in page and round_.title in page
    mia = cast.client("member2").get("/practice/").content.decode()
    assert f"/practice/rounds/{round_.pk}/answer/" in mia
    assert "Open a reflection round" not in mia and "Rounds</h2>" not in mia


def test_a_coordinator_opens_a_round_and_invites_people(cast):
    cora = cast.client("coordinator")
    response = cora.post("/practice/rounds/new/", {"title": "Spring", "about": "Live Well team"})
    round_ = Round.objects.get(title="Spring")
    assert response.status_code == 302 and response.url == f"/practice/rounds/{round_.pk}/"
    page = cora.get(response.url).content.decode()
    assert round_.member_code in page and round_.staff_code in page
    cora.post(f"/practice/rounds/{round_.pk}/invite/", {"person": cast.member.pk, "perspective": ""})
    assert round_.invitations.get().perspective == Perspective.MEMBER
    # An outsider from another hub cannot be chosen.
    cora.post(f"/practice/rounds/{round_.pk}/invite/", {"person": cast.other_member.pk})
    assert round_.invitations.count() == 1


def test_a_round_needs_its_fields_and_only_coordinators_open_one(cast):
    page = cast.client("coordinator").post("/practice/rounds/new/", {"title": "", "about": ""})
    assert page.status_code == 200 and "There is a problem" in page.content.decode()
    assert cast.client("link_worker").get("/practice/rounds/new/").status_code == 403
    assert cast.client("member").get("/practice/rounds/new/").status_code == 403


def test_rounds_of_another_hub_are_not_found_and_refusals_are_audited(cast):
    round_ = answered_round(cast, close=False)
    assert cast.client("outsider").get(f"/practice/rounds/{round_.pk}/").status_code == 404
    assert cast.client("outsider").get(f"/practice/rounds/{round_.pk}/report/").status_code == 404
    assert cast.client("member").get(f"/practice/rounds/{round_.pk}/report/").status_code == 403
    assert AuditEvent.objects.filter(action="denied", object_type="practice.round").exists()
    assert cast.client("commissioner").get(f"/practice/rounds/{round_.pk}/report/").status_code == 200


def test_an_invited_member_answers_on_the_page(cast):
    round_ = services.open_round(actor=cast.actor("coordinator"), title="Spring", about="Team")
    services.invite(actor=cast.actor("coordinator"), round_=round_, person=cast.member)
    mo = cast.client("member")
    page = mo.get(f"/practice/rounds/{round_.pk}/answer/").content.decode()
    assert "Blurring roles" in page and "Don&#x27;t know" in page
    data = {f"item_{k}": str(v) for k, v in ratings(round_, MEMBER_C).items()}
    data[f"item_{round_.items.first().pk}"] = "dk"
    response = mo.post(f"/practice/rounds/{round_.pk}/answer/", data)
    assert response.status_code == 302
    saved = Response.objects.get(person=cast.member)
    assert saved.answers.filter(rating__isnull=True).count() == 1
    # Once answered, the page is refused.
    assert mo.get(f"/practice/rounds/{round_.pk}/answer/").status_code == 403


def test_an_empty_answer_shows_the_services_message(cast):
    round_ = services.open_round(actor=cast.actor("coordinator"), title="Spring", about="Team")
    services.invite(actor=cast.actor("coordinator"), round_=round_, person=cast.member)
    page = cast.client("member").post(f"/practice/rounds/{round_.pk}/answer/", {}).content.decode()
    assert "Answer at least one statement" in page
    assert not Response.objects.exists()


def test_anyone_with_the_link_answers_anonymously_without_signing_in(cast, client):
    round_ = services.open_round(actor=cast.actor("coordinator"), title="Spring", about="Team")
    assert client.get(f"/practice/answer/{round_.member_code}/").status_code == 200
    data = {f"item_{k}": str(v) for k, v in ratings(round_, MEMBER_C).items()}
    page = client.post(f"/practice/answer/{round_.member_code}/", data)
    assert "without your name" in page.content.decode()
    response = Response.objects.get()
    assert response.person is None and response.via == Response.Via.ANONYMOUS
    assert client.get("/practice/answer/nonsense/").status_code == 404
    found = client.post("/practice/answer/", {"code": f"  {round_.staff_code} "})
    assert found.status_code == 302 and found.url == f"/practice/answer/{round_.staff_code}/"
    assert "does not match" in client.post("/practice/answer/", {"code": "nope"}).content.decode()


def test_a_closed_round_link_says_so(cast, client):
    round_ = answered_round(cast)
    assert client.get(f"/practice/answer/{round_.member_code}/").status_code == 410


def test_the_team_enters_a_paper_form(cast):
    round_ = services.open_round(actor=cast.actor("coordinator"), title="Spring", about="Team")
    data = {f"item_{k}": str(v) for k, v in ratings(round_, STAFF_A).items()} | {"perspective": "member"}
    response = cast.client("link_worker").post(f"/practice/rounds/{round_.pk}/paper/", data)
    assert response.status_code == 302
    assert Response.objects.get().via == Response.Via.PAPER
    assert cast.client("member").get(f"/practice/rounds/{round_.pk}/paper/").status_code == 403


def test_closing_shows_the_report_with_three_wedges_gaps_and_suggestions(cast):
    round_ = answered_round(cast, close=False)
    response = cast.client("coordinator").post(f"/practice/rounds/{round_.pk}/close/")
    assert response.url == f"/practice/rounds/{round_.pk}/report/"
    page = cast.client("coordinator").get(response.url).content.decode()
    assert page.count('class="practice-wedge"') == 3
    assert "Where staff and members see it differently" in page
    assert "Members think this happens more than staff do" in page  # networks
    assert "Learn from others" in page and "/practice/catalogue/" in page
    assert "style=" not in page


def test_closing_an_empty_round_is_refused_with_a_message(cast):
    round_ = services.open_round(actor=cast.actor("coordinator"), title="Spring", about="Team")
    response = cast.client("coordinator").post(f"/practice/rounds/{round_.pk}/close/", follow=True)
    assert "No one has answered yet" in response.content.decode()
    round_.refresh_from_db()
    assert round_.is_open


def test_the_report_pdf_downloads_or_falls_back_to_the_page(cast):
    round_ = answered_round(cast)
    response = cast.client("coordinator").get(f"/practice/rounds/{round_.pk}/report.pdf")
    if response.status_code == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    else:
        assert response.status_code == 302 and response.url == f"/practice/rounds/{round_.pk}/report/"


def test_coordinators_edit_statements(cast):
    cora = cast.client("coordinator")
    page = cora.get("/practice/statements/").content.decode()
    assert "Supporting peer networks is core work" in page
    statement = Statement.objects.filter(hub=cast.hub).first()
    cora.post(
        f"/practice/statements/{statement.pk}/", {"principle": "networks", "text": "Changed", "active": ""}
    )
    statement.refresh_from_db()
    assert (statement.principle, statement.text, statement.active) == ("networks", "Changed", False)
    cora.post("/practice/statements/", {"principle": "assets", "text": "New one"})
    assert Statement.objects.filter(text="New one", hub=cast.hub).exists()
    assert cast.client("member").get("/practice/statements/").status_code == 403
    assert cast.client("outsider").get(f"/practice/statements/{statement.pk}/").status_code == 404


def test_the_depth_page_records_a_verdict_from_the_answers(cast):
    cora = cast.client("coordinator")
    page = cora.get("/practice/depth/").content.decode()
    assert "Self-organised" in page and "Doing with" in page and "(our wording)" in page
    data = {
        "about": "Live Well team",
        "recognised": "yes",
        "feedback": "yes",
        "power": "no",
        "delivery": "yes",
        "whole_team": "yes",
        "community": "yes",
        "plans": "together",
        "delivers": "professionals",
        "ladder": "",
    }
    assert cora.post("/practice/depth/", data).status_code == 302
    page = cora.get("/practice/depth/").content.decode()
    assert "Intermediate" in page
    assert cast.client("commissioner").post("/practice/depth/", data).status_code == 403
    assert cast.client("member").get("/practice/depth/").status_code == 403


def test_a_coordinator_adds_priorities_and_a_co_led_action_and_the_member_lead_is_required(cast):
    cora = cast.client("coordinator")
    response = cora.post("/practice/plans/", {"title": "Our plan", "round": ""})
    plan_url = response.url
    cora.post(plan_url, {"add_priority": "1", "title": "Grow peer networks"})
    priority = cast.hub.practice_plans.get().priorities.get()
    action = {
        "add_action": "1",
        "priority": priority.pk,
        "text": "Start a carers' group",
        "principle": "networks",
        "staff_lead": cast.link_worker.pk,
        "member_lead": "",
        "due_on": "2027-03-01",
        "review_on": "2027-02-01",
    }
    page = cora.post(plan_url, action).content.decode()
    assert "co-led by a member of staff and a member" in page
    assert not Action.objects.exists()
    cora.post(plan_url, action | {"member_lead": cast.member.pk})
    saved = Action.objects.get()
    assert (saved.member_lead, saved.due_on) == (cast.member, date(2027, 3, 1))
    # The member lead updates the status, and sees the plan.
    mo = cast.client("member")
    assert mo.get(plan_url).status_code == 200
    mo.post(f"/practice/actions/{saved.pk}/status/", {"status": "under_way"})
    saved.refresh_from_db()
    assert saved.status == "under_way"
    assert (
        cast.client("member2").post(f"/practice/actions/{saved.pk}/status/", {"status": "done"}).status_code
        == 403
    )
    assert mo.post(plan_url, {"add_priority": "1", "title": "x"}).status_code == 403


def test_portfolio_and_stakeholder_pages(cast):
    cora = cast.client("coordinator")
    cora.post(
        "/practice/portfolio/",
        {"title": "Interview panels", "tags": ["co_design"], "impact": "4", "effort": "1"},
    )
    page = cora.get("/practice/portfolio/").content.decode()
    assert "Interview panels" in page and "Quick win" in page
    cora.post(
        "/practice/stakeholders/",
        {"name": "GP practice managers", "high_power": "yes", "high_influence": "yes"},
    )
    page = cora.get("/practice/stakeholders/").content.decode()
    assert "GP practice managers" in page and "Partners and champions" in page
    assert cast.client("member").get("/practice/portfolio/").status_code == 403


def test_the_catalogue_filters_and_a_case_page_shows_figures_with_sources(cast):
    mo = cast.client("member")
    page = mo.get("/practice/catalogue/", {"text": "crisis"}).content.decode()
    assert "Service User Network" in page and "Richmond Users" not in page
    page = mo.get("/practice/catalogue/sun/").content.decode()
    assert "000_db9e6d5fd4700bd0.txt, line 560" in page
    assert "Richmond Users Independent Living Scheme" in page  # see also
    assert mo.get("/practice/catalogue/no-such-case/").status_code == 404


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_home_page_query_count_does_not_grow_with_rounds(cast):
    cora = cast.client("coordinator")
    answered_round(cast, title="One")
    first = _count(cora, "/practice/")
    for n in range(3):
        answered_round(cast, title=f"More {n}")
    assert _count(cora, "/practice/") == first


def test_the_plans_and_plan_pages_query_counts_do_not_grow(cast):
    cora_actor = cast.actor("coordinator")
    plan = services.create_plan(actor=cora_actor, title="Plan")
    priority = services.add_priority(actor=cora_actor, plan=plan, title="P1")

    def add_action():
        services.add_action(
            actor=cora_actor,
            priority=priority,
            text="A",
            principle="assets",
            staff_lead=cast.link_worker,
            member_lead=cast.member,
            due_on=date(2027, 1, 1),
            review_on=date(2027, 1, 1),
        )

    add_action()
    cora = cast.client("coordinator")
    plans_first, plan_first = _count(cora, "/practice/plans/"), _count(cora, f"/practice/plans/{plan.pk}/")
    for _ in range(4):
        add_action()
        services.create_plan(actor=cora_actor, title="Another")
    assert _count(cora, "/practice/plans/") == plans_first
    assert _count(cora, f"/practice/plans/{plan.pk}/") == plan_first


def test_the_catalogue_and_statement_pages_query_counts_are_constant(cast):
    cora = cast.client("coordinator")
    services.ensure_statements(hub=cast.hub)  # the first visit writes the default set
    catalogue, statements = _count(cora, "/practice/catalogue/"), _count(cora, "/practice/statements/")
    for n in range(5):
        services.add_statement(actor=cast.actor("coordinator"), principle="assets", text=f"Extra {n}")
    assert _count(cora, "/practice/statements/") == statements
    assert _count(cora, "/practice/catalogue/") == catalogue


def test_an_open_rounds_report_shows_answers_so_far_without_suggestions(cast):
    round_ = answered_round(cast, close=False)
    page = cast.client("link_worker").get(f"/practice/rounds/{round_.pk}/report/").content.decode()
    assert "still open" in page and "Suggestions appear when the round closes" in page
    assert "Make an action plan" not in page  # only coordinators plan


def test_the_report_pdf_falls_back_to_the_page_without_pango(cast, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    round_ = answered_round(cast)
    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    response = cast.client("coordinator").get(f"/practice/rounds/{round_.pk}/report.pdf", follow=True)
    assert response.redirect_chain[-1][0] == f"/practice/rounds/{round_.pk}/report/"
    assert "PDFs are not available on this server yet" in response.content.decode()


def test_the_pdf_report_html_carries_the_wedges_and_their_text(cast):
    from django.template.loader import render_to_string

    from practice.views import _report_context

    html = render_to_string("practice/report_pdf.html", _report_context(answered_round(cast)))
    assert html.count("<svg") == 3 and "<desc" in html
    assert "Assets: staff 100%, members 50%" in html
    assert "<script" not in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")


def test_a_sixth_priority_is_refused_on_the_page(cast):
    cora_actor = cast.actor("coordinator")
    plan = services.create_plan(actor=cora_actor, title="Plan")
    for n in range(5):
        services.add_priority(actor=cora_actor, plan=plan, title=f"P{n}")
    cora = cast.client("coordinator")
    page = cora.get(f"/practice/plans/{plan.pk}/").content.decode()
    assert "Add a priority" not in page  # the form is gone at five
    page = cora.post(f"/practice/plans/{plan.pk}/", {"add_priority": "1", "title": "P6"}).content.decode()
    assert "at most 5 priorities" in page
    assert plan.priorities.count() == 5


def test_a_plan_with_fewer_than_three_priorities_says_so(cast):
    plan = services.create_plan(actor=cast.actor("coordinator"), title="Plan")
    page = cast.client("coordinator").get(f"/practice/plans/{plan.pk}/").content.decode()
    assert "three to five priorities. This one has 0" in page


def test_an_action_for_a_priority_of_another_plan_is_not_found(cast):
    cora_actor = cast.actor("coordinator")
    plan = services.create_plan(actor=cora_actor, title="Plan")
    other = services.add_priority(
        actor=cora_actor, plan=services.create_plan(actor=cora_actor, title="B"), title="X"
    )
    data = {
        "add_action": "1",
        "priority": other.pk,
        "text": "A",
        "principle": "assets",
        "staff_lead": cast.link_worker.pk,
        "member_lead": cast.member.pk,
        "due_on": "2027-01-01",
        "review_on": "2027-01-01",
    }
    assert cast.client("coordinator").post(f"/practice/plans/{plan.pk}/", data).status_code == 404


def test_the_depth_form_lists_every_unanswered_question(cast):
    page = cast.client("coordinator").post("/practice/depth/", {"about": "Team"}).content.decode()
    assert "There is a problem" in page
    assert page.count("This field is required") >= 8  # six questions, who plans, who delivers


def test_a_statement_must_have_text(cast):
    services.ensure_statements(hub=cast.hub)
    statement = Statement.objects.filter(hub=cast.hub).first()
    page = cast.client("coordinator").post(
        f"/practice/statements/{statement.pk}/", {"principle": "assets", "text": "", "active": "on"}
    )
    assert page.status_code == 200 and "There is a problem" in page.content.decode()
    statement.refresh_from_db()
    assert statement.text


def test_the_paper_form_needs_to_know_who_filled_it_in(cast):
    round_ = services.open_round(actor=cast.actor("coordinator"), title="Spring", about="Team")
    data = {f"item_{k}": str(v) for k, v in ratings(round_, STAFF_A).items()}
    page = cast.client("link_worker").post(f"/practice/rounds/{round_.pk}/paper/", data).content.decode()
    assert "Who filled in the paper form" in page and "There is a problem" in page
    assert not Response.objects.exists()


def test_invalid_ratings_on_the_page_are_shown_beside_the_statement(cast, client):
    round_ = services.open_round(actor=cast.actor("coordinator"), title="Spring", about="Team")
    item = round_.items.first()
    page = client.post(f"/practice/answer/{round_.member_code}/", {f"item_{item.pk}": "7"}).content.decode()
    assert "There is a problem" in page
    assert not Response.objects.exists()


def test_the_catalogue_filters_by_principle_and_depth_on_the_page(cast):
    mo = cast.client("member")
    page = mo.get("/practice/catalogue/", {"depth": "descriptive"}).content.decode()
    assert "Retain Regain" in page and "Service User Network" not in page
    page = mo.get(
        "/practice/catalogue/", {"principle": "catalysts", "depth": "transformative"}
    ).content.decode()
    assert "KeyRing" in page and "Retain Regain" not in page
    # An unknown filter value is ignored rather than failing.
    assert mo.get("/practice/catalogue/", {"depth": "bottomless"}).status_code == 200


def test_the_case_page_marks_judgements_and_links_keywords(cast):
    page = cast.client("member").get("/practice/catalogue/keyring/").content.decode()
    assert "our judgement from the source text" in page
    assert "/practice/catalogue/?keyword=time%20banking" not in page
    assert "/practice/catalogue/?keyword=navigation" in page
    page = cast.client("member").get("/practice/catalogue/comas-recovery-coaching/").content.decode()
    assert "Transformative</strong>." in page  # the seed's own verdict carries no "our judgement"


def test_signed_out_people_are_sent_to_sign_in_except_for_anonymous_answers(cast, client):
    for url in ("/practice/", "/practice/catalogue/", "/practice/plans/", "/practice/depth/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/sign-in/" in response.url
    assert client.get("/practice/answer/").status_code == 200


def test_staff_must_pass_two_factor_first(cast):
    response = cast.client("coordinator", verified=False).get("/practice/")
    assert response.status_code == 302 and "two-factor" in response.url
