"""Every read the practice pages need, and the contract the impact app relies on:
hub_practice_summary(hub) and wedge_svg(values, title=...).

Scores (decision 0011): each answer is 0-3; a principle's score for a perspective is the mean of its
answers from that perspective divided by 3, so 0-1. "Don't know" is left out. The overall score is
the mean of the staff and member scores, so neither side outweighs the other however many answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from core.models import Hub
from people.models import Person
from practice.frameworks import (
    PRINCIPLES,
    QUADRANTS,
    STAKEHOLDER_HANDLING,
    TOP_RATING,
    quadrant,
)
from practice.models import (
    Action,
    ActionPlan,
    Activity,
    Answer,
    CatalogueCase,
    DepthAssessment,
    Invitation,
    Perspective,
    Response,
    Round,
    Stakeholder,
    Statement,
)
from practice.wedge import percent, trend_svg, wedge_svg

__all__ = ["hub_practice_summary", "wedge_svg"]

# A difference between the staff and member scores at least this big is called out on the report:
# a quarter of the scale is most of a step between two ratings (0.75 of a step on 0-3).
GAP_THRESHOLD = 0.25


@dataclass
class PrincipleScore:
    key: str
    name: str
    staff: float | None
    members: float | None

    @property
    def overall(self) -> float | None:
        known = [v for v in (self.staff, self.members) if v is not None]
        return sum(known) / len(known) if known else None

    @property
    def gap(self) -> float | None:
        """Staff minus members: positive when staff see more than members do."""
        if self.staff is None or self.members is None:
            return None
        return self.staff - self.members

    @property
    def gap_is_large(self) -> bool:
        return self.gap is not None and abs(self.gap) >= GAP_THRESHOLD - 1e-9

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "staff": self.staff,
            "members": self.members,
            "overall": self.overall,
        }


def scores_from_totals(totals: Iterable[tuple[str, str, int, int]]) -> list[PrincipleScore]:
    """(perspective, principle, sum of ratings, number of ratings) rows -> six scores in order."""
    found: dict[tuple[str, str], float] = {}
    for perspective, principle, total, count in totals:
        if count:
            found[(perspective, principle)] = total / (count * TOP_RATING)
    return [
        PrincipleScore(
            key=p.key,
            name=p.name,
            staff=found.get((Perspective.STAFF, p.key)),
            members=found.get((Perspective.MEMBER, p.key)),
        )
        for p in PRINCIPLES
    ]


def _totals(rounds: Iterable[int]) -> dict[int, list[tuple[str, str, int, int]]]:
    """One grouped query for the answer totals of many rounds."""
    rows = (
        Answer.objects.filter(response__round_id__in=list(rounds), rating__isnull=False)
        .values_list("response__round_id", "response__perspective", "item__principle")
        .annotate(total=Sum("rating"), n=Count("id"))
        .order_by()
    )
    by_round: dict[int, list[tuple[str, str, int, int]]] = {}
    for round_id, perspective, principle, total, n in rows:
        by_round.setdefault(round_id, []).append((perspective, principle, total or 0, n))
    return by_round


def round_scores(round_: Round) -> list[PrincipleScore]:
    return scores_from_totals(_totals([round_.pk]).get(round_.pk, []))


def respondent_counts(round_: Round) -> dict[str, int]:
    counts = dict(
        round_.responses.values_list("perspective").annotate(n=Count("id")).values_list("perspective", "n")
    )
    return {"staff": counts.get(Perspective.STAFF, 0), "members": counts.get(Perspective.MEMBER, 0)}


def latest_closed_round(hub: Hub) -> Round | None:
    return Round.objects.filter(hub=hub, status=Round.Status.CLOSED).order_by("-closed_on", "-id").first()


def latest_depth(hub: Hub) -> DepthAssessment | None:
    return DepthAssessment.objects.filter(hub=hub).order_by("-decided_on", "-id").first()


def hub_practice_summary(hub: Hub) -> dict[str, Any] | None:
    """The hub's latest closed round as plain data for the impact reports; None before any closes."""
    round_ = latest_closed_round(hub)
    if round_ is None:
        return None
    depth = latest_depth(hub)
    assert round_.closed_on is not None  # noqa: S101 - closed rounds always have a date
    return {
        "round": round_.title,
        "closed_on": round_.closed_on,
        "principles": [s.as_dict() for s in round_scores(round_)],
        "depth": depth.verdict if depth else None,
        "respondents": round_.responses.count(),
    }


