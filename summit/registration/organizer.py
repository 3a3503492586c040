"""What organizers change on registrations, each change with its audit entry in the
same transaction: edit, cancel, promote, resend the link, add by hand.

Each function here owns its transaction (the rule in ``service``'s docstring): it
takes the event's lock (``seats.lock_event`` or ``lock_registration``), applies the
seat and waiting-list rules of ``seats``, records who did it with the registration as
it was before and after, and commits once. ``enrol_and_record`` alone takes a
``LockedEvent`` and leaves the commit to its caller.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .. import audit
from ..audit import AuditAction
from ..database import begin_write
from ..models import Event, Registration, SeatStatus, User, WebhookKind
from ..webhooks import queue_change
from . import seats, service
from .details import AttendeeDetails, find_by_email, normalise_email
from .errors import AlreadyRegistered
from .seats import LockedEvent

OBJECT_TYPE = "registration"

DETAIL_FIELDS = (
    "full_name",
    "latin_name",
    "email",
    "phone",
    "organisation",
    "job_title",
    "category",
    "locale",
)
SNAPSHOT_FIELDS = (*DETAIL_FIELDS, "status", "checked_in_at", "badge_printed_at")


def snapshot(registration: Registration) -> dict[str, Any]:
    """The registration as the audit log keeps it (never its private token)."""
    return {
        **audit.snapshot(registration, SNAPSHOT_FIELDS),
        "seats": service.held_seats(registration),
    }


def _record(
    session: Session,
    actor: User,
    action: str,
    registration: Registration,
    before: dict[str, Any] | None,
) -> None:
    """Audit a change: the fields that changed, before and after; all of them for a new one."""
    session.flush()
    after = snapshot(registration)
    if before is not None:
        before, after = audit.changes(before, after)
    audit.record(
        session,
        actor,
        action,
        OBJECT_TYPE,
        registration.id,
        summary=f"{registration.full_name} <{registration.email}>",
        before=before,
        after=after,
        event_id=registration.event_id,
    )


def active_forum_ids(registration: Registration) -> set[int]:
    return {seat.forum_id for seat in registration.seats if seat.status != SeatStatus.CANCELLED}


def update_registration(
    session: Session,
    actor: User,
    registration: Registration,
    details: AttendeeDetails,
    forum_ids: list[int] | None,
    overlap_allowed: bool = False,
) -> bool:
    """Change the details and (for a registration that is not cancelled) the forums,
    which follow the seat rules. ``forum_ids`` None keeps the forums. Raises
    AlreadyRegistered when the new address belongs to another registration, UnknownForum,
    OverlappingForums for forums that run at the same time unless ``overlap_allowed``.
    Returns whether anything changed (nothing is recorded otherwise)."""
    locked, registration = seats.lock_registration(session, registration)
    before = snapshot(registration)
    other = find_by_email(session, locked.event.id, details.email)
    if other is not None and other.id != registration.id:
        raise AlreadyRegistered(other)
    for name in DETAIL_FIELDS:
        value = getattr(details, name)
        setattr(registration, name, normalise_email(value) if name == "email" else value)
    if forum_ids is not None and set(forum_ids) != active_forum_ids(registration):
        seats.apply_forum_choice(session, locked, registration, forum_ids,
                                 overlap_allowed=overlap_allowed)
    session.flush()
    if snapshot(registration) == before:
        session.rollback()
        return False
    _record(session, actor, audit.AuditAction.UPDATE, registration, before)
    queue_change(session, registration.event_id, WebhookKind.REGISTRATION_CHANGED, registration)
    session.commit()
    return True


def cancel(session: Session, actor: User, registration: Registration) -> list[Registration]:
    """Cancel as the attendee could; the place and seats go to the first in line.
    Returns who moved up."""
    locked, registration = seats.lock_registration(session, registration)
    before = snapshot(registration)
    moved_up = seats.withdraw(session, locked, registration)
    _record(session, actor, AuditAction.CANCEL, registration, before)
    session.commit()
    return moved_up


def promote(
    session: Session,
    actor: User,
    registration: Registration,
    forum_id: int | None = None,
) -> None:
    """Admit from the event's waiting list (``forum_id`` None) or seat in one forum,
    even beyond capacity. Raises NotWaiting when there is nothing to promote."""
    locked, registration = seats.lock_registration(session, registration)
    before = snapshot(registration)
    if forum_id is None:
        seats.promote_registration(session, locked, registration)
    else:
        seats.promote_seat(session, locked, registration, forum_id)
    _record(session, actor, AuditAction.PROMOTE, registration, before)
    session.commit()


def resend_link(session: Session, actor: User, registration: Registration) -> None:
    audit.record(
        session,
        actor,
        audit.AuditAction.RESEND_LINK,
        OBJECT_TYPE,
        registration.id,
        summary=f"{registration.full_name} <{registration.email}>",
        event_id=registration.event_id,
    )
    service.queue_link(session, registration)
    session.commit()


def enrol_and_record(
    session: Session,
    actor: User,
    locked: LockedEvent,
    details: AttendeeDetails,
    forum_ids: list[int],
    beyond_capacity: bool,
    action: str,
    overlap_allowed: bool = False,
) -> Registration:
    """``seats.enrol`` with its audit entry, in the caller's transaction."""
    registration = seats.enrol(
        session, locked, details, forum_ids, beyond_capacity=beyond_capacity,
        overlap_allowed=overlap_allowed,
    )
    _record(session, actor, action, registration, None)
    return registration


def add(
    session: Session,
    actor: User,
    event: Event,
    details: AttendeeDetails,
    forum_ids: list[int],
    beyond_capacity: bool = False,
    overlap_allowed: bool = False,
) -> Registration:
    """Register someone by hand (a VIP, a walk-in), whether or not registration is open.
    Raises AlreadyRegistered, UnknownForum, OverlappingForums (unless ``overlap_allowed``)."""
    begin_write(session)
    locked = seats.lock_event(session, event.id)
    registration = enrol_and_record(
        session, actor, locked, details, forum_ids, beyond_capacity, AuditAction.CREATE,
        overlap_allowed,
    )
    session.commit()
    return registration
