import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from core.roles import Role
from core.testing import actor_for, make_person
from people.models import ConsentPurpose
from people.services import record_consent
from support import pdf, permissions, queries, services
from support.models import Plan, PlanVersion
from support.plans import empty_content

GOALS = {
    "goals": [
        {
            "title": "Get out walking",
            "progress": 20,
            "steps": [
                {"text": "Find a walking group", "who": "worker", "due": "2030-01-10"},
                {"text": "Go once with Pat", "who": "peer", "done": False},
                {"text": "Go on my own", "who": "member"},
            ],
        }
    ]
}
CRISIS = {
    "what_i_want": "Stay at home with someone I know",
    "what_i_do_not_want": "Hospital unless I ask",
    "who_to_call": [{"name": "Sister Sam", "phone": "07700 900123", "relationship": "sister"}],
    "practical": "Feed the cat",
}


def save(actor, person, kind="goals", content=GOALS, **kw):
    return services.save_plan(actor=actor, person=person, kind=kind, content=content, **kw)


# ---- plans are the member's and versioned ------------------------------------------------------


def test_the_member_writes_their_own_plan_and_every_save_is_a_version(cast):
    mo = cast.actor("member")
    v1 = save(mo, cast.member, note="First go")
    assert v1.number == 1 and v1.created_by_label == "Mo Member"
    changed = {"goals": [GOALS["goals"][0] | {"progress": 60}]}
    v2 = save(cast.actor("link_worker"), cast.member, content=changed, note="Went twice")
    assert v2.number == 2 and v2.plan == v1.plan
    assert [v.number for v in queries.plan_history(v1.plan)] == [2, 1]
    assert PlanVersion.objects.get(pk=v1.pk).content["goals"][0]["progress"] == 20  # history kept
    plans = queries.plans_for(cast.member)
    assert plans[0].latest.number == 2


def test_saving_the_same_content_writes_no_new_version(cast):
    v1 = save(cast.actor("member"), cast.member)
    assert save(cast.actor("member"), cast.member).pk == v1.pk
    assert PlanVersion.objects.count() == 1


def test_plan_versions_cannot_be_changed(cast):
    version = save(cast.actor("member"), cast.member)
    version.note = "rewritten"
    with pytest.raises(Exception, match="append-only"):
        version.save()


def test_goal_steps_keep_who_and_when(cast):
    content = save(cast.actor("member"), cast.member).content
    steps = content["goals"][0]["steps"]
    assert [(s["who"], s["due"], s["done"]) for s in steps] == [
        ("worker", "2030-01-10", False),
        ("peer", "", False),
        ("member", "", False),
    ]


@pytest.mark.parametrize(
    "kind, content, field",
    [
        ("goals", {"goals": [{"title": "", "steps": []}]}, "goals.0.title"),
        ("goals", {"goals": [{"title": "x", "progress": 101}]}, "goals.0.progress"),
        ("goals", {"goals": [{"title": "x", "steps": [{"text": "a", "who": "dog"}]}]}, "goals.0.steps.0.who"),
        (
            "goals",
            {"goals": [{"title": "x", "steps": [{"text": "a", "due": "31/31/2030"}]}]},
            "goals.0.steps.0.due",
        ),
        (
            "goals",
            {"goals": [{"title": "x", "steps": [{"text": "a", "colour": "red"}]}]},
            "goals.0.steps.0.colour",
        ),
        ("goals", {"aims": []}, "aims"),
        ("wellbeing", {"triggers": "not a list"}, "triggers"),
        ("wellbeing", {"triggers": ["x" * 501]}, "triggers.0"),
        ("wellbeing", {"keeps_me_well": ["a"] * 31}, "keeps_me_well"),
        ("crisis", {"who_to_call": [{"phone": "1"}]}, "who_to_call.0.name"),
        ("crisis", {"what_i_want": 5}, "what_i_want"),
    ],
)
def test_bad_plan_content_names_the_field_and_writes_nothing(cast, kind, content, field):
    with pytest.raises(DomainError) as exc:
        save(cast.actor("member"), cast.member, kind=kind, content=content)
    assert field in exc.value.field_errors
    assert not Plan.objects.exists()


def test_an_unknown_kind_of_plan_is_refused(cast):
    with pytest.raises(DomainError):
        save(cast.actor("member"), cast.member, kind="diet")


def test_every_kind_starts_empty():
    assert empty_content("wellbeing") == {
        "keeps_me_well": [],
        "triggers": [],
        "early_warning_signs": [],
        "what_helps": [],
        "in_a_crisis": [],
    }
    assert empty_content("goals") == {"goals": []}
    assert empty_content("crisis")["who_to_call"] == []


