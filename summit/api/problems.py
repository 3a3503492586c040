"""Every error under /api/ as RFC 9457 problem details (``application/problem+json``):
the HTTP errors (404, 405, 413, 429, 500 …), malformed or ill-typed requests (with what
is wrong per field), and the refusals of the registration's rules. Never HTML, never a
traceback."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus

from flask import Response, request
from werkzeug.exceptions import HTTPException, Unauthorized

MEDIA_TYPE = "application/problem+json"
# The docs page explains each kind of problem under this anchor.
TYPE_BASE = "/api/v1/docs#problem-"

# Kinds of problem beyond what the status says, with their explanation on the docs page.
KINDS = {
    "invalid-token": "The Authorization header carries no valid, unrevoked token.",
    "insufficient-scope": "The token lacks the scope this operation needs.",
    "other-event": "The token belongs to another event.",
    "registration-closed": "Registration is not open (not yet, no longer, or an archived "
                           "edition).",
    "already-registered": "The address holds a registration for the event already: nothing "
                          "changed, and its owner was mailed their link (unless mailed five "
                          "times in the last hour: 429).",
    "overlapping-forums": "Two chosen forums run at the same time and the event wants one "
                          "of them only.",
    "unknown-forum": "A forum slug that is not one of the event's parallel forums.",
    "registration-cancelled": "The registration is cancelled: its forums cannot change.",
    "invalid-fields": "Fields of the request are missing or wrong: see `errors`.",
}


def problem(status: int, detail: str | None = None, *, kind: str | None = None,
            errors: Mapping | None = None, headers: Mapping[str, str] | None = None) -> Response:
    body = {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "instance": request.path,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype=MEDIA_TYPE, headers=dict(headers or {}))
    return response


def _field_errors(error: HTTPException) -> dict | None:
    """What webargs found wrong, by field (body and query string merged)."""
    messages = (getattr(error, "data", None) or {}).get("messages")
    if not isinstance(messages, Mapping):
        return None
    merged: dict = {}
    for where, found in messages.items():
        if isinstance(found, Mapping):
            merged.update(found)
        else:
            merged[where] = found
    return merged


def answer_http_error(error: HTTPException) -> Response:
    """The problem details of an HTTP error raised anywhere under /api/."""
    status = error.code or 500
    errors = _field_errors(error)
    if errors is not None and status == 400:
        return problem(400, "The body is not valid JSON.", errors=errors)
    kind = getattr(error, "problem_kind", None)
    if errors is not None:
        return problem(status, error.description if kind else "Some fields are missing or "
                       "wrong.", kind=kind or "invalid-fields", errors=errors)
    headers = {"WWW-Authenticate": 'Bearer realm="Summit API"'} \
        if isinstance(error, Unauthorized) else None
    # A 500's description is werkzeug's generic text: nothing of what went wrong.
    return problem(status, error.description if kind or status != 500 else None, kind=kind,
                   headers=headers)
