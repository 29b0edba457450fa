"""Who may do what: the whole cast against every practice permission."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.models import AuditEvent
from practice import permissions, services
from practice.tests.conftest import MEMBER_C, ratings

pytestmark = pytest.mark.django_db

EVERYONE = (
    "coordinator",
    "link_worker",
    "member",
    "member2",
    "peer",
    "commissioner",
    "administrator",
    "broker",
    "referrer",
    "volunteer",
    "outsider",
    "other_member",
)


def allowed(cast, check, *args) -> set[str]:
    return {name for name in EVERYONE if check(cast.actor(name), *args)}


@pytest.fixture
def round_(cast):
    return services.open_round(actor=cast.actor("coordinator"), title="Spring", about="Team")


def test_only_coordinators_run_practice(cast):
    assert allowed(cast, permissions.can_manage_practice) == {"coordinator", "outsider"}
    # Otto coordinates Northgate; he can run Northgate's practice but nothing of Riverside's.
    round_ = services.open_round(actor=cast.actor("coordinator"), title="x", about="y")
    assert allowed(cast, permissions.can_manage_round, round_) == {"coordinator"}


def test_the_team_enters_paper_forms(cast, round_):
    assert allowed(cast, permissions.can_enter_paper, round_) == {"coordinator", "link_worker"}


def test_reports_are_for_the_team_commissioners_and_administrators_of_the_hub(cast, round_):
    assert allowed(cast, permissions.can_view_round, round_) == {
        "coordinator",
        "link_worker",
        "commissioner",
        "administrator",
    }
    assert permissions.can_view_round(None, round_) is False


def test_only_invited_people_answer_by_name_and_only_once(cast, round_):
    assert allowed(cast, permissions.can_answer_named, round_) == set()
    services.invite(actor=cast.actor("coordinator"), round_=round_, person=cast.member)
    assert allowed(cast, permissions.can_answer_named, round_) == {"member"}
    services.submit_named(actor=cast.actor("member"), round_=round_, ratings=ratings(round_, MEMBER_C))
    assert allowed(cast, permissions.can_answer_named, round_) == set()


def test_nobody_answers_a_closed_round_by_name(cast, round_):
    cora = cast.actor("coordinator")
    services.invite(actor=cora, round_=round_, person=cast.member)
    services.invite(actor=cora, round_=round_, person=cast.member2)
    services.submit_named(actor=cast.actor("member"), round_=round_, ratings=ratings(round_, MEMBER_C))
    services.close_round(actor=cora, round_=round_)
    round_.refresh_from_db()
    assert permissions.can_answer_named(cast.actor("member2"), round_) is False


def test_get_round_for_hides_other_hubs_and_audits_refusals(cast, round_):
    with pytest.raises(Http404):
        permissions.get_round_for(cast.actor("outsider"), round_.pk, action="view")
    with pytest.raises(Http404):
        permissions.get_round_for(cast.actor("coordinator"), "not-a-number")
    with pytest.raises(Http404):
        permissions.get_round_for(cast.actor("coordinator"), 999999)
    before = AuditEvent.objects.filter(action="denied").count()
    with pytest.raises(PermissionDenied):
        permissions.get_round_for(cast.actor("member"), round_.pk, action="view")
    assert AuditEvent.objects.filter(action="denied").count() == before + 1
    assert permissions.get_round_for(cast.actor("commissioner"), round_.pk).pk == round_.pk


def make_action(cast):
    cora = cast.actor("coordinator")
    plan = services.create_plan(actor=cora, title="Plan")
    priority = services.add_priority(actor=cora, plan=plan, title="P")
    return services.add_action(
        actor=cora,
        priority=priority,
        text="A",
        principle="networks",
        staff_lead=cast.link_worker,
        member_lead=cast.member,
        due_on=date(2027, 1, 1),
        review_on=date(2027, 1, 1),
    )


def test_plans_are_seen_by_report_viewers_and_the_member_lead(cast):
    action = make_action(cast)
    plan = action.priority.plan
    assert allowed(cast, permissions.can_view_plan, plan) == {
        "coordinator",
        "link_worker",
        "commissioner",
        "administrator",
        "member",
    }
    assert allowed(cast, permissions.can_edit_plan, plan) == {"coordinator"}


def test_an_action_is_updated_by_the_coordinator_and_its_two_leads(cast):
    action = make_action(cast)
    assert allowed(cast, permissions.can_update_action, action) == {"coordinator", "link_worker", "member"}
    with pytest.raises(Http404):
        permissions.get_action_for(cast.actor("outsider"), action.pk)
    with pytest.raises(PermissionDenied):
        permissions.get_action_for(cast.actor("member2"), action.pk)
    with pytest.raises(Http404):
        permissions.get_plan_for(cast.actor("outsider"), action.priority.plan_id)
    with pytest.raises(PermissionDenied):
        permissions.get_plan_for(cast.actor("member"), action.priority.plan_id, edit=True)


def test_anyone_signed_in_reads_the_catalogue(cast):
    assert allowed(cast, permissions.can_view_catalogue) == set(EVERYONE)
    assert permissions.can_view_catalogue(None) is False


def test_action_leads_are_drawn_from_the_right_roles():
    assert "member" in permissions.MEMBER_LEAD_ROLES and "peer_supporter" in permissions.MEMBER_LEAD_ROLES
    assert not set(permissions.MEMBER_LEAD_ROLES) & set(permissions.STAFF_LEAD_ROLES)