# ---- pages ----


def rounds_for_hub(hub: Hub) -> QuerySet[Round]:
    return Round.objects.filter(hub=hub).annotate(
        answered=Count("responses", distinct=True), invited=Count("invitations", distinct=True)
    )


def statements_for_hub(hub: Hub) -> list[Statement]:
    return sorted(Statement.objects.filter(hub=hub), key=lambda s: (s.principle_order, s.position, s.pk))


def invitations_waiting(person: Person | None) -> list[Invitation]:
    """Open rounds this person is invited to and has not answered."""
    if person is None:
        return []
    answered = Response.objects.filter(person=person).values("round_id")
    return list(
        Invitation.objects.filter(person=person, round__status=Round.Status.OPEN)
        .exclude(round_id__in=answered)
        .select_related("round")
    )


def round_invitations(round_: Round) -> list[Invitation]:
    answered = set(round_.responses.filter(person__isnull=False).values_list("person_id", flat=True))
    invitations = list(round_.invitations.select_related("person"))
    for invitation in invitations:
        invitation.answered = invitation.person_id in answered  # type: ignore[attr-defined]
    return invitations


@dataclass
class History:
    rounds: list[Round]
    overall: dict[str, list[float | None]]
    svg: str

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        """(principle name, [score as a percentage per round]) for the table beside the chart."""
        return [(p.name, [percent(v) for v in self.overall[p.key]]) for p in PRINCIPLES]


def history(hub: Hub) -> History:
    """Every closed round's overall score per principle, oldest first, in two queries."""
    rounds = list(Round.objects.filter(hub=hub, status=Round.Status.CLOSED).order_by("closed_on", "id"))
    totals = _totals(r.pk for r in rounds)
    overall: dict[str, list[float | None]] = {p.key: [] for p in PRINCIPLES}
    for r in rounds:
        for score in scores_from_totals(totals.get(r.pk, [])):
            overall[score.key].append(score.overall)
    svg = trend_svg([r.title for r in rounds], overall, title="Overall score per principle, round by round")
    return History(rounds=rounds, overall=overall, svg=svg)


@dataclass
class Report:
    round: Round
    scores: list[PrincipleScore]
    counts: dict[str, int]
    wedges: list[tuple[str, str]]
    gaps: list[PrincipleScore]
    weakest: list[PrincipleScore]


def round_report(round_: Round) -> Report:
    scores = round_scores(round_)
    wedges = [
        ("Staff", wedge_svg([s.staff for s in scores], title=f"Staff wedge for {round_.title}")),
        ("Members", wedge_svg([s.members for s in scores], title=f"Members' wedge for {round_.title}")),
        ("Overall", wedge_svg([s.overall for s in scores], title=f"Overall wedge for {round_.title}")),
    ]
    return Report(
        round=round_,
        scores=scores,
        counts=respondent_counts(round_),
        wedges=wedges,
        gaps=[s for s in scores if s.gap_is_large],
        weakest=weakest_principles(scores),
    )


def weakest_principles(scores: list[PrincipleScore], *, how_many: int = 2) -> list[PrincipleScore]:
    """The principles with the lowest overall scores (those with answers), weakest first."""
    known = [s for s in scores if s.overall is not None]
    return sorted(known, key=lambda s: (s.overall, [p.key for p in PRINCIPLES].index(s.key)))[:how_many]


def recommended_cases(weakest: list[PrincipleScore], *, limit: int = 3) -> list[CatalogueCase]:
    """Catalogue cases strongest in the hub's weakest principles (one query; the catalogue is small)."""
    keys = [s.key for s in weakest]
    if not keys:
        return []
    cases = [c for c in CatalogueCase.objects.all() if any(c.principles.get(k) for k in keys)]
    cases.sort(key=lambda c: (-sum(c.principles.get(k) or 0 for k in keys), c.title))
    return cases[:limit]


