"""Members' time-bank pages: their account, the board, exchanges, gifts, spending and statements.

Thin: parse the input, check the permission, call one service or query, render. Brokers' own pages
live in broker_views.py.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import audit
from core.errors import DomainError
from core.models import AuditEvent
from core.pages import page_actor
from core.spreadsheets import safe_writer
from core.templatetags.nhsuk import hours_minutes
from timebank import permissions, queries, services
from timebank.forms import (
    BoardFilterForm,
    DeclineForm,
    DonateForm,
    ExchangeForm,
    FindElsewhereForm,
    ListingForm,
    SendForm,
    SpendForm,
    StatementForm,
)
from timebank.models import Account, Exchange


def _show_errors(form, error: DomainError) -> None:
    for field, errors in error.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if not error.field_errors or not any(f in form.fields for f in error.field_errors):
        form.add_error(None, error.message)


def _own_account(actor) -> Account | None:
    return queries.account_of(actor.person) if actor.person is not None else None


def _join_first(request):
    messages.info(request, "Join the time bank first.")
    return redirect("timebank:home")


def _moved(transfer) -> str:
    """What a transfer moved. Read back from the ledger: a form sent again with its key returns the
    earlier transfer, which is what the member must be told about."""
    return hours_minutes(sum(e.minutes for e in queries.transfer_entries(transfer) if e.minutes > 0))


def _key(account: Account, form) -> str | None:
    # Keys are per hub; tying them to the account stops one member's key from meeting another's.
    key = form.idempotency_key()
    return f"{account.pk}:{key}"[:100] if key else None


# My time bank


def _home_context(actor) -> dict:
    account = _own_account(actor)
    return {
        "account": account,
        "can_join": account is None and permissions.can_join(actor),
        "waiting": list(queries.waiting_for(actor)) if account else [],
        "mine_open": list(queries.my_open_exchanges(actor)) if account else [],
        "recent": queries.recent_transfers(account) if account else [],
        "subscribed": actor.person is not None and queries.is_subscribed(actor.person),
        "is_broker": permissions.is_broker(actor),
        "can_view_board": permissions.can_view_board(actor),
    }


@login_required
def home(request):
    actor = page_actor(request)
    return render(request, "timebank/home.html", _home_context(actor))


@login_required
@require_POST
def join(request):
    actor = page_actor(request)
    if actor.person is None:
        raise PermissionDenied
    try:
        account = services.join(actor=actor, person=actor.person)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        waiting = "" if account.is_approved else " A broker will approve your account soon."
        messages.success(request, f"Welcome to the time bank.{waiting}")
    return redirect("timebank:home")


@login_required
@require_POST
def digest(request):
    actor = page_actor(request)
    if actor.person is None:
        raise PermissionDenied
    on = services.set_digest(
        actor=actor, person=actor.person, subscribed=request.POST.get("subscribed") == "yes"
    )
    messages.success(
        request, "We will email you new offers and requests each week." if on else "No more emails."
    )
    return redirect("timebank:home")


# Exchanges

WAITING = (Exchange.Status.AWAITING_CONFIRMATION, Exchange.Status.AWAITING_APPROVAL)


@login_required
@require_http_methods(["GET", "POST"])
def exchange_new(request):
    actor = page_actor(request)
    account = _own_account(actor)
    if account is None:
        return _join_first(request)
    form = ExchangeForm(
        request.POST or None,
        members=queries.approved_members(actor.hub).exclude(pk=account.pk),
        listings=queries.board(actor.hub),
        initial=_initial_from_listing(actor, request.GET.get("listing", "")),
    )
    if request.method == "POST" and form.is_valid():
        data, other = form.cleaned_data, form.cleaned_data["other"]
        gave = data["direction"] == ExchangeForm.GAVE
        try:
            exchange = services.record_exchange(
                actor=actor,
                giver=account if gave else other,
                receiver=other if gave else account,
                minutes=form.total_minutes(),
                category=data["category"],
                description=data["description"],
                occurred_on=data["occurred_on"],
                listing=data["listing"],
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Recorded. We have asked {other.person.display_name} to confirm it.")
            return redirect("timebank:exchange", exchange_id=exchange.pk)
    return render(request, "timebank/exchange_form.html", {"form": form, "account": account})


def _initial_from_listing(actor, listing_id: str) -> dict:
    """Recording an exchange from a board listing: who, what and which way are already known."""
    if not listing_id.isdigit():
        return {}
    listing = permissions.get_listing_for(actor, listing_id)
    initial = {"listing": listing.pk, "category": listing.category, "description": listing.title}
    if not actor.is_self(listing.person):
        other = queries.account_of(listing.person)
        # Their offer means they helped me; their request means I helped them.
        initial["direction"] = (
            ExchangeForm.RECEIVED if listing.kind == listing.Kind.OFFER else ExchangeForm.GAVE
        )
        initial["other"] = other.pk if other is not None else None
    return initial


@login_required
def exchange_detail(request, exchange_id):
    actor = page_actor(request)
    exchange = permissions.get_exchange_for(actor, exchange_id)
    waiting = exchange.status == Exchange.Status.AWAITING_CONFIRMATION
    recorder = actor.user is not None and exchange.recorded_by_id == actor.user.pk
    return render(
        request,
        "timebank/exchange_detail.html",
        {
            "exchange": exchange,
            "can_confirm": waiting and permissions.can_confirm_exchange(actor, exchange),
            "can_withdraw": recorder and exchange.status in WAITING,
            "can_reverse": exchange.transfer_id is not None and permissions.is_broker(actor),
            "decline_form": DeclineForm(),
        },
    )


def _after_answer(request, exchange_id):
    if request.headers.get("HX-Request"):
        return render(
            request, "timebank/_home_body.html", {**_home_context(page_actor(request)), "fragment": True}
        )
    return redirect("timebank:exchange", exchange_id=exchange_id)


@login_required
@require_POST
def exchange_confirm(request, exchange_id):
    actor = page_actor(request)
    exchange = permissions.get_exchange_for(actor, exchange_id, confirm=True)
    try:
        exchange = services.confirm_exchange(actor=actor, exchange=exchange)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        done = exchange.status == Exchange.Status.POSTED
        messages.success(
            request, "Confirmed. " + ("Your balances have changed." if done else "A broker will approve it.")
        )
    return _after_answer(request, exchange.pk)


@login_required
@require_POST
def exchange_decline(request, exchange_id):
    """The other side says it did not happen like that, or the recorder withdraws it."""
    actor = page_actor(request)
    exchange = permissions.get_exchange_for(actor, exchange_id)
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.decline_exchange(actor=actor, exchange=exchange, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Declined. Nothing has been posted.")
    return _after_answer(request, exchange.pk)


# The board


@login_required
def board(request):
    actor = page_actor(request)
    if not permissions.can_view_board(actor):
        raise PermissionDenied
    form = BoardFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    listings = queries.board(
        actor.hub,
        kind=f.get("kind", ""),
        text=f.get("q", ""),
        category=f.get("category", ""),
        area=f.get("area", ""),
    )
    page = Paginator(listings, 20).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(
        request, "timebank/board.html", {"form": form, "page": page, "filters": filters.urlencode()}
    )


@login_required
@require_http_methods(["GET", "POST"])
def listing_new(request):
    actor = page_actor(request)
    broker = permissions.is_broker(actor)
    if not permissions.can_view_board(actor):
        raise PermissionDenied
    form = ListingForm(
        request.POST or None,
        people=queries.approved_members(actor.hub) if broker else None,
        initial={"kind": request.GET.get("kind", "")[:10]},
    )
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"].person if broker else actor.person
        try:
            listing = services.create_listing(actor=actor, person=person, **form.listing_data())
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Your {listing.get_kind_display().lower()} is on the board.")
            return redirect("timebank:listing", listing_id=listing.pk)
    return render(request, "timebank/listing_form.html", {"form": form})


@login_required
def listing_detail(request, listing_id):
    actor = page_actor(request)
    listing = permissions.get_listing_for(actor, listing_id)
    can_edit = permissions.can_edit_listing(actor, listing)
    show_matches = can_edit and listing.kind == listing.Kind.REQUEST and listing.is_active
    matches = (
        queries.matches_for(listing, include_records=permissions.is_broker(actor)) if show_matches else None
    )
    return render(
        request,
        "timebank/listing_detail.html",
        {
            "listing": listing,
            "can_edit": can_edit,
            "matches": matches,
            "is_own": actor.is_self(listing.person),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def listing_edit(request, listing_id):
    actor = page_actor(request)
    listing = permissions.get_listing_for(actor, listing_id, edit=True)
    initial = {name: getattr(listing, name) for name in ListingForm.FIELDS}
    form = ListingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_listing(actor=actor, listing=listing, **form.listing_data())
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("timebank:listing", listing_id=listing.pk)
    return render(request, "timebank/listing_form.html", {"form": form, "listing": listing})


@login_required
@require_POST
def listing_close(request, listing_id):
    actor = page_actor(request)
    listing = permissions.get_listing_for(actor, listing_id, edit=True)
    services.update_listing(actor=actor, listing=listing, is_active=False)
    messages.success(request, f"“{listing.title}” is no longer on the board.")
    return redirect("timebank:board")


# Giving, spending, sending


@login_required
@require_http_methods(["GET", "POST"])
def donate(request):
    actor = page_actor(request)
    account = _own_account(actor)
    if account is None:
        return _join_first(request)
    form = DonateForm(
        request.POST or None, members=queries.approved_members(actor.hub).exclude(pk=account.pk)
    )
    if request.method == "POST" and form.is_valid():
        to = form.recipient() or services.system_account(actor.hub, Account.Kind.POT)
        try:
            transfer = services.donate(
                actor=actor,
                from_account=account,
                to_account=to,
                minutes=form.total_minutes(),
                note=form.cleaned_data["note"],
                idempotency_key=_key(account, form),
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"You gave {_moved(transfer)} to {form.recipient_label()}.")
            return redirect("timebank:home")
    return render(request, "timebank/donate.html", {"form": form, "account": account})


@login_required
@require_http_methods(["GET", "POST"])
def spend(request):
    actor = page_actor(request)
    account = _own_account(actor)
    if account is None:
        return _join_first(request)
    ways = queries.ways_to_spend(actor.hub)
    form = SpendForm(request.POST or None, ways=ways, initial={"way": request.GET.get("way", "")[:12]})
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.spend_at_partner(
                actor=actor,
                account=account,
                way=form.cleaned_data["way"],
                quantity=form.cleaned_data["quantity"],
                idempotency_key=_key(account, form),
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request, f"Done: {transfer.description}. Show this page to the partner if they ask."
            )
            return redirect("timebank:home")
    return render(request, "timebank/spend.html", {"form": form, "account": account, "ways": ways})


@login_required
@require_http_methods(["GET", "POST"])
def send(request):
    actor = page_actor(request)
    account = _own_account(actor)
    if account is None:
        return _join_first(request)
    find = FindElsewhereForm(request.GET or None, hubs=queries.hubs_to_send_to(actor.hub))
    found = (
        queries.members_elsewhere(find.cleaned_data["hub"], name=find.cleaned_data["name"])
        if find.is_valid()
        else None
    )
    recipients = (
        found.filter(pk__in=list(found.values_list("pk", flat=True)[:10])) if found is not None else None
    )
    form = SendForm(
        request.POST or None, recipients=recipients if recipients is not None else Account.objects.none()
    )
    if request.method == "POST" and form.is_valid():
        to = form.cleaned_data["to"]
        try:
            out, _ = services.send_between_hubs(
                actor=actor,
                from_account=account,
                to_account=to,
                minutes=form.total_minutes(),
                note=form.cleaned_data["note"],
                idempotency_key=_key(account, form),
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request,
                f"You sent {_moved(out)} to {to.person.display_name} ({to.hub.name}).",
            )
            return redirect("timebank:home")
    context = {"find": find, "form": form, "account": account, "recipients": recipients}
    return render(request, "timebank/send.html", context)


# Statements


def _period(form: StatementForm) -> tuple[date, date]:
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else {}
    end = data.get("end") or today
    start = data.get("start") or (end.replace(day=1) - timedelta(days=62)).replace(day=1)
    return start, end


@login_required
def my_statement(request, fmt: str = "html"):
    actor = page_actor(request)
    account = _own_account(actor)
    if account is None:
        return _join_first(request)
    return _statement(request, account, fmt, own=True)


@login_required
def account_statement(request, account_id, fmt: str = "html"):
    """A broker reads any member's statement; a member only their own (others get 403, other hubs 404)."""
    actor = page_actor(request)
    account = permissions.get_account_for(actor, account_id)
    if not permissions.owns(actor, account):
        audit.record(
            actor=actor,
            action=AuditEvent.Action.VIEW,
            person=account.person,
            obj=account,
            summary=f"Time-bank statement ({fmt})",
        )
    return _statement(request, account, fmt, own=permissions.owns(actor, account))


