"""Places and seats: the event's capacity, seats per forum, waiting lists in arrival
order, under the event's lock.

Every change that can take or free a place runs in one transaction that first locks
the event's row (``lock_event``: ``SELECT … FOR NO KEY UPDATE`` on PostgreSQL; on
SQLite the transaction takes the write lock up front). Counts read under that lock
are the truth until commit, so two requests can never take the last seat twice, and
a freed seat goes to the first person waiting in the same transaction.

``lock_event`` gives a ``LockedEvent``, and only it: every function here that takes
or frees a place takes one, so a call without the lock is a type error at the call,
and one after the lock's transaction ended (a commit) is refused (LockNotHeld).
Nothing here commits. Whatever changes writes in the caller's transaction (which
``service`` or ``organizer`` begins, and ends with one commit).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, SessionTransaction, selectinload

from ..database import begin_write, commit_together, current_transaction
from ..models import (
    Event,
    Forum,
    ForumKind,
    MailKind,
    MailMessage,
    Registration,
    RegistrationStatus,
    Seat,
    SeatStatus,
    WebhookKind,
    utcnow,
)
from ..outbox import enqueue
from ..private_links import new_token, token_digest
from ..webhooks import queue_change
from . import queries
from .details import AttendeeDetails, find_by_email, normalise_email
from .errors import (
    AlreadyRegistered,
    CapacityBelowTaken,
    ForumFull,
    NotWaiting,
    OverlappingForums,
    RegistrationCancelled,
    UnknownForum,
)
from .forum_times import clashes
from .tokens import new_checkin_code


class LockNotHeld(RuntimeError):
    """A LockedEvent used after the transaction that took the lock ended."""


@dataclass(frozen=True, slots=True)
class LockedEvent:
    """An event whose row a transaction holds locked until it ends, with its forums
    read under the lock. Only ``lock_event`` makes one."""

    event: Event
    transaction: SessionTransaction

    def held(self, session: Session) -> Event:
        """The event, once sure that ``session`` is still in the transaction holding it."""
        if current_transaction(session) is not self.transaction:
            raise LockNotHeld(f"event {self.event.id}: its lock ended with its transaction")
        return self.event


def lock_event(session: Session, event_id: int) -> LockedEvent:
    """Hold the event's row until the transaction ends: every change to places and seats
    takes it first, after ``begin_write``. ``FOR NO KEY UPDATE``: these changes exclude
    each other, but not the key-share locks that inserting a row which refers to the
    event takes (a registration written before the lock is taken; ``FOR UPDATE`` would
    deadlock with those of other requests). Its forums are read in the same statement,
    under the lock."""
    event = session.execute(queries.LOCKED_EVENT, {"event_id": event_id}).unique().scalar_one()
    return LockedEvent(event, current_transaction(session))


def lock_registration(
    session: Session, registration: Registration
) -> tuple[LockedEvent, Registration]:
    """Start a change to one registration: a write transaction holding its event's lock,
    and the registration reloaded with its seats under that lock."""
    registration_id, event_id = registration.id, registration.event_id
    begin_write(session)
    locked = lock_event(session, event_id)
    return locked, _reload(session, registration_id)


def _reload(session: Session, registration_id: int) -> Registration:
    return session.execute(
        select(Registration)
        .where(Registration.id == registration_id)
        .options(selectinload(Registration.seats))
        .execution_options(populate_existing=True)
    ).scalar_one()


# --- counting ------------------------------------------------------------------


def seats_taken(session: Session, forum_ids: list[int]) -> Counter[int]:
    return Counter(dict(session.execute(queries.SEATS_TAKEN, {"forum_ids": forum_ids}).all()))


def seats_left(session: Session, forums: list[Forum]) -> dict[int, int | None]:
    """Free seats per forum id; None where a forum has no limit."""
    taken = seats_taken(session, [forum.id for forum in forums])
    return {
        forum.id: None if forum.capacity is None else max(forum.capacity - taken[forum.id], 0)
        for forum in forums
    }


def confirmed_count(session: Session, event: Event, besides: int | None = None) -> int:
    """Registrations holding a place at the event (but the one with id ``besides``)."""
    return session.scalar(
        select(func.count()).where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.id != besides if besides is not None else true(),
        )
    )


def seat_position(session: Session, seat: Seat) -> int | None:
    """1 for the first in line; None unless the seat is waiting behind others."""
    if seat.status != SeatStatus.WAITLISTED:
        return None
    ahead = session.scalar(
        queries.SEATS_AHEAD,
        {"forum_id": seat.forum_id, "queued_at": seat.queued_at, "seat_id": seat.id},
    )
    return ahead + 1


def event_position(session: Session, registration: Registration) -> int | None:
    """Place on the event's waiting list; None unless waitlisted."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = session.scalar(
        select(func.count()).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            queries.queued_before(
                Registration.queued_at, Registration.id, registration.queued_at, registration.id
            ),
        )
    )
    return ahead + 1


