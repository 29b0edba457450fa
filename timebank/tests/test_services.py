import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.models import AuditEvent
from core.roles import Role
from core.testing import make_person
from timebank import permissions, queries, services
from timebank.ledger import Leg, LimitError, post
from timebank.models import Account, Category, DigestSubscription, Entry, Exchange, TimebankSettings, Transfer
from timebank.queries import ledger_problems, statement


def balances(*accounts):
    return [Account.objects.get(pk=a.pk).balance for a in accounts]


def assert_books_balance():
    problems, _ = ledger_problems()
    assert problems == []


def test_an_exchange_recorded_by_the_giver_posts_when_the_receiver_confirms(cast, bank):
    mo, mia = bank["member"], bank["member2"]
    exchange = services.record_exchange(
        actor=cast.actor("member"),
        giver=mo,
        receiver=mia,
        minutes=90,
        category=Category.GARDENING,
        description="Weeding the front garden",
    )
    assert exchange.status == Exchange.Status.AWAITING_CONFIRMATION
    assert balances(mo, mia) == [0, 0]
    with pytest.raises(PermissionDenied):
        services.confirm_exchange(actor=cast.actor("member"), exchange=exchange)
    with pytest.raises(PermissionDenied):
        services.confirm_exchange(actor=cast.actor("peer"), exchange=exchange)
    exchange = services.confirm_exchange(actor=cast.actor("member2"), exchange=exchange)
    assert exchange.status == Exchange.Status.POSTED
    assert balances(mo, mia) == [90, -90]
    assert sorted(exchange.transfer.entries.values_list("minutes", flat=True)) == [-90, 90]
    with pytest.raises(Conflict):
        services.confirm_exchange(actor=cast.actor("broker"), exchange=exchange)
    assert_books_balance()


def test_a_broker_reverses_an_exchange_and_both_balances_return(cast, bank):
    mo, mia = bank["member"], bank["member2"]
    exchange = services.record_exchange(
        actor=cast.actor("broker"),
        giver=mo,
        receiver=mia,
        minutes=45,
        category=Category.DIY,
        description="Fixed a shelf",
    )
    assert balances(mo, mia) == [45, -45]
    with pytest.raises(PermissionDenied):
        services.reverse_transfer(actor=cast.actor("member2"), transfer=exchange.transfer, reason="oops")
    reversal = services.reverse_transfer(
        actor=cast.actor("broker"), transfer=exchange.transfer, reason="Entered twice"
    )
    assert reversal.reverses == exchange.transfer
    assert balances(mo, mia) == [0, 0]
    with pytest.raises(Conflict):
        services.reverse_transfer(actor=cast.actor("broker"), transfer=exchange.transfer, reason="again")
    with pytest.raises(DomainError):
        services.reverse_transfer(actor=cast.actor("broker"), transfer=reversal, reason="undo the undo")
    assert AuditEvent.objects.filter(summary__startswith="Reversed a transfer").count() == 1
    assert_books_balance()


def test_limits_are_enforced_and_a_broker_override_is_audited(cast, bank):
    mo, mia = bank["member"], bank["member2"]
    # Default lowest balance: 10 hours in debit.
    with pytest.raises(LimitError) as info:
        services.post_time_sheet(
            actor=cast.actor("broker"),
            rows=[
                services.SheetRow(mo, mia, 600, Category.CARE, "Day one"),
                services.SheetRow(mo, mia, 60, Category.CARE, "Day two"),
            ],
        )
    assert "Row 2" in info.value.message
    assert "below the lowest balance" in info.value.message
    assert balances(mo, mia) == [0, 0]  # all or nothing: row 1 did not post either
    services.post_time_sheet(
        actor=cast.actor("broker"),
        rows=[
            services.SheetRow(mo, mia, 600, Category.CARE, "Day one"),
            services.SheetRow(mo, mia, 60, Category.CARE, "Day two"),
        ],
        override_reason="Agreed at the steering group: Mia is in crisis",
    )
    assert balances(mo, mia) == [660, -660]
    assert AuditEvent.objects.filter(summary__startswith="Limit overridden").count() == 1
    with pytest.raises(PermissionDenied):
        services.record_exchange(
            actor=cast.actor("member"),
            giver=mo,
            receiver=mia,
            minutes=10,
            category=Category.CARE,
            description="x",
            override_reason="I say so",
        )
    assert_books_balance()


