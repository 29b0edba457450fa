"""What every API view shares: DomainError as a readable 400/409 body, the acting user's Actor, and
the same {"detail": ...} JSON body for the errors Django answers before any API view runs (an
address that matches no operation, a crash)."""

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def _field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error shapes flattened to {"field" or "field.key.0": [messages]}, the shape
    DomainError bodies (and core.ErrorSerializer) already use."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            out.update(_field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(detail, list) and any(isinstance(d, dict | list) for d in detail):
        out = {}
        for i, value in enumerate(detail):
            out.update(_field_errors(value, f"{prefix}.{i}" if prefix else str(i)))
        return out
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in messages]}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "errors": exc.field_errors}, status=exc.status_code)
    if isinstance(exc, exceptions.ValidationError):
        # Serializer errors get the same {detail, errors} body as the services' DomainError.
        return Response(
            {"detail": "Check the details you entered.", "errors": _field_errors(exc.detail)},
            status=exc.status_code,
        )
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


def actor_or_403(request):
    actor = getattr(request._request, "actor", None)
    if actor is None:
        raise exceptions.PermissionDenied("You have no role in any hub.")
    return actor


# Addresses whose errors are answered as JSON: the project's API and the HSDS directory API.
API_PREFIXES = ("/api/", "/hsds")


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIXES)


def not_found(request, exception):
    """handler404: an API address that matches no operation gets JSON, as every other API error does;
    pages keep the 404 page."""
    if _is_api(request):
        return JsonResponse({"detail": "There is nothing at this address in the API."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: an API client gets JSON it can parse, never the HTML error page."""
    if _is_api(request):
        return JsonResponse(
            {"detail": "Something went wrong on our side. Please try again later."},
            status=500,
        )
    return defaults.server_error(request)
