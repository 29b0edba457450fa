"""Every read the impact pages, exports and the support provider need."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps
from django.db.models import Count, Prefetch, Q, Sum

from core.models import Hub
from impact import costs, sroi
from impact import suppression as sup
from impact.definitions import Definition, DefinitionError, parse, shipped
from impact.models import (
    CostComparison,
    FinancialProxy,
    InstrumentDefinition,
    Measurement,
    SroiInput,
    SroiModel,
    SroiOutcome,
)
from impact.stats import Change, paired_change


def definitions_for(hub: Hub) -> dict[str, Definition]:
    """Shipped instruments and the ones this hub loaded under its own licence."""
    out = dict(shipped())
    for row in InstrumentDefinition.objects.filter(hub=hub):
        try:
            out[row.code] = parse(row.definition)
        except DefinitionError:
            continue  # checked when loaded; a later format change must not break every page
    return out


def wage_pence(hub: Hub) -> int:
    """The hub's value of an hour (the time bank's wage setting), for time given as an input."""
    from timebank.models import TimebankSettings

    rules = TimebankSettings.objects.filter(hub=hub).first() or TimebankSettings(hub=hub)
    return rules.wage_pence_per_hour


# ---- change on an instrument -------------------------------------------------------------------


@dataclass
class CohortChange:
    instrument: str
    name: str
    score_label: str
    higher_is_better: bool
    threshold: float
    baselines: int
    change: Change
    by_moment: list[tuple[str, int, float | None]]  # (moment, n, mean of the primary score)
    bands_before: dict[str, int]
    bands_after: dict[str, int]
    band_order: list[str]


def _moment_key(moment: str) -> int:
    return 0 if moment == "baseline" else int(moment.rsplit("_", 1)[1])


def cohort_change(hub: Hub, definition: Definition, *, start: date, end: date) -> CohortChange:
    """Paired change on the primary score for everyone whose baseline falls in the period, comparing
    it with their latest valid follow-up. No valid follow-up: lost to follow-up (a gap, never a zero).

    One query and one pass: bands are worked out again from the primary score (the same rule that
    stored them), so no JSON is decoded per row."""
    rule = definition.rule()
    rows = Measurement.objects.filter(hub=hub, instrument=definition.code, primary__isnull=False).values_list(
        "person_id", "moment", "taken_on", "primary"
    )
    baseline: dict[int, float] = {}
    follow_ups: dict[int, list[tuple[int, str, float]]] = defaultdict(list)
    for person_id, moment, taken_on, primary in rows.iterator(chunk_size=5000):
        if primary is None:  # excluded by the filter; this tells the type checker
            continue
        if moment == "baseline":
            if start <= taken_on <= end:
                baseline[person_id] = primary
        else:
            follow_ups[person_id].append((_moment_key(moment), moment, primary))
    pairs: list[tuple[float, float]] = []
    per_moment: dict[str, list[float]] = defaultdict(list)
    before_bands: dict[str, int] = defaultdict(int)
    after_bands: dict[str, int] = defaultdict(int)
    for person_id, value in baseline.items():
        per_moment["baseline"].append(value)
        later = follow_ups.get(person_id)
        if not later:
            continue
        for _, moment, after in later:
            per_moment[moment].append(after)
        after = max(later)[2]
        pairs.append((value, after))
        before_bands[rule.band_for(value)] += 1
        after_bands[rule.band_for(after)] += 1
    change = paired_change(
        pairs,
        threshold=rule.meaningful_change,
        higher_is_better=rule.higher_is_better,
        lost=len(baseline) - len(pairs),
    )
    by_moment = [
        (m, len(v), sum(v) / len(v) if v else None)
        for m, v in sorted(per_moment.items(), key=lambda i: _moment_key(i[0]))
    ]
    return CohortChange(
        instrument=definition.code,
        name=definition.name,
        score_label=rule.label,
        higher_is_better=rule.higher_is_better,
        threshold=rule.meaningful_change,
        baselines=len(baseline),
        change=change,
        by_moment=by_moment,
        bands_before=dict(before_bands),
        bands_after=dict(after_bands),
        band_order=[b.label for b in rule.bands],
    )


def person_measurements(person) -> list[Measurement]:
    return list(Measurement.objects.filter(person=person).order_by("instrument", "taken_on", "id"))


# ---- activity ----------------------------------------------------------------------------------


@dataclass
class Activity:
    referrals: int
    sessions: int
    hours_minutes: int
    hours_value_pence: int
    onward_completed: int
    course_completions: int


def activity(hub: Hub, *, start: date, end: date) -> Activity:
    from groups.queries import report as groups_report
    from support.models import OnwardReferral, Referral, SupportSession
    from timebank.queries import hours_given

    hours = hours_given(hub, start=start, end=end)
    return Activity(
        referrals=Referral.objects.filter(hub=hub, received_at__date__range=(start, end)).count(),
        sessions=SupportSession.objects.filter(referral__hub=hub, held_on__range=(start, end)).count(),
        hours_minutes=hours["minutes"],
        hours_value_pence=hours["value_pence"],
        onward_completed=OnwardReferral.objects.filter(
            referral__hub=hub, status__in=OnwardReferral.COMPLETED, updated_at__date__range=(start, end)
        ).count(),
        course_completions=int(groups_report(hub, start=start, end=end, suppressed=False).completions),
    )


# ---- SROI models -------------------------------------------------------------------------------


@dataclass
class OutcomeLine:
    row: SroiOutcome
    quantity: float
    quantity_is_count: bool  # a count of people or events (subject to suppression), not hours
    year_one: float
    present_value: float


@dataclass
class ModelView:
    model: SroiModel
    inputs: list[tuple[SroiInput, float]]
    total_inputs: float
    lines: list[OutcomeLine]
    result: sroi.Result
    sensitivity: list[sroi.Sensitivity]
    small_counts: bool  # some platform count is 1–4: hidden outside the team

    @property
    def outcomes(self) -> list[sroi.Outcome]:
        return [_as_outcome(line) for line in self.lines]


def _as_outcome(line: OutcomeLine) -> sroi.Outcome:
    row = line.row
    return sroi.Outcome(
        name=row.description,
        quantity=line.quantity,
        proxy=row.proxy.value_pence / 100,
        duration=row.duration_years,
        deadweight=float(row.deadweight),
        displacement=float(row.displacement),
        attribution=float(row.attribution),
        drop_off=float(row.drop_off),
    )


def platform_quantity(model: SroiModel, outcome: SroiOutcome, cache: dict[str, Any]) -> float:
    """The outcome's quantity from Coproduce's own data over the model's period."""
    hub, start, end = model.hub, model.period_start, model.period_end
    source = outcome.quantity_source
    Q_ = SroiOutcome.QuantitySource
    if source == Q_.ENTERED:
        return float(outcome.quantity)
    if source == Q_.IMPROVED:
        key = f"improved:{outcome.instrument}:{start}:{end}"
        if key not in cache:
            definition = definitions_for(hub).get(outcome.instrument)
            cache[key] = (
                cohort_change(hub, definition, start=start, end=end).change.improved if definition else 0
            )
        return float(cache[key])
    if "activity" not in cache:
        cache["activity"] = activity(hub, start=start, end=end)
    act: Activity = cache["activity"]
    if source == Q_.HOURS:
        return act.hours_minutes / 60
    if source == Q_.ONWARD:
        return float(act.onward_completed)
    return float(act.course_completions)


