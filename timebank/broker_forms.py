"""Input parsing for the brokers' pages: the rules (limits, approvals, who may do what) live in
timebank.services. Paper time sheets and uploads name people by email address or full name; this
module turns every row into a services.SheetRow or a problem that names the row."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import cast

from django import forms
from django.utils import timezone

from core.models import Hub
from core.spreadsheets import FORMULA_STARTS
from timebank import queries, services
from timebank.models import Account, Category, TimebankSettings

MEMBERS_LIST_ID = "tb-members"  # the <datalist> of member names on pages with a member field
SHEET_ROWS = 10
CSV_MAX_BYTES = 1_000_000
CSV_MAX_ROWS = 500
CSV_COLUMNS = ("giver", "receiver", "minutes", "category", "description", "date")
# A cell starting with one of these is run as a formula when a spreadsheet opens it again.


class DateInput(forms.DateInput):
    """A browser date picker takes only ISO dates, not the en-GB 23/11/2026 Django would write."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 - Django's own argument name
        super().__init__(attrs=attrs, format=format)


def numeric(mode: str = "numeric") -> forms.TextInput:
    # The NHS design system asks for text inputs with inputmode, not type=number (which browsers
    # change on scroll and read out badly).
    return forms.TextInput(attrs={"inputmode": mode, "autocomplete": "off"})


def member_input() -> forms.TextInput:
    return forms.TextInput(attrs={"list": MEMBERS_LIST_ID, "autocomplete": "off", "spellcheck": "false"})


class TimeFields(forms.Form):
    """Hours and minutes in two boxes; `total_minutes()` is what services receive."""

    hours = forms.IntegerField(label="Hours", min_value=0, max_value=100, required=False, widget=numeric())
    minutes = forms.IntegerField(label="Minutes", min_value=0, max_value=59, required=False, widget=numeric())
    time_required = True

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if self.time_required and not self.errors and not (data.get("hours") or data.get("minutes")):
            self.add_error("minutes", "Enter how long: hours, minutes or both.")
        return data

    def total_minutes(self) -> int:
        return (self.cleaned_data.get("hours") or 0) * 60 + (self.cleaned_data.get("minutes") or 0)


