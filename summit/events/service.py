"""Events: which one a request or command serves, and what a feed needs to know of it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Event
from .queries import EVENT, EVENT_VERSION, EventVersion


def find_event(session: Session, slug: str | None = None) -> Event | None:
    """The event named by ``slug``, or else the first one."""
    return EVENT.run(session, slug).scalars().first()


def find_event_version(session: Session, slug: str | None = None) -> EventVersion | None:
    row = EVENT_VERSION.run(session, slug).first()
    return EventVersion(*row) if row else None
