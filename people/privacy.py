"""What people holds about a person, for subject access and erasure (rights/registry.py).

The person record itself is anonymised in place, never deleted: every other app's rows point at it,
and keeping it keeps their numbers (ledger balances, attendance, measurements) whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from people.models import ConsentEvent, Person, ProfileEntry
from rights.registry import Rule

if TYPE_CHECKING:
    from rights.erasure import Erasure


def _erase_person(erasure: Erasure) -> None:
    from rights.erasure import new_username

    person = erasure.person
    erasure.update(
        Person.objects.filter(pk=person.pk),
        full_name=erasure.label,
        preferred_name="",
        pronouns="",
        email="",
        phone="",
        address="",
        postcode="",
        date_of_birth=None,
        nhs_number="",
        communication_needs="",
        user=None,
    )
    user = erasure.user
    if user is not None and erasure.closes_login:
        # The login served only this record: it can never sign in again and keeps no name or address.
        # It is not deleted, because audit, consent and ledger rows point at it (PROTECT).
        user.username = new_username(person)
        user.first_name = ""
        user.last_name = ""
        user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        erasure.count("auth.User", 1)
    person.refresh_from_db()


def _erase_profile(erasure: Erasure) -> None:
    erasure.delete(ProfileEntry.objects.filter(person=erasure.person))


def _erase_consent(erasure: Erasure) -> None:
    consents = ConsentEvent.objects.filter(person=erasure.person).exclude(detail="")
    erasure.update(consents, detail="")
    if erasure.user is not None:
        erasure.relabel(ConsentEvent.objects.filter(recorded_by=erasure.user), "recorded_by_label")


def _own_record(person):
    return Person.objects.filter(pk=person.pk)


RULES = [
    Rule(
        model="people.Person",
        # created_by is who added a record: the records a member of staff added are other people's,
        # so the export holds only the person's own record.
        fields=("user", "created_by"),
        part="profile",
        rows=_own_record,
        erase=_erase_person,
    ),
    Rule(model="people.ProfileEntry", fields=("person",), part="profile", erase=_erase_profile),
    # Roles hold no free text; they stay so the hub's counts of members and volunteers keep their
    # totals. A person with a staff role cannot be erased until it is removed.
    Rule(model="people.RoleGrant", fields=("person", "granted_by"), part="profile"),
    Rule(
        model="people.ConsentEvent",
        fields=("person", "recorded_by"),
        part="consent",
        rows=lambda person: ConsentEvent.objects.filter(person=person),
        erase=_erase_consent,
        kept=(
            "Consent history is the hub's proof of what the person agreed to and when (UK GDPR article "
            "7(1)). The yes/no answers, purposes and dates are kept for 6 years; any detail written "
            "with an answer is removed."
        ),
    ),
]
