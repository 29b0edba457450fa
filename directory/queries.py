"""Every read the directory's pages, the HSDS API and other apps need.

Other apps refer to directory services through `services_for_hub(hub)` and `get_service(id)` (onward
referrals, groups and courses, time-bank partners): they keep the service's id, never a copy of it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from uuid import UUID

from django.db import connection
from django.db.models import BooleanField, Case, F, FloatField, Func, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from core.errors import DomainError
from core.models import Hub
from directory import geo, hsds
from directory.models import (
    Attribute,
    CostOption,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from directory.services import COST_OPTION_HELP, normalise_postcode, postcode_point

NOT_CHECKED_MONTHS = 6
MAX_RADIUS_M = 200_000
DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
ACCESSIBILITY_CHOICES = [
    ("wheelchair", "Wheelchair access"),
    ("step-free", "Step-free access"),
    ("hearing loop", "Hearing loop"),
    ("accessible toilet", "Accessible toilet"),
    ("parking", "Blue badge parking"),
]


# ---- for other apps ----------------------------------------------------------------------------


def services_for_hub(hub: Hub, *, include_retired: bool = False) -> QuerySet[Service]:
    """The services a hub may list and refer people to: its own and those shared with it."""
    qs = Service.objects.filter(_visible(hub)).select_related("organization")
    if not include_retired:
        qs = qs.exclude(status=Service.Status.DEFUNCT)
    return qs.order_by("name", "id")


def get_service(service_id, *, hub: Hub | None = None) -> Service | None:
    """One service by id (a UUID or its text), or None. With `hub`, only if that hub may use it."""
    try:
        pk = UUID(str(service_id))
    except ValueError:
        return None
    qs = Service.objects.select_related("organization", "hub")
    if hub is not None:
        qs = qs.filter(_visible(hub))
    return qs.filter(pk=pk).first()


def services_by_id(service_ids, *, hub: Hub | None = None) -> dict[UUID, Service]:
    """Many services by id in one query (a list of referrals or partners), keyed by id; ids that are
    unknown, or not usable by `hub` when given, are missing from the result."""
    pks = _uuids(service_ids)
    qs = Service.objects.select_related("organization", "hub").filter(pk__in=pks)
    if hub is not None:
        qs = qs.filter(_visible(hub))
    return {s.pk: s for s in qs}


def _visible(hub: Hub) -> Q:
    shared = Service.shared_with.through.objects.filter(hub=hub).values("service_id")
    return Q(hub=hub) | Q(id__in=shared)


# ---- search ------------------------------------------------------------------------------------


@dataclass
class Filters:
    """What someone searches by. Empty values mean "any"."""

    text: str = ""
    term_ids: list[str] = field(default_factory=list)  # any of these terms (people: with their children)
    taxonomy_id: str = ""
    organization_id: str = ""
    modified_after: dt.datetime | None = None
    age: int | None = None  # a person of this age may use it
    minimum_age: float | None = None  # UK profile: services whose minimum age is at least this
    maximum_age: float | None = None  # UK profile: services whose maximum age is at most this
    free: bool = False
    day: str = ""  # MO..SU
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    accessibility: str = ""
    postcode: str = ""
    point: tuple[float, float] | None = None
    radius_m: float | None = None
    hub: Hub | None = None
    include_retired: bool = False
    # "relevance": best match first even when searching near a place (otherwise nearest first).
    sort: str = ""


@dataclass
class Results:
    items: list
    total: int
    distances: dict = field(default_factory=dict)  # service id -> metres, when searching near a place


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[\w']+", text.lower()) if len(w) > 1][:8]


def _stem(word: str) -> str:
    # A rough stand-in for PostgreSQL's English stemming on SQLite: "walking", "walks" -> "walk".
    for suffix in ("ing", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


class TextMatch(Func):
    """search_text matches the words, with PostgreSQL's English stemming. The expression is the one
    the GIN index of migration 0002 is built on, so the planner uses the index; the column is compiled
    by Django, so it keeps the right table alias inside subqueries."""

    output_field = BooleanField()
    sql = "to_tsvector('english', {column}) @@ plainto_tsquery('english', %s)"

    def __init__(self, words: str):
        super().__init__(F("search_text"))
        self.words = words

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra_context):  # type: ignore[override]
        column, params = compiler.compile(self.get_source_expressions()[0])
        return self.sql.format(column=column), [*params, self.words]


class TextRank(TextMatch):
    output_field = FloatField()  # type: ignore[assignment]
    sql = "ts_rank(to_tsvector('english', {column}), plainto_tsquery('english', %s))"


def _text_filter(qs: QuerySet[Service], text: str) -> QuerySet[Service]:
    if connection.vendor == "postgresql":
        return qs.filter(TextMatch(text)).annotate(rank=TextRank(text))
    words = [_stem(w) for w in _words(text)]
    for word in words:
        qs = qs.filter(search_text__icontains=word)
    if not words:
        # Text with no searchable words (only punctuation) matches nothing; the rank the callers
        # order by must still exist.
        return qs.none().annotate(rank=Value(0, output_field=IntegerField()))
    # Relevance on SQLite: a name containing the words ranks above a description that does.
    name_hits = [When(name__icontains=w, then=Value(1)) for w in words]
    return qs.annotate(rank=sum(Case(h, default=Value(0), output_field=IntegerField()) for h in name_hits))


def _with_term_children(term_ids: list[str]) -> list[str]:
    ids = {str(t) for t in term_ids}
    frontier = set(ids)
    for _ in range(3):  # three levels of children are plenty for a local taxonomy
        children = {
            str(t)
            for t in TaxonomyTerm.objects.filter(parent_id__in=_uuids(frontier)).values_list("id", flat=True)
        }
        frontier = children - ids
        if not frontier:
            break
        ids |= frontier
    return sorted(ids)


def _uuids(values) -> list[UUID]:
    out = []
    for v in values:
        try:
            out.append(UUID(str(v)))
        except ValueError:
            continue
    return out


def filter_services(f: Filters, *, expand_terms: bool = False) -> QuerySet[Service]:
    qs = Service.objects.all()
    if f.hub is not None:
        qs = qs.filter(_visible(f.hub))
    if not f.include_retired:
        qs = qs.exclude(status=Service.Status.DEFUNCT)
    if f.text.strip():
        qs = _text_filter(qs, f.text.strip()[:200])
    if f.term_ids:
        terms = _with_term_children(f.term_ids) if expand_terms else f.term_ids
        links = Attribute.objects.filter(taxonomy_term_id__in=_uuids(terms)).values("link_id")
        qs = qs.filter(id__in=links)
    if f.taxonomy_id:
        by_taxonomy = Attribute.objects.filter(taxonomy_term__taxonomy_detail_id__in=_uuids([f.taxonomy_id]))
        qs = qs.filter(id__in=by_taxonomy.values("link_id"))
    if f.organization_id:
        qs = qs.filter(organization_id__in=_uuids([f.organization_id]))
    if f.modified_after:
        qs = qs.filter(last_modified__gte=f.modified_after)
    if f.age is not None:
        qs = qs.filter(Q(minimum_age__isnull=True) | Q(minimum_age__lte=f.age))
        qs = qs.filter(Q(maximum_age__isnull=True) | Q(maximum_age__gte=f.age))
    if f.minimum_age is not None:
        qs = qs.filter(minimum_age__gte=f.minimum_age)
    if f.maximum_age is not None:
        qs = qs.filter(maximum_age__lte=f.maximum_age)
    if f.free:
        qs = qs.filter(id__in=CostOption.objects.filter(amount=0).values("service_id"))
    if f.day or f.start_time or f.end_time:
        sched = Schedule.objects.all()
        if f.day:
            sched = sched.filter(byday__contains=f.day)
        if f.start_time:
            sched = sched.filter(opens_at__gte=f.start_time)
        if f.end_time:
            sched = sched.filter(closes_at__lte=f.end_time)
        qs = qs.filter(
            Q(id__in=sched.filter(service__isnull=False).values("service_id"))
            | Q(
                id__in=sched.filter(service_at_location__isnull=False).values(
                    "service_at_location__service_id"
                )
            )
        )
    if f.accessibility:
        access = ServiceAtLocation.objects.filter(
            location__accessibility__description__icontains=f.accessibility[:50]
        ).values("service_id")
        qs = qs.filter(id__in=access)
    return qs


def resolve_place(f: Filters) -> tuple[float, float] | None:
    """The point to measure from: a postcode (or its district) from the postcode table, or a point."""
    if f.postcode:
        point = postcode_point(f.postcode)
        if point is None:
            raise DomainError(
                f"We do not know the postcode {normalise_postcode(f.postcode)}.",
                {"postcode": ["Check the postcode, or leave it empty."]},
            )
        return point
    return f.point


def _distances(
    qs: QuerySet[Service], point: tuple[float, float], radius_m: float | None
) -> list[tuple[float, UUID]]:
    """(metres, service id) for matching services with a place within the radius, nearest first.

    SQL narrows to locations in the bounding box (index location_lat_long); Python measures the rest.
    """
    lat, lon = point
    radius = min(radius_m or MAX_RADIUS_M, MAX_RADIUS_M)
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, radius)
    rows = (
        ServiceAtLocation.objects.filter(
            service__in=qs.values("id"),
            location__latitude__range=(min_lat, max_lat),
            location__longitude__range=(min_lon, max_lon),
        )
        .order_by()  # nearest first is worked out below; sorting here by id would be wasted
        .values_list("service_id", "location__latitude", "location__longitude")
    )
    # A plain fetch, not .iterator(): on PostgreSQL that opens a server-side cursor, which the
    # planner optimises for the first rows (nested loops), and here every row is wanted.
    best: dict[UUID, float] = {}
    for service_id, slat, slon in rows:
        if slat is None or slon is None:
            continue
        d = geo.haversine_m(lat, lon, slat, slon)
        if d <= radius and d < best.get(service_id, math.inf):
            best[service_id] = d
    return sorted((d, sid) for sid, d in best.items())


def search_services(
    f: Filters,
    *,
    page: int = 1,
    per_page: int = 20,
    tree: dict | None = None,
    expand_terms: bool = False,
) -> Results:
    """A page of services matching the filters: nearest first when searching near a place (unless
    `f.sort` is "relevance"), else most relevant first when searching by words, else by name."""
    qs = filter_services(f, expand_terms=expand_terms)
    point = resolve_place(f)
    tree = hsds.SERVICE_LIST if tree is None else tree
    start = (page - 1) * per_page
    if point is not None:
        ranked = _distances(qs, point, f.radius_m)
        if f.sort == "relevance" and f.text.strip() and ranked:
            metres = {sid: d for d, sid in ranked}
            best = qs.filter(pk__in=list(metres)).order_by(F("rank").desc(nulls_last=True), "name", "id")
            ranked = [(metres[sid], sid) for sid in best.values_list("pk", flat=True)]
        window = ranked[start : start + per_page]
        by_id = {
            s.pk: s
            for s in Service.objects.filter(pk__in=[sid for _, sid in window]).prefetch_related(
                *hsds.prefetch_paths(tree)
            )
        }
        items = [by_id[sid] for _, sid in window if sid in by_id]
        return Results(items=items, total=len(ranked), distances={sid: d for d, sid in window})
    if f.text.strip():
        qs = qs.order_by(F("rank").desc(nulls_last=True), "name", "id")
    else:
        qs = qs.order_by("name", "id")
    total = qs.count()
    items = list(qs.prefetch_related(*hsds.prefetch_paths(tree))[start : start + per_page])
    return Results(items=items, total=total)


def service_ids(f: Filters) -> list[UUID]:
    """The id of every service matching the filters, in search_services' order (HSDS ndjson)."""
    qs = filter_services(f)
    point = resolve_place(f)
    if point is not None:
        return [sid for _, sid in _distances(qs, point, f.radius_m)]
    if f.text.strip():
        qs = qs.order_by(F("rank").desc(nulls_last=True), "name", "id")
    return list(qs.values_list("pk", flat=True))


