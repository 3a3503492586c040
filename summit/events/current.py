"""The event this app serves, looked up once per request or CLI command."""

from __future__ import annotations

from flask import abort, current_app, g

from ..extensions import db
from ..models import Event
from .queries import EventVersion
from .service import find_event, find_event_version


def current_event() -> Event | None:
    """The event named by SUMMIT_EVENT, or else the first one in the database."""
    if "summit_event" not in g:
        g.summit_event = find_event(db.session, current_app.config.get("SUMMIT_EVENT"))
    return g.summit_event


def use_event(event: Event | None) -> None:
    """Make ``event`` what this request's or command's templates and lookups take for
    the served event, without asking the database (None: there is none to show)."""
    g.summit_event = event


def require_event() -> Event:
    event = current_event()
    if event is None:
        abort(404)
    return event


def require_event_version() -> EventVersion:
    """The served event's programme version: what a feed needs before it knows whether
    it must build anything."""
    version = find_event_version(db.session, current_app.config.get("SUMMIT_EVENT"))
    if version is None:
        abort(404)
    return version