def models_for(hub: Hub):
    return SroiModel.objects.filter(hub=hub).annotate(n_outcomes=Count("outcomes", distinct=True))


def model_view(model: SroiModel, cache: dict[str, Any] | None = None) -> ModelView:
    cache = {} if cache is None else cache
    inputs = []
    for row in model.inputs.all():
        if row.kind in SroiInput.TIME_KINDS:
            value = float(row.hours) * model.hour_value_pence / 100
        else:
            value = row.amount_pence / 100
        inputs.append((row, value))
    total_inputs = sum(v for _, v in inputs)
    rate = float(model.discount_rate)
    lines = []
    small = False
    for outcome_row in model.outcomes.select_related("proxy", "stakeholder"):
        quantity = platform_quantity(model, outcome_row, cache)
        # Entered quantities are treated as counts of people too: we cannot tell, so we protect them.
        is_count = outcome_row.quantity_source != SroiOutcome.QuantitySource.HOURS
        if is_count and sup.is_small(int(quantity)):
            small = True
        line = OutcomeLine(outcome_row, quantity, is_count, 0.0, 0.0)
        outcome = _as_outcome(line)
        line.year_one = outcome.year_one
        line.present_value = sroi.present_value(outcome, rate)
        lines.append(line)
    outcomes = [_as_outcome(line) for line in lines]
    return ModelView(
        model=model,
        inputs=inputs,
        total_inputs=total_inputs,
        lines=lines,
        result=sroi.calculate(outcomes, inputs=total_inputs, rate=rate),
        sensitivity=sroi.sensitivity(outcomes, inputs=total_inputs, rate=rate) if outcomes else [],
        small_counts=small,
    )


