"""Many people posting at once on PostgreSQL: worker threads, each with its own connection, post random
transfers through the services among a few accounts (so they fight over the same rows) and the books
must come out exact: nothing lost, nothing created, nothing duplicated, and no limit broken except by
a broker's reversal, which says so.

SQLite allows one writer at a time, so there is no race to find there; the test runs on PostgreSQL only
(CI runs the suite on both).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q, Sum

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from core.roles import Actor, Role
from core.testing import actor_for, build_cast, make_person
from people.models import Person
from timebank import ledger, services
from timebank.ledger import LimitError
from timebank.models import Account, Category, Entry, TimebankSettings, Transfer

WORKERS = 8
MEMBERS = 20
TARGET = 2_000  # new transfers posted by all workers together
MAX_CALLS = 12_000  # a bound, so a bug that refuses everything fails instead of spinning
GRANT, LOWEST, HIGHEST = 60, -120, 240
SHARED_GIFTS = 150  # gifts that two people may submit at once (a double-clicked form), by key

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has one writer at a time, so there are no concurrent postings to test",
)


@dataclass
class Shared:
    """What the workers report, under one lock: every transfer a service returned, with its legs."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    posted: dict = field(default_factory=dict)  # transfer pk -> {account pk: minutes}
    reversible: list = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)

    def record(self, transfer_pk, legs: dict[int, int], outcome: str, *, reversible: bool = True) -> None:
        with self.lock:
            earlier = self.posted.setdefault(transfer_pk, legs)
            assert earlier == legs, "a key returned a transfer that moved different amounts"
            if reversible and earlier is legs:
                self.reversible.append(transfer_pk)
            self.outcomes[outcome] += 1

    def count(self, outcome: str) -> None:
        with self.lock:
            self.outcomes[outcome] += 1

    def done(self) -> bool:
        with self.lock:
            return len(self.posted) >= TARGET


class Worker:
    """One person's browser: picks a random action and calls the service, as a view would."""

    def __init__(
        self, number: int, shared: Shared, account_ids: list[int], pot_id: int, broker_id: int, gifts: list
    ):
        self.rng = random.Random(2026 + number)
        self.shared = shared
        self.gifts = gifts
        # Everything this thread touches is read on its own connection.
        self.accounts = list(Account.objects.filter(pk__in=account_ids).order_by("pk"))
        self.pot = Account.objects.get(pk=pot_id)
        self.issuance = Account.objects.get(hub_id=self.pot.hub_id, kind=Account.Kind.ISSUANCE)
        people = Person.objects.select_related("hub", "user").in_bulk([a.person_id for a in self.accounts])
        self.actors = {a.pk: actor_for(people[a.person_id]) for a in self.accounts}
        self.broker: Actor = actor_for(Person.objects.select_related("hub", "user").get(pk=broker_id))

    def run(self) -> None:
        actions = [
            (self.broker_exchange, 4),
            (self.member_exchange, 3),
            (self.donation, 3),
            (self.shared_gift, 2),
            (self.from_pot, 1),
            (self.award, 1),
            (self.reversal, 1),
        ]
        calls = 0
        while not self.shared.done() and calls < MAX_CALLS // WORKERS:
            calls += 1
            action = self.rng.choices([a for a, _ in actions], weights=[w for _, w in actions])[0]
            try:
                action()
            except LimitError:
                self.shared.count("refused by a limit")
            except Conflict:
                self.shared.count("already reversed (seen before posting)")
            except DomainError as error:
                if "already been reversed" not in error.message:
                    raise
                self.shared.count("already reversed (lost the race)")

    def two(self) -> tuple[Account, Account]:
        giver, receiver = self.rng.sample(self.accounts, 2)
        return giver, receiver

    def minutes(self) -> int:
        return self.rng.randrange(15, 91)

    def broker_exchange(self) -> None:
        giver, receiver = self.two()
        minutes = self.minutes()
        exchange = services.record_exchange(
            actor=self.broker,
            giver=giver,
            receiver=receiver,
            minutes=minutes,
            category=Category.GARDENING,
            description="From a paper time sheet",
        )
        self.shared.record(exchange.transfer_id, {receiver.pk: -minutes, giver.pk: minutes}, "exchange")

    def member_exchange(self) -> None:
        giver, receiver = self.two()
        minutes = self.minutes()
        exchange = services.record_exchange(
            actor=self.actors[giver.pk],
            giver=giver,
            receiver=receiver,
            minutes=minutes,
            category=Category.BEFRIENDING,
            description="A cup of tea and a chat",
        )
        exchange = services.confirm_exchange(actor=self.actors[receiver.pk], exchange=exchange)
        self.shared.record(
            exchange.transfer_id, {receiver.pk: -minutes, giver.pk: minutes}, "exchange confirmed"
        )

    def donation(self) -> None:
        giver, receiver = self.two()
        to = self.pot if self.rng.random() < 0.3 else receiver
        minutes = self.minutes()
        transfer = services.donate(
            actor=self.actors[giver.pk], from_account=giver, to_account=to, minutes=minutes
        )
        self.shared.record(transfer.pk, {giver.pk: -minutes, to.pk: minutes}, "donation")

    def shared_gift(self) -> None:
        # The same gift, with the same key, may be sent by several threads at once: it posts once.
        key, giver, to, minutes = self.rng.choice(self.gifts)
        transfer = services.donate(
            actor=self.actors[giver.pk],
            from_account=giver,
            to_account=to,
            minutes=minutes,
            idempotency_key=key,
        )
        self.shared.record(transfer.pk, {giver.pk: -minutes, to.pk: minutes}, "gift with a key")

    def from_pot(self) -> None:
        to = self.rng.choice(self.accounts)
        minutes = self.minutes()
        transfer = services.allocate_from_pot(
            actor=self.broker, to_account=to, minutes=minutes, reason="Cannot earn"
        )
        self.shared.record(transfer.pk, {self.pot.pk: -minutes, to.pk: minutes}, "from the pot")

    def award(self) -> None:
        to = self.rng.choice(self.accounts)
        minutes = self.minutes()
        transfer = services.award(actor=self.broker, to_account=to, minutes=minutes, reason="Coffee morning")
        self.shared.record(transfer.pk, {self.issuance.pk: -minutes, to.pk: minutes}, "award")

    def reversal(self) -> None:
        with self.shared.lock:
            if not self.shared.reversible:
                return
            # Not removed until done, so two threads sometimes reverse the same transfer at once.
            pk = self.rng.choice(self.shared.reversible)
            legs = self.shared.posted[pk]
        reversal = services.reverse_transfer(
            actor=self.broker, transfer=Transfer.objects.get(pk=pk), reason="Entered twice"
        )
        with self.shared.lock:
            if pk in self.shared.reversible:
                self.shared.reversible.remove(pk)
        self.shared.record(reversal.pk, {a: -m for a, m in legs.items()}, "reversal", reversible=False)


