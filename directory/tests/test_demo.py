"""The demo directory: about 40 fictional Riverside services, the same for the same seed."""

from core.models import Hub
from directory import demo, queries
from directory.models import Attribute, Service


def test_demo_builds_a_deterministic_riverside_directory(db):
    first = Hub.objects.create(name="Riverside Live Well", slug="riverside")
    second = Hub.objects.create(name="Riverside again", slug="again")
    built = demo.build(hub=first, seed=7)
    assert 35 <= len(built) <= 45
    again = demo.build(hub=second, seed=7)

    def shape(services):
        return [
            (s.name, s.organization.name, s.spaces_left, s.service_at_locations.get().location.latitude)
            for s in sorted(services, key=lambda s: s.name)
        ]

    assert shape(built) == shape(again)
    names = {s.name for s in built}
    for expected in (
        "Riverside Walking Group",
        "Tuesday Coffee Morning",
        "Riverside Food Bank",
        "Men's Shed",
    ):
        assert expected in names
    assert Attribute.objects.filter(link_id__in=[s.pk for s in built]).count() >= len(built)
    # Every demo place is in Riverside's districts, so distance search finds it.
    assert all(s.service_at_locations.get().location.latitude for s in built)
    walking = queries.search_services(
        queries.Filters(text="walking group", postcode="RV1 1AA", radius_m=10_000, free=True, hub=first)
    )
    assert "Riverside Walking Group" in [s.name for s in walking.items]
    assert Service.objects.filter(hub=first, assured_date__isnull=False).exists()