# ---- service pages -----------------------------------------------------------------------------


def service_page(service_id) -> Service | None:
    """A service with everything its page shows, in a constant number of queries."""
    try:
        pk = UUID(str(service_id))
    except ValueError:
        return None
    return (
        Service.objects.filter(pk=pk)
        .select_related("organization", "hub")
        .prefetch_related(
            "shared_with",
            "phones",
            "schedules",
            "cost_options",
            "languages",
            "contacts__phones",
            "service_at_locations__location__addresses",
            "service_at_locations__location__accessibility",
            "service_at_locations__schedules",
        )
        .first()
    )


def categories_of(service: Service) -> list[TaxonomyTerm]:
    ids = Attribute.objects.filter(link_id=service.pk).values("taxonomy_term_id")
    return list(TaxonomyTerm.objects.filter(id__in=ids).order_by("name"))


def category_choices() -> list[tuple[str, str]]:
    """Terms people pick from: those some service uses, and their parents, by name."""
    used = Attribute.objects.filter(link_entity="service").values("taxonomy_term_id")
    terms = TaxonomyTerm.objects.filter(Q(id__in=used) | Q(children__id__in=used)).distinct().order_by("name")
    return [(str(t.pk), t.name) for t in terms]


def not_checked_since(hub: Hub, *, months: int = NOT_CHECKED_MONTHS) -> QuerySet[Service]:
    """The hub's services nobody has confirmed for `months` months (or ever), oldest check first."""
    cutoff = timezone.localdate() - dt.timedelta(days=round(months * 30.44))
    return (
        Service.objects.filter(hub=hub)
        .exclude(status=Service.Status.DEFUNCT)
        .filter(Q(assured_date__isnull=True) | Q(assured_date__lt=cutoff))
        .select_related("organization")
        .order_by(F("assured_date").asc(nulls_first=True), "name")
    )


