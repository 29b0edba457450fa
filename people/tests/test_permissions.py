"""Every role × every action on people, consent and audit, decided in people.permissions and enforced
by the services. The expected table is written out in full so a change to a rule shows here."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.models import AuditEvent
from core.roles import Role
from people import permissions, services
from people.models import ConsentEvent, ConsentPurpose, Person

STAFF = {"coordinator", "link_worker", "broker", "administrator"}
NOT_STAFF = {"member", "member2", "peer", "commissioner", "referrer", "volunteer"}
EVERYONE = sorted(STAFF | NOT_STAFF)

# action on another member's record (cast.member2) -> who may do it
ON_OTHERS = {
    "list": STAFF,
    "add": STAFF,
    "view": STAFF,
    "edit": STAFF,
    "consent": {"coordinator", "link_worker", "broker"},
    "audit": {"coordinator", "administrator"},
    "search_audit": {"administrator"},
    "roles": {"administrator"},
    "figures": {"coordinator", "administrator", "commissioner"},
}


def check(action, actor, person):
    return {
        "list": lambda: permissions.can_list_people(actor),
        "add": lambda: permissions.can_add_person(actor),
        "view": lambda: permissions.can_view_person(actor, person),
        "edit": lambda: permissions.can_edit_person(actor, person),
        "consent": lambda: permissions.can_record_consent(actor, person),
        "audit": lambda: permissions.can_view_person_audit(actor, person),
        "search_audit": lambda: permissions.can_search_audit(actor),
        "roles": lambda: permissions.can_manage_roles(actor, person),
        "figures": lambda: permissions.can_view_hub_figures(actor),
    }[action]()


@pytest.mark.parametrize("action", sorted(ON_OTHERS))
@pytest.mark.parametrize("who", [w for w in EVERYONE if w != "member2"])
def test_each_role_may_act_on_another_persons_record_only_as_the_table_says(cast, who, action):
    allowed = who in ON_OTHERS[action]
    assert check(action, cast.actor(who), cast.member2) is allowed


@pytest.mark.parametrize("action", ["view", "edit", "consent", "audit"])
@pytest.mark.parametrize("who", ["member", "peer", "volunteer", "referrer", "commissioner"])
def test_everyone_may_see_and_correct_their_own_record(cast, who, action):
    person = getattr(cast, who)
    assert check(action, cast.actor(who), person)


@pytest.mark.parametrize("action", sorted(ON_OTHERS))
def test_staff_of_another_hub_can_do_nothing_here(cast, action):
    # The outsider is coordinator, link worker, broker and administrator in Northgate.
    outsider = cast.actor("outsider")
    if action in {"list", "add", "search_audit", "figures"}:
        # Hub-wide actions are scoped by the actor's own hub; they never reach Riverside's rows.
        return
    assert check(action, outsider, cast.member) is False


def test_commissioner_never_opens_an_individual_record(cast):
    actor = cast.actor("commissioner")
    for person in (cast.member, cast.member2, cast.link_worker):
        with pytest.raises(PermissionDenied):
            permissions.get_person_for(actor, person.pk)


def test_a_member_opening_another_members_record_is_refused_and_audited(cast):
    actor = cast.actor("member")
    with pytest.raises(PermissionDenied):
        permissions.get_person_for(actor, cast.member2.pk)
    event = AuditEvent.objects.get(action=AuditEvent.Action.DENIED)
    assert event.actor == cast.member.user
    assert event.person == cast.member2
    assert event.hub == cast.hub


def test_guessing_an_id_from_another_hub_is_not_found_and_audited_without_linking_it(cast):
    actor = cast.actor("coordinator")
    with pytest.raises(Http404):
        permissions.get_person_for(actor, cast.other_member.pk)
    event = AuditEvent.objects.get(action=AuditEvent.Action.DENIED)
    assert event.person is None
    assert event.hub == cast.hub
    assert "not in this hub" in event.summary


@pytest.mark.parametrize("bad_id", ["abc", "", None, 10**30, -1])
def test_junk_ids_are_not_found(cast, bad_id):
    with pytest.raises(Http404):
        permissions.get_person_for(cast.actor("coordinator"), bad_id)


def test_a_successful_open_is_audited_as_a_view(cast):
    permissions.get_person_for(cast.actor("link_worker"), cast.member.pk)
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    assert event.person == cast.member
    assert event.actor_label == "Lin Linkworker"


# The services enforce the same rules: a form or page cannot be the only guard.


@pytest.mark.parametrize("who", EVERYONE)
def test_create_person_service_enforces_the_rule(cast, who):
    before = Person.objects.count()
    call = lambda: services.create_person(actor=cast.actor(who), data={"full_name": "New Person"})  # noqa: E731
    if who in ON_OTHERS["add"]:
        call()
        assert Person.objects.count() == before + 1
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert Person.objects.count() == before


@pytest.mark.parametrize("who", EVERYONE)
def test_update_person_service_enforces_the_rule(cast, who):
    call = lambda: services.update_person(  # noqa: E731
        actor=cast.actor(who), person=cast.member2, data={"pronouns": "they/them"}
    )
    if who in ON_OTHERS["edit"] or who == "member2":
        call()
        cast.member2.refresh_from_db()
        assert cast.member2.pronouns == "they/them"
    else:
        with pytest.raises(PermissionDenied):
            call()
        cast.member2.refresh_from_db()
        assert cast.member2.pronouns == ""


@pytest.mark.parametrize("who", EVERYONE)
def test_record_consent_service_enforces_the_rule(cast, who):
    call = lambda: services.record_consent(  # noqa: E731
        actor=cast.actor(who),
        person=cast.member2,
        purpose=ConsentPurpose.CONTACT_EMAIL,
        granted=True,
        method=ConsentEvent.Method.VERBAL,
    )
    if who in ON_OTHERS["consent"] or who == "member2":
        call()
        assert ConsentEvent.objects.count() == 1
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert ConsentEvent.objects.count() == 0


@pytest.mark.parametrize("who", EVERYONE)
def test_set_roles_service_enforces_the_rule(cast, who):
    call = lambda: services.set_roles(  # noqa: E731
        actor=cast.actor(who), person=cast.member2, roles={Role.MEMBER, Role.VOLUNTEER}
    )
    if who in ON_OTHERS["roles"]:
        call()
        assert set(cast.member2.role_grants.values_list("role", flat=True)) == {"member", "volunteer"}
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert set(cast.member2.role_grants.values_list("role", flat=True)) == {"member"}


def test_outsider_services_cannot_touch_another_hubs_person(cast):
    outsider = cast.actor("outsider")
    with pytest.raises(PermissionDenied):
        services.update_person(actor=outsider, person=cast.member, data={"pronouns": "x"})
    with pytest.raises(PermissionDenied):
        services.record_consent(
            actor=outsider,
            person=cast.member,
            purpose=ConsentPurpose.EVALUATION,
            granted=True,
            method=ConsentEvent.Method.ONLINE,
        )
    with pytest.raises(PermissionDenied):
        services.set_roles(actor=outsider, person=cast.member, roles={Role.ADMINISTRATOR})


def test_only_an_administrator_can_give_staff_roles_when_adding_someone(cast):
    with pytest.raises(PermissionDenied):
        services.create_person(
            actor=cast.actor("link_worker"), data={"full_name": "Sneaky"}, roles=(Role.ADMINISTRATOR,)
        )
    person = services.create_person(
        actor=cast.actor("administrator"), data={"full_name": "New Coach"}, roles=(Role.LINK_WORKER,)
    )
    assert list(person.role_grants.values_list("role", flat=True)) == ["link_worker"]


def test_an_administrator_cannot_remove_their_own_administrator_role(cast):
    from core.errors import DomainError

    with pytest.raises(DomainError):
        services.set_roles(actor=cast.actor("administrator"), person=cast.administrator, roles=set())
