"""The registry covers every field that points to a person; a model that is missed fails CI."""

import pytest
from django.contrib.auth.models import User
from django.db import models
from django.test.utils import isolate_apps

from people.models import Person
from rights import registry


def test_every_field_pointing_to_a_person_or_login_is_declared():
    missing = registry.undeclared_fields()
    assert missing == [], (
        "These fields point to a person but no <app>/privacy.py declares how to export and erase them: "
        f"{missing}. Add a Rule for each (see rights/registry.py)."
    )


def test_it_walks_foreign_keys_one_to_ones_and_many_to_manys_of_every_installed_model():
    found = set(registry.person_fields())
    assert ("groups.Enrolment", "person") in found  # ForeignKey to Person
    assert ("timebank.DigestSubscription", "person") in found  # OneToOne to Person
    assert ("core.AuditEvent", "actor") in found  # ForeignKey to the auth User
    assert ("otp_totp.TOTPDevice", "user") in found  # a third-party app's model
    assert ("people.Person", "user") in found
    # Reverse relations are not fields of the model that holds them.
    assert not any(model == "people.Person" and name == "profile_entries" for model, name in found)


def test_it_detects_a_declaration_that_goes_missing():
    without = [r for r in registry.rules() if r.model != "groups.Enrolment"]
    missing = registry.undeclared_fields(without)
    assert ("groups.Enrolment", "person") in missing
    assert ("groups.Enrolment", "enrolled_by") in missing


@isolate_apps("rights")
def test_it_detects_a_new_model_that_refers_to_a_person():
    class Diary(models.Model):
        person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
        written_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
        readers = models.ManyToManyField(Person, related_name="+")
        partner = models.OneToOneField(Person, null=True, on_delete=models.SET_NULL, related_name="+")

        class Meta:
            app_label = "rights"

        def __str__(self) -> str:
            return "diary"

    missing = registry.undeclared_fields(model_list=[Diary])
    assert sorted(missing) == [
        ("rights.Diary", "partner"),
        ("rights.Diary", "person"),
        ("rights.Diary", "readers"),
        ("rights.Diary", "written_by"),
    ]


def test_every_rule_names_a_real_model_field_and_part():
    assert registry.check_rules() == []


def test_every_app_that_refers_to_a_person_has_a_privacy_module():
    apps_with_rules = {r.model.split(".")[0] for r in registry.rules()}
    apps_referring = {label.split(".")[0] for label, _ in registry.person_fields()}
    # otp_totp is declared by core, which owns two-factor sign-in.
    assert apps_referring - {"otp_totp"} <= apps_with_rules


def test_kept_records_say_why():
    kept = registry.kept_rules()
    assert {r.model for r in kept} >= {
        "core.AuditEvent",
        "people.ConsentEvent",
        "timebank.Account",
        "timebank.Transfer",
        "timebank.Entry",
        "groups.BackgroundCheck",
        "rights.RightsRequest",
    }
    assert all(len(r.kept) > 40 for r in kept)


@pytest.mark.parametrize(
    ("model", "path"),
    [
        ("people.Person", "hub"),
        ("people.ProfileEntry", "person__hub"),
        ("support.SupportSession", "referral__hub"),
        ("auth.User", None),
    ],
)
def test_it_finds_each_models_way_to_its_hub(model, path):
    from django.apps import apps

    assert registry.hub_path(apps.get_model(model)) == path