def proxies_for(hub: Hub):
    return FinancialProxy.objects.filter(Q(hub=hub) | Q(hub__isnull=True))


def comparisons_for(hub: Hub):
    return CostComparison.objects.filter(hub=hub).prefetch_related("lines")


def comparison_lines(comparison: CostComparison) -> list[costs.Line]:
    return [
        costs.Line(
            event=line.get_event_display(),
            before=line.before,
            after=line.after,
            unit_cost=line.unit_cost_pence / 100,
        )
        for line in comparison.lines.all()
    ]


# ---- co-production depth (from the practice app, when it is there) ----------------------------


def practice_summary(hub: Hub) -> tuple[dict | None, str]:
    """The practice app's latest self-reflection round and its wedge SVG, or (None, "") when the
    practice app is not installed or has no closed round yet."""
    if not apps.is_installed("practice"):
        return None, ""
    try:
        from practice import queries as practice_queries
    except ImportError:
        return None, ""
    summary_fn = getattr(practice_queries, "hub_practice_summary", None)
    wedge_fn = getattr(practice_queries, "wedge_svg", None)
    if summary_fn is None:
        return None, ""
    summary = summary_fn(hub)
    if not summary:
        return None, ""
    svg = ""
    if wedge_fn is not None:
        values = [p["overall"] for p in summary["principles"]]
        svg = wedge_fn(values, title=f"Co-production wedge, {hub.name}")
    return summary, svg


# ---- the report --------------------------------------------------------------------------------


@dataclass
class Report:
    hub: Hub
    start: date
    end: date
    suppressed: bool
    activity: Activity
    changes: list[CohortChange]
    models: list[ModelView]
    comparisons: list[tuple[CostComparison, list[costs.Line]]]
    practice: dict | None
    wedge_svg: str
    extra: dict[str, Any] = field(default_factory=dict)


def report(hub: Hub, *, start: date, end: date, suppressed: bool) -> Report:
    """Everything a commissioner or board report shows for one hub and period (display rules, including
    suppression, are applied by impact.presenting)."""
    definitions = definitions_for(hub)
    measured = set(
        Measurement.objects.filter(hub=hub, moment="baseline", taken_on__range=(start, end))
        .values_list("instrument", flat=True)
        .distinct()
    )
    changes = [
        cohort_change(hub, definitions[code], start=start, end=end)
        for code in sorted(measured)
        if code in definitions
    ]
    cache: dict[str, Any] = {f"improved:{c.instrument}:{start}:{end}": c.change.improved for c in changes}
    models = [
        model_view(m, cache)
        for m in SroiModel.objects.filter(
            hub=hub, period_start__lte=end, period_end__gte=start
        ).prefetch_related(Prefetch("inputs", queryset=SroiInput.objects.order_by("id")))
    ]
    comparisons = [(c, comparison_lines(c)) for c in comparisons_for(hub)]
    summary, wedge = practice_summary(hub)
    return Report(
        hub=hub,
        start=start,
        end=end,
        suppressed=suppressed,
        activity=cache.get("activity") or activity(hub, start=start, end=end),
        changes=changes,
        models=models,
        comparisons=comparisons,
        practice=summary,
        wedge_svg=wedge,
    )


def measurement_counts(hub: Hub) -> dict[str, int]:
    return dict(
        Measurement.objects.filter(hub=hub)
        .values_list("instrument")
        .annotate(n=Count("id"))
        .values_list("instrument", "n")
    )


def total_pence(qs) -> int:
    return qs.aggregate(s=Sum("amount_pence"))["s"] or 0
