"""Turns a queries.Report into what the page, the PDF and the spreadsheet show, with suppression applied
once, here, so the three can never disagree. Every table row carries its period, n and source."""

from __future__ import annotations

from dataclasses import dataclass, field

from impact import charts
from impact import suppression as sup
from impact.costs import total_avoided
from impact.queries import CohortChange, ModelView, Report

NOT_SHOWN_SMALL = "Not shown: a count here is below 5."


@dataclass
class Row:
    label: str
    value: str
    n: str = ""
    source: str = ""


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    numeric_from: int = 1  # columns from this index are numbers (right-aligned)


@dataclass
class Section:
    key: str
    heading: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # SVG strings
    notes: list[str] = field(default_factory=list)


def _period(report: Report) -> str:
    return f"{report.start:%-d %B %Y} to {report.end:%-d %B %Y}"


def _num(value: float | None, places: int = 1) -> str:
    return "—" if value is None else f"{value:+.{places}f}" if places else f"{value:,.0f}"


def activity_section(report: Report) -> Section:
    a, hide = report.activity, report.suppressed
    period = _period(report)
    rows = [
        [
            "Referrals received",
            str(sup.one(a.referrals, suppress=hide)),
            "Support: referrals by date received",
        ],
        ["Support sessions held", str(sup.one(a.sessions, suppress=hide)), "Support: sessions by date held"],
        [
            "Hours exchanged between people",
            f"{a.hours_minutes / 60:,.1f}",
            "Time bank: exchanges, group and bulk credits, not reversed",
        ],
        [
            "Value of hours exchanged at the hub's wage",
            f"£{a.hours_value_pence / 100:,.0f}",
            "Time bank: hours × the hub's wage setting",
        ],
        [
            "Onward referrals completed (attended or still going)",
            str(sup.one(a.onward_completed, suppress=hide)),
            "Support: onward referrals by last update",
        ],
        [
            "Course completions",
            str(sup.one(a.course_completions, suppress=hide)),
            "Groups: enrolments meeting the course's attendance rule",
        ],
    ]
    return Section(
        key="activity",
        heading="Activity",
        tables=[Table(f"Activity, {period}", ["Measure", "Count or amount", "Source"], rows, numeric_from=1)],
    )


def _change_tables(
    report: Report, change: CohortChange, index: int
) -> tuple[list[Table], list[str], list[str]]:
    hide, period = report.suppressed, _period(report)
    c = change.change
    counts = [c.improved, c.same, c.worse, c.lost]
    parts, total = sup.breakdown(counts, suppress=hide)
    exact = all(p.exact for p in parts) and total.exact
    direction = "higher is better" if change.higher_is_better else "lower is better"
    source = f"{change.name}, {change.score_label} ({direction}); paired baseline and latest follow-up"
    labels = [
        f"Improved by {change.threshold:g} or more",
        "About the same",
        f"Worse by {change.threshold:g} or more",
        "Lost to follow-up (no follow-up yet or could not reach)",
    ]
    rows = [[label, str(p)] for label, p in zip(labels, parts, strict=True)]
    rows.append(["Everyone with a baseline in the period", str(total)])
    notes = []
    enough = c.n >= sup.SMALL or not hide
    if exact and c.n:
        rows.insert(3, ["People with both a baseline and a follow-up (n)", f"{c.n:,}"])
    elif not exact:
        notes.append("Some counts are below 5, so they are hidden and the others rounded.")
    tables = [Table(f"{change.name}: who changed, {period}. Source: {source}", ["Group", "People"], rows)]
    if enough and c.mean_change is not None:
        ci = "needs 2 or more people" if c.ci_low is None else f"{c.ci_low:+.2f} to {c.ci_high:+.2f}"
        tables.append(
            Table(
                f"{change.name}: mean change in {change.score_label}, {period}",
                ["Measure", "Value"],
                [
                    ["Mean at baseline", f"{c.baseline_mean:.2f}"],
                    ["Mean at follow-up", f"{c.follow_up_mean:.2f}"],
                    ["Mean change", f"{c.mean_change:+.2f}"],
                    ["95% confidence interval (t distribution)", ci],
                    ["People (n)", f"{c.n:,}" if exact else "see above"],
                ],
            )
        )
    else:
        notes.append("The mean change is not shown: fewer than 5 people have both answers.")
    charts_out = []
    if exact and change.band_order and c.n:
        band_rows = []
        before_bars, after_bars = [], []
        for band in change.band_order:
            b, a = change.bands_before.get(band, 0), change.bands_after.get(band, 0)
            band_rows.append([band, f"{b:,}", f"{a:,}"])
            if hide and (sup.is_small(b) or sup.is_small(a)):
                band_rows = []
                break
            before_bars.append(charts.Bar(band, b, f"{b:,}"))
            after_bars.append(charts.Bar(band, a, f"{a:,}"))
        if band_rows:
            tables.append(
                Table(
                    f"{change.name}: {change.score_label} bands before and after (n = {c.n:,}), {period}",
                    ["Band", "Baseline", "Latest follow-up"],
                    band_rows,
                )
            )
            charts_out.append(
                charts.bar_chart(
                    chart_id=f"bands-{index}",
                    title=f"{change.name}: bands before and after",
                    description="People in each band at baseline and at their latest follow-up; "
                    "the table beside the chart gives the same counts.",
                    series=[("Baseline", before_bars), ("Latest follow-up", after_bars)],
                )
            )
        else:
            notes.append("The bands are not shown: a band holds fewer than 5 people.")
    points = []
    moment_rows = []
    for moment, n, mean in change.by_moment:
        label = "Baseline" if moment == "baseline" else f"{moment.rsplit('_', 1)[1]} months"
        small = hide and sup.is_small(n)
        # With a hidden count in the breakdown above, an exact n here (people at baseline, or at a
        # follow-up) would undo the rounding of its total, so n is not shown at all.
        n_text = str(sup.one(n, suppress=hide)) if exact or not hide else "not shown"
        mean_text = "not shown" if small or mean is None else f"{mean:.2f}"
        moment_rows.append([label, n_text, mean_text])
        points.append((label, None if small else mean, mean_text))
    if moment_rows:
        tables.append(
            Table(
                f"{change.name}: mean {change.score_label} over time, {period}",
                ["When", "People (n)", "Mean"],
                moment_rows,
            )
        )
        charts_out.append(
            charts.line_chart(
                chart_id=f"time-{index}",
                title=f"{change.name}: mean {change.score_label} over time",
                description="Mean score at baseline and each follow-up; the table gives the values and n.",
                points=points,
            )
        )
    return tables, charts_out, notes


