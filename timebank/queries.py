"""Every read the time-bank pages, API, reports and checks need."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.models import Hub
from core.roles import Actor
from people.models import Person, ProfileEntry
from timebank.models import (
    Account,
    Category,
    DigestSubscription,
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

    @property
    def with_whom(self) -> str:
        """The other accounts in the movement (statement() prefetches them)."""
        names = [
            e.account.name for e in self.entry.transfer.entries.all() if e.account_id != self.entry.account_id
        ]
        return ", ".join(names)


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
        .prefetch_related("transfer__entries__account")
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


def matches_for(request: Listing, *, limit: int = 10, include_records: bool = True) -> list[Match]:
    """People whose offers, or "what they can offer" on their record, fit a request; nearest first.

    Nearness is by postcode district until the directory's postcode table gives distances.
    `include_records=False` uses the board only: a person's record (which can hold lived experience,
    special-category data) is for brokers' eyes, not for the member who asked.
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
    if not include_records:
        return sorted(found.values(), key=lambda m: (-m.closeness, -m.score, m.person.full_name))[:limit]
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
    # The first day of the month `months - 1` months before this one: exactly `months` months.
    year, month = divmod(today.year * 12 + today.month - 1 - (months - 1), 12)
    since = date(year, month + 1, 1)
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
    # Only exchanges count as activity: a joining grant or a broker's award is not an exchange.
    last = members.annotate(
        last=Max(
            "entries__transfer__occurred_on",
            filter=Q(entries__transfer__kind__in=person_kinds, entries__transfer__reversed_by__isnull=True),
        )
    )
    inactive = [a for a in last.order_by("name") if a.last is None or a.last < cutoff]
    rules = TimebankSettings.objects.filter(hub=hub).first() or TimebankSettings(hub=hub)
    # Within an hour of either limit; filtered in the database so no account is missed.
    near = list(
        members.filter(
            Q(lowest_balance__isnull=False, balance__lte=F("lowest_balance") + 60)
            | Q(highest_balance__isnull=False, balance__gte=F("highest_balance") - 60)
        ).order_by("balance", "id")[:200]
    )
    totals = {_month_start(row["month"]): row["total"] for row in by_month}
    categories = earned.values("transfer__category").annotate(total=Sum("minutes")).order_by("-total")[:5]
    total = earned.aggregate(s=Sum("minutes"))["s"] or 0
    pot = Account.objects.filter(hub=hub, kind=Account.Kind.POT).values_list("balance", flat=True).first()
    return Dashboard(
        # Every month in the period, with 0 where nothing was exchanged, so a gap shows as a gap.
        hours_by_month=[(m, totals.get(m, 0)) for m in _months(since, today)],
        active_members=members.count() - len(inactive),
        inactive_members=inactive,
        near_limits=near,
        top_categories=[(Category(row["transfer__category"]).label, row["total"]) for row in categories],
        exchanged_minutes=total,
        value_pence=total * rules.wage_pence_per_hour // 60,
        pot_balance=pot or 0,
    )


def _month_start(value) -> date:
    # TruncMonth gives a date on a DateField; some backends give a datetime.
    return date(value.year, value.month, 1)


def _months(since: date, today: date) -> list[date]:
    months, month = [], since.replace(day=1)
    while month <= today:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


# Brokers' pages


def settings_of(hub: Hub) -> TimebankSettings:
    """The hub's time-bank rules without writing anything: the defaults until a coordinator saves."""
    return TimebankSettings.objects.filter(hub=hub).first() or TimebankSettings(hub=hub)


def pot_balance(hub: Hub) -> int:
    pot = Account.objects.filter(hub=hub, kind=Account.Kind.POT).values_list("balance", flat=True).first()
    return pot or 0


def member_names(hub: Hub, *, limit: int = 3000) -> list[str]:
    """Full names of members who can exchange, for the type-ahead list on brokers' forms."""
    names = (
        member_accounts(hub)
        .filter(approved_at__isnull=False, is_active=True)
        .order_by("person__full_name")
        .values_list("person__full_name", flat=True)
    )
    return list(dict.fromkeys(names[:limit]))


def identity_key(text: str) -> str:
    """How a name or email address on a time sheet is compared: spacing and case do not matter."""
    return " ".join((text or "").split()).casefold()


