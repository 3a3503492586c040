"""Registration rules: the event's capacity, seats per forum, waiting lists in arrival order.

Every change that can take or free a place runs in one transaction that first
locks the event's row (``SELECT … FOR NO KEY UPDATE`` on PostgreSQL; on SQLite
the transaction takes the write lock up front). Counts read under that lock are
the truth until commit, so two requests can never take the last seat twice,
and a freed seat goes to the first person waiting in the same transaction.

The statements that every registration runs (the upper-case module constants) are
built once, with bind parameters: building one anew cost as much Python as running it.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import and_, bindparam, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from .. import audit
from ..database import begin_write
from ..models import (
    Event,
    EventStatus,
    Forum,
    ForumKind,
    MailKind,
    MailMessage,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    Seat,
    SeatStatus,
    utcnow,
)
from ..outbox import enqueue
from .forum_times import clashes
from .tokens import new_checkin_code, new_token, plausible_token, same_token, token_digest


class RegistrationError(Exception):
    """A rule says no; the message is for the attendee."""


class WindowState(enum.StrEnum):
    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    # A past edition, kept read-only.
    ARCHIVED = "archived"


class RegistrationClosed(RegistrationError):
    def __init__(self, state: WindowState):
        super().__init__(state.value)
        self.state = state


class UnknownForum(RegistrationError):
    pass


class RegistrationCancelled(RegistrationError):
    pass


class OverlappingForums(RegistrationError):
    """Two chosen forums run at the same time and the event wants one of them only."""

    def __init__(self, pairs: list[tuple[Forum, Forum]]):
        super().__init__("; ".join(f"{a.slug} and {b.slug} overlap" for a, b in pairs))
        self.pairs = pairs


class AlreadyRegistered(RegistrationError):
    """The address holds a registration for the event already."""

    def __init__(self, registration: Registration):
        super().__init__("already registered")
        self.registration = registration


class NotWaiting(RegistrationError):
    """A promotion asked for a registration or seat that is not on a waiting list."""


class CapacityBelowTaken(RegistrationError):
    """A capacity smaller than the places or seats already taken."""

    def __init__(self, taken: int):
        super().__init__(f"{taken} taken")
        self.taken = taken


@dataclass(frozen=True)
class AttendeeDetails:
    """What an attendee tells us about themselves."""

    full_name: str
    email: str
    latin_name: str = ""
    phone: str = ""
    organisation: str = ""
    job_title: str = ""
    category: RegistrationCategory = RegistrationCategory.DELEGATE
    locale: str = "zh"


# Mails that hand an address its link (again) on request: at most this many per hour,
# counted in the database (across workers), so the form cannot flood an inbox.
LINK_MAILS_PER_HOUR = 5
ON_REQUEST = (MailKind.LINK.value, MailKind.REGISTER_AGAIN.value)
# How long the link in a "register again" mail works (it also dies once used).
REGISTER_AGAIN_MAX_AGE = timedelta(hours=24)
_REGISTER_AGAIN_SALT = "summit-register-again"


@dataclass
class RegistrationResult:
    registration: Registration
    # False when the address was registered already (active or cancelled): nothing
    # changed, and its owner was mailed (see ``mailed``).
    created: bool
    # For a known address: whether a mail went (False: the hourly limit was reached).
    mailed: bool = True
    # Read before the commit, so that the answer needs no second look at the database.
    token: str = ""
    email: str = ""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def window_state(event: Event, now: datetime | None = None) -> WindowState:
    now = now or utcnow()
    if event.status == EventStatus.ARCHIVED:
        return WindowState.ARCHIVED
    if event.registration_opens_at and now < event.registration_opens_at:
        return WindowState.NOT_YET_OPEN
    if event.registration_closes_at and now >= event.registration_closes_at:
        return WindowState.CLOSED
    return WindowState.OPEN


# --- reading ---------------------------------------------------------------


def find_by_token(session: Session, token: str) -> Registration | None:
    """The registration whose private link carries ``token``. Looked up by the
    token's hash and compared in constant time."""
    if not plausible_token(token):
        return None
    found = session.scalars(
        select(Registration).where(Registration.token_hash == token_digest(token))
    ).first()
    if found is None or not same_token(found.token, token):
        return None
    return found


