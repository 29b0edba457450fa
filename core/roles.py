"""The roles a person can hold in a hub, and the Actor every permission check receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from core.models import Hub
    from people.models import Person


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    PEER_SUPPORTER = "peer_supporter", "Peer supporter"
    VOLUNTEER = "volunteer", "Volunteer"
    # One role for link workers, health coaches and local area coordinators: the seeds
    # describe the same relationship-based work under three job titles.
    LINK_WORKER = "link_worker", "Link worker"
    BROKER = "broker", "Time-bank broker"
    REFERRER = "referrer", "Referrer"
    COORDINATOR = "coordinator", "Coordinator"
    COMMISSIONER = "commissioner", "Commissioner"
    ADMINISTRATOR = "administrator", "Administrator"


# Roles whose holders work on other people's records or the hub's figures; they must pass a
# second factor (TOTP) before anything else.
STAFF_ROLES = frozenset(
    {Role.LINK_WORKER, Role.BROKER, Role.COORDINATOR, Role.COMMISSIONER, Role.ADMINISTRATOR}
)

# Roles that must pass the second factor: staff, and peer supporters, because while on call they can
# open the crisis plans members share with them (decision 0002).
TWO_FACTOR_ROLES = STAFF_ROLES | {Role.PEER_SUPPORTER}


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which hub, with which roles there.

    `person` is the actor's own record in the hub (None for a user with no record there).
    """

    user: User | None
    hub: Hub
    person: Person | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    ip_address: str | None = None

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_staff_role(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def needs_two_factor(self) -> bool:
        return bool(self.roles & TWO_FACTOR_ROLES)

    @property
    def label(self) -> str:
        if self.person is not None:
            return self.person.display_name
        if self.user is not None:
            return self.user.get_username()
        return "system"

    def is_self(self, person: Person) -> bool:
        return self.person is not None and self.person.pk == person.pk
