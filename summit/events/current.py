"""The event a request or command serves when no address names one: SUMMIT_EVENT if
set, else the only event, else the next one (ongoing or soonest upcoming, published),
else the latest."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, g
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Event
from .queries import EVENT, EVENT_VERSION, EventVersion, OneEvent


def _run(statement: OneEvent, session: Session, slug: str | None):
    if slug:
        return session.execute(statement.by_slug, {"slug": slug})
    return session.execute(statement.default, {"today": datetime.now(UTC).date()})


def find_event(session: Session, slug: str | None = None) -> Event | None:
    """The event named by ``slug``, or else the default event."""
    return _run(EVENT, session, slug).scalars().first()


def find_event_version(session: Session, slug: str | None = None) -> EventVersion | None:
    row = _run(EVENT_VERSION, session, slug).first()
    return EventVersion(*row) if row else None


def current_event() -> Event | None:
    """The served event: the one SUMMIT_EVENT names, or else the default event."""
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
