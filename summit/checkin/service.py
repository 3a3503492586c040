"""Check-in at the desk: a code read off a badge, or a person found by name.

A check-in is one conditional UPDATE (… WHERE checked_in_at IS NULL AND the
registration is confirmed) on the unique check-in code, then one read of the
registration: two indexed statements. Two desks scanning the same badge at
once record one check-in; the second is told when the first one happened.
Every check-in and every undo is written to the audit log in its transaction.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..audit import AuditAction
from ..database import begin_write
from ..models import (
    Event,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    User,
    WebhookKind,
    utcnow,
)
from ..registration.listing import search_condition
from ..registration.tokens import CHECKIN_ALPHABET
from ..webhooks import queue_change, queue_changes

OBJECT_TYPE = "registration"
_CODE_SHAPE = re.compile(f"[{CHECKIN_ALPHABET}]{{4,32}}")
DESK_SEARCH_LIMIT = 20


class Outcome(enum.StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    CANCELLED = "cancelled"
    WAITLISTED = "waitlisted"
    UNKNOWN = "unknown"
    # A badge of another event (last year's, say): not known at this desk.
    OTHER_EVENT = "other_event"
    # At a forum's door: no seat in this forum, or on its waiting list.
    NOT_SEATED = "not_seated"
    SEAT_WAITING = "seat_waiting"


@dataclass(frozen=True)
class Attendee:
    """What the desk shows of a registration: copied out, so that reading it after the
    commit costs no query."""

    id: int
    full_name: str
    latin_name: str
    organisation: str
    category: RegistrationCategory
    status: RegistrationStatus
    checked_in_at: datetime | None

    @classmethod
    def of(cls, registration: Registration) -> Attendee:
        return cls(
            id=registration.id,
            full_name=registration.full_name,
            latin_name=registration.latin_name,
            organisation=registration.organisation,
            category=registration.category,
            status=registration.status,
            checked_in_at=registration.checked_in_at,
        )


@dataclass(frozen=True)
class Scan:
    outcome: Outcome
    attendee: Attendee | None = None
    # For OTHER_EVENT: the event the badge is for.
    other_event: Event | None = None

    @property
    def admitted(self) -> bool:
        return self.outcome is Outcome.CHECKED_IN


def check_in_codes_in_transaction(
    session: Session, event_id: int, arrivals: list[tuple[str, datetime]], actor: User | str
) -> list[Scan]:
    """Check in a desk's queue of normalised codes (as ``normalise_checkin_code`` gives
    them), each with its time, in the caller's write transaction (begun with
    ``begin_write``), answered in order as if one at a time (a code's first arrival is let in,
    its later ones are told "already"), in a handful of statements whatever the queue's
    length: one conditional UPDATE for all, one read, one insert of the audit entries
    (their actor: an account, or another system as ``audit`` names it). Commits nothing."""
    first_at: dict[str, datetime] = {}
    for code, at in arrivals:
        if valid_code(code):
            first_at.setdefault(code, at)
    admitted: set[int] = set()
    found: dict[str, Registration] = {}
    if first_at:
        admitted = set(session.scalars(
            update(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.checkin_code.in_(first_at),
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.checked_in_at.is_(None),
            )
            .values(checked_in_at=case(first_at, value=Registration.checkin_code))
            .returning(Registration.id)
            .execution_options(synchronize_session=False)
        ))
        found = {registration.checkin_code: registration for registration in session.scalars(
            select(Registration)
            .where(Registration.event_id == event_id, Registration.checkin_code.in_(first_at))
            .execution_options(populate_existing=True)
        )}
    audit.record_all(session, [
        audit.entry(actor, AuditAction.CHECK_IN, OBJECT_TYPE, registration.id,
                    summary=registration.full_name, before={"checked_in_at": None},
                    after={"checked_in_at": registration.checked_in_at.isoformat()},
                    event_id=event_id)
        for registration in found.values() if registration.id in admitted
    ])
    queue_changes(session, event_id, WebhookKind.CHECKED_IN,
                  [registration for registration in found.values() if registration.id in admitted])
    answered: set[int] = set()
    scans = []
    for code, _at in arrivals:
        registration = found.get(code)
        if registration is None:
            other_event = event_of_badge(session, event_id, code) if valid_code(code) else None
            scans.append(Scan(Outcome.OTHER_EVENT, other_event=other_event) if other_event
                         else Scan(Outcome.UNKNOWN))
        elif registration.id in admitted and registration.id not in answered:
            answered.add(registration.id)
            scans.append(Scan(Outcome.CHECKED_IN, Attendee.of(registration)))
        else:
            scans.append(Scan(refusal(registration), Attendee.of(registration)))
    return scans


def valid_code(code: str) -> bool:
    """Whether a normalised code has the shape of a badge's code at all."""
    return bool(_CODE_SHAPE.fullmatch(code))


