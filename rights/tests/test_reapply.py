"""The erasure register and re-applying erasures after a restore (docs/guides/backup-and-restore.md)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import AuditEvent
from people.models import Person
from rights import queries, services
from rights.models import RightsRequest
from timebank.queries import ledger_problems


def _erase(cast, person):
    request = services.make_request(actor=cast.actor("coordinator"), person=person, kind="erasure")
    return services.erase(actor=cast.actor("coordinator"), request=request, confirmed=True)


def _register(tmp_path, entries) -> str:
    path = tmp_path / "erasures.json"
    path.write_text(json.dumps({"erasures": entries}), encoding="utf-8")
    return str(path)


def _reapply(path) -> str:
    out = StringIO()
    call_command("reapply_erasures", path, stdout=out)
    return out.getvalue()


def test_the_register_lists_completed_erasures_by_number_only(cast, tmp_path):
    _erase(cast, cast.member)
    services.make_request(actor=cast.actor("member2"), person=cast.member2, kind="erasure")  # still open

    call_command("erasure_register", str(tmp_path / "register.json"), stdout=StringIO())

    text = (tmp_path / "register.json").read_text()
    erased_on = RightsRequest.objects.get(person=cast.member, kind="erasure").completed_at.date().isoformat()
    assert json.loads(text) == {
        "erasures": [{"hub": cast.hub.slug, "person": cast.member.pk, "erased_on": erased_on}]
    }
    assert "Mo" not in text and "Mia" not in text and "example.org" not in text


def test_a_listed_record_is_erased_again_recorded_and_audited(cast, tmp_path):
    # As after restoring a backup made before Mia's erasure: she is whole again, the register remembers.
    path = _register(tmp_path, [{"hub": cast.hub.slug, "person": cast.member2.pk, "erased_on": "2026-10-01"}])

    said = _reapply(path)

    mia = Person.objects.get(pk=cast.member2.pk)
    assert "1 erased again" in said
    assert mia.full_name == f"Erased member {mia.pk}" and mia.email == "" and mia.user_id is None
    assert queries.is_erased(mia)
    request = RightsRequest.objects.get(person=mia, kind="erasure")
    assert request.status == RightsRequest.Status.DONE
    assert "2026-10-01" in request.outcome and request.completed_by_label == services.RESTORE_LABEL
    event = AuditEvent.objects.get(person=mia, action=AuditEvent.Action.ERASE)
    assert event.actor_label == "system" and "again after a restore" in event.summary
    assert ledger_problems()[0] == []
    # The others are untouched.
    assert Person.objects.get(pk=cast.member.pk).full_name == "Mo Member"


def test_running_it_twice_changes_nothing_the_second_time(cast, tmp_path):
    path = _register(tmp_path, [{"hub": cast.hub.slug, "person": cast.member2.pk, "erased_on": "2026-10-01"}])
    _reapply(path)
    events = AuditEvent.objects.count()

    said = _reapply(path)

    assert "0 erased again, 1 already erased" in said
    assert AuditEvent.objects.count() == events
    assert RightsRequest.objects.filter(person=cast.member2).count() == 1


def test_records_not_in_this_database_or_in_another_hub_are_reported_not_touched(cast, tmp_path):
    path = _register(
        tmp_path,
        [
            {"hub": cast.hub.slug, "person": 987654, "erased_on": "2026-10-01"},
            # Nina's number, but named as Riverside's: never erase across hubs.
            {"hub": cast.hub.slug, "person": cast.other_member.pk, "erased_on": "2026-10-01"},
        ],
    )

    said = _reapply(path)

    assert "2 not in this database" in said
    assert Person.objects.get(pk=cast.other_member.pk).full_name == cast.other_member.full_name


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x00\x01\x02junk", "not UTF-8|not JSON"),
        (b"{'erasures': []}", "not JSON"),
        (b'["a list"]', 'no "erasures" list'),
        ('{"erasures": []}'.encode("utf-16"), "not UTF-8"),
        # A bad entry after a good one still stops everything.
        ({"hub": "riverside", "person": "12", "erased_on": "2026-10-01"}, "Entry 2"),
        ({"hub": "riverside", "person": 12, "erased_on": "last week"}, "Entry 2"),
        ({"hub": "riverside", "person": True, "erased_on": "2026-10-01"}, "Entry 2"),
    ],
)
def test_a_bad_register_is_refused_whole_and_nothing_is_erased(cast, tmp_path, content, message):
    path = tmp_path / "register.json"
    if isinstance(content, dict):
        good = {"hub": cast.hub.slug, "person": cast.member2.pk, "erased_on": "2026-10-01"}
        content = json.dumps({"erasures": [good, content]}).encode()
    path.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        _reapply(str(path))

    assert Person.objects.get(pk=cast.member2.pk).full_name == cast.member2.full_name


def test_a_missing_register_is_named(cast, tmp_path):
    with pytest.raises(CommandError, match="There is no file called nowhere.json"):
        _reapply(str(tmp_path / "nowhere.json"))
