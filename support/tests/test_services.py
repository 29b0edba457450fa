import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from core.roles import Actor, Role
from people.models import ConsentEvent, ConsentPurpose, Person, ProfileEntry
from people.queries import has_consent
from people.services import record_consent
from support import queries, services
from support.models import (
    Assignment,
    CodedEvent,
    Referral,
    ReferrerMessage,
    SupportService,
    SupportSession,
)
from support.tests.conftest import referral_data

# ---- services, rules and pathways -------------------------------------------------------------


def test_it_creates_a_service_with_rules_and_pathway(live_well):
    steps = list(live_well.steps.order_by("position"))
    assert [(s.position, s.name, s.session_cap, s.role) for s in steps] == [
        (1, "Health coaching", 5, Role.LINK_WORKER),
        (2, "Link work", 8, Role.LINK_WORKER),
    ]
    assert live_well.postcode_districts == ["LS1", "RV1"]
    assert live_well.follow_up_months == [4, 8]
    assert live_well.exclusions.get().redirect_to.startswith("Back to the GP")


def test_only_coordinators_configure_services(cast):
    for name in ("link_worker", "administrator", "member", "commissioner", "peer"):
        with pytest.raises(PermissionDenied):
            services.create_support_service(actor=cast.actor(name), data={"name": "X"}, steps=[{"name": "A"}])
    assert not SupportService.objects.exists()


@pytest.mark.parametrize(
    "data, steps, field",
    [
        ({"name": ""}, [{"name": "A"}], "name"),
        ({"name": "X", "min_age": 70, "max_age": 18}, [{"name": "A"}], "max_age"),
        ({"name": "X", "min_age": -1}, [{"name": "A"}], "min_age"),
        ({"name": "X", "postcode_districts": ["not a district"]}, [{"name": "A"}], "postcode_districts"),
        ({"name": "X", "follow_up_months": [0]}, [{"name": "A"}], "follow_up_months"),
        ({"name": "X"}, [], "steps"),
        ({"name": "X"}, [{"name": "A", "session_cap": 0}], "steps.0.session_cap"),
        ({"name": "X"}, [{"name": "A", "role": "commissioner"}], "steps.0.role"),
        ({"name": "X"}, [{"name": "A", "colour": "red"}], "steps.0"),
    ],
)
def test_bad_service_rules_are_refused_with_the_field(cast, data, steps, field):
    with pytest.raises(DomainError) as exc:
        services.create_support_service(actor=cast.actor("coordinator"), data=data, steps=steps)
    assert field in exc.value.field_errors
    assert not SupportService.objects.exists()


def test_unknown_service_fields_are_named(cast):
    with pytest.raises(DomainError, match="Unknown field: colour"):
        services.create_support_service(
            actor=cast.actor("coordinator"), data={"name": "X", "colour": 1}, steps=[{"name": "A"}]
        )


def test_service_names_are_unique_in_a_hub(cast, live_well):
    with pytest.raises(Conflict):
        services.create_support_service(
            actor=cast.actor("coordinator"), data={"name": "live well"}, steps=[{"name": "A"}]
        )


def test_a_step_in_use_cannot_be_removed_but_can_be_recapped(cast, live_well, accepted, coach):
    coordinator = cast.actor("coordinator")
    link_work = live_well.steps.get(position=2)
    services.hand_over(
        actor=coordinator, referral=accepted, worker=coach, step=link_work, note="Wants to join groups"
    )
    with pytest.raises(Conflict, match="cannot be removed"):
        services.update_support_service(actor=coordinator, service=live_well, steps=[{"name": "Coaching"}])
    assert live_well.steps.count() == 2
    with pytest.raises(DomainError):
        services.update_support_service(actor=coordinator, service=live_well, steps=[])
    services.update_support_service(
        actor=coordinator,
        service=live_well,
        steps=[{"name": "Coaching", "session_cap": 6}, {"name": "Link work", "session_cap": 8}],
    )
    assert list(live_well.steps.values_list("name", "session_cap")) == [("Coaching", 6), ("Link work", 8)]


