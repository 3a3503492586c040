"""Registration's operations: register, change forums, cancel, ask for the link again,
register again; the lookups the attendee's pages need.

Who commits, one rule for the whole area: a function that takes a ``LockedEvent``
(``seats.lock_event`` makes one; ``seats.lock_registration`` locks a registration's
event) runs in the caller's transaction, under the event's lock, and never commits.
The operations here (and the organizers' in ``organizer``) take none: each begins its
own transaction, takes the lock, and ends with one commit (or a rollback, when a rule
says no). Functions named ``queue_…`` or ``record_…`` add a row to the caller's
transaction and need no lock.

The places and seats themselves are ``seats``' rules; the statements every
registration runs are built once, in ``queries``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, private_links
from ..audit import AuditAction
from ..database import begin_write
from ..models import (
    Event,
    EventStatus,
    Forum,
    ForumKind,
    MailKind,
    MailMessage,
    Registration,
    RegistrationStatus,
    SeatStatus,
    User,
    WebhookKind,
    utcnow,
)
from ..webhooks import queue_change
from .details import AttendeeDetails, find_by_email, normalise_email
from .errors import (
    AlreadyRegistered,
    OverlappingForums,
    RegistrationCancelled,
    RegistrationClosed,
    RegistrationError,
    UnknownForum,
    WindowState,
)
from .questions import AnswerSheet, insert_answers, replace_answers
from .seats import (
    LockedEvent,
    Placement,
    admit_new,
    apply_forum_choice,
    enrol,
    fill_in,
    lock_event,
    lock_registration,
    new_registration,
    queue_mail,
    withdraw,
)

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
    registration_id: int | None = None
    # A registration made: its columns as written, and the place and seats it was given.
    written: dict[str, Any] = field(default_factory=dict)
    placement: Placement | None = None


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
    """The registration whose private link carries ``token``."""
    return private_links.find_by_token(session, Registration, token)


def choosable_forums(session: Session, event: Event) -> list[Forum]:
    """The parallel forums an attendee picks from (everyone attends the main forum)."""
    return list(
        session.scalars(
            select(Forum)
            .where(Forum.event_id == event.id, Forum.kind == ForumKind.PARALLEL)
            .order_by(Forum.position, Forum.id)
        )
    )


# --- registering -------------------------------------------------------------


def register(
    session: Session,
    event: Event,
    details: AttendeeDetails,
    forum_ids: list[int],
    now: datetime | None = None,
    answers: AnswerSheet | None = None,
) -> RegistrationResult:
    """Register an attendee (with their ``answers`` to the event's questions), or, when
    the address has a registration already (active or cancelled), change nothing and
    mail its owner (``mail_link_on_request``). Commits.

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
    claimed = _claim_address(session, event_id, details, now, answers)
    try:
        if claimed is not None:
            result = RegistrationResult(claimed, created=True, token=claimed.token,
                                        email=claimed.email, registration_id=claimed.id,
                                        written=_as_written(claimed))
            result.placement = admit_new(session, event_id, claimed, forum_ids, now)
            return result
        locked = lock_event(session, event_id)
        known = find_by_email(session, event_id, details.email)
        if known is not None:
            # Whoever typed the address gets no link: its owner gets a mail.
            mailed = mail_link_on_request(session, locked, known, now)
            session.commit()
            return RegistrationResult(known, created=False, mailed=mailed)
        registration = enrol(session, locked, details, forum_ids, now)
        if answers is not None:
            replace_answers(session, registration, answers.asked, answers.values)
        record_attendee_action(session, AuditAction.REGISTER, registration)
    except (UnknownForum, OverlappingForums):
        session.rollback()  # the registration written before the lock goes too
        raise
    result = _made_under_the_lock(session, registration)
    session.commit()
    return result


def _as_written(registration: Registration) -> dict[str, Any]:
    """The columns of a registration just flushed, as this process wrote them."""
    return {column.key: getattr(registration, column.key)
            for column in inspect(Registration).column_attrs}


def _made_under_the_lock(session: Session, registration: Registration) -> RegistrationResult:
    """A registration made (or made again) in this transaction, its place and seats
    given by ``seats``: read before the commit expires it."""
    session.flush()  # its last change of status, and time, as written
    return RegistrationResult(
        registration, created=True, token=registration.token, email=registration.email,
        registration_id=registration.id, written=_as_written(registration),
        placement=Placement(registration.status, tuple(
            (seat.forum_id, seat.status) for seat in registration.seats)),
    )


def _claim_address(
    session: Session, event_id: int, details: AttendeeDetails, now: datetime,
    answers: AnswerSheet | None = None,
) -> Registration | None:
    """A new registration for an address the event has never seen, written with its
    confirmation mail (its place and seats still to be decided); None when the address
    is known, or was registered at this very moment by a request that committed first."""
    email = normalise_email(details.email)
    if find_by_email(session, event_id, email) is not None:
        return None
    registration = new_registration(session, event_id, email)
    fill_in(registration, details, now)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        begin_write(session)
        return None
    if answers is not None:
        insert_answers(session, registration.id, answers.values)
    queue_mail(session, registration, MailKind.CONFIRMATION)
    # Noted here, before the event's lock: every registration waits for that lock, so
    # it is held for nothing but the place and seats.
    record_attendee_action(session, audit.AuditAction.REGISTER, registration)
    return registration


# --- the attendee's own changes ----------------------------------------------


def change_forums(
    session: Session, registration: Registration, forum_ids: list[int], now: datetime | None = None
) -> Registration:
    """Keep the seats and places in line of forums still chosen, drop the others
    (their seats go to the next in line), join the new ones. Commits; changes nothing
    when a rule refuses the choice (UnknownForum, OverlappingForums, RegistrationCancelled)."""
    locked, registration = lock_registration(session, registration)
    before = held_seats(registration)
    try:
        apply_forum_choice(session, locked, registration, forum_ids, now)
    except RegistrationError:
        session.rollback()
        raise
    session.flush()
    if held_seats(registration) != before:
        record_attendee_action(session, audit.AuditAction.CHANGE_FORUMS, registration,
                               before={"seats": before}, after={"seats": held_seats(registration)})
        queue_change(session, registration.event_id, WebhookKind.REGISTRATION_CHANGED,
                     registration)
    session.commit()
    return registration


def cancel(
    session: Session, registration: Registration, now: datetime | None = None
) -> list[Registration]:
    """The attendee cancels; their place and seats go to the first in line. Commits.
    Returns who moved up in their stead (none when nobody was waiting)."""
    locked, registration = lock_registration(session, registration)
    before = registration.status
    moved_up = withdraw(session, locked, registration, now)
    if before != registration.status:
        record_attendee_action(session, audit.AuditAction.CANCEL, registration,
                               before={"status": before.value},
                               after={"status": registration.status.value})
    session.commit()
    return moved_up


def answers_open(event: Event, now: datetime | None = None) -> bool:
    """Whether attendees may still change their answers: until registration closes."""
    return window_state(event, now) in (WindowState.OPEN, WindowState.NOT_YET_OPEN)


def save_answers(session: Session, registration: Registration, answers: AnswerSheet,
                 actor: User | None = None, now: datetime | None = None) -> bool:
    """Give ``registration`` these answers: the attendee's own change (``actor`` None),
    refused once it is cancelled (RegistrationCancelled) or registration has closed
    (RegistrationClosed), or an organizer's, at any time. Audited as whoever made it and
    told to the event's webhooks. Commits; returns whether anything changed.

    Under a lock of the registration's row, with its answers and state read under it:
    two changes at once (the attendee's and an organizer's, two tabs) would otherwise
    both add the answer to a question answered for the first time, and the second would
    break the one-answer-a-question rule."""
    begin_write(session)
    registration = session.execute(
        select(Registration).where(Registration.id == registration.id)
        .with_for_update(key_share=True).execution_options(populate_existing=True)
    ).scalar_one()
    session.expire(registration, ["answers"])
    if actor is None:
        if registration.status == RegistrationStatus.CANCELLED:
            session.rollback()
            raise RegistrationCancelled("cancelled")
        if not answers_open(registration.event, now):
            session.rollback()
            raise RegistrationClosed(window_state(registration.event, now))
    before, after = replace_answers(session, registration, answers.asked, answers.values)
    if before != after:
        record_attendee_action(session, AuditAction.CHANGE_ANSWERS, registration,
                               before={"answers": before}, after={"answers": after},
                               actor=actor)
        queue_change(session, registration.event_id, WebhookKind.REGISTRATION_CHANGED,
                     registration)
    session.commit()
    return before != after


# --- the private link, again ---------------------------------------------------


def queue_link(session: Session, registration: Registration) -> None:
    """Queue a mail with the private link, in the caller's transaction."""
    queue_mail(session, registration, MailKind.LINK)


def ask_for_link(session: Session, registration: Registration) -> bool:
    """The attendee's own "send my link again": queued unless the address had its hourly
    share of such mails (returns False then). Commits."""
    locked, registration = lock_registration(session, registration)
    mailed = mail_link_on_request(session, locked, registration)
    session.commit()
    return mailed


def mail_link_on_request(
    session: Session, locked: LockedEvent, registration: Registration, now: datetime | None = None
) -> bool:
    """Someone asked for this registration's link: mail it to the registration's address
    (for a cancelled one, a link to register again), at most LINK_MAILS_PER_HOUR an hour.
    Returns whether a mail was queued. Under the event's lock, which makes the count
    exact for the event's requests."""
    locked.held(session)
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
    queue_mail(session, registration, MailKind.REGISTER_AGAIN if cancelled else MailKind.LINK)
    record_attendee_action(session, AuditAction.RESEND_LINK, registration)
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
        or not private_links.same_token(registration.token_hash, token_hash)
    ):
        return None
    return registration