def test_an_account_beyond_its_limit_may_still_move_back_towards_it(cast, bank):
    mo, mia = bank["member"], bank["member2"]
    services.record_exchange(
        actor=cast.actor("broker"),
        giver=mo,
        receiver=mia,
        minutes=700,
        category=Category.CARE,
        description="Respite week",
        override_reason="Respite agreed",
    )
    services.record_exchange(
        actor=cast.actor("broker"),
        giver=mia,
        receiver=mo,
        minutes=30,
        category=Category.COOKING,
        description="Cooked a meal",
    )
    assert balances(mo, mia) == [670, -670]


def test_the_joining_grant_comes_from_issuance_and_the_hub_still_sums_to_zero(cast):
    services.update_settings(actor=cast.actor("coordinator"), hub=cast.hub, joining_grant=300)
    account = services.join(actor=cast.actor("member"), person=cast.member)
    assert account.is_approved
    issuance = services.system_account(cast.hub, Account.Kind.ISSUANCE)
    assert balances(account, issuance) == [300, -300]
    assert Transfer.objects.get(kind=Transfer.Kind.GRANT).idempotency_key == f"grant:{account.pk}"
    with pytest.raises(Conflict):
        services.join(actor=cast.actor("member"), person=cast.member)
    assert_books_balance()


def test_new_members_wait_for_a_broker_when_the_hub_asks(cast):
    services.update_settings(
        actor=cast.actor("coordinator"), hub=cast.hub, approve_new_members=True, joining_grant=60
    )
    account = services.join(actor=cast.actor("member"), person=cast.member)
    other = services.join(actor=cast.actor("broker"), person=cast.member2)
    assert not account.is_approved and account.balance == 0
    with pytest.raises(DomainError):
        services.record_exchange(
            actor=cast.actor("member"),
            giver=account,
            receiver=other,
            minutes=10,
            category=Category.OTHER,
            description="Too early",
        )
    with pytest.raises(PermissionDenied):
        services.approve_member(actor=cast.actor("member"), account=account)
    services.approve_member(actor=cast.actor("broker"), account=account)
    account.refresh_from_db()
    assert account.approved_by == cast.broker.user and account.balance == 60


def test_people_outside_the_exchange_cannot_record_it(cast, bank):
    with pytest.raises(PermissionDenied):
        services.record_exchange(
            actor=cast.actor("peer"),
            giver=bank["member"],
            receiver=bank["member2"],
            minutes=10,
            category=Category.OTHER,
            description="Not mine",
        )
    with pytest.raises(PermissionDenied):
        services.record_exchange(
            actor=cast.actor("outsider"),
            giver=bank["member"],
            receiver=bank["member2"],
            minutes=10,
            category=Category.OTHER,
            description="Other hub",
        )


def test_a_member_cannot_give_from_another_members_account(cast, bank):
    with pytest.raises(PermissionDenied):
        services.donate(
            actor=cast.actor("member"), from_account=bank["member2"], to_account=bank["member"], minutes=30
        )
    assert balances(bank["member"], bank["member2"]) == [0, 0]


@pytest.mark.parametrize("minutes", [0, -5, 1.5, "60", True, 24 * 60 + 1])
def test_bad_amounts_are_refused_and_nothing_is_written(cast, bank, minutes):
    before = (Exchange.objects.count(), Entry.objects.count())
    with pytest.raises(DomainError):
        services.record_exchange(
            actor=cast.actor("broker"),
            giver=bank["member"],
            receiver=bank["member2"],
            minutes=minutes,
            category=Category.OTHER,
            description="Bad amount",
        )
    assert (Exchange.objects.count(), Entry.objects.count()) == before


