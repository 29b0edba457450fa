import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from core.roles import Role
from people import queries, services
from people.models import ConsentEvent, ConsentPurpose, Person, ProfileEntry


def counts():
    return (Person.objects.count(), ProfileEntry.objects.count(), AuditEvent.objects.count())


def test_it_creates_a_person_with_both_lists_and_audits_it(cast):
    person = services.create_person(
        actor=cast.actor("link_worker"),
        data={
            "full_name": " Sam Rivers ",
            "email": "Sam@Example.ORG",
            "postcode": "ls1 4ap",
            "nhs_number": "943 476 5919",
        },
        lists={"need": ["Company", " "], "skill": ["Gardening", "Baking"], "lived_experience": ["Grief"]},
    )
    assert person.full_name == "Sam Rivers"
    assert person.email == "sam@example.org"
    assert person.postcode == "LS1 4AP"
    assert person.nhs_number == "9434765919"
    assert person.hub == cast.hub
    assert list(person.role_grants.values_list("role", flat=True)) == [Role.MEMBER]
    assert queries.profile_lists(person) == {
        "need": ["Company"],
        "hope": [],
        "skill": ["Gardening", "Baking"],
        "interest": [],
        "lived_experience": ["Grief"],
    }
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, person=person)
    assert event.actor == cast.link_worker.user
    assert "nhs_number" in event.fields
    # The log names fields, never their values.
    assert "9434765919" not in str(event.fields) + event.summary


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"full_name": "A", "nhs_number": "9434765918"}, "nhs_number"),
        ({"full_name": "A", "nhs_number": "12345"}, "nhs_number"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": "   "}, "full_name"),
        ({"full_name": "A" * 201}, "full_name"),
        ({"full_name": "A", "address": "x" * 501}, "address"),
        ({"full_name": "A", "communication_needs": "x" * 1001}, "communication_needs"),
        ({"full_name": "A", "email": "not-an-email"}, "email"),
        ({"full_name": "A", "postcode": "NOWHERE"}, "postcode"),
        ({"full_name": "A", "date_of_birth": dt.date(2999, 1, 1)}, "date_of_birth"),
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(cast, data, field):
    before = counts()
    with pytest.raises(DomainError) as info:
        services.create_person(actor=cast.actor("link_worker"), data=data, lists={"skill": ["Cooking"]})
    assert field in info.value.field_errors
    assert all(info.value.field_errors[field])
    assert counts() == before


def test_a_duplicate_email_or_nhs_number_in_the_hub_is_a_conflict(cast):
    actor = cast.actor("link_worker")
    services.create_person(actor=actor, data={"full_name": "A", "nhs_number": "9434765919"})
    before = counts()
    with pytest.raises(Conflict) as info:
        services.create_person(actor=actor, data={"full_name": "B", "email": "MO@example.org"})
    assert "email" in info.value.field_errors
    with pytest.raises(Conflict) as info:
        services.create_person(actor=actor, data={"full_name": "B", "nhs_number": "943-476-5919"})
    assert "nhs_number" in info.value.field_errors
    assert counts() == before


def test_the_same_email_may_be_used_in_another_hub(cast):
    person = services.create_person(
        actor=cast.actor("outsider"), data={"full_name": "Mo Elsewhere", "email": "mo@example.org"}
    )
    assert person.hub == cast.other_hub


def test_oversized_or_overlong_lists_are_refused(cast):
    before = counts()
    with pytest.raises(DomainError) as info:
        services.create_person(
            actor=cast.actor("link_worker"), data={"full_name": "A"}, lists={"skill": ["x" * 301]}
        )
    assert "skill" in info.value.field_errors
    with pytest.raises(DomainError):
        services.create_person(
            actor=cast.actor("link_worker"),
            data={"full_name": "A"},
            lists={"hope": [f"hope {i}" for i in range(31)]},
        )
    with pytest.raises(DomainError):
        services.create_person(
            actor=cast.actor("link_worker"), data={"full_name": "A"}, lists={"wishes": ["x"]}
        )
    assert counts() == before


def test_unknown_fields_are_refused(cast):
    with pytest.raises(DomainError):
        services.create_person(actor=cast.actor("link_worker"), data={"full_name": "A", "hub_id": 2})
    with pytest.raises(DomainError):
        services.update_person(actor=cast.actor("member"), person=cast.member, data={"user_id": 1})


def test_update_records_only_the_fields_that_changed(cast):
    actor = cast.actor("link_worker")
    services.update_person(
        actor=actor,
        person=cast.member,
        data={"full_name": "Mo Member", "pronouns": "he/him", "postcode": "ls1 4ap"},
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert event.fields == ["pronouns"]


def test_an_update_that_changes_nothing_writes_nothing(cast):
    services.update_person(
        actor=cast.actor("link_worker"), person=cast.member, data={"full_name": "Mo Member"}
    )
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()


def test_a_member_corrects_their_own_record(cast):
    services.update_person(
        actor=cast.actor("member"),
        person=cast.member,
        data={"preferred_name": "Mo"},
        lists={"hope": ["Join the walking group"]},
    )
    cast.member.refresh_from_db()
    assert cast.member.display_name == "Mo"
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert event.summary == "Corrected their own details"
    assert "what matters and what they can offer" in event.fields


def test_a_failed_update_changes_nothing(cast):
    services.update_person(
        actor=cast.actor("member"), person=cast.member, lists={"skill": ["Sewing"]}, data={}
    )
    before = counts()
    with pytest.raises(DomainError):
        services.update_person(
            actor=cast.actor("member"),
            person=cast.member,
            data={"pronouns": "they/them", "nhs_number": "1111111112"},
            lists={"skill": ["Knitting"]},
        )
    cast.member.refresh_from_db()
    assert cast.member.pronouns == ""
    assert queries.profile_lists(cast.member)["skill"] == ["Sewing"]
    assert counts() == before


def test_consent_is_answered_per_purpose_and_withdrawal_is_a_new_no(cast):
    actor = cast.actor("link_worker")
    person = cast.member
    assert not queries.has_consent(person=person, purpose=ConsentPurpose.CONTACT_SMS)
    services.record_consent(
        actor=actor,
        person=person,
        purpose=ConsentPurpose.CONTACT_SMS,
        granted=True,
        method=ConsentEvent.Method.VERBAL,
    )
    assert queries.has_consent(person=person, purpose=ConsentPurpose.CONTACT_SMS)
    assert not queries.has_consent(person=person, purpose=ConsentPurpose.CONTACT_EMAIL)
    services.record_consent(
        actor=cast.actor("member"),
        person=person,
        purpose=ConsentPurpose.CONTACT_SMS,
        granted=False,
        method=ConsentEvent.Method.ONLINE,
    )
    assert not queries.has_consent(person=person, purpose=ConsentPurpose.CONTACT_SMS)
    history = list(queries.consent_history(person))
    assert [e.granted for e in history] == [False, True]
    assert history[1].recorded_by_label == "Lin Linkworker"
    states = {s.purpose: s for s in queries.current_consents(person)}
    assert set(states) == set(ConsentPurpose.values)
    assert states[ConsentPurpose.CONTACT_SMS].event.granted is False
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CONSENT, person=person).count() == 2


def test_has_consent_refuses_an_unknown_purpose(cast):
    with pytest.raises(ValueError):
        queries.has_consent(person=cast.member, purpose="sell_my_data")


@pytest.mark.parametrize(
    ("purpose", "method", "detail"),
    [("sell_my_data", "verbal", ""), ("evaluation", "telepathy", ""), ("evaluation", "verbal", "x" * 501)],
)
def test_bad_consent_input_writes_nothing(cast, purpose, method, detail):
    with pytest.raises(DomainError):
        services.record_consent(
            actor=cast.actor("link_worker"),
            person=cast.member,
            purpose=purpose,
            granted=True,
            method=method,
            detail=detail,
        )
    assert ConsentEvent.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CONSENT).exists()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(st.tuples(st.sampled_from(ConsentPurpose.values), st.booleans()), max_size=12))