@pytest.mark.parametrize(
    "name", ["member2", "peer", "referrer", "commissioner", "administrator", "broker", "outsider"]
)
def test_others_cannot_write_someone_elses_plan(cast, name):
    with pytest.raises(PermissionDenied):
        save(cast.actor(name), cast.member)
    assert not Plan.objects.exists()


def test_plans_print_as_html_and_pdf(cast):
    version = save(
        cast.actor("member"), cast.member, kind="crisis", content=CRISIS | {"practical": "<script>x</script>"}
    )
    html = pdf.plan_html(version)
    assert "Sister Sam (sister): 07700 900123" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    try:
        data = pdf.plan_pdf(version)
    except pdf.PdfUnavailable:
        pytest.skip("pango is not installed here")
    assert data.startswith(b"%PDF")


# ---- crisis plans and peers on call ------------------------------------------------------------


@pytest.fixture
def crisis_plan(cast):
    return save(cast.actor("member"), cast.member, kind="crisis", content=CRISIS).plan


def _on_call(cast, *, start_hours=-1, end_hours=3):
    now = timezone.now()
    return services.schedule_on_call(
        actor=cast.actor("coordinator"),
        peer=cast.peer,
        starts_at=now + dt.timedelta(hours=start_hours),
        ends_at=now + dt.timedelta(hours=end_hours),
    )


def _consent(cast, granted):
    record_consent(
        actor=cast.actor("member"),
        person=cast.member,
        purpose=ConsentPurpose.SHARE_PLANS,
        granted=granted,
        method="online",
    )


def test_a_named_peer_on_call_with_consent_sees_the_crisis_plan_and_it_is_audited(cast, crisis_plan):
    services.name_supporter(actor=cast.actor("member"), plan=crisis_plan, peer=cast.peer)
    _consent(cast, True)
    _on_call(cast)
    peer = cast.actor("peer")
    assert permissions.can_view_crisis_plan_as_peer(peer, crisis_plan)
    assert permissions.get_plan_for(peer, crisis_plan.pk) == crisis_plan
    event = AuditEvent.objects.filter(person=cast.member, action=AuditEvent.Action.VIEW).latest("id")
    assert event.summary == "Peer on call opened the crisis and support plan"
    assert event.actor == cast.peer.user
    assert queries.crisis_plans_for_peer(peer) == [crisis_plan]


def test_without_consent_the_peer_sees_nothing_and_the_refusal_is_audited(cast, crisis_plan):
    services.name_supporter(actor=cast.actor("member"), plan=crisis_plan, peer=cast.peer)
    _on_call(cast)
    with pytest.raises(PermissionDenied):
        permissions.get_plan_for(cast.actor("peer"), crisis_plan.pk)
    assert AuditEvent.objects.filter(person=cast.member, action=AuditEvent.Action.DENIED).exists()
    assert queries.crisis_plans_for_peer(cast.actor("peer")) == []


def test_a_withdrawn_consent_ends_the_sharing(cast, crisis_plan):
    services.name_supporter(actor=cast.actor("member"), plan=crisis_plan, peer=cast.peer)
    _on_call(cast)
    _consent(cast, True)
    assert permissions.can_view_plan(cast.actor("peer"), crisis_plan)
    _consent(cast, False)
    assert not permissions.can_view_plan(cast.actor("peer"), crisis_plan)


def test_off_call_the_peer_sees_nothing(cast, crisis_plan):
    services.name_supporter(actor=cast.actor("member"), plan=crisis_plan, peer=cast.peer)
    _consent(cast, True)
    _on_call(cast, start_hours=2, end_hours=6)  # later today
    peer = cast.actor("peer")
    assert not permissions.can_view_plan(peer, crisis_plan)
    assert permissions.can_view_plan(peer, crisis_plan, at=timezone.now() + dt.timedelta(hours=3))
    assert not permissions.can_view_plan(peer, crisis_plan, at=timezone.now() + dt.timedelta(hours=6))


def test_a_cancelled_period_is_not_on_call(cast, crisis_plan):
    services.name_supporter(actor=cast.actor("member"), plan=crisis_plan, peer=cast.peer)
    _consent(cast, True)
    period = _on_call(cast)
    services.cancel_on_call(actor=cast.actor("coordinator"), period=period)
    assert not permissions.can_view_plan(cast.actor("peer"), crisis_plan)


