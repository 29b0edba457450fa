"""Referrals from a spreadsheet (CSV), for teams that receive lists from GP practices or partners.

Every row is checked first and every problem is listed with its line number; only a file with no
problem is written, in one transaction, through the same `create_referral` the forms and the API use.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db import transaction

from core.errors import DomainError
from core.roles import Actor
from core.uploads import UnreadableFile, decode_utf8
from support import permissions, services
from support.models import Referral, SupportService

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
MAX_PROBLEMS = 50
REQUIRED = ("full_name", "source", "reasons")
COLUMNS = (
    "full_name",
    "date_of_birth",
    "postcode",
    "nhs_number",
    "email",
    "phone",
    "gp_practice",
    "source",
    "reasons",
    "reason_detail",
    "urgency",
    "referrer_name",
    "referrer_organisation",
    "referrer_email",
    "referrer_phone",
    "referrer_address",
    "consent_to_report_back",
)
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


class ImportRejected(DomainError):
    """The file has problems; nothing was written. `problems` lists them, line by line."""

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message, {"file": problems})
        self.problems = problems


@dataclass(frozen=True)
class Row:
    line: int
    data: dict[str, object]


def template_csv() -> str:
    """An empty file with the right header, for staff to download and fill in."""
    return ",".join(COLUMNS) + "\r\n"


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    if len(content) > MAX_BYTES:
        raise ImportRejected(
            "The file is too large.", [f"Upload at most {MAX_BYTES // (1024 * 1024)} MB at once."]
        )
    try:
        return decode_utf8(content) if content.strip() else ""
    except UnreadableFile as error:
        # The detail says what the file is instead (UTF-16, Latin-1, not text) and how to save it.
        raise ImportRejected("The file is not a CSV we can read.", [error.message]) from None


def parse(content: bytes | str) -> list[Row]:
    """The file's rows as referral data, or ImportRejected listing every problem with the header,
    the size or a cell that cannot be read (dates and the rest are checked by the service)."""
    text = _decode(content)
    if len(text) > MAX_BYTES:
        raise ImportRejected(
            "The file is too large.", [f"Upload at most {MAX_BYTES // (1024 * 1024)} MB at once."]
        )
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRejected("The file is empty.", ["Add a header row and one row per referral."]) from None
    except csv.Error as exc:
        raise ImportRejected("The file is not a CSV we can read.", [f"Line 1: {exc}"]) from None
    names = [h.strip().lower().replace(" ", "_") for h in header]
    problems = []
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        problems.append(f"Unknown columns: {', '.join(unknown[:10])}. The columns are: {', '.join(COLUMNS)}.")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        problems.append(f"Missing columns: {', '.join(missing)}.")
    if len(set(names)) != len(names):
        problems.append("A column appears twice.")
    if problems:
        raise ImportRejected("The columns are not the ones we expect; nothing was added.", problems)
    rows: list[Row] = []
    seen = 0
    try:
        for record in reader:
            # reader.line_num counts physical lines, so quoted line breaks and blank lines keep the
            # numbers people see in their spreadsheet.
            if not any(cell.strip() for cell in record):
                continue
            seen += 1
            if seen > MAX_ROWS:
                raise ImportRejected(
                    "The file has too many rows; nothing was added.",
                    [f"Upload at most {MAX_ROWS} referrals at once; split the file and upload each part."],
                )
            if len(record) != len(names):
                problems.append(
                    f"Line {reader.line_num}: has {len(record)} cells; the header has {len(names)}."
                )
                continue
            data: dict[str, object] = {n: v.strip() for n, v in zip(names, record, strict=True)}
            consent = str(data.get("consent_to_report_back", "")).lower()
            if consent in YES:
                data["consent_to_report_back"] = True
            elif consent in NO:
                data["consent_to_report_back"] = False
            else:
                problems.append(f"Line {reader.line_num}: consent_to_report_back must be yes or no.")
                continue
            rows.append(Row(line=reader.line_num, data=data))
    except csv.Error as exc:
        raise ImportRejected(
            "The file is not a CSV we can read.", [f"Line {reader.line_num}: {exc}"]
        ) from None
    if problems:
        raise ImportRejected(_summary(len(problems)), _capped(problems))
    if not rows:
        raise ImportRejected(
            "The file has no referrals in it.", ["Add one row per referral under the header."]
        )
    return rows


def _summary(count: int) -> str:
    return f"{count} row{'s' if count != 1 else ''} need changing; nothing was added."


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"…and {len(problems) - MAX_PROBLEMS} more."]


def import_referrals(*, actor: Actor, service: SupportService, content: bytes | str) -> list[Referral]:
    """Check every row, then add them all in one transaction, or raise ImportRejected and add none."""
    if not permissions.can_upload_referrals(actor):
        services._refuse()
    rows = parse(content)
    problems = []
    for row in rows:
        try:
            services.clean_referral_data(service, row.data)
        except DomainError as exc:
            detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.field_errors.items())
            problems.append(f"Line {row.line}: {detail or exc.message}")
    if problems:
        raise ImportRejected(_summary(len(problems)), _capped(problems))
    with transaction.atomic():
        return [
            services.create_referral(
                actor=actor, service=service, data=row.data, channel=Referral.Channel.UPLOAD
            )
            for row in rows
        ]