@dataclass
class SeatSummary:
    forum: Forum
    status: SeatStatus
    # Place in the forum's queue, counted among attendees whose registration is confirmed.
    position: int | None = None


@dataclass
class AttendeeSummary:
    registration: Registration
    event_position: int | None
    seats: list[SeatSummary] = field(default_factory=list)

    @property
    def confirmed_forums(self) -> list[Forum]:
        return [seat.forum for seat in self.seats if seat.status == SeatStatus.CONFIRMED]


def attendee_summary(session: Session, registration: Registration) -> AttendeeSummary:
    """What an attendee sees of their registration: status, forums, places in line."""
    active = [seat for seat in registration.seats if seat.status != SeatStatus.CANCELLED]
    active.sort(key=lambda seat: (seat.forum.position, seat.forum.id))
    return AttendeeSummary(
        registration=registration,
        event_position=event_position(session, registration),
        seats=[
            SeatSummary(
                seat.forum,
                seat.status,
                seat_position(session, seat)
                if registration.status == RegistrationStatus.CONFIRMED
                else None,
            )
            for seat in active
        ],
    )


# --- taking and freeing places, under the event's lock ------------------------------


def chosen_forums(
    session: Session, locked: LockedEvent, forum_ids: list[int], overlap_allowed: bool = False
) -> list[Forum]:
    """The parallel forums with these ids, as they stand under the lock. Raises
    UnknownForum, and OverlappingForums for two that run at the same time unless the
    event allows it or an organizer overrides (``overlap_allowed``)."""
    return choice_of_forums(session, locked.held(session), forum_ids, overlap_allowed)


def choice_of_forums(
    session: Session, event: Event, forum_ids: list[int], overlap_allowed: bool = False
) -> list[Forum]:
    """``chosen_forums`` of ``event`` as this session sees it."""
    wanted = set(forum_ids)
    forums = [
        forum for forum in event.forums if forum.kind == ForumKind.PARALLEL and forum.id in wanted
    ]
    if len(forums) != len(wanted):
        raise UnknownForum("unknown forum")
    forums.sort(key=lambda forum: (forum.position, forum.id))
    if not (overlap_allowed or event.allow_overlapping_forums):
        overlapping = clashes(session, forums, event.timezone)
        if overlapping:
            raise OverlappingForums(overlapping)
    return forums


def _has_room(capacity: int | None, taken: int) -> bool:
    return capacity is None or taken < capacity


def _take_seats(
    session: Session,
    registration: Registration,
    forums: list[Forum],
    now: datetime,
    beyond_capacity: bool = False,
) -> None:
    """Give the registration a seat in each forum it does not hold yet, or a place at
    the end of that forum's queue when the forum is full (or the registration itself
    is still waiting for a place at the event). ``beyond_capacity``: an organizer's
    override that seats it even in a full forum. ``forums`` come from ``chosen_forums``,
    under the lock."""
    if not forums:
        return
    held = {seat.forum_id: seat for seat in registration.seats}
    taken = seats_taken(session, [forum.id for forum in forums])
    for forum in forums:
        seat = held.get(forum.id)
        if seat is not None and seat.status != SeatStatus.CANCELLED:
            continue
        if seat is None:
            seat = Seat(forum=forum)
            registration.seats.append(seat)
        seat.queued_at = now
        if registration.status == RegistrationStatus.CONFIRMED and (
            beyond_capacity or _has_room(forum.capacity, taken[forum.id])
        ):
            seat.status = SeatStatus.CONFIRMED
            taken[forum.id] += 1
        else:
            seat.status = SeatStatus.WAITLISTED


