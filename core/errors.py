"""Errors that services raise with a message a person can read."""


class DomainError(Exception):
    """A rule refused the request; nothing was written.

    `field_errors` maps a field name to a list of messages so forms and the API can show each
    message beside the field it is about.
    """

    status_code = 400

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class Conflict(DomainError):
    """The request clashes with what is already recorded (a duplicate, a stale edit)."""

    status_code = 409