def test_an_unused_step_can_be_removed(cast, live_well):
    services.update_support_service(
        actor=cast.actor("coordinator"), service=live_well, steps=[{"name": "Coaching", "session_cap": 5}]
    )
    assert live_well.steps.count() == 1


def test_settings_adapt_the_conversation_template(cast):
    sections = [
        {"key": "matters", "label": "What matters to you today"},
        {"key": "next", "label": "Next steps", "hint": ""},
    ]
    saved = services.update_support_settings(
        actor=cast.actor("coordinator"), caseload_limit=50, conversation_sections=sections
    )
    assert saved.caseload_limit == 50
    assert [s["key"] for s in queries.support_settings(cast.hub).conversation_sections] == ["matters", "next"]
    with pytest.raises(DomainError):
        services.update_support_settings(
            actor=cast.actor("coordinator"), conversation_sections=[{"key": "a b", "label": "x"}]
        )
    with pytest.raises(DomainError):
        services.update_support_settings(actor=cast.actor("coordinator"), caseload_limit=0)
    with pytest.raises(PermissionDenied):
        services.update_support_settings(actor=cast.actor("link_worker"), caseload_limit=10)


# ---- referrals in ------------------------------------------------------------------------------


def test_a_referral_records_source_reasons_urgency_referrer_and_consent(cast, make_referral):
    referral = make_referral(urgency="urgent", reasons=["money", "other"], reason_detail="Lost job")
    assert referral.status == Referral.Status.RECEIVED
    assert referral.source == "gp"
    assert referral.reasons == ["money", "other"]
    assert referral.urgency == "urgent"
    assert referral.referrer_email == "rory.gp@example.org"
    assert referral.consent_to_report_back is True
    assert referral.channel == Referral.Channel.STAFF
    assert AuditEvent.objects.filter(object_id=str(referral.pk), action=AuditEvent.Action.CREATE).exists()


@pytest.mark.parametrize("source", ["gp", "nurse", "social_care", "voluntary", "family", "self"])
def test_every_kind_of_source_is_accepted(make_referral, source):
    assert make_referral(source=source).source == source


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"full_name": "  "}, "full_name"),
        ({"date_of_birth": "31/02/1970"}, "date_of_birth"),
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"postcode": "NOT A POSTCODE"}, "postcode"),
        ({"nhs_number": "943 476 5918"}, "nhs_number"),
        ({"email": "nobody"}, "email"),
        ({"source": "dentist"}, "source"),
        ({"reasons": []}, "reasons"),
        ({"reasons": ["boredom"]}, "reasons"),
        ({"reasons": ["other"], "reason_detail": ""}, "reason_detail"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"consent_to_report_back": "maybe"}, "consent_to_report_back"),
        ({"referrer_name": "", "referrer_organisation": ""}, "referrer_name"),
        ({"flagged_exclusions": [999]}, "flagged_exclusions"),
    ],
)
def test_bad_referral_details_get_a_message_and_write_nothing(make_referral, overrides, field):
    with pytest.raises(DomainError) as exc:
        make_referral(**overrides)
    assert field in exc.value.field_errors
    assert exc.value.field_errors[field][0]
    assert not Referral.objects.exists()


def test_unknown_referral_fields_are_named_and_nothing_is_written(cast, live_well):
    with pytest.raises(DomainError) as exc:
        services.create_referral(
            actor=cast.actor("link_worker"), service=live_well, data=referral_data(shoe_size=9)
        )
    assert "shoe_size" in exc.value.message
    assert "shoe_size" in exc.value.field_errors
    assert not Referral.objects.exists()


def test_every_problem_is_reported_at_once(make_referral):
    with pytest.raises(DomainError) as exc:
        make_referral(full_name="", postcode="xx", source="nope")
    assert {"full_name", "postcode", "source"} <= set(exc.value.field_errors)


