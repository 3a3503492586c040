"""The offline desk's side on the server: the list a desk keeps on its device, what
changed in it since the desk last asked, and the scans a desk queued, taken in once each.

Learned from pretix's scanner apps (never copied): a scan carries its own id made on the
device (pretix's ``nonce``), so sending a queue again after a lost answer admits nobody
twice; it carries the device's time, so the check-in says when the person came, not
when the network came back; and a scan the desk let in offline is recorded even when
the server would not have let it in, marked as a conflict for the staff to see.

"What changed since" is a time cursor read before the query, looked back a little
further than asked (``OVERLAP``): a transaction that commits a moment after another one
started is not missed, and a desk applies the same person twice harmlessly.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import distinct, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .. import audit
from ..database import begin_write
from ..forms import clean_text
from ..models import (
    DeskScan,
    Forum,
    ProgrammeSession,
    Registration,
    Seat,
    SeatStatus,
    User,
    utcnow,
)
from ..registration.seats import seats_taken
from ..registration.tokens import normalise_checkin_code
from .doors import door_forum, scan_at_door_in_transaction, seat_from_waiting_list_in_transaction
from .service import Attendee, Outcome, Scan, check_in_codes_in_transaction

OVERLAP = timedelta(seconds=30)
# A device's clock is believed within these bounds, else the scan is dated on arrival.
DEVICE_CLOCK_AHEAD = timedelta(minutes=5)
DEVICE_CLOCK_BEHIND = timedelta(days=7)
MAX_BATCH = 500
DESK_NAME_MAX = 40
RECENT_SCANS = 8
CONFLICTS_SHOWN = 50
# The device's id of a scan: a UUID as crypto.randomUUID() writes it.
_SCAN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class BadBatch(ValueError):
    """A queue the server cannot read at all (not a list, too long)."""


# --- the desk's list ---------------------------------------------------------------


@dataclass(frozen=True)
class DeskEntry:
    """One person as the desk keeps them: only what answering a scan needs."""

    id: int
    code: str
    name: str
    latin_name: str
    organisation: str
    category: str
    status: str
    checked_in_at: datetime | None
    # forum id → "confirmed" or "waitlisted"
    seats: dict[int, str]

    @classmethod
    def of(cls, registration: Registration) -> DeskEntry:
        return cls(
            id=registration.id, code=registration.checkin_code, name=registration.full_name,
            latin_name=registration.latin_name, organisation=registration.organisation,
            category=registration.category.value, status=registration.status.value,
            checked_in_at=registration.checked_in_at,
            seats={seat.forum_id: seat.status.value for seat in registration.seats
                   if seat.status != SeatStatus.CANCELLED},
        )


def list_version(session: Session, event_id: int) -> tuple:
    """What the whole list's ETag is made of: two aggregate queries, no rows read."""
    count, newest = session.execute(
        select(func.count(), func.max(Registration.updated_at))
        .where(Registration.event_id == event_id)
    ).one()
    newest_seat = session.scalar(
        select(func.max(Seat.updated_at)).join(Registration)
        .where(Registration.event_id == event_id)
    )
    return count, newest, newest_seat


def desk_entries(
    session: Session, event_id: int, since: datetime | None
) -> tuple[list[DeskEntry], datetime]:
    """The event's people (those changed since ``since`` when given), and the cursor to
    ask with next time."""
    cursor = utcnow()
    query = select(Registration).where(Registration.event_id == event_id)
    if since is not None:
        after = since - OVERLAP
        query = query.where(or_(
            Registration.updated_at > after,
            Registration.id.in_(select(Seat.registration_id).where(Seat.updated_at > after)),
        ))
    registrations = session.scalars(
        query.options(selectinload(Registration.seats)).order_by(Registration.id))
    return [DeskEntry.of(registration) for registration in registrations], cursor


# --- what every desk sees ----------------------------------------------------------


@dataclass(frozen=True)
class SeenScan:
    name: str
    # The desk's name, or for a scan through the API, its token's.
    desk: str
    outcome: str
    scanned_at: datetime
    conflict: bool
    # For a conflict: when and where the person had been let in first.
    first_at: datetime | None = None
    first_desk: str = ""
    through_api: bool = False


def recent_scans(session: Session, event_id: int, forum_id: int | None = None) -> list[SeenScan]:
    """The newest scans at every desk (at one door when ``forum_id``)."""
    query = select(DeskScan).where(DeskScan.event_id == event_id)
    if forum_id is not None:
        query = query.where(DeskScan.forum_id == forum_id)
    rows = session.scalars(query.options(selectinload(DeskScan.registration))
                           .order_by(DeskScan.id.desc()).limit(RECENT_SCANS))
    return [_seen(row) for row in rows]


