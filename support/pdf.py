"""Printable PDFs: a member's plan and a letter to a referrer. The HTML is built here with every value
escaped, so no template and no member-written text can make WeasyPrint fetch anything.

WeasyPrint needs Debian's pango; a server without it raises PdfUnavailable and pages offer the plan
or the letter as a web page instead (as the time-bank statement does).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.html import escape

from support.models import PlanVersion, ReferrerMessage
from support.plans import CRISIS_TEXTS, WELLBEING_LISTS, WHO

CSS = """
@page { size: A4; margin: 18mm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 11pt; color: #212b32; }
h1 { font-size: 18pt; margin: 0 0 4mm; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; }
.meta { color: #4c6272; font-size: 9pt; }
ul { margin: 0 0 2mm 5mm; padding: 0; }
pre { font-family: inherit; white-space: pre-wrap; }
"""


class PdfUnavailable(Exception):
    """WeasyPrint could not load pango on this server."""


def _render(html: str) -> bytes:
    # Imported here: WeasyPrint loads pango, which only PDFs need.
    try:
        from weasyprint import CSS as WeasyCSS
        from weasyprint import HTML, URLFetcher
    except OSError as exc:
        raise PdfUnavailable("PDFs are not available on this server.") from exc
    no_fetch = URLFetcher(allowed_protocols=())
    return HTML(string=html, url_fetcher=no_fetch).write_pdf(
        stylesheets=[WeasyCSS(string=CSS, url_fetcher=no_fetch)]
    )


def _items(items: list[str]) -> str:
    if not items:
        return "<p>Nothing written yet.</p>"
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def plan_html(version: PlanVersion) -> str:
    """The plan version as a self-contained HTML page (also what pages show when PDFs are unavailable)."""
    plan = version.plan
    content: dict[str, Any] = version.content
    parts = [
        f"<h1>{escape(plan.get_kind_display())}</h1>",
        f"<p class='meta'>{escape(plan.person.display_name)}'s plan · version {version.number} · saved "
        f"{timezone.localtime(version.created_at):%-d %B %Y} by {escape(version.created_by_label)}</p>",
    ]
    if plan.kind == "goals":
        for goal in content.get("goals", []):
            parts.append(f"<h2>{escape(goal['title'])} ({goal['progress']}% of the way)</h2>")
            steps = [
                f"{'✓ ' if s['done'] else ''}{s['text']} — {WHO[s['who']]}"
                + (f", by {s['due']}" if s["due"] else "")
                for s in goal["steps"]
            ]
            parts.append(_items(steps))
    elif plan.kind == "wellbeing":
        for key, label in WELLBEING_LISTS.items():
            parts.append(f"<h2>{escape(label)}</h2>{_items(content.get(key, []))}")
    else:
        for key, label in CRISIS_TEXTS.items():
            parts.append(
                f"<h2>{escape(label)}</h2><pre>{escape(content.get(key) or 'Nothing written yet.')}</pre>"
            )
        people = [
            f"{c['name']}"
            + (f" ({c['relationship']})" if c["relationship"] else "")
            + (f": {c['phone']}" if c["phone"] else "")
            for c in content.get("who_to_call", [])
        ]
        parts.append(f"<h2>Who to call</h2>{_items(people)}")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'></head><body>"
        + "".join(parts)
        + "</body></html>"
    )


def plan_pdf(version: PlanVersion) -> bytes:
    return _render(plan_html(version))


def letter_html(message: ReferrerMessage) -> str:
    referral = message.referral
    address = "<br>".join(
        escape(line.strip()) for line in referral.referrer_address.split(",") if line.strip()
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'></head><body>"
        f"<p class='meta'>{escape(referral.hub.name)}</p>"
        f"<p>{escape(referral.referrer_name)}<br>{address}</p>"
        f"<p>{timezone.localtime(message.created_at):%-d %B %Y}</p>"
        f"<h1>{escape(message.subject)}</h1><pre>{escape(message.body)}</pre></body></html>"
    )


def letter_pdf(message: ReferrerMessage) -> bytes:
    return _render(letter_html(message))
