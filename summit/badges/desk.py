"""One badge printed at a time: at the check-in desk (a name or organisation corrected
first) or from a registration's page. The badge keeps its check-in code; each print is in
the audit log with how many came before it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from .. import audit
from ..audit import AuditAction
from ..models import Event, Registration, RegistrationStatus, User, utcnow
from ..registration import organizer, seats
from ..registration.listing import with_seats
from .layouts import DEFAULT_LAYOUT, LAYOUTS
from .render import BadgeFacts, badge_facts


@dataclass(frozen=True)
class BadgeCorrection:
    """What staff may correct at the desk: what the badge prints of the person."""

    full_name: str
    latin_name: str
    organisation: str


class NoBadge(Exception):
    """A cancelled registration gets no badge."""


@dataclass(frozen=True)
class DeskPrint:
    """A badge to render, once its print is noted."""

    facts: BadgeFacts
    layout_key: str
    # How often this badge was printed again (0: its first print).
    reprints: int


def _note_print(session: Session, actor: User, registration: Registration,
                layout_key: str) -> DeskPrint:
    """One more print of ``registration``'s badge, audited, in the caller's transaction;
    what to render once it commits."""
    printed_before = registration.badge_printed_at
    if printed_before is not None:
        registration.badge_reprints += 1
    registration.badge_printed_at = utcnow()
    audit.record(
        session, actor,
        AuditAction.BADGE_REPRINTED if printed_before else AuditAction.BADGE_PRINTED,
        organizer.OBJECT_TYPE, registration.id,
        summary=f"{registration.full_name} <{registration.email}>",
        before={"badge_printed_at": printed_before.isoformat() if printed_before else None},
        after={"badge_printed_at": registration.badge_printed_at.isoformat(),
               "badge_reprints": registration.badge_reprints, "layout": layout_key,
               "checkin_code": registration.checkin_code},
        event_id=registration.event_id,
    )
    return DeskPrint(badge_facts(registration), layout_key, registration.badge_reprints)


def _locked_printable(session: Session, event: Event, registration_id: int):
    found = with_seats(session, event, registration_id)
    if found is None:
        return None
    _locked, registration = seats.lock_registration(session, found)
    if registration.status == RegistrationStatus.CANCELLED:
        session.rollback()
        raise NoBadge
    return registration


def print_at_desk(
    session: Session, actor: User, event: Event, registration_id: int,
    correction: BadgeCorrection,
) -> DeskPrint | None:
    """Correct the badge's texts and note one more print of it, in one transaction with
    their audit entries (the fields changed; the print and how many came before). The
    check-in code stays. Returns what to render on the event's desk layout (rendered
    by the caller after the commit, not under the event's lock); None for an unknown
    registration. Raises NoBadge for a cancelled one."""
    registration = _locked_printable(session, event, registration_id)
    if registration is None:
        return None
    before = organizer.snapshot(registration)
    registration.full_name = correction.full_name
    registration.latin_name = correction.latin_name
    registration.organisation = correction.organisation
    session.flush()
    changed_before, changed_after = audit.changes(before, organizer.snapshot(registration))
    if changed_after:
        audit.record(session, actor, AuditAction.UPDATE, organizer.OBJECT_TYPE,
                     registration.id, summary=f"{registration.full_name} <{registration.email}>",
                     before=changed_before, after=changed_after, event_id=event.id)
    layout_key = event.badge_layout if event.badge_layout in LAYOUTS else DEFAULT_LAYOUT
    printed = _note_print(session, actor, registration, layout_key)
    session.commit()
    return printed


def print_one(session: Session, actor: User, event: Event, registration_id: int,
              layout_key: str) -> DeskPrint | None:
    """Note one more print of a badge (from the registration's page, on the layout
    chosen there); None for an unknown registration, NoBadge for a cancelled one."""
    registration = _locked_printable(session, event, registration_id)
    if registration is None:
        return None
    printed = _note_print(session, actor, registration, layout_key)
    session.commit()
    return printed