def fill_forums(session: Session, locked: LockedEvent, forums: list[Forum]) -> list[Seat]:
    """Give free seats in ``forums`` (the locked event's) to the first people waiting,
    in arrival order; returns the seats that moved up."""
    locked.held(session)
    promoted: list[Seat] = []
    unique = {forum.id: forum for forum in forums}
    taken = seats_taken(session, list(unique))
    for forum in sorted(unique.values(), key=lambda f: f.id):
        free = None if forum.capacity is None else forum.capacity - taken[forum.id]
        if free is not None and free <= 0:
            continue
        waiting = (
            select(Seat)
            .where(Seat.forum_id == forum.id, queries.in_line_for_a_seat())
            .order_by(Seat.queued_at, Seat.id)
        )
        if free is not None:
            waiting = waiting.limit(free)
        for seat in session.scalars(waiting):
            seat.status = SeatStatus.CONFIRMED
            promoted.append(seat)
    return promoted


def fill_event(session: Session, locked: LockedEvent) -> list[Registration]:
    """Admit the first registrations on the event's waiting list while it has room;
    returns those admitted (their seats are ``fill_forums``'s to give)."""
    event = locked.held(session)
    waiting = (
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.queued_at, Registration.id)
    )
    if event.capacity is not None:
        free = event.capacity - confirmed_count(session, event)
        if free <= 0:
            return []
        waiting = waiting.limit(free)
    admitted = list(session.scalars(waiting))
    for registration in admitted:
        registration.status = RegistrationStatus.CONFIRMED
    return admitted


def _admit(
    session: Session,
    locked: LockedEvent,
    registration: Registration,
    forums: list[Forum],
    now: datetime,
    beyond_capacity: bool = False,
) -> None:
    """A place at the event where it has room (else its waiting list), and seats in
    ``forums``."""
    event = locked.event
    if beyond_capacity or event.capacity is None:
        has_room = True
    else:
        session.flush()  # the registration's id, to leave it out of the count
        others = confirmed_count(session, event, besides=registration.id)
        has_room = others < event.capacity
    registration.status = (
        RegistrationStatus.CONFIRMED if has_room else RegistrationStatus.WAITLISTED
    )
    _take_seats(session, registration, forums, now, beyond_capacity)


@dataclass(frozen=True)
class Placement:
    """A registration's place at the event and its seats (forum id and status, in the
    order the registration lists them), as it was given them."""

    status: RegistrationStatus
    seats: tuple[tuple[int, SeatStatus], ...]


def admit_new(
    session: Session, event_id: int, registration: Registration, forum_ids: list[int],
    now: datetime,
) -> Placement:
    """A new registration, written before the lock, gets its place at the event (its
    waiting list when full) and a seat in each chosen forum with room (else a place in
    its queue). Commits. Raises UnknownForum, OverlappingForums, before taking the lock.

    Every registration queues for the event's lock, so it is held for as little as can
    be: the database decides the place and seats (``queries.TAKE_SEATS``), in statements
    sent with the lock and the commit in one round trip (``commit_together``) — not for this
    process's turns between statements, which a busy machine makes long. What they
    decided comes back in the same round trip."""
    event = session.execute(queries.EVENT_WITH_FORUMS,
                            {"event_id": event_id}).unique().scalar_one()
    forums = choice_of_forums(session, event, forum_ids)
    values = {"event": event_id, "registration": registration.id,
              "forums": [forum.id for forum in forums], "now": now}
    seating = [(queries.TAKE_SEATS, values)] if forums else []
    rows = commit_together(session, [(queries.EVENT_LOCK, values),
                                     (queries.WAITLIST_WHEN_EVENT_FULL, values), *seating],
                           read=(queries.PLACE_AND_SEATS, values))
    return Placement(RegistrationStatus(rows[0][0]),
                     tuple((forum_id, SeatStatus(status)) for _, forum_id, status in rows
                           if forum_id is not None))


def enrol(
    session: Session,
    locked: LockedEvent,
    details: AttendeeDetails,
    forum_ids: list[int],
    now: datetime | None = None,
    beyond_capacity: bool = False,
    overlap_allowed: bool = False,
) -> Registration:
    """Create a registration (a cancelled one for the same address comes back, with a
    new private link: the old one stops working), give it a place and seats where there
    is room, and queue the confirmation.
    No registration window applies: ``service.register`` checks it for attendees,
    organizers add people at any time, with ``beyond_capacity`` even to a full event or
    forum, with ``overlap_allowed`` even to forums that run at the same time. Raises
    AlreadyRegistered for an address registered already, UnknownForum, OverlappingForums."""
    now = now or utcnow()
    forums = chosen_forums(session, locked, forum_ids, overlap_allowed)
    email = normalise_email(details.email)
    event_id = locked.event.id  # chosen_forums has checked the lock
    registration = find_by_email(session, event_id, email)
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        raise AlreadyRegistered(registration)
    if registration is None:
        registration = new_registration(session, event_id, email)
    else:
        # Whoever held the old link (a forwarded mail) must not see the new registration.
        _new_secret(registration)
    fill_in(registration, details, now)
    _admit(session, locked, registration, forums, now, beyond_capacity)
    queue_mail(session, registration, MailKind.CONFIRMATION)
    return registration


