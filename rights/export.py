"""The subject access archive: one .zip with the JSON (every row, field names, ISO dates, choices with
their labels) and a PDF a member can read, grouped by part. Built from rights.queries.subject_data, the
same data as the page."""

from __future__ import annotations

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from rights.queries import SubjectData
from support.pdf import PdfUnavailable, _render

README = """This archive holds everything {hub} keeps about you, as it was on {date}.

record.json  every row about you, from every part of the service, with each field's name. Dates are
             written as YYYY-MM-DD; a choice shows both its stored value and its label.
record.pdf   the same, to read or print{pdf_note}.

Some records are kept after erasure because the law asks the hub to keep them; the PDF says which.
Questions: ask the hub's coordinator, or see docs/guides/member-rights.md.
"""


def filename(data: SubjectData) -> str:
    return f"coproduce-record-{data.person.pk}-{timezone.localdate():%Y-%m-%d}.zip"


def as_json(data: SubjectData) -> bytes:
    return json.dumps(data.as_json(), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()


def as_html(data: SubjectData) -> str:
    """The readable record as one self-contained page (every value escaped by the template)."""
    return render_to_string("rights/export_pdf.html", {"data": data})


def archive(data: SubjectData) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("record.json", as_json(data))
        html = as_html(data)
        try:
            zf.writestr("record.pdf", _render(html))
            pdf_note = ""
        except PdfUnavailable:
            # A server without pango: the same readable record as a web page.
            zf.writestr("record.html", html)
            pdf_note = " (this server could not make PDFs, so record.html holds it instead)"
        zf.writestr(
            "README.txt",
            README.format(hub=data.person.hub.name, date=f"{data.made_at:%-d %B %Y}", pdf_note=pdf_note),
        )
    return buffer.getvalue()
