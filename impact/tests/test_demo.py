from io import StringIO

from django.core.management import call_command

from core.models import Hub
from impact import queries
from impact.models import Funding, Measurement, SroiModel


def test_the_demo_hub_has_measurements_a_model_and_funding(db):
    call_command("build_demo_hub", "--members", "60", stdout=StringIO())
    hub = Hub.objects.get(slug="riverside")
    assert Measurement.objects.filter(hub=hub, mode="missed").exists()
    assert Funding.objects.filter(hub=hub).exists()
    view = queries.model_view(SroiModel.objects.get(hub=hub))
    assert view.result.ratio is not None and view.result.ratio > 0
    assert view.lines[0].quantity >= 5  # members improved: enough to show outside the team