def test_it_links_an_exact_nhs_number_match(cast, make_referral):
    cast.member.nhs_number = "9434765919"
    cast.member.save()
    referral = make_referral(full_name="Someone Else", nhs_number="943 476 5919")
    assert referral.person == cast.member
    assert referral.matched_by == "NHS number"


def test_it_links_name_date_of_birth_and_postcode(cast, make_referral):
    cast.member.date_of_birth = dt.date(1970, 5, 1)
    cast.member.save()
    referral = make_referral(full_name="mo  member")
    assert referral.person == cast.member
    assert referral.matched_by == "name, date of birth and postcode"


def test_a_weaker_likeness_waits_for_staff_as_a_possible_duplicate(cast, make_referral):
    referral = make_referral()  # Mo has no date of birth on record: name and postcode only
    assert referral.person is None
    matching = queries.possible_duplicates(referral)
    assert matching.exact is None
    assert [m.person for m in matching.possible] == [cast.member]
    assert matching.possible[0].reasons == ("same name", "same postcode")


def test_a_different_nhs_number_on_record_is_not_a_match(cast, make_referral):
    cast.member.nhs_number = "9434765919"
    cast.member.date_of_birth = dt.date(1970, 5, 1)
    cast.member.save()
    referral = make_referral(nhs_number="4010232137")
    assert referral.person is None


def test_matching_never_crosses_hubs(cast, make_referral):
    cast.other_member.date_of_birth = dt.date(1970, 5, 1)
    cast.other_member.postcode = "LS1 4AP"
    cast.other_member.save()
    referral = make_referral(full_name="Nina Northgate")
    assert referral.person is None
    assert queries.possible_duplicates(referral).possible == []


def test_staff_create_a_person_from_a_referral_and_consent_follows(cast, make_referral):
    referral = make_referral(full_name="New Person", postcode="RV1 2AB", email="new@example.org")
    person = services.create_person_from_referral(actor=cast.actor("link_worker"), referral=referral)
    referral.refresh_from_db()
    assert referral.person == person
    assert person.hub == cast.hub and person.postcode == "RV1 2AB"
    assert has_consent(person=person, purpose=ConsentPurpose.SHARE_WITH_REFERRER)
    with pytest.raises(Conflict):
        services.create_person_from_referral(actor=cast.actor("link_worker"), referral=referral)


def test_creating_a_person_that_clashes_writes_nothing(cast, make_referral):
    referral = make_referral(full_name="New Person", email="mo@example.org")  # Mo's address
    with pytest.raises(Conflict):
        services.create_person_from_referral(actor=cast.actor("link_worker"), referral=referral)
    referral.refresh_from_db()
    assert referral.person is None
    assert not Person.objects.filter(full_name="New Person").exists()


def test_linking_refuses_a_person_from_another_hub(cast, make_referral):
    referral = make_referral()
    with pytest.raises(DomainError):
        services.link_person(actor=cast.actor("link_worker"), referral=referral, person=cast.other_member)


def test_a_referrer_refers_as_themself_and_cannot_choose_the_record(cast, live_well):
    referrer = cast.actor("referrer")
    referral = services.create_referral(
        actor=referrer,
        service=live_well,
        data=referral_data(referrer_name="", referrer_email="", source="gp"),
    )
    assert referral.referrer_person == cast.referrer
    assert referral.referrer_name == "Rory Referrer"
    assert referral.referrer_email == "rory@example.org"
    with pytest.raises(PermissionDenied):
        services.create_referral(actor=referrer, service=live_well, data=referral_data(), person=cast.member)


@pytest.mark.parametrize(
    "name", ["member", "peer", "commissioner", "administrator", "broker", "volunteer", "outsider"]
)
def test_others_cannot_make_referrals(cast, live_well, name):
    with pytest.raises((PermissionDenied, DomainError)):
        services.create_referral(actor=cast.actor(name), service=live_well, data=referral_data())
    assert not Referral.objects.exists()


