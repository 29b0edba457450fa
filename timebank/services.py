"""Every write in the time bank. Movements of time go through timebank.ledger.post; this module
decides who may ask for them and what they mean."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core import audit
from core.errors import Conflict, DomainError
from core.models import AuditEvent, Hub
from core.roles import Actor, Role
from people.models import Person
from timebank import permissions, queries
from timebank.ledger import Leg, post, retry_on_conflict
from timebank.models import (
    Account,
    Category,
    DigestSubscription,
    Exchange,
    Listing,
    TimebankSettings,
    Transfer,
    WayToSpend,
)

MAX_MINUTES = 24 * 60  # one record never covers more than a day of help


def _refuse(message: str = "You do not have permission to do that.") -> None:
    raise PermissionDenied(message)


def _minutes(value: Any, *, field: str = "minutes", maximum: int = MAX_MINUTES) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("Enter the time in whole minutes.", {field: ["Enter whole minutes."]})
    if value <= 0:
        raise DomainError("The time must be more than zero.", {field: ["Must be more than zero."]})
    if value > maximum:
        raise DomainError(
            "That is more time than one record can hold.", {field: [f"At most {maximum} minutes."]}
        )
    return value


def _category(value: str) -> str:
    if value not in Category.values:
        raise DomainError("Choose a category.", {"category": ["Choose a category."]})
    return value


def _text(value: str, *, field: str, maximum: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError("Some details are missing.", {field: ["Required."]})
    if len(text) > maximum:
        raise DomainError("Some details are too long.", {field: [f"At most {maximum} characters."]})
    return text


def _occurred(value: date | None) -> date:
    day = value or timezone.localdate()
    if day > timezone.localdate():
        raise DomainError("The date cannot be in the future.", {"occurred_on": ["Cannot be in the future."]})
    return day


# Settings and system accounts


def settings_for(hub: Hub) -> TimebankSettings:
    return TimebankSettings.objects.get_or_create(hub=hub)[0]


@transaction.atomic
def update_settings(*, actor: Actor, hub: Hub, **values: Any) -> TimebankSettings:
    """Change the hub's time-bank rules. Coordinators only."""
    if not actor.has(Role.COORDINATOR) or hub.pk != actor.hub.pk:
        _refuse()
    current = settings_for(hub)
    allowed = {f.name for f in TimebankSettings._meta.fields} - {"id", "hub"}
    unknown = set(values) - allowed
    if unknown:
        raise DomainError(f"Unknown setting: {', '.join(sorted(unknown))}.")
    for name, value in values.items():
        setattr(current, name, value)
    if current.member_lowest_balance > 0:
        raise DomainError("The lowest balance must be zero or below.", {"member_lowest_balance": ["≤ 0"]})
    current.save()
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=current,
        summary="Changed time-bank settings",
        fields=sorted(values),
    )
    return current


_SYSTEM_NAMES: dict[str, str] = {
    Account.Kind.POT: "Community pot",
    Account.Kind.ISSUANCE: "Issuance (new credits)",
    Account.Kind.CLEARING: "Between hubs",
}


def system_account(hub: Hub, kind: str) -> Account:
    """The hub's community pot, issuance or clearing account (created on first use).

    Issuance and clearing have no limits: issuance's negative balance is every credit ever created,
    so the hub sums to zero. The pot can never go below empty.
    """
    account, _ = Account.objects.get_or_create(
        hub=hub,
        kind=kind,
        defaults={
            "name": _SYSTEM_NAMES[kind],
            "approved_at": timezone.now(),
            "lowest_balance": 0 if kind == Account.Kind.POT else None,
        },
    )
    return account


# Joining


@retry_on_conflict
@transaction.atomic
def join(*, actor: Actor, person: Person) -> Account:
    """Open a member's account: themselves, or a broker on their behalf. Posts the joining grant
    unless the hub approves new members first."""
    if person.hub_id != actor.hub.pk:
        _refuse()
    if not (permissions.can_enrol_others(actor) or (actor.is_self(person) and permissions.can_join(actor))):
        _refuse()
    if Account.objects.filter(hub=actor.hub, person=person).exists():
        raise Conflict(f"{person.display_name} is already in the time bank.")
    rules = settings_for(actor.hub)
    account = Account.objects.create(
        hub=actor.hub,
        kind=Account.Kind.MEMBER,
        person=person,
        name=person.display_name,
        lowest_balance=rules.member_lowest_balance,
        highest_balance=rules.member_highest_balance,
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        person=person,
        obj=account,
        summary="Joined the time bank",
    )
    if not rules.approve_new_members:
        _approve(actor=actor, account=account, rules=rules)
    return account