def test_an_unnamed_peer_on_call_sees_nothing(cast, crisis_plan):
    other_peer = make_person(cast.hub, "Pip Peer", Role.PEER_SUPPORTER)
    _consent(cast, True)
    services.schedule_on_call(
        actor=cast.actor("coordinator"),
        peer=other_peer,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert not permissions.can_view_plan(actor_for(other_peer), crisis_plan)


def test_a_removed_supporter_loses_access(cast, crisis_plan):
    services.name_supporter(actor=cast.actor("member"), plan=crisis_plan, peer=cast.peer)
    _consent(cast, True)
    _on_call(cast)
    services.remove_supporter(actor=cast.actor("member"), plan=crisis_plan, peer=cast.peer)
    assert not permissions.can_view_plan(cast.actor("peer"), crisis_plan)
    with pytest.raises(DomainError):
        services.remove_supporter(actor=cast.actor("member"), plan=crisis_plan, peer=cast.peer)


def test_peers_never_see_goal_or_wellbeing_plans(cast):
    plan = save(cast.actor("member"), cast.member).plan
    _consent(cast, True)
    _on_call(cast)
    assert not permissions.can_view_plan(cast.actor("peer"), plan)
    with pytest.raises(PermissionDenied):
        services.name_supporter(actor=cast.actor("member"), plan=plan, peer=cast.peer)


def test_only_peer_supporters_in_the_hub_can_be_named(cast, crisis_plan):
    with pytest.raises(DomainError, match="not a peer supporter"):
        services.name_supporter(actor=cast.actor("member"), plan=crisis_plan, peer=cast.volunteer)
    with pytest.raises(DomainError):
        services.name_supporter(actor=cast.actor("member"), plan=crisis_plan, peer=cast.outsider)
    services.name_supporter(actor=cast.actor("member"), plan=crisis_plan, peer=cast.peer)
    with pytest.raises(Conflict):
        services.name_supporter(actor=cast.actor("member"), plan=crisis_plan, peer=cast.peer)
    with pytest.raises(PermissionDenied):
        services.name_supporter(actor=cast.actor("peer"), plan=crisis_plan, peer=cast.peer)


def test_on_call_periods_are_checked(cast):
    now = timezone.now()
    coordinator = cast.actor("coordinator")
    with pytest.raises(DomainError, match="end after"):
        services.schedule_on_call(actor=coordinator, peer=cast.peer, starts_at=now, ends_at=now)
    with pytest.raises(DomainError, match="at most a week"):
        services.schedule_on_call(
            actor=coordinator, peer=cast.peer, starts_at=now, ends_at=now + dt.timedelta(days=8)
        )
    with pytest.raises(DomainError, match="time zone"):
        services.schedule_on_call(
            actor=coordinator,
            peer=cast.peer,
            starts_at=dt.datetime(2030, 1, 1),  # noqa: DTZ001
            ends_at=dt.datetime(2030, 1, 2),  # noqa: DTZ001
        )
    with pytest.raises(DomainError, match="not a peer supporter"):
        services.schedule_on_call(
            actor=coordinator, peer=cast.member2, starts_at=now, ends_at=now + dt.timedelta(hours=1)
        )
    services.schedule_on_call(
        actor=coordinator, peer=cast.peer, starts_at=now, ends_at=now + dt.timedelta(hours=4)
    )
    with pytest.raises(Conflict, match="already on call"):
        services.schedule_on_call(
            actor=coordinator,
            peer=cast.peer,
            starts_at=now + dt.timedelta(hours=3),
            ends_at=now + dt.timedelta(hours=5),
        )
    with pytest.raises(PermissionDenied):
        services.schedule_on_call(actor=cast.actor("link_worker"), peer=cast.peer, starts_at=now, ends_at=now)
    assert [p.peer for p in queries.on_call_now(cast.hub)] == [cast.peer]


def test_get_plan_for_gives_404_outside_the_hub_and_audits_it(cast, crisis_plan):
    with pytest.raises(Http404):
        permissions.get_plan_for(cast.actor("outsider"), crisis_plan.pk)
    with pytest.raises(Http404):
        permissions.get_plan_for(cast.actor("link_worker"), "not-a-number")
    assert AuditEvent.objects.filter(hub=cast.other_hub, action=AuditEvent.Action.DENIED).exists()


def test_staff_and_the_member_open_plans_and_only_they_edit(cast, crisis_plan):
    for name in ("member", "link_worker", "coordinator"):
        assert permissions.get_plan_for(cast.actor(name), crisis_plan.pk, action="edit") == crisis_plan
    for name in ("member2", "commissioner", "administrator", "referrer", "volunteer"):
        with pytest.raises(PermissionDenied):
            permissions.get_plan_for(cast.actor(name), crisis_plan.pk)