def outcomes_section(report: Report) -> Section:
    section = Section(key="outcomes", heading="Outcomes")
    if not report.changes:
        section.intro = "No questionnaires with a baseline in this period."
    for index, change in enumerate(report.changes):
        tables, svgs, notes = _change_tables(report, change, index)
        section.tables += tables
        section.charts += svgs
        section.notes += notes
    return section


def _pounds(value: float | None) -> str:
    return "—" if value is None else f"£{value:,.0f}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"£{value:,.2f} : £1"


def model_tables(view: ModelView, *, period: str) -> list[Table]:
    """An SROI model's impact map, results and sensitivity, unsuppressed (team pages and team reports)."""
    m, r = view.model, view.result
    outcome_rows = [
        [
            line.row.stakeholder.name,
            line.row.description,
            line.row.indicator,
            f"{line.quantity:,.2f}".rstrip("0").rstrip("."),
            line.row.get_quantity_source_display(),
            f"£{line.row.proxy.value_pence / 100:,.2f} per {line.row.proxy.unit} ({line.row.proxy.year}): "
            f"{line.row.proxy.source}",
            str(line.row.duration_years),
            f"{float(line.row.deadweight):.0%}",
            f"{float(line.row.displacement):.0%}",
            f"{float(line.row.attribution):.0%}",
            f"{float(line.row.drop_off):.0%}",
            _pounds(line.year_one),
            _pounds(line.present_value),
        ]
        for line in view.lines
    ]
    input_rows = [[row.description, row.get_kind_display(), _pounds(value)] for row, value in view.inputs]
    input_rows.append(["Total inputs", "", _pounds(view.total_inputs)])
    payback = "—" if r.payback_months is None else f"{r.payback_months:.1f} months"
    results = [
        ["Total present value", _pounds(r.present_value)],
        ["Total inputs", _pounds(r.inputs)],
        ["Net present value", _pounds(r.npv)],
        ["SROI ratio", _ratio(r.ratio)],
        ["Net SROI ratio", _ratio(r.net_ratio)],
        ["Payback period", payback],
        ["Discount rate", f"{float(m.discount_rate):.1%} a year"],
    ]
    sens_rows = []
    for s in view.sensitivity:
        sens_rows.append(
            [
                s.outcome or "Whole model",
                s.assumption.replace("_", " "),
                _assumption(s.assumption, s.current),
                f"{_assumption(s.assumption, s.low_value)} → {_ratio(s.low_ratio)}",
                f"{_assumption(s.assumption, s.high_value)} → {_ratio(s.high_ratio)}",
                "no value does" if s.break_even is None else _assumption(s.assumption, s.break_even),
            ]
        )
    return [
        Table(f"{m.name}: inputs, {period}", ["Input", "Kind", "Value"], input_rows, numeric_from=2),
        Table(
            f"{m.name}: outcomes (the impact map), {period}",
            [
                "Stakeholder",
                "Outcome",
                "Indicator",
                "Quantity",
                "Quantity from",
                "Financial proxy and source",
                "Years",
                "Deadweight",
                "Displacement",
                "Attribution",
                "Drop-off",
                "Year 1 impact",
                "Present value",
            ],
            outcome_rows,
            numeric_from=11,
        ),
        Table(f"{m.name}: social return, {period}", ["Measure", "Value"], results),
        Table(
            f"{m.name}: sensitivity: each assumption moved on its own, and the value that gives 1:1",
            ["Outcome", "Assumption", "Now", "Lower → ratio", "Higher → ratio", "Value for 1:1"],
            sens_rows,
            numeric_from=2,
        ),
    ]


