"""Erasure anonymises a member everywhere, keeps the books and the reports whole, and is all or nothing."""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta

import pytest
from axes.models import AccessLog
from django.apps import apps
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.test import RequestFactory
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEvent
from core.roles import Role
from core.testing import PASSWORD, actor_for, make_person
from people.models import ConsentEvent, Person, ProfileEntry, RoleGrant
from rights import erasure as erasure_engine
from rights import registry, services
from rights.models import RightsRequest
from rights.queries import subject_data
from rights.tests.conftest import IDENTIFIERS, SECRETS


def _erase(cast, *, by="coordinator"):
    request = services.make_request(actor=cast.actor("member"), person=cast.member, kind="erasure")
    return services.erase(actor=cast.actor(by), request=request, confirmed=True)


def _balances():
    from timebank.models import Account

    return dict(Account.objects.values_list("pk", "balance"))


def _reports(hub):
    from groups.queries import report as groups_report
    from impact.queries import report as impact_report
    from support.queries import support_report

    start, end = timezone.localdate() - timedelta(days=400), timezone.localdate() + timedelta(days=400)
    impact = impact_report(hub, start=start, end=end, suppressed=False)
    return {
        "impact_activity": dataclasses.asdict(impact.activity),
        "impact_changes": [
            (c.instrument, c.baselines, repr(c.change), c.by_moment, c.bands_before, c.bands_after)
            for c in impact.changes
        ],
        "impact_models": [(m.total_inputs, repr(m.result)) for m in impact.models],
        "impact_practice": repr(impact.practice),
        "support": dataclasses.asdict(support_report(hub, exact=True)),
        "groups": dataclasses.asdict(groups_report(hub, start=start, end=end, suppressed=False)),
    }