def test_a_referral_to_another_hubs_service_is_refused(cast, live_well):
    with pytest.raises(DomainError, match="not in this hub"):
        services.create_referral(actor=cast.actor("outsider"), service=live_well, data=referral_data())


def test_an_inactive_service_takes_no_referrals(cast, live_well, make_referral):
    services.update_support_service(
        actor=cast.actor("coordinator"), service=live_well, data={"active": False}
    )
    live_well.refresh_from_db()
    with pytest.raises(DomainError, match="not taking referrals"):
        make_referral()


def test_a_referral_event_can_carry_a_clinical_code(cast, live_well):
    code = services.add_clinical_code(
        actor=cast.actor("coordinator"), code="871731000000106", label="Referral to social prescribing"
    )
    referral = services.create_referral(
        actor=cast.actor("link_worker"), service=live_well, data=referral_data(), code=code
    )
    assert referral.coded_events.get().code == code
    services.set_clinical_code_active(actor=cast.actor("coordinator"), code=code, active=False)
    with pytest.raises(DomainError):
        services.create_referral(
            actor=cast.actor("link_worker"), service=live_well, data=referral_data(), code=code
        )


# ---- self-referral -----------------------------------------------------------------------------


def test_a_self_referral_needs_no_login_and_never_links_a_record_by_itself(cast, live_well):
    cast.member.date_of_birth = dt.date(1970, 5, 1)
    cast.member.save()
    referral = services.submit_self_referral(
        hub=cast.hub,
        service=live_well,
        data=referral_data(source="self", referrer_name=""),
        ip_address="203.0.113.5",
    )
    assert referral.channel == Referral.Channel.SELF_FORM
    assert referral.person is None  # even though it matches Mo exactly
    assert queries.possible_duplicates(referral).exact == cast.member
    event = AuditEvent.objects.get(object_type="support.referral", object_id=str(referral.pk))
    assert event.actor is None and event.ip_address == "203.0.113.5"


def test_a_self_referral_must_come_from_the_person_or_family(cast, live_well):
    with pytest.raises(DomainError):
        services.submit_self_referral(
            hub=cast.hub, service=live_well, data=referral_data(source="gp"), ip_address="203.0.113.5"
        )


def test_a_service_can_refuse_self_referrals(cast, live_well):
    services.update_support_service(
        actor=cast.actor("coordinator"), service=live_well, data={"takes_self_referrals": False}
    )
    live_well.refresh_from_db()
    with pytest.raises(DomainError, match="does not take self-referrals"):
        services.submit_self_referral(
            hub=cast.hub, service=live_well, data=referral_data(source="self"), ip_address="1.2.3.4"
        )


def test_a_self_referral_to_another_hubs_service_is_refused(cast, live_well):
    with pytest.raises(DomainError):
        services.submit_self_referral(
            hub=cast.other_hub, service=live_well, data=referral_data(source="self"), ip_address="1.2.3.4"
        )


# ---- eligibility and triage --------------------------------------------------------------------


def _results(referral, on=None):
    return {r.rule: r for r in queries.check_eligibility(referral, on=on)}


def test_eligibility_shows_each_rule_passing(make_referral):
    results = _results(make_referral())
    assert [r.passed for r in results.values()] == [True, True, True, True]
    assert "Aged" in results["Age"].detail
    assert results["Area"].detail == "Lives in LS1; covers LS1, RV1."
    assert queries.eligibility_summary(list(results.values())) == "passes"


def test_eligibility_fails_on_age_area_and_practice(make_referral):
    referral = make_referral(
        date_of_birth=(timezone.localdate() - dt.timedelta(days=365 * 16)).isoformat(),
        postcode="M1 1AA",
        gp_practice="Elsewhere Health Centre",
    )
    results = _results(referral)
    assert results["Age"].passed is False
    assert results["Area"].passed is False
    assert results["GP practice"].passed is False
    assert queries.eligibility_summary(list(results.values())) == "fails"


