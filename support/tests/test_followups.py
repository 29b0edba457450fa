import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from directory import services as directory_services
from directory.tests.conftest import service_data
from support import instruments, queries, ratelimit, services
from support.models import FollowUp, OnwardReferral, Referral, ReferrerMessage
from support.tests.conftest import referral_data


@pytest.fixture
def walking_group(cast):
    return directory_services.create_service(
        actor=cast.actor("coordinator"),
        data=service_data(),
    )


# ---- onward referrals --------------------------------------------------------------------------


def test_an_onward_referral_keeps_the_directory_id_only_and_follows_its_path(cast, accepted, walking_group):
    lin = cast.actor("link_worker")
    onward = services.suggest_onward_referral(
        actor=lin, referral=accepted, directory_service_id=str(walking_group.id)
    )
    assert onward.directory_service_id == walking_group.id
    for status in ("contacted", "attended", "continuing"):
        onward = services.update_onward_referral(actor=lin, onward=onward, status=status)
    assert [u.status for u in onward.updates.all()] == ["suggested", "contacted", "attended", "continuing"]
    [view] = queries.onward_referrals_for(accepted)
    assert view.service_name == "Riverside Walking Group"


def test_the_member_gives_their_own_feedback_but_cannot_move_the_status(cast, accepted, walking_group):
    onward = services.suggest_onward_referral(
        actor=cast.actor("link_worker"), referral=accepted, directory_service_id=walking_group.id
    )
    onward = services.update_onward_referral(
        actor=cast.actor("member"), onward=onward, member_feedback="Lovely people", helped="yes"
    )
    assert (onward.member_feedback, onward.helped) == ("Lovely people", "yes")
    with pytest.raises(PermissionDenied):
        services.update_onward_referral(actor=cast.actor("member"), onward=onward, status="contacted")
    with pytest.raises(PermissionDenied):
        services.update_onward_referral(actor=cast.actor("member2"), onward=onward, member_feedback="x")


def test_onward_statuses_only_move_along_the_loop(cast, accepted, walking_group):
    lin = cast.actor("link_worker")
    onward = services.suggest_onward_referral(
        actor=lin, referral=accepted, directory_service_id=walking_group.id
    )
    with pytest.raises(Conflict):
        services.update_onward_referral(actor=lin, onward=onward, status="continuing")
    with pytest.raises(DomainError):
        services.update_onward_referral(actor=lin, onward=onward, status="lost")
    with pytest.raises(DomainError, match="Nothing to change"):
        services.update_onward_referral(actor=lin, onward=onward)
    with pytest.raises(DomainError):
        services.update_onward_referral(actor=lin, onward=onward, helped="maybe")
    services.update_onward_referral(actor=lin, onward=onward, status="did_not_attend")
    # Someone who did not go may try again.
    services.update_onward_referral(actor=lin, onward=onward, status="contacted")


def test_the_loop_report_lists_onward_referrals_that_did_not_complete(cast, accepted, walking_group):
    lin = cast.actor("link_worker")
    went = services.suggest_onward_referral(
        actor=lin, referral=accepted, directory_service_id=walking_group.id
    )
    services.update_onward_referral(actor=lin, onward=went, status="contacted")
    services.update_onward_referral(actor=lin, onward=went, status="attended")
    missed = services.suggest_onward_referral(
        actor=lin, referral=accepted, directory_service_id=walking_group.id
    )
    services.update_onward_referral(actor=lin, onward=missed, status="did_not_attend", note="Bus too early")
    unsuitable = services.suggest_onward_referral(
        actor=lin, referral=accepted, directory_service_id=walking_group.id
    )
    services.update_onward_referral(actor=lin, onward=unsuitable, status="not_suitable")
    not_done = queries.onward_not_completed(cast.hub)
    assert {v.onward.pk for v in not_done} == {missed.pk, unsuitable.pk}
    assert all(v.service_name == "Riverside Walking Group" for v in not_done)
    report = queries.support_report(cast.hub, exact=True)
    assert (report.onward_total, report.onward_completed, report.onward_not_completed) == (3, 1, 2)


def test_onward_referrals_need_a_current_directory_service(cast, accepted, walking_group):
    lin = cast.actor("link_worker")
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(DomainError, match="directory"):
            services.suggest_onward_referral(actor=lin, referral=accepted, directory_service_id=bad)
    directory_services.retire_service(actor=cast.actor("coordinator"), service=walking_group, reason="Closed")
    with pytest.raises(DomainError):
        services.suggest_onward_referral(actor=lin, referral=accepted, directory_service_id=walking_group.id)
    assert not OnwardReferral.objects.exists()


def test_onward_lists_cost_the_same_queries_however_long(
    cast, accepted, walking_group, django_assert_num_queries
):
    lin = cast.actor("link_worker")
    services.suggest_onward_referral(actor=lin, referral=accepted, directory_service_id=walking_group.id)
    with django_assert_num_queries(3):
        [v.service_name for v in queries.onward_referrals_for(accepted)]
    for _ in range(5):
        services.suggest_onward_referral(actor=lin, referral=accepted, directory_service_id=walking_group.id)
    with django_assert_num_queries(3):
        names = [v.service_name for v in queries.onward_referrals_for(accepted)]
    assert len(names) == 6


