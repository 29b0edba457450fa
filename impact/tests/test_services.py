from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from impact import queries, services
from impact.models import FinancialProxy, InstrumentDefinition, Measurement, SroiInput
from impact.tests.conftest import measure, ons4
from impact.tests.test_scoring import FICTIONAL

pytestmark = pytest.mark.django_db


def test_a_link_worker_records_a_paper_questionnaire_and_it_is_scored_and_audited(cast):
    m = measure(cast, cast.member, 4)
    assert (m.primary, m.bands["satisfied"], m.mode) == (4, "Low", Measurement.Mode.PAPER)
    assert m.scores["anxious"] == 5
    assert AuditEvent.objects.filter(
        person=cast.member, action="create", object_type="impact.measurement"
    ).exists()


def test_the_same_moment_again_is_a_correction_not_a_second_row(cast):
    measure(cast, cast.member, 4)
    again = measure(cast, cast.member, 6)
    assert Measurement.objects.filter(person=cast.member).count() == 1
    assert again.primary == 6
    assert AuditEvent.objects.filter(
        person=cast.member, action="update", object_type="impact.measurement"
    ).exists()


def test_a_member_fills_in_their_own_online_but_not_someone_elses(cast):
    mo = cast.actor("member")
    m = services.record_measurement(
        actor=mo,
        person=cast.member,
        instrument="ons4",
        moment="baseline",
        taken_on=date(2025, 6, 1),
        answers=ons4(7),
        mode=Measurement.Mode.ONLINE,
    )
    assert m.mode == "online"
    with pytest.raises(PermissionDenied):
        services.record_measurement(
            actor=mo,
            person=cast.member2,
            instrument="ons4",
            moment="baseline",
            taken_on=date(2025, 6, 1),
            answers=ons4(7),
        )


def test_staff_cannot_claim_a_paper_copy_was_filled_in_online(cast):
    with pytest.raises(DomainError, match="Only the member"):
        services.record_measurement(
            actor=cast.actor("link_worker"),
            person=cast.member,
            instrument="ons4",
            moment="baseline",
            taken_on=date(2025, 6, 1),
            answers=ons4(7),
            mode=Measurement.Mode.ONLINE,
        )


@pytest.mark.parametrize("who", ["outsider", "peer", "commissioner", "broker"])
def test_others_cannot_record_answers(cast, who):
    with pytest.raises(PermissionDenied):
        services.record_measurement(
            actor=cast.actor(who),
            person=cast.member,
            instrument="ons4",
            moment="baseline",
            taken_on=date(2025, 6, 1),
            answers=ons4(7),
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"instrument": "swemwbs"}, "No such questionnaire"),
        ({"moment": "follow_up_0"}, "when this was taken"),
        ({"moment": "later"}, "when this was taken"),
        ({"answers": {"satisfied": 12}}, "whole number from 0 to 10"),
        ({"taken_on": timezone.localdate() + timedelta(days=1)}, "future"),
    ],
)
def test_bad_measurements_are_refused_and_nothing_is_written(cast, kwargs, message):
    args = {
        "instrument": "ons4",
        "moment": "baseline",
        "taken_on": date(2025, 6, 1),
        "answers": ons4(5),
    } | kwargs
    with pytest.raises(DomainError, match=message):
        services.record_measurement(actor=cast.actor("link_worker"), person=cast.member, **args)
    assert not Measurement.objects.exists()


def test_a_missed_follow_up_is_a_gap_counted_as_lost_not_a_zero(cast):
    measure(cast, cast.member, 4)
    measure(cast, cast.member2, 5)
    measure(cast, cast.member2, 8, moment="follow_up_3", on=date(2025, 9, 1))
    services.record_measurement(
        actor=cast.actor("link_worker"),
        person=cast.member,
        instrument="ons4",
        moment="follow_up_3",
        taken_on=date(2025, 9, 1),
        mode=Measurement.Mode.MISSED,
    )
    missed = Measurement.objects.get(person=cast.member, moment="follow_up_3")
    assert (missed.primary, missed.scores) == (None, {})
    change = queries.cohort_change(
        cast.hub, queries.definitions_for(cast.hub)["ons4"], start=date(2025, 1, 1), end=date(2025, 12, 31)
    )
    assert (change.baselines, change.change.n, change.change.lost) == (2, 1, 1)
    assert change.change.mean_change == 3