def conflicts(session: Session, event_id: int) -> list[SeenScan]:
    """Scans a desk let in offline that the server did not, newest first, each with when
    and where the person had been let in."""
    rows = list(session.scalars(
        select(DeskScan).where(DeskScan.event_id == event_id, DeskScan.conflict.is_(True))
        .options(selectinload(DeskScan.registration))
        .order_by(DeskScan.id.desc()).limit(CONFLICTS_SHOWN)))
    first_desks = dict(session.execute(
        select(DeskScan.registration_id, func.min(DeskScan.desk))
        .where(DeskScan.event_id == event_id,
               DeskScan.registration_id.in_({row.registration_id for row in rows}),
               DeskScan.outcome == Outcome.CHECKED_IN.value, DeskScan.forum_id.is_(None))
        .group_by(DeskScan.registration_id)).all()) if rows else {}
    return [_seen(row, first_desks.get(row.registration_id, "")) for row in rows]


def _seen(row: DeskScan, first_desk: str = "") -> SeenScan:
    person = row.registration
    return SeenScan(
        name=person.full_name if person else row.code, desk=row.desk, outcome=row.outcome,
        scanned_at=row.scanned_at, conflict=row.conflict,
        first_at=person.checked_in_at if person else None, first_desk=first_desk,
        through_api=row.api_token_id is not None)


@dataclass(frozen=True)
class DoorCount:
    attended: int
    taken: int
    capacity: int | None

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)


def door_count(session: Session, forum: Forum) -> DoorCount:
    """People let in at the forum's door so far, and its seats."""
    attended = session.scalar(
        select(func.count(distinct(DeskScan.registration_id)))
        .where(DeskScan.forum_id == forum.id, DeskScan.outcome == Outcome.CHECKED_IN.value))
    return DoorCount(attended, seats_taken(session, [forum.id])[forum.id], forum.capacity)


# --- the queue ---------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedScan:
    """A scan as a desk sent it, read and bounded; ``problem`` says why it cannot be
    taken in (it is answered, not stored)."""

    scan_id: str
    code: str = ""
    scanned_at: datetime | None = None
    desk: str = ""
    forum_id: int | None = None
    desk_outcome: str = ""
    problem: str = ""


def read_queue(data: object, now: datetime) -> list[QueuedScan]:
    """The desk's JSON (``{"scans": [...]}``) as scans; a malformed item becomes a scan
    with a problem, so that one bad item never blocks the rest. Raises BadBatch."""
    items = data.get("scans") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise BadBatch("scans: a list expected")
    if len(items) > MAX_BATCH:
        raise BadBatch(f"at most {MAX_BATCH} scans at once")
    return [_read_scan(item, now) for item in items]


def _read_scan(item: object, now: datetime) -> QueuedScan:
    if not isinstance(item, dict):
        return QueuedScan("", problem="not an object")
    scan_id = item.get("id")
    if not isinstance(scan_id, str) or not _SCAN_ID.fullmatch(scan_id):
        return QueuedScan(scan_id[:36] if isinstance(scan_id, str) else "", problem="id")
    code, at, forum_id = item.get("code"), item.get("at"), item.get("forum")
    if not isinstance(code, str) or len(code) > 200:
        return QueuedScan(scan_id, problem="code")
    if forum_id is not None and (not isinstance(forum_id, int) or isinstance(forum_id, bool)):
        return QueuedScan(scan_id, problem="forum")
    desk = item.get("desk")
    told = item.get("told")
    return QueuedScan(
        scan_id=scan_id,
        code=normalise_checkin_code(code)[:32],
        scanned_at=_device_time(at, now),
        desk=clean_text(desk)[:40] if isinstance(desk, str) else "",
        forum_id=forum_id,
        desk_outcome=told if told in set(Outcome) else "",
    )


