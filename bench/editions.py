"""A site that has run the conference for years: nine earlier editions cloned from the
demo (programme included, archived) and 3,000 registrations in each of the ten events,
so that every page and feed is measured among other events' rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

EDITIONS = 10
REGISTRATIONS_PER_EVENT = 3000


def add_earlier_editions(url: str, editions: int = EDITIONS,
                         registrations: int = REGISTRATIONS_PER_EVENT) -> None:
    """Clone the demo into the ``editions - 1`` years before it and fill every event with
    ``registrations`` confirmed attendees (the demo's without seats, so the benchmark's
    forum starts empty; the others' in their first forum)."""
    from summit import create_app
    from summit.demo.seed import SLUG
    from summit.events.service import archive, clone_event
    from summit.extensions import db
    from summit.models import Event

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        demo = db.session.scalars(select(Event).where(Event.slug == SLUG)).one()
        _fill(demo.id, None, registrations)
        for years_before in range(1, editions):
            year = demo.starts_on.year - years_before
            edition = clone_event(db.session, None, demo, f"embedded-china-{year}",
                                  demo.starts_on.replace(year=year), with_programme=True)
            archive(db.session, None, edition)
            _fill(edition.id, edition.forums[0].id, registrations)
        db.engine.dispose()


def _fill(event_id: int, forum_id: int | None, count: int) -> None:
    from summit.extensions import db
    from summit.models import (
        Registration,
        RegistrationStatus,
        Seat,
        SeatStatus,
        utcnow,
    )
    from summit.private_links import new_token, token_digest
    from summit.registration.tokens import new_checkin_code

    now = utcnow()
    rows = []
    for number in range(count):
        token = new_token()
        rows.append({
            "event_id": event_id, "full_name": f"参会者{number:05d}",
            "latin_name": f"Delegate {number:05d}", "email": f"d{number:05d}@editions.example.org",
            "organisation": f"单位{number % 97}", "status": RegistrationStatus.CONFIRMED,
            "token": token, "token_hash": token_digest(token), "checkin_code": new_checkin_code(),
            "created_at": now - timedelta(minutes=number), "queued_at": now,
        })
    db.session.execute(insert(Registration), rows)
    if forum_id is not None:
        ids = db.session.scalars(select(Registration.id).where(
            Registration.event_id == event_id)).all()
        db.session.execute(insert(Seat), [
            {"registration_id": registration_id, "forum_id": forum_id,
             "status": SeatStatus.CONFIRMED, "queued_at": now} for registration_id in ids])
    db.session.commit()


def describe(editions: int = EDITIONS, registrations: int = REGISTRATIONS_PER_EVENT) -> str:
    return (f"{editions} events (the demo and {editions - 1} archived editions cloned from it) "
            f"with {registrations:,} registrations each")