_BY_EMAIL = select(Registration).where(
    Registration.event_id == bindparam("event_id"), Registration.email == bindparam("email")
)


def find_by_email(session: Session, event_id: int, email: str) -> Registration | None:
    return session.scalars(
        _BY_EMAIL, {"event_id": event_id, "email": normalise_email(email)}
    ).first()


def choosable_forums(session: Session, event: Event) -> list[Forum]:
    """The parallel forums an attendee picks from (everyone attends the main forum)."""
    return list(
        session.scalars(
            select(Forum)
            .where(Forum.event_id == event.id, Forum.kind == ForumKind.PARALLEL)
            .order_by(Forum.position, Forum.id)
        )
    )


_SEATS_TAKEN = (
    select(Seat.forum_id, func.count())
    .where(
        Seat.forum_id.in_(bindparam("forum_ids", expanding=True)),
        Seat.status == SeatStatus.CONFIRMED,
    )
    .group_by(Seat.forum_id)
)


def seats_taken(session: Session, forum_ids: list[int]) -> Counter[int]:
    return Counter(dict(session.execute(_SEATS_TAKEN, {"forum_ids": forum_ids}).all()))


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


def _queued_before(column_at, column_id, at, row_id):
    """Rows queued before (``at``, ``row_id``): values or bind parameters."""
    # The first term is implied by the second; it bounds an index range on queued_at.
    return and_(column_at <= at, or_(column_at < at, and_(column_at == at, column_id < row_id)))


def _in_line_for_a_seat():
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


_SEATS_AHEAD = (
    select(func.count())
    .select_from(Seat)
    .where(
        Seat.forum_id == bindparam("forum_id"),
        _in_line_for_a_seat(),
        _queued_before(Seat.queued_at, Seat.id, bindparam("queued_at"), bindparam("seat_id")),
    )
)


