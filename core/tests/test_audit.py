import pytest

from core import audit
from core.models import AppendOnlyError, AuditEvent
from people.models import ConsentEvent, ConsentPurpose


def test_audit_rows_cannot_be_changed_or_deleted(cast):
    event = audit.record(actor=cast.actor("link_worker"), action=AuditEvent.Action.VIEW, person=cast.member)
    event.summary = "nothing to see"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == ""


def test_consent_events_are_append_only_too(cast):
    event = ConsentEvent.objects.create(
        person=cast.member,
        purpose=ConsentPurpose.EVALUATION,
        granted=True,
        method=ConsentEvent.Method.VERBAL,
        recorded_by_label="x",
    )
    event.granted = False
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        ConsentEvent.objects.filter(pk=event.pk).delete()


def test_an_audit_row_snapshots_who_acted_where_and_from_which_address(cast):
    actor = cast.actor("coordinator")
    actor = type(actor)(
        user=actor.user, hub=actor.hub, person=actor.person, roles=actor.roles, ip_address="192.0.2.10"
    )
    event = audit.record(actor=actor, action=AuditEvent.Action.VIEW, person=cast.member)
    assert (event.hub, event.actor_label, event.ip_address) == (cast.hub, "Cora Coordinator", "192.0.2.10")
    assert (event.object_type, event.object_id) == ("people.person", str(cast.member.pk))
