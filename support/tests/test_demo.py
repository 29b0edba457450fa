from io import StringIO

from django.core.management import call_command

from core.models import Hub
from support.models import OnwardReferral, Plan, Referral, SupportSession


def test_the_demo_hub_has_referrals_in_every_state(db):
    call_command("build_demo_hub", "--members", "60", stdout=StringIO())
    hub = Hub.objects.get(slug="riverside")
    statuses = set(Referral.objects.filter(hub=hub).values_list("status", flat=True))
    assert statuses == set(Referral.Status.values)
    assert Referral.objects.filter(hub=hub, status="received", person__isnull=True).exists()
    assert Referral.objects.filter(hub=hub, assignments__ended_at__isnull=False).exists()  # a hand-over
    assert SupportSession.objects.filter(referral__hub=hub).exists()
    assert Plan.objects.filter(person__user__username="member").count() == 3
    assert Referral.objects.filter(hub=hub, referrer_person__user__username="referrer").exists()
    # The demo directory is built first, so members are referred on to real services in it.
    assert OnwardReferral.objects.filter(referral__hub=hub).exclude(status="suggested").exists()
