"""Service rules: rounds, anonymity, co-led actions, depth verdicts, the portfolio and the summary
the impact app reads."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import models

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from core.roles import Role
from core.testing import make_person
from practice import queries, services
from practice.frameworks import DEFAULT_STATEMENTS, PRINCIPLE_KEYS
from practice.models import Action, Perspective, Response, RoundItem, Statement
from practice.tests.conftest import MEMBER_C, STAFF_A, answered_round, ratings

pytestmark = pytest.mark.django_db

DUE = date(2027, 3, 1)
REVIEW = date(2027, 2, 1)


def open_round(cast, title="Spring reflection"):
    return services.open_round(actor=cast.actor("coordinator"), title=title, about="Live Well team")


# ---- statements and rounds ----


def test_opening_a_round_gives_the_hub_the_default_statements_and_copies_them(cast):
    round_ = open_round(cast)
    assert Statement.objects.filter(hub=cast.hub).count() == len(DEFAULT_STATEMENTS)
    items = list(round_.items.all())
    assert len(items) == len(DEFAULT_STATEMENTS)
    # Grouped by principle, in the principles' order.
    order = [PRINCIPLE_KEYS.index(i.principle) for i in items]
    assert order == sorted(order)
    assert AuditEvent.objects.filter(action="create", object_type="practice.round").count() == 1


def test_editing_a_statement_leaves_rounds_already_open_unchanged(cast):
    round_ = open_round(cast)
    statement = Statement.objects.filter(hub=cast.hub, principle="assets").first()
    old = statement.text
    services.update_statement(
        actor=cast.actor("coordinator"),
        statement=statement,
        principle="assets",
        text="Rewritten",
        active=True,
    )
    assert RoundItem.objects.filter(round=round_, text=old).exists()
    assert not RoundItem.objects.filter(round=round_, text="Rewritten").exists()
    later = open_round(cast, title="Autumn")
    assert later.items.filter(text="Rewritten").exists()


def test_switched_off_statements_are_not_asked_and_a_hub_needs_at_least_one(cast):
    cora = cast.actor("coordinator")
    services.ensure_statements(hub=cast.hub)
    for s in Statement.objects.filter(hub=cast.hub):
        services.update_statement(actor=cora, statement=s, principle=s.principle, text=s.text, active=False)
    with pytest.raises(DomainError, match="no statements"):
        open_round(cast)
    services.add_statement(actor=cora, principle="networks", text="We run a peer support group.")
    assert [i.text for i in open_round(cast).items.all()] == ["We run a peer support group."]


def test_only_coordinators_open_rounds_or_edit_statements(cast):
    with pytest.raises(PermissionDenied):
        services.open_round(actor=cast.actor("link_worker"), title="x", about="y")
    with pytest.raises(PermissionDenied):
        services.add_statement(actor=cast.actor("member"), principle="assets", text="x")
    with pytest.raises(DomainError) as error:
        services.add_statement(actor=cast.actor("coordinator"), principle="kindness", text="x")
    assert "principle" in error.value.field_errors


def test_a_round_needs_a_title_and_what_it_is_about(cast):
    with pytest.raises(DomainError) as error:
        services.open_round(actor=cast.actor("coordinator"), title=" ", about="")
    assert "title" in error.value.field_errors


# ---- answering ----


def test_an_invited_person_answers_once_under_their_name(cast):
    round_ = open_round(cast)
    services.invite(actor=cast.actor("coordinator"), round_=round_, person=cast.member)
    response = services.submit_named(
        actor=cast.actor("member"), round_=round_, ratings=ratings(round_, MEMBER_C)
    )
    assert response.person == cast.member
    assert response.perspective == Perspective.MEMBER
    assert response.via == Response.Via.NAMED
    assert response.answers.count() == round_.items.count()
    with pytest.raises(Conflict):
        services.submit_named(actor=cast.actor("member"), round_=round_, ratings=ratings(round_, MEMBER_C))


def test_staff_are_invited_as_staff_and_members_as_members_by_default(cast):
    round_ = open_round(cast)
    cora = cast.actor("coordinator")
    assert (
        services.invite(actor=cora, round_=round_, person=cast.link_worker).perspective == Perspective.STAFF
    )
    assert services.invite(actor=cora, round_=round_, person=cast.peer).perspective == Perspective.MEMBER
    with pytest.raises(Conflict):
        services.invite(actor=cora, round_=round_, person=cast.peer)


def test_people_outside_the_hub_or_without_a_login_cannot_be_invited(cast):
    round_ = open_round(cast)
    cora = cast.actor("coordinator")
    with pytest.raises(DomainError):
        services.invite(actor=cora, round_=round_, person=cast.other_member)
    paper_only = make_person(cast.hub, "Polly Paper", Role.MEMBER, login=False)
    with pytest.raises(DomainError, match="paper form"):
        services.invite(actor=cora, round_=round_, person=paper_only)


def test_someone_not_invited_cannot_answer_by_name(cast):
    round_ = open_round(cast)
    with pytest.raises(PermissionDenied):
        services.submit_named(actor=cast.actor("member2"), round_=round_, ratings=ratings(round_, MEMBER_C))


def test_answers_must_be_on_the_scale_for_this_rounds_statements_and_not_all_dont_know(cast):
    round_ = open_round(cast)
    services.invite(actor=cast.actor("coordinator"), round_=round_, person=cast.member)
    mo = cast.actor("member")
    bad = ratings(round_, MEMBER_C)
    bad[next(iter(bad))] = 4
    with pytest.raises(DomainError) as error:
        services.submit_named(actor=mo, round_=round_, ratings=bad)
    assert error.value.field_errors
    with pytest.raises(DomainError, match="at least one"):
        services.submit_named(actor=mo, round_=round_, ratings={})
    other = open_round(cast, title="Other")
    with pytest.raises(DomainError, match="not in this round"):
        services.submit_named(actor=mo, round_=round_, ratings=ratings(other, MEMBER_C))
    assert not Response.objects.exists()


def test_anonymous_answers_cannot_be_traced_to_a_person(cast):
    round_ = open_round(cast)
    before = AuditEvent.objects.count()
    response = services.submit_anonymous(code=round_.member_code, ratings=ratings(round_, MEMBER_C))
    assert response.person is None
    assert response.perspective == Perspective.MEMBER
    assert response.via == Response.Via.ANONYMOUS
    # No audit row (it would carry a time and whoever was signed in) ...
    assert AuditEvent.objects.count() == before
    # ... and nothing in the row finer than a day, nor any link to a person or an invitation.
    timed = [f.name for f in Response._meta.get_fields() if isinstance(f, models.DateTimeField)]
    assert timed == []
    links = {f.name for f in Response._meta.get_fields() if f.is_relation and f.many_to_one}
    assert links == {"round", "person"}


def test_the_staff_code_answers_as_staff_and_a_wrong_code_is_refused(cast):
    round_ = open_round(cast)
    response = services.submit_anonymous(code=round_.staff_code, ratings=ratings(round_, STAFF_A))
    assert response.perspective == Perspective.STAFF
    with pytest.raises(DomainError, match="does not match"):
        services.submit_anonymous(code="not-a-code", ratings={})
    assert round_.staff_code != round_.member_code


def test_paper_answers_are_entered_by_the_team_without_a_name(cast):
    round_ = open_round(cast)
    response = services.enter_paper(
        actor=cast.actor("link_worker"),
        round_=round_,
        perspective="member",
        ratings=ratings(round_, MEMBER_C),
    )
    assert response.person is None and response.via == Response.Via.PAPER
    row = AuditEvent.objects.get(summary="Entered a paper response")
    # The audit row points at the round, never at the response.
    assert row.object_type == "practice.round"
    with pytest.raises(PermissionDenied):
        services.enter_paper(
            actor=cast.actor("member"), round_=round_, perspective="member", ratings=ratings(round_, MEMBER_C)
        )
    with pytest.raises(PermissionDenied):
        services.enter_paper(
            actor=cast.actor("outsider"),
            round_=round_,
            perspective="member",
            ratings=ratings(round_, MEMBER_C),
        )


def test_a_closed_round_takes_no_more_answers_and_an_empty_round_cannot_close(cast):
    round_ = open_round(cast)
    with pytest.raises(DomainError, match="No one has answered"):
        services.close_round(actor=cast.actor("coordinator"), round_=round_)
    round_ = answered_round(cast, title="Second")
    assert round_.closed_on is not None
    with pytest.raises(DomainError, match="closed"):
        services.submit_anonymous(code=round_.member_code, ratings=ratings(round_, MEMBER_C))
    with pytest.raises(DomainError):
        services.invite(actor=cast.actor("coordinator"), round_=round_, person=cast.member2)


# ---- the summary the impact app reads ----


def test_the_hub_summary_is_none_until_a_round_closes(cast):
    answered_round(cast, close=False)
    assert queries.hub_practice_summary(cast.hub) is None


def test_the_hub_summary_gives_the_latest_closed_round_on_a_0_to_1_scale(cast):
    round_ = answered_round(cast)
    services.record_depth(
        actor=cast.actor("coordinator"),
        about="Live Well team",
        answers={
            "recognised": True,
            "feedback": True,
            "power": False,
            "delivery": True,
            "whole_team": False,
            "community": True,
        },
        plans="together",
        delivers="professionals",
    )
    summary = queries.hub_practice_summary(cast.hub)
    assert summary["round"] == "Spring reflection"
    assert summary["closed_on"] == round_.closed_on
    assert summary["depth"] == "intermediate"
    assert summary["respondents"] == 4
    assert [p["key"] for p in summary["principles"]] == list(PRINCIPLE_KEYS)
    assets = summary["principles"][0]
    assert assets == {"key": "assets", "name": "Assets", "staff": 1.0, "members": 0.5, "overall": 0.75}
    assert queries.hub_practice_summary(cast.other_hub) is None


def test_history_has_every_closed_round_oldest_first(cast):
    answered_round(cast, title="Spring")
    answered_round(cast, title="Autumn")
    answered_round(cast, title="Still open", close=False)
    result = queries.history(cast.hub)
    assert [r.title for r in result.rounds] == ["Spring", "Autumn"]
    assert result.overall["assets"] == [pytest.approx(0.75), pytest.approx(0.75)]
    assert "<polyline" in result.svg


# ---- depth and the grid ----


ALL_YES = {
    "recognised": True,
    "feedback": True,
    "power": True,
    "delivery": True,
    "whole_team": True,
    "community": True,
}


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        ({}, "transformative"),
        ({"whole_team": False}, "intermediate"),
        ({"power": False, "delivery": False}, "intermediate"),
        ({"feedback": False}, "descriptive"),
        ({"recognised": False, "power": False}, "descriptive"),
    ],
)
def test_the_depth_verdict_follows_the_answers(cast, changes, verdict):
    assessment = services.record_depth(
        actor=cast.actor("coordinator"),
        about="Team",
        answers=ALL_YES | changes,
        plans="together",
        delivers="together",
    )
    assert assessment.verdict == verdict
    assert assessment.answers == ALL_YES | changes
    assert assessment.ladder == "doing_with"


def test_a_depth_verdict_needs_every_answer_and_a_place_on_the_grid(cast):
    cora = cast.actor("coordinator")
    with pytest.raises(DomainError) as error:
        services.record_depth(
            actor=cora, about="Team", answers={"power": True}, plans="together", delivers="together"
        )
    assert "recognised" in error.value.field_errors
    with pytest.raises(DomainError):
        services.record_depth(actor=cora, about="Team", answers=ALL_YES, plans="nobody", delivers="together")
    traditional = services.record_depth(
        actor=cora, about="Team", answers=ALL_YES, plans="professionals", delivers="professionals"
    )
    assert traditional.ladder == "doing_for"
    chosen = services.record_depth(
        actor=cora,
        about="Team",
        answers=ALL_YES,
        plans="professionals",
        delivers="professionals",
        ladder="doing_to",
    )
    assert chosen.ladder == "doing_to"
    with pytest.raises(PermissionDenied):
        services.record_depth(
            actor=cast.actor("link_worker"), about="T", answers=ALL_YES, plans="together", delivers="together"
        )


# ---- co-led action plans ----


def plan_with_priority(cast):
    cora = cast.actor("coordinator")
    plan = services.create_plan(actor=cora, title="Our plan for the year")
    return plan, services.add_priority(actor=cora, plan=plan, title="Make catalysing part of every role")


def add(cast, priority, **changes):
    fields = {
        "text": "Start a walking group that members run",
        "principle": "catalysts",
        "staff_lead": cast.link_worker,
        "member_lead": cast.member,
        "due_on": DUE,
        "review_on": REVIEW,
    } | changes
    return services.add_action(actor=cast.actor("coordinator"), priority=priority, **fields)


def test_an_action_is_co_led_by_a_member_of_staff_and_a_member(cast):
    _, priority = plan_with_priority(cast)
    action = add(cast, priority)
    assert (action.staff_lead, action.member_lead) == (cast.link_worker, cast.member)
    assert action.status == Action.Status.NOT_STARTED
    assert action.principle == "catalysts"


def test_an_action_without_a_member_lead_is_refused(cast):
    _, priority = plan_with_priority(cast)
    with pytest.raises(DomainError) as error:
        add(cast, priority, member_lead=None)
    assert "co-led by a member of staff and a member" in error.value.message
    assert "member_lead" in error.value.field_errors
    assert not Action.objects.exists()


def test_an_action_without_a_staff_lead_is_refused(cast):
    _, priority = plan_with_priority(cast)
    with pytest.raises(DomainError) as error:
        add(cast, priority, staff_lead=None)
    assert set(error.value.field_errors) == {"staff_lead"}


@pytest.mark.parametrize(
    ("field", "who"),
    [
        ("member_lead", "link_worker"),  # staff cannot fill the member's place
        ("staff_lead", "member2"),  # nor a member the staff place
        ("member_lead", "other_member"),  # someone from another hub
        ("member_lead", "commissioner"),
    ],
)
def test_each_lead_must_hold_the_right_role_in_the_hub(cast, field, who):
    _, priority = plan_with_priority(cast)
    with pytest.raises(DomainError) as error:
        add(cast, priority, **{field: getattr(cast, who)})
    assert field in error.value.field_errors


def test_the_two_leads_are_different_people_and_dates_are_needed(cast):
    _, priority = plan_with_priority(cast)
    both = make_person(cast.hub, "Sam Both", Role.LINK_WORKER, Role.MEMBER)
    with pytest.raises(DomainError) as error:
        add(cast, priority, staff_lead=both, member_lead=both)
    assert "different people" in error.value.field_errors["member_lead"][0]
    with pytest.raises(DomainError) as error:
        add(cast, priority, due_on=None, review_on=None)
    assert set(error.value.field_errors) == {"due_on", "review_on"}


def test_a_plan_has_at_most_five_priorities(cast):
    plan, _ = plan_with_priority(cast)
    cora = cast.actor("coordinator")
    for n in range(4):
        services.add_priority(actor=cora, plan=plan, title=f"Priority {n}")
    with pytest.raises(DomainError, match="at most 5"):
        services.add_priority(actor=cora, plan=plan, title="One too many")
    assert [p.position for p in plan.priorities.all()] == [1, 2, 3, 4, 5]


def test_only_the_coordinator_edits_plans_and_the_leads_update_their_action(cast):
    plan, priority = plan_with_priority(cast)
    with pytest.raises(PermissionDenied):
        services.add_priority(actor=cast.actor("link_worker"), plan=plan, title="x")
    with pytest.raises(PermissionDenied):
        services.add_priority(actor=cast.actor("outsider"), plan=plan, title="x")
    action = add(cast, priority)
    services.set_action_status(actor=cast.actor("member"), action=action, status="under_way")
    services.set_action_status(actor=cast.actor("link_worker"), action=action, status="done")
    action.refresh_from_db()
    assert action.status == "done"
    with pytest.raises(PermissionDenied):
        services.set_action_status(actor=cast.actor("member2"), action=action, status="stopped")
    with pytest.raises(DomainError):
        services.set_action_status(actor=cast.actor("member"), action=action, status="forgotten")


def test_actions_led_by_a_person_leave_out_finished_ones(cast):
    _, priority = plan_with_priority(cast)
    open_action = add(cast, priority)
    done = add(cast, priority, text="Done already")
    services.set_action_status(actor=cast.actor("coordinator"), action=done, status="done")
    assert list(queries.actions_led_by(cast.member)) == [open_action]
    assert list(queries.actions_led_by(cast.member2)) == []


# ---- portfolio and stakeholders ----


def test_activities_are_tagged_with_the_four_cos_and_placed_in_the_matrix(cast):
    cora = cast.actor("coordinator")
    services.add_activity(
        actor=cora,
        title="Members on interview panels",
        description="",
        tags=["co_design"],
        impact=4,
        effort=1,
    )
    services.add_activity(
        actor=cora,
        title="Member-run budget",
        description="",
        tags=["co_financing", "co_planning"],
        impact=2,
        effort=4,
    )
    services.add_activity(
        actor=cora, title="Peer-led groups", description="", tags=["co_performing"], impact=3, effort=3
    )
    services.add_activity(
        actor=cora, title="Thank-you cards", description="", tags=["co_delivery"], impact=1, effort=2
    )
    matrix = {q["key"]: [a.title for a in q["activities"]] for q in queries.portfolio(cast.hub)["quadrants"]}
    assert matrix == {
        "quick_win": ["Members on interview panels"],
        "major_project": ["Peer-led groups"],
        "fill_in": ["Thank-you cards"],
        "hard_slog": ["Member-run budget"],
    }
    with pytest.raises(DomainError):
        services.add_activity(actor=cora, title="x", description="", tags=[], impact=1, effort=1)
    with pytest.raises(DomainError):
        services.add_activity(actor=cora, title="x", description="", tags=["co_eating"], impact=1, effort=1)
    with pytest.raises(DomainError):
        services.add_activity(actor=cora, title="x", description="", tags=["co_design"], impact=5, effort=1)


def test_stakeholders_get_the_handling_for_their_quadrant(cast):
    cora = cast.actor("coordinator")
    services.add_stakeholder(
        actor=cora, name="Director of public health", high_power=True, high_influence=True
    )
    services.add_stakeholder(actor=cora, name="Local paper", high_power=False, high_influence=True)
    cells = {(c["power"], c["influence"]): c for c in queries.stakeholder_map(cast.hub)}
    assert [s.name for s in cells[(True, True)]["stakeholders"]] == ["Director of public health"]
    assert cells[(True, True)]["name"] == "Partners and champions"
    assert [s.name for s in cells[(False, True)]["stakeholders"]] == ["Local paper"]
    assert cells[(False, False)]["stakeholders"] == []
    with pytest.raises(PermissionDenied):
        services.add_stakeholder(actor=cast.actor("member"), name="x", high_power=True, high_influence=True)


def test_due_dates_can_be_in_any_order_but_are_stored_as_given(cast):
    _, priority = plan_with_priority(cast)
    action = add(cast, priority, review_on=DUE + timedelta(days=30))
    assert action.review_on > action.due_on


# ---- other hubs ----


def test_nothing_of_another_hub_can_be_touched(cast):
    otto = cast.actor("outsider")  # a coordinator, but of Northgate
    round_ = open_round(cast)
    services.ensure_statements(hub=cast.hub)
    statement = Statement.objects.filter(hub=cast.hub).first()
    with pytest.raises(PermissionDenied):
        services.update_statement(actor=otto, statement=statement, principle="assets", text="x", active=True)
    with pytest.raises(PermissionDenied):
        services.invite(actor=otto, round_=round_, person=cast.other_member)
    with pytest.raises(PermissionDenied):
        services.close_round(actor=otto, round_=round_)
    with pytest.raises(PermissionDenied):
        services.create_plan(actor=otto, title="Mine now", round_=round_)
    with pytest.raises(PermissionDenied):
        services.record_depth(
            actor=otto, about="x", answers=ALL_YES, plans="together", delivers="together", round_=round_
        )
    plan, priority = plan_with_priority(cast)
    with pytest.raises(PermissionDenied):
        services.add_priority(actor=otto, plan=plan, title="x")
    with pytest.raises(PermissionDenied):
        services.add_action(
            actor=otto,
            priority=priority,
            text="x",
            principle="assets",
            staff_lead=cast.outsider,
            member_lead=cast.other_member,
            due_on=DUE,
            review_on=REVIEW,
        )


def test_a_paper_form_must_say_which_side_answered(cast):
    round_ = open_round(cast)
    with pytest.raises(DomainError) as error:
        services.enter_paper(
            actor=cast.actor("link_worker"),
            round_=round_,
            perspective="visitor",
            ratings=ratings(round_, MEMBER_C),
        )
    assert "perspective" in error.value.field_errors
    assert not Response.objects.exists()


def test_each_hub_gets_its_own_default_statements_once(cast):
    assert services.ensure_statements(hub=cast.hub) == len(DEFAULT_STATEMENTS)
    assert services.ensure_statements(hub=cast.hub) == 0
    assert services.ensure_statements(hub=cast.other_hub) == len(DEFAULT_STATEMENTS)
    assert Statement.objects.filter(hub=cast.other_hub).count() == len(DEFAULT_STATEMENTS)


def test_a_new_statement_goes_to_the_end_and_is_audited(cast):
    statement = services.add_statement(
        actor=cast.actor("coordinator"), principle="catalysts", text="Last one"
    )
    assert statement.position == max(
        Statement.objects.filter(hub=cast.hub).values_list("position", flat=True)
    )
    assert AuditEvent.objects.filter(object_type="practice.statement", action="create").count() == 1


def test_every_write_leaves_an_audit_row_naming_what_changed(cast):
    round_ = answered_round(cast)
    plan = services.create_plan(actor=cast.actor("coordinator"), title="Plan", round_=round_)
    types = set(AuditEvent.objects.values_list("object_type", flat=True))
    assert {"practice.round", "practice.invitation", "practice.actionplan"} <= types
    closed = AuditEvent.objects.get(summary="Closed a round")
    assert closed.fields == ["status"] and closed.object_id == str(round_.pk)
    assert plan.round == round_