def test_cohort_change_uses_the_latest_follow_up_and_only_baselines_in_the_period(cast):
    measure(cast, cast.member, 4)
    measure(cast, cast.member, 5, moment="follow_up_3", on=date(2025, 9, 1))
    measure(cast, cast.member, 7, moment="follow_up_6", on=date(2025, 12, 1))
    measure(cast, cast.member2, 2, on=date(2024, 1, 1))  # baseline before the period: not in this cohort
    measure(cast, cast.member2, 9, moment="follow_up_3", on=date(2025, 9, 1))
    change = queries.cohort_change(
        cast.hub, queries.definitions_for(cast.hub)["ons4"], start=date(2025, 1, 1), end=date(2025, 12, 31)
    )
    assert (change.change.n, change.change.mean_change, change.change.improved) == (1, 3, 1)
    assert [(m, n) for m, n, _ in change.by_moment] == [
        ("baseline", 1),
        ("follow_up_3", 1),
        ("follow_up_6", 1),
    ]
    assert change.bands_before == {"Low": 1} and change.bands_after == {"High": 1}


def test_a_hub_loads_a_licensed_definition_and_scores_with_its_conversion_table(cast):
    services.load_instrument(hub=cast.hub, data=FICTIONAL, licence_note="Licence 123", loaded_by="admin")
    assert "calm3" in queries.definitions_for(cast.hub)
    assert "calm3" not in queries.definitions_for(cast.other_hub)  # one hub's licence only
    m = services.record_measurement(
        actor=cast.actor("link_worker"),
        person=cast.member,
        instrument="calm3",
        moment="baseline",
        taken_on=date(2025, 6, 1),
        answers={"a": 4, "b": 2, "c": 5},
    )
    assert m.primary == 32.0


def test_loading_refuses_bad_definitions_missing_licences_and_shipped_codes(cast):
    with pytest.raises(DomainError, match="licence"):
        services.load_instrument(hub=cast.hub, data=FICTIONAL, licence_note=" ", loaded_by="admin")
    with pytest.raises(DomainError, match="'scores' is missing"):
        services.load_instrument(
            hub=cast.hub,
            data={"code": "x", "scale": {"min": 0, "max": 1}, "items": [{"key": "a", "text": "A"}]},
            licence_note="L",
            loaded_by="admin",
        )
    with pytest.raises(Conflict):
        services.load_instrument(
            hub=cast.hub, data=FICTIONAL | {"code": "ons4"}, licence_note="L", loaded_by="a"
        )
    assert not InstrumentDefinition.objects.exists()


def test_example_proxies_are_open_sourced_and_load_once(cast):
    data = json.loads(services.EXAMPLE_PROXIES.read_text())
    assert all(p["source"] and p["year"] for p in data["proxies"])
    assert not any("HACT" in p["source"] for p in data["proxies"])
    first = services.load_example_proxies(actor=cast.actor("coordinator"))
    again = services.load_example_proxies(actor=cast.actor("coordinator"))
    assert len(first) == len(data["proxies"]) and again == []
    with pytest.raises(PermissionDenied):
        services.load_example_proxies(actor=cast.actor("link_worker"))


def test_a_model_values_volunteer_time_at_its_hour_rate_and_counts_platform_quantities(cast):
    coordinator = cast.actor("coordinator")
    model = services.create_model(
        actor=coordinator,
        name="Live Well 2025",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        hour_value_pence=1200,
    )
    members = services.add_stakeholder(actor=coordinator, model=model, name="Members")
    services.add_input(
        actor=coordinator, model=model, description="Grant", kind="money", amount_pence=500_000
    )
    services.add_input(
        actor=coordinator, model=model, description="Volunteers", kind="volunteer_time", hours=Decimal("100")
    )
    proxy = services.add_proxy(
        actor=coordinator,
        name="Wellbeing",
        unit="person a year",
        value_pence=30000,
        source="Example",
        year=2010,
    )
    for person, before, after in [(cast.member, 3, 6), (cast.member2, 4, 8), (cast.peer, 5, 5)]:
        measure(cast, person, before)
        measure(cast, person, after, moment="follow_up_3", on=date(2025, 9, 1))
    services.add_outcome(
        actor=coordinator,
        model=model,
        stakeholder=members,
        proxy=proxy,
        description="Feel better",
        indicator="ONS4 life satisfaction up 1+",
        quantity_source="improved",
        instrument="ons4",
        duration_years=1,
    )
    view = queries.model_view(model)
    # Inputs: £5,000 + 100 h × £12 = £6,200. Two members improved by 1 or more: 2 × £300 / 1.035.
    assert view.total_inputs == 6200
    assert view.lines[0].quantity == 2
    assert view.result.present_value == pytest.approx(600 / 1.035)
    assert view.small_counts  # 2 people: hidden outside the team


