"""What every app's page views share: who is acting, and a service's error shown on a form."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from core.errors import DomainError
from core.roles import Actor


def page_actor(request) -> Actor:
    """The signed-in person in the hub they are working in, or 403 for a login with no role anywhere."""
    if request.actor is None:
        raise PermissionDenied("You have no role in any hub.")
    return request.actor


def show_errors(form, error: DomainError) -> None:
    """Each field's message beside its field (or at the top if the form has no such field), and the
    service's message at the top when it named no field."""
    for field, errors in error.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, error.message)
