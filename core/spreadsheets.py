"""Spreadsheets and CSV files that people open: text that a spreadsheet would run stays text.

A cell whose text begins with = + - @ (or a tab or carriage return, which some spreadsheets skip
before looking for one of those) is run as a formula by Excel, LibreOffice and Google Sheets, so a
member who names themselves `=HYPERLINK("http://evil","x")` could plant a link or worse in a report a
coordinator opens (OWASP, "CSV Injection"). Every export meant for people passes its cells through
`safe_cell`: such text gets a leading single quote, which spreadsheets show as plain text.

Numbers stay numbers: only text is changed, so a negative balance written as the number -90 is still
a number a spreadsheet can add up. Machine interchange files (the directory's HSDS package) are not
escaped: they must round-trip exactly; see docs/decisions/0014-formula-injection-and-logs.md.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value to write: text that a spreadsheet would run as a formula gets a leading quote;
    numbers, dates and everything that is not text are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_xlsx_cell(value: Any) -> Any:
    """As safe_cell, and without the control characters an .xlsx file cannot hold (openpyxl refuses
    them, so one odd byte in a member's text would otherwise stop the whole export)."""
    value = safe_cell(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


class SafeWriter:
    """csv.writer whose every cell goes through safe_cell."""

    def __init__(self, stream: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(stream: Any, **kwargs: Any) -> SafeWriter:
    return SafeWriter(stream, **kwargs)