def event_of_badge(session: Session, event_id: int, code: str) -> Event | None:
    """Another event whose badge carries ``code`` (codes are unique in an event only: the
    latest such event)."""
    return session.scalars(
        select(Event).join(Registration, Registration.event_id == Event.id)
        .where(Registration.checkin_code == code, Event.id != event_id)
        .order_by(Event.starts_on.desc(), Event.id.desc()).limit(1)
    ).first()


def check_in_registration(
    session: Session, event_id: int, registration_id: int, actor: User, now: datetime | None = None
) -> Scan:
    """Check in a registration found by name at the desk."""
    begin_write(session)
    return _ended(session, admit_in_transaction(
        session, event_id, Registration.id == registration_id, actor, now or utcnow()))


def _ended(session: Session, scan: Scan) -> Scan:
    """Commit a check-in; end a transaction that changed nothing."""
    if scan.admitted:
        session.commit()
    else:
        session.rollback()
    return scan


def admit_in_transaction(
    session: Session,
    event_id: int,
    which: ColumnElement[bool],
    actor: User,
    now: datetime,
) -> Scan:
    """Check in the registration ``which`` selects, in the caller's write transaction:
    the conditional UPDATE, the read, and the audit entry when it changed. Commits
    nothing."""
    changed = session.execute(
        update(Registration)
        .where(
            Registration.event_id == event_id,
            which,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.checked_in_at.is_(None),
        )
        .values(checked_in_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    registration = session.scalars(
        select(Registration)
        .where(Registration.event_id == event_id, which)
        .execution_options(populate_existing=True)
    ).first()
    if registration is None:
        return Scan(Outcome.UNKNOWN)
    attendee = Attendee.of(registration)
    if changed:
        audit.record(
            session,
            actor,
            AuditAction.CHECK_IN,
            OBJECT_TYPE,
            registration.id,
            summary=registration.full_name,
            before={"checked_in_at": None},
            after={"checked_in_at": now.isoformat()},
            event_id=event_id,
        )
        queue_change(session, event_id, WebhookKind.CHECKED_IN, registration)
        return Scan(Outcome.CHECKED_IN, attendee)
    return Scan(refusal(registration), attendee)


def refusal(registration: Registration) -> Outcome:
    """Why a registration that was not checked in just now was not."""
    if registration.status == RegistrationStatus.CANCELLED:
        return Outcome.CANCELLED
    if registration.status == RegistrationStatus.WAITLISTED:
        return Outcome.WAITLISTED
    return Outcome.ALREADY


def undo_check_in(
    session: Session, event_id: int, registration_id: int, actor: User
) -> tuple[Attendee, bool] | None:
    """Take back a check-in (a badge scanned by mistake): the person, and whether there
    was a check-in to undo (if not, nothing changes or is recorded); None for an unknown
    registration."""
    begin_write(session)
    registration = session.scalars(
        select(Registration)
        .where(Registration.event_id == event_id, Registration.id == registration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if registration is None:
        session.rollback()
        return None
    previous = registration.checked_in_at
    if previous is not None:
        registration.checked_in_at = None
        audit.record(
            session,
            actor,
            AuditAction.UNDO_CHECK_IN,
            OBJECT_TYPE,
            registration.id,
            summary=registration.full_name,
            before={"checked_in_at": previous.isoformat()},
            after={"checked_in_at": None},
            event_id=event_id,
        )
    attendee = Attendee.of(registration)
    session.commit()
    return attendee, previous is not None


def find_at_desk(session: Session, event_id: int, text: str) -> list[Attendee]:
    """People whose name, Latin name, email or organisation contains every word of ``text``."""
    condition = search_condition(text)
    if condition is None:
        return []
    registrations = session.scalars(
        select(Registration)
        .where(Registration.event_id == event_id, condition)
        .order_by(func.lower(Registration.full_name), Registration.id)
        .limit(DESK_SEARCH_LIMIT)
    )
    return [Attendee.of(registration) for registration in registrations]