def seat_position(session: Session, seat: Seat) -> int | None:
    """1 for the first in line; None unless the seat is waiting behind others."""
    if seat.status != SeatStatus.WAITLISTED:
        return None
    ahead = session.scalar(
        _SEATS_AHEAD,
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
            _queued_before(
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


# --- changing ----------------------------------------------------------------


_LOCKED_EVENT = (
    select(Event)
    .where(Event.id == bindparam("event_id"))
    .options(joinedload(Event.forums))
    .with_for_update(key_share=True, of=Event)
    .execution_options(populate_existing=True)
)


def lock_event(session: Session, event_id: int) -> Event:
    """Hold the event's row until commit: every change to places and seats takes it
    first, after ``begin_write``. ``FOR NO KEY UPDATE``: these changes exclude each
    other, but not the key-share locks that inserting a row which refers to the event
    takes (a registration written before the lock is taken; ``FOR UPDATE`` would
    deadlock with those of other requests). Its forums are read in the same statement,
    under the lock."""
    return session.execute(_LOCKED_EVENT, {"event_id": event_id}).unique().scalar_one()


def lock_registration(session: Session, registration: Registration) -> tuple[Event, Registration]:
    """Start a change to one registration: a write transaction holding its event's lock,
    and the registration reloaded with its seats under that lock."""
    registration_id, event_id = registration.id, registration.event_id
    begin_write(session)
    event = lock_event(session, event_id)
    return event, _reload(session, registration_id)


def _reload(session: Session, registration_id: int) -> Registration:
    return session.execute(
        select(Registration)
        .where(Registration.id == registration_id)
        .options(selectinload(Registration.seats))
        .execution_options(populate_existing=True)
    ).scalar_one()


def _chosen_forums(
    session: Session, event: Event, forum_ids: list[int], overlap_allowed: bool = False
) -> list[Forum]:
    """The parallel forums with these ids, as they stand now: ``event`` comes from
    ``lock_event``, which read its forums under the lock. Raises UnknownForum, and
    OverlappingForums for two that run at the same time unless the event allows it or
    an organizer overrides (``overlap_allowed``)."""
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
    override that seats it even in a full forum."""
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


def fill_forums(session: Session, forums: list[Forum]) -> list[Seat]:
    """Give free seats to the first people waiting, in arrival order; returns the seats
    that moved up. Call it inside a transaction that holds the event's lock."""
    promoted: list[Seat] = []
    unique = {forum.id: forum for forum in forums}
    taken = seats_taken(session, list(unique))
    for forum in sorted(unique.values(), key=lambda f: f.id):
        free = None if forum.capacity is None else forum.capacity - taken[forum.id]
        if free is not None and free <= 0:
            continue
        waiting = (
            select(Seat)
            .where(Seat.forum_id == forum.id, _in_line_for_a_seat())
            .order_by(Seat.queued_at, Seat.id)
        )
        if free is not None:
            waiting = waiting.limit(free)
        for seat in session.scalars(waiting):
            seat.status = SeatStatus.CONFIRMED
            promoted.append(seat)
    return promoted


def fill_event(session: Session, event: Event) -> list[Registration]:
    """Admit the first registrations on the event's waiting list while it has room,
    then seat them in their forums where there is room; returns those admitted."""
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


def promote_registration(
    session: Session, registration: Registration, link_base: str
) -> list[Seat]:
    """An organizer's override: admit a registration from the event's waiting list even
    when the event is full, seat it where its forums have room, and queue the promotion
    mail. Inside a transaction that holds the event's lock (``lock_registration``); the
    caller commits. Returns the seats that moved up (anyone's)."""
    if registration.status != RegistrationStatus.WAITLISTED:
        raise NotWaiting("not on the event's waiting list")
    registration.status = RegistrationStatus.CONFIRMED
    session.flush()
    waiting = [seat.forum for seat in registration.seats if seat.status == SeatStatus.WAITLISTED]
    promoted = fill_forums(session, waiting)
    moved_up = {registration.id: registration}
    moved_up.update((seat.registration_id, seat.registration) for seat in promoted)
    for person in moved_up.values():
        _queue_mail(session, person, MailKind.PROMOTION, link_base)
    return promoted


def promote_seat(
    session: Session, registration: Registration, forum_id: int, link_base: str
) -> Seat:
    """An organizer's override: give a confirmed registration its seat in a forum whose
    waiting list it is on, even when the forum is full, and queue the promotion mail.
    Inside a transaction that holds the event's lock; the caller commits."""
    seat = next((seat for seat in registration.seats if seat.forum_id == forum_id), None)
    if (
        seat is None
        or seat.status != SeatStatus.WAITLISTED
        or registration.status != RegistrationStatus.CONFIRMED
    ):
        raise NotWaiting("not on the forum's waiting list")
    seat.status = SeatStatus.CONFIRMED
    _queue_mail(session, registration, MailKind.PROMOTION, link_base)
    return seat


def _fill_and_notify(
    session: Session, event: Event, forums: list[Forum], link_base: str, admit: bool
) -> list[Registration]:
    """After places were freed: admit from the event's list (when ``admit``), seat
    from the forums' lists, and queue one promotion mail per person who moved up;
    returns those people."""
    moved_up: dict[int, Registration] = {}
    if admit:
        for registration in fill_event(session, event):
            moved_up[registration.id] = registration
            forums = forums + [seat.forum for seat in registration.seats]
    session.flush()
    for seat in fill_forums(session, forums):
        moved_up[seat.registration_id] = seat.registration
    for registration in moved_up.values():
        _queue_mail(session, registration, MailKind.PROMOTION, link_base)
    return list(moved_up.values())


def set_event_capacity(
    session: Session, event: Event, capacity: int | None, link_base: str
) -> None:
    """An organizer changes how many the event admits: never fewer than are confirmed
    (CapacityBelowTaken); places it adds go to the first on the event's waiting list,
    who are seated in their forums where there is room and mailed. Inside a
    transaction that holds the event's lock; the caller commits."""
    if capacity is not None and capacity < (taken := confirmed_count(session, event)):
        raise CapacityBelowTaken(taken)
    event.capacity = capacity
    session.flush()
    _fill_and_notify(session, event, [], link_base, admit=True)


def set_forum_capacity(
    session: Session, forum: Forum, capacity: int | None, link_base: str
) -> None:
    """An organizer changes a forum's seats: never fewer than are taken
    (CapacityBelowTaken); seats it adds go to the first in its line, who are mailed.
    Inside a transaction that holds the event's lock; the caller commits."""
    taken = seats_taken(session, [forum.id])[forum.id] if forum.id is not None else 0
    if capacity is not None and capacity < taken:
        raise CapacityBelowTaken(taken)
    forum.capacity = capacity
    session.flush()
    _fill_and_notify(session, forum.event, [forum], link_base, admit=False)


def register(
    session: Session,
    event: Event,
    details: AttendeeDetails,
    forum_ids: list[int],
    link_base: str,
    now: datetime | None = None,
) -> RegistrationResult:
    """Register an attendee, or, when the address has a registration already (active or
    cancelled), change nothing and mail its owner (``mail_link_on_request``). Commits.

    A new address is written before the event's lock is taken (the registration and
    its confirmation mail, which others see only at commit; the database's unique
    address stops a twin): every registration queues for that lock, so it is held
    only to decide the place and seats."""
    now = now or utcnow()
    state = window_state(event, now)
    if state is not WindowState.OPEN:
        raise RegistrationClosed(state)

    event_id = event.id  # read before begin_write's commit expires it
    begin_write(session)
    claimed = _claim_address(session, event_id, details, link_base, now)
    event = lock_event(session, event_id)
    try:
        if claimed is None:
            known = find_by_email(session, event_id, details.email)
            if known is not None:
                # Whoever typed the address gets no link: its owner gets a mail.
                mailed = mail_link_on_request(session, known, link_base, now)
                session.commit()
                return RegistrationResult(known, created=False, mailed=mailed)
            registration = enrol(session, event, details, forum_ids, link_base, now)
            record_attendee_action(session, "register", registration)
        else:
            registration = claimed
            _admit(session, event, registration, _chosen_forums(session, event, forum_ids), now)
    except (UnknownForum, OverlappingForums):
        session.rollback()  # the registration written before the lock goes too
        raise
    result = RegistrationResult(
        registration, created=True, token=registration.token, email=registration.email
    )
    session.commit()
    return result


def _claim_address(
    session: Session, event_id: int, details: AttendeeDetails, link_base: str, now: datetime
) -> Registration | None:
    """A new registration for an address the event has never seen, written with its
    confirmation mail (its place and seats still to be decided); None when the address
    is known, or was registered at this very moment by a request that committed first."""
    email = normalise_email(details.email)
    if find_by_email(session, event_id, email) is not None:
        return None
    registration = _new_registration(session, event_id, email)
    _fill_in(registration, details, now)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        begin_write(session)
        return None
    _queue_mail(session, registration, MailKind.CONFIRMATION, link_base)
    # Noted here, before the event's lock: every registration waits for that lock, so
    # it is held for nothing but the place and seats.
    record_attendee_action(session, "register", registration)
    return registration


def enrol(
    session: Session,
    event: Event,
    details: AttendeeDetails,
    forum_ids: list[int],
    link_base: str,
    now: datetime | None = None,
    beyond_capacity: bool = False,
    overlap_allowed: bool = False,
) -> Registration:
    """Create a registration (a cancelled one for the same address comes back, with a
    new private link: the old one stops working), give it a place and seats where there
    is room, and queue the confirmation.
    No registration window applies: ``register`` checks it for attendees, organizers add
    people at any time, with ``beyond_capacity`` even to a full event or forum, with
    ``overlap_allowed`` even to forums that run at the same time. Raises
    AlreadyRegistered for an address registered already, UnknownForum, OverlappingForums.
    Inside a transaction that holds the event's lock; the caller commits."""
    now = now or utcnow()
    forums = _chosen_forums(session, event, forum_ids, overlap_allowed)
    email = normalise_email(details.email)
    registration = find_by_email(session, event.id, email)
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        raise AlreadyRegistered(registration)
    if registration is None:
        registration = _new_registration(session, event.id, email)
    else:
        # Whoever held the old link (a forwarded mail) must not see the new registration.
        _new_secret(registration)
    _fill_in(registration, details, now)
    _admit(session, event, registration, forums, now, beyond_capacity)
    _queue_mail(session, registration, MailKind.CONFIRMATION, link_base)
    return registration


def _new_registration(session: Session, event_id: int, email: str) -> Registration:
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


def _fill_in(registration: Registration, details: AttendeeDetails, now: datetime) -> None:
    registration.full_name = details.full_name
    registration.latin_name = details.latin_name
    registration.phone = details.phone
    registration.organisation = details.organisation
    registration.job_title = details.job_title
    registration.category = details.category
    registration.locale = details.locale
    registration.queued_at = now
    registration.cancelled_at = None


def _admit(
    session: Session,
    event: Event,
    registration: Registration,
    forums: list[Forum],
    now: datetime,
    beyond_capacity: bool = False,
) -> None:
    """A place at the event where it has room (else its waiting list), and seats in
    ``forums``. Inside a transaction that holds the event's lock."""
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


def change_forums(
    session: Session,
    registration: Registration,
    forum_ids: list[int],
    link_base: str,
    now: datetime | None = None,
) -> Registration:
    """Keep the seats and places in line of forums still chosen, drop the others
    (their seats go to the next in line), join the new ones. Commits; changes nothing
    when a rule refuses the choice (UnknownForum, OverlappingForums, RegistrationCancelled)."""
    event, registration = lock_registration(session, registration)
    before = held_seats(registration)
    try:
        apply_forum_choice(session, event, registration, forum_ids, link_base, now)
    except RegistrationError:
        session.rollback()
        raise
    session.flush()
    if held_seats(registration) != before:
        record_attendee_action(session, "change_forums", registration,
                               before={"seats": before}, after={"seats": held_seats(registration)})
    session.commit()
    return registration


def apply_forum_choice(
    session: Session,
    event: Event,
    registration: Registration,
    forum_ids: list[int],
    link_base: str,
    now: datetime | None = None,
    overlap_allowed: bool = False,
) -> None:
    """``change_forums`` inside a transaction that holds the event's lock (see
    ``lock_registration``); the caller commits. ``overlap_allowed``: an organizer's
    override that keeps forums which run at the same time (OverlappingForums otherwise,
    unless the event allows them)."""
    now = now or utcnow()
    if registration.status == RegistrationStatus.CANCELLED:
        raise RegistrationCancelled("cancelled")
    forums = _chosen_forums(session, event, forum_ids, overlap_allowed)
    wanted = {forum.id for forum in forums}
    freed = []
    for seat in registration.seats:
        if seat.status != SeatStatus.CANCELLED and seat.forum_id not in wanted:
            if seat.status == SeatStatus.CONFIRMED:
                freed.append(seat.forum)
            seat.status = SeatStatus.CANCELLED
    _take_seats(session, registration, forums, now)
    _fill_and_notify(session, event, freed, link_base, admit=False)


def cancel(
    session: Session, registration: Registration, link_base: str, now: datetime | None = None
) -> list[Registration]:
    """The attendee cancels; their place and seats go to the first in line. Commits.
    Returns who moved up in their stead (none when nobody was waiting)."""
    event, registration = lock_registration(session, registration)
    before = registration.status
    moved_up = withdraw(session, event, registration, link_base, now)
    if before != registration.status:
        record_attendee_action(session, "cancel", registration, before={"status": before.value},
                               after={"status": registration.status.value})
    session.commit()
    return moved_up


def withdraw(
    session: Session,
    event: Event,
    registration: Registration,
    link_base: str,
    now: datetime | None = None,
) -> list[Registration]:
    """``cancel`` inside a transaction that holds the event's lock (see
    ``lock_registration``); the caller commits. Cancelling twice changes nothing.
    Returns who moved up."""
    if registration.status == RegistrationStatus.CANCELLED:
        return []
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    freed = [seat.forum for seat in registration.seats if seat.status == SeatStatus.CONFIRMED]
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now or utcnow()
    for seat in registration.seats:
        seat.status = SeatStatus.CANCELLED
    session.flush()
    moved_up = _fill_and_notify(session, event, freed, link_base, admit=was_confirmed)
    _queue_mail(session, registration, MailKind.CANCELLATION, link_base)
    return moved_up


def _queue_mail(
    session: Session, registration: Registration, kind: MailKind, link_base: str
) -> None:
    """Queue a mail of this kind to the registration's address, in the caller's
    transaction (registration.mails writes it when it is sent)."""
    enqueue(session, MailMessage(registration=registration, kind=kind.value,
                                 recipient=registration.email, link_base=link_base))


def queue_link(session: Session, registration: Registration, link_base: str) -> None:
    """Queue a mail with the private link, in the caller's transaction."""
    _queue_mail(session, registration, MailKind.LINK, link_base)


def ask_for_link(session: Session, registration: Registration, link_base: str) -> bool:
    """The attendee's own "send my link again": queued unless the address had its hourly
    share of such mails (returns False then). Commits."""
    _, registration = lock_registration(session, registration)
    mailed = mail_link_on_request(session, registration, link_base)
    session.commit()
    return mailed


def mail_link_on_request(
    session: Session, registration: Registration, link_base: str, now: datetime | None = None
) -> bool:
    """Someone asked for this registration's link: mail it to the registration's address
    (for a cancelled one, a link to register again), at most LINK_MAILS_PER_HOUR an hour.
    Returns whether a mail was queued. Inside a transaction that holds the event's lock
    (which makes the count exact for the event's requests); the caller commits."""
    now = now or utcnow()
    sent_lately = session.scalar(
        select(func.count()).select_from(MailMessage).where(
            MailMessage.recipient == registration.email,
            MailMessage.kind.in_(ON_REQUEST),
            MailMessage.created_at > now - timedelta(hours=1),
        )
    )
    if sent_lately >= LINK_MAILS_PER_HOUR:
        return False
    cancelled = registration.status == RegistrationStatus.CANCELLED
    _queue_mail(session, registration,
                MailKind.REGISTER_AGAIN if cancelled else MailKind.LINK, link_base)
    record_attendee_action(session, "resend_link", registration)
    return True


def _register_again_signer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_REGISTER_AGAIN_SALT)


def register_again_key(secret_key: str, registration: Registration) -> str:
    """The key in a "register again" mail: signed, bound to the registration's current
    private link (so it works once: coming back gives a new one) and dated."""
    return _register_again_signer(secret_key).dumps([registration.id, registration.token_hash])


def find_by_register_again_key(
    session: Session, secret_key: str, key: str, event_id: int
) -> Registration | None:
    """The cancelled registration of this event that ``key`` may bring back; None when
    the key is forged, older than REGISTER_AGAIN_MAX_AGE, or used already."""
    try:
        registration_id, token_hash = _register_again_signer(secret_key).loads(
            key, max_age=int(REGISTER_AGAIN_MAX_AGE.total_seconds()))
    except (BadSignature, TypeError, ValueError):
        return None
    registration = session.get(Registration, registration_id) if isinstance(
        registration_id, int) else None
    if (
        registration is None
        or registration.event_id != event_id
        or registration.status != RegistrationStatus.CANCELLED
        or not isinstance(token_hash, str)
        or not same_token(registration.token_hash, token_hash)
    ):
        return None
    return registration


def register_again(
    session: Session,
    registration: Registration,
    details: AttendeeDetails,
    forum_ids: list[int],
    link_base: str,
    now: datetime | None = None,
) -> RegistrationResult:
    """The owner of a cancelled registration, holding the mail's key, comes back: new
    details, forums, a place where there is room, a new private link. The address stays
    the registration's. Commits."""
    now = now or utcnow()
    state = window_state(registration.event, now)
    if state is not WindowState.OPEN:
        raise RegistrationClosed(state)
    event, registration = lock_registration(session, registration)
    if registration.status != RegistrationStatus.CANCELLED:
        session.rollback()
        raise AlreadyRegistered(registration)
    try:
        enrol(session, event, replace(details, email=registration.email), forum_ids,
              link_base, now)
    except (UnknownForum, OverlappingForums):
        session.rollback()
        raise
    record_attendee_action(session, "register", registration)
    result = RegistrationResult(registration, created=True, token=registration.token,
                                email=registration.email)
    session.commit()
    return result


# --- the audit log of what attendees do themselves ------------------------------------


def held_seats(registration: Registration) -> dict[str, str]:
    """Forum slug → seat status of the seats held or queued for, as the audit log keeps them."""
    return {
        seat.forum.slug: seat.status.value
        for seat in registration.seats
        if seat.status != SeatStatus.CANCELLED
    }


def record_attendee_action(
    session: Session,
    action: str,
    registration: Registration,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """An audit entry for what the attendee did on their own (no account: their address),
    in the caller's transaction."""
    if registration.id is None:
        session.flush()
    audit.record(session, audit.attendee(registration.email), action, "registration",
                 registration.id, summary=f"{registration.full_name} <{registration.email}>",
                 before=before, after=after)
