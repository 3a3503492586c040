"""An edition that starts soon, with a reminder whose time has just come, and its
attendees registered before that time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from summit.demo.seed import SLUG, load_demo
from summit.events.service import clone_event, publish
from summit.extensions import db
from summit.models import Event, Forum, Registration, Reminder, utcnow

NEXT = "embedded-china-next"


def upcoming_edition(days_ahead: int = 10, slug: str = NEXT) -> int:
    """The demo cloned with its programme to start ``days_ahead`` days from today (in its
    time zone), published; returns its id. Its default reminders are days away."""
    demo = db.session.scalars(select(Event).where(Event.slug == SLUG)).first()
    if demo is None:
        demo = load_demo(db.session)
        db.session.commit()
    today = datetime.now(ZoneInfo(demo.timezone)).date()
    edition = clone_event(db.session, None, demo, slug, today + timedelta(days=days_ahead),
                          with_programme=True)
    publish(db.session, None, edition)
    return edition.id


def forum_of(event_id: int, slug: str) -> int:
    return db.session.scalars(select(Forum.id).where(Forum.event_id == event_id,
                                                     Forum.slug == slug)).one()


def due_reminder(event_id: int, minutes_ago: int = 5, note_zh: str = "", note_en: str = ""
                 ) -> int:
    """A reminder of the event whose time was ``minutes_ago`` minutes ago, written as it
    stands (the organizers' form refuses a time that has passed); returns its id."""
    event = db.session.get(Event, event_id)
    then = (utcnow() - timedelta(minutes=minutes_ago)).astimezone(ZoneInfo(event.timezone))
    reminder = Reminder(event_id=event_id, days_before=(event.starts_on - then.date()).days,
                        minute_of_day=then.hour * 60 + then.minute, note_zh=note_zh,
                        note_en=note_en)
    db.session.add(reminder)
    db.session.commit()
    return reminder.id


def registered_earlier(event_id: int, hours: int = 1) -> None:
    """Every registration of the event made ``hours`` ago, as far as reminders can tell."""
    db.session.execute(update(Registration).where(Registration.event_id == event_id)
                       .values(created_at=utcnow() - timedelta(hours=hours)))
    db.session.commit()
