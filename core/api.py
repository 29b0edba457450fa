"""What every API view shares: DomainError as a readable 400/409 body, the acting user's Actor."""

from django.core.exceptions import PermissionDenied
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