def test_future_dates_unknown_categories_and_empty_descriptions_are_refused(cast, bank):
    common = {
        "actor": cast.actor("broker"),
        "giver": bank["member"],
        "receiver": bank["member2"],
        "minutes": 30,
    }
    with pytest.raises(DomainError):
        services.record_exchange(**common, category="bribery", description="x")
    with pytest.raises(DomainError):
        services.record_exchange(**common, category=Category.OTHER, description="  ")
    with pytest.raises(DomainError):
        services.record_exchange(
            **common,
            category=Category.OTHER,
            description="x",
            occurred_on=timezone.localdate() + dt.timedelta(days=2),
        )
    assert not Exchange.objects.exists()


def test_donations_to_family_and_to_the_pot_and_allocations_from_it(cast, bank):
    mo, mia, pat = bank["member"], bank["member2"], bank["peer"]
    services.award(actor=cast.actor("broker"), to_account=mo, minutes=120, reason="Ran the open day")
    services.donate(
        actor=cast.actor("member"), from_account=mo, to_account=mia, minutes=30, note="For my sister"
    )
    pot = services.system_account(cast.hub, Account.Kind.POT)
    services.donate(actor=cast.actor("member"), from_account=mo, to_account=pot, minutes=60)
    assert balances(mo, mia, pot) == [30, 30, 60]
    with pytest.raises(LimitError):
        services.allocate_from_pot(actor=cast.actor("broker"), to_account=pat, minutes=61, reason="Lifts")
    with pytest.raises(PermissionDenied):
        services.allocate_from_pot(actor=cast.actor("member"), to_account=pat, minutes=10, reason="Me")
    services.allocate_from_pot(
        actor=cast.actor("broker"), to_account=pat, minutes=60, reason="Lifts to hospital"
    )
    assert balances(pot, pat) == [0, 60]
    assert_books_balance()


def test_on_call_credit_uses_the_hubs_rate(cast, bank):
    services.update_settings(actor=cast.actor("coordinator"), hub=cast.hub, on_call_minutes_per_hour=10)
    transfer = services.award(
        actor=cast.actor("broker"),
        to_account=bank["peer"],
        minutes=0,
        on_call_hours=12,
        reason="Weekend rota",
    )
    assert transfer.kind == Transfer.Kind.ON_CALL
    assert balances(bank["peer"]) == [120]


def test_spending_at_a_partner_credits_the_partners_account(cast, bank):
    broker = cast.actor("broker")
    college = services.add_partner(actor=broker, name="Riverside College")
    course = services.add_way_to_spend(
        actor=broker, partner=college, title="Evening pottery class", price=120
    )
    services.award(actor=broker, to_account=bank["member"], minutes=300, reason="Volunteering")
    services.spend_at_partner(actor=cast.actor("member"), account=bank["member"], way=course, quantity=2)
    assert balances(bank["member"], college) == [60, 240]
    with pytest.raises(PermissionDenied):
        services.spend_at_partner(actor=cast.actor("member2"), account=bank["member"], way=course)
    assert_books_balance()


def test_sending_to_another_hub_keeps_each_hubs_books_at_zero(cast, bank):
    nina = services.join(actor=cast.actor("outsider"), person=cast.other_member)
    services.award(actor=cast.actor("broker"), to_account=bank["member"], minutes=100, reason="Bike repairs")
    out, into = services.send_between_hubs(
        actor=cast.actor("member"),
        from_account=bank["member"],
        to_account=nina,
        minutes=40,
        note="For my daughter",
        idempotency_key="send-1",
    )
    again = services.send_between_hubs(
        actor=cast.actor("member"),
        from_account=bank["member"],
        to_account=nina,
        minutes=40,
        idempotency_key="send-1",
    )
    assert {t.pk for t in again} == {out.pk, into.pk}
    assert out.batch == into.batch and out.hub == cast.hub and into.hub == cast.other_hub
    assert balances(bank["member"], nina) == [60, 40]
    assert_books_balance()