def test_the_current_answer_is_always_the_latest_one(cast, answers):
    person = services.create_person(actor=cast.actor("link_worker"), data={"full_name": "Prop Person"})
    base = timezone.now()
    latest: dict[str, bool] = {}
    for i, (purpose, granted) in enumerate(answers):
        event = services.record_consent(
            actor=cast.actor("link_worker"),
            person=person,
            purpose=purpose,
            granted=granted,
            method=ConsentEvent.Method.WRITTEN,
        )
        assert event.recorded_at <= base + dt.timedelta(minutes=1 + i)
        latest[purpose] = granted
    for purpose in ConsentPurpose.values:
        assert queries.has_consent(person=person, purpose=purpose) is latest.get(purpose, False)


def test_hub_figures_suppress_small_numbers_and_name_no_one(cast):
    figures = queries.hub_figures(cast.hub)
    roles = dict(figures["roles"])
    assert figures["people"] == "10"
    assert roles["Coordinator"] == "fewer than 5"
    assert roles["Member"] == "fewer than 5"
    assert figures["evaluation_consent"] == "0"
    assert "Mo" not in str(figures)


def test_giving_a_login_links_it_once(cast):
    admin = cast.actor("administrator")
    person = services.create_person(actor=admin, data={"full_name": "No Login Yet"})
    user = services.create_login(actor=admin, person=person, username="nologin", password=None)
    assert Person.objects.get(pk=person.pk).user == user
    assert not user.has_usable_password()
    with pytest.raises(Conflict):
        services.create_login(actor=admin, person=person, username="again", password=None)
    other = services.create_person(actor=admin, data={"full_name": "Other"})
    with pytest.raises(Conflict):
        services.create_login(actor=admin, person=other, username="NOLOGIN", password=None)


def test_search_finds_by_name_postcode_and_nhs_number_within_the_hub(cast):
    actor = cast.actor("link_worker")
    services.update_person(actor=actor, person=cast.member2, data={"nhs_number": "9434765919"})
    assert list(queries.search_people(actor=actor, text="mo member")) == [cast.member]
    assert list(queries.search_people(actor=actor, text="ls1")) == [cast.member]
    assert list(queries.search_people(actor=actor, text="943 476")) == [cast.member2]
    assert cast.other_member not in queries.search_people(actor=actor, text="nina")
    assert len(queries.search_people(actor=actor, role=Role.MEMBER)) == 3


def test_a_new_login_without_a_password_is_sent_a_link_after_commit(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    admin = cast.actor("administrator")
    person = services.create_person(actor=admin, data={"full_name": "Kemi New", "email": "kemi@example.org"})
    with django_capture_on_commit_callbacks(execute=True):
        services.create_login(actor=admin, person=person, username="kemi", password=None)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["kemi@example.org"]
    assert "/accounts/reset/" in mailoutbox[0].body
    assert "kemi" in mailoutbox[0].body


def test_a_username_with_spaces_or_symbols_is_refused(cast):
    admin = cast.actor("administrator")
    person = services.create_person(actor=admin, data={"full_name": "Odd Name"})
    with pytest.raises(DomainError) as info:
        services.create_login(actor=admin, person=person, username="odd name!", password=None)
    assert "username" in info.value.field_errors
    person.refresh_from_db()
    assert person.user is None