# ---- depth, plans, portfolio, stakeholders ----


def depth_history(hub: Hub) -> QuerySet[DepthAssessment]:
    return DepthAssessment.objects.filter(hub=hub).select_related("round")


def plans_for_hub(hub: Hub) -> QuerySet[ActionPlan]:
    return (
        ActionPlan.objects.filter(hub=hub)
        .select_related("round")
        .annotate(
            priority_count=Count("priorities", distinct=True),
            action_count=Count("priorities__actions", distinct=True),
            done_count=Count(
                "priorities__actions", filter=Q(priorities__actions__status=Action.Status.DONE), distinct=True
            ),
        )
    )


def plan_detail(plan: ActionPlan) -> ActionPlan:
    return (
        ActionPlan.objects.select_related("round", "hub")
        .prefetch_related("priorities__actions__staff_lead", "priorities__actions__member_lead")
        .get(pk=plan.pk)
    )


def actions_led_by(person: Person | None) -> QuerySet[Action]:
    if person is None:
        return Action.objects.none()
    return (
        Action.objects.filter(Q(staff_lead=person) | Q(member_lead=person))
        .exclude(status__in=[Action.Status.DONE, Action.Status.STOPPED])
        .select_related("priority__plan", "staff_lead", "member_lead")
    )


def portfolio(hub: Hub) -> dict[str, Any]:
    """Activities with their matrix quadrant, grouped for the matrix."""
    activities = list(Activity.objects.filter(hub=hub))
    matrix: dict[str, list[Activity]] = {key: [] for key, _, _ in QUADRANTS.values()}
    for activity in activities:
        key, name, advice = quadrant(impact=activity.impact, effort=activity.effort)
        activity.quadrant = name  # type: ignore[attr-defined]
        matrix[key].append(activity)
    quadrants = [
        {"key": key, "name": name, "advice": advice, "activities": matrix[key]}
        for key, name, advice in QUADRANTS.values()
    ]
    return {"activities": activities, "quadrants": quadrants}


def stakeholder_map(hub: Hub) -> list[dict[str, Any]]:
    people = list(Stakeholder.objects.filter(hub=hub))
    cells = []
    for (power, influence), (name, handling) in STAKEHOLDER_HANDLING.items():
        cells.append(
            {
                "power": power,
                "influence": influence,
                "name": name,
                "handling": handling,
                "stakeholders": [
                    s for s in people if s.high_power == power and s.high_influence == influence
                ],
            }
        )
    return cells


# ---- the catalogue ----


@dataclass
class CatalogueFilters:
    text: str = ""
    keyword: str = ""
    principle: str = ""
    depth: str = ""


def search_catalogue(filters: CatalogueFilters) -> list[CatalogueCase]:
    """Words in the database; keyword and principle (JSON fields) in Python, which works the same on
    SQLite and PostgreSQL and costs nothing at the catalogue's size (about 50 cases): one query."""
    qs = CatalogueCase.objects.all()
    for word in filters.text.lower().split()[:8]:
        qs = qs.filter(search_text__contains=word)
    if filters.depth:
        qs = qs.filter(depth=filters.depth)
    cases = list(qs)
    if filters.keyword:
        cases = [c for c in cases if filters.keyword in c.keywords]
    if filters.principle:
        cases = [c for c in cases if (c.principles.get(filters.principle) or 0) >= 2]
        cases.sort(key=lambda c: (-(c.principles.get(filters.principle) or 0), c.title))
    return cases


def all_keywords() -> list[str]:
    found: set[str] = set()
    for keywords in CatalogueCase.objects.values_list("keywords", flat=True):
        found.update(keywords)
    return sorted(found)


def case_with_links(slug: str) -> tuple[CatalogueCase, list[CatalogueCase]] | None:
    case = CatalogueCase.objects.filter(slug=slug).first()
    if case is None:
        return None
    linked = {c.slug: c for c in CatalogueCase.objects.filter(slug__in=case.see_also)}
    return case, [linked[s] for s in case.see_also if s in linked]


def today_label(day: date) -> str:
    return f"{day:%-d %B %Y}"