def shared_with_hub(hub: Hub) -> list[Service]:
    """Services other hubs share with this one (listed and referred to here, changed there)."""
    return list(
        Service.objects.filter(shared_with=hub)
        .exclude(status=Service.Status.DEFUNCT)
        .select_related("organization", "hub")
        .order_by("name", "id")
    )


def other_hubs(service: Service) -> QuerySet[Hub]:
    """The hubs a service could be shared with: every hub but its owner."""
    return Hub.objects.exclude(pk=service.hub_id).order_by("name")


def hub_services(hub: Hub) -> QuerySet[Service]:
    return Service.objects.filter(hub=hub).select_related("organization").order_by("name", "id")


# ---- HSDS lists --------------------------------------------------------------------------------


def organizations(text: str = "") -> QuerySet[Organization]:
    qs = Organization.objects.all()
    for word in _words(text):
        qs = qs.filter(Q(name__icontains=word) | Q(description__icontains=word))
    return qs.order_by("name", "id")


def taxonomies(text: str = "") -> QuerySet[Taxonomy]:
    qs = Taxonomy.objects.all()
    for word in _words(text):
        qs = qs.filter(Q(name__icontains=word) | Q(description__icontains=word))
    return qs.order_by("name", "id")


def taxonomy_terms(
    *, text: str = "", taxonomy_id: str = "", parent_id: str = "", top_only: bool = False
) -> QuerySet[TaxonomyTerm]:
    qs = TaxonomyTerm.objects.select_related("taxonomy_detail")
    for word in _words(text):
        qs = qs.filter(Q(name__icontains=word) | Q(description__icontains=word) | Q(code__icontains=word))
    if taxonomy_id:
        qs = qs.filter(taxonomy_detail_id__in=_uuids([taxonomy_id]))
    if parent_id:
        qs = qs.filter(parent_id__in=_uuids([parent_id]))
    if top_only:
        # The openapi text says "terms that have no child terms" but means top-level terms: the UK
        # profile and other HSDA implementations read it as terms with no parent.
        qs = qs.filter(parent__isnull=True)
    return qs.order_by("name", "id")


