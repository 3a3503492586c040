"""Which badges to print, in which order: the batch print's filter, read from a query
string or the command line, the registrations it selects, and noting them as printed."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from .. import audit
from ..audit import AuditAction
from ..collation import name_key, sort_key
from ..models import (
    Event,
    Forum,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    Seat,
    SeatStatus,
    User,
    utcnow,
)
from .fonts import missing_glyphs
from .layouts import DEFAULT_LAYOUT, LAYOUTS, Layout


class BadgeOrder(enum.StrEnum):
    NAME = "name"
    ORGANISATION = "organisation"


# Cancelled registrations never get a badge.
PRINTABLE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


class BadgeFilterError(ValueError):
    """A filter value that makes no sense; the message says which and what is allowed."""


@dataclass(frozen=True)
class BadgeFilter:
    layout: Layout
    category: RegistrationCategory | None = None
    # A parallel forum's slug: only attendees with a confirmed seat in it.
    forum: str | None = None
    status: RegistrationStatus = RegistrationStatus.CONFIRMED
    # True: only badges printed before; False: only those never printed (late
    # registrants on the morning); None: both.
    printed: bool | None = None
    order: BadgeOrder = BadgeOrder.NAME


def _choice(values: Mapping[str, str | None], name: str, allowed: list[str],
            default: str | None) -> str | None:
    value = (values.get(name) or "").strip()
    if not value:
        return default
    if value not in allowed:
        raise BadgeFilterError(_("%(name)s must be one of %(allowed)s, not “%(value)s”.",
                                 name=name, allowed=", ".join(allowed), value=value[:40]))
    return value


def parse_filter(values: Mapping[str, str | None]) -> BadgeFilter:
    """The filter from query arguments or command options: layout, category, forum,
    status, printed (yes or no) and order. A missing or empty value means the default."""
    if (values.get("status") or "").strip() == RegistrationStatus.CANCELLED:
        raise BadgeFilterError(_("Cancelled registrations get no badge."))
    category = _choice(values, "category", [c.value for c in RegistrationCategory], None)
    status = _choice(values, "status", [s.value for s in PRINTABLE_STATUSES],
                     RegistrationStatus.CONFIRMED)
    printed = _choice(values, "printed", ["yes", "no"], None)
    return BadgeFilter(
        layout=LAYOUTS[_choice(values, "layout", list(LAYOUTS), DEFAULT_LAYOUT)],
        category=RegistrationCategory(category) if category else None,
        forum=(values.get("forum") or "").strip() or None,
        status=RegistrationStatus(status),
        printed=None if printed is None else printed == "yes",
        order=BadgeOrder(_choice(values, "order", [o.value for o in BadgeOrder], BadgeOrder.NAME)),
    )


def _sort_key(order: BadgeOrder):
    """Pinyin order, as the registrations list: the desk hands badges out by name."""
    if order is BadgeOrder.ORGANISATION:
        return lambda r: (sort_key(r.organisation), name_key(r.full_name), r.id)
    return lambda r: (name_key(r.full_name), sort_key(r.latin_name), r.id)


def badge_registrations(session: Session, event: Event, wanted: BadgeFilter) -> list[Registration]:
    """The registrations of ``event`` that ``wanted`` selects, with their seats and
    forums loaded, sorted in Python so that every database prints the same order."""
    query = (
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == wanted.status)
        .options(
            selectinload(Registration.seats).selectinload(Seat.forum),
            selectinload(Registration.event),
        )
    )
    if wanted.category is not None:
        query = query.where(Registration.category == wanted.category)
    if wanted.printed is not None:
        query = query.where(Registration.badge_printed_at.is_not(None) if wanted.printed
                            else Registration.badge_printed_at.is_(None))
    if wanted.forum is not None:
        forum_id = session.scalar(
            select(Forum.id).where(Forum.event_id == event.id, Forum.slug == wanted.forum)
        )
        if forum_id is None:
            raise BadgeFilterError(_("There is no forum “%(forum)s” in this event.",
                                     forum=wanted.forum[:64]))
        seated = (Seat.forum_id == forum_id) & (Seat.status == SeatStatus.CONFIRMED)
        query = query.where(Registration.seats.any(seated))
    return sorted(session.scalars(query), key=_sort_key(wanted.order))


@dataclass(frozen=True)
class LostCharacters:
    """An attendee whose badge leaves out characters that no badge font has."""

    registration: Registration
    characters: str

    @property
    def code_points(self) -> list[str]:
        return [f"U+{ord(char):04X}" for char in self.characters]


def lost_characters(registrations: list[Registration]) -> list[LostCharacters]:
    """The attendees among ``registrations`` whose name, name in Latin letters or
    organisation has characters the badge leaves out, so that an organizer can fix them."""
    found = []
    for registration in registrations:
        missing = missing_glyphs(
            registration.full_name + registration.latin_name + registration.organisation
        )
        if missing:
            found.append(LostCharacters(registration, missing))
    return found


def mark_badges_printed(
    session: Session, actor: User, event: Event, registration_ids: list[int]
) -> int:
    """Note that these badges are printed now; returns how many."""
    now = utcnow()
    ids = list(
        session.scalars(
            select(Registration.id).where(
                Registration.event_id == event.id, Registration.id.in_(registration_ids)
            )
        )
    )
    if not ids:
        return 0
    session.execute(
        update(Registration)
        .where(Registration.id.in_(ids))
        .values(badge_printed_at=now)
        .execution_options(synchronize_session=False)
    )
    for registration_id in ids:
        audit.record(
            session,
            actor,
            AuditAction.BADGE_PRINTED,
            "registration",
            registration_id,
            after={"badge_printed_at": now.isoformat()},
            event_id=event.id,
        )
    session.commit()
    return len(ids)