def _approve(*, actor: Actor, account: Account, rules: TimebankSettings) -> None:
    account.approved_at = timezone.now()
    account.approved_by = actor.user if permissions.is_broker(actor) else None
    account.save(update_fields=["approved_at", "approved_by"])
    if rules.joining_grant:
        post(
            actor=actor,
            hub=account.hub,
            legs=[
                Leg(system_account(account.hub, Account.Kind.ISSUANCE), -rules.joining_grant),
                Leg(account, rules.joining_grant),
            ],
            kind=Transfer.Kind.GRANT,
            category=Category.OTHER,
            description="Joining grant",
            idempotency_key=f"grant:{account.pk}",
        )


@retry_on_conflict
@transaction.atomic
def approve_member(*, actor: Actor, account: Account) -> Account:
    """A broker lets a new member start exchanging; who approved whom and when is kept."""
    if not permissions.is_broker(actor) or account.hub_id != actor.hub.pk:
        _refuse()
    # Lock the member and the issuance account together, in primary-key order as ledger.post does, so
    # approving (which may post a joining grant) never waits on a posting in the opposite order.
    issuance = system_account(actor.hub, Account.Kind.ISSUANCE)
    locked = {
        a.pk: a
        for a in Account.objects.select_for_update(no_key=True)
        .filter(pk__in=sorted({account.pk, issuance.pk}))
        .order_by("pk")
    }
    account = locked[account.pk]
    if account.is_approved:
        raise Conflict("This member is already approved.")
    _approve(actor=actor, account=account, rules=settings_for(actor.hub))
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        person=account.person,
        obj=account,
        summary="Approved as a time-bank member",
        fields=["approved_at"],
    )
    return account


def _member_account(account: Account, *, what: str) -> Account:
    if account.kind != Account.Kind.MEMBER:
        raise DomainError(f"The {what} must be a member's account.")
    if not account.is_approved:
        raise DomainError(f"{account.name} is waiting for a broker to approve them.")
    return account


# Exchanges


def _needs_approval(exchange: Exchange, rules: TimebankSettings) -> bool:
    if rules.approval == TimebankSettings.Approval.ALL:
        return True
    if rules.approval == TimebankSettings.Approval.FIRST:
        done = Exchange.objects.filter(status=Exchange.Status.POSTED)
        return not (
            done.filter(giver=exchange.giver).exists() or done.filter(receiver=exchange.giver).exists()
        ) or not (
            done.filter(giver=exchange.receiver).exists() or done.filter(receiver=exchange.receiver).exists()
        )
    return False


def _post_exchange(*, actor: Actor, exchange: Exchange, override_reason: str = "") -> Exchange:
    transfer = post(
        actor=actor,
        hub=exchange.hub,
        legs=[Leg(exchange.receiver, -exchange.minutes), Leg(exchange.giver, exchange.minutes)],
        kind=Transfer.Kind.EXCHANGE,
        category=exchange.category,
        description=exchange.description,
        occurred_on=exchange.occurred_on,
        idempotency_key=f"exchange:{exchange.pk}",
        override_reason=override_reason,
    )
    exchange.transfer = transfer
    exchange.status = Exchange.Status.POSTED
    exchange.save(update_fields=["transfer", "status"])
    return exchange


