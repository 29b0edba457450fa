"""Hand-made SVG for the wedge and the trend chart. Only presentation attributes (fill=, stroke=),
never style attributes, because the Content-Security-Policy forbids inline styles; the same strings
go into the PDF. Every chart carries <title> and <desc>, and pages show a table beside it."""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence

from django.utils.html import escape

from practice.frameworks import PRINCIPLES

# White for "nothing happens" (000 l.136) to NHS dark blue for "embedded".
DARK = (0, 48, 135)
INK = "#212b32"
TREND_COLOURS = ("#005eb8", "#007f3b", "#d5281b", "#330072", "#7c2855", "#425563")
TREND_DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")


def shade(value: float | None) -> str:
    """The fill for a score on the 0-1 scale: white at 0 (or no answers), deepening to dark blue."""
    v = 0.0 if value is None else min(max(value, 0.0), 1.0)
    r, g, b = (round(255 + v * (c - 255)) for c in DARK)
    return f"#{r:02x}{g:02x}{b:02x}"


def _uid(*parts: object) -> str:
    # Stable ids for aria-labelledby, different for each chart on a page.
    return format(zlib.crc32(repr(parts).encode()), "x")


def percent(value: float | None) -> str:
    return "no answers" if value is None else f"{round(value * 100)}%"


def _point(cx: float, cy: float, r: float, degrees: float) -> tuple[float, float]:
    a = math.radians(degrees)
    return cx + r * math.cos(a), cy + r * math.sin(a)


def wedge_svg(values: Sequence[float | None], *, title: str) -> str:
    """Six segments, one per principle in order, each filled by its score; white where nothing happens."""
    if len(values) != len(PRINCIPLES):
        raise ValueError(f"A wedge needs {len(PRINCIPLES)} values, got {len(values)}.")
    cx, cy, r = 220.0, 150.0, 100.0
    desc = "; ".join(f"{p.name}: {percent(v)}" for p, v in zip(PRINCIPLES, values, strict=True))
    uid = "w" + _uid(title, values)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 440 300" width="100%" '
        f'role="img" aria-labelledby="{uid}-t {uid}-d" class="practice-wedge">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        f'<desc id="{uid}-d">{escape(desc)}</desc>',
    ]
    for i, (principle, value) in enumerate(zip(PRINCIPLES, values, strict=True)):
        start, end = -90 + 60 * i, -30 + 60 * i
        x1, y1 = _point(cx, cy, r, start)
        x2, y2 = _point(cx, cy, r, end)
        dash = ' stroke-dasharray="4 3"' if value is None else ""
        parts.append(
            f'<path d="M{cx:.1f},{cy:.1f} L{x1:.1f},{y1:.1f} A{r:.0f},{r:.0f} 0 0 1 {x2:.1f},{y2:.1f} Z" '
            f'fill="{shade(value)}" stroke="{INK}" stroke-width="1.5"{dash}/>'
        )
        middle = start + 30
        tx, ty = _point(cx, cy, r * 0.62, middle)
        label = "–" if value is None else f"{round(value * 100)}"
        # The score sits on a white disc so it reads at any depth of colour (WCAG contrast).
        parts.append(
            f'<circle cx="{tx:.1f}" cy="{ty:.1f}" r="16" fill="#ffffff" stroke="{INK}" stroke-width="1"/>'
            f'<text x="{tx:.1f}" y="{ty + 5:.1f}" text-anchor="middle" font-size="14" '
            f'font-family="Arial, sans-serif" fill="{INK}">{label}</text>'
        )
        lx, ly = _point(cx, cy, r + 12, middle)
        anchor = "start" if i < 3 else "end"
        parts.append(
            f'<text x="{lx:.1f}" y="{ly + 5:.1f}" text-anchor="{anchor}" font-size="15" '
            f'font-family="Arial, sans-serif" fill="{INK}">{escape(principle.name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def trend_svg(rounds: Sequence[str], series: Mapping[str, Sequence[float | None]], *, title: str) -> str:
    """Overall score per principle (lines) across closed rounds (x axis), oldest first."""
    width, height, left, right, top, bottom = 640, 320, 50, 170, 20, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(rounds), 1)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - v)

    lines = []
    for p, values in series.items():
        name = next(pr.name for pr in PRINCIPLES if pr.key == p)
        lines.append(f"{name}: " + ", ".join(percent(v) for v in values))
    uid = "t" + _uid(title, rounds)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{uid}-t {uid}-d" class="practice-trend">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        f'<desc id="{uid}-d">{escape("; ".join(lines))}</desc>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + plot_w}" y2="{y(tick):.1f}" '
            f'stroke="#d8dde0" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
            f'font-family="Arial, sans-serif" fill="{INK}">{round(tick * 100)}%</text>'
        )
    for i, name in enumerate(rounds):
        short = name if len(name) <= 18 else name[:17] + "…"
        parts.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle" font-size="11" '
            f'font-family="Arial, sans-serif" fill="{INK}">{escape(short)}</text>'
        )
    for k, (p, values) in enumerate(series.items()):
        colour, dash = TREND_COLOURS[k % 6], TREND_DASHES[k % 6]
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(points) > 1:
            coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            )
        for px, py in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}"/>')
        name = next(pr.name for pr in PRINCIPLES if pr.key == p)
        ly = top + 14 + 22 * k
        parts.append(
            f'<line x1="{width - right + 12}" y1="{ly - 4}" x2="{width - right + 40}" y2="{ly - 4}" '
            f'stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            f'<text x="{width - right + 46}" y="{ly}" font-size="12" font-family="Arial, sans-serif" '
            f'fill="{INK}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