def test_age_counts_birthdays_exactly(make_referral):
    referral = make_referral(date_of_birth="2000-06-15")
    assert _results(referral, on=dt.date(2018, 6, 14))["Age"].passed is False
    assert _results(referral, on=dt.date(2018, 6, 15))["Age"].passed is True


def test_missing_details_leave_a_rule_unknown_not_failed(make_referral):
    referral = make_referral(date_of_birth="", postcode="", gp_practice="")
    results = _results(referral)
    assert (
        results["Age"].passed is None
        and results["Area"].passed is None
        and results["GP practice"].passed is None
    )
    assert queries.eligibility_summary(list(results.values())) == "unknown"


def test_a_service_without_rules_shows_none(cast, lac, make_referral):
    assert queries.check_eligibility(make_referral(service=lac, postcode="", date_of_birth="")) == []


def test_a_flagged_exclusion_fails_and_suggests_where_to_redirect(cast, live_well, make_referral):
    referral = make_referral()
    exclusion = live_well.exclusions.get()
    services.flag_exclusions(actor=cast.actor("link_worker"), referral=referral, exclusion_ids=[exclusion.pk])
    referral.refresh_from_db()
    result = _results(referral)["Not for: Severe mental illness"]
    assert result.passed is False
    assert result.redirect_to == "Back to the GP for the mental health team"
    decided = services.decide_referral(
        actor=cast.actor("link_worker"), referral=referral, decision="redirect", reason="SMI"
    )
    assert decided.status == Referral.Status.REDIRECTED
    assert decided.redirected_to == "Back to the GP for the mental health team"
    assert decided.triage_results[-1]["passed"] is False


def test_a_decision_needs_a_reason(cast, make_referral):
    referral = make_referral()
    for decision in ("accept", "decline", "redirect"):
        with pytest.raises(DomainError) as exc:
            services.decide_referral(
                actor=cast.actor("link_worker"), referral=referral, decision=decision, reason=" "
            )
        assert "reason" in exc.value.field_errors
    referral.refresh_from_db()
    assert referral.status == Referral.Status.RECEIVED


def test_a_redirect_needs_somewhere_to_go(cast, make_referral):
    with pytest.raises(DomainError) as exc:
        services.decide_referral(
            actor=cast.actor("link_worker"), referral=make_referral(), decision="redirect", reason="x"
        )
    assert "redirect_to" in exc.value.field_errors


def test_accepting_needs_a_person_record(cast, make_referral):
    referral = make_referral()
    with pytest.raises(DomainError, match="person record"):
        services.decide_referral(
            actor=cast.actor("link_worker"), referral=referral, decision="accept", reason="ok"
        )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.RECEIVED and referral.triage_results == []


def test_accepting_starts_the_first_step_and_schedules_follow_ups(cast, accepted, live_well):
    assert accepted.status == Referral.Status.ACCEPTED
    assert accepted.current_step == live_well.steps.get(position=1)
    assert accepted.worker == cast.link_worker
    assignment = Assignment.objects.get(referral=accepted)
    assert assignment.ended_at is None and assignment.worker == cast.link_worker
    today = timezone.localdate()
    due = list(accepted.follow_ups.values_list("months", "due_on"))
    assert [m for m, _ in due] == [4, 8]
    assert due[0][1] == services._add_months(today, 4)


def test_month_arithmetic_keeps_to_the_month_end():
    assert services._add_months(dt.date(2025, 10, 31), 4) == dt.date(2026, 2, 28)
    assert services._add_months(dt.date(2024, 10, 31), 4) == dt.date(2025, 2, 28)
    assert services._add_months(dt.date(2023, 10, 31), 4) == dt.date(2024, 2, 29)
    assert services._add_months(dt.date(2025, 5, 15), 8) == dt.date(2026, 1, 15)


