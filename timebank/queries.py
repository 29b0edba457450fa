"""Every read the time-bank pages, API, reports and checks need."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.models import Hub
from core.roles import Actor
from people.models import Person, ProfileEntry
from timebank.models import (
    Account,
    Category,
    Entry,
    Exchange,
    Listing,
    TimebankSettings,
    Transfer,
    WayToSpend,
)


def account_of(person: Person) -> Account | None:
    return Account.objects.filter(hub_id=person.hub_id, person=person).first()


def member_accounts(hub: Hub) -> QuerySet[Account]:
    return Account.objects.filter(hub=hub, kind=Account.Kind.MEMBER).select_related("person")


def recent_transfers(account: Account, limit: int = 10) -> list[Entry]:
    return list(
        Entry.objects.filter(account=account)
        .select_related("transfer")
        .order_by("-transfer__posted_at", "-id")[:limit]
    )


def waiting_for(actor: Actor) -> QuerySet[Exchange]:
    """Exchanges the actor is asked to confirm (recorded by the other side)."""
    if actor.person is None:
        return Exchange.objects.none()
    qs = Exchange.objects.filter(hub=actor.hub, status=Exchange.Status.AWAITING_CONFIRMATION).filter(
        Q(giver__person=actor.person) | Q(receiver__person=actor.person)
    )
    if actor.user is not None:
        qs = qs.exclude(recorded_by=actor.user)
    return qs.select_related("giver", "receiver")


def awaiting_approval(hub: Hub) -> QuerySet[Exchange]:
    return Exchange.objects.filter(hub=hub, status=Exchange.Status.AWAITING_APPROVAL).select_related(
        "giver", "receiver"
    )


def members_awaiting_approval(hub: Hub) -> QuerySet[Account]:
    return member_accounts(hub).filter(approved_at__isnull=True, is_active=True)


@dataclass
class StatementLine:
    entry: Entry
    balance: int


@dataclass
class Statement:
    account: Account
    start: date
    end: date
    opening: int
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def closing(self) -> int:
        return self.lines[-1].balance if self.lines else self.opening

    @property
    def earned(self) -> int:
        return sum(line.entry.minutes for line in self.lines if line.entry.minutes > 0)

    @property
    def spent(self) -> int:
        return -sum(line.entry.minutes for line in self.lines if line.entry.minutes < 0)


def statement(account: Account, *, start: date, end: date) -> Statement:
    """Every movement in a period with a running balance; the opening balance sums what came before."""
    entries = Entry.objects.filter(account=account)
    opening = entries.filter(transfer__occurred_on__lt=start).aggregate(s=Sum("minutes"))["s"] or 0
    result = Statement(account=account, start=start, end=end, opening=opening)
    running = opening
    for entry in (
        entries.filter(transfer__occurred_on__gte=start, transfer__occurred_on__lte=end)
        .select_related("transfer")
        .order_by("transfer__occurred_on", "id")
    ):
        running += entry.minutes
        result.lines.append(StatementLine(entry=entry, balance=running))
    return result


def board(
    hub: Hub, *, kind: str = "", text: str = "", category: str = "", area: str = ""
) -> QuerySet[Listing]:
    qs = Listing.objects.filter(hub=hub, is_active=True).select_related("person")
    if kind:
        qs = qs.filter(kind=kind)
    if category:
        qs = qs.filter(category=category)
    if area:
        qs = qs.filter(area__iexact=area.strip())
    for word in text.split()[:6]:
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word) | Q(tags__icontains=word))
    return qs.order_by("-created_at", "-id")


_WORD = re.compile(r"[a-z]{3,}")
_STOP = {"and", "the", "for", "with", "some", "help", "need", "needs", "someone", "can", "who", "please"}


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in _WORD.findall(text.lower()) if w not in _STOP}


def _closeness(area: str, other: str) -> int:
    """How near two postcode districts are: 2 the same district, 1 the same area letters, else 0."""
    if not area or not other:
        return 0
    if area.upper() == other.upper():
        return 2
    letters = lambda s: re.match(r"[A-Z]+", s.upper())  # noqa: E731
    a, b = letters(area), letters(other)
    return 1 if a and b and a.group(0) == b.group(0) else 0


@dataclass
class Match:
    person: Person
    reasons: list[str]
    score: int
    closeness: int
    offer: Listing | None = None


def matches_for(request: Listing, *, limit: int = 10) -> list[Match]:
    """People whose offers, or "what they can offer" on their record, fit a request; nearest first.

    Nearness is by postcode district until the directory's postcode table gives distances.
    """
    wanted = _words(" ".join([request.title, request.description, request.tags]))
    found: dict[int, Match] = {}

    def note(person: Person, reason: str, score: int, offer: Listing | None = None) -> None:
        if person.pk == request.person_id:
            return
        match = found.get(person.pk)
        if match is None:
            area = offer.area if offer else (person.postcode.split(" ")[0] if person.postcode else "")
            match = found[person.pk] = Match(person, [], 0, _closeness(request.area, area), offer)
        match.reasons.append(reason)
        match.score += score

    offers = Listing.objects.filter(
        hub_id=request.hub_id, kind=Listing.Kind.OFFER, is_active=True
    ).select_related("person")
    for offer in offers.order_by("-created_at")[:500]:
        overlap = wanted & _words(" ".join([offer.title, offer.description, offer.tags]))
        if offer.category == request.category or overlap:
            score = (2 if offer.category == request.category else 0) + len(overlap)
            note(offer.person, f"Offers “{offer.title}”", score, offer)
    # People in the time bank whose record says they can offer something that fits.
    in_bank = Account.objects.filter(hub_id=request.hub_id, kind=Account.Kind.MEMBER).values("person_id")
    skills = ProfileEntry.objects.filter(
        person__hub_id=request.hub_id, person_id__in=in_bank, kind__in=ProfileEntry.OFFERS
    ).select_related("person")
    for entry in skills:
        overlap = wanted & _words(entry.text)
        if overlap:
            note(entry.person, f"Can offer: {entry.text}", len(overlap))
    ranked = sorted(found.values(), key=lambda m: (-m.closeness, -m.score, m.person.full_name))
    return ranked[:limit]


def ways_to_spend(hub: Hub) -> QuerySet[WayToSpend]:
    return WayToSpend.objects.filter(hub=hub, is_active=True, partner__is_active=True).select_related(
        "partner"
    )


@dataclass
class Dashboard:
    hours_by_month: list[tuple[date, int]]
    active_members: int
    inactive_members: Sequence[Account]
    near_limits: list[Account]
    top_categories: list[tuple[str, int]]
    exchanged_minutes: int
    value_pence: int
    pot_balance: int


def dashboard(hub: Hub, *, months: int = 12, today: date | None = None) -> Dashboard:
    """The broker's view: exchange volume, who is active, who is near a limit, what people trade."""
    today = today or timezone.localdate()
    since = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    # Time that changed hands between people: member-to-member exchanges, not grants or reversals'
    # originals (a reversed exchange cancels out because the reversal is counted negative).
    person_kinds = [Transfer.Kind.EXCHANGE, Transfer.Kind.GROUP, Transfer.Kind.BULK]
    earned = Entry.objects.filter(
        transfer__hub=hub,
        account__kind=Account.Kind.MEMBER,
        minutes__gt=0,
        transfer__kind__in=person_kinds,
        transfer__reversed_by__isnull=True,
    )
    by_month = (
        earned.filter(transfer__occurred_on__gte=since)
        .annotate(month=TruncMonth("transfer__occurred_on"))
        .values("month")
        .annotate(total=Sum("minutes"))
        .order_by("month")
    )
    cutoff = today - timedelta(days=90)
    members = member_accounts(hub).filter(is_active=True, approved_at__isnull=False)
    last = members.annotate(last=Max("entries__transfer__occurred_on"))
    inactive = [a for a in last.order_by("name") if a.last is None or a.last < cutoff]
    rules = TimebankSettings.objects.filter(hub=hub).first() or TimebankSettings(hub=hub)
    near = [
        a
        for a in members.exclude(lowest_balance__isnull=True).order_by("balance")[:200]
        if a.lowest_balance is not None and a.balance - a.lowest_balance <= 60
    ]
    categories = earned.values("transfer__category").annotate(total=Sum("minutes")).order_by("-total")[:5]
    total = earned.aggregate(s=Sum("minutes"))["s"] or 0
    pot = Account.objects.filter(hub=hub, kind=Account.Kind.POT).values_list("balance", flat=True).first()
    return Dashboard(
        hours_by_month=[(row["month"], row["total"]) for row in by_month],
        active_members=members.count() - len(inactive),
        inactive_members=inactive,
        near_limits=near,
        top_categories=[(Category(row["transfer__category"]).label, row["total"]) for row in categories],
        exchanged_minutes=total,
        value_pence=total * rules.wage_pence_per_hour // 60,
        pot_balance=pot or 0,
    )