def find_members(hub: Hub, identifiers: Iterable[str]) -> dict[str, list[Account]]:
    """Member accounts named by email address or exact full name (spacing and case aside).

    Every identifier maps to every account it names (none, one or several), so a caller can refuse
    ambiguity. One query whatever the number of identifiers: the comparison is done here because
    SQLite's LOWER() only folds ASCII letters.
    """
    wanted = {identity_key(i) for i in identifiers} - {""}
    found: dict[str, list[Account]] = {key: [] for key in wanted}
    if not wanted:
        return found
    for account in member_accounts(hub).order_by("id"):
        person = account.person
        keys = {identity_key(person.full_name), identity_key(person.email)} if person else set()
        for key in keys & wanted:
            found[key].append(account)
    return found


def search_accounts(hub: Hub, text: str) -> QuerySet[Account]:
    """Members and partners whose name (or a member's email address) contains every word."""
    qs = Account.objects.filter(
        hub=hub, kind__in=[Account.Kind.MEMBER, Account.Kind.ORGANISATION]
    ).select_related("person")
    for word in text.split()[:6]:
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(person__full_name__icontains=word)
            | Q(person__preferred_name__icontains=word)
            | Q(person__email__icontains=word)
        )
    return qs.order_by("kind", "name", "id")


def account_entries(account: Account, *, limit: int = 50) -> list[Entry]:
    """An account's latest movements, newest first; `is_reversed` says whether a reversal undid it."""
    return list(
        Entry.objects.filter(account=account)
        .select_related("transfer")
        .annotate(is_reversed=Exists(Transfer.objects.filter(reverses=OuterRef("transfer"))))
        .order_by("-transfer__posted_at", "-id")[:limit]
    )


def transfer_entries(transfer: Transfer) -> list[Entry]:
    return list(transfer.entries.select_related("account").order_by("minutes", "id"))


def reversal_of(transfer: Transfer) -> Transfer | None:
    return Transfer.objects.filter(reverses=transfer).first()


def partners(hub: Hub) -> QuerySet[Account]:
    """Partner organisations with their balances and, as `active_ways`, what members can spend there."""
    ways = WayToSpend.objects.filter(is_active=True).order_by("title", "id")
    return (
        Account.objects.filter(hub=hub, kind=Account.Kind.ORGANISATION)
        .prefetch_related(Prefetch("ways_to_spend", queryset=ways, to_attr="active_ways"))
        .order_by("name", "id")
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


# Member pages


def approved_members(hub: Hub) -> QuerySet[Account]:
    """Accounts a member can exchange with or give to: approved, open, by name."""
    return (
        member_accounts(hub)
        .filter(approved_at__isnull=False, is_active=True)
        .order_by("person__full_name", "id")
    )


def my_open_exchanges(actor: Actor) -> QuerySet[Exchange]:
    """Exchanges the actor recorded that still wait for the other side or a broker."""
    if actor.person is None or actor.user is None:
        return Exchange.objects.none()
    waiting = [Exchange.Status.AWAITING_CONFIRMATION, Exchange.Status.AWAITING_APPROVAL]
    return (
        Exchange.objects.filter(hub=actor.hub, status__in=waiting, recorded_by=actor.user)
        .filter(Q(giver__person=actor.person) | Q(receiver__person=actor.person))
        .select_related("giver", "receiver")
    )


def hubs_to_send_to(hub: Hub) -> QuerySet[Hub]:
    """Other hubs on this installation whose time bank has at least one approved member."""
    with_members = Account.objects.filter(
        kind=Account.Kind.MEMBER, approved_at__isnull=False, is_active=True
    ).values("hub_id")
    return Hub.objects.filter(pk__in=with_members).exclude(pk=hub.pk).order_by("name")


def members_elsewhere(hub: Hub, *, name: str) -> QuerySet[Account]:
    """Approved members of another hub whose name starts a word with `name` (at least 2 letters).

    Only a search, never a list: who belongs to which hub (a Mind hub, a recovery college) is
    itself personal information, so a sender must already know the person's name.
    """
    name = " ".join(name.split())
    if len(name) < 2:
        return Account.objects.none()
    words = Q(person__full_name__istartswith=name) | Q(person__full_name__icontains=f" {name}")
    words |= Q(person__preferred_name__istartswith=name)
    return (
        member_accounts(hub)
        .filter(words, approved_at__isnull=False, is_active=True)
        .select_related("hub")
        .order_by("person__full_name", "id")
    )


def is_subscribed(person: Person) -> bool:
    return DigestSubscription.objects.filter(person=person).exists()


def new_listings_for_digest(person: Person, *, since) -> QuerySet[Listing]:
    """Active offers and requests posted in the person's hub since `since`, not their own."""
    return (
        Listing.objects.filter(hub_id=person.hub_id, is_active=True, created_at__gt=since)
        .exclude(person=person)
        .select_related("person")
        .order_by("kind", "-created_at")
    )
