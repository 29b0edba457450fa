"""The posting engine: the only code that writes entries or changes a cached balance.

Every public service in timebank.services that moves time ends here. The rules:
- amounts are whole minutes, never zero, and the legs of a transfer sum to zero;
- accounts are locked in primary-key order (no two transfers wait on each other in a cycle), and
  balances change in the database (balance = balance + ...) in the same transaction as the entries,
  in raw SQL built once (the ORM cost the client more CPU than the database); a caller that locks
  accounts itself must do the same (primary-key order, FOR NO KEY UPDATE), and must not lock them
  through a join (select_related with select_for_update locks the joined rows in join order);
- limits are enforced at posting; breaking one needs a broker's written reason (audited);
- an idempotency key posts at most once per hub.
"""

from __future__ import annotations

import functools
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple, ParamSpec, TypeVar

from django.db import IntegrityError, NotSupportedError, OperationalError, connection, transaction
from django.utils import timezone

from core import audit
from core.errors import DomainError
from core.models import AuditEvent, Hub
from core.roles import Actor
from timebank.models import Account, Entry, Transfer

P = ParamSpec("P")
R = TypeVar("R")

# PostgreSQL's serialization_failure and deadlock_detected: safe to run the whole transaction again.
RETRYABLE_SQLSTATES = {"40001", "40P01"}
MAX_ATTEMPTS = 6


class LimitError(DomainError):
    status_code = 409