def test_a_worker_must_hold_the_steps_role(cast, make_referral):
    referral = services.link_person(
        actor=cast.actor("link_worker"), referral=make_referral(), person=cast.member
    )
    with pytest.raises(DomainError, match="cannot take the step"):
        services.decide_referral(
            actor=cast.actor("coordinator"),
            referral=referral,
            decision="accept",
            reason="ok",
            worker=cast.peer,
        )
    with pytest.raises(DomainError, match="Choose who will support"):
        services.decide_referral(
            actor=cast.actor("coordinator"), referral=referral, decision="accept", reason="ok"
        )
    decided = services.decide_referral(
        actor=cast.actor("coordinator"),
        referral=referral,
        decision="accept",
        reason="ok",
        worker=cast.link_worker,
    )
    assert decided.worker == cast.link_worker


def test_a_referral_is_decided_once(cast, accepted):
    with pytest.raises(Conflict):
        services.decide_referral(
            actor=cast.actor("link_worker"), referral=accepted, decision="decline", reason="x"
        )


@pytest.mark.parametrize("name", ["member", "peer", "referrer", "commissioner", "administrator", "outsider"])
def test_only_the_support_team_triages(cast, make_referral, name):
    referral = make_referral()
    with pytest.raises(PermissionDenied):
        services.decide_referral(actor=cast.actor(name), referral=referral, decision="decline", reason="x")


def test_a_decline_can_carry_a_code(cast, make_referral):
    code = services.add_clinical_code(actor=cast.actor("coordinator"), code="183948003", label="Declined")
    referral = services.decide_referral(
        actor=cast.actor("link_worker"), referral=make_referral(), decision="decline", reason="x", code=code
    )
    assert referral.coded_events.get().event == CodedEvent.Event.DECLINED


# ---- telling the referrer ----------------------------------------------------------------------