@retry_on_conflict
@transaction.atomic
def record_exchange(
    *,
    actor: Actor,
    giver: Account,
    receiver: Account,
    minutes: int,
    category: str,
    description: str,
    occurred_on: date | None = None,
    listing: Listing | None = None,
    override_reason: str = "",
) -> Exchange:
    """Record help given. A side records it and the other confirms; a broker's record (a paper time
    sheet, say) counts as confirmed. Posted once confirmed, unless a broker must approve it."""
    broker = permissions.is_broker(actor)
    mine = actor.person is not None and actor.person.pk in (giver.person_id, receiver.person_id)
    if not (broker or mine) or giver.hub_id != actor.hub.pk or receiver.hub_id != actor.hub.pk:
        _refuse()
    if override_reason and not broker:
        _refuse("Only a broker can override a limit.")
    _member_account(giver, what="giver")
    _member_account(receiver, what="receiver")
    if giver.pk == receiver.pk:
        raise DomainError("The giver and the receiver must be different people.")
    if listing is not None and listing.hub_id != actor.hub.pk:
        _refuse()
    now = timezone.now()
    exchange = Exchange.objects.create(
        hub=actor.hub,
        giver=giver,
        receiver=receiver,
        minutes=_minutes(minutes),
        category=_category(category),
        description=_text(description, field="description", maximum=300),
        occurred_on=_occurred(occurred_on),
        recorded_by=actor.user,
        listing=listing,
        status=Exchange.Status.AWAITING_CONFIRMATION,
        confirmed_at=now if broker else None,
        confirmed_by=actor.user if broker else None,
    )
    if broker:
        # A broker's own record is checked by them: it is confirmed and approved at once.
        exchange.approved_at, exchange.approved_by = now, actor.user
        return _post_exchange(actor=actor, exchange=exchange, override_reason=override_reason)
    return exchange


@retry_on_conflict
@transaction.atomic
def confirm_exchange(*, actor: Actor, exchange: Exchange) -> Exchange:
    """The other side (or a broker) says it happened. Posts it unless a broker must approve."""
    # Lock the exchange only (of=self): locking its accounts through the join took them in giver,
    # receiver order, against the ledger's primary-key order, and deadlocked with other postings.
    exchange = (
        Exchange.objects.select_for_update(of=("self",))
        .select_related("giver", "receiver")
        .get(pk=exchange.pk)
    )
    if not permissions.can_confirm_exchange(actor, exchange):
        _refuse("Only the other person, or a broker, can confirm this exchange.")
    if exchange.status != Exchange.Status.AWAITING_CONFIRMATION:
        raise Conflict("This exchange is not waiting for confirmation.")
    exchange.confirmed_at, exchange.confirmed_by = timezone.now(), actor.user
    exchange.save(update_fields=["confirmed_at", "confirmed_by"])
    if _needs_approval(exchange, settings_for(exchange.hub)) and not permissions.is_broker(actor):
        exchange.status = Exchange.Status.AWAITING_APPROVAL
        exchange.save(update_fields=["status"])
        return exchange
    return _post_exchange(actor=actor, exchange=exchange)


@retry_on_conflict
@transaction.atomic
def approve_exchange(*, actor: Actor, exchange: Exchange, override_reason: str = "") -> Exchange:
    if not permissions.is_broker(actor) or exchange.hub_id != actor.hub.pk:
        _refuse()
    exchange = (
        Exchange.objects.select_for_update(of=("self",))
        .select_related("giver", "receiver")
        .get(pk=exchange.pk)
    )
    if exchange.status != Exchange.Status.AWAITING_APPROVAL:
        raise Conflict("This exchange is not waiting for approval.")
    exchange.approved_at, exchange.approved_by = timezone.now(), actor.user
    exchange.save(update_fields=["approved_at", "approved_by"])
    return _post_exchange(actor=actor, exchange=exchange, override_reason=override_reason)


@transaction.atomic
def decline_exchange(*, actor: Actor, exchange: Exchange, reason: str) -> Exchange:
    exchange = (
        Exchange.objects.select_for_update(of=("self",))
        .select_related("giver", "receiver")
        .get(pk=exchange.pk)
    )
    if not (
        permissions.can_confirm_exchange(actor, exchange)
        or (actor.user is not None and exchange.recorded_by_id == actor.user.pk)
    ):
        _refuse()
    if exchange.status not in (Exchange.Status.AWAITING_CONFIRMATION, Exchange.Status.AWAITING_APPROVAL):
        raise Conflict("Only an exchange that is still waiting can be declined or withdrawn.")
    exchange.status = Exchange.Status.DECLINED
    exchange.decline_reason = _text(reason, field="reason", maximum=300, required=False)
    exchange.save(update_fields=["status", "decline_reason"])
    return exchange


