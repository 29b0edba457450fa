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
from rights import queries, registry, services
from rights.models import RightsRequest
from rights.tests.conftest import SECRETS
from support.privacy import SENSITIVE_WITHHELD

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


def test_every_table_that_refers_to_the_person_is_in_the_export(populated):
    """Walk every installed model's fields that point to a person or their login: each one with a row
    about Mo must be in Mo's export, with that row."""
    from django.apps import apps

    cast = populated.cast
    mo = cast.member
    data = queries.subject_data(person=mo, viewer=cast.actor("coordinator"))
    exported = {s.model: {row["id"] for row in s.rows} for p in data.parts for s in p.sections}
    # Rows about other people that only name the member as who typed them in are theirs, not Mo's.
    about_others = {("people.ConsentEvent", "recorded_by"), ("groups.Enrolment", "enrolled_by")}
    checked = 0
    for label, name in registry.person_fields():
        model = apps.get_model(label)
        target = model._meta.get_field(name).related_model
        value = mo.user_id if target._meta.label == "auth.User" else mo.pk
        if value is None or (label, name) in about_others:
            continue
        ids = set(model._base_manager.filter(**{name: value}).values_list("pk", flat=True))
        if ids:
            checked += 1
            assert label in exported, f"{label}.{name} holds rows about the person but is not exported"
            assert ids <= exported[label], f"{label}.{name}: rows missing from the export"
    assert checked >= 10


def test_sensitive_notes_are_withheld_from_the_member_and_included_for_a_coordinator(populated):
    cast = populated.cast
    pk = populated.sensitive_session.pk

    def notes(viewer):
        data = queries.subject_data(person=cast.member, viewer=cast.actor(viewer))
        sessions = next(s for p in data.parts for s in p.sections if s.model == "support.SupportSession")
        return data.include_sensitive, next(r["notes"] for r in sessions.rows if r["id"] == pk)

    assert notes("member") == (False, SENSITIVE_WITHHELD)
    assert notes("link_worker") == (False, SENSITIVE_WITHHELD)
    assert notes("coordinator") == (True, SECRETS["sensitive"])
    assert notes("administrator") == (True, SECRETS["sensitive"])


def test_the_export_holds_nothing_from_another_persons_record(populated):
    cast = populated.cast
    data = queries.subject_data(person=cast.member, viewer=cast.actor("member"))
    people = {row["id"] for s in data.parts[0].sections if s.model == "people.Person" for row in s.rows}
    assert people == {cast.member.pk}
    text = json.dumps(data.as_json(), default=str)
    assert "Mia Member" in text  # the other side of an exchange is named, as on a statement
    assert "mia@example.org" not in text


@pytest.mark.parametrize("who", ["broker", "commissioner", "peer", "member2", "outsider"])
def test_only_the_person_and_the_staff_who_manage_them_may_download(cast, who):
    with pytest.raises(PermissionDenied):
        services.export_archive(actor=cast.actor(who), person=cast.member)