@pytest.fixture
def retried(monkeypatch):
    """Every deadlock or serialization failure that made a service start again (a spy, not a mock:
    the real check still decides)."""
    seen: list[Exception] = []
    check = ledger._is_retryable

    def spy(exc):
        if check(exc):
            seen.append(exc)
            return True
        return False

    monkeypatch.setattr(ledger, "_is_retryable", spy)
    return seen


def run_worker(worker_args: tuple, shared: Shared) -> None:
    try:
        Worker(*worker_args).run()
    except BaseException as error:  # reported to the main thread, which fails the test
        with shared.lock:
            shared.errors.append(error)
    finally:
        # Each thread opened its own connection; left open, the test database could not be dropped.
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_postings_keep_the_books_exact_and_within_limits(retried):
    cast = build_cast()
    hub, broker = cast.hub, cast.actor("broker")
    TimebankSettings.objects.update_or_create(
        hub=hub,
        defaults={"joining_grant": GRANT, "member_lowest_balance": LOWEST, "member_highest_balance": HIGHEST},
    )
    pot = services.system_account(hub, Account.Kind.POT)
    services.system_account(hub, Account.Kind.ISSUANCE)
    members = [
        services.join(actor=broker, person=make_person(hub, f"Member{i:02d} Bench", Role.MEMBER))
        for i in range(MEMBERS)
    ]
    rng = random.Random(7)
    gifts = []
    for n in range(SHARED_GIFTS):
        giver, receiver = rng.sample(members, 2)
        gifts.append((f"gift:{n}", giver, pot if n % 4 == 0 else receiver, rng.randrange(15, 91)))
    before = {
        "transfers": set(Transfer.objects.values_list("pk", flat=True)),
        "entries": Entry.objects.count(),
        "balances": dict(Account.objects.values_list("pk", "balance")),
    }
    assert before["balances"][pot.pk] == 0 and len(before["transfers"]) == MEMBERS  # the joining grants

    shared = Shared()
    ids = [a.pk for a in members]
    threads = [
        threading.Thread(
            target=run_worker, args=((n, shared, ids, pot.pk, cast.broker.pk, gifts), shared), daemon=True
        )
        for n in range(WORKERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker is stuck"
    assert not shared.errors, shared.errors
    # Accounts are locked in one order everywhere, so no posting ever waits on another in a cycle:
    # nothing had to be retried (each deadlock would also have cost a second of waiting).
    assert retried == [], retried
    assert len(shared.posted) >= TARGET, shared.outcomes

    call_command("check_ledger")
    # Nothing lost, created or duplicated: the new transfers are exactly those the workers were given
    # back, each with its two entries, and every balance is where those entries put it.
    new = set(Transfer.objects.values_list("pk", flat=True)) - before["transfers"]
    assert new == set(shared.posted)
    assert Entry.objects.count() == before["entries"] + sum(len(legs) for legs in shared.posted.values())
    expected = Counter(before["balances"])
    for legs in shared.posted.values():
        expected.update(legs)
    accounts = Account.objects.filter(hub=hub).annotate(
        total=Sum("entries__minutes"),
        overrides=Count("entries", filter=~Q(entries__transfer__override_reason="")),
    )
    assert sum(a.total or 0 for a in accounts) == 0
    for account in accounts:
        assert account.balance == (account.total or 0) == expected[account.pk], account
        beyond = (account.lowest_balance is not None and account.balance < account.lowest_balance) or (
            account.highest_balance is not None and account.balance > account.highest_balance
        )
        # Only a broker's reversal may put an account past a limit, and it says so (audited).
        assert not beyond or account.overrides, f"{account} is beyond a limit"
    overridden = Transfer.objects.exclude(override_reason="")
    assert not overridden.exclude(kind=Transfer.Kind.REVERSAL).exists()
    audited = AuditEvent.objects.filter(
        summary__startswith="Limit overridden", object_type="timebank.transfer"
    )
    assert sorted(audited.values_list("object_id", flat=True)) == sorted(str(t.pk) for t in overridden)
    # Each shared gift posted at most once; reversed transfers were reversed once.
    keys = Transfer.objects.filter(hub=hub, idempotency_key__startswith="gift:")
    assert keys.count() == keys.values("idempotency_key").distinct().count()
    assert Transfer.objects.filter(reverses__isnull=False).count() == shared.outcomes["reversal"]
    # The run did what it set out to: contention, refusals and repeated keys all happened.
    assert shared.outcomes["refused by a limit"] > 0
    assert shared.outcomes["gift with a key"] > keys.count()