@retry_on_conflict
@transaction.atomic
def reverse_transfer(*, actor: Actor, transfer: Transfer, reason: str) -> Transfer:
    """Undo a mistaken transfer with a new one that points at it. Brokers only; never twice.

    A reversal puts back what was, so it may take an account past a limit; the reason is recorded as
    the override and audited."""
    if not permissions.is_broker(actor) or transfer.hub_id != actor.hub.pk:
        _refuse()
    reason = _text(reason, field="reason", maximum=300)
    if transfer.kind == Transfer.Kind.REVERSAL:
        raise DomainError("A reversal cannot itself be reversed; record a new transfer instead.")
    if Transfer.objects.filter(reverses=transfer).exists():
        raise Conflict("This transfer has already been reversed.")
    legs = [Leg(e.account, -e.minutes) for e in transfer.entries.select_related("account")]
    reversal = post(
        actor=actor,
        hub=transfer.hub,
        legs=legs,
        kind=Transfer.Kind.REVERSAL,
        category=transfer.category,
        description=f"Reversal: {transfer.description}"[:300],
        reverses=transfer,
        override_reason=reason,
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=reversal,
        summary=f"Reversed a transfer: {reason[:200]}",
    )
    return reversal


# Gifts, grants, partners


@retry_on_conflict
@transaction.atomic
def donate(
    *,
    actor: Actor,
    from_account: Account,
    to_account: Account,
    minutes: int,
    note: str = "",
    idempotency_key: str | None = None,
) -> Transfer:
    """Give credits to another member (family, a friend) or to the community pot."""
    if not permissions.can_spend_from(actor, from_account):
        _refuse("You can only give time from your own account.")
    _member_account(from_account, what="giver")
    if to_account.hub_id != actor.hub.pk:
        _refuse()
    if to_account.kind == Account.Kind.MEMBER:
        _member_account(to_account, what="receiver")
    elif to_account.kind != Account.Kind.POT:
        raise DomainError("Credits can be given to a member or to the community pot.")
    minutes = _minutes(minutes, maximum=100 * 60)
    return post(
        actor=actor,
        hub=actor.hub,
        legs=[Leg(from_account, -minutes), Leg(to_account, minutes)],
        kind=Transfer.Kind.DONATION,
        category=Category.OTHER,
        description=_text(note, field="note", maximum=300, required=False) or f"Gift to {to_account.name}",
        idempotency_key=idempotency_key,
    )


@retry_on_conflict
@transaction.atomic
def allocate_from_pot(
    *,
    actor: Actor,
    to_account: Account,
    minutes: int,
    reason: str,
    idempotency_key: str | None = None,
) -> Transfer:
    """A broker gives a member who cannot earn credits from the community pot."""
    if not permissions.is_broker(actor) or to_account.hub_id != actor.hub.pk:
        _refuse()
    _member_account(to_account, what="receiver")
    minutes = _minutes(minutes, maximum=100 * 60)
    pot = system_account(actor.hub, Account.Kind.POT)
    return post(
        actor=actor,
        hub=actor.hub,
        legs=[Leg(pot, -minutes), Leg(to_account, minutes)],
        kind=Transfer.Kind.POT,
        category=Category.OTHER,
        description=_text(reason, field="reason", maximum=300),
        idempotency_key=idempotency_key,
    )


