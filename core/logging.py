"""Logs that operations can read and that hold no personal data.

One line per record. `JSONFormatter` writes one JSON object a line (the default when DEBUG is off);
`TextFormatter` writes the same fields as readable text for a laptop. LOG_FORMAT=json|text chooses.

What a line may hold: the time, level, logger, the message, and for a request its id, method, route
*name* (people:detail, never the path with its ids, nor the query string), status, duration and the hub
and user as opaque numbers. What it never holds: names, emails, NHS numbers, postcodes, query strings,
form data or free text. Django's own request loggers put the path in the message ("Not Found:
/practice/a/<code>/" would log an anonymous round's code), so for them only the reason is kept; an
exception keeps its type and the code locations it passed through, never its message, which can quote
a value (PostgreSQL's "Key (email)=(mo@example.org) already exists").
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import traceback
from typing import Any

REQUEST_FIELDS = ("request_id", "method", "route", "status", "duration_ms", "hub_id", "user_id")
# Loggers whose messages name the request's path; only their first argument (the reason) is kept.
PATH_LOGGERS = ("django.request", "django.server", "django.security", "axes")


def _message(record: logging.LogRecord) -> str:
    if record.name.startswith(PATH_LOGGERS):
        if record.name == "django.request" and isinstance(record.args, tuple) and record.args:
            return str(record.args[0])  # "Not Found", "Internal Server Error", ...
        return record.name.rsplit(".", 1)[-1].replace("_", " ")
    return record.getMessage()


def _route(record: logging.LogRecord) -> str | None:
    request = getattr(record, "request", None)
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else None


def fields(record: logging.LogRecord) -> dict[str, Any]:
    data: dict[str, Any] = {
        "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname,
        "logger": record.name,
        "message": _message(record),
    }
    for name in REQUEST_FIELDS:
        value = getattr(record, name, None)
        if value is not None:
            data[name] = value
    if "route" not in data and (route := _route(record)):
        data["route"] = route
    status = getattr(record, "status_code", None)
    if "status" not in data and isinstance(status, int):
        data["status"] = status
    if record.exc_info and record.exc_info[0] is not None:
        data["exception"] = record.exc_info[0].__name__
        data["trace"] = [
            f"{frame.filename}:{frame.lineno} in {frame.name}"
            for frame in traceback.extract_tb(record.exc_info[2])
        ]
    return data


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(fields(record), ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = fields(record)
        head = f"{data.pop('time')} {data.pop('level'):<7} {data.pop('logger')}: {data.pop('message')}"
        trace = data.pop("trace", None)
        text = " ".join([head, *(f"{k}={v}" for k, v in data.items())])
        if trace:
            text += "\n  " + "\n  ".join(trace)
        return text
