from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.http import Http404

from core.models import AuditEvent
from impact import permissions, services
from impact.models import Funding, InstrumentDefinition
from impact.tests.test_scoring import FICTIONAL

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "hubs"),
    [
        ("coordinator", ["Riverside Live Well"]),
        ("administrator", ["Riverside Live Well"]),
        ("commissioner", ["Riverside Live Well"]),  # through Funding, not through the role alone
        ("link_worker", []),
        ("member", []),
        ("outsider", ["Northgate Time Bank"]),
    ],
)
def test_report_hubs(cast, who, hubs):
    assert [h.name for h in permissions.report_hubs(cast.actor(who))] == hubs


def test_a_commissioner_without_funding_sees_no_report(cast):
    Funding.objects.all().delete()
    assert permissions.report_hubs(cast.actor("commissioner")) == []


def test_the_team_sees_exact_counts_and_commissioners_suppressed(cast):
    assert permissions.get_report_hub_for(cast.actor("coordinator"), "riverside") == (cast.hub, False)
    assert permissions.get_report_hub_for(cast.actor("commissioner"), "riverside") == (cast.hub, True)


def test_a_refused_report_is_a_404_and_audited(cast):
    with pytest.raises(Http404):
        permissions.get_report_hub_for(cast.actor("member"), "riverside")
    assert AuditEvent.objects.filter(action="denied", summary__contains="impact report").exists()


def test_models_are_for_the_hubs_coordinators(cast):
    model = services.create_model(
        actor=cast.actor("coordinator"), name="m", period_start="2025-01-01", period_end="2025-02-01"
    )
    assert permissions.get_model_for(cast.actor("coordinator"), model.pk) == model
    with pytest.raises(PermissionDenied):
        permissions.get_model_for(cast.actor("administrator"), model.pk)
    with pytest.raises(Http404):
        permissions.get_model_for(cast.actor("outsider"), model.pk)


@pytest.mark.parametrize(
    ("who", "whose", "allowed"),
    [
        ("link_worker", "member", True),
        ("coordinator", "member", True),
        ("member", "member", True),
        ("member", "member2", False),
        ("peer", "member", False),
        ("outsider", "member", False),
        ("commissioner", "member", False),
    ],
)
def test_who_may_record_answers(cast, who, whose, allowed):
    assert permissions.can_record_measurement(cast.actor(who), getattr(cast, whose)) is allowed


def test_load_instrument_command(cast, tmp_path):
    path = tmp_path / "calm.json"
    path.write_text(json.dumps(FICTIONAL))
    out = StringIO()
    call_command("load_instrument", str(path), "--hub", "riverside", "--licence", "Test licence", stdout=out)
    assert "Loaded calm3 for Riverside Live Well." in out.getvalue()
    assert InstrumentDefinition.objects.get(hub=cast.hub).licence_note == "Test licence"
    with pytest.raises(CommandError, match="No hub"):
        call_command("load_instrument", str(path), "--hub", "nowhere", "--licence", "x")
    path.write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_instrument", str(path), "--hub", "riverside", "--licence", "x")
