"""Charts are plain SVG with a title and description, no inline styles, and draw what the table shows."""

from __future__ import annotations

from impact import charts


def bars():
    return [
        ("Baseline", [charts.Bar("Low", 12, "12"), charts.Bar("High", None, "fewer than 5")]),
        ("Follow-up", [charts.Bar("Low", 6, "6"), charts.Bar("High", 9, "9")]),
    ]


def test_bar_chart_is_accessible_svg_without_styles():
    svg = charts.bar_chart(chart_id="c1", title="Bands", description="People per band", series=bars())
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'aria-labelledby="c1-t c1-d"' in svg and '<title id="c1-t">Bands</title>' in svg
    assert "style" not in svg


def test_a_hidden_bar_is_not_drawn_but_labelled():
    svg = charts.bar_chart(chart_id="c1", title="Bands", description="d", series=bars())
    assert svg.count("<rect") == 3 + 2  # three drawn bars and two legend keys
    assert "fewer than 5" in svg


def test_text_is_escaped():
    svg = charts.bar_chart(
        chart_id="c", title="<b>&", description="d", series=[("s", [charts.Bar("<x>", 1, "1")])]
    )
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg and "&lt;x&gt;" in svg


def test_line_chart_leaves_gaps_for_hidden_points():
    svg = charts.line_chart(
        chart_id="l",
        title="Over time",
        description="d",
        points=[("Baseline", 5.0, "5.00"), ("3 months", None, "not shown"), ("6 months", 6.5, "6.50")],
    )
    assert svg.count("<circle") == 2
    assert "<line" in svg and svg.count("stroke-width") == 0  # no segment joins across the gap
