"""The on-call rota built on support's periods: availability, cover and its gaps, and time-bank credit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from groups import queries, services
from groups.models import OnCallAvailability, OnCallCredit, RotaSettings
from support import services as support_services
from support.models import OnCallPeriod
from timebank import services as timebank_services
from timebank.models import Account, Transfer

LONDON = timezone.get_current_timezone()


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def on_call(cast, starts_at, ends_at, peer=None):
    return support_services.schedule_on_call(
        actor=cast.actor("coordinator"), peer=peer or cast.peer, starts_at=starts_at, ends_at=ends_at
    )


# ---- availability ----


def test_a_peer_says_when_they_can_be_on_call_for_several_weeks(cast):
    monday = next_monday()
    rows = services.add_availability(
        actor=cast.actor("peer"), peer=cast.peer, starts_at=at(monday, 18), ends_at=at(monday, 22), weeks=3
    )
    assert [r.starts_at for r in rows] == [at(monday + timedelta(weeks=i), 18) for i in range(3)]
    assert OnCallAvailability.objects.filter(peer=cast.peer).count() == 3
    assert AuditEvent.objects.filter(person=cast.peer, summary="Available for on call: 3 times").exists()


def test_availability_is_refused_for_people_who_are_not_peers_and_for_other_peoples_times(cast):
    monday = next_monday()
    span = {"starts_at": at(monday, 18), "ends_at": at(monday, 22)}
    with pytest.raises(DomainError, match="not a peer supporter"):
        services.add_availability(actor=cast.actor("coordinator"), peer=cast.member, **span)
    with pytest.raises(PermissionDenied):
        services.add_availability(actor=cast.actor("member"), peer=cast.peer, **span)
    with pytest.raises(PermissionDenied):
        services.add_availability(actor=cast.actor("outsider"), peer=cast.peer, **span)
    # A coordinator may write it down for the peer.
    services.add_availability(actor=cast.actor("coordinator"), peer=cast.peer, **span)
    assert OnCallAvailability.objects.count() == 1


def test_availability_must_be_to_come_in_order_and_not_overlap_the_peers_own(cast):
    peer, monday = cast.actor("peer"), next_monday()
    now = timezone.now()
    with pytest.raises(DomainError, match="has passed"):
        services.add_availability(
            actor=peer, peer=cast.peer, starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1)
        )
    with pytest.raises(DomainError, match="after the start"):
        services.add_availability(
            actor=peer, peer=cast.peer, starts_at=at(monday, 18), ends_at=at(monday, 18)
        )
    with pytest.raises(DomainError, match="time zone"):
        services.add_availability(
            actor=peer,
            peer=cast.peer,
            starts_at=datetime(2030, 1, 1, 9),  # noqa: DTZ001 - naive on purpose
            ends_at=datetime(2030, 1, 1, 10),  # noqa: DTZ001
        )
    with pytest.raises(DomainError, match="week or less"):
        services.add_availability(
            actor=peer, peer=cast.peer, starts_at=at(monday, 9), ends_at=at(monday, 9) + timedelta(days=8)
        )
    with pytest.raises(DomainError, match="number of weeks"):
        services.add_availability(
            actor=peer, peer=cast.peer, starts_at=at(monday, 9), ends_at=at(monday, 10), weeks=13
        )
    services.add_availability(actor=peer, peer=cast.peer, starts_at=at(monday, 18), ends_at=at(monday, 22))
    with pytest.raises(Conflict):
        services.add_availability(
            actor=peer, peer=cast.peer, starts_at=at(monday, 21), ends_at=at(monday, 23)
        )
    in_two_weeks = monday + timedelta(weeks=2)
    services.add_availability(
        actor=peer, peer=cast.peer, starts_at=at(in_two_weeks, 9), ends_at=at(in_two_weeks, 12)
    )
    with pytest.raises(Conflict):
        # The third of three weekly repeats lands on the morning already given: none is saved.
        services.add_availability(
            actor=peer, peer=cast.peer, starts_at=at(monday, 10), ends_at=at(monday, 11), weeks=3
        )
    assert OnCallAvailability.objects.count() == 2


def test_a_peer_withdraws_their_own_availability_but_not_someone_elses(cast):
    monday = next_monday()
    (row,) = services.add_availability(
        actor=cast.actor("peer"), peer=cast.peer, starts_at=at(monday, 18), ends_at=at(monday, 22)
    )
    with pytest.raises(PermissionDenied):
        services.withdraw_availability(actor=cast.actor("volunteer"), availability=row)
    services.withdraw_availability(actor=cast.actor("peer"), availability=row)
    assert not OnCallAvailability.objects.exists()
    assert AuditEvent.objects.filter(summary="Withdrew on-call availability", person=cast.peer).exists()


# ---- cover and gaps ----


def test_a_hub_that_has_not_chosen_asks_for_every_hour(cast):
    settings = queries.rota_settings(cast.hub)
    assert settings.hours_on(0) == set(range(24))
    rota = queries.week_rota(cast.hub, start=next_monday())
    assert (rota.hours_needed, rota.hours_covered) == (168, 0)
    assert len(rota.gaps) == 7  # one whole-day gap per day


def test_evening_cover_and_overnight_cover(cast):
    coordinator = cast.actor("coordinator")
    settings = services.set_rota_cover(
        actor=coordinator, days=["0", "1", "2", "3", "4"], from_hour=18, to_hour=22
    )
    assert settings.hours_on(0) == {18, 19, 20, 21}
    assert settings.hours_on(5) == set()
    settings = services.set_rota_cover(actor=coordinator, days=["5", "6"], from_hour=20, to_hour=8)
    assert settings.hours_on(6) == {20, 21, 22, 23, 0, 1, 2, 3, 4, 5, 6, 7}
    assert RotaSettings.objects.get(hub=cast.hub).cover_days == "56"


def test_rota_cover_refuses_bad_hours_and_other_roles(cast):
    coordinator = cast.actor("coordinator")
    for bad in (
        {"days": [], "from_hour": 0, "to_hour": 24},
        {"days": ["7"], "from_hour": 0, "to_hour": 24},
        {"days": ["0"], "from_hour": 24, "to_hour": 24},
        {"days": ["0"], "from_hour": 9, "to_hour": 9},
        {"days": ["0"], "from_hour": 9, "to_hour": 25},
        {"days": ["0"], "from_hour": "9", "to_hour": 17},
    ):
        with pytest.raises(DomainError):
            services.set_rota_cover(actor=coordinator, **bad)
    with pytest.raises(PermissionDenied):
        services.set_rota_cover(actor=cast.actor("peer"), days=["0"], from_hour=9, to_hour=17)
    assert not RotaSettings.objects.exists()


def test_gaps_are_the_wanted_hours_nobody_covers_whole(cast):
    monday = next_monday()
    services.set_rota_cover(actor=cast.actor("coordinator"), days=["0"], from_hour=18, to_hour=24)
    on_call(cast, at(monday, 18), at(monday, 20))
    # Half an hour short: 21:00–22:00 is only partly covered, so it is still a gap.
    on_call(cast, at(monday, 20), at(monday, 21) + timedelta(minutes=30))
    rota = queries.week_rota(cast.hub, start=monday)
    assert (rota.hours_needed, rota.hours_covered) == (6, 3)
    assert [(g.starts_at, g.ends_at) for g in rota.gaps] == [
        (at(monday, 21), at(monday + timedelta(days=1), 0))
    ]
    assert rota.gaps[0].hours == 3
    assert rota.days[0].periods and not rota.days[1].periods


def test_a_cancelled_period_leaves_a_gap_and_overlapping_peers_cover_together(cast):
    monday = next_monday()
    services.set_rota_cover(actor=cast.actor("coordinator"), days=["1"], from_hour=9, to_hour=17)
    other = cast.peer.__class__.objects.create(hub=cast.hub, full_name="Pip Peer")
    other.role_grants.create(role="peer_supporter")
    tuesday = monday + timedelta(days=1)
    on_call(cast, at(tuesday, 9), at(tuesday, 13))
    on_call(cast, at(tuesday, 12), at(tuesday, 17), peer=other)
    assert queries.week_rota(cast.hub, start=monday).gaps == []
    period = OnCallPeriod.objects.get(peer=other)
    support_services.cancel_on_call(actor=cast.actor("coordinator"), period=period)
    rota = queries.week_rota(cast.hub, start=monday)
    assert [(g.starts_at, g.ends_at) for g in rota.gaps] == [(at(tuesday, 13), at(tuesday, 17))]


def test_a_day_when_the_clocks_go_back_has_twenty_five_hours_to_cover(cast):
    # The last Sunday of October 2030 is the 27th: 01:00–02:00 happens twice in London.
    sunday = date(2030, 10, 27)
    rota = queries.week_rota(cast.hub, start=queries.week_start(sunday))
    assert rota.days[6].day == sunday
    assert rota.hours_needed == 169


# ---- crediting time on call ----


@pytest.fixture
def peer_account(cast):
    return timebank_services.join(actor=cast.actor("coordinator"), person=cast.peer)


def test_completed_on_call_time_is_credited_once_at_the_hubs_rate(cast, peer_account):
    coordinator = cast.actor("coordinator")
    timebank_services.update_settings(actor=coordinator, hub=cast.hub, on_call_minutes_per_hour=20)
    now = timezone.now().replace(microsecond=0)
    done = on_call(cast, now - timedelta(hours=30), now - timedelta(hours=25))  # 5 hours, over
    on_call(cast, now - timedelta(hours=2), now + timedelta(hours=2))  # still going: not yet
    before = Account.objects.get(pk=peer_account.pk).balance
    start, end = now - timedelta(days=7), now + timedelta(days=1)
    run = services.credit_on_call_time(actor=coordinator, start=start, end=end)
    assert [(c.period, c.hours) for c in run.credited] == [(done, 5)]
    assert Account.objects.get(pk=peer_account.pk).balance == before + 5 * 20
    transfer = run.credited[0].transfer
    assert transfer.kind == Transfer.Kind.ON_CALL
    again = services.credit_on_call_time(actor=coordinator, start=start, end=end)
    assert again.credited == [] and again.skipped == []
    assert OnCallCredit.objects.count() == 1
    assert Account.objects.get(pk=peer_account.pk).balance == before + 100
    assert Transfer.objects.filter(kind=Transfer.Kind.ON_CALL).count() == 1


def test_cancelled_short_and_unbanked_periods_earn_nothing(cast):
    coordinator = cast.actor("coordinator")
    now = timezone.now().replace(microsecond=0)
    no_account = on_call(cast, now - timedelta(hours=10), now - timedelta(hours=8))
    run = services.credit_on_call_time(actor=coordinator, start=now - timedelta(days=1), end=now)
    assert run.credited == [] and run.skipped == [(no_account, "no approved time-bank account")]
    timebank_services.join(actor=coordinator, person=cast.peer)
    short = on_call(cast, now - timedelta(hours=6), now - timedelta(hours=5, minutes=15))
    cancelled = on_call(cast, now - timedelta(hours=4), now - timedelta(hours=1))
    support_services.cancel_on_call(actor=coordinator, period=cancelled)
    run = services.credit_on_call_time(actor=coordinator, start=now - timedelta(days=1), end=now)
    assert [c.period for c in run.credited] == [no_account]  # now it has an account
    assert run.skipped == [(short, "shorter than an hour")]
    assert not OnCallCredit.objects.filter(period__in=[short, cancelled]).exists()


def test_only_periods_ending_in_the_week_asked_for_are_credited(cast, peer_account):
    coordinator = cast.actor("coordinator")
    now = timezone.now().replace(microsecond=0)
    earlier = on_call(cast, now - timedelta(days=10), now - timedelta(days=10) + timedelta(hours=3))
    later = on_call(cast, now - timedelta(days=2), now - timedelta(days=2) + timedelta(hours=2))
    run = services.credit_on_call_time(actor=coordinator, start=now - timedelta(days=7), end=now)
    assert [c.period for c in run.credited] == [later]
    assert not OnCallCredit.objects.filter(period=earlier).exists()


def test_a_hub_that_gives_no_credit_for_on_call_posts_nothing(cast, peer_account):
    coordinator = cast.actor("coordinator")
    timebank_services.update_settings(actor=coordinator, hub=cast.hub, on_call_minutes_per_hour=0)
    now = timezone.now().replace(microsecond=0)
    on_call(cast, now - timedelta(hours=5), now - timedelta(hours=2))
    with pytest.raises(DomainError, match="no credit for time on call"):
        services.credit_on_call_time(actor=coordinator, start=now - timedelta(days=1), end=now)
    assert not OnCallCredit.objects.exists()


def test_only_a_coordinator_of_the_hub_credits_its_on_call_time(cast, peer_account):
    now = timezone.now().replace(microsecond=0)
    on_call(cast, now - timedelta(hours=5), now - timedelta(hours=2))
    for name in ("peer", "broker", "link_worker"):
        with pytest.raises(PermissionDenied):
            services.credit_on_call_time(actor=cast.actor(name), start=now - timedelta(days=7), end=now)
    # Another hub's coordinator credits only their own hub's periods.
    run = services.credit_on_call_time(actor=cast.actor("outsider"), start=now - timedelta(days=7), end=now)
    assert run.credited == [] and not OnCallCredit.objects.exists()