def new_registration(session: Session, event_id: int, email: str) -> Registration:
    """A registration for ``email`` with its private link and check-in code, added to
    the session; its details, place and seats are still to be given."""
    token = new_token()
    registration = Registration(
        event_id=event_id,
        email=email,
        token=token,
        token_hash=token_digest(token),
        checkin_code=new_checkin_code(),
        # Confirmed until _admit finds the event full: the common case costs no UPDATE.
        status=RegistrationStatus.CONFIRMED,
        seats=[],  # known to be empty: no query to find out
    )
    session.add(registration)
    return registration


def _new_secret(registration: Registration) -> None:
    registration.token = new_token()
    registration.token_hash = token_digest(registration.token)


def fill_in(registration: Registration, details: AttendeeDetails, now: datetime) -> None:
    registration.full_name = details.full_name
    registration.latin_name = details.latin_name
    registration.phone = details.phone
    registration.organisation = details.organisation
    registration.job_title = details.job_title
    registration.category = details.category
    registration.locale = details.locale
    registration.queued_at = now
    registration.cancelled_at = None


def apply_forum_choice(
    session: Session,
    locked: LockedEvent,
    registration: Registration,
    forum_ids: list[int],
    now: datetime | None = None,
    overlap_allowed: bool = False,
) -> None:
    """Keep the seats and places in line of forums still chosen, drop the others
    (their seats go to the next in line), join the new ones. ``overlap_allowed``: an
    organizer's override that keeps forums which run at the same time
    (OverlappingForums otherwise, unless the event allows them). Raises
    RegistrationCancelled, UnknownForum."""
    now = now or utcnow()
    if registration.status == RegistrationStatus.CANCELLED:
        raise RegistrationCancelled("cancelled")
    forums = chosen_forums(session, locked, forum_ids, overlap_allowed)
    wanted = {forum.id for forum in forums}
    freed = []
    for seat in registration.seats:
        if seat.status != SeatStatus.CANCELLED and seat.forum_id not in wanted:
            if seat.status == SeatStatus.CONFIRMED:
                freed.append(seat.forum)
            seat.status = SeatStatus.CANCELLED
    _take_seats(session, registration, forums, now)
    _fill_and_notify(session, locked, freed, admit=False)


def withdraw(
    session: Session, locked: LockedEvent, registration: Registration, now: datetime | None = None
) -> list[Registration]:
    """Cancel the registration: its place and seats go to the first in line, and it is
    mailed. Cancelling twice changes nothing. Returns who moved up."""
    locked.held(session)
    if registration.status == RegistrationStatus.CANCELLED:
        return []
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    freed = [seat.forum for seat in registration.seats if seat.status == SeatStatus.CONFIRMED]
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now or utcnow()
    for seat in registration.seats:
        seat.status = SeatStatus.CANCELLED
    session.flush()
    moved_up = _fill_and_notify(session, locked, freed, admit=was_confirmed)
    queue_mail(session, registration, MailKind.CANCELLATION)
    return moved_up


def promote_registration(
    session: Session, locked: LockedEvent, registration: Registration
) -> list[Seat]:
    """An organizer's override: admit a registration from the event's waiting list even
    when the event is full, seat it where its forums have room, and queue the promotion
    mail. Returns the seats that moved up (anyone's)."""
    locked.held(session)
    if registration.status != RegistrationStatus.WAITLISTED:
        raise NotWaiting("not on the event's waiting list")
    registration.status = RegistrationStatus.CONFIRMED
    session.flush()
    waiting = [seat.forum for seat in registration.seats if seat.status == SeatStatus.WAITLISTED]
    promoted = fill_forums(session, locked, waiting)
    moved_up = {registration.id: registration}
    moved_up.update((seat.registration_id, seat.registration) for seat in promoted)
    for person in moved_up.values():
        queue_mail(session, person, MailKind.PROMOTION)
    return promoted


