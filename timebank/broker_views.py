"""The brokers' and coordinators' pages of the time bank: the dashboard, approvals, accounts and
reversals, paper time sheets, group exchanges, awards, the pot, partners and the hub's settings.

Thin views: parse input → permission → one service or query → render or redirect. Every page refuses
anyone who is not a broker or coordinator (the dashboard has a figures-only version for
commissioners and administrators)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core import audit
from core.errors import DomainError
from core.models import AuditEvent
from core.pages import page_actor
from core.roles import Role
from people.queries import suppress
from timebank import broker_forms as bf
from timebank import permissions, queries, services
from timebank.ledger import LimitError, hours_minutes
from timebank.models import Account, Exchange

CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM = 640, 220, 20, 40


def _broker(request):
    actor = page_actor(request)
    if not permissions.is_broker(actor):
        raise PermissionDenied
    return actor


def _show_errors(form, error: DomainError) -> None:
    shown = False
    for field, errors in error.field_errors.items():
        if field in form.fields:
            for message in errors:
                form.add_error(field, message)
                shown = True
    if not shown:
        form.add_error(None, error.message)


def pounds(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


def chart(hours_by_month: list[tuple[date, int]]) -> dict:
    """Bars for the hand-drawn SVG chart (presentation attributes only: our CSP forbids style)."""
    most = max((m for _, m in hours_by_month), default=0) or 1
    slot = CHART_WIDTH / max(len(hours_by_month), 1)
    usable = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    bars = []
    for i, (month, minutes) in enumerate(hours_by_month):
        height = round(usable * minutes / most, 1)
        bars.append(
            {
                "x": round(i * slot + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(CHART_TOP + usable - height, 1),
                "height": height,
                "middle": round(i * slot + slot / 2, 1),
                "label_y": round(CHART_TOP + usable - height - 4, 1),
                "month": month,
                "minutes": minutes,
                "hours": round(minutes / 60),
            }
        )
    axis = CHART_HEIGHT - CHART_BOTTOM
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "axis": axis,
        "month_y": axis + 16,
        "year_y": axis + 32,
        "bars": bars,
    }


# Dashboard


@login_required
def dashboard(request):
    actor = page_actor(request)
    full = permissions.is_broker(actor)
    if not (full or permissions.can_view_reports(actor)):
        raise PermissionDenied
    board = queries.dashboard(actor.hub)
    context = {
        "board": board,
        "full": full,
        "chart": chart(board.hours_by_month),
        "value": pounds(board.value_pence),
        "wage": pounds(queries.settings_of(actor.hub).wage_pence_per_hour),
    }
    if full:
        context["waiting_members"] = queries.members_awaiting_approval(actor.hub).count()
        context["waiting_exchanges"] = queries.awaiting_approval(actor.hub).count()
    else:
        # Figures only: counts of people below 5 are suppressed so no one can be picked out.
        context["figures"] = {
            "active": suppress(board.active_members),
            "inactive": suppress(len(board.inactive_members)),
            "near": suppress(len(board.near_limits)),
        }
    return render(request, "timebank/broker/dashboard.html", context)


# Approvals


@login_required
def approvals(request):
    actor = _broker(request)
    return render(
        request,
        "timebank/broker/approvals.html",
        {
            "members": queries.members_awaiting_approval(actor.hub).order_by("opened_at", "id"),
            "exchanges": queries.awaiting_approval(actor.hub).order_by("recorded_at", "id"),
        },
    )


@login_required
@require_POST
def approve_member(request, account_id):
    actor = _broker(request)
    account = permissions.get_account_for(actor, account_id)
    try:
        services.approve_member(actor=actor, account=account)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{account.name} can now exchange time.")
    return redirect("timebank:broker-approvals")


@login_required
@require_http_methods(["GET", "POST"])
def approve_exchange(request, exchange_id):
    actor = _broker(request)
    exchange = permissions.get_exchange_for(actor, exchange_id)
    form = bf.ApproveExchangeForm(request.POST or None)
    limit_blocked = False
    if request.method == "POST" and form.is_valid():
        try:
            services.approve_exchange(
                actor=actor, exchange=exchange, override_reason=form.cleaned_data["override_reason"]
            )
        except LimitError as error:
            limit_blocked = True
            form.add_error("override_reason", f"{error.message} To approve it anyway, write why.")
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The exchange is approved and the time has moved.")
            return redirect("timebank:broker-approvals")
    return render(
        request,
        "timebank/broker/approve_exchange.html",
        {
            "exchange": exchange,
            "form": form,
            "decline_form": bf.DeclineExchangeForm(),
            "limit_blocked": limit_blocked,
            "waiting": exchange.status == Exchange.Status.AWAITING_APPROVAL,
        },
    )


@login_required
@require_POST
def decline_exchange(request, exchange_id):
    actor = _broker(request)
    exchange = permissions.get_exchange_for(actor, exchange_id)
    form = bf.DeclineExchangeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.decline_exchange(actor=actor, exchange=exchange, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("timebank:broker-approve-exchange", exchange_id=exchange.pk)
    messages.success(request, "The exchange is declined; no time moved.")
    return redirect("timebank:broker-approvals")


# Accounts and reversals


@login_required
def accounts(request):
    actor = _broker(request)
    form = bf.AccountSearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(queries.search_accounts(actor.hub, text), 25).get_page(request.GET.get("page"))
    return render(request, "timebank/broker/accounts.html", {"form": form, "page": page, "q": text})


@login_required
def account(request, account_id):
    actor = _broker(request)
    account = permissions.get_account_for(actor, account_id)
    if account.person_id is not None and not permissions.owns(actor, account):
        # A member's movements are part of their record: who looked, and when, is kept.
        audit.record(
            actor=actor,
            action=AuditEvent.Action.VIEW,
            person=account.person,
            obj=account,
            summary="Time-bank account (broker)",
        )
    return render(
        request,
        "timebank/broker/account.html",
        {
            "account": account,
            "entries": queries.account_entries(account, limit=50),
            "is_member": account.kind == Account.Kind.MEMBER,
        },
    )


def _back_to_account(request) -> int | None:
    value = request.GET.get("account", "")
    return int(value) if value.isdigit() and len(value) < 12 else None


@login_required
@require_http_methods(["GET", "POST"])
def transfer_reverse(request, transfer_id):
    actor = _broker(request)
    transfer = permissions.get_transfer_for(actor, transfer_id)
    back = _back_to_account(request)
    form = bf.ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reverse_transfer(actor=actor, transfer=transfer, reason=form.cleaned_data["reason"])
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The transfer is reversed; the balances are back as they were.")
            if back is not None:
                return redirect("timebank:broker-account", account_id=back)
            return redirect("timebank:broker-dashboard")
    return render(
        request,
        "timebank/broker/reverse.html",
        {
            "transfer": transfer,
            "entries": queries.transfer_entries(transfer),
            "reversal": queries.reversal_of(transfer),
            "form": form,
            "back": back,
        },
    )


# Paper time sheets


def _post_sheet(request, actor, raw_rows, override_reason: str) -> list[str]:
    """Look everyone up, then post every row or none. Returns the problems (empty when posted)."""
    rows, problems = bf.build_sheet_rows(actor.hub, raw_rows)
    if problems:
        return problems
    try:
        posted = services.post_time_sheet(actor=actor, rows=rows, override_reason=override_reason)
    except LimitError as error:
        return [f"{error.message} To enter the sheet anyway, write a reason to go past the limit."]
    except DomainError as error:
        return [error.message]
    total = sum(e.minutes for e in posted)
    messages.success(request, f"{len(posted)} exchanges entered ({hours_minutes(total)} in all).")
    return []


@login_required
@require_http_methods(["GET", "POST"])
def time_sheet(request):
    actor = _broker(request)
    formset = bf.SheetFormSet(request.POST or None, prefix="row")
    override = bf.OverrideForm(request.POST or None)
    problems: list[str] = []
    if request.method == "POST" and formset.is_valid() and override.is_valid():
        raw_rows = bf.filled_rows(formset)
        if not raw_rows:
            problems = ["Fill in at least one row."]
        else:
            problems = _post_sheet(request, actor, raw_rows, override.cleaned_data["override_reason"])
            if not problems:
                return redirect("timebank:broker-time-sheet")
    return render(
        request,
        "timebank/broker/time_sheet.html",
        {
            "formset": formset,
            "override": override,
            "problems": problems,
            "names": queries.member_names(actor.hub),
            "list_id": bf.MEMBERS_LIST_ID,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def time_sheet_upload(request):
    actor = _broker(request)
    form = bf.TimeSheetUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        raw_rows, problems = bf.parse_csv(form.cleaned_data["sheet"])
        if not problems:
            problems = _post_sheet(request, actor, raw_rows, form.cleaned_data["override_reason"])
            if not problems:
                return redirect("timebank:broker-time-sheet-upload")
    return render(
        request,
        "timebank/broker/time_sheet_upload.html",
        {"form": form, "problems": problems, "columns": bf.CSV_COLUMNS, "max_rows": bf.CSV_MAX_ROWS},
    )


# Group exchanges, awards, the pot


@login_required
@require_http_methods(["GET", "POST"])
def group_exchange(request):
    actor = _broker(request)
    form = bf.GroupExchangeForm(request.POST or None, hub=actor.hub)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_group_exchange(
                actor=actor,
                giver=form.session_giver,
                receivers=form.receiver_accounts,
                minutes=form.total_minutes(),
                category=data["category"],
                description=data["description"],
                occurred_on=data["occurred_on"],
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"The session is recorded for {len(form.receiver_accounts)} people.")
            return redirect("timebank:broker-group")
    rules = queries.settings_of(actor.hub)
    return render(
        request,
        "timebank/broker/group.html",
        {
            "form": form,
            "rules": rules,
            "names": queries.member_names(actor.hub),
            "list_id": bf.MEMBERS_LIST_ID,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def award(request):
    actor = _broker(request)
    initial = {"member": request.GET.get("member", "")[:254]}
    form = bf.AwardForm(request.POST or None, hub=actor.hub, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.award(actor=actor, **form.service_arguments())
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"The credit for {form.account.name} is recorded.")
            return redirect("timebank:broker-account", account_id=form.account.pk)
    return render(
        request,
        "timebank/broker/award.html",
        {
            "form": form,
            "rules": queries.settings_of(actor.hub),
            "names": queries.member_names(actor.hub),
            "list_id": bf.MEMBERS_LIST_ID,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pot(request):
    actor = _broker(request)
    form = bf.PotForm(
        request.POST or None, hub=actor.hub, initial={"member": request.GET.get("member", "")[:254]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.allocate_from_pot(
                actor=actor,
                to_account=form.account,
                minutes=form.total_minutes(),
                reason=form.cleaned_data["reason"],
                idempotency_key=form.idempotency_key(),
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"{hours_minutes(form.total_minutes())} given from the community pot.")
            return redirect("timebank:broker-account", account_id=form.account.pk)
    return render(
        request,
        "timebank/broker/pot.html",
        {
            "form": form,
            "pot_balance": queries.pot_balance(actor.hub),
            "names": queries.member_names(actor.hub),
            "list_id": bf.MEMBERS_LIST_ID,
        },
    )


# Partners


@login_required
def partners(request):
    actor = _broker(request)
    return render(request, "timebank/broker/partners.html", {"partners": queries.partners(actor.hub)})


@login_required
@require_http_methods(["GET", "POST"])
def partner_add(request):
    actor = _broker(request)
    form = bf.PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.add_partner(actor=actor, name=form.cleaned_data["name"])
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request, f"{partner.name} is now a partner. Add the ways members can spend there."
            )
            return redirect("timebank:broker-partners")
    return render(request, "timebank/broker/partner_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def way_add(request):
    actor = _broker(request)
    initial = {"partner": request.GET.get("partner")} if request.GET.get("partner", "").isdigit() else {}
    form = bf.WayToSpendForm(request.POST or None, partners=queries.partners(actor.hub), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_way_to_spend(
                actor=actor,
                partner=data["partner"],
                title=data["title"],
                price=form.total_minutes(),
                description=data["description"],
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Members can now spend credits on “{data['title']}”.")
            return redirect("timebank:broker-partners")
    return render(request, "timebank/broker/way_form.html", {"form": form})


@login_required
@require_POST
def way_retire(request, way_id):
    actor = _broker(request)
    way = permissions.get_way_to_spend_for(actor, way_id)
    try:
        services.retire_way_to_spend(actor=actor, way=way)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"“{way.title}” is no longer offered. Past spending stays on statements.")
    return redirect("timebank:broker-partners")


# Settings


@login_required
@require_http_methods(["GET", "POST"])
def hub_settings(request):
    actor = page_actor(request)
    if not actor.has(Role.COORDINATOR):
        raise PermissionDenied
    rules = queries.settings_of(actor.hub)
    form = bf.SettingsForm(request.POST or None, initial=bf.SettingsForm.initial_for(rules))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(actor=actor, hub=actor.hub, **form.values())
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The time bank’s settings are saved.")
            return redirect("timebank:broker-settings")
    return render(request, "timebank/broker/settings.html", {"form": form})
