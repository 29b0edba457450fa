"""What both fuzz modules share: the seed, and the check that every 4xx is a readable JSON error."""

from __future__ import annotations

import json

# Every run sends the same cases: a fixed seed, deterministic generation and no example database.
SEED = 20261010


def error_body_is_readable(ctx, response, case):
    """Every 4xx answers with a JSON object whose "detail" names the problem in words."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered with {content_type or 'no content type'}, not JSON"
    )
    body = json.loads(response.content)
    assert isinstance(body, dict), f"{response.status_code} body is not a JSON object: {body!r}"
    detail = body.get("detail")
    assert isinstance(detail, str) and detail.strip(), f"{response.status_code} body has no detail: {body!r}"
    return None