def _device_time(at: object, now: datetime) -> datetime:
    """The device's time of the scan (milliseconds since 1970), believed within bounds."""
    if isinstance(at, int | float) and not isinstance(at, bool):
        try:
            moment = datetime.fromtimestamp(at / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return now
        if now - DEVICE_CLOCK_BEHIND <= moment <= now + DEVICE_CLOCK_AHEAD:
            return min(moment, now)
    return now


@dataclass(frozen=True)
class Synced:
    """A queued scan's answer: what the server decided, and whether the desk had told
    the person otherwise."""

    queued: QueuedScan
    scan: Scan
    conflict: bool = False


def sync_queue(
    session: Session, event_id: int, queue: list[QueuedScan], actor: User
) -> list[Synced]:
    """Take in a desk's queue, each scan once: one transaction for the queue. A scan
    whose id is known already (sent before) is answered as it was decided; should two
    sends of one queue race, the loser's commit fails on the unique id, and it is
    answered again from what the winner stored."""
    try:
        return _sync_once(session, event_id, queue, actor)
    except IntegrityError:
        session.rollback()
        return _sync_once(session, event_id, queue, actor)


def _sync_once(
    session: Session, event_id: int, queue: list[QueuedScan], actor: User
) -> list[Synced]:
    wanted = {queued.scan_id for queued in queue if not queued.problem}
    # Copied out at once: starting the write transaction expires what was read.
    stored = {row.scan_id: (_as_decided(row), row.conflict) for row in session.scalars(
        select(DeskScan).where(DeskScan.event_id == event_id, DeskScan.scan_id.in_(wanted))
        .options(selectinload(DeskScan.registration)))} if wanted else {}
    forums = {forum_id: door_forum(session, event_id, forum_id)
              for forum_id in {queued.forum_id for queued in queue if queued.forum_id}}
    fresh: dict[str, QueuedScan] = {}
    for queued in queue:
        if not (queued.problem or queued.scan_id in stored or queued.scan_id in fresh
                or (queued.forum_id and forums[queued.forum_id] is None)):
            fresh[queued.scan_id] = queued
    begin_write(session)
    now = utcnow()
    entrance = [queued for queued in fresh.values() if not queued.forum_id]
    decided = dict(zip(
        (queued.scan_id for queued in entrance),
        check_in_codes_in_transaction(
            session, event_id, [(queued.code, queued.scanned_at) for queued in entrance], actor),
        strict=True))
    for queued in fresh.values():
        if queued.forum_id:
            decided[queued.scan_id] = scan_at_door_in_transaction(
                session, event_id, forums[queued.forum_id], queued.code, actor,
                queued.scanned_at)
    conflicts = {scan_id for scan_id, scan in decided.items()
                 if fresh[scan_id].desk_outcome == Outcome.CHECKED_IN and not scan.admitted}
    if fresh:
        session.execute(insert(DeskScan), [
            _row(event_id, queued, decided[scan_id], now, user_id=actor.id,
                 conflict=scan_id in conflicts)
            for scan_id, queued in fresh.items()])
    session.commit()
    answers: list[Synced] = []
    for queued in queue:
        if queued.scan_id in decided and not queued.problem:
            answers.append(Synced(queued, decided[queued.scan_id],
                                  queued.scan_id in conflicts))
        elif queued.scan_id in stored and not queued.problem:
            answers.append(Synced(queued, *stored[queued.scan_id]))
        else:
            answers.append(Synced(queued, Scan(Outcome.UNKNOWN)))
    return answers


def _row(event_id: int, queued: QueuedScan, scan: Scan, now: datetime, *,
         user_id: int | None = None, api_token_id: int | None = None,
         conflict: bool = False) -> dict:
    """The DeskScan that records ``queued`` and what was decided, made by an account at a
    desk (``user_id``) or by another system with a token (``api_token_id``)."""
    return {
        "event_id": event_id, "scan_id": queued.scan_id, "desk": queued.desk,
        "code": queued.code, "registration_id": scan.attendee.id if scan.attendee else None,
        "forum_id": queued.forum_id, "outcome": scan.outcome.value,
        "desk_outcome": queued.desk_outcome, "conflict": conflict,
        "scanned_at": queued.scanned_at or now, "received_at": now, "user_id": user_id,
        "api_token_id": api_token_id,
    }


def _record(session: Session, event_id: int, queued: QueuedScan, scan: Scan, actor: User,
            now: datetime) -> None:
    session.execute(insert(DeskScan), _row(event_id, queued, scan, now, user_id=actor.id))


def _as_decided(row: DeskScan) -> Scan:
    person = row.registration
    return Scan(Outcome(row.outcome), Attendee.of(person) if person else None)


def _scanned_here(typed: str, desk: str, forum_id: int | None = None) -> QueuedScan:
    """A scan the server answers as it arrives, as if queued by ``desk``: its id is the
    server's."""
    return QueuedScan(str(uuid.uuid4()), code=normalise_checkin_code(typed)[:32],
                      desk=desk[:DESK_NAME_MAX], forum_id=forum_id)


def scan_once(
    session: Session, event_id: int, typed: str, actor: User, desk: str = "",
    forum: Forum | None = None,
) -> Scan:
    """A code typed or scanned where no list is kept on the device (the desk's page
    without its script, a scanner through ``scan.json``), at the entrance or at
    ``forum``'s door: decided by the desks' rules and recorded at once as a queued scan
    is (the id is the server's), so that every desk's latest scans show it. The desk is
    the one named, else the account's name."""
    queued = _scanned_here(typed, clean_text(desk) or actor.name or actor.email,
                           forum.id if forum else None)
    begin_write(session)
    now = utcnow()
    if forum is None:
        (scan,) = check_in_codes_in_transaction(session, event_id, [(queued.code, now)], actor)
    else:
        scan = scan_at_door_in_transaction(session, event_id, forum, queued.code, actor, now)
    _record(session, event_id, queued, scan, actor, now)
    session.commit()
    return scan


def scan_through_api(
    session: Session, event_id: int, typed: str, token_id: int, token_name: str
) -> Scan:
    """A badge another system scanned with an API token, at the entrance: decided by the
    desks' rules and recorded as a desk's scan is (the id is the server's, the desk is
    the token's name), so that every desk's latest scans show it. The audit log names
    the token (``audit.api_token``)."""
    queued = _scanned_here(typed, token_name)
    begin_write(session)
    now = utcnow()
    (scan,) = check_in_codes_in_transaction(session, event_id, [(queued.code, now)],
                                            audit.api_token(token_name))
    session.execute(insert(DeskScan), _row(event_id, queued, scan, now,
                                           api_token_id=token_id))
    session.commit()
    return scan


def seat_at_door(
    session: Session, event_id: int, forum: Forum, registration_id: int,
    queued: QueuedScan, actor: User,
) -> Scan | None:
    """Staff tap "Admit from the waiting list" at ``forum``'s door: the seat is taken
    under the event's lock, the door scan recorded, all in one commit. None for a
    registration not of the event. Raises NotWaiting, ForumFull; a tap sent twice is
    answered as the first."""
    known = session.scalars(select(DeskScan).where(
        DeskScan.event_id == event_id, DeskScan.scan_id == queued.scan_id)).first()
    if known is not None:
        return _as_decided(known)
    registration = session.scalars(select(Registration).where(
        Registration.event_id == event_id, Registration.id == registration_id)).first()
    if registration is None:
        return None
    now = utcnow()
    scan = seat_from_waiting_list_in_transaction(session, registration, forum, actor, now)
    _record(session, event_id, queued, scan, actor, now)
    session.commit()
    return scan


# --- attendance ----------------------------------------------------------------------

# A door scan this long before a session starts counts for that session.
SESSION_DOORS_OPEN = timedelta(minutes=30)


def attendance_per_forum(session: Session, event_id: int) -> dict[int, int]:
    """Forum id → people let in at its door (each once)."""
    return dict(session.execute(
        select(DeskScan.forum_id, func.count(distinct(DeskScan.registration_id)))
        .where(DeskScan.event_id == event_id, DeskScan.forum_id.is_not(None),
               DeskScan.outcome == Outcome.CHECKED_IN.value)
        .group_by(DeskScan.forum_id)).all())


def attendance_per_session(
    session: Session, event_id: int
) -> list[tuple[ProgrammeSession, int]]:
    """Each session of a forum that had door scans, with the people let in at its forum's
    door during it or in the half hour before it began. The scans are read once and
    counted here: SQLite cannot do arithmetic on the stored times."""
    scans = session.execute(
        select(DeskScan.forum_id, DeskScan.registration_id, DeskScan.scanned_at)
        .where(DeskScan.event_id == event_id, DeskScan.forum_id.is_not(None),
               DeskScan.outcome == Outcome.CHECKED_IN.value)).all()
    forum_ids = {forum_id for forum_id, _person, _at in scans}
    if not forum_ids:
        return []
    sessions = session.scalars(
        select(ProgrammeSession).where(ProgrammeSession.event_id == event_id,
                                       ProgrammeSession.forum_id.in_(forum_ids))
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id))
    return [(item, len({person for forum_id, person, at in scans
                        if forum_id == item.forum_id
                        and item.starts_at - SESSION_DOORS_OPEN <= at < item.ends_at}))
            for item in sessions]


def forums_attended(session: Session, event_id: int) -> dict[int, list[int]]:
    """Registration id → ids of the forums whose door let it in."""
    attended: dict[int, list[int]] = {}
    for registration_id, forum_id in session.execute(
        select(DeskScan.registration_id, DeskScan.forum_id).distinct()
        .where(DeskScan.event_id == event_id, DeskScan.forum_id.is_not(None),
               DeskScan.outcome == Outcome.CHECKED_IN.value)
    ):
        attended.setdefault(registration_id, []).append(forum_id)
    return attended

