"""Reads: the lists and summaries the pages and the impact app use."""

from __future__ import annotations

import pytest

from practice import queries, services
from practice.models import Round
from practice.tests.conftest import MEMBER_C, answered_round, ratings
from practice.wedge import percent

pytestmark = pytest.mark.django_db


def test_rounds_for_hub_count_answers_and_invitations(cast):
    answered_round(cast, title="Spring")
    services.open_round(actor=cast.actor("coordinator"), title="Empty", about="Team")
    rows = {r.title: (r.answered, r.invited) for r in queries.rounds_for_hub(cast.hub)}
    assert rows == {"Spring": (4, 2), "Empty": (0, 0)}
    assert list(queries.rounds_for_hub(cast.other_hub)) == []


def test_invitations_waiting_leave_out_answered_and_closed_rounds(cast):
    cora = cast.actor("coordinator")
    first = services.open_round(actor=cora, title="First", about="Team")
    second = services.open_round(actor=cora, title="Second", about="Team")
    third = answered_round(cast, title="Closed")
    for round_ in (first, second):
        services.invite(actor=cora, round_=round_, person=cast.member)
    services.submit_named(actor=cast.actor("member"), round_=first, ratings=ratings(first, MEMBER_C))
    assert [i.round.title for i in queries.invitations_waiting(cast.member)] == ["Second"]
    assert queries.invitations_waiting(None) == []
    assert third.status == Round.Status.CLOSED


def test_round_invitations_say_who_has_answered(cast):
    round_ = answered_round(cast, close=False)
    services.invite(actor=cast.actor("coordinator"), round_=round_, person=cast.member2)
    answered = {i.person.full_name: i.answered for i in queries.round_invitations(round_)}
    assert answered == {"Cora Coordinator": True, "Lin Linkworker": True, "Mia Member": False}


def test_respondent_counts_split_by_side(cast):
    assert queries.respondent_counts(answered_round(cast)) == {"staff": 2, "members": 2}


def test_the_latest_closed_round_and_depth_are_the_newest(cast):
    answered_round(cast, title="Spring")
    autumn = answered_round(cast, title="Autumn")
    assert queries.latest_closed_round(cast.hub) == autumn
    assert queries.latest_depth(cast.hub) is None
    answers = dict.fromkeys(("recognised", "feedback", "power", "delivery", "whole_team", "community"), True)
    services.record_depth(
        actor=cast.actor("coordinator"), about="Team", answers=answers, plans="together", delivers="together"
    )
    assert queries.latest_depth(cast.hub).verdict == "transformative"


def test_history_rows_give_percentages_per_round(cast):
    answered_round(cast, title="Spring")
    rows = dict(queries.history(cast.hub).rows)
    assert rows["Assets"] == ["75%"]
    assert rows["Catalysts"] == ["0%"]
    assert list(rows) == ["Assets", "Capabilities", "Mutuality", "Networks", "Blurring roles", "Catalysts"]


def test_history_without_closed_rounds_is_empty_but_drawable(cast):
    result = queries.history(cast.hub)
    assert result.rounds == [] and "<svg" in result.svg


def test_the_summary_costs_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    for n in range(3):
        answered_round(cast, title=f"R{n}")
    with django_assert_max_num_queries(4):
        summary = queries.hub_practice_summary(cast.hub)
    assert summary["round"] == "R2"


def test_the_weakest_principles_skip_ones_without_answers():
    scores = [
        queries.PrincipleScore("assets", "Assets", None, None),
        queries.PrincipleScore("networks", "Networks", 0.5, 0.5),
        queries.PrincipleScore("catalysts", "Catalysts", 0.2, None),
    ]
    assert [s.key for s in queries.weakest_principles(scores)] == ["catalysts", "networks"]
    assert queries.weakest_principles(scores, how_many=1)[0].key == "catalysts"


def test_actions_and_plans_lists(cast):
    from datetime import date

    cora = cast.actor("coordinator")
    plan = services.create_plan(actor=cora, title="Plan")
    priority = services.add_priority(actor=cora, plan=plan, title="P")
    for status in ("done", "under_way"):
        action = services.add_action(
            actor=cora,
            priority=priority,
            text=status,
            principle="assets",
            staff_lead=cast.link_worker,
            member_lead=cast.member,
            due_on=date(2027, 1, 1),
            review_on=date(2027, 1, 1),
        )
        services.set_action_status(actor=cora, action=action, status=status)
    row = queries.plans_for_hub(cast.hub).get()
    assert (row.priority_count, row.action_count, row.done_count) == (1, 2, 1)
    detail = queries.plan_detail(plan)
    assert [a.text for a in detail.priorities.all()[0].actions.all()] == ["done", "under_way"]


def test_percent_reads_plainly():
    assert percent(None) == "no answers"
    assert percent(0) == "0%"
    assert percent(2 / 3) == "67%"