def promote_seat(
    session: Session, locked: LockedEvent, registration: Registration, forum_id: int
) -> Seat:
    """An organizer's override: give a confirmed registration its seat in a forum whose
    waiting list it is on, even when the forum is full, and queue the promotion mail."""
    locked.held(session)
    seat = next((seat for seat in registration.seats if seat.forum_id == forum_id), None)
    if (
        seat is None
        or seat.status != SeatStatus.WAITLISTED
        or registration.status != RegistrationStatus.CONFIRMED
    ):
        raise NotWaiting("not on the forum's waiting list")
    seat.status = SeatStatus.CONFIRMED
    queue_mail(session, registration, MailKind.PROMOTION)
    return seat


def seat_at_the_door(
    session: Session, locked: LockedEvent, registration: Registration, forum_id: int
) -> Seat:
    """Staff at a forum's door seat a confirmed registration from the forum's waiting
    list while the forum has a free seat (counted under the lock): never beyond its
    capacity. Raises NotWaiting, ForumFull. No mail: the person is at the door."""
    locked.held(session)
    seat = next((seat for seat in registration.seats if seat.forum_id == forum_id), None)
    if (
        seat is None
        or seat.status != SeatStatus.WAITLISTED
        or registration.status != RegistrationStatus.CONFIRMED
    ):
        raise NotWaiting("not on the forum's waiting list")
    if not _has_room(seat.forum.capacity, seats_taken(session, [forum_id])[forum_id]):
        raise ForumFull(seat.forum.slug)
    seat.status = SeatStatus.CONFIRMED
    queue_change(session, registration.event_id, WebhookKind.SEAT_CONFIRMED, registration,
                 forum_id=forum_id)
    return seat


def _fill_and_notify(
    session: Session, locked: LockedEvent, forums: list[Forum], admit: bool
) -> list[Registration]:
    """After places were freed: admit from the event's list (when ``admit``), seat
    from the forums' lists, and queue one promotion mail per person who moved up;
    returns those people."""
    moved_up: dict[int, Registration] = {}
    if admit:
        for registration in fill_event(session, locked):
            moved_up[registration.id] = registration
            forums = forums + [seat.forum for seat in registration.seats]
    session.flush()
    for seat in fill_forums(session, locked, forums):
        moved_up[seat.registration_id] = seat.registration
    for registration in moved_up.values():
        queue_mail(session, registration, MailKind.PROMOTION)
    return list(moved_up.values())


def set_event_capacity(session: Session, locked: LockedEvent, capacity: int | None) -> None:
    """An organizer changes how many the event admits: never fewer than are confirmed
    (CapacityBelowTaken); places it adds go to the first on the event's waiting list,
    who are seated in their forums where there is room and mailed."""
    event = locked.held(session)
    if capacity is not None and capacity < (taken := confirmed_count(session, event)):
        raise CapacityBelowTaken(taken)
    event.capacity = capacity
    session.flush()
    _fill_and_notify(session, locked, [], admit=True)


def set_forum_capacity(
    session: Session, locked: LockedEvent, forum: Forum, capacity: int | None
) -> None:
    """An organizer changes the seats of one of the locked event's forums: never fewer
    than are taken (CapacityBelowTaken); seats it adds go to the first in its line, who
    are mailed."""
    locked.held(session)
    taken = seats_taken(session, [forum.id])[forum.id] if forum.id is not None else 0
    if capacity is not None and capacity < taken:
        raise CapacityBelowTaken(taken)
    forum.capacity = capacity
    session.flush()
    _fill_and_notify(session, locked, [forum], admit=False)


# The changes that every path mails the attendee about, and the webhooks that tell them.
WEBHOOK_OF_MAIL = {
    MailKind.CONFIRMATION: WebhookKind.REGISTRATION_CREATED,
    MailKind.CANCELLATION: WebhookKind.REGISTRATION_CANCELLED,
    MailKind.PROMOTION: WebhookKind.SEAT_CONFIRMED,
}


def queue_mail(session: Session, registration: Registration, kind: MailKind) -> None:
    """Queue a mail of this kind to the registration's address, in the caller's
    transaction (registration.mails writes it when it is sent), and the webhooks of the
    change it reports."""
    enqueue(session, MailMessage(registration=registration, kind=kind.value,
                                 recipient=registration.email),
            event_id=registration.event_id)
    if kind in WEBHOOK_OF_MAIL:
        queue_change(session, registration.event_id, WEBHOOK_OF_MAIL[kind], registration)
