"""What the report shows, section by section, for the team and outside it: one place applies the rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from impact import presenting, queries, services
from impact.tests.conftest import measure

pytestmark = pytest.mark.django_db
START, END = date(2025, 1, 1), date(2025, 12, 31)


def report(cast, suppressed: bool):
    return queries.report(cast.hub, start=START, end=END, suppressed=suppressed)


def section(cast, key: str, suppressed: bool):
    return next(s for s in presenting.sections(report(cast, suppressed)) if s.key == key)


def cells(sec) -> list[str]:
    return [str(c) for t in sec.tables for row in t.rows for c in row]


def many_members(cast, n: int):
    from core.roles import Role
    from core.testing import make_person

    people = []
    for i in range(n):
        person = make_person(cast.hub, f"P{i} Test", Role.MEMBER, login=False)
        people.append(person)
    return people


def test_sections_come_in_the_reports_order():
    keys = [s.key for s in presenting.sections(_empty_report())]
    assert keys == ["outcomes", "activity", "social-value", "costs", "co-production"]


def _empty_report():
    from impact.queries import Activity, Report

    return Report(
        hub=None,
        start=START,
        end=END,
        suppressed=True,
        activity=Activity(0, 0, 0, 0, 0, 0),  # type: ignore[arg-type]
        changes=[],
        models=[],
        comparisons=[],
        practice=None,
        wedge_svg="",
    )


def test_an_empty_report_says_so_in_every_section():
    by_key = {s.key: s for s in presenting.sections(_empty_report())}
    assert by_key["outcomes"].intro == "No questionnaires with a baseline in this period."
    assert by_key["social-value"].intro == "No SROI model covers this period."
    assert by_key["costs"].intro == "No cost-avoided calculator has been filled in."
    assert by_key["co-production"].intro == "Not measured yet."


def test_outcomes_with_enough_people_are_exact_with_mean_interval_bands_and_trend(cast):
    # Twelve people: baseline 4 → follow-up 6 for eight (improved), 5 → 5 for four (same).
    people = many_members(cast, 12)
    for i, person in enumerate(people):
        before, after = (4, 6) if i < 8 else (5, 5)
        measure(cast, person, before)
        measure(cast, person, after, moment="follow_up_3", on=date(2025, 9, 1))
    sec = section(cast, "outcomes", suppressed=True)
    who = sec.tables[0]
    # 8 improved (about 10), 4 the same (hidden), 0 worse, 0 lost; total 12 → about 10.
    assert [r[1] for r in who.rows] == ["about 10", "fewer than 5", "0", "0", "about 10"]
    assert not any("(n)" in r[0] for r in who.rows)  # n would give the hidden 4 away
    assert "fewer than 5" in who.rows[1][1]  # 4 people the same: hidden, the rest rounded
    assert who.rows[0][1] == "about 10" and who.rows[-1][1] == "about 10"
    assert any("Some counts are below 5" in note for note in sec.notes)
    # n is 12 (not small): the mean change is shown. Mean change = (8 × 2 + 4 × 0) / 12 = 1.33.
    mean = sec.tables[1]
    assert ["Mean change", "+1.33"] in mean.rows and ["People (n)", "see above"] in mean.rows
    # Bands would need exact counts, and a band here holds 4: not shown outside the team.
    assert not any("bands before and after" in t.caption for t in sec.tables)


def test_the_team_sees_every_count_exactly_with_bands_and_charts(cast):
    people = many_members(cast, 12)
    for i, person in enumerate(people):
        before, after = (4, 6) if i < 8 else (5, 5)
        measure(cast, person, before)
        measure(cast, person, after, moment="follow_up_3", on=date(2025, 9, 1))
    sec = section(cast, "outcomes", suppressed=False)
    assert sec.tables[0].rows[:3] == [
        ["Improved by 1 or more", "8"],
        ["About the same", "4"],
        ["Worse by 1 or more", "0"],
    ]
    bands = next(t for t in sec.tables if "bands before and after" in t.caption)
    # Baseline: 8 at 4 (Low) and 4 at 5 (Medium). Follow-up: 8 at 6 (Medium), 4 at 5 (Medium).
    assert bands.rows == [
        ["Low", "8", "0"],
        ["Medium", "4", "12"],
        ["High", "0", "0"],
        ["Very high", "0", "0"],
    ]
    trend = next(t for t in sec.tables if "over time" in t.caption)
    # Baseline mean (8 × 4 + 4 × 5) / 12 = 4.33; follow-up (8 × 6 + 4 × 5) / 12 = 5.67.
    assert trend.rows == [["Baseline", "12", "4.33"], ["3 months", "12", "5.67"]]
    assert len(sec.charts) == 2 and all(svg.startswith("<svg") for svg in sec.charts)


def test_every_outcome_table_states_its_period(cast):
    people = many_members(cast, 6)
    for person in people:
        measure(cast, person, 4)
        measure(cast, person, 7, moment="follow_up_3", on=date(2025, 9, 1))
    for suppressed in (True, False):
        for table in section(cast, "outcomes", suppressed).tables:
            assert "1 January 2025 to 31 December 2025" in table.caption


def test_activity_counts_are_hidden_when_small_outside_the_team(cast):
    from support.models import Referral, SupportService

    service = SupportService.objects.create(hub=cast.hub, name="Live Well")
    for i in range(3):
        Referral.objects.create(
            hub=cast.hub,
            service=service,
            full_name=f"R{i}",
            source="gp",
            channel="staff",
            received_at=datetime(2025, 5, 1, tzinfo=UTC),
        )
    outside = dict((r[0], r[1]) for r in section(cast, "activity", True).tables[0].rows)
    team = dict((r[0], r[1]) for r in section(cast, "activity", False).tables[0].rows)
    assert outside["Referrals received"] == "fewer than 5" and team["Referrals received"] == "3"
    assert outside["Support sessions held"] == "0"


def _model(cast, quantity: str):
    coordinator = cast.actor("coordinator")
    model = services.create_model(actor=coordinator, name="Entered", period_start=START, period_end=END)
    stakeholder = services.add_stakeholder(actor=coordinator, model=model, name="Members")
    services.add_input(
        actor=coordinator, model=model, description="Grant", kind="money", amount_pence=100_000
    )
    proxy = services.add_proxy(
        actor=coordinator, name="P", unit="person", value_pence=50_000, source="S", year=2024
    )
    services.add_outcome(
        actor=coordinator,
        model=model,
        stakeholder=stakeholder,
        proxy=proxy,
        description="Jobs",
        indicator="In work",
        quantity_source="entered",
        quantity=Decimal(quantity),
    )
    return model


def test_a_model_with_an_entered_count_below_5_is_not_shown_outside_the_team(cast):
    _model(cast, "3")
    outside = section(cast, "social-value", True)
    assert outside.tables == [] and "Entered: not shown" in outside.notes[0]
    team = section(cast, "social-value", False)
    results = next(t for t in team.tables if "social return" in t.caption)
    # 3 × £500 / 1.035 = £1,449.28 on £1,000: ratio 1.45.
    assert ["SROI ratio", "£1.45 : £1"] in results.rows


def test_a_model_with_enough_people_is_shown_with_its_sources(cast):
    _model(cast, "12")
    sec = section(cast, "social-value", True)
    impact_map = next(t for t in sec.tables if "impact map" in t.caption)
    assert impact_map.rows[0][3] == "12" and "£500.00 per person (2024): S" in impact_map.rows[0][5]
    results = next(t for t in sec.tables if "social return" in t.caption)
    # 12 × £500 / 1.035 = £5,797.10 on £1,000.
    assert ["SROI ratio", "£5.80 : £1"] in results.rows
    assert ["Discount rate", "3.5% a year"] in results.rows
    assert len(sec.charts) == 1


def test_sensitivity_rows_say_when_no_value_reaches_one_to_one(cast):
    _model(cast, "12")
    sens = next(t for t in section(cast, "social-value", False).tables if "sensitivity" in t.caption)
    rows = {(r[0], r[1]): r for r in sens.rows}
    # Quantity for 1:1: 12 × 1,000 / 5,797.10 = 2.07 people.
    assert rows[("Jobs", "quantity")][5] == "2.07"
    # Drop-off cannot matter for a one-year outcome: no value reaches 1:1.
    assert rows[("Jobs", "drop off")][5] == "no value does"
    assert rows[("Whole model", "inputs")][5] == "£5,797.10"
