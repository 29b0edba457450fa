from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from core.models import AuditEvent, Hub
from core.roles import Role
from people.models import ConsentEvent, Person, RoleGrant


def build(members=20, seed=7):
    out = StringIO()
    call_command("build_demo_hub", "--members", str(members), "--seed", str(seed), stdout=out)
    return out.getvalue()


def snapshot():
    return sorted(
        Person.objects.filter(hub__slug="riverside").values_list(
            "full_name", "email", "postcode", "nhs_number", "date_of_birth"
        )
    )


@pytest.mark.django_db
def test_the_demo_hub_has_staff_in_every_role_and_prints_their_logins():
    out = build()
    hub = Hub.objects.get(slug="riverside")
    roles = set(RoleGrant.objects.filter(person__hub=hub).values_list("role", flat=True))
    assert roles == set(Role.values)
    assert Person.objects.filter(hub=hub).count() == 20 + 10
    assert ConsentEvent.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).count() >= 30
    for username in ("coordinator", "linkworker", "member", "commissioner", "admin"):
        assert username in out
    assert "riverside-demo" in out
    # The coordinator also works in the second hub, to show the hub switcher.
    assert Person.objects.filter(user__username="coordinator").count() == 2


@pytest.mark.django_db
def test_the_demo_hub_is_the_same_for_the_same_seed():
    savepoint = transaction.savepoint()
    build(seed=11)
    first = snapshot()
    transaction.savepoint_rollback(savepoint)
    assert not Hub.objects.exists()
    build(seed=11)
    assert snapshot() == first
    assert len(first) == 30
    nhs_numbers = [p[3] for p in first if p[3]]
    assert len(set(nhs_numbers)) == len(nhs_numbers)


@pytest.mark.django_db
def test_building_twice_is_refused_but_if_new_just_prints_logins():
    build()
    with pytest.raises(CommandError):
        build()
    out = StringIO()
    call_command("build_demo_hub", "--if-new", stdout=out)
    assert "linkworker" in out.getvalue()
    assert Person.objects.filter(hub__slug="riverside").count() == 30


@pytest.mark.django_db
def test_demo_code_prints_the_current_six_digit_code():
    build()
    out = StringIO()
    call_command("demo_code", "linkworker", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    with pytest.raises(CommandError):
        call_command("demo_code", "member", stdout=StringIO())