def _statement(request, account: Account, fmt: str, *, own: bool):
    form = StatementForm(request.GET or None)
    start, end = _period(form)
    if not form.is_bound:
        form = StatementForm(initial={"start": start, "end": end})
    statement = queries.statement(account, start=start, end=end)
    filename = f"time-bank-statement-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}"
    if fmt == "csv":
        return _csv(statement, filename)
    context = {"form": form, "statement": statement, "own": own, "period": request.GET.urlencode()}
    if fmt == "pdf":
        return _pdf(request, context, filename)
    return render(request, "timebank/statement.html", context)


def _csv(statement: queries.Statement, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    writer = safe_writer(response)
    rows = [
        ["Account", statement.account.name],
        ["From", statement.start.isoformat(), "To", statement.end.isoformat()],
        ["Opening balance (minutes)", statement.opening],
        [],
        ["Date", "What", "Category", "Description", "With", "Minutes", "Time", "Balance (minutes)"],
    ]
    for line in statement.lines:
        transfer = line.entry.transfer
        rows.append(
            [
                transfer.occurred_on.isoformat(),
                transfer.get_kind_display(),
                transfer.get_category_display(),
                transfer.description,
                line.with_whom,
                line.entry.minutes,
                hours_minutes(line.entry.minutes),
                line.balance,
            ]
        )
    rows.append(["Closing balance (minutes)", statement.closing])
    writer.writerows(rows)
    return response


def _pdf(request, context: dict, filename: str):
    # Imported here: WeasyPrint loads pango, which only the PDF needs (`make test` installs it).
    try:
        from weasyprint import CSS, HTML, URLFetcher
    except OSError:
        messages.error(
            request, "PDF statements are not available on this server yet; download the CSV instead."
        )
        return redirect(f"{request.path.removesuffix('pdf/')}?{request.GET.urlencode()}")

    html = render_to_string("timebank/statement_pdf.html", context, request=request)
    css = render_to_string("timebank/statement_pdf.css")
    # No fetching at all: the statement is self-contained, and member-written text must never make
    # the server load a URL.
    no_fetch = URLFetcher(allowed_protocols=())
    pdf = HTML(string=html, url_fetcher=no_fetch).write_pdf(
        stylesheets=[CSS(string=css, url_fetcher=no_fetch)]
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response
