"""The subject access export: one archive, JSON and a readable PDF, covering every table that refers to
the person."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.core.exceptions import PermissionDenied

from core.models import AuditEvent
from rights import services
from rights.models import RightsRequest
from rights.tests.conftest import SECRETS

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _tables(document: dict) -> dict[str, list[dict]]:
    return {t["model"]: t["rows"] for part in document["parts"] for t in part["tables"]}


def test_the_archive_holds_json_and_a_readable_pdf_of_every_part(populated):
    cast = populated.cast
    name, content = services.export_archive(actor=cast.actor("member"), person=cast.member)
    assert name.startswith(f"coproduce-record-{cast.member.pk}-") and name.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert set(archive.namelist()) == {"record.json", "record.pdf", "README.txt"}
    assert archive.read("record.pdf").startswith(b"%PDF")
    document = json.loads(archive.read("record.json"))
    parts = [p["part"] for p in document["parts"]]
    for part in ("profile", "consent", "audit", "timebank", "support", "courses", "practice", "measurements"):
        assert part in parts
    tables = _tables(document)
    person = tables["people.Person"][0]
    assert person["full_name"] == "Mo Member"
    assert person["date_of_birth"] == "1961-05-04"
    assert ISO_DATE.match(person["created_at"])
    referral = tables["support.Referral"][0]
    assert referral["status"] == {"value": "closed", "label": "Closed"}
    assert referral["service"]["label"]
    assert SECRETS["referral"] in referral["reason_detail"]
    # The referrer's own contact details are theirs, not the member's.
    assert "referrer_email" not in referral and "referrer_address" not in referral
    assert any(SECRETS["plan"] in json.dumps(v["content"]) for v in tables["support.PlanVersion"])
    assert any(e["minutes"] == 75 for e in tables["timebank.Entry"])  # Mo gave 75 minutes
    # Who looked at the record, without the viewer's address.
    assert tables["core.AuditEvent"] and "ip_address" not in tables["core.AuditEvent"][0]
    # The download is audited and recorded as an access request answered at once.
    event = AuditEvent.objects.filter(person=cast.member, action=AuditEvent.Action.EXPORT).get()
    assert event.actor_label == "Mo Member"
    access = RightsRequest.objects.get(person=cast.member, kind=RightsRequest.Kind.ACCESS)
    assert access.status == RightsRequest.Status.DONE and not access.on_behalf


@pytest.mark.parametrize("who", ["broker", "commissioner", "peer", "member2", "outsider"])
def test_only_the_person_and_the_staff_who_manage_them_may_download(cast, who):
    with pytest.raises(PermissionDenied):
        services.export_archive(actor=cast.actor(who), person=cast.member)
