"""Events: which one a request or command serves, and what a feed needs to know of it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..models import Event, EventStatus


@dataclass(frozen=True)
class EventVersion:
    """Which version of an event's programme stands: enough to answer for a feed from
    the cache or with a 304, without loading the event itself."""

    id: int
    slug: str
    default_locale: str
    programme_version: int
    programme_updated_at: datetime
    # Whether the public may see it at all (a draft only by its organizers).
    status: EventStatus


class _OneEvent:
    """A statement for the event named by a slug, and one for the first event; built
    once, as every request asks for the event."""

    def __init__(self, query):
        table = Event.__table__.c
        self.by_slug = query.where(table.slug == bindparam("slug")).limit(1)
        self.first = query.order_by(table.id).limit(1)

    def run(self, session: Session, slug: str | None):
        if slug:
            return session.execute(self.by_slug, {"slug": slug})
        return session.execute(self.first)


_EVENT = _OneEvent(select(Event))
# Core columns, not the mapped attributes: the ORM's per-statement work would cost
# more than the rest of a cached feed's answer.
_EVENT_VERSION = _OneEvent(select(*(Event.__table__.c[column.name]
                                     for column in fields(EventVersion))))


def find_event(session: Session, slug: str | None = None) -> Event | None:
    """The event named by ``slug``, or else the first one."""
    return _EVENT.run(session, slug).scalars().first()


def find_event_version(session: Session, slug: str | None = None) -> EventVersion | None:
    row = _EVENT_VERSION.run(session, slug).first()
    return EventVersion(*row) if row else None
