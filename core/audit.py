"""Writing to the append-only audit log. Every service that reads or changes a person's record calls
record(); a refused attempt is recorded too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.models import AuditEvent
from core.roles import Actor

if TYPE_CHECKING:
    from people.models import Person


def record(
    *,
    actor: Actor,
    action: str,
    person: Person | None = None,
    obj=None,
    summary: str = "",
    fields: list[str] | None = None,
) -> AuditEvent:
    if obj is None:
        obj = person
    return AuditEvent.objects.create(
        hub=actor.hub,
        actor=actor.user if actor.user is not None and actor.user.pk else None,
        actor_label=actor.label[:200],
        action=action,
        person=person,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:300],
        fields=sorted(fields or []),
        ip_address=actor.ip_address,
    )
