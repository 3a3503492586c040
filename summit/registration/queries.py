"""The statements that every registration runs, built once with bind parameters:
building one anew cost as much Python as running it. Also the conditions that
statements built per call share with them."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from ..models import (
    SCHEDULED,
    Event,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    Seat,
    SeatStatus,
)


def queued_before(column_at, column_id, at, row_id):
    """Rows queued before (``at``, ``row_id``): values or bind parameters."""
    # The first term is implied by the second; it bounds an index range on queued_at.
    return and_(column_at <= at, or_(column_at < at, and_(column_at == at, column_id < row_id)))


def in_line_for_a_seat():
    """A waiting seat whose registration holds a place at the event. The registrations
    that do not (still waiting for the event, or cancelled) are read once, into a set
    each seat is checked against, rather than each seat's registration being looked
    up: the queue ahead of someone who registers late can be thousands long. (Not
    narrowed to the event: with statistics behind a fast-growing table, PostgreSQL
    would then walk all the event's registrations instead of the status index.)"""
    not_admitted = select(Registration.id).where(
        Registration.status.in_((RegistrationStatus.WAITLISTED, RegistrationStatus.CANCELLED))
    )
    return and_(Seat.status == SeatStatus.WAITLISTED, Seat.registration_id.not_in(not_admitted))


BY_EMAIL = select(Registration).where(
    Registration.event_id == bindparam("event_id"), Registration.email == bindparam("email")
)

SEATS_TAKEN = (
    select(Seat.forum_id, func.count())
    .where(
        Seat.forum_id.in_(bindparam("forum_ids", expanding=True)),
        Seat.status == SeatStatus.CONFIRMED,
    )
    .group_by(Seat.forum_id)
)

SEATS_AHEAD = (
    select(func.count())
    .select_from(Seat)
    .where(
        Seat.forum_id == bindparam("forum_id"),
        in_line_for_a_seat(),
        queued_before(Seat.queued_at, Seat.id, bindparam("queued_at"), bindparam("seat_id")),
    )
)

LOCKED_EVENT = (
    select(Event)
    .where(Event.id == bindparam("event_id"))
    .options(joinedload(Event.forums))
    .with_for_update(key_share=True, of=Event)
    .execution_options(populate_existing=True)
)

SESSION_TIMES = select(
    ProgrammeSession.forum_id, ProgrammeSession.starts_at, ProgrammeSession.ends_at
).where(
    ProgrammeSession.forum_id.in_(bindparam("forum_ids", expanding=True)),
    ProgrammeSession.cancelled.is_(False),
    SCHEDULED,
)
