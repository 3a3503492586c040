"""What the public sees of the site's events: a draft only by its organizers and the
site's administrators; the list at `/`, coming events first, past editions in an
archive."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Event, EventRole, EventStatus, Role, User


def may_see_draft(session: Session, viewer: User | None, event_id: int) -> bool:
    """Whether ``viewer`` (None: an anonymous visitor) may open a draft event's pages."""
    return event_id in _open_drafts(session, viewer)


def _open_drafts(session: Session, viewer: User | None) -> Container[int]:
    """The drafts ``viewer`` may see: every one for an administrator, else those they
    organize."""
    if viewer is None:
        return frozenset()
    if viewer.role == Role.ADMIN:
        return _EVERY_EVENT
    return frozenset(session.scalars(select(EventRole.event_id).where(
        EventRole.user_id == viewer.id, EventRole.role == Role.ORGANIZER)))


class _EveryEvent(Container[int]):
    def __contains__(self, event_id: object) -> bool:
        return True


_EVERY_EVENT = _EveryEvent()


@dataclass
class SiteEvents:
    """The events on the site's front page, as one visitor sees them."""

    # Running or coming, soonest first (drafts only for those who may see them).
    coming: list[Event] = field(default_factory=list)
    # Archived or over, latest first.
    past: list[Event] = field(default_factory=list)

    @property
    def only_one(self) -> Event | None:
        visible = self.coming + self.past
        return visible[0] if len(visible) == 1 else None


def site_events(session: Session, viewer: User | None, now: datetime) -> SiteEvents:
    open_drafts = _open_drafts(session, viewer)
    listed = SiteEvents()
    for event in session.scalars(select(Event).order_by(Event.starts_on, Event.id)):
        if event.status == EventStatus.DRAFT and event.id not in open_drafts:
            continue
        today = now.astimezone(ZoneInfo(event.timezone)).date()
        if event.status == EventStatus.ARCHIVED or event.ends_on < today:
            listed.past.insert(0, event)
        else:
            listed.coming.append(event)
    return listed
