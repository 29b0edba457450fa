"""Requests: made by the person or on their behalf, completed or refused by staff, every step audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from rights import permissions, services
from rights.models import RightsRequest


def _correction(cast):
    member = cast.actor("member")
    return services.make_request(actor=member, person=cast.member, kind="correction", detail="?")


def _rights_events(person):
    return list(
        AuditEvent.objects.filter(person=person, action=AuditEvent.Action.RIGHTS)
        .order_by("pk")
        .values_list("actor_label", "summary")
    )


def test_a_member_asks_for_a_correction_and_staff_complete_it(cast):
    request = services.make_request(
        actor=cast.actor("member"), person=cast.member, kind="correction", detail="My birthday is in May"
    )
    assert request.is_open and not request.on_behalf and request.requested_by_label == "Mo Member"
    done = services.complete_request(actor=cast.actor("link_worker"), request=request, outcome="Corrected")
    assert done.status == RightsRequest.Status.DONE and done.completed_by_label == "Lin Linkworker"
    assert done.completed_at is not None
    assert _rights_events(cast.member) == [
        ("Mo Member", "Asked: correct something"),
        ("Lin Linkworker", "Done: correct something"),
    ]


def test_staff_ask_on_a_members_behalf(cast):
    request = services.make_request(actor=cast.actor("coordinator"), person=cast.member, kind="erasure")
    assert request.on_behalf
    assert _rights_events(cast.member) == [("Cora Coordinator", "Asked: erase my record on their behalf")]


def test_a_correction_needs_words_and_an_answer_needs_words(cast):
    with pytest.raises(DomainError):
        services.make_request(actor=cast.actor("member"), person=cast.member, kind="correction", detail=" ")
    request = _correction(cast)
    with pytest.raises(DomainError):
        services.complete_request(actor=cast.actor("coordinator"), request=request, outcome="")
    with pytest.raises(DomainError):
        services.refuse_request(actor=cast.actor("coordinator"), request=request, reason="")


def test_staff_refuse_with_a_reason_and_an_answered_request_stays_answered(cast):
    request = _correction(cast)
    refused = services.refuse_request(actor=cast.actor("coordinator"), request=request, reason="It is right")
    assert refused.status == RightsRequest.Status.REFUSED and refused.outcome == "It is right"
    with pytest.raises(Conflict):
        services.complete_request(actor=cast.actor("coordinator"), request=request, outcome="Done")


def test_nobody_completes_their_own_request(cast):
    request = services.make_request(
        actor=cast.actor("link_worker"), person=cast.link_worker, kind="correction", detail="x"
    )
    with pytest.raises(PermissionDenied):
        services.complete_request(actor=cast.actor("link_worker"), request=request, outcome="Done")


def test_an_erasure_is_completed_only_by_carrying_it_out(cast):
    request = services.make_request(actor=cast.actor("member"), person=cast.member, kind="erasure")
    with pytest.raises(DomainError):
        services.complete_request(actor=cast.actor("coordinator"), request=request, outcome="Done")
    with pytest.raises(PermissionDenied):
        services.refuse_request(actor=cast.actor("link_worker"), request=request, reason="No")
    with pytest.raises(Conflict):
        services.make_request(actor=cast.actor("member"), person=cast.member, kind="erasure")


def test_the_person_withdraws_their_request(cast):
    request = services.make_request(actor=cast.actor("member"), person=cast.member, kind="erasure")
    withdrawn = services.withdraw_request(actor=cast.actor("member"), request=request)
    assert withdrawn.status == RightsRequest.Status.WITHDRAWN
    with pytest.raises(PermissionDenied):
        services.withdraw_request(actor=cast.actor("member2"), request=request)


@pytest.mark.parametrize(
    "who", ["member2", "broker", "commissioner", "peer", "referrer", "volunteer", "outsider"]
)
def test_others_may_not_ask_for_a_member(cast, who):
    with pytest.raises(PermissionDenied):
        services.make_request(actor=cast.actor(who), person=cast.member, kind="erasure")


@pytest.mark.parametrize(
    ("who", "see", "erase"),
    [
        ("member", True, False),
        ("member2", False, False),
        ("link_worker", True, False),
        ("coordinator", True, True),
        ("administrator", True, True),
        ("broker", False, False),
        ("commissioner", False, False),
        ("peer", False, False),
        ("outsider", False, False),
    ],
)
def test_who_may_see_and_erase_a_member(cast, who, see, erase):
    actor = cast.actor(who)
    assert permissions.can_see_everything(actor, cast.member) is see
    assert permissions.can_make_request(actor, cast.member) is see
    assert permissions.can_erase(actor, cast.member) is erase


def test_nobody_erases_themself(cast):
    assert not permissions.can_erase(cast.actor("coordinator"), cast.coordinator)