def test_the_referrer_is_emailed_the_outcome_when_consent_allows(
    cast, make_referral, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.decide_referral(
            actor=cast.actor("link_worker"),
            referral=make_referral(),
            decision="decline",
            reason="Not the right time",
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rory.gp@example.org"]
    assert "Not the right time" in mail.outbox[0].body
    message = referral.referrer_messages.get()
    assert message.channel == ReferrerMessage.Channel.EMAIL and message.kind == ReferrerMessage.Kind.OUTCOME


def test_without_consent_the_referrer_is_told_nothing(
    cast, make_referral, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.decide_referral(
            actor=cast.actor("link_worker"),
            referral=make_referral(consent_to_report_back=False),
            decision="decline",
            reason="x",
        )
    assert mail.outbox == []
    assert not referral.referrer_messages.exists()


def test_a_withdrawal_after_the_referral_stops_the_report(cast, accepted, django_capture_on_commit_callbacks):
    assert queries.may_report_back(accepted)
    record_consent(
        actor=cast.actor("member"),
        person=cast.member,
        purpose=ConsentPurpose.SHARE_WITH_REFERRER,
        granted=False,
        method="online",
    )
    assert not queries.may_report_back(accepted)
    with django_capture_on_commit_callbacks(execute=True):
        services.close_referral(
            actor=cast.actor("link_worker"),
            referral=accepted,
            reason="goals_met",
            summary="Walking group weekly",
        )
    assert mail.outbox == [] or all("ended" not in m.subject for m in mail.outbox)
    assert not accepted.referrer_messages.filter(kind=ReferrerMessage.Kind.CLOSING).exists()


def test_a_referrer_without_email_gets_a_letter(cast, make_referral):
    referral = services.decide_referral(
        actor=cast.actor("link_worker"),
        referral=make_referral(referrer_email="", referrer_address="Riverside Surgery, 1 High St, RV1 1AA"),
        decision="decline",
        reason="x",
    )
    assert referral.referrer_messages.get().channel == ReferrerMessage.Channel.LETTER


def test_linking_records_the_referrals_consent_on_the_person(cast, make_referral):
    referral = make_referral()
    assert not has_consent(person=cast.member, purpose=ConsentPurpose.SHARE_WITH_REFERRER)
    services.link_person(actor=cast.actor("link_worker"), referral=referral, person=cast.member)
    event = ConsentEvent.objects.get(person=cast.member, purpose=ConsentPurpose.SHARE_WITH_REFERRER)
    assert event.granted and f"#{referral.pk}" in event.detail


# ---- sessions, caps and hand-overs -------------------------------------------------------------


def _session(actor, referral, n=0, **kw):
    kw.setdefault("kind", "face_to_face")
    kw.setdefault("minutes", 45)
    return services.record_session(actor=actor, referral=referral, held_on=timezone.localdate(), **kw)


def test_the_health_coach_step_stops_at_five_sessions(cast, accepted):
    lin = cast.actor("link_worker")
    for _ in range(5):
        _session(lin, accepted)
    with pytest.raises(Conflict, match="All 5 sessions of “Health coaching” are used"):
        _session(lin, accepted)
    assert SupportSession.objects.filter(referral=accepted).count() == 5


def test_a_hand_over_starts_the_next_steps_count_and_keeps_history(cast, accepted, coach, live_well):
    lin = cast.actor("link_worker")
    for _ in range(5):
        _session(lin, accepted)
    link_work = live_well.steps.get(position=2)
    services.hand_over(
        actor=lin, referral=accepted, worker=coach, step=link_work, note="Would like a walking group"
    )
    accepted.refresh_from_db()
    assert accepted.worker == coach and accepted.current_step == link_work
    history = list(Assignment.objects.filter(referral=accepted).order_by("started_at", "id"))
    assert [(a.worker, a.step.position) for a in history] == [(cast.link_worker, 1), (coach, 2)]
    assert history[0].ended_at is not None and history[0].handover_note == "Would like a walking group"
    coach_actor = Actor(user=coach.user, hub=cast.hub, person=coach, roles=frozenset({Role.LINK_WORKER}))
    for _ in range(8):
        _session(coach_actor, accepted)
    with pytest.raises(Conflict, match="All 8 sessions"):
        _session(coach_actor, accepted)
    assert accepted.sessions.count() == 13  # the coach's five are kept


def test_a_step_without_a_cap_has_no_limit(cast, lac, make_referral):
    referral = services.link_person(
        actor=cast.actor("link_worker"), referral=make_referral(service=lac), person=cast.member
    )
    referral = services.decide_referral(
        actor=cast.actor("link_worker"), referral=referral, decision="accept", reason="ok"
    )
    for _ in range(12):
        _session(cast.actor("link_worker"), referral, kind="home_visit", minutes=90)
    assert referral.sessions.count() == 12


def test_hand_overs_go_forward_not_back(cast, accepted, coach, live_well):
    lin = cast.actor("link_worker")
    services.hand_over(
        actor=lin, referral=accepted, worker=coach, step=live_well.steps.get(position=2), note="on"
    )
    with pytest.raises(DomainError, match="not back"):
        services.hand_over(
            actor=lin,
            referral=accepted,
            worker=cast.link_worker,
            step=live_well.steps.get(position=1),
            note="back",
        )


def test_a_hand_over_needs_a_note_and_a_new_worker_or_step(cast, accepted):
    with pytest.raises(DomainError):
        services.hand_over(
            actor=cast.actor("link_worker"), referral=accepted, worker=cast.link_worker, note=""
        )
    with pytest.raises(DomainError, match="already with that worker"):
        services.hand_over(
            actor=cast.actor("link_worker"), referral=accepted, worker=cast.link_worker, note="x"
        )


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"held_on": "not a date"}, "held_on"),
        ({"held_on": "2000-01-01"}, "held_on"),
        ({"kind": "carrier pigeon"}, "kind"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": "45"}, "minutes"),
        ({"minutes": 10_000}, "minutes"),
        ({"sensitivity": "secret"}, "sensitivity"),
    ],
)
def test_bad_session_details_are_refused(cast, accepted, kw, field):
    data = {"held_on": timezone.localdate(), "kind": "phone", "minutes": 30} | kw
    with pytest.raises(DomainError) as exc:
        services.record_session(actor=cast.actor("link_worker"), referral=accepted, **data)
    assert field in exc.value.field_errors
    assert not accepted.sessions.exists()