@retry_on_conflict
@transaction.atomic
def award(
    *,
    actor: Actor,
    to_account: Account,
    minutes: int,
    reason: str,
    on_call_hours: int | None = None,
    idempotency_key: str | None = None,
) -> Transfer:
    """New credits drawn from issuance: a broker's award, or credit for hours on call at the hub's rate."""
    if not permissions.is_broker(actor) or to_account.hub_id != actor.hub.pk:
        _refuse()
    _member_account(to_account, what="receiver")
    kind = Transfer.Kind.AWARD
    if on_call_hours is not None:
        hours = _minutes(on_call_hours, field="on_call_hours", maximum=24 * 14)
        minutes = hours * settings_for(actor.hub).on_call_minutes_per_hour
        kind = Transfer.Kind.ON_CALL
        if minutes == 0:
            raise DomainError("This hub gives no credit for time on call.")
    minutes = _minutes(minutes, maximum=100 * 60)
    return post(
        actor=actor,
        hub=actor.hub,
        legs=[Leg(system_account(actor.hub, Account.Kind.ISSUANCE), -minutes), Leg(to_account, minutes)],
        kind=kind,
        category=Category.HEALTH if on_call_hours is not None else Category.OTHER,
        description=_text(reason, field="reason", maximum=300),
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def add_partner(*, actor: Actor, name: str) -> Account:
    """An organisation that accepts or gives credits (a college, a leisure centre, the hub itself)."""
    if not permissions.is_broker(actor):
        _refuse()
    name = _text(name, field="name", maximum=200)
    if Account.objects.filter(hub=actor.hub, kind=Account.Kind.ORGANISATION, name__iexact=name).exists():
        raise Conflict("There is already a partner with this name.", {"name": ["Already a partner."]})
    return Account.objects.create(
        hub=actor.hub,
        kind=Account.Kind.ORGANISATION,
        name=name,
        lowest_balance=0,
        approved_at=timezone.now(),
        approved_by=actor.user,
    )


@transaction.atomic
def add_way_to_spend(
    *, actor: Actor, partner: Account, title: str, price: int, description: str = ""
) -> WayToSpend:
    if not permissions.is_broker(actor) or partner.hub_id != actor.hub.pk:
        _refuse()
    if partner.kind != Account.Kind.ORGANISATION:
        raise DomainError("Ways to spend belong to a partner organisation.")
    return WayToSpend.objects.create(
        hub=actor.hub,
        partner=partner,
        title=_text(title, field="title", maximum=120),
        description=_text(description, field="description", maximum=1000, required=False),
        price=_minutes(price, field="price", maximum=100 * 60),
    )


@transaction.atomic
def retire_way_to_spend(*, actor: Actor, way: WayToSpend) -> WayToSpend:
    """Stop offering a way to spend; past spending there stays on the statements."""
    if not permissions.is_broker(actor) or way.hub_id != actor.hub.pk:
        _refuse()
    way = WayToSpend.objects.select_for_update().get(pk=way.pk)
    if not way.is_active:
        raise Conflict("This way to spend has already been retired.")
    way.is_active = False
    way.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=way,
        summary=f"Retired a way to spend: {way.title}",
        fields=["is_active"],
    )
    return way


@retry_on_conflict
@transaction.atomic
def spend_at_partner(
    *,
    actor: Actor,
    account: Account,
    way: WayToSpend,
    quantity: int = 1,
    idempotency_key: str | None = None,
) -> Transfer:
    if not permissions.can_spend_from(actor, account):
        _refuse("You can only spend time from your own account.")
    _member_account(account, what="spender")
    if way.hub_id != actor.hub.pk or not way.is_active:
        raise DomainError("This way to spend is not available.")
    quantity = _minutes(quantity, field="quantity", maximum=20)
    total = way.price * quantity
    return post(
        actor=actor,
        hub=actor.hub,
        legs=[Leg(account, -total), Leg(way.partner, total)],
        kind=Transfer.Kind.PARTNER,
        category=Category.PARTNER,
        description=f"{way.title} at {way.partner.name}" + (f" × {quantity}" if quantity > 1 else ""),
        idempotency_key=idempotency_key,
    )