class KeyedForm(forms.Form):
    """A hidden key made when the form is shown, so pressing the button twice posts once."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("key", f"broker:{uuid.uuid4()}")
        super().__init__(*args, **kwargs)

    def idempotency_key(self) -> str | None:
        return self.cleaned_data.get("key") or None


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def resolve(found: dict[str, list[Account]], text: str, *, role: str) -> tuple[Account | None, str]:
    """One member account for a name or email address, or a message saying why not."""
    if not text:
        return None, ""  # a missing name is reported where the row is read
    shown = text if len(text) <= 60 else text[:57] + "…"
    if looks_like_formula(text):
        return (
            None,
            f"the {role} “{shown}” looks like a spreadsheet formula; use an email address or full name",
        )
    matches = found.get(queries.identity_key(text), [])
    if not matches:
        return None, f"no member of this time bank is called or has the email address “{shown}”"
    if len(matches) > 1:
        return None, f"more than one member is called “{shown}”; use their email address"
    account = matches[0]
    if not account.is_active:
        return None, f"{account.name}’s account is closed"
    if not account.is_approved:
        return None, f"{account.name} is waiting for a broker to approve them"
    return account, ""


class MemberForm(forms.Form):
    """A form with one member named by full name or email address; `member_account` after is_valid()."""

    member = forms.CharField(
        label="Member",
        max_length=254,
        help_text="Their full name or email address.",
        widget=member_input(),
    )

    def __init__(self, *args, hub: Hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.member_account: Account | None = None

    @property
    def account(self) -> Account:
        """The member named, once the form is valid."""
        if self.member_account is None:
            raise ValueError("The form has not been validated.")
        return self.member_account

    def clean_member(self):
        text = self.cleaned_data["member"].strip()
        account, problem = resolve(queries.find_members(self.hub, [text]), text, role="member")
        if account is None:
            raise forms.ValidationError(problem[0].upper() + problem[1:] + ".")
        self.member_account = account
        return text


# Approvals, accounts and reversals


class ApproveExchangeForm(forms.Form):
    override_reason = forms.CharField(
        label="Reason to go past a limit",
        required=False,
        max_length=500,
        help_text="Only needed if this exchange would take someone past their limit. It is kept and audited.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclineExchangeForm(forms.Form):
    reason = forms.CharField(
        label="Why is it declined?",
        required=False,
        max_length=300,
        help_text="Both people can see this.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AccountSearchForm(forms.Form):
    q = forms.CharField(label="Name or email address", required=False, max_length=100)


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label="Why is it being reversed?",
        max_length=300,
        help_text="For example, “entered twice” or “the session did not happen”. It is kept and audited.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# Paper time sheets


@dataclass
class RawRow:
    """One row as the broker typed or uploaded it, before people are looked up."""

    number: int
    giver: str
    receiver: str
    minutes: int
    category: str
    description: str
    occurred_on: date | None
    problems: list[str] = field(default_factory=list)  # found while reading the row


def build_sheet_rows(hub: Hub, raw: list[RawRow]) -> tuple[list[services.SheetRow], list[str]]:
    """Look up every giver and receiver at once; every problem is listed with its row number."""
    found = queries.find_members(hub, [r.giver for r in raw] + [r.receiver for r in raw])
    rows, problems = [], []
    for r in raw:
        giver, giver_problem = resolve(found, r.giver, role="giver")
        receiver, receiver_problem = resolve(found, r.receiver, role="receiver")
        row_problems = [p for p in (giver_problem, receiver_problem) if p] + r.problems
        if giver and receiver and giver.pk == receiver.pk:
            row_problems.append("the giver and the receiver are the same person")
        problems += [f"Row {r.number}: {p}." for p in row_problems]
        if giver and receiver and not row_problems:
            rows.append(
                services.SheetRow(
                    giver=giver,
                    receiver=receiver,
                    minutes=r.minutes,
                    category=r.category,
                    description=r.description,
                    occurred_on=r.occurred_on,
                    number=r.number,
                )
            )
    return rows, problems


class SheetRowForm(TimeFields):
    giver = forms.CharField(label="Who gave help", max_length=254, required=False, widget=member_input())
    receiver = forms.CharField(label="Who was helped", max_length=254, required=False, widget=member_input())
    category = forms.ChoiceField(
        label="Category", required=False, choices=[("", "Choose"), *Category.choices]
    )
    description = forms.CharField(label="What was done", max_length=300, required=False)
    occurred_on = forms.DateField(label="Date", required=False, widget=DateInput())
    time_required = False

    def clean(self):
        super().clean()
        data = self.cleaned_data
        for name in ("giver", "receiver", "category", "description"):
            if not (data.get(name) or "").strip() and name not in self.errors:
                self.add_error(name, "Required on a row that is filled in.")
        if not self.errors and not self.total_minutes():
            self.add_error("minutes", "Enter how long: hours, minutes or both.")
        day = data.get("occurred_on")
        if day and day > timezone.localdate():
            self.add_error("occurred_on", "Cannot be in the future.")
        return data

    def raw_row(self, number: int) -> RawRow:
        data = self.cleaned_data
        return RawRow(
            number=number,
            giver=data["giver"].strip(),
            receiver=data["receiver"].strip(),
            minutes=self.total_minutes(),
            category=data["category"],
            description=data["description"].strip(),
            occurred_on=data.get("occurred_on"),
        )


SheetFormSet = forms.formset_factory(
    SheetRowForm, extra=SHEET_ROWS, max_num=SHEET_ROWS, absolute_max=SHEET_ROWS
)


def filled_rows(formset) -> list[RawRow]:
    """The rows the broker filled in, numbered as on the page; blank rows are ignored."""
    return [form.raw_row(n) for n, form in enumerate(formset.forms, start=1) if form.has_changed()]


class OverrideForm(forms.Form):
    override_reason = forms.CharField(
        label="Reason to go past a limit",
        required=False,
        max_length=500,
        help_text="Only if a row would take someone past their limit. It is kept and audited.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TimeSheetUploadForm(OverrideForm):
    sheet = forms.FileField(
        label="Time sheet (CSV file)",
        help_text="Columns: giver, receiver, minutes, category, description, date. At most "
        f"{CSV_MAX_ROWS} rows and 1 MB.",
    )


def _category_from(text: str) -> str | None:
    key = text.strip().casefold()
    for value, label in Category.choices:
        if key in (value, label.casefold()):
            return value
    return None


def _date_from(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    raise ValueError(text)


def parse_csv(upload) -> tuple[list[RawRow], list[str]]:
    """Read an uploaded time sheet: every row (row 1 is the first line after the header), each with
    the problems found in it, or no rows and the problem with the file as a whole. Nothing is looked
    up or written here; build_sheet_rows adds the problems with names."""
    if upload.size > CSV_MAX_BYTES:
        return [], ["The file is larger than 1 MB. Split it into smaller time sheets."]
    try:
        text = upload.read(CSV_MAX_BYTES + 1).decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], ["The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8”."]
    if "\x00" in text:
        return [], ["The file is not a CSV time sheet."]
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return [], ["The file could not be read as CSV."]
    # Row numbers count every line after the header, blank ones too, so they match the spreadsheet.
    numbered = [(n, line) for n, line in enumerate(lines) if any(cell.strip() for cell in line)]
    if not numbered:
        return [], ["The file is empty."]
    first, header_cells = numbered[0]
    header = [cell.strip().casefold() for cell in header_cells]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        return [], [
            "The first line must name the columns: "
            + ", ".join(CSV_COLUMNS)
            + f". Missing: {', '.join(missing)}."
        ]
    body = [(n - first, line) for n, line in numbered[1:]]
    if not body:
        return [], ["The file has no rows after the header."]
    if len(body) > CSV_MAX_ROWS:
        return [], [f"The file has {len(body)} rows; at most {CSV_MAX_ROWS} can be entered at once."]
    where = {c: header.index(c) for c in CSV_COLUMNS}
    rows = []
    today = timezone.localdate()
    for number, line in body:
        cells = {c: (line[i].strip() if i < len(line) else "") for c, i in where.items()}
        row_problems = []
        for c in ("giver", "receiver", "minutes", "category", "description"):
            if not cells[c]:
                row_problems.append(f"the {c} is missing")
        minutes = 0
        if cells["minutes"]:
            try:
                minutes = int(cells["minutes"])
            except ValueError:
                row_problems.append("the minutes must be a whole number")
            else:
                if not 0 < minutes <= services.MAX_MINUTES:
                    row_problems.append(f"the minutes must be between 1 and {services.MAX_MINUTES}")
        category = _category_from(cells["category"]) if cells["category"] else None
        if cells["category"] and category is None:
            row_problems.append(f"“{cells['category'][:40]}” is not a category")
        if len(cells["description"]) > 300:
            row_problems.append("the description is longer than 300 characters")
        elif looks_like_formula(cells["description"]) and not cells["description"].startswith("-"):
            row_problems.append("the description looks like a spreadsheet formula")
        occurred_on = None
        if cells["date"]:
            try:
                occurred_on = _date_from(cells["date"])
            except ValueError:
                row_problems.append("the date must look like 2025-03-31 or 31/03/2025")
            else:
                if occurred_on > today:
                    row_problems.append("the date is in the future")
        rows.append(
            RawRow(
                number=number,
                giver=cells["giver"],
                receiver=cells["receiver"],
                minutes=minutes,
                category=category or "",
                description=cells["description"],
                occurred_on=occurred_on,
                problems=row_problems,
            )
        )
    return rows, []


# Group exchanges, awards, the pot


class GroupExchangeForm(TimeFields):
    giver = forms.CharField(
        label="Who ran the session",
        max_length=254,
        help_text="Their full name or email address.",
        widget=member_input(),
    )
    receivers = forms.CharField(
        label="Who took part",
        max_length=20000,
        help_text="One full name or email address on each line.",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    category = forms.ChoiceField(label="Category", choices=[("", "Choose"), *Category.choices])
    description = forms.CharField(label="What was the session", max_length=300)
    occurred_on = forms.DateField(label="Date", required=False, widget=DateInput())

    def __init__(self, *args, hub: Hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.giver_account: Account | None = None
        self.receiver_accounts: list[Account] = []

    @property
    def session_giver(self) -> Account:
        """Who ran the session, once the form is valid."""
        if self.giver_account is None:
            raise ValueError("The form has not been validated.")
        return self.giver_account

    def clean(self):
        super().clean()
        data = self.cleaned_data
        giver_text = (data.get("giver") or "").strip()
        names = [line.strip() for line in (data.get("receivers") or "").splitlines() if line.strip()]
        if "receivers" in data and not names:
            self.add_error("receivers", "Name at least one person who took part.")
        if len(names) > 200:
            self.add_error("receivers", "At most 200 people in one session.")
            return data
        found = queries.find_members(self.hub, [giver_text, *names])
        if giver_text:
            self.giver_account, problem = resolve(found, giver_text, role="giver")
            if problem:
                self.add_error("giver", problem[0].upper() + problem[1:] + ".")
        problems = []
        for line, name in enumerate(names, start=1):
            account, problem = resolve(found, name, role="person")
            if problem:
                problems.append(f"Line {line}: {problem}.")
            elif account is not None:
                self.receiver_accounts.append(account)
        if problems:
            self.add_error("receivers", " ".join(problems))
        return data


class AwardForm(KeyedForm, MemberForm, TimeFields):
    AWARD, ON_CALL = "award", "on_call"

    kind = forms.ChoiceField(
        label="What is it for?",
        choices=[(AWARD, "An award of new credits"), (ON_CALL, "Time on call (at the hub’s rate)")],
        widget=forms.RadioSelect,
        initial=AWARD,
    )
    on_call_hours = forms.IntegerField(
        label="Hours on call",
        min_value=1,
        max_value=24 * 14,
        required=False,
        help_text="Whole hours.",
        widget=numeric(),
    )
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        help_text="Shown on their statement, for example “Weekend crisis rota”.",
    )
    time_required = False
    field_order = ["member", "kind", "hours", "minutes", "on_call_hours", "reason", "key"]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("kind") == self.ON_CALL:
            if not data.get("on_call_hours") and "on_call_hours" not in self.errors:
                self.add_error("on_call_hours", "Enter the hours on call.")
        elif not self.errors and not self.total_minutes():
            self.add_error("minutes", "Enter how much: hours, minutes or both.")
        return data

    def service_arguments(self) -> dict:
        on_call = self.cleaned_data["kind"] == self.ON_CALL
        return {
            "to_account": self.member_account,
            "minutes": 0 if on_call else self.total_minutes(),
            "on_call_hours": self.cleaned_data["on_call_hours"] if on_call else None,
            "reason": self.cleaned_data["reason"],
            "idempotency_key": self.idempotency_key(),
        }


class PotForm(KeyedForm, MemberForm, TimeFields):
    reason = forms.CharField(
        label="Reason", max_length=300, help_text="Shown on their statement, for example “Lifts to hospital”."
    )
    field_order = ["member", "hours", "minutes", "reason", "key"]


# Partners


class PartnerForm(forms.Form):
    name = forms.CharField(label="Organisation name", max_length=200)


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        return obj.name


class WayToSpendForm(TimeFields):
    partner = PartnerChoiceField(label="Partner", queryset=Account.objects.none(), empty_label="Choose")
    title = forms.CharField(label="What members can spend credits on", max_length=120)
    description = forms.CharField(
        label="Details",
        required=False,
        max_length=1000,
        help_text="When, where, and anything a member should know.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    field_order = ["partner", "title", "hours", "minutes", "description"]

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["partner"]).queryset = partners
        self.fields["hours"].label = "Price: hours"
        self.fields["minutes"].label = "Price: minutes"


# Settings


YES_NO = [("yes", "Yes"), ("no", "No")]


class SettingsForm(forms.Form):
    grant_hours = forms.IntegerField(
        label="Joining grant: hours", min_value=0, max_value=100, widget=numeric()
    )
    grant_minutes = forms.IntegerField(
        label="Joining grant: minutes", min_value=0, max_value=59, widget=numeric()
    )
    debit_hours = forms.IntegerField(
        label="How far into debit a member may go: hours",
        min_value=0,
        max_value=1000,
        help_text="0 means members cannot go below zero. Applies to members who join from now on.",
        widget=numeric(),
    )
    debit_minutes = forms.IntegerField(
        label="How far into debit: minutes", min_value=0, max_value=59, widget=numeric()
    )
    highest_hours = forms.IntegerField(
        label="Highest balance a member may hold: hours",
        min_value=0,
        max_value=10000,
        required=False,
        help_text="Leave blank for no limit. Applies to members who join from now on.",
        widget=numeric(),
    )
    highest_minutes = forms.IntegerField(
        label="Highest balance: minutes", min_value=0, max_value=59, required=False, widget=numeric()
    )
    approval = forms.ChoiceField(
        label="Which exchanges does a broker approve?",
        choices=TimebankSettings.Approval.choices,
        widget=forms.RadioSelect,
    )
    approve_new_members = forms.TypedChoiceField(
        label="Does a broker approve each new member before they can exchange?",
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    group_rule = forms.ChoiceField(
        label="When one member runs a session for several",
        choices=TimebankSettings.GroupRule.choices,
        widget=forms.RadioSelect,
        help_text="docs/decisions/0005-one-to-many-exchanges.md explains the three rules.",
    )
    on_call_minutes_per_hour = forms.IntegerField(
        label="Credit for each hour on call, in minutes",
        min_value=0,
        max_value=60,
        help_text="For example 15: four hours on a crisis rota earn one hour. 0 gives no credit.",
        widget=numeric(),
    )
    wage_pounds = forms.DecimalField(
        label="Value of an hour, in pounds",
        min_value=Decimal("0"),
        max_value=Decimal("1000"),
        decimal_places=2,
        max_digits=6,
        help_text="Used to value time given in reports, for example 13.85 (the London Living Wage 2025/26).",
        widget=numeric("decimal"),
    )

    @classmethod
    def initial_for(cls, rules: TimebankSettings) -> dict:
        highest = rules.member_highest_balance
        return {
            "grant_hours": rules.joining_grant // 60,
            "grant_minutes": rules.joining_grant % 60,
            "debit_hours": -rules.member_lowest_balance // 60,
            "debit_minutes": -rules.member_lowest_balance % 60,
            "highest_hours": None if highest is None else highest // 60,
            "highest_minutes": None if highest is None else highest % 60,
            "approval": rules.approval,
            "approve_new_members": "yes" if rules.approve_new_members else "no",
            "group_rule": rules.group_rule,
            "on_call_minutes_per_hour": rules.on_call_minutes_per_hour,
            "wage_pounds": Decimal(rules.wage_pence_per_hour) / 100,
        }

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("highest_hours") is None and data.get("highest_minutes"):
            self.add_error("highest_hours", "Enter the hours too, or leave both blank for no limit.")
        return data

    def values(self) -> dict:
        """The settings as services.update_settings takes them (minutes and pence)."""
        data = self.cleaned_data
        highest = None
        if data["highest_hours"] is not None:
            highest = data["highest_hours"] * 60 + (data["highest_minutes"] or 0)
        return {
            "joining_grant": data["grant_hours"] * 60 + data["grant_minutes"],
            "member_lowest_balance": -(data["debit_hours"] * 60 + data["debit_minutes"]),
            "member_highest_balance": highest,
            "approval": data["approval"],
            "approve_new_members": data["approve_new_members"],
            "group_rule": data["group_rule"],
            "on_call_minutes_per_hour": data["on_call_minutes_per_hour"],
            "wage_pence_per_hour": int(data["wage_pounds"] * 100),
        }
