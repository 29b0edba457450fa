"""The rota, availability and crisis-call pages: who may use them, what they refuse, and query counts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEvent
from core.roles import Role
from core.testing import make_person
from groups import queries
from groups.models import OnCallAvailability, OnCallCredit, RotaSettings
from people.models import ConsentPurpose
from people.services import record_consent
from support import services as support_services
from support.models import OnCallPeriod
from timebank import services as timebank_services

CRISIS = {
    "what_i_want": "Stay at home with someone I know",
    "what_i_do_not_want": "Hospital unless I ask",
    "who_to_call": [{"name": "Sister Sam", "phone": "07700 900123", "relationship": "sister"}],
    "practical": "Feed the cat",
}


def monday() -> str:
    return queries.week_start(timezone.localdate()).isoformat()


def on_call(cast, starts_at, ends_at, peer=None):
    return support_services.schedule_on_call(
        actor=cast.actor("coordinator"), peer=peer or cast.peer, starts_at=starts_at, ends_at=ends_at
    )


# ---- the rota ----


def test_only_a_coordinator_sees_the_rota(cast):
    assert cast.client("coordinator").get("/groups/on-call/").status_code == 200
    for name in ("peer", "member", "link_worker", "volunteer", "commissioner"):
        assert cast.client(name).get("/groups/on-call/").status_code == 403, name
        assert cast.client(name).post("/groups/on-call/credit/", {"week": monday()}).status_code == 403
    assert (
        cast.client("outsider").get(f"/groups/on-call/?week={monday()}").context["rota"].days[0].periods == []
    )


def test_the_rota_shows_availability_on_call_and_gaps(cast):
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    tomorrow = (now + timedelta(days=1)).replace(hour=18)
    OnCallAvailability.objects.create(
        hub=cast.hub,
        peer=cast.peer,
        starts_at=tomorrow,
        ends_at=tomorrow + timedelta(hours=4),
        note="Not late",
    )
    on_call(cast, tomorrow - timedelta(hours=6), tomorrow - timedelta(hours=2))
    page = cast.client("coordinator").get(f"/groups/on-call/?week={tomorrow.date().isoformat()}")
    assert page.status_code == 200
    assert b"Not late" in page.content and b"Pat Peer" in page.content
    assert b"Gaps in cover" in page.content
    rota = page.context["rota"]
    assert rota.hours_needed == 168 and rota.hours_covered == 4


def test_a_coordinator_puts_a_peer_on_call_from_their_availability_or_by_hand(cast):
    client = cast.client("coordinator")
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    offer = OnCallAvailability.objects.create(
        hub=cast.hub, peer=cast.peer, starts_at=start, ends_at=start + timedelta(hours=3)
    )
    response = client.post("/groups/on-call/put/", {"availability": offer.pk, "week": monday()})
    assert response.status_code == 302
    period = OnCallPeriod.objects.get()
    assert (period.peer, period.starts_at, period.ends_at) == (cast.peer, offer.starts_at, offer.ends_at)
    later = start + timedelta(days=1)
    response = client.post(
        "/groups/on-call/put/",
        {"peer": cast.peer.pk, "day": later.strftime("%d/%m/%Y"), "starts": "22:00", "ends": "06:00"},
    )
    assert response.status_code == 302
    overnight = OnCallPeriod.objects.latest("id")
    assert timezone.localtime(overnight.ends_at) - timezone.localtime(overnight.starts_at) == timedelta(
        hours=8
    )


def test_putting_on_call_refuses_bad_input_with_a_message_and_writes_nothing(cast):
    client = cast.client("coordinator")
    day = (timezone.localdate() + timedelta(days=3)).strftime("%d/%m/%Y")
    missing = client.post(
        "/groups/on-call/put/", {"peer": cast.peer.pk, "day": day, "starts": "", "ends": "9"}
    )
    assert missing.status_code == 400 and b"There is a problem" in missing.content
    not_a_peer = client.post(
        "/groups/on-call/put/", {"peer": cast.member.pk, "day": day, "starts": "09:00", "ends": "12:00"}
    )
    assert not_a_peer.status_code == 400 and b"Select a valid choice" in not_a_peer.content
    made_peer = make_person(cast.hub, "Quinn Quiet", Role.MEMBER)
    other_peer = client.post(
        "/groups/on-call/put/", {"peer": made_peer.pk, "day": day, "starts": "09:00", "ends": "12:00"}
    )
    assert other_peer.status_code == 400
    assert not OnCallPeriod.objects.exists()
    client.post(
        "/groups/on-call/put/", {"peer": cast.peer.pk, "day": day, "starts": "09:00", "ends": "12:00"}
    )
    clash = client.post(
        "/groups/on-call/put/", {"peer": cast.peer.pk, "day": day, "starts": "11:00", "ends": "13:00"}
    )
    assert clash.status_code == 400 and b"already on call" in clash.content
    assert OnCallPeriod.objects.count() == 1


def test_a_coordinator_takes_a_period_off_the_rota(cast):
    start = timezone.now() + timedelta(days=1)
    period = on_call(cast, start, start + timedelta(hours=2))
    assert cast.client("peer").post(f"/groups/on-call/periods/{period.pk}/cancel/").status_code == 403
    cast.client("coordinator").post(f"/groups/on-call/periods/{period.pk}/cancel/", {"week": monday()})
    period.refresh_from_db()
    assert period.cancelled_at is not None
    assert cast.client("outsider").post(f"/groups/on-call/periods/{period.pk}/cancel/").status_code == 404


def test_the_hours_to_cover_are_set_on_the_rota_page(cast):
    client = cast.client("coordinator")
    response = client.post("/groups/on-call/cover/", {"days": ["0", "1"], "from_hour": "18", "to_hour": "22"})
    assert response.status_code == 302
    settings = RotaSettings.objects.get(hub=cast.hub)
    assert (settings.cover_days, settings.cover_from_hour, settings.cover_to_hour) == ("01", 18, 22)
    bad = client.post("/groups/on-call/cover/", {"days": ["0"], "from_hour": "9", "to_hour": "9"})
    assert bad.status_code == 400 and b"different hour" in bad.content
    none = client.post("/groups/on-call/cover/", {"from_hour": "9", "to_hour": "17"})
    assert none.status_code == 400
    assert RotaSettings.objects.get(hub=cast.hub).cover_from_hour == 18


def test_crediting_the_week_from_the_rota_posts_once(cast):
    coordinator = cast.actor("coordinator")
    timebank_services.join(actor=coordinator, person=cast.peer)
    now = timezone.now().replace(microsecond=0)
    period = on_call(cast, now - timedelta(hours=4), now - timedelta(hours=1))
    week = queries.week_start(timezone.localtime(period.ends_at).date()).isoformat()
    client = cast.client("coordinator")
    first = client.post("/groups/on-call/credit/", {"week": week}, follow=True)
    assert b"3 hours on call credited for 1 periods" in first.content
    second = client.post("/groups/on-call/credit/", {"week": week}, follow=True)
    assert b"0 hours on call credited for 0 periods" in second.content
    assert OnCallCredit.objects.get().hours == 3
    assert b"Credited" in client.get(f"/groups/on-call/?week={week}").content


def test_the_rota_page_takes_the_same_number_of_queries_however_full_the_week(cast):
    client = cast.client("coordinator")
    week = queries.week_start(timezone.localdate() + timedelta(days=7))
    start = datetime.combine(week, datetime.min.time(), tzinfo=timezone.get_current_timezone())

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/groups/on-call/?week={week.isoformat()}").status_code == 200
        return len(ctx.captured_queries)

    on_call(cast, start + timedelta(hours=1), start + timedelta(hours=3))
    OnCallAvailability.objects.create(
        hub=cast.hub, peer=cast.peer, starts_at=start + timedelta(hours=5), ends_at=start + timedelta(hours=6)
    )
    few = count()
    for i in range(6):
        peer = make_person(cast.hub, f"Peer{i} Person", Role.PEER_SUPPORTER, login=False)
        day = start + timedelta(days=i, hours=8)
        on_call(cast, day, day + timedelta(hours=5), peer=peer)
        OnCallAvailability.objects.create(
            hub=cast.hub, peer=peer, starts_at=day, ends_at=day + timedelta(hours=9)
        )
    assert count() == few


# ---- a peer's availability ----


def test_a_peer_adds_and_withdraws_their_availability(cast):
    client = cast.client("peer")
    day = (timezone.localdate() + timedelta(days=2)).strftime("%d/%m/%Y")
    response = client.post(
        "/groups/on-call/availability/",
        {"day": day, "starts": "18:00", "ends": "22:00", "weeks": "2", "note": ""},
    )
    assert response.status_code == 302
    assert OnCallAvailability.objects.filter(peer=cast.peer).count() == 2
    page = client.get("/groups/on-call/availability/")
    assert len(page.context["offered"]) == 2
    first = OnCallAvailability.objects.earliest("starts_at")
    assert (
        cast.client("volunteer").post(f"/groups/on-call/availability/{first.pk}/withdraw/").status_code == 403
    )
    client.post(f"/groups/on-call/availability/{first.pk}/withdraw/")
    assert OnCallAvailability.objects.count() == 1


def test_availability_bad_input_shows_a_message_and_saves_nothing(cast):
    client = cast.client("peer")
    past = (timezone.localdate() - timedelta(days=2)).strftime("%d/%m/%Y")
    response = client.post(
        "/groups/on-call/availability/", {"day": past, "starts": "18:00", "ends": "22:00", "weeks": "1"}
    )
    assert response.status_code == 400 and b"That time has passed" in response.content
    response = client.post(
        "/groups/on-call/availability/",
        {"day": "31/02/2030", "starts": "18:00", "ends": "22:00", "weeks": "1"},
    )
    assert response.status_code == 400
    response = client.post(
        "/groups/on-call/availability/",
        {"day": "1/3/2030", "starts": "18:00", "ends": "22:00", "weeks": "40"},
    )
    assert response.status_code == 400
    assert not OnCallAvailability.objects.exists()


def test_only_peer_supporters_have_an_availability_page(cast):
    assert cast.client("peer").get("/groups/on-call/availability/").status_code == 200
    for name in ("member", "volunteer", "coordinator"):
        assert cast.client(name).get("/groups/on-call/availability/").status_code == 403


# ---- taking a member's call ----


@pytest.fixture
def crisis_plan(cast):
    version = support_services.save_plan(
        actor=cast.actor("member"), person=cast.member, kind="crisis", content=CRISIS
    )
    support_services.name_supporter(actor=cast.actor("member"), plan=version.plan, peer=cast.peer)
    return version.plan


def _consent(cast, granted: bool) -> None:
    record_consent(
        actor=cast.actor("member"),
        person=cast.member,
        purpose=ConsentPurpose.SHARE_PLANS,
        granted=granted,
        method="online",
    )


def _on_call_now(cast):
    now = timezone.now()
    return on_call(cast, now - timedelta(hours=1), now + timedelta(hours=3))


def test_a_named_peer_on_call_with_consent_opens_the_plan_and_it_is_audited(cast, crisis_plan):
    _consent(cast, True)
    _on_call_now(cast)
    client = cast.client("peer")
    page = client.get("/groups/on-call/call/")
    assert [p.pk for p in page.context["plans"]] == [crisis_plan.pk]
    assert b"Pat Peer, until" in page.content  # who is on call now
    opened = client.get(f"/groups/on-call/call/?plan={crisis_plan.pk}")
    assert opened.status_code == 200
    assert b"Stay at home with someone I know" in opened.content and b"07700 900123" in opened.content
    event = AuditEvent.objects.filter(person=cast.member, action=AuditEvent.Action.VIEW).latest("id")
    assert event.summary == "Peer on call opened the crisis and support plan"


def test_the_call_page_refuses_the_plan_without_consent(cast, crisis_plan):
    _on_call_now(cast)
    client = cast.client("peer")
    assert client.get("/groups/on-call/call/").context["plans"] == []
    assert client.get(f"/groups/on-call/call/?plan={crisis_plan.pk}").status_code == 403
    _consent(cast, True)
    _consent(cast, False)  # withdrawn
    assert client.get(f"/groups/on-call/call/?plan={crisis_plan.pk}").status_code == 403
    assert AuditEvent.objects.filter(person=cast.member, action=AuditEvent.Action.DENIED).count() == 2
    assert not AuditEvent.objects.filter(person=cast.member, action=AuditEvent.Action.VIEW).exists()


def test_the_call_page_refuses_the_plan_to_a_peer_not_on_call(cast, crisis_plan):
    _consent(cast, True)
    client = cast.client("peer")
    page = client.get("/groups/on-call/call/")
    assert b"You are not on call now" in page.content and page.context["plans"] == []
    assert client.get(f"/groups/on-call/call/?plan={crisis_plan.pk}").status_code == 403
    later = timezone.now() + timedelta(hours=5)
    on_call(cast, later, later + timedelta(hours=2))  # on the rota, but not now
    assert client.get(f"/groups/on-call/call/?plan={crisis_plan.pk}").status_code == 403


def test_a_coordinator_taking_the_call_opens_the_plan_as_support_staff(cast, crisis_plan):
    client = cast.client("coordinator")
    page = client.get("/groups/on-call/call/")
    assert [p.pk for p in page.context["plans"]] == [crisis_plan.pk]
    assert b"Nobody is on call now" in page.content
    assert client.get(f"/groups/on-call/call/?plan={crisis_plan.pk}").status_code == 200
    assert AuditEvent.objects.filter(person=cast.member, action=AuditEvent.Action.VIEW).exists()


def test_the_call_page_is_for_call_takers_and_only_opens_crisis_plans_in_the_hub(cast, crisis_plan):
    for name in ("member", "volunteer", "commissioner", "broker"):
        assert cast.client(name).get("/groups/on-call/call/").status_code == 403, name
    client = cast.client("coordinator")
    goals = support_services.save_plan(
        actor=cast.actor("member"), person=cast.member, kind="goals", content={"goals": []}
    ).plan
    assert client.get(f"/groups/on-call/call/?plan={goals.pk}").status_code == 404
    assert client.get("/groups/on-call/call/?plan=nonsense").status_code == 404
    assert client.get("/groups/on-call/call/?plan=99999999999999").status_code == 404
    assert cast.client("outsider").get(f"/groups/on-call/call/?plan={crisis_plan.pk}").status_code == 404


def test_the_call_page_takes_the_same_number_of_queries_however_many_plans_and_peers(cast, crisis_plan):
    client = cast.client("coordinator")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/groups/on-call/call/").status_code == 200
        return len(ctx.captured_queries)

    _on_call_now(cast)
    few = count()
    now = timezone.now()
    for i in range(5):
        member = make_person(cast.hub, f"Member{i} Person", Role.MEMBER, login=False)
        support_services.save_plan(
            actor=cast.actor("coordinator"), person=member, kind="crisis", content=CRISIS
        )
        peer = make_person(cast.hub, f"Peer{i} Person", Role.PEER_SUPPORTER, login=False)
        on_call(cast, now - timedelta(hours=1), now + timedelta(hours=1), peer=peer)
    assert len(client.get("/groups/on-call/call/").context["plans"]) == 6
    assert count() == few