@retry_on_conflict
@transaction.atomic
def send_between_hubs(
    *,
    actor: Actor,
    from_account: Account,
    to_account: Account,
    minutes: int,
    note: str = "",
    idempotency_key: str | None = None,
) -> tuple[Transfer, Transfer]:
    """Send credits to a member of another hub on this installation (Fair Shares prisoners sent
    credits to their families' time banks). Two linked transfers, one per hub, through each hub's
    clearing account, so each hub's books still sum to zero."""
    if not permissions.can_spend_from(actor, from_account):
        _refuse("You can only send time from your own account.")
    _member_account(from_account, what="sender")
    if to_account.hub_id == from_account.hub_id:
        raise DomainError("For someone in this hub, give the time directly.")
    _member_account(to_account, what="receiver")
    minutes = _minutes(minutes, maximum=100 * 60)
    text = _text(note, field="note", maximum=200, required=False)
    batch = uuid.uuid4()
    clearing_out = system_account(from_account.hub, Account.Kind.CLEARING)
    clearing_in = system_account(to_account.hub, Account.Kind.CLEARING)
    # Lock all four accounts of both halves at once, in primary-key order, so two transfers going
    # opposite ways between the same hubs cannot deadlock.
    ids = sorted({from_account.pk, to_account.pk, clearing_out.pk, clearing_in.pk})
    list(Account.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk"))
    out = post(
        actor=actor,
        hub=from_account.hub,
        legs=[
            Leg(from_account, -minutes),
            Leg(clearing_out, minutes),
        ],
        kind=Transfer.Kind.BETWEEN_HUBS,
        category=Category.OTHER,
        description=f"Sent to {to_account.name} ({to_account.hub.name})" + (f": {text}" if text else ""),
        idempotency_key=idempotency_key,
        batch=batch,
    )
    if out.batch != batch:
        # The key was used before. Only an earlier send posted a pair to return; a key first used
        # for something else (a donation has no batch) must not pick up an unrelated transfer.
        pair = None
        if out.kind == Transfer.Kind.BETWEEN_HUBS and out.batch is not None:
            pair = Transfer.objects.filter(batch=out.batch).exclude(pk=out.pk).first()
        if pair is None:
            raise Conflict("This request was already handled differently.")
        return out, pair
    system = Actor(
        user=actor.user, hub=to_account.hub, person=None, roles=frozenset(), ip_address=actor.ip_address
    )
    into = post(
        actor=system,
        hub=to_account.hub,
        legs=[Leg(clearing_in, -minutes), Leg(to_account, minutes)],
        kind=Transfer.Kind.BETWEEN_HUBS,
        category=Category.OTHER,
        description=f"From {from_account.name} ({from_account.hub.name})" + (f": {text}" if text else ""),
        batch=batch,
    )
    return out, into


# Brokers' bulk tools


@dataclass(frozen=True)
class SheetRow:
    giver: Account
    receiver: Account
    minutes: int
    category: str
    description: str
    occurred_on: date | None = None
    # The row's number on the sheet the broker sees (blank rows skipped); errors name it.
    number: int | None = None


@retry_on_conflict
@transaction.atomic
def post_time_sheet(*, actor: Actor, rows: Sequence[SheetRow], override_reason: str = "") -> list[Exchange]:
    """Enter a paper time sheet: every row posts, or none does (the first problem is reported with
    its row number)."""
    if not permissions.is_broker(actor):
        _refuse()
    if not rows:
        raise DomainError("The time sheet has no rows.")
    posted = []
    for number, row in enumerate(rows, start=1):
        try:
            posted.append(
                record_exchange(
                    actor=actor,
                    giver=row.giver,
                    receiver=row.receiver,
                    minutes=row.minutes,
                    category=row.category,
                    description=row.description,
                    occurred_on=row.occurred_on,
                    override_reason=override_reason,
                )
            )
        except DomainError as error:
            label = row.number if row.number is not None else number
            raise type(error)(f"Row {label}: {error.message}", error.field_errors) from error
    return posted


@retry_on_conflict
@transaction.atomic
def record_group_exchange(
    *,
    actor: Actor,
    giver: Account,
    receivers: Sequence[Account],
    minutes: int,
    category: str,
    description: str,
    occurred_on: date | None = None,
) -> Transfer:
    """One member runs a session for several (a broker records it). The hub's group rule decides who
    pays; see docs/decisions/0005-one-to-many-exchanges.md."""
    if not permissions.is_broker(actor):
        _refuse()
    _member_account(giver, what="giver")
    receivers = list({r.pk: r for r in receivers}.values())
    if not receivers or any(r.pk == giver.pk for r in receivers):
        raise DomainError("Choose the people who took part, not including the giver.")
    for r in receivers:
        _member_account(r, what="participant")
        if r.hub_id != actor.hub.pk:
            _refuse()
    minutes = _minutes(minutes)
    rule = settings_for(actor.hub).group_rule
    legs: list[Leg]
    if rule == TimebankSettings.GroupRule.EACH:
        legs = [Leg(r, -minutes) for r in receivers] + [Leg(giver, minutes * len(receivers))]
    elif rule == TimebankSettings.GroupRule.POT:
        legs = [Leg(system_account(actor.hub, Account.Kind.POT), -minutes), Leg(giver, minutes)]
    else:
        share, extra = divmod(minutes, len(receivers))
        # Whole minutes only: the first `extra` people pay one minute more, so the total is exact.
        legs = [Leg(r, -(share + (1 if i < extra else 0))) for i, r in enumerate(receivers)]
        legs = [leg for leg in legs if leg.minutes] + [Leg(giver, minutes)]
    return post(
        actor=actor,
        hub=actor.hub,
        legs=legs,
        kind=Transfer.Kind.GROUP,
        category=_category(category),
        description=_text(description, field="description", maximum=300),
        occurred_on=_occurred(occurred_on),
    )


# The board


LISTING_FIELDS = ("kind", "title", "description", "category", "tags", "area", "availability")


def _clean_listing(listing: Listing) -> None:
    if listing.kind not in Listing.Kind.values:
        raise DomainError("Choose offer or request.", {"kind": ["Choose offer or request."]})
    _category(listing.category)
    listing.title = _text(listing.title, field="title", maximum=120)
    listing.description = _text(listing.description, field="description", maximum=1000, required=False)
    listing.tags = ", ".join(t.strip().lower() for t in (listing.tags or "").split(",") if t.strip())
    if len(listing.tags) > 200:
        raise DomainError("Too many tags.", {"tags": ["At most 200 characters."]})
    listing.area = (listing.area or "").strip().upper()[:8]
    listing.availability = _text(listing.availability, field="availability", maximum=200, required=False)


@transaction.atomic
def create_listing(*, actor: Actor, person: Person, **fields: Any) -> Listing:
    """Post an offer or a request: a person for themselves, or a broker on their behalf."""
    if person.hub_id != actor.hub.pk or not (actor.is_self(person) or permissions.is_broker(actor)):
        _refuse()
    if not permissions.can_view_board(actor):
        _refuse("Only people who take part in the time bank can post on its board.")
    unknown = set(fields) - set(LISTING_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field: {', '.join(sorted(unknown))}.")
    listing = Listing(hub=actor.hub, person=person, created_by=actor.user, **fields)
    if not listing.area and person.postcode:
        listing.area = person.postcode.split(" ")[0]
    _clean_listing(listing)
    listing.save()
    return listing


@transaction.atomic
def update_listing(*, actor: Actor, listing: Listing, **fields: Any) -> Listing:
    if not permissions.can_edit_listing(actor, listing):
        _refuse()
    unknown = set(fields) - set(LISTING_FIELDS) - {"is_active"}
    if unknown:
        raise DomainError(f"Unknown field: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(listing, name, value)
    _clean_listing(listing)
    listing.save()
    return listing


@transaction.atomic
def set_digest(*, actor: Actor, person: Person, subscribed: bool) -> bool:
    """Opt in or out of the weekly email of new offers and requests."""
    if not (actor.is_self(person) or permissions.is_broker(actor)) or person.hub_id != actor.hub.pk:
        _refuse()
    if subscribed:
        DigestSubscription.objects.get_or_create(person=person)
    else:
        DigestSubscription.objects.filter(person=person).delete()
    return subscribed


# The weekly digest


DIGEST_MAX_LISTINGS = 50


def send_digests(*, now: datetime | None = None) -> int:
    """Email every subscriber the offers and requests posted in their hub since their last digest.

    One short transaction per subscriber, so one bad address does not hold back the rest; returns how
    many emails were sent. Run weekly by `manage.py send_timebank_digest`.
    """
    now = now or timezone.now()
    sent = 0
    for subscription_id in DigestSubscription.objects.order_by("pk").values_list("pk", flat=True):
        sent += _send_digest(subscription_id=subscription_id, now=now)
    return sent


@transaction.atomic
def _send_digest(*, subscription_id: int, now: datetime) -> bool:
    # The row lock stops two overlapping runs from sending the same digest twice.
    subscription = (
        DigestSubscription.objects.select_for_update(of=("self",))
        .select_related("person__hub")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None or not subscription.person.email:
        return False
    since = subscription.last_sent_at or subscription.subscribed_at
    listings = list(
        queries.new_listings_for_digest(subscription.person, since=since).filter(created_at__lte=now)[
            :DIGEST_MAX_LISTINGS
        ]
    )
    if not listings:
        return False
    subscription.last_sent_at = now
    subscription.save(update_fields=["last_sent_at"])
    person = subscription.person
    body = render_to_string(
        "timebank/digest_email.txt",
        {
            "person": person,
            "offers": [item for item in listings if item.kind == Listing.Kind.OFFER],
            "requests": [item for item in listings if item.kind == Listing.Kind.REQUEST],
            "site": settings.COPRODUCE_SITE_URL.rstrip("/"),
        },
    )
    subject = f"New offers and requests at {person.hub.name}"
    transaction.on_commit(
        lambda: send_mail(subject=subject, message=body, from_email=None, recipient_list=[person.email])
    )
    return True
