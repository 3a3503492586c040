"""Who calls the API: the token in ``Authorization: Bearer …`` and nothing else (a
browser's session cookie never counts here, and a token opens no web page), the event
it belongs to and the scopes it holds; its rate limit; and noting each use."""

from __future__ import annotations

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import Forbidden, HTTPException, Unauthorized

from ..extensions import db
from ..models import ApiScope, utcnow
from .tokens import Bearer, due_for_noting, find_bearer, note_use

WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class InvalidToken(Unauthorized):
    problem_kind = "invalid-token"
    description = "Send a valid token as `Authorization: Bearer summit_…`."


class InsufficientScope(Forbidden):
    problem_kind = "insufficient-scope"

    def __init__(self, scope: ApiScope):
        super().__init__(f"This operation needs a token with the {scope.value} scope.")


class OtherEvent(Forbidden):
    problem_kind = "other-event"
    description = "This token belongs to another event."


def _presented_secret() -> str | None:
    """The secret of an ``Authorization: Bearer`` header; "" for any other header."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def presented_bearer() -> Bearer | None:
    """The request's token, looked up once; None when it presents none. A header that
    carries no valid token is refused (401)."""
    if "api_bearer" not in g:
        secret = _presented_secret()
        g.api_bearer = None if secret is None else find_bearer(db.session, secret)
        if secret is not None and g.api_bearer is None:
            g.api_bearer_refused = True
    if g.get("api_bearer_refused"):
        raise InvalidToken()
    return g.api_bearer


def check_bearer(bearer: Bearer, event_id: int | None, *scopes: ApiScope) -> Bearer:
    """``bearer``, if it belongs to ``event_id`` (None: any event) and holds one of
    ``scopes``; else 403."""
    if event_id is not None and bearer.event_id != event_id:
        raise OtherEvent()
    if not bearer.scopes.intersection(scopes):
        raise InsufficientScope(scopes[0])
    return bearer


def rate_limit_key() -> str:
    """Each token counts for itself; a request without a (valid) token, by address."""
    try:
        bearer = presented_bearer()
    except HTTPException:
        bearer = None
    return f"api-token:{bearer.id}" if bearer else f"api-address:{get_remote_address()}"


def rate_limit() -> str:
    return current_app.config["RATELIMIT_API"]


def note_this_use(response):
    """After a request that presented a valid token: its use, in the audit log and the
    token's last use (see ``tokens``)."""
    bearer = g.get("api_bearer")
    if bearer is None:
        return response
    write = request.method in WRITING_METHODS
    now = utcnow()
    if write or due_for_noting(bearer, now):
        # The request's transaction ends first: on SQLite it may hold the write lock.
        db.session.rollback()
        note_use(db.engine, bearer, request.method, request.path, response.status_code,
                 write=write, now=now)
    return response
