"""Who may do what in the time bank. Brokers and coordinators run it; everyone else acts only on
their own account. Commissioners see aggregate figures only, never an account."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core import audit
from core.models import AuditEvent
from core.roles import Actor, Role
from timebank.models import Account, Exchange, Listing, Transfer, WayToSpend

BROKERS = (Role.BROKER, Role.COORDINATOR)
# Roles that take part in exchanges as people (staff may be members too, through the member role).
PARTICIPANTS = (Role.MEMBER, Role.PEER_SUPPORTER, Role.VOLUNTEER)


def is_broker(actor: Actor) -> bool:
    return actor.has(*BROKERS)


def can_join(actor: Actor) -> bool:
    return actor.person is not None and actor.has(*PARTICIPANTS)


def can_enrol_others(actor: Actor) -> bool:
    return is_broker(actor)


def owns(actor: Actor, account: Account) -> bool:
    return actor.person is not None and account.person_id == actor.person.pk


def can_view_account(actor: Actor, account: Account) -> bool:
    return account.hub_id == actor.hub.pk and (owns(actor, account) or is_broker(actor))


def can_spend_from(actor: Actor, account: Account) -> bool:
    """Move time out of an account: its owner, or a broker on their behalf."""
    return can_view_account(actor, account) and account.kind == Account.Kind.MEMBER


# The board names people and what they offer or need: it is for people who take part and the staff
# who work alongside them. Commissioners see aggregates only and referrers see no one's details
# (DOMAIN.md, "Who uses it"), unless they are members too.
BOARD_ROLES = (*PARTICIPANTS, Role.LINK_WORKER)


def can_view_board(actor: Actor) -> bool:
    return is_broker(actor) or (actor.person is not None and actor.has(*BOARD_ROLES))


def can_edit_listing(actor: Actor, listing: Listing) -> bool:
    if listing.hub_id != actor.hub.pk:
        return False
    return is_broker(actor) or (actor.person is not None and listing.person_id == actor.person.pk)


def can_confirm_exchange(actor: Actor, exchange: Exchange) -> bool:
    """The side that did not record it, or a broker."""
    if exchange.hub_id != actor.hub.pk:
        return False
    if is_broker(actor):
        return True
    if actor.person is None or actor.user is None:
        return False
    sides = {exchange.giver.person_id, exchange.receiver.person_id}
    return actor.person.pk in sides and exchange.recorded_by_id != actor.user.pk


def can_view_exchange(actor: Actor, exchange: Exchange) -> bool:
    if exchange.hub_id != actor.hub.pk:
        return False
    sides = {exchange.giver.person_id, exchange.receiver.person_id}
    return is_broker(actor) or (actor.person is not None and actor.person.pk in sides)


def can_view_reports(actor: Actor) -> bool:
    return actor.has(Role.BROKER, Role.COORDINATOR, Role.COMMISSIONER, Role.ADMINISTRATOR)


def _get(actor: Actor, model, obj_id, check, what: str):
    try:
        obj = model.objects.select_related("hub").get(pk=obj_id)
    except (model.DoesNotExist, ValueError, TypeError, OverflowError):
        obj = None
    except Exception:  # noqa: BLE001 - a malformed UUID raises ValidationError on some databases
        obj = None
    if obj is None or obj.hub_id != actor.hub.pk:
        raise Http404(f"No such {what} in this hub")
    if not check(actor, obj):
        audit.record(actor=actor, action=AuditEvent.Action.DENIED, obj=obj, summary=f"Refused: {what}")
        raise PermissionDenied(f"You cannot do that with this {what}.")
    return obj


def get_account_for(actor: Actor, account_id, *, spend: bool = False) -> Account:
    return _get(actor, Account, account_id, can_spend_from if spend else can_view_account, "account")


def get_exchange_for(actor: Actor, exchange_id, *, confirm: bool = False) -> Exchange:
    return _get(
        actor, Exchange, exchange_id, can_confirm_exchange if confirm else can_view_exchange, "exchange"
    )


def get_listing_for(actor: Actor, listing_id, *, edit: bool = False) -> Listing:
    check = can_edit_listing if edit else (lambda a, listing: can_view_board(a))
    return _get(actor, Listing, listing_id, check, "listing")


def get_transfer_for(actor: Actor, transfer_id) -> Transfer:
    """A transfer in the actor's hub, for a broker (to read it or reverse it)."""
    return _get(actor, Transfer, transfer_id, lambda a, t: is_broker(a), "transfer")


def get_way_to_spend_for(actor: Actor, way_id) -> WayToSpend:
    """A partner's way to spend, for a broker to manage."""
    return _get(actor, WayToSpend, way_id, lambda a, w: is_broker(a), "way to spend")