# ---- follow-ups and reminders ------------------------------------------------------------------


def test_follow_ups_fall_due_and_are_completed(cast, accepted):
    four = accepted.follow_ups.get(months=4)
    assert list(queries.follow_ups_due(cast.hub)) == []
    assert list(queries.follow_ups_due(cast.hub, until=four.due_on)) == [four]
    done = services.complete_follow_up(
        actor=cast.actor("link_worker"), follow_up=four, status="done", note="Still walking"
    )
    assert done.status == FollowUp.Status.DONE and done.done_on == timezone.localdate()
    with pytest.raises(Conflict):
        services.complete_follow_up(actor=cast.actor("link_worker"), follow_up=four, status="missed")
    eight = accepted.follow_ups.get(months=8)
    with pytest.raises(DomainError):
        services.complete_follow_up(actor=cast.actor("link_worker"), follow_up=eight, status="due")
    with pytest.raises(PermissionDenied):
        services.complete_follow_up(actor=cast.actor("member"), follow_up=eight, status="done")


def test_the_daily_command_reminds_the_worker_once(cast, accepted, django_capture_on_commit_callbacks):
    four = accepted.follow_ups.get(months=4)
    FollowUp.objects.filter(pk=four.pk).update(due_on=timezone.localdate() + dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_support_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [m.to for m in mail.outbox] == [["lin@example.org"]]
    assert "Mo" not in mail.outbox[0].body  # the email names no one
    four.refresh_from_db()
    assert four.reminder_sent_at is not None
    assert AuditEvent.objects.filter(summary__startswith="Follow-up reminder sent").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_follow_up_reminders() == 0
    assert len(mail.outbox) == 1


def test_reminders_wait_until_the_follow_up_is_near(cast, accepted):
    assert services.send_follow_up_reminders() == 0
    four = accepted.follow_ups.get(months=4)
    assert services.send_follow_up_reminders(today=four.due_on - dt.timedelta(days=7)) == 1


def test_reminders_go_to_a_coordinator_when_the_worker_has_no_email(
    cast, accepted, django_capture_on_commit_callbacks
):
    cast.link_worker.email = ""
    cast.link_worker.save()
    four = accepted.follow_ups.get(months=4)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_follow_up_reminders(today=four.due_on)
    assert mail.outbox[0].to == ["cora@example.org"]


def test_follow_ups_after_closing_still_remind(cast, accepted):
    services.close_referral(
        actor=cast.actor("link_worker"), referral=accepted, reason="goals_met", summary="Done"
    )
    four = accepted.follow_ups.get(months=4)
    assert services.send_follow_up_reminders(today=four.due_on) == 1


# ---- closing -----------------------------------------------------------------------------------


def test_closing_needs_a_reason_and_a_summary(cast, accepted):
    lin = cast.actor("link_worker")
    with pytest.raises(DomainError):
        services.close_referral(actor=lin, referral=accepted, reason="bored", summary="x")
    with pytest.raises(DomainError):
        services.close_referral(actor=lin, referral=accepted, reason="goals_met", summary=" ")
    accepted.refresh_from_db()
    assert accepted.status == Referral.Status.ACCEPTED


@pytest.mark.parametrize("reason", [r.value for r in Referral.CloseReason])
def test_every_closing_reason_is_accepted(cast, accepted, reason):
    closed = services.close_referral(
        actor=cast.actor("link_worker"), referral=accepted, reason=reason, summary="Summary"
    )
    assert closed.status == Referral.Status.CLOSED and closed.close_reason == reason
    assert not closed.assignments.filter(ended_at__isnull=True).exists()
    assert queries.caseload(cast.link_worker).rows == []


def test_closing_sends_the_summary_and_a_code(cast, accepted, django_capture_on_commit_callbacks):
    code = services.add_clinical_code(
        actor=cast.actor("coordinator"), code="1099141000000106", label="Social prescribing completed"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.close_referral(
            actor=cast.actor("link_worker"),
            referral=accepted,
            reason="goals_met",
            summary="Goes to the walking group weekly",
            code=code,
        )
    message = accepted.referrer_messages.get(kind=ReferrerMessage.Kind.CLOSING)
    assert "Goes to the walking group weekly" in message.body
    assert any("support has ended" in m.subject for m in mail.outbox)
    assert accepted.coded_events.get().code == code
    with pytest.raises(Conflict):
        services.close_referral(
            actor=cast.actor("link_worker"), referral=accepted, reason="goals_met", summary="again"
        )


def test_a_letter_prints_as_a_pdf(cast, live_well):
    from support import pdf

    referral = services.create_referral(
        actor=cast.actor("link_worker"),
        service=live_well,
        data=referral_data(referrer_email="", referrer_address="Surgery, 1 High St, RV1 1AA"),
    )
    services.decide_referral(
        actor=cast.actor("link_worker"), referral=referral, decision="decline", reason="Full"
    )
    message = referral.referrer_messages.get()
    html = pdf.letter_html(message)
    assert "1 High St" in html and "Full" in html
    try:
        assert pdf.letter_pdf(message).startswith(b"%PDF")
    except pdf.PdfUnavailable:
        pytest.skip("pango is not installed here")


# ---- self-referral rate limit ------------------------------------------------------------------


def test_self_referrals_are_limited_per_address(cast, live_well, settings):
    settings.SUPPORT_SELF_REFERRAL_LIMIT = "3/3600"
    data = referral_data(source="self", referrer_name="")
    for _ in range(3):
        services.submit_self_referral(hub=cast.hub, service=live_well, data=data, ip_address="198.51.100.7")
    assert ratelimit.remaining(hub=cast.hub, ip_address="198.51.100.7") == 0
    with pytest.raises(ratelimit.RateLimited) as exc:
        services.submit_self_referral(hub=cast.hub, service=live_well, data=data, ip_address="198.51.100.7")
    assert exc.value.status_code == 429 and "wait an hour" in exc.value.message
    assert Referral.objects.count() == 3
    # Another address is not held back.
    services.submit_self_referral(hub=cast.hub, service=live_well, data=data, ip_address="198.51.100.8")


def test_bad_submissions_count_towards_the_limit(cast, live_well, settings):
    settings.SUPPORT_SELF_REFERRAL_LIMIT = "2/3600"
    for _ in range(2):
        with pytest.raises(DomainError) as exc:
            services.submit_self_referral(
                hub=cast.hub, service=live_well, data={"full_name": ""}, ip_address="1.1.1.1"
            )
        assert not isinstance(exc.value, ratelimit.RateLimited)
    with pytest.raises(ratelimit.RateLimited):
        services.submit_self_referral(
            hub=cast.hub, service=live_well, data=referral_data(source="self"), ip_address="1.1.1.1"
        )


def test_the_limit_window_ends(cast, live_well, settings):
    settings.SUPPORT_SELF_REFERRAL_LIMIT = "1/1"
    ratelimit.check_self_referral(hub=cast.hub, ip_address="2.2.2.2")
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.check_self_referral(hub=cast.hub, ip_address="2.2.2.2")
    from django.core.cache import cache

    cache.delete(ratelimit._key(cast.hub, "2.2.2.2"))  # as the cache does when the window expires
    assert ratelimit.check_self_referral(hub=cast.hub, ip_address="2.2.2.2") == 1


# ---- outcome instruments -----------------------------------------------------------------------


def fake_provider(*, hub, moment):
    return [
        instruments.Instrument(code="swemwbs", name="SWEMWBS"),
        instruments.Instrument(code=moment, name=moment),
    ]


def test_no_instruments_until_the_impact_app_provides_them(cast, settings):
    settings.SUPPORT_INSTRUMENT_PROVIDERS = []
    assert instruments.instruments_for(hub=cast.hub, moment=instruments.baseline()) == []


def test_providers_named_in_settings_supply_instruments_without_duplicates(cast, settings):
    settings.SUPPORT_INSTRUMENT_PROVIDERS = [
        "support.tests.test_followups.fake_provider",
        "support.tests.test_followups.fake_provider",
    ]
    found = instruments.instruments_for(hub=cast.hub, moment=instruments.follow_up(4))
    assert [i.code for i in found] == ["swemwbs", "follow_up_4"]


def url_provider(*, hub, moment):
    return [instruments.Instrument(code="ons4", name="Personal wellbeing", url=f"/q/ons4/?moment={moment}")]


def test_a_referral_offers_questionnaires_for_its_start_and_each_follow_up(cast, settings, accepted):
    settings.SUPPORT_INSTRUMENT_PROVIDERS = ["support.tests.test_followups.url_provider"]

    found = queries.questionnaires_for(accepted)

    months = sorted(accepted.follow_ups.values_list("months", flat=True))
    assert months, "the Live Well pathway schedules follow-ups"
    assert [q.moment for q in found] == ["At the start"] + [f"At {m} months" for m in months]
    assert found[0].url == f"/q/ons4/?moment=baseline&person={cast.member.pk}"
    assert found[1].url == f"/q/ons4/?moment=follow_up_{months[0]}&person={cast.member.pk}"


def test_no_questionnaires_before_a_referral_is_accepted(cast, settings, make_referral):
    settings.SUPPORT_INSTRUMENT_PROVIDERS = ["support.tests.test_followups.url_provider"]

    assert queries.questionnaires_for(make_referral()) == []


def test_the_referral_page_links_to_impacts_questionnaires_for_the_person(cast, accepted):
    response = cast.client("link_worker").get(f"/support/referrals/{accepted.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="questionnaires"' in page
    assert f"moment=baseline&amp;person={cast.member.pk}" in page
