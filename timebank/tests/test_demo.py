"""The demo hub's time bank: built through the services, deterministic, and its books balance."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from core.models import Hub
from timebank.models import Account, Exchange, Listing, TimebankSettings, Transfer, WayToSpend
from timebank.queries import ledger_problems


def build(seed=7):
    call_command("build_demo_hub", "--members", "20", "--seed", str(seed), stdout=StringIO())


def snapshot():
    return sorted(Account.objects.values_list("hub__slug", "name", "balance"))


@pytest.mark.django_db
def test_the_demo_time_bank_has_accounts_listings_exchanges_partners_and_a_pot():
    build()
    hub = Hub.objects.get(slug="riverside")
    assert TimebankSettings.objects.get(hub=hub).joining_grant == 300
    members = Account.objects.filter(hub=hub, kind=Account.Kind.MEMBER)
    assert members.count() >= 15
    # Every demo login that can take part has an account, and the demo member has one to confirm.
    assert members.filter(person__user__username__in=["member", "peer", "volunteer"]).count() == 3
    assert Exchange.objects.filter(
        hub=hub, status=Exchange.Status.AWAITING_CONFIRMATION, receiver__person__user__username="member"
    ).exists()
    assert Listing.objects.filter(hub=hub).count() == 60
    posted = Exchange.objects.filter(hub=hub, status=Exchange.Status.POSTED)
    assert 100 <= posted.count() <= 150
    dates = posted.values_list("occurred_on", flat=True)
    assert (max(dates) - min(dates)).days > 120  # spread over about six months
    assert Account.objects.filter(hub=hub, kind=Account.Kind.ORGANISATION).count() == 2
    assert WayToSpend.objects.filter(hub=hub).count() == 4
    assert Transfer.objects.filter(hub=hub, kind=Transfer.Kind.DONATION).exists()
    assert Transfer.objects.filter(hub=hub, kind=Transfer.Kind.PARTNER).exists()
    # The second hub has members too, so sending between hubs can be tried.
    assert Account.objects.filter(hub__slug="northgate", kind=Account.Kind.MEMBER).count() >= 8
    assert ledger_problems()[0] == []


@pytest.mark.django_db
def test_the_demo_time_bank_is_the_same_for_the_same_seed():
    savepoint = transaction.savepoint()
    build(seed=11)
    first = snapshot()
    transaction.savepoint_rollback(savepoint)
    build(seed=11)
    assert snapshot() == first