def hours_given(hub: Hub, *, start: date, end: date) -> dict[str, int]:
    """For impact reports: minutes given between people in a period and their value at the hub's wage."""
    rules = TimebankSettings.objects.filter(hub=hub).first() or TimebankSettings(hub=hub)
    minutes = (
        Entry.objects.filter(
            transfer__hub=hub,
            account__kind=Account.Kind.MEMBER,
            minutes__gt=0,
            transfer__kind__in=[Transfer.Kind.EXCHANGE, Transfer.Kind.GROUP, Transfer.Kind.BULK],
            transfer__occurred_on__range=(start, end),
            transfer__reversed_by__isnull=True,
        ).aggregate(s=Sum("minutes"))["s"]
        or 0
    )
    givers = (
        Entry.objects.filter(
            transfer__hub=hub,
            account__kind=Account.Kind.MEMBER,
            minutes__gt=0,
            transfer__occurred_on__range=(start, end),
        )
        .values("account")
        .distinct()
        .count()
    )
    return {"minutes": minutes, "value_pence": minutes * rules.wage_pence_per_hour // 60, "givers": givers}


@dataclass
class LedgerProblem:
    hub: str
    what: str


def ledger_problems() -> tuple[list[LedgerProblem], dict[str, int]]:
    """Recompute everything from the entries: each hub sums to zero, each transfer balances, each
    cached balance equals its entries, and no account sits beyond a limit without an override."""
    problems: list[LedgerProblem] = []
    hubs = dict(Hub.objects.values_list("pk", "name"))
    for row in Entry.objects.values("account__hub").annotate(total=Sum("minutes")):
        if row["total"] != 0:
            problems.append(LedgerProblem(hubs[row["account__hub"]], f"entries sum to {row['total']}, not 0"))
    unbalanced = (
        Entry.objects.values("transfer", "transfer__hub")
        .annotate(total=Sum("minutes"), n=Count("id"))
        .filter(Q(total__gt=0) | Q(total__lt=0) | Q(n__lt=2))
    )
    for bad in unbalanced:
        problems.append(
            LedgerProblem(hubs[bad["transfer__hub"]], f"transfer {bad['transfer']} sums to {bad['total']}")
        )
    sums = dict(
        Entry.objects.values("account").annotate(total=Sum("minutes")).values_list("account", "total")
    )
    overridden = set(
        Entry.objects.exclude(transfer__override_reason="").values_list("account", flat=True).distinct()
    )
    checked = 0
    for account in Account.objects.all().iterator(chunk_size=2000):
        checked += 1
        expected = sums.get(account.pk, 0)
        hub = hubs[account.hub_id]
        if account.balance != expected:
            problems.append(
                LedgerProblem(
                    hub, f"{account.name} (#{account.pk}) shows {account.balance}, entries sum to {expected}"
                )
            )
        beyond = (account.lowest_balance is not None and expected < account.lowest_balance) or (
            account.highest_balance is not None and expected > account.highest_balance
        )
        if beyond and account.pk not in overridden:
            problems.append(
                LedgerProblem(hub, f"{account.name} (#{account.pk}) is beyond its limit with no override")
            )
    stats = {
        "hubs": len(hubs),
        "accounts": checked,
        "transfers": Transfer.objects.count(),
        "entries": Entry.objects.count(),
    }
    return problems, stats
