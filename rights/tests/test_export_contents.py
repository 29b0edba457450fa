"""What the subject access export holds, read from one populated hub shared by the module (these tests
only read it)."""

from __future__ import annotations

import json

from rights import queries, registry
from rights.tests.conftest import SECRETS
from support.privacy import SENSITIVE_WITHHELD


def test_every_table_that_refers_to_the_person_is_in_the_export(db, populated_readonly):
    """Walk every installed model's fields that point to a person or their login: each one with a row
    about Mo must be in Mo's export, with that row."""
    from django.apps import apps

    cast = populated_readonly.cast
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


def test_sensitive_notes_are_withheld_from_the_member_and_included_for_a_coordinator(db, populated_readonly):
    cast = populated_readonly.cast
    pk = populated_readonly.sensitive_session.pk

    def notes(viewer):
        data = queries.subject_data(person=cast.member, viewer=cast.actor(viewer))
        sessions = next(s for p in data.parts for s in p.sections if s.model == "support.SupportSession")
        return data.include_sensitive, next(r["notes"] for r in sessions.rows if r["id"] == pk)

    assert notes("member") == (False, SENSITIVE_WITHHELD)
    assert notes("link_worker") == (False, SENSITIVE_WITHHELD)
    assert notes("coordinator") == (True, SECRETS["sensitive"])
    assert notes("administrator") == (True, SECRETS["sensitive"])


def test_the_export_holds_nothing_from_another_persons_record(db, populated_readonly):
    cast = populated_readonly.cast
    data = queries.subject_data(person=cast.member, viewer=cast.actor("member"))
    people = {row["id"] for s in data.parts[0].sections if s.model == "people.Person" for row in s.rows}
    assert people == {cast.member.pk}
    text = json.dumps(data.as_json(), default=str)
    assert "Mia Member" in text  # the other side of an exchange is named, as on a statement
    assert "mia@example.org" not in text
