"""What every API view shares: DomainError as a readable 400/409 body, the acting user's Actor."""

from django.core.exceptions import PermissionDenied
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "errors": exc.field_errors}, status=exc.status_code)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


def actor_or_403(request):
    actor = getattr(request._request, "actor", None)
    if actor is None:
        raise exceptions.PermissionDenied("You have no role in any hub.")
    return actor
