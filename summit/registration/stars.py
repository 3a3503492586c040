"""Sessions an attendee stars through their private link: their own agenda marks them and
their calendar feed holds them (``calendar.service.attendee_feed``). Anonymous visitors
keep stars in their browser (static/js/stars.js); one click on the attendee's own page
brings those into the registration.

A star gives no seat: forum seats still decide where one may sit, and a starred session
of a forum without a seat is marked so. Stars are not written to the audit log: they
are the attendee's own notes and change nothing anyone else sees. Changing them moves
the registration's ``updated_at``, which is the feed's Last-Modified.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ..calendar.service import seated_forum_ids
from ..models import (
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    SessionKind,
    SessionStar,
    utcnow,
)
from .errors import RegistrationCancelled, RegistrationError

# More than any programme has sessions: what one import may name.
MAX_IMPORTED = 2000


class UnknownSession(RegistrationError):
    """No session of the registration's event has that id (or it is a break)."""


@dataclass(frozen=True)
class PersonalAgenda:
    """What the agenda shows an attendee who came through their private link."""

    token: str
    starred: frozenset[int]
    seated: frozenset[int]

    def without_seat(self, item: ProgrammeSession) -> bool:
        return item.forum_id not in self.seated


def personal_agenda(registration: Registration) -> PersonalAgenda:
    return PersonalAgenda(
        token=registration.token,
        starred=frozenset(star.session_id for star in registration.stars),
        seated=seated_forum_ids(registration),
    )


def starred_sessions(session: Session, registration: Registration) -> list[ProgrammeSession]:
    """The registration's starred sessions in time order, with their forums."""
    return list(session.scalars(
        select(ProgrammeSession)
        .join(SessionStar, SessionStar.session_id == ProgrammeSession.id)
        .where(SessionStar.registration_id == registration.id,
               ProgrammeSession.event_id == registration.event_id)
        .options(joinedload(ProgrammeSession.forum))
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
    ))


def _starrable_ids(session: Session, registration: Registration, ids: set[int]) -> set[int]:
    """Those of ``ids`` that are sessions of the registration's event other than breaks."""
    if not ids:
        return set()
    return set(session.scalars(
        select(ProgrammeSession.id).where(
            ProgrammeSession.event_id == registration.event_id,
            ProgrammeSession.id.in_(ids),
            ProgrammeSession.kind != SessionKind.BREAK,
        )
    ))


def _refuse_cancelled(registration: Registration) -> None:
    if registration.status == RegistrationStatus.CANCELLED:
        raise RegistrationCancelled()


def set_star(session: Session, registration: Registration, session_id: int,
             starred: bool) -> None:
    """Star or unstar one session of the registration's event; doing it twice is the
    same as once. Raises UnknownSession or RegistrationCancelled."""
    _refuse_cancelled(registration)
    if not _starrable_ids(session, registration, {session_id}):
        raise UnknownSession()
    held = {star.session_id for star in registration.stars}
    if starred and session_id not in held:
        registration.stars.append(SessionStar(session_id=session_id))
    elif not starred and session_id in held:
        session.execute(delete(SessionStar).where(
            SessionStar.registration_id == registration.id,
            SessionStar.session_id == session_id))
        session.expire(registration, ["stars"])
    else:
        return
    registration.updated_at = utcnow()
    _commit_stars(session)


def import_stars(session: Session, registration: Registration, ids: list[int]) -> int:
    """Star the sessions among ``ids`` (from the browser's own stars) that the
    registration has not starred yet; ids of no session of its event are left out.
    Returns how many were added."""
    _refuse_cancelled(registration)
    wanted = _starrable_ids(session, registration, set(ids[:MAX_IMPORTED]))
    new = wanted - {star.session_id for star in registration.stars}
    if not new:
        return 0
    registration.stars.extend(SessionStar(session_id=session_id) for session_id in sorted(new))
    registration.updated_at = utcnow()
    _commit_stars(session)
    return len(new)


def _commit_stars(session: Session) -> None:
    """Commit; a star the same attendee added a moment ago in another tab is already
    there, which is what they asked for."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