def test_model_rules(cast):
    coordinator = cast.actor("coordinator")
    with pytest.raises(DomainError, match="ends before"):
        services.create_model(
            actor=coordinator, name="x", period_start=date(2025, 2, 1), period_end=date(2025, 1, 1)
        )
    with pytest.raises(PermissionDenied):
        services.create_model(
            actor=cast.actor("commissioner"),
            name="x",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 2, 1),
        )
    model = services.create_model(
        actor=coordinator, name="x", period_start=date(2025, 1, 1), period_end=date(2025, 2, 1)
    )
    assert model.hour_value_pence == queries.wage_pence(cast.hub)  # the time bank's wage by default
    with pytest.raises(DomainError, match="hours"):
        services.add_input(actor=coordinator, model=model, description="v", kind=SroiInput.Kind.MEMBER_TIME)
    with pytest.raises(DomainError, match="amount"):
        services.add_input(actor=coordinator, model=model, description="g", kind=SroiInput.Kind.MONEY)
    stakeholder = services.add_stakeholder(actor=coordinator, model=model, name="Members")
    proxy = FinancialProxy.objects.create(
        hub=cast.other_hub, name="p", unit="u", value_pence=1, source="s", year=1
    )
    with pytest.raises(DomainError, match="another hub"):
        services.add_outcome(
            actor=coordinator,
            model=model,
            stakeholder=stakeholder,
            proxy=proxy,
            description="d",
            indicator="i",
            quantity_source="entered",
        )
    mine = services.add_proxy(actor=coordinator, name="p", unit="u", value_pence=100, source="s", year=2020)
    with pytest.raises(DomainError, match="deadweight"):
        services.add_outcome(
            actor=coordinator,
            model=model,
            stakeholder=stakeholder,
            proxy=mine,
            description="d",
            indicator="i",
            quantity_source="entered",
            deadweight=Decimal("1.5"),
        )
    with pytest.raises(DomainError, match="questionnaire"):
        services.add_outcome(
            actor=coordinator,
            model=model,
            stakeholder=stakeholder,
            proxy=mine,
            description="d",
            indicator="i",
            quantity_source="improved",
            instrument="nope",
        )
    with pytest.raises(DomainError, match="source"):
        services.add_proxy(actor=coordinator, name="p", unit="u", value_pence=100, source=" ", year=2020)


def test_cost_lines_replace_per_event_and_need_a_source(cast):
    coordinator = cast.actor("coordinator")
    comparison = services.create_comparison(
        actor=coordinator,
        name="SUN-style",
        cohort="Members 2025",
        people=40,
        before_period="6 months before",
        after_period="6 months after",
        data_source="Hospital records",
    )
    args = {
        "actor": coordinator,
        "comparison": comparison,
        "event": "bed_days",
        "unit_cost_pence": 40000,
        "unit_cost_source": "Hub's own figure",
        "unit_cost_year": 2025,
    }
    services.set_cost_line(before=330, after=200, **args)
    services.set_cost_line(before=330, after=162, **args)
    lines = queries.comparison_lines(comparison)
    # SUN's bed days fell from 330 to 162 (seed 000, line 561): 168 days × £400 = £67,200.
    assert len(lines) == 1 and lines[0].avoided == 67_200
    with pytest.raises(DomainError):
        services.set_cost_line(before=1, after=1, **(args | {"unit_cost_source": ""}))
    with pytest.raises(DomainError):
        services.create_comparison(
            actor=coordinator,
            name="x",
            cohort="c",
            people=0,
            before_period="b",
            after_period="a",
            data_source="d",
        )


def test_funding_is_recorded_by_a_coordinator_only(cast):
    funding = services.record_funding(actor=cast.actor("coordinator"), commissioner=cast.outsider.user)
    assert funding.hub == cast.hub
    with pytest.raises(PermissionDenied):
        services.record_funding(actor=cast.actor("commissioner"), commissioner=cast.commissioner.user)


def test_the_support_provider_offers_instruments_with_links(cast, settings):
    from support.instruments import instruments_for

    baseline = instruments_for(hub=cast.hub, moment="baseline")
    codes = [i.code for i in baseline]
    assert "ons4" in codes and "own_goals" in codes and "gas" not in codes
    assert any(i.url == "/impact/questionnaires/ons4/?moment=baseline" for i in baseline)
    assert "gas" in [i.code for i in instruments_for(hub=cast.hub, moment="follow_up_3")]
