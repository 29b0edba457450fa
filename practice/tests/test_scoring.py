"""Scores and wedge values for known answers, worked out by hand (decision 0011)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practice import queries
from practice.frameworks import DEFAULT_STATEMENTS, PRINCIPLE_KEYS
from practice.models import Perspective
from practice.queries import PrincipleScore, scores_from_totals
from practice.tests.conftest import answered_round
from practice.wedge import shade, trend_svg, wedge_svg


def test_the_default_set_has_statements_for_every_principle():
    assert {p for p, _ in DEFAULT_STATEMENTS} == set(PRINCIPLE_KEYS)
    counts = {k: sum(1 for p, _ in DEFAULT_STATEMENTS if p == k) for k in PRINCIPLE_KEYS}
    assert counts == {
        "assets": 3,
        "capabilities": 3,
        "mutuality": 4,
        "networks": 3,
        "blurring_roles": 3,
        "catalysts": 3,
    }


def by_key(scores):
    return {s.key: s for s in scores}


@pytest.mark.django_db
def test_it_scores_each_principle_from_known_answers(cast):
    scores = by_key(queries.round_scores(answered_round(cast)))
    # Assets: staff 3,3 on three statements each -> 18/18; members 1 and 2 -> 9/18.
    assert scores["assets"].staff == pytest.approx(1.0)
    assert scores["assets"].members == pytest.approx(0.5)
    assert scores["assets"].overall == pytest.approx(0.75)
    # Capabilities: staff (2+1)x3 / 18 = 0.5; members (2+2)x3 / 18 = 2/3.
    assert scores["capabilities"].staff == pytest.approx(0.5)
    assert scores["capabilities"].members == pytest.approx(2 / 3)
    assert scores["capabilities"].overall == pytest.approx(7 / 12)
    # Mutuality has four statements: staff (3+2)x4 / 24; members (1+1)x4 / 24.
    assert scores["mutuality"].staff == pytest.approx(20 / 24)
    assert scores["mutuality"].members == pytest.approx(8 / 24)
    # Networks: members see more than staff.
    assert scores["networks"].staff == pytest.approx(6 / 18)
    assert scores["networks"].members == pytest.approx(15 / 18)
    # Blurring roles: Lin said "don't know" to all three, so only Cora's 2s count for staff.
    assert scores["blurring_roles"].staff == pytest.approx(6 / 9)
    assert scores["blurring_roles"].members == pytest.approx(3 / 18)
    # Catalysts: nothing happening for anyone.
    assert scores["catalysts"].staff == 0
    assert scores["catalysts"].members == 0
    assert scores["catalysts"].overall == 0


@pytest.mark.django_db
def test_it_calls_out_the_gaps_between_staff_and_members(cast):
    report = queries.round_report(answered_round(cast))
    gaps = {s.key: round(s.gap, 4) for s in report.gaps}
    # Capabilities differ by only 1/6 and catalysts not at all, so neither is called out.
    assert gaps == {"assets": 0.5, "mutuality": 0.5, "networks": -0.5, "blurring_roles": 0.5}
    assert report.counts == {"staff": 2, "members": 2}
    # The weakest principles overall: catalysts (0), then blurring roles (5/12 ≈ 0.42 < networks 7/12).
    assert [s.key for s in report.weakest] == ["catalysts", "blurring_roles"]


def test_a_gap_of_exactly_a_quarter_is_called_out_and_less_is_not():
    assert PrincipleScore("assets", "Assets", staff=0.75, members=0.5).gap_is_large
    assert not PrincipleScore("assets", "Assets", staff=0.74, members=0.5).gap_is_large
    assert not PrincipleScore("assets", "Assets", staff=0.75, members=None).gap_is_large


def test_overall_weighs_staff_and_members_equally_however_many_answer():
    # Three staff ratings of 3 and one member rating of 0: pooled would be 0.75; ours is 0.5.
    scores = by_key(
        scores_from_totals([(Perspective.STAFF, "assets", 9, 3), (Perspective.MEMBER, "assets", 0, 1)])
    )
    assert scores["assets"].overall == pytest.approx(0.5)


def test_a_principle_with_only_one_perspective_takes_that_score_and_none_without_answers():
    scores = by_key(scores_from_totals([(Perspective.MEMBER, "networks", 4, 3)]))
    assert scores["networks"].staff is None
    assert scores["networks"].overall == pytest.approx(4 / 9)
    assert scores["assets"].overall is None
    assert scores["assets"].gap is None


def test_shade_is_white_where_nothing_happens_and_dark_blue_when_embedded():
    assert shade(0) == "#ffffff"
    assert shade(None) == "#ffffff"
    assert shade(1) == "#003087"
    assert shade(0.5) == "#8098c3"
    assert shade(1.7) == "#003087"


def test_the_wedge_is_six_segments_coloured_by_score_with_a_text_alternative():
    svg = wedge_svg([1.0, 0.5, 0.0, None, 0.25, 0.75], title="Staff wedge")
    assert svg.count("<path ") == 6
    fills = re.findall(r'<path [^>]*fill="(#[0-9a-f]{6})"', svg)
    assert fills == ["#003087", "#8098c3", "#ffffff", "#ffffff", shade(0.25), shade(0.75)]
    assert "<title" in svg and ">Staff wedge</title>" in svg
    assert "Assets: 100%; Capabilities: 50%; Mutuality: 0%; Networks: no answers" in svg
    assert 'role="img"' in svg
    # The Content-Security-Policy forbids inline styles, in SVG too.
    assert "style=" not in svg
    # No answers is drawn dashed so it is not mistaken for "nothing happens".
    assert svg.count("stroke-dasharray") == 1


def test_the_wedge_escapes_its_title_and_refuses_the_wrong_number_of_values():
    assert "&lt;b&gt;" in wedge_svg([0] * 6, title="<b>")
    with pytest.raises(ValueError):
        wedge_svg([0.5] * 5, title="Too few")


def test_the_trend_chart_has_a_line_per_principle_and_no_inline_styles():
    series = {k: [0.2, 0.4, None] for k in PRINCIPLE_KEYS}
    svg = trend_svg(["Spring", "Autumn", "Winter"], series, title="Trend")
    assert svg.count("<polyline") == 6
    assert "style=" not in svg
    assert "Assets: 20%, 40%, no answers" in svg


@given(
    st.lists(
        st.tuples(
            st.sampled_from([Perspective.STAFF, Perspective.MEMBER]),
            st.sampled_from(PRINCIPLE_KEYS),
            st.integers(min_value=1, max_value=40),
        ),
        max_size=12,
        unique_by=lambda t: (t[0], t[1]),
    ),
    st.randoms(),
)
def test_scores_stay_between_0_and_1_and_overall_between_the_two_perspectives(rows, rnd):
    totals = [(p, k, rnd.randint(0, 3 * n), n) for p, k, n in rows]
    for score in scores_from_totals(totals):
        for value in (score.staff, score.members, score.overall):
            assert value is None or 0 <= value <= 1
        if score.staff is not None and score.members is not None:
            low, high = sorted([score.staff, score.members])
            assert low - 1e-9 <= score.overall <= high + 1e-9