def service_at_locations(f: Filters) -> QuerySet[ServiceAtLocation]:
    return ServiceAtLocation.objects.filter(service__in=filter_services(f).values("id")).order_by("id")


def located_near(qs: QuerySet[ServiceAtLocation], point, radius_m) -> list[tuple[float, UUID]]:
    lat, lon = point
    radius = min(radius_m or MAX_RADIUS_M, MAX_RADIUS_M)
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, radius)
    rows = qs.filter(
        location__latitude__range=(min_lat, max_lat), location__longitude__range=(min_lon, max_lon)
    ).values_list("id", "location__latitude", "location__longitude")
    found = [(geo.haversine_m(lat, lon, a, b), sid) for sid, a, b in rows if a is not None and b is not None]
    return sorted(x for x in found if x[0] <= radius)


def locations_without_point(hub: Hub) -> QuerySet[Location]:
    return Location.objects.filter(hub=hub, latitude__isnull=True)


# ---- what the pages show ------------------------------------------------------------------------

# What a results list shows for each service, fetched with one query per relation for the page.
RESULT_TREE: dict[str, dict] = {
    "organization": {},
    "cost_options": {},
    "schedules": {},
    "service_at_locations": {"location": {"addresses": {}}},
}


def days_text(byday: str) -> str:
    days = [DAY_NAMES[d] for d in (byday or "").split(",") if d in DAY_NAMES]
    if len(days) > 1:
        return ", ".join(days[:-1]) + " and " + days[-1]
    return days[0] if days else ""