def _text_hits(needles: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a needle still appears, searching every text column of every
    table (JSON columns as their text)."""
    hits = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if not isinstance(f, models.CharField | models.TextField | models.JSONField):
                continue
            qs = model._base_manager.all()
            column = f.name
            if isinstance(f, models.JSONField):
                qs = qs.annotate(_text=Cast(f.name, models.TextField()))
                column = "_text"
            any_needle = Q()
            for needle in needles:
                any_needle |= Q(**{f"{column}__icontains": needle})
            if not qs.filter(any_needle).exists():
                continue
            for needle in needles:
                if qs.filter(**{f"{column}__icontains": needle}).exists():
                    hits.append((model._meta.db_table, f.column, needle))
    return hits


def test_erasing_a_member_keeps_the_books_and_the_reports_whole_and_leaves_no_trace(populated):
    """One erasure in a populated hub, checked three ways: the ledger, the reports, every text column."""
    from timebank.models import Account, Entry, Transfer
    from timebank.queries import ledger_problems

    cast = populated.cast
    hub = cast.hub
    needles = list(IDENTIFIERS.values()) + list(SECRETS.values()) + ["943 476 5919"]
    services.make_request(
        actor=cast.actor("member"), person=cast.member, kind="correction", detail=SECRETS["correction"]
    )
    # The checks would prove nothing if the data were not there to begin with.
    found = {needle for _, _, needle in _text_hits(needles)}
    assert found >= set(IDENTIFIERS.values()) | set(SECRETS.values())
    balances = _balances()
    assert balances[Account.objects.get(person=cast.member).pk] != 0
    entries = list(Entry.objects.order_by("pk").values_list("pk", "account_id", "minutes", "transfer_id"))
    transfers = list(Transfer.objects.order_by("pk").values_list("pk", "kind", "occurred_on", "posted_at"))
    ledger_rows = (Entry.objects.count(), Transfer.objects.count())
    reports = _reports(hub)
    assert reports["support"]["referrals"] > 0
    assert reports["impact_activity"]["hours_minutes"] > 0

    _erase(cast)

    # The books: check_ledger passes, every balance and every entry is as it was.
    assert ledger_problems()[0] == []
    call_command("check_ledger", stdout=io.StringIO())
    assert _balances() == balances
    assert (Entry.objects.count(), Transfer.objects.count()) == ledger_rows
    assert list(Entry.objects.order_by("pk").values_list("pk", "account_id", "minutes", "transfer_id")) == (
        entries
    )
    assert list(Transfer.objects.order_by("pk").values_list("pk", "kind", "occurred_on", "posted_at")) == (
        transfers
    )
    account = Account.objects.get(person=cast.member)
    assert account.name == f"Erased member {cast.member.pk}"
    assert not account.is_active
    # The reports: impact, support and groups give the same totals.
    assert _reports(hub) == reports
    # No trace: the name, contact details, NHS number and every word Mo wrote or had written about him.
    assert _text_hits(needles) == []
    # What is left to export is what is kept, with no name.
    data = subject_data(person=Person.objects.get(pk=cast.member.pk), viewer=cast.actor("coordinator"))
    text = repr(data.as_json())
    assert "Mo Member" not in text and SECRETS["session"] not in text
    assert {"timebank", "consent", "audit", "support"} <= {p.key for p in data.parts}


def test_the_person_is_anonymised_in_place_and_their_login_closed(cast):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from people import services as people_services

    mo = cast.member
    Person.objects.filter(pk=mo.pk).update(
        preferred_name="Mo M", pronouns="he/him", phone="07700 900461", address="1 Lane"
    )
    ProfileEntry.objects.create(person=mo, kind="need", text="A lift to the surgery")
    people_services.record_consent(
        actor=cast.actor("member"), person=mo, purpose="evaluation", granted=True, method="online"
    )
    user_id = mo.user_id
    TOTPDevice.objects.create(user_id=user_id, name="phone", confirmed=True)
    AccessLog.objects.create(
        username="mo", ip_address="192.0.2.1", user_agent="Firefox", attempt_time=timezone.now()
    )
    _erase(cast)
    mo = Person.objects.get(pk=mo.pk)
    assert mo.full_name == f"Erased member {mo.pk}"
    for name in ("preferred_name", "pronouns", "email", "phone", "address", "postcode", "nhs_number"):
        assert getattr(mo, name) == "", name
    assert mo.communication_needs == ""
    assert mo.date_of_birth is None
    assert mo.user_id is None
    assert not ProfileEntry.objects.filter(person=mo).exists()
    # Numbers and facts stay: roles, consent answers, enrolments.
    assert RoleGrant.objects.filter(person=mo, role=Role.MEMBER).exists()
    assert ConsentEvent.objects.filter(person=mo).exists()
    user = User.objects.get(pk=user_id)
    assert not user.is_active and not user.has_usable_password()
    assert user.username.startswith("erased-") and user.email == ""
    assert not TOTPDevice.objects.filter(user_id=user_id).exists()
    assert not AccessLog.objects.filter(username="mo").exists()
    assert authenticate(RequestFactory().post("/"), username="mo", password=PASSWORD) is None


def test_a_login_that_also_serves_another_hub_stays_open_there(cast):
    Person.objects.create(hub=cast.other_hub, user=cast.member.user, full_name="Mo Member")
    user_id = cast.member.user_id
    _erase(cast)
    user = User.objects.get(pk=user_id)
    assert user.is_active and user.has_usable_password()
    assert Person.objects.get(pk=cast.member.pk).user_id is None
    assert Person.objects.filter(hub=cast.other_hub, user_id=user_id, full_name="Mo Member").exists()


def test_erasure_is_all_or_nothing(populated, monkeypatch):
    cast = populated.cast
    request = services.make_request(actor=cast.actor("member"), person=cast.member, kind="erasure")
    events = AuditEvent.objects.count()

    def fail(erasure):
        raise RuntimeError("disk full")

    rules = registry.rules() + (registry.Rule(model="people.Person", part="profile", erase=fail),)
    monkeypatch.setattr(erasure_engine, "rules", lambda: rules)
    with pytest.raises(RuntimeError):
        services.erase(actor=cast.actor("coordinator"), request=request, confirmed=True)
    mo = Person.objects.get(pk=cast.member.pk)
    assert mo.full_name == "Mo Member" and mo.user_id is not None
    assert ProfileEntry.objects.filter(person=mo).exists()
    assert User.objects.get(pk=mo.user_id).is_active
    request.refresh_from_db()
    assert request.is_open
    assert AuditEvent.objects.count() == events
    assert _text_hits([SECRETS["session"], SECRETS["exchange"]]) != []


def test_the_request_the_erasure_and_the_completion_are_audited(cast):
    request = _erase(cast)
    assert request.status == RightsRequest.Status.DONE
    assert request.completed_by_label == "Cora Coordinator"
    events = AuditEvent.objects.filter(person=cast.member).order_by("pk")
    rights = list(events.filter(action=AuditEvent.Action.RIGHTS).values_list("summary", flat=True))
    assert rights == ["Asked: erase my record", "Done: erase my record"]
    erased = events.get(action=AuditEvent.Action.ERASE)
    assert erased.actor_label == "Cora Coordinator"
    assert "rows in" in erased.summary


def test_it_is_refused_without_the_confirmation(cast):
    request = services.make_request(actor=cast.actor("member"), person=cast.member, kind="erasure")
    with pytest.raises(DomainError, match="Confirm"):
        services.erase(actor=cast.actor("coordinator"), request=request, confirmed=False)
    assert Person.objects.get(pk=cast.member.pk).full_name == "Mo Member"


def test_the_record_cannot_be_erased_twice(cast):
    _erase(cast)
    with pytest.raises(DomainError, match="already been erased"):
        services.make_request(actor=cast.actor("coordinator"), person=cast.member, kind="erasure")


# ---- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["link_worker", "broker", "member", "member2", "administrator"])
def test_only_a_coordinator_or_administrator_other_than_the_person_erases(cast, who):
    request = services.make_request(actor=cast.actor("member"), person=cast.member, kind="erasure")
    if who == "administrator":
        done = services.erase(actor=cast.actor(who), request=request, confirmed=True)
        assert done.status == RightsRequest.Status.DONE
        return
    with pytest.raises(PermissionDenied):
        services.erase(actor=cast.actor(who), request=request, confirmed=True)


def test_it_is_refused_for_another_hubs_person(cast):
    request = services.make_request(
        actor=cast.actor("other_member"), person=cast.other_member, kind="erasure"
    )
    with pytest.raises(PermissionDenied):
        services.erase(actor=cast.actor("coordinator"), request=request, confirmed=True)
    with pytest.raises(PermissionDenied):
        services.make_request(actor=cast.actor("coordinator"), person=cast.other_member, kind="erasure")
    assert Person.objects.get(pk=cast.other_member.pk).full_name == "Nina Northgate"


def test_it_is_refused_while_the_person_holds_a_staff_role(cast):
    request = services.make_request(actor=cast.actor("coordinator"), person=cast.broker, kind="erasure")
    with pytest.raises(DomainError, match="staff role \\(Time-bank broker\\)"):
        services.erase(actor=cast.actor("administrator"), request=request, confirmed=True)
    assert Person.objects.get(pk=cast.broker.pk).full_name == "Bea Broker"


def test_it_is_refused_while_an_exchange_waits_or_a_referral_is_open(cast):
    from support.models import Referral, SupportService
    from timebank import services as timebank_services

    broker = cast.actor("broker")
    mo = timebank_services.join(actor=broker, person=cast.member)
    mia = timebank_services.join(actor=broker, person=cast.member2)
    exchange = timebank_services.record_exchange(
        actor=actor_for(cast.member), giver=mo, receiver=mia, minutes=30, category="diy", description="Shelf"
    )
    service = SupportService.objects.create(hub=cast.hub, name="Live Well")
    Referral.objects.create(
        hub=cast.hub, service=service, person=cast.member, full_name="Mo", source="self", channel="staff"
    )
    request = services.make_request(actor=cast.actor("member"), person=cast.member, kind="erasure")
    with pytest.raises(DomainError) as caught:
        services.erase(actor=cast.actor("coordinator"), request=request, confirmed=True)
    assert "1 time-bank exchange still waits" in caught.value.message
    assert "1 support referral is still open" in caught.value.message
    timebank_services.confirm_exchange(actor=actor_for(cast.member2), exchange=exchange)
    Referral.objects.update(status="closed", close_reason="goals_met")
    assert services.erase(actor=cast.actor("coordinator"), request=request, confirmed=True).status == "done"


def test_it_is_refused_while_the_peer_is_on_the_rota(cast):
    from support.models import OnCallPeriod

    start = timezone.now() + timedelta(days=2)
    end = start + timedelta(hours=3)
    OnCallPeriod.objects.create(hub=cast.hub, peer=cast.peer, starts_at=start, ends_at=end)
    request = services.make_request(actor=cast.actor("peer"), person=cast.peer, kind="erasure")
    with pytest.raises(DomainError, match="on-call rota 1 more time"):
        services.erase(actor=cast.actor("coordinator"), request=request, confirmed=True)


def test_the_sweep_replaces_whole_identifiers_only(cast):
    other = make_person(cast.hub, "Mo Member-Jones", Role.MEMBER, login=False, email="mmj@example.org")
    theirs = ProfileEntry.objects.create(
        person=other, kind="skill", text="Ask demo@example.org or Mo Member-Jones"
    )
    about = ProfileEntry.objects.create(
        person=cast.member2, kind="hope", text="Walk with Mo Member, mo@example.org."
    )
    _erase(cast)
    assert Person.objects.get(pk=other.pk).full_name == "Mo Member-Jones"
    theirs.refresh_from_db()
    assert theirs.text == "Ask demo@example.org or Mo Member-Jones"
    about.refresh_from_db()
    label = f"Erased member {cast.member.pk}"
    assert about.text == f"Walk with {label}, {label}."