def test_the_same_idempotency_key_never_posts_twice(cast, bank):
    services.award(actor=cast.actor("broker"), to_account=bank["member"], minutes=100, reason="x")
    first = services.donate(
        actor=cast.actor("member"),
        from_account=bank["member"],
        to_account=bank["member2"],
        minutes=10,
        idempotency_key="abc",
    )
    second = services.donate(
        actor=cast.actor("member"),
        from_account=bank["member"],
        to_account=bank["member2"],
        minutes=10,
        idempotency_key="abc",
    )
    assert first.pk == second.pk
    assert balances(bank["member"], bank["member2"]) == [90, 10]


@pytest.mark.parametrize(
    ("rule", "expected_giver", "expected_each"),
    [("split", 100, [-34, -33, -33]), ("each", 300, [-100, -100, -100]), ("pot", 100, [0, 0, 0])],
)
def test_group_exchanges_follow_the_hubs_rule(cast, bank, rule, expected_giver, expected_each):
    services.update_settings(actor=cast.actor("coordinator"), hub=cast.hub, group_rule=rule)
    extra = services.join(actor=cast.actor("broker"), person=cast.volunteer)
    giver = bank["peer"]
    others = [bank["member"], bank["member2"], extra]
    if rule == "pot":
        pot = services.system_account(cast.hub, Account.Kind.POT)
        services.award(actor=cast.actor("broker"), to_account=bank["member"], minutes=100, reason="seed")
        services.donate(actor=cast.actor("member"), from_account=bank["member"], to_account=pot, minutes=100)
        before = balances(*others)
    else:
        before = [0, 0, 0]
    services.record_group_exchange(
        actor=cast.actor("broker"),
        giver=giver,
        receivers=others,
        minutes=100,
        category=Category.ARTS,
        description="Craft session",
    )
    assert balances(giver) == [expected_giver]
    assert [b - a for a, b in zip(before, balances(*others), strict=True)] == expected_each
    assert_books_balance()


def test_first_exchanges_of_new_members_need_approval_when_the_hub_asks(cast, bank):
    services.update_settings(
        actor=cast.actor("coordinator"), hub=cast.hub, approval=TimebankSettings.Approval.FIRST
    )
    exchange = services.record_exchange(
        actor=cast.actor("member"),
        giver=bank["member"],
        receiver=bank["member2"],
        minutes=30,
        category=Category.SHOPPING,
        description="Shopping",
    )
    exchange = services.confirm_exchange(actor=cast.actor("member2"), exchange=exchange)
    assert exchange.status == Exchange.Status.AWAITING_APPROVAL
    services.approve_exchange(actor=cast.actor("broker"), exchange=exchange)
    second = services.record_exchange(
        actor=cast.actor("member2"),
        giver=bank["member2"],
        receiver=bank["member"],
        minutes=30,
        category=Category.SHOPPING,
        description="Shopping back",
    )
    assert (
        services.confirm_exchange(actor=cast.actor("member"), exchange=second).status
        == Exchange.Status.POSTED
    )


def test_a_failure_between_entries_and_balances_leaves_no_trace(cast, bank):
    def boom():
        raise RuntimeError("power cut")

    before = (Transfer.objects.count(), Entry.objects.count(), balances(bank["member"], bank["member2"]))
    with pytest.raises(RuntimeError), transaction.atomic():
        post(
            actor=cast.actor("broker"),
            hub=cast.hub,
            legs=[Leg(bank["member"], -10), Leg(bank["member2"], 10)],
            kind=Transfer.Kind.AWARD,
            category=Category.OTHER,
            description="never",
            after_write=boom,
        )
    assert (
        Transfer.objects.count(),
        Entry.objects.count(),
        balances(bank["member"], bank["member2"]),
    ) == before
    assert_books_balance()


