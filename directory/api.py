"""The HSDS 3.0 API (HSDA) at /hsds/, with the Open Referral UK profile's filters.

Public by the UK profile's rules: GET without a login or key, `Access-Control-Allow-Origin: *` on
every response. hsds/schema/openapi.json is the contract, so these views stay out of the project's
own OpenAPI schema. Each view parses its query, runs one query from directory.queries and serializes
with directory.hsds.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from uuid import UUID

from django.http import StreamingHttpResponse
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import DomainError
from directory import hsds, queries
from directory.models import Organization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000
NDJSON_CHUNK = 500
TRUE = {"true", "1", "yes"}
FALSE = {"false", "0", "no", ""}


def _bool(params, name: str) -> bool:
    value = params.get(name, "").strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ParseError(f"{name} must be true or false.")


def _number(params, name: str, *, kind=float, minimum: float | None = None):
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        number = kind(value)
    except ValueError:
        raise ParseError(f"{name} must be a number.") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise ParseError(f"{name} must be a number.")
    if minimum is not None and number < minimum:
        raise ParseError(f"{name} must be at least {minimum:g}.")
    return number


def _time(params, name: str) -> dt.time | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise ParseError(f"{name} must be a time like 09:30.") from None


def _day(params) -> str:
    value = params.get("day", "").strip().upper()
    if not value:
        return ""
    code = value[:2]
    if code not in hsds.WEEKDAYS:
        raise ParseError("day must be a day of the week, like MO or Monday.")
    return code


def _modified_after(params) -> dt.datetime | None:
    value = params.get("modified_after", "").strip()
    if not value:
        return None
    moment = parse_datetime(value.replace("Z", "+00:00"))
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ParseError("modified_after must be a date or date-time, like 2026-01-31T09:00:00Z.")
        moment = dt.datetime.combine(day, dt.time.min)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _page(params) -> tuple[int, int]:
    page = _number(params, "page", kind=int, minimum=1) or 1
    per_page = _number(params, "per_page", kind=int, minimum=1) or DEFAULT_PER_PAGE
    return page, min(per_page, MAX_PER_PAGE)


def filters_from(params) -> queries.Filters:
    """The filters shared by /services and /service_at_locations (HSDS and the UK profile)."""
    proximity = _number(params, "proximity", minimum=0)
    return queries.Filters(
        text=params.get("search", "")[:200],
        term_ids=[params["taxonomy_term_id"]] if params.get("taxonomy_term_id") else [],
        taxonomy_id=params.get("taxonomy_id", ""),
        organization_id=params.get("organization_id", ""),
        modified_after=_modified_after(params),
        minimum_age=_number(params, "minimum_age", minimum=0),
        maximum_age=_number(params, "maximum_age", minimum=0),
        day=_day(params),
        start_time=_time(params, "start_time"),
        end_time=_time(params, "end_time"),
        postcode=params.get("postcode", "")[:10],
        radius_m=proximity,
        include_retired=True,
    )


def paginated(contents: list, *, total: int, page: int, per_page: int) -> dict:
    total_pages = max(1, math.ceil(total / per_page)) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": total == 0,
        "contents": contents,
    }


def _get(model, pk, tree):
    try:
        key = UUID(str(pk))
    except ValueError:
        raise NotFound(f"No {model._meta.verbose_name} with id {str(pk)[:40]}.") from None
    obj = model.objects.filter(pk=key).prefetch_related(*hsds.prefetch_paths(tree)).first()
    if obj is None:
        raise NotFound(f"No {model._meta.verbose_name} with id {key}.")
    return hsds.serialize([obj], hsds.BY_MODEL[model], tree)[0]


def _minimal(service: Service) -> dict:
    """HSDS `minimal=true`: enough to tell what changed (see docs/decisions/0004-directory-hsds.md)."""
    return {
        "id": str(service.pk),
        "name": service.name,
        "status": service.status,
        "last_modified": hsds.to_json_value(service.last_modified),
    }


def _ndjson(ids: list, table, tree, *, links: bool, minimal: bool = False) -> StreamingHttpResponse:
    """Every result, one JSON object a line, without pagination (HSDS format=ndjson), in the order
    of `ids`, fetched and serialised NDJSON_CHUNK at a time."""

    def lines():
        for start in range(0, len(ids), NDJSON_CHUNK):
            chunk = ids[start : start + NDJSON_CHUNK]
            qs = table.model.objects.filter(pk__in=chunk).prefetch_related(*hsds.prefetch_paths(tree))
            objs = {o.pk: o for o in qs}
            ordered = [objs[i] for i in chunk if i in objs]
            items = (
                [_minimal(o) for o in ordered]
                if minimal
                else hsds.serialize(ordered, table, tree, links=links)
            )
            for item in items:
                yield json.dumps(item) + "\n"

    response = StreamingHttpResponse(lines(), content_type="application/x-ndjson")
    response["Access-Control-Allow-Origin"] = "*"
    return response


class IgnoreFormatParameter(DefaultContentNegotiation):
    """HSDS uses ?format=ndjson itself; DRF would read it as a renderer choice and answer 404."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema(exclude=True)