def test_sessions_need_an_open_referral(cast, make_referral, accepted):
    with pytest.raises(Conflict):
        _session(cast.actor("link_worker"), make_referral())
    services.close_referral(
        actor=cast.actor("link_worker"), referral=accepted, reason="moved_away", summary="Moved to Leeds"
    )
    with pytest.raises(Conflict):
        _session(cast.actor("link_worker"), accepted)


@pytest.mark.parametrize("name", ["member", "peer", "referrer", "administrator", "volunteer", "outsider"])
def test_only_the_support_team_records_sessions(cast, accepted, name):
    with pytest.raises(PermissionDenied):
        _session(cast.actor(name), accepted)


def test_next_action_shows_on_the_referral(cast, accepted):
    services.set_next_action(
        actor=cast.actor("link_worker"),
        referral=accepted,
        text="Ring about the walking group",
        on="2030-01-02",
    )
    accepted.refresh_from_db()
    assert accepted.next_action_on == dt.date(2030, 1, 2)


# ---- conversations -----------------------------------------------------------------------------


def test_a_conversation_follows_the_template_and_feeds_the_lists(cast, accepted):
    ProfileEntry.objects.create(person=cast.member, kind="need", text="Sleeping better")
    conversation = services.record_conversation(
        actor=cast.actor("link_worker"),
        person=cast.member,
        referral=accepted,
        held_on=timezone.localdate(),
        answers={"concerns": "Money worries", "strengths": "Good with plants; sister nearby"},
        add_to_lists={"need": ["Help with money", "sleeping better"], "skill": ["Gardening"]},
    )
    assert [s["key"] for s in conversation.sections] == [
        "concerns",
        "coping",
        "hopes_fears",
        "strengths",
        "goals",
        "vision",
    ]
    assert conversation.sections[0]["answer"] == "Money worries"
    lists = {(e.kind, e.text) for e in cast.member.profile_entries.all()}
    assert lists == {("need", "Sleeping better"), ("need", "Help with money"), ("skill", "Gardening")}


def test_a_hubs_own_template_is_used_and_unknown_sections_refused(cast):
    services.update_support_settings(
        actor=cast.actor("coordinator"), conversation_sections=[{"key": "matters", "label": "What matters"}]
    )
    with pytest.raises(DomainError, match="Unknown section: concerns"):
        services.record_conversation(
            actor=cast.actor("link_worker"),
            person=cast.member,
            held_on=timezone.localdate(),
            answers={"concerns": "x"},
        )
    conversation = services.record_conversation(
        actor=cast.actor("link_worker"),
        person=cast.member,
        held_on=timezone.localdate(),
        answers={"matters": "My dog"},
    )
    assert conversation.sections == [{"key": "matters", "label": "What matters", "answer": "My dog"}]


def test_an_empty_conversation_is_refused(cast):
    with pytest.raises(DomainError):
        services.record_conversation(
            actor=cast.actor("link_worker"), person=cast.member, held_on=timezone.localdate(), answers={}
        )


def test_a_conversation_cannot_be_recorded_for_another_hub(cast):
    with pytest.raises(DomainError):
        services.record_conversation(
            actor=cast.actor("link_worker"),
            person=cast.other_member,
            held_on=timezone.localdate(),
            answers={"goals": "x"},
        )