def test_unbalanced_or_cross_hub_legs_are_refused(cast, bank):
    nina = services.join(actor=cast.actor("outsider"), person=cast.other_member)
    with transaction.atomic():
        with pytest.raises(DomainError):
            post(
                actor=cast.actor("broker"),
                hub=cast.hub,
                legs=[Leg(bank["member"], -10), Leg(bank["member2"], 9)],
                kind=Transfer.Kind.AWARD,
                category=Category.OTHER,
                description="x",
            )
        with pytest.raises(DomainError):
            post(
                actor=cast.actor("broker"),
                hub=cast.hub,
                legs=[Leg(bank["member"], -10), Leg(nina, 10)],
                kind=Transfer.Kind.AWARD,
                category=Category.OTHER,
                description="x",
            )
        with pytest.raises(DomainError):
            post(
                actor=cast.actor("broker"),
                hub=cast.hub,
                legs=[Leg(bank["member"], -10), Leg(bank["member"], 10)],
                kind=Transfer.Kind.AWARD,
                category=Category.OTHER,
                description="x",
            )
    assert not Transfer.objects.exists()


def test_check_ledger_reports_a_tampered_balance(cast, bank, capsys):
    services.award(actor=cast.actor("broker"), to_account=bank["member"], minutes=30, reason="x")
    call_command("check_ledger")
    Account.objects.filter(pk=bank["member"].pk).update(balance=999)
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("check_ledger")
    assert "shows 999, entries sum to 30" in capsys.readouterr().out


def test_a_statement_shows_opening_running_and_closing_balances(cast, bank):
    mo, mia = bank["member"], bank["member2"]
    day = dt.date(2026, 3, 1)
    for i, minutes in enumerate([60, 30, 15]):
        services.record_exchange(
            actor=cast.actor("broker"),
            giver=mo,
            receiver=mia,
            minutes=minutes,
            category=Category.GARDENING,
            description=f"Visit {i}",
            occurred_on=day + dt.timedelta(days=10 * i),
        )
    result = statement(mo, start=dt.date(2026, 3, 5), end=dt.date(2026, 3, 31))
    assert result.opening == 60
    assert [line.balance for line in result.lines] == [90, 105]
    assert (result.closing, result.earned, result.spent) == (105, 45, 0)


# Brokers' pages: the small services and queries they need


def test_a_broker_retires_a_way_to_spend_and_members_can_no_longer_spend_there(cast, bank):
    broker = cast.actor("broker")
    museum = services.add_partner(actor=broker, name="Riverside Museum")
    entry = services.add_way_to_spend(actor=broker, partner=museum, title="Museum entry", price=60)
    with pytest.raises(PermissionDenied):
        services.retire_way_to_spend(actor=cast.actor("member"), way=entry)
    with pytest.raises(PermissionDenied):
        services.retire_way_to_spend(actor=cast.actor("outsider"), way=entry)
    services.retire_way_to_spend(actor=broker, way=entry)
    assert list(queries.ways_to_spend(cast.hub)) == []
    assert queries.partners(cast.hub).get().active_ways == []
    with pytest.raises(Conflict):
        services.retire_way_to_spend(actor=broker, way=entry)
    entry.refresh_from_db()
    with pytest.raises(DomainError):
        services.spend_at_partner(actor=cast.actor("member"), account=bank["member"], way=entry)
    assert AuditEvent.objects.filter(summary="Retired a way to spend: Museum entry").count() == 1


def test_a_time_sheet_error_names_the_row_the_broker_sees(cast, bank):
    mo, mia = bank["member"], bank["member2"]
    with pytest.raises(DomainError) as info:
        services.post_time_sheet(
            actor=cast.actor("broker"),
            rows=[
                services.SheetRow(mo, mia, 30, Category.CARE, "Sat with Mia", number=1),
                services.SheetRow(mo, mo, 30, Category.CARE, "Sat with himself", number=4),
            ],
        )
    assert info.value.message.startswith("Row 4:")
    assert Entry.objects.filter(account__in=[mo, mia]).count() == 0


def test_the_dashboard_counts_only_exchanges_as_activity_and_shows_every_month(cast, bank):
    services.update_settings(actor=cast.actor("coordinator"), hub=cast.hub, joining_grant=60)
    pat = services.join(actor=cast.actor("broker"), person=cast.volunteer)  # a grant, no exchange
    services.record_exchange(
        actor=cast.actor("broker"),
        giver=bank["member"],
        receiver=bank["member2"],
        minutes=90,
        category=Category.GARDENING,
        description="Weeding",
    )
    board = queries.dashboard(cast.hub, months=12)
    assert pat in board.inactive_members
    assert bank["member"] not in board.inactive_members
    assert len(board.hours_by_month) == 12
    assert board.hours_by_month[-1] == (timezone.localdate().replace(day=1), 90)
    assert sum(total for _, total in board.hours_by_month) == 90


