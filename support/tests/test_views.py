"""Support pages: each renders for the roles that use it and refuses the rest; bad input shows the
message and writes nothing; list pages keep a constant number of queries as rows grow."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.roles import Role
from core.testing import make_person
from directory import services as directory_services
from directory.tests.conftest import service_data
from people import services as people_services
from people.models import ConsentPurpose
from support import services
from support.models import FollowUp, OnCallPeriod, OnwardReferral, Plan, PlanVersion, Referral, SupportSession
from support.models import SupportService as SupportServiceModel
from support.tests.conftest import referral_data


@pytest.fixture
def walking_group(cast):
    return directory_services.create_service(actor=cast.actor("coordinator"), data=service_data())


def get(cast, who, url):
    return cast.client(who).get(url)


# ---- who may open which page --------------------------------------------------------------------

STAFF_PAGES = [
    "/support/",
    "/support/triage/",
    "/support/referrals/",
    "/support/referrals/new/",
    "/support/referrals/upload/",
    "/support/follow-ups/",
    "/support/onward/not-completed/",
    "/support/caseload/",
    "/support/reports/",
]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_support_staff_pages_render_for_a_link_worker(cast, live_well, url):
    assert get(cast, "link_worker", url).status_code == 200


@pytest.mark.parametrize("url", [u for u in STAFF_PAGES if u not in ("/support/", "/support/referrals/new/")])
@pytest.mark.parametrize("who", ["member", "peer", "referrer", "broker"])
def test_staff_pages_refuse_members_peers_referrers_and_brokers(cast, live_well, url, who):
    assert get(cast, who, url).status_code == 403


@pytest.mark.parametrize("url", ["/support/on-call/", "/support/settings/"])
def test_coordinator_pages_render_for_coordinators_only(cast, live_well, url):
    assert get(cast, "coordinator", url).status_code == 200
    assert get(cast, "link_worker", url).status_code == 403
    assert get(cast, "member", url).status_code == 403


def test_reports_show_exact_figures_to_the_team_and_suppress_them_for_commissioners(cast, make_referral):
    make_referral()
    team = get(cast, "coordinator", "/support/reports/")
    assert team.status_code == 200 and b'id="total">1<' in team.content
    outside = get(cast, "commissioner", "/support/reports/")
    assert outside.status_code == 200
    assert b"fewer than" in outside.content.lower() or b"&lt;" in outside.content
    assert b"Lin Linkworker" not in outside.content


def test_pages_need_a_sign_in_except_the_public_self_referral_form(cast, live_well, client):
    assert client.get("/support/triage/").status_code == 302
    assert client.get(f"/support/refer/{cast.hub.slug}/").status_code == 200


# ---- referrals in -------------------------------------------------------------------------------


def test_a_referrer_refers_and_sees_it_on_their_own_list(cast, live_well):
    client = cast.client("referrer")
    data = {
        "service": live_well.pk,
        "full_name": "Sam Someone",
        "date_of_birth": "1960-01-02",
        "postcode": "LS1 4AP",
        "source": "gp",
        "reasons": ["isolation"],
        "urgency": "routine",
        "referrer_organisation": "Riverside Surgery",
        "consent_to_report_back": "yes",
    }
    response = client.post("/support/referrals/new/", data)
    assert response.status_code == 302 and response["Location"] == "/support/referrals/mine/"
    referral = Referral.objects.get()
    assert referral.referrer_person == cast.referrer and referral.consent_to_report_back
    page = client.get("/support/referrals/mine/")
    assert b"Sam Someone" in page.content and b"Waiting for triage" in page.content
    status = client.get(f"/support/referrals/{referral.pk}/")
    assert status.status_code == 200 and b"Status: Waiting for triage" in status.content
    assert b"LS1 4AP" not in status.content  # a referrer sees the status, not the person's details
    assert b"/support/refer/riverside/" in get(cast, "link_worker", "/support/").content


def test_the_referral_form_shows_every_problem_and_writes_nothing(cast, live_well):
    response = cast.client("link_worker").post(
        "/support/referrals/new/", {"service": live_well.pk, "postcode": "nonsense", "source": "gp"}
    )
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert b"Enter the name of the person being referred." in response.content
    assert b"Choose at least one reason." in response.content
    assert Referral.objects.count() == 0


def test_the_public_form_takes_a_self_referral_without_a_login(cast, live_well, client):
    response = client.post(
        f"/support/refer/{cast.hub.slug}/",
        {
            "service": live_well.pk,
            "source": "self",
            "full_name": "Ann Public",
            "reasons": ["low_mood"],
            "email": "ann@example.org",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.channel == "self_form" and referral.person is None
    assert client.get(response["Location"]).status_code == 200


def test_the_public_form_says_too_many_after_the_limit(cast, live_well, client, settings):
    settings.SUPPORT_SELF_REFERRAL_LIMIT = "2/3600"
    url = f"/support/refer/{cast.hub.slug}/"
    for _ in range(2):
        assert client.post(url, {"service": live_well.pk, "source": "self"}).status_code == 400
    response = client.post(
        url, {"service": live_well.pk, "source": "self", "full_name": "A", "reasons": ["money"]}
    )
    assert response.status_code == 429
    assert b"too many" in response.content
    assert Referral.objects.count() == 0


def test_the_public_form_of_an_unknown_hub_is_404(client, db):
    assert client.get("/support/refer/nowhere/").status_code == 404


def test_the_upload_lists_every_problem_and_adds_nothing(cast, live_well):
    client = cast.client("link_worker")
    template = client.get("/support/referrals/upload/template.csv")
    header = template.content.decode().strip()
    assert header.startswith("full_name,")
    bad = header + "\r\n,,,,,,,gp,isolation\r\nSam,,,,,,,martian,\r\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/support/referrals/upload/",
        {"service": live_well.pk, "file": SimpleUploadedFile("r.csv", bad.encode(), content_type="text/csv")},
    )
    assert response.status_code == 400
    assert b"Line 2" in response.content and b"Line 3" in response.content
    assert Referral.objects.count() == 0


# ---- triage -------------------------------------------------------------------------------------


def test_the_referral_page_shows_each_rule_and_possible_duplicates(cast, make_referral):
    referral = make_referral(
        full_name="Mo Member", date_of_birth="", postcode="LS1 4AP", gp_practice="Elsewhere"
    )
    page = get(cast, "link_worker", f"/support/referrals/{referral.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Not known" in text and "Failed" in text and "Passed" in text
    assert "Is this someone we know?" in text and "Mo Member" in text


def test_linking_a_record_then_accepting_with_a_reason(cast, make_referral):
    referral = make_referral(full_name="Mo Member", date_of_birth="", postcode="LS1 4AP")
    client = cast.client("link_worker")
    client.post(f"/support/referrals/{referral.pk}/link/", {"person": cast.member.pk})
    response = client.post(f"/support/referrals/{referral.pk}/decide/", {"decision": "accept", "reason": ""})
    assert response.status_code == 400 and b"The reason for the decision is required." in response.content
    assert Referral.objects.get().status == "received"
    response = client.post(
        f"/support/referrals/{referral.pk}/decide/", {"decision": "accept", "reason": "Lonely"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (
        referral.status == "accepted"
        and referral.person == cast.member
        and referral.worker == cast.link_worker
    )


def test_triage_pages_are_404_for_another_hubs_staff_and_403_for_a_referrer(cast, make_referral):
    referral = make_referral()
    assert get(cast, "outsider", f"/support/referrals/{referral.pk}/").status_code == 404
    assert get(cast, "outsider", f"/support/referrals/{referral.pk}/decide/").status_code == 404
    assert get(cast, "member2", f"/support/referrals/{referral.pk}/").status_code == 403
    assert get(cast, "referrer", f"/support/referrals/{referral.pk}/decide/").status_code == 403


# ---- the journey --------------------------------------------------------------------------------


def test_a_session_beyond_the_cap_is_refused_on_the_form(cast, accepted):
    client = cast.client("link_worker")
    today = timezone.localdate().isoformat()
    for _ in range(5):
        data = {"held_on": today, "kind": "phone", "minutes": 30, "sensitivity": "standard"}
        assert client.post(f"/support/referrals/{accepted.pk}/sessions/new/", data).status_code == 302
    response = client.post(f"/support/referrals/{accepted.pk}/sessions/new/", data)
    assert response.status_code == 400 and b"sessions of" in response.content
    assert SupportSession.objects.count() == 5
    page = client.get("/support/caseload/")
    assert b"5 of 5" in page.content and b"All used" in page.content


def test_sensitive_notes_are_hidden_from_another_link_worker(cast, accepted, coach):
    services.record_session(
        actor=cast.actor("link_worker"),
        referral=accepted,
        held_on=timezone.localdate(),
        kind="phone",
        minutes=20,
        notes="Talked about debts",
        sensitivity="sensitive",
    )
    assert b"Talked about debts" in get(cast, "link_worker", f"/support/referrals/{accepted.pk}/").content
    assert b"Talked about debts" in get(cast, "coordinator", f"/support/referrals/{accepted.pk}/").content
    cast.coach = coach  # the cast signs in by name
    page = get(cast, "coach", f"/support/referrals/{accepted.pk}/")
    assert page.status_code == 200
    assert b"Talked about debts" not in page.content and b"only this person's workers" in page.content


def test_conversation_feeds_the_persons_lists(cast, accepted):
    client = cast.client("link_worker")
    page = client.get(f"/support/referrals/{accepted.pk}/conversation/")
    assert b"What feels most pressing right now" in page.content
    response = client.post(
        f"/support/referrals/{accepted.pk}/conversation/",
        {
            "held_on": timezone.localdate().isoformat(),
            "concerns": "Feeling alone",
            "add_need": "Company\nA walk",
            "add_skill": "Baking",
        },
    )
    assert response.status_code == 302
    kinds = set(cast.member.profile_entries.values_list("kind", "text"))
    assert ("need", "Company") in kinds and ("skill", "Baking") in kinds


def test_an_empty_conversation_is_refused_and_nothing_is_written(cast, accepted):
    response = cast.client("link_worker").post(
        f"/support/referrals/{accepted.pk}/conversation/", {"held_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 400 and b"Write what the person said." in response.content
    assert accepted.conversations.count() == 0


def test_hand_over_onward_referral_follow_up_and_close(cast, accepted, coach, walking_group):
    client = cast.client("link_worker")
    step2 = accepted.service.steps.get(position=2)
    response = client.post(
        f"/support/referrals/{accepted.pk}/hand-over/", {"step": step2.pk, "worker": coach.pk, "note": ""}
    )
    assert response.status_code == 400 and b"A hand-over note is required." in response.content
    response = client.post(
        f"/support/referrals/{accepted.pk}/hand-over/",
        {"step": step2.pk, "worker": coach.pk, "note": "Ready for link work"},
    )
    assert response.status_code == 302
    response = client.post(
        f"/support/referrals/{accepted.pk}/onward/new/", {"directory_service_id": str(walking_group.id)}
    )
    assert response.status_code == 302
    onward = OnwardReferral.objects.get()
    assert client.post(f"/support/onward/{onward.pk}/", {"status": "attended"}).status_code == 400
    assert client.post(f"/support/onward/{onward.pk}/", {"status": "contacted"}).status_code == 302
    follow = FollowUp.objects.filter(referral=accepted).order_by("months").first()
    assert (
        client.post(
            f"/support/follow-ups/{follow.pk}/", {"status": "done", "note": "Going weekly"}
        ).status_code
        == 302
    )
    response = client.post(f"/support/referrals/{accepted.pk}/close/", {"reason": "goals_met", "summary": ""})
    assert response.status_code == 400
    response = client.post(
        f"/support/referrals/{accepted.pk}/close/", {"reason": "goals_met", "summary": "Walking weekly"}
    )
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == "closed"
    page = client.get(f"/support/referrals/{accepted.pk}/")
    assert b"Walking weekly" in page.content and b"Riverside Walking Group" in page.content


def test_the_member_adds_feedback_but_cannot_move_the_status(cast, accepted, walking_group):
    onward = services.suggest_onward_referral(
        actor=cast.actor("link_worker"), referral=accepted, directory_service_id=walking_group.id
    )
    client = cast.client("member")
    page = client.get(f"/support/referrals/{accepted.pk}/")
    assert page.status_code == 200 and b"Tell us how it went" in page.content
    response = client.post(
        f"/support/onward/{onward.pk}/",
        {"member_feedback": "I went and loved it", "helped": "yes", "status": "continuing"},
    )
    assert response.status_code == 302
    onward.refresh_from_db()
    assert onward.member_feedback == "I went and loved it" and onward.status == "suggested"
    assert get(cast, "member2", f"/support/onward/{onward.pk}/").status_code == 403


# ---- plans --------------------------------------------------------------------------------------


def test_a_member_writes_their_own_goal_plan_and_every_version_is_kept(cast):
    client = cast.client("member")
    assert client.get("/support/plans/").status_code == 200
    url = f"/support/people/{cast.member.pk}/plans/goals/edit/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "goals.0.title": "Walk more",
            "goals.0.progress": "10",
            "goals.0.steps.0.text": "Join the walking group",
            "goals.0.steps.0.who": "member",
            "goals.0.steps.0.due": "2030-01-01",
            "goals.0.steps.0.done": "no",
        },
    )
    assert response.status_code == 302
    plan = Plan.objects.get()
    response = client.post(
        url,
        {
            "goals.0.title": "Walk more",
            "goals.0.progress": "50",
            "goals.0.steps.0.text": "Join the walking group",
            "goals.0.steps.0.who": "member",
            "goals.0.steps.0.done": "yes",
        },
    )
    assert PlanVersion.objects.filter(plan=plan).count() == 2
    page = client.get(f"/support/plans/{plan.pk}/")
    assert b"Walk more" in page.content and b"50% of the way" in page.content
    assert client.get(f"/support/plans/{plan.pk}/versions/").status_code == 200
    assert client.get(f"/support/plans/{plan.pk}/versions/1/").status_code == 200
    assert client.get(f"/support/plans/{plan.pk}/pdf/").status_code in (200, 302)


def test_a_bad_step_date_is_shown_beside_the_step_and_nothing_is_saved(cast):
    url = f"/support/people/{cast.member.pk}/plans/goals/edit/"
    response = cast.client("member").post(
        url, {"goals.0.title": "Walk", "goals.0.steps.1.text": "Go", "goals.0.steps.1.due": "31/02/2030"}
    )
    assert response.status_code == 400
    assert b"Enter a real date" in response.content
    assert Plan.objects.count() == 0 or PlanVersion.objects.count() == 0


def test_another_member_cannot_open_or_write_someone_elses_plans(cast):
    services.save_plan(
        actor=cast.actor("member"), person=cast.member, kind="wellbeing", content={"keeps_me_well": ["Walks"]}
    )
    plan = Plan.objects.get()
    assert get(cast, "member2", f"/support/plans/{plan.pk}/").status_code == 403
    assert get(cast, "member2", f"/support/people/{cast.member.pk}/plans/wellbeing/edit/").status_code == 403
    assert get(cast, "outsider", f"/support/plans/{plan.pk}/").status_code == 404


def test_a_peer_sees_a_crisis_plan_only_when_named_consented_and_on_call(cast):
    mo = cast.actor("member")
    version = services.save_plan(
        actor=mo, person=cast.member, kind="crisis", content={"what_i_want": "Call my sister"}
    )
    plan = version.plan
    client = cast.client("member")
    assert client.post(f"/support/plans/{plan.pk}/supporters/", {"peer": cast.peer.pk}).status_code == 302
    people_services.record_consent(
        actor=mo, person=cast.member, purpose=ConsentPurpose.SHARE_PLANS, granted=True, method="online"
    )
    peer = cast.client("peer")
    assert b"You are not on call now" in peer.get("/support/crisis-plans/").content
    assert peer.get(f"/support/plans/{plan.pk}/").status_code == 403
    now = timezone.now()
    coordinator = cast.client("coordinator")
    response = coordinator.post(
        "/support/on-call/",
        {
            "peer": cast.peer.pk,
            "starts_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    page = peer.get("/support/crisis-plans/")
    assert b"Mo Member" in page.content
    assert b"Call my sister" in peer.get(f"/support/plans/{plan.pk}/").content
    coordinator.post(f"/support/on-call/{OnCallPeriod.objects.get().pk}/cancel/")
    assert peer.get(f"/support/plans/{plan.pk}/").status_code == 403


def test_an_on_call_period_longer_than_a_week_is_refused_on_the_form(cast):
    now = timezone.now()
    response = cast.client("coordinator").post(
        "/support/on-call/",
        {
            "peer": cast.peer.pk,
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + dt.timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400 and b"At most seven days" in response.content
    assert OnCallPeriod.objects.count() == 0


# ---- settings -----------------------------------------------------------------------------------


def test_a_coordinator_changes_the_rules_and_a_bad_age_is_refused(cast, live_well):
    client = cast.client("coordinator")
    url = f"/support/settings/services/{live_well.pk}/"
    assert client.get(url).status_code == 200
    data = {
        "name": "Live Well",
        "active": "yes",
        "takes_self_referrals": "yes",
        "min_age": 70,
        "max_age": 20,
        "postcode_districts": "LS1",
        "follow_up_months": "4, 8",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and b"must not be below" in response.content
    live_well.refresh_from_db()
    assert live_well.min_age == 18
    response = client.post(url, data | {"min_age": 16, "max_age": 99})
    assert response.status_code == 302
    live_well.refresh_from_db()
    assert (live_well.min_age, live_well.postcode_districts, live_well.follow_up_months) == (
        16,
        ["LS1"],
        [4, 8],
    )
    assert client.post("/support/settings/", {"caseload_limit": 0}).status_code == 400
    assert client.post("/support/settings/", {"caseload_limit": 40}).status_code == 302


# ---- query counts -------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _accepted_referral(cast, live_well, n):
    person = make_person(cast.hub, f"Person {n}", Role.MEMBER, login=False, email=f"p{n}@example.org")
    referral = services.create_referral(
        actor=cast.actor("link_worker"),
        service=live_well,
        data=referral_data(full_name=f"Person {n}"),
        person=person,
    )
    return services.decide_referral(
        actor=cast.actor("link_worker"), referral=referral, decision="accept", reason="Fits"
    )


@pytest.mark.parametrize(
    "url",
    [
        "/support/triage/",
        "/support/referrals/",
        "/support/caseload/",
        "/support/follow-ups/?until=2099-01-01",
        "/support/onward/not-completed/",
        "/support/referrals/mine/",
    ],
)
def test_list_pages_keep_a_constant_query_count(cast, live_well, walking_group, url):
    who = "referrer" if url.endswith("mine/") else "link_worker"
    client = cast.client(who)

    def add(n):
        for i in range(n):
            referral = _accepted_referral(cast, live_well, f"{n}-{i}")
            onward = services.suggest_onward_referral(
                actor=cast.actor("link_worker"), referral=referral, directory_service_id=walking_group.id
            )
            services.update_onward_referral(
                actor=cast.actor("link_worker"), onward=onward, status="did_not_attend"
            )
            services.record_session(
                actor=cast.actor("link_worker"),
                referral=referral,
                held_on=timezone.localdate(),
                kind="phone",
                minutes=10,
            )
            services.create_referral(
                actor=cast.actor("referrer"),
                service=live_well,
                data=referral_data(full_name=f"Waiting {n}-{i}"),
            )

    add(1)
    few = _queries(client, url)
    add(4)
    assert _queries(client, url) == few


def test_the_referral_page_keeps_a_constant_query_count_as_its_history_grows(cast, accepted, walking_group):
    lin = cast.actor("link_worker")
    client = cast.client("link_worker")
    url = f"/support/referrals/{accepted.pk}/"

    def add(n):
        for _ in range(n):
            services.record_session(
                actor=lin,
                referral=accepted,
                held_on=timezone.localdate(),
                kind="phone",
                minutes=10,
                notes="x",
            )
            services.suggest_onward_referral(
                actor=lin, referral=accepted, directory_service_id=walking_group.id
            )
            services.record_conversation(
                actor=lin,
                person=cast.member,
                held_on=timezone.localdate(),
                answers={"concerns": "x"},
                referral=accepted,
            )

    add(1)
    few = _queries(client, url)
    add(3)
    assert _queries(client, url) == few


def test_a_coordinator_sees_a_workers_caseload_and_the_over_limit_warning(cast, accepted):
    services.update_support_settings(actor=cast.actor("coordinator"), caseload_limit=1)
    services.decide_referral(
        actor=cast.actor("link_worker"),
        referral=services.create_referral(
            actor=cast.actor("link_worker"),
            service=accepted.service,
            data=referral_data(full_name="Mia Member"),
            person=cast.member2,
        ),
        decision="accept",
        reason="Fits",
    )
    page = get(cast, "coordinator", f"/support/caseload/{cast.link_worker.pk}/")
    assert page.status_code == 200 and b"over-limit" in page.content
    assert get(cast, "member", f"/support/caseload/{cast.link_worker.pk}/").status_code == 403
    assert get(cast, "link_worker", f"/support/caseload/{cast.coordinator.pk}/").status_code == 403


def test_a_letter_to_a_referrer_without_email_prints(cast, make_referral):
    referral = make_referral(referrer_email="", referrer_address="Riverside Surgery, 2 High Street, RV1 1AA")
    if referral.person is None:
        referral = services.link_person(
            actor=cast.actor("link_worker"), referral=referral, person=cast.member
        )
    services.decide_referral(
        actor=cast.actor("link_worker"), referral=referral, decision="accept", reason="Fits"
    )
    message = referral.referrer_messages.get()
    page = get(cast, "link_worker", f"/support/referrals/{referral.pk}/")
    assert b"print the letter" in page.content
    response = get(cast, "link_worker", f"/support/letters/{message.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] in ("application/pdf", "text/html; charset=utf-8")
    assert get(cast, "referrer", f"/support/letters/{message.pk}/").status_code == 403
    assert get(cast, "outsider", f"/support/letters/{message.pk}/").status_code == 404


def test_redirecting_with_nowhere_to_send_them_is_refused_and_nothing_changes(cast, make_referral):
    referral = make_referral()
    response = cast.client("link_worker").post(
        f"/support/referrals/{referral.pk}/decide/", {"decision": "redirect", "reason": "Not for us"}
    )
    assert response.status_code == 400 and b"Where they were redirected is required." in response.content
    referral.refresh_from_db()
    assert referral.status == "received" and referral.decision_reason == ""


def test_flagging_an_exclusion_shows_the_rule_failed_with_where_to_send_them(cast, make_referral, live_well):
    referral = make_referral()
    exclusion = live_well.exclusions.get()
    client = cast.client("link_worker")
    assert (
        client.post(
            f"/support/referrals/{referral.pk}/exclusions/", {"exclusion_ids": [exclusion.pk]}
        ).status_code
        == 302
    )
    page = client.get(f"/support/referrals/{referral.pk}/")
    assert b"Failed" in page.content and b"Back to the GP for the mental health team" in page.content
    response = client.post(
        f"/support/referrals/{referral.pk}/decide/", {"decision": "redirect", "reason": "SMI"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.redirected_to == "Back to the GP for the mental health team"


def test_a_wellbeing_and_a_crisis_plan_are_written_in_boxes(cast):
    client = cast.client("link_worker")
    url = f"/support/people/{cast.member.pk}/plans/wellbeing/edit/"
    assert client.post(url, {"keeps_me_well": "Walks\nMusic", "triggers": "Noise"}).status_code == 302
    plan = Plan.objects.get(kind="wellbeing")
    assert PlanVersion.objects.get(plan=plan).content["keeps_me_well"] == ["Walks", "Music"]
    url = f"/support/people/{cast.member.pk}/plans/crisis/edit/"
    data = {
        "what_i_want": "Call my sister",
        "who_to_call.1.name": "Sis",
        "who_to_call.1.phone": "01632 960000",
    }
    assert client.post(url, data).status_code == 302
    crisis = Plan.objects.get(kind="crisis")
    assert PlanVersion.objects.get(plan=crisis).content["who_to_call"] == [
        {"name": "Sis", "phone": "01632 960000", "relationship": ""}
    ]
    page = client.get(f"/support/plans/{crisis.pk}/")
    assert b"Sis (" not in page.content and b"Sis: 01632 960000" in page.content
    assert client.get(f"/support/people/{cast.member.pk}/plans/nonsense/edit/").status_code == 404


def test_a_crisis_contact_without_a_name_is_shown_beside_its_row(cast):
    url = f"/support/people/{cast.member.pk}/plans/crisis/edit/"
    response = cast.client("member").post(url, {"who_to_call.1.phone": "01632 960000"})
    assert response.status_code == 400 and b"This cannot be empty." in response.content
    assert b'id="id_who_to_call.1.name-error"' in response.content
    assert not PlanVersion.objects.exists()


# ---- settings: services, pathways, sections and codes -------------------------------------------


@pytest.mark.parametrize(
    "url", ["/support/settings/services/new/", "/support/settings/sections/", "/support/settings/codes/"]
)
def test_settings_pages_are_for_coordinators(cast, url):
    assert get(cast, "coordinator", url).status_code == 200
    assert get(cast, "link_worker", url).status_code == 403


def test_a_coordinator_adds_a_service_with_its_pathway_and_exclusions(cast, walking_group):
    client = cast.client("coordinator")
    data = {
        "name": "Local Area Coordination",
        "active": "yes",
        "takes_self_referrals": "no",
        "steps.0.name": "Coordination",
        "steps.0.role": "link_worker",
        "steps.0.worker_title": "Local area coordinator",
        "exclusions.1.label": "Under 18",
        "exclusions.1.redirect_to": "Children's services",
        "exclusions.1.redirect_service_id": str(walking_group.id),
    }
    response = client.post("/support/settings/services/new/", data | {"steps.0.session_cap": "500"})
    assert response.status_code == 400 and b'id="id_steps.0.session_cap-error"' in response.content
    response = client.post("/support/settings/services/new/", data)
    assert response.status_code == 302
    service = SupportServiceModel.objects.get(name="Local Area Coordination")
    assert [s.session_cap for s in service.steps.all()] == [None]
    assert service.exclusions.get().redirect_service_id == walking_group.id


def test_unused_steps_can_be_removed_but_a_pathway_keeps_at_least_one_step(cast, accepted):
    url = f"/support/settings/services/{accepted.service_id}/pathway/"
    client = cast.client("coordinator")
    page = client.get(url)
    assert b"Health coaching" in page.content
    response = client.post(
        url, {"steps.0.name": "Link work only", "steps.0.role": "link_worker", "steps.0.session_cap": "8"}
    )
    assert response.status_code == 302
    assert list(accepted.service.steps.values_list("name", flat=True)) == ["Link work only"]
    accepted.refresh_from_db()
    services.record_session(
        actor=cast.actor("link_worker"),
        referral=accepted,
        held_on=timezone.localdate(),
        kind="phone",
        minutes=5,
    )
    response = client.post(url, {"steps.0.name": "", "exclusions.0.label": ""})
    assert response.status_code == 400
    assert accepted.service.steps.count() == 1


def test_the_conversation_sections_are_adapted_and_a_bad_key_is_refused(cast):
    client = cast.client("coordinator")
    bad = {"conversation_sections.0.key": "what matters!", "conversation_sections.0.label": "What matters?"}
    response = client.post("/support/settings/sections/", bad)
    assert response.status_code == 400 and b'id="id_conversation_sections.0.key-error"' in response.content
    good = {"conversation_sections.0.key": "matters", "conversation_sections.0.label": "What matters to you?"}
    assert client.post("/support/settings/sections/", good).status_code == 302
    from support.queries import support_settings

    assert [s["key"] for s in support_settings(cast.hub).conversation_sections] == ["matters"]


def test_a_coordinator_adds_a_clinical_code_once(cast):
    client = cast.client("coordinator")
    data = {
        "system": "SNOMED CT",
        "code": "871731000000106",
        "label": "Referral to social prescribing service",
    }
    assert client.post("/support/settings/codes/", data).status_code == 302
    response = client.post("/support/settings/codes/", data)
    assert response.status_code == 400 and b"already on the list" in response.content
    assert b"871731000000106" in client.get("/support/settings/codes/").content


def test_the_support_page_lists_team_caseloads_for_coordinators_only(cast, accepted):
    page = get(cast, "coordinator", "/support/")
    assert (
        b'id="team"' in page.content and f"/support/caseload/{cast.link_worker.pk}/".encode() in page.content
    )
    assert b'id="team"' not in get(cast, "link_worker", "/support/").content


def test_a_member_sees_their_own_support_on_the_support_page(cast, accepted):
    page = get(cast, "member", "/support/")
    assert page.status_code == 200 and f"/support/referrals/{accepted.pk}/".encode() in page.content
    assert f"/support/referrals/{accepted.pk}/".encode() not in get(cast, "member2", "/support/").content


def test_the_rota_crisis_plans_and_plan_history_keep_a_constant_query_count(cast):
    coordinator = cast.actor("coordinator")
    now = timezone.now()
    peers = []

    def add(n):
        for _ in range(n):
            member = make_person(
                cast.hub, f"Member {len(peers)}", Role.MEMBER, login=False, email=f"m{len(peers)}@example.org"
            )
            peer = make_person(
                cast.hub,
                f"Peer {len(peers)}",
                Role.PEER_SUPPORTER,
                login=False,
                email=f"pp{len(peers)}@example.org",
            )
            peers.append(peer)
            start = now + dt.timedelta(days=len(peers))
            services.schedule_on_call(
                actor=coordinator, peer=peer, starts_at=start, ends_at=start + dt.timedelta(hours=2)
            )
            version = services.save_plan(
                actor=coordinator, person=member, kind="crisis", content={"what_i_want": f"v{len(peers)}"}
            )
            services.name_supporter(actor=coordinator, plan=version.plan, peer=cast.peer)
            people_services.record_consent(
                actor=coordinator,
                person=member,
                purpose=ConsentPurpose.SHARE_PLANS,
                granted=True,
                method="written",
            )
            services.save_plan(
                actor=coordinator,
                person=cast.member,
                kind="goals",
                content={"goals": [{"title": f"g{len(peers)}"}]},
            )

    services.schedule_on_call(
        actor=coordinator,
        peer=cast.peer,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
    )
    add(1)
    plan = Plan.objects.get(person=cast.member, kind="goals")
    urls = {
        "coordinator": ["/support/on-call/", f"/support/plans/{plan.pk}/versions/"],
        "peer": ["/support/crisis-plans/"],
    }
    few = {(who, url): _queries(cast.client(who), url) for who, urls_ in urls.items() for url in urls_}
    add(4)
    for (who, url), count in few.items():
        assert _queries(cast.client(who), url) == count, url
