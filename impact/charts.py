"""Hand-made SVG charts. Presentation attributes only (fill=, stroke=), never style= or <style>, so the
SVG sits inside a page under our Content-Security-Policy and inside WeasyPrint's PDF. Each chart has a
<title> and <desc>, and every page shows the same figures in a table beside it.

Charts draw exactly what the table shows: a hidden count is not drawn (its label reads "fewer than 5"),
a rounded one is drawn at its rounded value.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

# NHS.UK palette: blue, dark blue, warm yellow, grey, green, dark pink.
COLOURS = ("#005eb8", "#003087", "#ffb81c", "#768692", "#007f3b", "#7c2855")
WIDTH = 640
TEXT = "#212b32"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: not drawn (hidden)
    text: str  # what the bar is labelled with, as in the table


def _nice_max(values: list[float]) -> float:
    top = max([v for v in values if v is not None] + [0.0])
    if top <= 0:
        return 1.0
    step = 10 ** (len(str(int(top))) - 1)
    return float(((int(top) // step) + 1) * step)


def bar_chart(
    *, chart_id: str, title: str, description: str, series: list[tuple[str, list[Bar]]], unit: str = ""
) -> str:
    """Grouped vertical bars: one group per category, one bar per series (e.g. before and after)."""
    categories = [bar.label for bar in series[0][1]] if series else []
    values = [bar.value for _, bars in series for bar in bars if bar.value is not None]
    top = _nice_max(values)
    left, right, top_pad, bottom = 60, 20, 40, 70
    height = 300
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    group_w = plot_w / max(1, len(categories))
    bar_w = min(48.0, group_w * 0.8 / max(1, len(series)))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" ',
        *_heading(chart_id, title, description),
        _axis(left, top_pad + plot_h, WIDTH - right),
    ]
    for i in range(5):
        y = top_pad + plot_h - plot_h * i / 4
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">'
            f"{escape(_fmt(top * i / 4))}{escape(unit)}</text>"
        )
    for g, category in enumerate(categories):
        gx = left + g * group_w + (group_w - bar_w * len(series)) / 2
        for s, (_, bars) in enumerate(series):
            bar = bars[g]
            x = gx + s * bar_w
            if bar.value is not None and bar.value > 0:
                h = plot_h * bar.value / top
                out.append(
                    f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w - 2:.1f}" '
                    f'height="{h:.1f}" fill="{COLOURS[s % len(COLOURS)]}"/>'
                )
                label_y = top_pad + plot_h - h - 4
            else:
                label_y = top_pad + plot_h - 4
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{label_y:.1f}" text-anchor="middle" fill="{TEXT}" '
                f'font-size="10">{escape(bar.text)}</text>'
            )
        out.append(
            f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{top_pad + plot_h + 16}" '
            f'text-anchor="middle" fill="{TEXT}">{escape(category)}</text>'
        )
    for s, (name, _) in enumerate(series):
        x = left + s * 160
        out.append(
            f'<rect x="{x}" y="{height - 24}" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>'
        )
        out.append(f'<text x="{x + 18}" y="{height - 14}" fill="{TEXT}">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def line_chart(
    *, chart_id: str, title: str, description: str, points: list[tuple[str, float | None, str]]
) -> str:
    """One line through (label, value) points; None values are gaps (a moment with too few people)."""
    values = [v for _, v, _ in points if v is not None]
    top = _nice_max(values)
    left, right, top_pad, bottom, height = 60, 20, 30, 50, 260
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    step = plot_w / max(1, len(points) - 1) if len(points) > 1 else 0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" ',
        *_heading(chart_id, title, description),
        _axis(left, top_pad + plot_h, WIDTH - right),
    ]
    coords = []
    for i, (label, value, text) in enumerate(points):
        x = left + i * step if len(points) > 1 else left + plot_w / 2
        out.append(
            f'<text x="{x:.1f}" y="{top_pad + plot_h + 16}" text-anchor="middle" fill="{TEXT}">'
            f"{escape(label)}</text>"
        )
        if value is None:
            coords.append(None)
            continue
        y = top_pad + plot_h - plot_h * value / top
        coords.append((x, y))
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{COLOURS[0]}"/>')
        out.append(
            f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" fill="{TEXT}">{escape(text)}</text>'
        )
    for a, b in zip(coords, coords[1:], strict=False):
        if a and b:
            out.append(
                f'<line x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" y2="{b[1]:.1f}" '
                f'stroke="{COLOURS[0]}" stroke-width="2"/>'
            )
    out.append("</svg>")
    return "".join(out)


def _heading(chart_id: str, title: str, description: str) -> list[str]:
    return [
        f'aria-labelledby="{chart_id}-t {chart_id}-d" font-family="Arial, sans-serif" font-size="12">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]


def _axis(x1: float, y: float, x2: float) -> str:
    return f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{TEXT}"/>'


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