def _time_text(t) -> str:
    if t is None:
        return ""
    hour = t.hour % 12 or 12
    suffix = "am" if t.hour < 12 else "pm"
    return f"{hour}{suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d}{suffix}"


def when_text(schedule: Schedule) -> str:
    """ "Wednesday, 10am to 11:30am" from an HSDS weekly schedule."""
    days = days_text(schedule.byday)
    times = ""
    if schedule.opens_at and schedule.closes_at:
        times = f"{_time_text(schedule.opens_at)} to {_time_text(schedule.closes_at)}"
    elif schedule.opens_at:
        times = f"from {_time_text(schedule.opens_at)}"
    return ", ".join(p for p in (days, times) if p)


def cost_text(service: Service) -> str:
    """The answer to "How much does it cost?" from the service's cost options and fees text."""
    amounts = [c for c in service.cost_options.all() if c.option != COST_OPTION_HELP and c.amount is not None]
    if amounts and all(c.amount == 0 for c in amounts):
        return "Free"
    if amounts:
        lowest = min(c.amount for c in amounts if c.amount is not None)
        return f"£{lowest:.2f}" if lowest else "Free for some people"
    return ""


def page_facts(service: Service) -> dict:
    """The five answers, and when and where, from the rows prefetched by service_page()."""
    help_rows = [c.amount_description for c in service.cost_options.all() if c.option == COST_OPTION_HELP]
    places = []
    for sal in service.service_at_locations.all():
        location = sal.location
        address = next(iter(location.addresses.all()), None)
        places.append(
            {
                "name": location.name,
                "address": ", ".join(
                    p for p in (address.address_1, address.city, address.postal_code) if p and address
                )
                if address
                else "",
                "accessibility": [a.description for a in location.accessibility.all() if a.description],
                "transportation": location.transportation,
            }
        )
    schedules = list(service.schedules.all())
    for sal in service.service_at_locations.all():
        schedules.extend(sal.schedules.all())
    return {
        "cost": cost_text(service),
        "help_with_cost": "\n".join(h for h in help_rows if h),
        "when": [{"text": when_text(s), "description": s.description, "notes": s.notes} for s in schedules],
        "places": places,
        "phones": [p.number for p in service.phones.all()],
    }