class HsdsView(APIView):
    """Open to everyone (UK profile "Openness"): no authentication, so no CSRF or session either."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    http_method_names = ["get", "head", "options"]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreFormatParameter

    def handle_exception(self, exc):
        if isinstance(exc, DomainError):
            return Response({"detail": exc.message, "errors": exc.field_errors}, status=exc.status_code)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response


class Root(HsdsView):
    def get(self, request):
        return Response(
            {
                "version": hsds.UK_PROFILE_VERSION,
                "profile": hsds.UK_PROFILE_URL,
                "openapi_url": hsds.HSDS_OPENAPI_URL,
            }
        )


class ServiceList(HsdsView):
    def get(self, request):
        params = request.query_params
        page, per_page = _page(params)
        f = filters_from(params)
        full, minimal = _bool(params, "full"), _bool(params, "minimal")
        tree = hsds.SERVICE_FULL if full else {} if minimal else hsds.SERVICE_LIST
        table = hsds.BY_NAME["service"]
        if params.get("format") == "ndjson":
            return _ndjson(queries.service_ids(f), table, tree, links=full, minimal=minimal)
        results = queries.search_services(f, page=page, per_page=per_page, tree=tree)
        if minimal:
            contents = [_minimal(s) for s in results.items]
        else:
            contents = hsds.serialize(results.items, table, tree, links=full)
        return Response(paginated(contents, total=results.total, page=page, per_page=per_page))


class ServiceDetail(HsdsView):
    def get(self, request, pk):
        return Response(_get(Service, pk, hsds.SERVICE_FULL))


class OrganizationList(HsdsView):
    def get(self, request):
        params = request.query_params
        page, per_page = _page(params)
        full, full_service = _bool(params, "full"), _bool(params, "full_service")
        tree = hsds.ORGANIZATION_FULL_SERVICES if full_service else hsds.ORGANIZATION_FULL if full else {}
        qs = queries.organizations(params.get("search", "")[:200])
        table = hsds.BY_NAME["organization"]
        if params.get("format") == "ndjson":
            return _ndjson(list(qs.values_list("pk", flat=True)), table, tree, links=bool(tree))
        total = qs.count()
        items = list(qs.prefetch_related(*hsds.prefetch_paths(tree))[(page - 1) * per_page : page * per_page])
        contents = hsds.serialize(items, table, tree, links=bool(tree))
        return Response(paginated(contents, total=total, page=page, per_page=per_page))


class OrganizationDetail(HsdsView):
    def get(self, request, pk):
        full_service = _bool(request.query_params, "full_service")
        tree = hsds.ORGANIZATION_FULL_SERVICES if full_service else hsds.ORGANIZATION_FULL
        return Response(_get(Organization, pk, tree))


class ServiceAtLocationList(HsdsView):
    def get(self, request):
        params = request.query_params
        page, per_page = _page(params)
        f = filters_from(params)
        full = _bool(params, "full")
        tree = hsds.SAL_FULL if full else hsds.SAL_LIST
        table = hsds.BY_NAME["service_at_location"]
        qs = queries.service_at_locations(f)
        point = queries.resolve_place(f)
        if params.get("format") == "ndjson":
            if point is not None:
                ids = [pk for _, pk in queries.located_near(qs, point, f.radius_m)]
            else:
                ids = list(qs.values_list("pk", flat=True))
            return _ndjson(ids, table, tree, links=full)
        if point is not None:
            ranked = queries.located_near(qs, point, f.radius_m)
            window = [pk for _, pk in ranked[(page - 1) * per_page : page * per_page]]
            objs = {
                o.pk: o
                for o in ServiceAtLocation.objects.filter(pk__in=window).prefetch_related(
                    *hsds.prefetch_paths(tree)
                )
            }
            items, total = [objs[pk] for pk in window], len(ranked)
        else:
            total = qs.count()
            items = list(
                qs.prefetch_related(*hsds.prefetch_paths(tree))[(page - 1) * per_page : page * per_page]
            )
        contents = hsds.serialize(items, table, tree, links=full)
        return Response(paginated(contents, total=total, page=page, per_page=per_page))


class ServiceAtLocationDetail(HsdsView):
    def get(self, request, pk):
        return Response(_get(ServiceAtLocation, pk, hsds.SAL_FULL))


class TaxonomyList(HsdsView):
    def get(self, request):
        params = request.query_params
        page, per_page = _page(params)
        qs = queries.taxonomies(params.get("search", "")[:200])
        table = hsds.BY_NAME["taxonomy"]
        if params.get("format") == "ndjson":
            return _ndjson(list(qs.values_list("pk", flat=True)), table, {}, links=False)
        total = qs.count()
        items = list(qs[(page - 1) * per_page : page * per_page])
        contents = hsds.serialize(items, table, {}, links=False)
        return Response(paginated(contents, total=total, page=page, per_page=per_page))


class TaxonomyDetail(HsdsView):
    def get(self, request, pk):
        return Response(_get(Taxonomy, pk, {}))


class TaxonomyTermList(HsdsView):
    def get(self, request):
        params = request.query_params
        page, per_page = _page(params)
        qs = queries.taxonomy_terms(
            text=params.get("search", "")[:200],
            taxonomy_id=params.get("taxonomy_id", ""),
            parent_id=params.get("parent_id", ""),
            top_only=_bool(params, "top_only"),
        )
        table = hsds.BY_NAME["taxonomy_term"]
        if params.get("format") == "ndjson":
            return _ndjson(list(qs.values_list("pk", flat=True)), table, hsds.TAXONOMY_TERM, links=False)
        total = qs.count()
        items = list(qs[(page - 1) * per_page : page * per_page])
        contents = hsds.serialize(items, table, hsds.TAXONOMY_TERM, links=False)
        return Response(paginated(contents, total=total, page=page, per_page=per_page))


class TaxonomyTermDetail(HsdsView):
    def get(self, request, pk):
        return Response(_get(TaxonomyTerm, pk, hsds.TAXONOMY_TERM))
