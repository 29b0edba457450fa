"""The spreadsheet: one sheet per section, captions kept, and nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from impact.exports import _cell, spreadsheet
from impact.presenting import Section, Table


def sections():
    return [
        Section(
            key="a",
            heading="Outcomes",
            intro="Intro text",
            notes=["A note"],
            tables=[
                Table(
                    "Caption, 1 January 2025 to 31 December 2025. Source: ONS4",
                    ["Group", "People"],
                    [["Improved", "12"], ['=HYPERLINK("http://x")', "+1"]],
                )
            ],
        ),
        Section(key="b", heading="Costs avoided / saved", tables=[]),
    ]


def test_one_sheet_per_section_with_captions_headers_and_rows():
    book = load_workbook(
        io.BytesIO(spreadsheet(title="Impact report: Riverside", period="2025", sections=sections()))
    )
    assert book.sheetnames == ["Report", "Outcomes", "Costs avoided   saved"]
    rows = [r for r in book["Outcomes"].iter_rows(values_only=True)]
    flat = [c for r in rows for c in r if c]
    assert flat[:3] == ["Outcomes", "Intro text", "A note"]
    assert "Caption, 1 January 2025 to 31 December 2025. Source: ONS4" in flat
    assert ["Group", "People"] in [list(r[:2]) for r in rows]
    assert book["Report"]["A1"].value == "Impact report: Riverside"


def test_cells_that_would_run_as_formulas_stay_text():
    book = load_workbook(io.BytesIO(spreadsheet(title="t", period="p", sections=sections())))
    values = [c for r in book["Outcomes"].iter_rows(values_only=True) for c in r if c]
    assert '\'=HYPERLINK("http://x")' in values and "'+1" in values
    assert all(not str(v).startswith(("=", "+", "@")) for v in values)


def test_cell_prefixing():
    assert _cell("=1+1") == "'=1+1"
    assert _cell("-3") == "'-3"
    assert _cell("@SUM") == "'@SUM"
    assert _cell("12") == "12"
    assert _cell("") == ""
