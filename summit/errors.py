"""Error pages: a friendly page for people, a small JSON body for programs, no stack traces."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import Flask, Response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import BadRequest, HTTPException, SecurityError, ServiceUnavailable

from .events.current import use_event
from .extensions import db, limiter

MACHINE_SUFFIXES = (".ics", ".xml", ".json", ".csv", ".pdf")

# Addresses that answer every error in a format of their own, by the start of their path
# (the REST API: RFC 9457 problem details): prefix -> the answer to an HTTP error.
_OWN_ANSWERS: dict[str, Callable[[HTTPException], Response]] = {}


def answer_errors_under(prefix: str, answer: Callable[[HTTPException], Response]) -> None:
    """Errors of requests whose path starts with ``prefix`` are answered by ``answer``."""
    _OWN_ANSWERS[prefix] = answer


def _own_answer(error: HTTPException) -> Response | None:
    for prefix, answer in _OWN_ANSWERS.items():
        if request.path.startswith(prefix):
            return answer(error)
    return None


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        403: _("You do not have permission to open this page."),
        404: _("There is nothing at this address."),
        405: _("This address does not accept that kind of request."),
        413: _("What you sent is too large."),
        422: _("What you sent could not be processed."),
        429: _("Too many requests in a short time. Please wait a moment and try again."),
        500: _("Something went wrong on our side. It has been logged; please try again."),
        503: _("The service is briefly unavailable. Please try again in a moment."),
    }


def wants_machine_answer() -> bool:
    if request.path.endswith(MACHINE_SUFFIXES):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(status: int, message: str | None = None):
    message = message or _messages().get(status, _("The request could not be completed."))
    if wants_machine_answer():
        return {"error": message, "status": status}, status
    return render_template("errors/error.html", status=status, message=message), status


def _seconds_until_the_limit_resets() -> int:
    """For Retry-After: when the rate limit this request broke lets it through again."""
    broken = limiter.current_limit
    if broken is None:
        return 60
    return max(1, math.ceil(broken.reset_at - time.time()))


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        return error_response(
            400,
            _("This form has expired or was not sent from this site. "
              "Please go back, reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # Unhandled exceptions arrive here as a 500 after Flask has logged them.
        headers = {}
        if error.code == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        if error.code == 429:
            headers["Retry-After"] = str(_seconds_until_the_limit_resets())
        own = _own_answer(error)
        if own is not None:
            own.headers.update(headers)
            return own
        body, status = error_response(error.code or 500)
        return body, status, headers

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # A Host header outside TRUSTED_HOSTS: no page of ours can be built for it (every
        # link would point there), so a plain answer.
        message = _("This site does not answer to that host name.")
        own = _own_answer(BadRequest(message))
        if own is not None:
            return own
        return message, 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        # The database went away (a restart, a dropped connection): answer 503 now;
        # the pool's pre-ping reconnects on the next request.
        db.session.rollback()
        use_event(None)  # render the page without asking the database again
        app.logger.warning("database unavailable: %s", error.__class__.__name__)
        return _own_answer(ServiceUnavailable()) or error_response(503)
