"""What the support pages share: the acting role, permission refusals, a service's errors shown
beside their fields, and the one-form page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from core.errors import DomainError
from core.roles import Role
from people.models import Person


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _show_errors(form, error: DomainError, field_for=None) -> None:
    """The service's message at the top, and each field's message beside its field."""
    form.add_error(None, error.message)
    for field, errors in error.field_errors.items():
        name = field_for(field) if field_for else field
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


def _form_page(request, form, *, title, button, back=None, caption="", intro="", status=200, **extra):
    """The shared one-form page: an error summary, the fields in order, one button."""
    context = {
        "form": form,
        "title": title,
        "button": button,
        "back": back,
        "caption": caption,
        "intro": intro,
    }
    return render(request, "support/form.html", context | extra, status=400 if form.errors else status)


def _missing(field: str, message: str):
    raise DomainError(message, {field: [message]})


def _peers(hub):
    return (
        Person.objects.filter(hub=hub, role_grants__role=Role.PEER_SUPPORTER).distinct().order_by("full_name")
    )
