import pytest

from timebank import services


@pytest.fixture
def bank(cast):
    """The cast's two members and the peer have approved accounts; Bea is the broker."""
    broker = cast.actor("broker")
    accounts = {
        name: services.join(actor=broker, person=getattr(cast, name))
        for name in ("member", "member2", "peer")
    }
    return accounts
