"""The statements every request runs to find its event, built once: building one
anew cost as much Python as running it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..models import Event


@dataclass(frozen=True)
class EventVersion:
    """Which version of an event's programme stands: enough to answer for a feed from
    the cache or with a 304, without loading the event itself. The row EVENT_VERSION
    reads."""

    id: int
    slug: str
    default_locale: str
    programme_version: int
    programme_updated_at: datetime


class OneEvent:
    """A statement for the event named by a slug, and one for the first event."""

    def __init__(self, query):
        table = Event.__table__.c
        self.by_slug = query.where(table.slug == bindparam("slug")).limit(1)
        self.first = query.order_by(table.id).limit(1)

    def run(self, session: Session, slug: str | None):
        if slug:
            return session.execute(self.by_slug, {"slug": slug})
        return session.execute(self.first)


EVENT = OneEvent(select(Event))
# Core columns, not the mapped attributes: the ORM's per-statement work would cost
# more than the rest of a cached feed's answer.
EVENT_VERSION = OneEvent(select(*(Event.__table__.c[column.name]
                                  for column in fields(EventVersion))))
