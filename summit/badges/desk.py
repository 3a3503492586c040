"""Badges at the check-in desk: a name or organisation corrected and that one badge
printed again at once, with the same check-in code, each print in the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from .. import audit
from ..audit import AuditAction
from ..models import Event, RegistrationStatus, User, utcnow
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
    facts: BadgeFacts
    layout_key: str
    # How often this badge was printed again (0: its first print).
    reprints: int


def print_at_desk(
    session: Session, actor: User, event: Event, registration_id: int,
    correction: BadgeCorrection,
) -> DeskPrint | None:
    """Correct the badge's texts and note one more print of it, in one transaction with
    their audit entries (the fields changed; the print and how many came before). The
    check-in code stays. Returns what to render on the event's desk layout (rendered
    by the caller after the commit, not under the event's lock); None for an unknown
    registration. Raises NoBadge for a cancelled one."""
    found = with_seats(session, event, registration_id)
    if found is None:
        return None
    _locked, registration = seats.lock_registration(session, found)
    if registration.status == RegistrationStatus.CANCELLED:
        session.rollback()
        raise NoBadge
    before = organizer.snapshot(registration)
    registration.full_name = correction.full_name
    registration.latin_name = correction.latin_name
    registration.organisation = correction.organisation
    session.flush()
    changed_before, changed_after = audit.changes(before, organizer.snapshot(registration))
    summary = f"{registration.full_name} <{registration.email}>"
    if changed_after:
        audit.record(session, actor, AuditAction.UPDATE, organizer.OBJECT_TYPE,
                     registration.id, summary=summary, before=changed_before,
                     after=changed_after, event_id=event.id)
    printed_before = registration.badge_printed_at
    if printed_before is not None:
        registration.badge_reprints += 1
    registration.badge_printed_at = utcnow()
    layout_key = event.badge_layout if event.badge_layout in LAYOUTS else DEFAULT_LAYOUT
    audit.record(
        session, actor,
        AuditAction.BADGE_REPRINTED if printed_before else AuditAction.BADGE_PRINTED,
        organizer.OBJECT_TYPE, registration.id, summary=summary,
        before={"badge_printed_at": printed_before.isoformat() if printed_before else None},
        after={"badge_printed_at": registration.badge_printed_at.isoformat(),
               "badge_reprints": registration.badge_reprints, "layout": layout_key,
               "checkin_code": registration.checkin_code},
        event_id=event.id,
    )
    facts = badge_facts(registration)
    reprints = registration.badge_reprints
    session.commit()
    return DeskPrint(facts, layout_key, reprints)
