"""The report as a PDF (WeasyPrint) and a spreadsheet (openpyxl), from the same sections as the page."""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font

from core.spreadsheets import safe_xlsx_cell
from impact.presenting import Section


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load pango on this server."""


def pdf(context: dict) -> bytes:
    # Imported here: WeasyPrint loads pango, which only the PDF needs.
    try:
        from weasyprint import CSS, HTML, URLFetcher
    except OSError as error:
        raise PdfUnavailable(str(error)) from error
    html = render_to_string("impact/report_pdf.html", context)
    css = render_to_string("impact/report_pdf.css")
    # Nothing is fetched: the report is self-contained (charts are inline SVG), and text that hubs typed
    # must never make the server load a URL.
    no_fetch = URLFetcher(allowed_protocols=())
    return HTML(string=html, url_fetcher=no_fetch).write_pdf(
        stylesheets=[CSS(string=css, url_fetcher=no_fetch)]
    )


def _cell(value: str) -> str:
    # Minus signs on our own numbers come through as text too (the rows are the page's formatted
    # text), which is what the page shows.
    return safe_xlsx_cell(value)


def spreadsheet(*, title: str, period: str, sections: list[Section]) -> bytes:
    """One sheet per section; each table under its caption (which holds the period, n and source)."""
    book = Workbook()
    cover = book.active
    cover.title = "Report"
    cover.append([_cell(title)])
    cover["A1"].font = Font(bold=True, size=14)
    cover.append([_cell(period)])
    cover.append(
        ["Counts below 5 are hidden outside the team, and totals that would reveal them are rounded."]
    )
    for section in sections:
        sheet = book.create_sheet(section.heading[:31].replace("/", " "))
        sheet.append([_cell(section.heading)])
        sheet["A1"].font = Font(bold=True, size=13)
        if section.intro:
            sheet.append([_cell(section.intro)])
        for note in section.notes:
            sheet.append([_cell(note)])
        for table in section.tables:
            sheet.append([])
            sheet.append([_cell(table.caption)])
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
            sheet.append([_cell(h) for h in table.headers])
            for row in table.rows:
                sheet.append([_cell(str(v)) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