def test_the_dashboard_lists_accounts_near_either_limit(cast, bank):
    mo, mia = bank["member"], bank["member2"]
    Account.objects.filter(pk=mo.pk).update(highest_balance=120)
    services.record_exchange(
        actor=cast.actor("broker"),
        giver=mo,
        receiver=mia,
        minutes=90,
        category=Category.CARE,
        description="Respite",
    )
    near = queries.dashboard(cast.hub).near_limits
    assert mo in near  # 90 of at most 120
    assert mia not in near  # -90 of at least -600


def test_members_are_found_by_email_or_exact_full_name_and_ambiguity_is_visible(cast, bank):
    found = queries.find_members(cast.hub, ["MO@example.org", "  mia   member ", "Nobody", "nina northgate"])
    assert found["mo@example.org"] == [bank["member"]]
    assert found["mia member"] == [bank["member2"]]
    assert found["nobody"] == []
    assert found["nina northgate"] == []  # another hub's member is never found
    twin = make_person(cast.hub, "Mia Member", Role.MEMBER, login=False, email="mia2@example.org")
    twin_account = services.join(actor=cast.actor("broker"), person=twin)
    assert queries.find_members(cast.hub, ["Mia Member"])["mia member"] == [bank["member2"], twin_account]


def test_a_transfer_or_way_to_spend_of_another_hub_is_not_found(cast, bank):
    transfer = services.award(actor=cast.actor("broker"), to_account=bank["member"], minutes=30, reason="x")
    with pytest.raises(Http404):
        permissions.get_transfer_for(cast.actor("outsider"), transfer.pk)
    with pytest.raises(PermissionDenied):
        permissions.get_transfer_for(cast.actor("member"), transfer.pk)
    assert permissions.get_transfer_for(cast.actor("coordinator"), transfer.pk) == transfer
    college = services.add_partner(actor=cast.actor("broker"), name="College")
    way = services.add_way_to_spend(actor=cast.actor("broker"), partner=college, title="Class", price=60)
    with pytest.raises(Http404):
        permissions.get_way_to_spend_for(cast.actor("outsider"), way.pk)
    assert permissions.get_way_to_spend_for(cast.actor("broker"), way.pk) == way


# Reads and writes the members' pages need


def test_a_statement_line_names_the_other_side(cast, bank):
    services.record_exchange(
        actor=cast.actor("broker"),
        giver=bank["member"],
        receiver=bank["member2"],
        minutes=90,
        category=Category.GARDENING,
        description="Weeding",
    )
    today = timezone.localdate()
    line = statement(bank["member"], start=today, end=today).lines[0]
    assert line.with_whom == "Mia Member"


def test_members_see_matches_from_the_board_only_and_brokers_from_records_too(cast, bank):
    from people.models import ProfileEntry

    ProfileEntry.objects.create(person=cast.peer, kind=ProfileEntry.Kind.SKILL, text="Gardening and weeding")
    offer = services.create_listing(
        actor=cast.actor("member"),
        person=cast.member,
        kind="offer",
        title="Garden weeding",
        category="gardening",
    )
    request = services.create_listing(
        actor=cast.actor("member2"),
        person=cast.member2,
        kind="request",
        title="Weeding",
        category="gardening",
    )
    everyone = queries.matches_for(request)
    assert {m.person for m in everyone} == {cast.member, cast.peer}
    board_only = queries.matches_for(request, include_records=False)
    assert [(m.person, m.offer) for m in board_only] == [(cast.member, offer)]


