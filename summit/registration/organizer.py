"""What organizers change on registrations, each change with its audit entry in the
same transaction: edit, cancel, promote, resend the link, add by hand.

The seat and waiting-list rules stay in ``summit.registration.service``; this
module takes the event's lock through it, applies the rule, records who did it
with the registration as it was before and after, and commits once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .. import audit
from ..database import begin_write
from ..models import Event, Registration, SeatStatus, User
from . import service
from .service import AlreadyRegistered, AttendeeDetails

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
    )


def active_forum_ids(registration: Registration) -> set[int]:
    return {seat.forum_id for seat in registration.seats if seat.status != SeatStatus.CANCELLED}


def update_registration(
    session: Session,
    actor: User,
    registration: Registration,
    details: AttendeeDetails,
    forum_ids: list[int] | None,
    link_base: str,
    overlap_allowed: bool = False,
) -> bool:
    """Change the details and (for a registration that is not cancelled) the forums,
    which follow the seat rules. ``forum_ids`` None keeps the forums. Raises
    AlreadyRegistered when the new address belongs to another registration, UnknownForum,
    OverlappingForums for forums that run at the same time unless ``overlap_allowed``.
    Returns whether anything changed (nothing is recorded otherwise)."""
    event, registration = service.lock_registration(session, registration)
    before = snapshot(registration)
    other = service.find_by_email(session, event.id, details.email)
    if other is not None and other.id != registration.id:
        raise AlreadyRegistered(other)
    for name in DETAIL_FIELDS:
        value = getattr(details, name)
        setattr(registration, name, service.normalise_email(value) if name == "email" else value)
    if forum_ids is not None and set(forum_ids) != active_forum_ids(registration):
        service.apply_forum_choice(session, event, registration, forum_ids, link_base,
                                   overlap_allowed=overlap_allowed)
    session.flush()
    if snapshot(registration) == before:
        session.rollback()
        return False
    _record(session, actor, audit.AuditAction.UPDATE, registration, before)
    session.commit()
    return True


def cancel(
    session: Session, actor: User, registration: Registration, link_base: str
) -> list[Registration]:
    """Cancel as the attendee could; the place and seats go to the first in line.
    Returns who moved up."""
    event, registration = service.lock_registration(session, registration)
    before = snapshot(registration)
    moved_up = service.withdraw(session, event, registration, link_base)
    _record(session, actor, audit.AuditAction.CANCEL, registration, before)
    session.commit()
    return moved_up


def promote(
    session: Session,
    actor: User,
    registration: Registration,
    link_base: str,
    forum_id: int | None = None,
) -> None:
    """Admit from the event's waiting list (``forum_id`` None) or seat in one forum,
    even beyond capacity. Raises NotWaiting when there is nothing to promote."""
    _event, registration = service.lock_registration(session, registration)
    before = snapshot(registration)
    if forum_id is None:
        service.promote_registration(session, registration, link_base)
    else:
        service.promote_seat(session, registration, forum_id, link_base)
    _record(session, actor, audit.AuditAction.PROMOTE, registration, before)
    session.commit()


def resend_link(session: Session, actor: User, registration: Registration, link_base: str) -> None:
    audit.record(
        session,
        actor,
        audit.AuditAction.RESEND_LINK,
        OBJECT_TYPE,
        registration.id,
        summary=f"{registration.full_name} <{registration.email}>",
    )
    service.queue_link(session, registration, link_base)
    session.commit()


def enrol_and_record(
    session: Session,
    actor: User,
    event: Event,
    details: AttendeeDetails,
    forum_ids: list[int],
    link_base: str,
    beyond_capacity: bool,
    action: str,
    overlap_allowed: bool = False,
) -> Registration:
    """``service.enrol`` with its audit entry; the caller holds the event's lock and commits."""
    registration = service.enrol(
        session, event, details, forum_ids, link_base, beyond_capacity=beyond_capacity,
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
    link_base: str,
    beyond_capacity: bool = False,
    overlap_allowed: bool = False,
) -> Registration:
    """Register someone by hand (a VIP, a walk-in), whether or not registration is open.
    Raises AlreadyRegistered, UnknownForum, OverlappingForums (unless ``overlap_allowed``)."""
    begin_write(session)
    event = service.lock_event(session, event.id)
    registration = enrol_and_record(
        session, actor, event, details, forum_ids, link_base, beyond_capacity,
        audit.AuditAction.CREATE, overlap_allowed,
    )
    session.commit()
    return registration