def hours_minutes(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    h, m = divmod(abs(minutes), 60)
    if h and m:
        return f"{sign}{h} h {m} min"
    return f"{sign}{h} h" if h else f"{sign}{m} min"


def _is_retryable(exc: OperationalError) -> bool:
    sqlstate = getattr(getattr(exc, "__cause__", None), "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    # SQLite reports a competing writer as "database is locked".
    return connection.vendor == "sqlite" and "locked" in str(exc)


def retry_on_conflict(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` (which opens its own transaction) again after a deadlock or serialization failure.

    Inside an outer transaction a retry cannot help, so the error is raised at once.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return fn(*args, **kwargs)
            except OperationalError as exc:
                if connection.in_atomic_block or attempt == MAX_ATTEMPTS or not _is_retryable(exc):
                    raise
                time.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311 - jitter, not security
        raise AssertionError("unreachable")

    return wrapper


@dataclass(frozen=True)
class Leg:
    account: Account
    minutes: int


def _merge(legs: Iterable[Leg]) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for leg in legs:
        if not isinstance(leg.minutes, int) or isinstance(leg.minutes, bool):
            raise DomainError("Time is recorded in whole minutes.")
        totals[leg.account.pk] += leg.minutes
    return {pk: m for pk, m in totals.items() if m != 0}


class _Locked(NamedTuple):
    """What posting needs of a locked account: a plain row, not a model (a model costs more to build)."""

    pk: int
    hub_id: int
    name: str
    balance: int
    lowest_balance: int | None
    highest_balance: int | None
    is_active: bool


@functools.cache
def _sql(vendor: str, legs: int) -> tuple[str, str, str, str]:
    """The lock, the transfer insert, the entries insert and the balance update for `legs` accounts.

    Raw SQL, built once per database and number of legs: the ORM spent more CPU building these four
    statements than PostgreSQL spent running them (docs/benchmarks.md, "Time bank").
    """
    q = connection.ops.quote_name
    account, entry, transfer = (q(m._meta.db_table) for m in (Account, Entry, Transfer))
    ids = ", ".join(["%s"] * legs)
    if not connection.features.has_select_for_update:
        lock = ""  # SQLite: the first write takes the whole database, so there is nothing to lock by row.
    elif connection.features.has_select_for_no_key_update:
        lock = " FOR NO KEY UPDATE"
    else:
        raise NotSupportedError("The ledger needs SELECT ... FOR NO KEY UPDATE on this database.")
    select = (
        f"SELECT {q('id')}, {q('hub_id')}, {q('name')}, {q('balance')}, {q('lowest_balance')}, "  # noqa: S608 - names and placeholders only
        f"{q('highest_balance')}, {q('is_active')} FROM {account} WHERE {q('id')} IN ({ids}) "
        f"ORDER BY {q('id')} ASC{lock}"
    )
    fields = Transfer._meta.concrete_fields
    insert_transfer = (
        f"INSERT INTO {transfer} ({', '.join(q(str(f.column)) for f in fields)}) "  # noqa: S608 - names and placeholders only
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    insert_entries = (
        f"INSERT INTO {entry} ({q('transfer_id')}, {q('account_id')}, {q('minutes')}) "  # noqa: S608 - names and placeholders only
        f"VALUES {', '.join(['(%s, %s, %s)'] * legs)}"
    )
    update = (
        f"UPDATE {account} SET {q('balance')} = {q('balance')} + CASE {q('id')}"  # noqa: S608 - names and placeholders only
        f"{' WHEN %s THEN %s' * legs} END WHERE {q('id')} IN ({ids})"
    )
    return select, insert_transfer, insert_entries, update


def _insert_transfer(cursor, sql: str, transfer: Transfer) -> None:
    """INSERT the transfer as Model.save(force_insert=True) would (no signals are connected to it),
    converting each value for this database (UUIDs, dates), then mark the instance saved."""
    cursor.execute(
        sql,
        [f.get_db_prep_save(f.pre_save(transfer, True), connection) for f in Transfer._meta.concrete_fields],
    )
    transfer._state.adding = False
    transfer._state.db = connection.alias


def _check_limits(account: _Locked, change: int) -> str | None:
    new = account.balance + change
    # Only a movement in the breaking direction is refused: an account already beyond its limit
    # (after an override) may always move back towards it.
    if change < 0 and account.lowest_balance is not None and new < account.lowest_balance:
        return (
            f"{account.name} would go to {hours_minutes(new)}, below the lowest balance allowed "
            f"({hours_minutes(account.lowest_balance)})."
        )
    if change > 0 and account.highest_balance is not None and new > account.highest_balance:
        return (
            f"{account.name} would go to {hours_minutes(new)}, above the highest balance allowed "
            f"({hours_minutes(account.highest_balance)})."
        )
    return None


def post(
    *,
    actor: Actor,
    hub: Hub,
    legs: list[Leg],
    kind: str,
    category: str,
    description: str,
    occurred_on: date | None = None,
    idempotency_key: str | None = None,
    override_reason: str = "",
    reverses: Transfer | None = None,
    batch: uuid.UUID | None = None,
    after_write: Callable[[], None] | None = None,
) -> Transfer:
    """Post one balanced transfer. Must run inside the caller's transaction.atomic.

    With an idempotency key already used in this hub, returns the earlier transfer and posts nothing.
    `override_reason` lets the transfer break limits; the caller has checked the actor may override.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("ledger.post must run inside a transaction")
    key = (idempotency_key or "").strip() or None
    if key is not None:
        if len(key) > 100:
            raise DomainError("The idempotency key must be 100 characters or fewer.")
        earlier = Transfer.objects.filter(hub=hub, idempotency_key=key).first()
        if earlier is not None:
            return earlier
    totals = _merge(legs)
    if len(totals) < 2:
        raise DomainError("A transfer moves time between two or more different accounts.")
    if sum(totals.values()) != 0:
        raise DomainError("The time given and the time received must be equal.")
    description = (description or "").strip()
    if not description or len(description) > 300:
        raise DomainError("Describe the transfer in 1 to 300 characters.", {"description": ["Required."]})

    # Lock in a fixed order (primary key) so concurrent transfers cannot deadlock each other.
    # FOR NO KEY UPDATE, not FOR UPDATE: it still makes postings to an account wait for each other,
    # but not for the FOR KEY SHARE locks PostgreSQL's foreign-key checks take at commit (an exchange
    # or entry naming the account). Those are taken in column order, not key order, so with FOR UPDATE
    # a commit holding one account's key-share lock and a posting holding the other's row lock
    # deadlocked (found by timebank/tests/test_concurrency.py).
    select, insert_transfer, insert_entries, update = _sql(connection.vendor, len(totals))
    order = sorted(totals)
    with connection.cursor() as cursor:
        cursor.execute(select, order)
        locked = {row[0]: _Locked(*row) for row in cursor.fetchall()}
    if len(locked) != len(totals) or any(a.hub_id != hub.pk for a in locked.values()):
        raise DomainError("Every account in a transfer must belong to this hub's time bank.")
    inactive = [a.name for a in locked.values() if not a.is_active]
    if inactive:
        raise DomainError(f"This account is closed: {', '.join(inactive)}.")
    problems = [p for pk, m in totals.items() if (p := _check_limits(locked[pk], m))]
    if problems and not override_reason.strip():
        raise LimitError(" ".join(problems))

    transfer = Transfer(
        hub=hub,
        kind=kind,
        category=category,
        description=description,
        occurred_on=occurred_on or timezone.localdate(),
        posted_by=actor.user,
        posted_by_label=actor.label[:200],
        reverses=reverses,
        idempotency_key=key,
        override_reason=override_reason.strip() if problems else "",
        batch=batch,
    )
    try:
        # Only an idempotency key or a reversal can collide with a concurrent posting (both are unique);
        # only then is a savepoint worth its two round trips, so the caller's transaction survives.
        with (
            transaction.atomic() if key is not None or reverses is not None else nullcontext(),
            connection.cursor() as cursor,
        ):
            _insert_transfer(cursor, insert_transfer, transfer)
    except IntegrityError:
        if key is not None:
            # A concurrent request with the same key won the race; it posted, we do not.
            earlier = Transfer.objects.filter(hub=hub, idempotency_key=key).first()
            if earlier is not None:
                return earlier
        if reverses is not None:
            raise DomainError("This transfer has already been reversed.") from None
        raise
    transfer_id = Transfer._meta.pk.get_db_prep_save(transfer.pk, connection)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(insert_entries, [v for pk in order for v in (transfer_id, pk, totals[pk])])
    if after_write is not None:
        after_write()  # a test hook: a failure here must leave no trace
    # One UPDATE for all the legs: each balance moves by its own amount, under the locks taken above.
    with connection.cursor() as cursor:
        cursor.execute(update, [v for pk in order for v in (pk, totals[pk])] + order)
    if problems:
        audit.record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=transfer,
            summary=f"Limit overridden: {override_reason.strip()[:200]}",
        )
    return transfer