def _assumption(name: str, value: float) -> str:
    if name in ("deadweight", "displacement", "attribution", "drop_off", "discount_rate"):
        return f"{value:.1%}"
    if name in ("proxy", "inputs"):
        return f"£{value:,.2f}"
    if name == "duration":
        return f"{value:g} years"
    return f"{value:,.2f}"


def value_chart(view: ModelView, chart_id: str) -> str:
    bars = [
        charts.Bar(line.row.description[:24], line.present_value, _pounds(line.present_value))
        for line in view.lines
    ]
    return charts.bar_chart(
        chart_id=chart_id,
        title=f"{view.model.name}: present value by outcome",
        description="Present value of each outcome in pounds; the outcomes table gives the same values.",
        series=[("Present value", bars)],
        unit="",
    )


def social_value_section(report: Report) -> Section:
    section = Section(key="social-value", heading="Social value (SROI)")
    if not report.models:
        section.intro = "No SROI model covers this period."
    period = _period(report)
    for index, view in enumerate(report.models):
        if report.suppressed and view.small_counts:
            section.notes.append(
                f"{view.model.name}: not shown, because an outcome's quantity counts fewer than 5 people "
                "or events and the value would reveal it."
            )
            continue
        model_period = f"{view.model.period_start:%-d %B %Y} to {view.model.period_end:%-d %B %Y}"
        section.tables += model_tables(view, period=f"model period {model_period}; report period {period}")
        if view.lines:
            section.charts.append(value_chart(view, f"value-{index}"))
    return section


def costs_section(report: Report) -> Section:
    section = Section(key="costs", heading="Costs avoided")
    if not report.comparisons:
        section.intro = "No cost-avoided calculator has been filled in."
    hide = report.suppressed
    for comparison, lines in report.comparisons:
        cohort = sup.one(comparison.people, suppress=hide)
        rows = []
        any_hidden = cohort.hidden
        for line, db_line in zip(lines, comparison.lines.all(), strict=True):
            before, after = sup.one(line.before, suppress=hide), sup.one(line.after, suppress=hide)
            hidden = before.hidden or after.hidden or cohort.hidden
            any_hidden = any_hidden or hidden
            rows.append(
                [
                    line.event,
                    str(before),
                    str(after),
                    f"£{line.unit_cost:,.2f} ({db_line.unit_cost_year}; {db_line.unit_cost_source})",
                    sup.money(line.avoided, hidden=hidden),
                ]
            )
        rows.append(["Total", "", "", "", sup.money(total_avoided(lines), hidden=any_hidden)])
        section.tables.append(
            Table(
                f"{comparison.name}: {comparison.cohort} (n = {cohort}); before: {comparison.before_period}; "
                f"after: {comparison.after_period}. Source: {comparison.data_source}",
                ["Event", "Before", "After", "Unit cost (year; source)", "Cost avoided"],
                rows,
            )
        )
    return section


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def practice_section(report: Report) -> Section:
    section = Section(key="co-production", heading="Co-production depth")
    summary = report.practice
    if not summary:
        section.intro = "Not measured yet."
        return section
    respondents = sup.one(int(summary.get("respondents") or 0), suppress=report.suppressed)
    caption = (
        f"Self-reflection round {summary['round']}, closed {summary['closed_on']} "
        f"(respondents: {respondents}; depth: {summary['depth'] or 'not assessed'}). "
        "Source: the practice round's answers"
    )
    if respondents.hidden:
        # Scores from fewer than 5 people would be close to one person's answers.
        section.notes.append(f"{caption}: not shown, because fewer than 5 people answered.")
        return section
    rows = [
        [p["name"], _share(p["staff"]), _share(p["members"]), _share(p["overall"])]
        for p in summary["principles"]
    ]
    section.tables.append(Table(caption, ["Principle", "Staff", "Members", "Overall"], rows))
    if report.wedge_svg:
        section.charts.append(report.wedge_svg)
    return section


def sections(report: Report) -> list[Section]:
    return [
        outcomes_section(report),
        activity_section(report),
        social_value_section(report),
        costs_section(report),
        practice_section(report),
    ]
