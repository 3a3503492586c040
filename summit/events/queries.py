"""The statements that find an event, built once: every request asks for its event."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import Select, bindparam, case, select

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


class OneEvent:
    """A statement for the event named by a slug, and one for the default event."""

    def __init__(self, query: Select):
        table = Event.__table__.c
        self.by_slug = query.where(table.slug == bindparam("slug")).limit(1)
        coming = (table.status == EventStatus.PUBLISHED.value) & (
            table.ends_on >= bindparam("today"))
        # The next published event (ongoing or soonest upcoming), else the latest shown
        # to the public, else the latest draft. With a single event, that event.
        self.default = query.order_by(
            case((coming, 0), (table.status != EventStatus.DRAFT.value, 1), else_=2),
            case((coming, table.starts_on)),
            table.starts_on.desc(),
            table.id.desc(),
        ).limit(1)


EVENT = OneEvent(select(Event))
# Core columns, not the mapped attributes: the ORM's per-statement work would cost
# more than the rest of a cached feed's answer.
EVENT_VERSION = OneEvent(select(*(Event.__table__.c[column.name]
                                  for column in fields(EventVersion))))