def register_again(
    session: Session,
    registration: Registration,
    details: AttendeeDetails,
    forum_ids: list[int],
    now: datetime | None = None,
    answers: AnswerSheet | None = None,
) -> RegistrationResult:
    """The owner of a cancelled registration, holding the mail's key, comes back: new
    details, forums, a place where there is room, a new private link. The address stays
    the registration's. Commits."""
    now = now or utcnow()
    state = window_state(registration.event, now)
    if state is not WindowState.OPEN:
        raise RegistrationClosed(state)
    locked, registration = lock_registration(session, registration)
    if registration.status != RegistrationStatus.CANCELLED:
        session.rollback()
        raise AlreadyRegistered(registration)
    try:
        enrol(session, locked, replace(details, email=registration.email), forum_ids, now)
    except (UnknownForum, OverlappingForums):
        session.rollback()
        raise
    if answers is not None:
        replace_answers(session, registration, answers.asked, answers.values)
    record_attendee_action(session, audit.AuditAction.REGISTER, registration)
    result = _made_under_the_lock(session, registration)
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
    actor: User | None = None,
) -> None:
    """An audit entry for what the attendee did on their own (no account: their address),
    or ``actor`` did for them, in the caller's transaction."""
    if registration.id is None:
        session.flush()
    audit.record(session, actor or audit.attendee(registration.email), action, "registration",
                 registration.id, summary=f"{registration.full_name} <{registration.email}>",
                 before=before, after=after, event_id=registration.event_id)
