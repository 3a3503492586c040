"""The doors of the forums: a desk set to one forum's door admits the people seated in
it, tells those on its waiting list or without a seat, and seats someone from the
waiting list when the forum has a free seat (seats.py's rule, under the event's lock).

Each admission at a door is a DeskScan with the forum: attendance per forum, and per
session, is counted from them. Someone admitted at a door who had not come through the
entrance is checked in at the event as well.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import audit
from ..audit import AuditAction
from ..models import (
    Forum,
    ForumKind,
    Registration,
    RegistrationStatus,
    SeatStatus,
    User,
)
from ..registration.seats import lock_registration, seat_at_the_door
from .service import (
    OBJECT_TYPE,
    Attendee,
    Outcome,
    Scan,
    admit_in_transaction,
    event_of_badge,
    refusal,
    valid_code,
)


def door_forum(session: Session, event_id: int, forum_id: int) -> Forum | None:
    """The event's forum with this id (a door to stand at), or None."""
    return session.scalars(
        select(Forum).where(Forum.event_id == event_id, Forum.id == forum_id)
    ).first()


def scan_at_door_in_transaction(
    session: Session, event_id: int, forum: Forum, code: str, actor: User, now: datetime
) -> Scan:
    """A normalised code read at ``forum``'s door, in the caller's write transaction
    (commits nothing). Everyone confirmed may enter the main forum; a parallel forum
    admits those who hold a seat in it, again and again (people step out and back)."""
    if not valid_code(code):
        return Scan(Outcome.UNKNOWN)
    registration = session.scalars(
        select(Registration)
        .where(Registration.event_id == event_id, Registration.checkin_code == code)
        .options(selectinload(Registration.seats))
    ).first()
    if registration is None:
        other_event = event_of_badge(session, event_id, code)
        return Scan(Outcome.OTHER_EVENT, other_event=other_event) if other_event \
            else Scan(Outcome.UNKNOWN)
    if registration.status != RegistrationStatus.CONFIRMED:
        return Scan(refusal(registration), Attendee.of(registration))
    if forum.kind == ForumKind.PARALLEL:
        seat = next((seat for seat in registration.seats if seat.forum_id == forum.id), None)
        if seat is None or seat.status == SeatStatus.CANCELLED:
            return Scan(Outcome.NOT_SEATED, Attendee.of(registration))
        if seat.status == SeatStatus.WAITLISTED:
            return Scan(Outcome.SEAT_WAITING, Attendee.of(registration))
    if registration.checked_in_at is None:
        admit_in_transaction(session, event_id, Registration.id == registration.id, actor, now)
    return Scan(Outcome.CHECKED_IN, Attendee.of(registration))


def seat_from_waiting_list_in_transaction(
    session: Session, registration: Registration, forum: Forum, actor: User, now: datetime
) -> Scan:
    """Seat ``registration`` from ``forum``'s waiting list and admit it at the door, in a
    write transaction this begins and the caller commits: the event's lock is held until
    then. Raises NotWaiting, ForumFull (nothing written)."""
    locked, registration = lock_registration(session, registration)
    seat_at_the_door(session, locked, registration, forum.id)
    audit.record(session, actor, AuditAction.PROMOTE, OBJECT_TYPE, registration.id,
                 summary=registration.full_name,
                 before={"forum": forum.slug, "seat": SeatStatus.WAITLISTED.value},
                 after={"forum": forum.slug, "seat": SeatStatus.CONFIRMED.value},
                 event_id=registration.event_id)
    session.flush()
    if registration.checked_in_at is None:
        return admit_in_transaction(
            session, registration.event_id, Registration.id == registration.id, actor, now)
    return Scan(Outcome.CHECKED_IN, Attendee.of(registration))