def test_members_elsewhere_are_found_by_name_only_in_other_hubs(cast, bank):
    nina = services.join(actor=cast.actor("outsider"), person=cast.other_member)
    assert list(queries.hubs_to_send_to(cast.hub)) == [cast.other_hub]
    assert list(queries.members_elsewhere(cast.other_hub, name="nin")) == [nina]
    assert list(queries.members_elsewhere(cast.other_hub, name="northgate")) == [nina]
    assert list(queries.members_elsewhere(cast.other_hub, name="n")) == []  # too short to search
    assert list(queries.members_elsewhere(cast.other_hub, name="rth")) == []  # not the start of a name
    assert list(queries.hubs_to_send_to(cast.other_hub)) == [cast.hub]


def test_approved_members_and_open_exchanges(cast, bank):
    services.update_settings(actor=cast.actor("coordinator"), hub=cast.hub, approve_new_members=True)
    waiting = services.join(actor=cast.actor("volunteer"), person=cast.volunteer)
    assert waiting not in queries.approved_members(cast.hub)
    assert set(queries.approved_members(cast.hub)) == set(bank.values())
    exchange = services.record_exchange(
        actor=cast.actor("member"),
        giver=bank["member"],
        receiver=bank["member2"],
        minutes=30,
        category=Category.COOKING,
        description="Soup",
    )
    assert list(queries.my_open_exchanges(cast.actor("member"))) == [exchange]
    assert list(queries.my_open_exchanges(cast.actor("member2"))) == []
    assert list(queries.waiting_for(cast.actor("member2"))) == [exchange]


def test_the_digest_emails_new_listings_once_and_remembers_when(
    cast, bank, mailoutbox, django_capture_on_commit_callbacks
):
    services.set_digest(actor=cast.actor("member"), person=cast.member, subscribed=True)
    services.set_digest(actor=cast.actor("member2"), person=cast.member2, subscribed=True)
    assert queries.is_subscribed(cast.member)
    services.create_listing(
        actor=cast.actor("member2"),
        person=cast.member2,
        kind="request",
        title="Lift to clinic",
        category="transport",
    )
    services.create_listing(
        actor=cast.actor("peer"), person=cast.peer, kind="offer", title="Guitar lessons", category="arts"
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_timebank_digest", stdout=io.StringIO())
    by_person = {m.to[0]: m for m in mailoutbox}
    assert set(by_person) == {"mo@example.org", "mia@example.org"}
    assert "Lift to clinic" in by_person["mo@example.org"].body
    assert "Guitar lessons" in by_person["mo@example.org"].body
    assert "Lift to clinic" not in by_person["mia@example.org"].body  # not their own
    sub = DigestSubscription.objects.get(person=cast.member)
    assert sub.last_sent_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_digests() == 0  # nothing new since
    assert len(mailoutbox) == 2
    services.set_digest(actor=cast.actor("member"), person=cast.member, subscribed=False)
    assert not queries.is_subscribed(cast.member)


def test_the_digest_skips_people_without_an_email_address(
    cast, bank, mailoutbox, django_capture_on_commit_callbacks
):
    Person = type(cast.member)
    Person.objects.filter(pk=cast.member.pk).update(email="")
    services.set_digest(actor=cast.actor("member"), person=cast.member, subscribed=True)
    services.create_listing(
        actor=cast.actor("peer"), person=cast.peer, kind="offer", title="Guitar lessons", category="arts"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_digests() == 0
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("name", "sees"),
    [
        ("member", True),
        ("peer", True),
        ("volunteer", True),
        ("link_worker", True),
        ("broker", True),
        ("coordinator", True),
        ("commissioner", False),
        ("referrer", False),
        ("administrator", False),
    ],
)
def test_the_board_is_for_people_who_take_part_and_staff_who_work_with_them(cast, name, sees):
    assert permissions.can_view_board(cast.actor(name)) is sees
    person = getattr(cast, name)
    if sees:
        services.create_listing(
            actor=cast.actor(name), person=person, kind="offer", title="Tea", category="other"
        )
    else:
        with pytest.raises(PermissionDenied):
            services.create_listing(
                actor=cast.actor(name), person=person, kind="offer", title="Tea", category="other"
            )
