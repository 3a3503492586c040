"""The statements that every registration runs, built once with bind parameters:
building one anew cost as much Python as running it. Also the conditions that
statements built per call share with them."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, case, func, insert, literal, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from ..models import (
    SCHEDULED,
    Event,
    Forum,
    ForumKind,
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

EVENT_WITH_FORUMS = (
    select(Event).where(Event.id == bindparam("event_id")).options(joinedload(Event.forums))
)

LOCKED_EVENT = (
    EVENT_WITH_FORUMS.with_for_update(key_share=True, of=Event)
    .execution_options(populate_existing=True)
)

SESSION_TIMES = select(
    ProgrammeSession.forum_id, ProgrammeSession.starts_at, ProgrammeSession.ends_at
).where(
    ProgrammeSession.forum_id.in_(bindparam("forum_ids", expanding=True)),
    ProgrammeSession.cancelled.is_(False),
    SCHEDULED,
)


# --- a new registration's place and seats, decided by the database under the lock ------
# (Bind parameters named unlike any column: an INSERT or UPDATE keeps those names.)

_registration, _seat, _forum = Registration.__table__, Seat.__table__, Forum.__table__
_event = Event.__table__
# Of the tables, not the models: the ORM would read the rows that a pipeline has not
# brought back yet.
EVENT_LOCK = (
    select(_event.c.id).where(_event.c.id == bindparam("event")).with_for_update(key_share=True)
)
_others = aliased(Registration)
_event_capacity = (
    select(Event.capacity).where(Event.id == bindparam("event")).scalar_subquery()
)
_confirmed_others = (
    select(func.count())
    .where(_others.event_id == bindparam("event"),
           _others.status == RegistrationStatus.CONFIRMED,
           _others.id != bindparam("registration"))
    .scalar_subquery()
)
# New registrations are written confirmed: only a full event costs this UPDATE a row.
# Part of writing the registration, not a change to it: its time stays the insert's.
WAITLIST_WHEN_EVENT_FULL = (
    update(_registration)
    .where(_registration.c.id == bindparam("registration"),
           _event_capacity.is_not(None), _confirmed_others >= _event_capacity)
    .values(status=literal(RegistrationStatus.WAITLISTED, _registration.c.status.type),
            updated_at=_registration.c.updated_at)
)

_taken = (
    select(func.count())
    .select_from(_seat)
    .where(_seat.c.forum_id == _forum.c.id,
           _seat.c.status == literal(SeatStatus.CONFIRMED, _seat.c.status.type))
    .scalar_subquery()
)
_has_place = (
    select(_registration.c.status).where(_registration.c.id == bindparam("registration"))
    .scalar_subquery() == literal(RegistrationStatus.CONFIRMED, _registration.c.status.type)
)
# A seat where the forum has room and the registration a place, else a place in the
# forum's queue; only the event's parallel forums (as they stand under the lock).
TAKE_SEATS = insert(_seat).from_select(
    ["registration_id", "forum_id", "status", "queued_at", "updated_at"],
    select(
        bindparam("registration"),
        _forum.c.id,
        case((and_(_has_place, or_(_forum.c.capacity.is_(None), _taken < _forum.c.capacity)),
              literal(SeatStatus.CONFIRMED, _seat.c.status.type)),
             else_=literal(SeatStatus.WAITLISTED, _seat.c.status.type)),
        bindparam("now", type_=_seat.c.queued_at.type),
        bindparam("now", type_=_seat.c.updated_at.type),
    ).where(
        _forum.c.id.in_(bindparam("forums", expanding=True)),
        _forum.c.event_id == bindparam("event"),
        _forum.c.kind == literal(ForumKind.PARALLEL, _forum.c.kind.type),
    ),
)

# What the statements above decided, read in the same round trip: the registration's
# place and its seats (none: one row with no seat), in the order the registration lists them.
PLACE_AND_SEATS = (
    select(_registration.c.status, _seat.c.forum_id, _seat.c.status)
    .select_from(_registration.outerjoin(_seat, _seat.c.registration_id == _registration.c.id))
    .where(_registration.c.id == bindparam("registration"))
    .order_by(_seat.c.id)
)
