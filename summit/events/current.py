"""The event a request or command serves: the one an event's address names
(``/<event_slug>/…``), the one a private link belongs to, or else the default event:
SUMMIT_EVENT if set, else the only event, else the next one (ongoing or soonest
upcoming, published), else the latest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from flask import Blueprint, abort, current_app, g
from flask_login import current_user
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Event, EventStatus, User
from .public import may_see_draft
from .queries import EVENT, EVENT_VERSION, EventVersion, OneEvent

Found = TypeVar("Found", Event, EventVersion)

# Every public page, form and feed of an event lives under its slug.
EVENT_PREFIX = "/<event_slug>"


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
    """The event this request serves; without one, the default event."""
    if "summit_event" not in g:
        version = g.get("summit_event_version")
        slug = version.slug if version else current_app.config.get("SUMMIT_EVENT")
        g.summit_event = find_event(db.session, slug)
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
    if "summit_event_version" not in g:
        version = find_event_version(db.session, current_app.config.get("SUMMIT_EVENT"))
        g.summit_event_version = _visible_or_404(version)
    return g.summit_event_version


def serve_under_event_slug(blueprint: Blueprint, *, feeds: bool = False) -> None:
    """``blueprint``'s addresses are an event's (its URL prefix is EVENT_PREFIX): each
    request serves the event its slug names (404 for an unknown one, or a draft this
    visitor may not see), and links to its views built during a request name the
    served event unless they name another. ``feeds`` load only the event's programme
    version, which is all a feed answered from the cache needs."""
    load = _serve_event_version_named if feeds else _serve_event_named

    def preprocess(_endpoint: str, values: dict) -> None:
        load(values["event_slug"])
        # Only once found: an error page's links (the language switch) keep the address.
        del values["event_slug"]

    blueprint.url_value_preprocessor(preprocess)
    blueprint.url_defaults(_name_the_served_event)


def _serve_event_named(slug: str) -> None:
    use_event(_visible_or_404(find_event(db.session, slug)))


def _serve_event_version_named(slug: str) -> None:
    g.summit_event_version = _visible_or_404(find_event_version(db.session, slug))


def _visible_or_404(found: Found | None) -> Found:
    if found is None:
        abort(404)
    # Only a draft asks who is signed in: reading the session would make every answer
    # vary by cookie, and shared caches could no longer keep a feed.
    if found.status == EventStatus.DRAFT and not may_see_draft(db.session, viewer(), found.id):
        abort(404)
    return found


def viewer() -> User | None:
    """Who is signed in, if anyone: what decides which drafts they see."""
    return current_user if current_user.is_authenticated else None


def _name_the_served_event(_endpoint: str, values: dict) -> None:
    if "event_slug" not in values and (event := current_event()) is not None:
        values["event_slug"] = event.slug
