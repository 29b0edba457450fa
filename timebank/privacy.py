"""What the time bank holds about a person, for subject access and erasure (rights/registry.py).

The ledger is kept whole: the account (with its balance), its transfers and their entries are the
hub's books, and every minute in them must still add up after a member is erased. Erasure closes the
account, renames it, and removes the words members wrote (descriptions of exchanges, listings) and the
name snapshots of who posted; no entry, amount, date or account link changes, so `check_ledger` passes
and every balance stays as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from rights.registry import Rule
from timebank.models import Account, DigestSubscription, Entry, Exchange, Listing, Transfer

if TYPE_CHECKING:
    from rights.erasure import Erasure

LEDGER_KEPT = (
    "The time-bank ledger is the hub's financial record of time given and received: it must balance "
    "to the minute for every other member, and is kept for 6 years like any book of account. The "
    "amounts and dates stay; the account is closed and shown as 'Erased member'."
)


def _accounts(person):
    return Account.objects.filter(person=person)


def _transfers(person):
    return Transfer._base_manager.filter(entries__account__person=person).distinct()


def _entries(person):
    return Entry._base_manager.filter(account__person=person)


def _exchanges(person):
    return Exchange.objects.filter(Q(giver__person=person) | Q(receiver__person=person))


def _erase_accounts(erasure: Erasure) -> None:
    erasure.update(Account.objects.filter(person=erasure.person), name=erasure.label, is_active=False)


def _erase_transfers(erasure: Erasure) -> None:
    from rights.erasure import REMOVED

    transfers = _transfers(erasure.person)
    # The other half of a transfer between hubs, in the other hub's books, names the member too.
    batches = [b for b in transfers.exclude(batch=None).values_list("batch", flat=True)]
    erasure.update(Transfer._base_manager.filter(pk__in=transfers.values("pk")), description=REMOVED)
    for transfer in Transfer._base_manager.filter(batch__in=batches).exclude(pk__in=transfers.values("pk")):
        scrubbed = erasure.scrub(transfer.description)
        if scrubbed != transfer.description:
            erasure.update(Transfer._base_manager.filter(pk=transfer.pk), description=scrubbed)
    if erasure.user is not None:
        erasure.relabel(Transfer._base_manager.filter(posted_by=erasure.user), "posted_by_label")


def _erase_exchanges(erasure: Erasure) -> None:
    from rights.erasure import REMOVED

    erasure.update(_exchanges(erasure.person), description=REMOVED, decline_reason="")


def _erase_listings(erasure: Erasure) -> None:
    from rights.erasure import REMOVED

    erasure.update(
        Listing.objects.filter(person=erasure.person),
        title=REMOVED[:120],
        description="",
        tags="",
        area="",
        availability="",
        is_active=False,
    )


def _erase_digest(erasure: Erasure) -> None:
    erasure.delete(DigestSubscription.objects.filter(person=erasure.person))


RULES = [
    Rule(
        model="timebank.Account",
        fields=("person", "approved_by"),
        part="timebank",
        rows=_accounts,
        erase=_erase_accounts,
        kept=LEDGER_KEPT,
    ),
    Rule(
        model="timebank.Transfer",
        fields=("posted_by",),
        part="timebank",
        rows=_transfers,
        erase=_erase_transfers,
        kept=LEDGER_KEPT,
        # Idempotency keys are the posting machinery's, not information about the member.
        omit=("idempotency_key",),
    ),
    Rule(model="timebank.Entry", part="timebank", rows=_entries, kept=LEDGER_KEPT),
    Rule(
        model="timebank.Exchange",
        fields=("recorded_by", "confirmed_by", "approved_by"),
        part="timebank",
        rows=_exchanges,
        erase=_erase_exchanges,
        kept="An exchange is the record behind a ledger transfer; its minutes and dates stay with it.",
    ),
    Rule(
        model="timebank.Listing",
        fields=("person", "created_by"),
        part="timebank",
        rows=lambda person: Listing.objects.filter(person=person),
        erase=_erase_listings,
    ),
    Rule(model="timebank.DigestSubscription", fields=("person",), part="timebank", erase=_erase_digest),
]
