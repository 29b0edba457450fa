from io import StringIO

from django.core.management import call_command

from core.models import Hub
from practice import queries
from practice.models import Action, CatalogueCase, Response, Round


def test_the_demo_hub_has_a_closed_round_a_plan_and_the_catalogue(db):
    out = StringIO()
    call_command("build_demo_hub", "--members", "40", stdout=out)
    assert "reflection rounds" in out.getvalue()
    hub = Hub.objects.get(slug="riverside")
    summary = queries.hub_practice_summary(hub)
    assert summary is not None and summary["round"] == "Spring reflection"
    assert summary["depth"] == "intermediate"
    assert summary["respondents"] == Response.objects.filter(round__hub=hub).count() > 8
    # Named, anonymous and paper answers, from both sides.
    vias = set(Response.objects.filter(round__hub=hub).values_list("via", flat=True))
    assert vias == {"named", "anonymous", "paper"}
    assert all(p["staff"] is not None and p["members"] is not None for p in summary["principles"])
    assert Round.objects.filter(hub=hub, status="open").count() == 1
    actions = Action.objects.filter(priority__plan__hub=hub)
    assert actions.count() == 3
    assert all(a.staff_lead_id and a.member_lead_id for a in actions)
    assert CatalogueCase.objects.exists()
