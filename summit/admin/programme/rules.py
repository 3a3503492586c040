"""The programme's rules, checked before a change is saved: a room holds one session
at a time, a speaker is in one place at a time, sessions happen during the event.

Plain functions over a SQLAlchemy session and plain values (a ``SessionPlan``),
so that nothing is changed on the models until every rule has said yes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ...i18n import format_clock, format_day, localized
from ...models import Event, Forum, ProgrammeSession, SessionSpeaker


@dataclass(frozen=True)
class Problem:
    """A rule that a change breaks: the form field it concerns and what to tell the user."""

    field: str
    message: str


@dataclass(frozen=True)
class SessionPlan:
    """A session as it would be saved: times in UTC, speakers in order."""

    forum: Forum
    starts_at: datetime
    ends_at: datetime
    room_zh: str = ""
    room_en: str = ""
    cancelled: bool = False
    speaker_ids: list[int] = field(default_factory=list)
    # None for a new session.
    id: int | None = None

    @property
    def room(self) -> tuple[str, str]:
        return room_of(self.room_zh, self.room_en, self.forum)


def room_of(room_zh: str, room_en: str, forum: Forum) -> tuple[str, str]:
    """A session's room: its own when it names one, else its forum's."""
    if room_zh.strip() or room_en.strip():
        return room_zh.strip(), room_en.strip()
    return forum.room_zh.strip(), forum.room_en.strip()


def same_room(one: tuple[str, str], other: tuple[str, str]) -> bool:
    """Rooms are the same when their Chinese or their English names match (ignoring case)."""
    return any(a and b and a.casefold() == b.casefold() for a, b in zip(one, other, strict=True))


def _room_name(room: tuple[str, str]) -> str:
    return " / ".join(name for name in room if name)


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _when(other: ProgrammeSession, event: Event) -> str:
    return (f"{format_day(other.starts_at, event.timezone)} "
            f"{format_clock(other.starts_at, event.timezone)}–"
            f"{format_clock(other.ends_at, event.timezone)}")


def time_problems(event: Event, plan: SessionPlan) -> list[Problem]:
    """The session ends after it starts, and both ends fall on the event's days
    (in the event's time zone; ending at midnight belongs to the day before)."""
    if plan.ends_at <= plan.starts_at:
        return [Problem("ends_at", _("The session must end after it starts."))]
    zone = ZoneInfo(event.timezone)
    dates = {"first": format_day(event.starts_on), "last": format_day(event.ends_on)}
    problems = []
    if not event.starts_on <= _local_day(plan.starts_at, zone) <= event.ends_on:
        problems.append(Problem(
            "starts_at", _("The event runs from %(first)s to %(last)s; this start is outside it.",
                           **dates)))
    last_moment = plan.ends_at - timedelta(microseconds=1)
    if not event.starts_on <= _local_day(last_moment, zone) <= event.ends_on:
        problems.append(Problem(
            "ends_at", _("The event runs from %(first)s to %(last)s; this end is outside it.",
                         **dates)))
    return problems


def overlapping_sessions(
    session: Session, event: Event, plan: SessionPlan
) -> list[ProgrammeSession]:
    """The event's other sessions, not cancelled, that share some time with the plan."""
    query = (
        select(ProgrammeSession)
        .where(
            ProgrammeSession.event_id == event.id,
            ProgrammeSession.cancelled.is_(False),
            ProgrammeSession.starts_at < plan.ends_at,
            ProgrammeSession.ends_at > plan.starts_at,
        )
        .options(
            joinedload(ProgrammeSession.forum),
            selectinload(ProgrammeSession.speaker_links).joinedload(SessionSpeaker.speaker),
        )
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
    )
    if plan.id is not None:
        query = query.where(ProgrammeSession.id != plan.id)
    return list(session.scalars(query))


def room_problems(event: Event, plan: SessionPlan, others: list[ProgrammeSession]) -> list[Problem]:
    room = plan.room
    problems = []
    for other in others:
        if same_room(room, room_of(other.room_zh, other.room_en, other.forum)):
            problems.append(Problem("room_zh", _(
                "%(room)s is taken at that time by “%(title)s” (%(when)s).",
                room=_room_name(room), title=localized(other, "title"), when=_when(other, event),
            )))
    return problems


def speaker_problems(
    event: Event, plan: SessionPlan, others: list[ProgrammeSession]
) -> list[Problem]:
    wanted = set(plan.speaker_ids)
    problems = []
    for other in others:
        for link in other.speaker_links:
            if link.speaker_id in wanted:
                problems.append(Problem("speakers", _(
                    "%(speaker)s speaks at that time in “%(title)s” (%(when)s).",
                    speaker=localized(link.speaker, "name"), title=localized(other, "title"),
                    when=_when(other, event),
                )))
    return problems


def session_problems(session: Session, event: Event, plan: SessionPlan) -> list[Problem]:
    """Everything wrong with saving ``plan``; empty when it may be saved. A cancelled
    session takes no room and no speaker's time, so it clashes with nothing."""
    problems = time_problems(event, plan)
    if plan.ends_at <= plan.starts_at or plan.cancelled:
        return problems
    others = overlapping_sessions(session, event, plan)
    return problems + room_problems(event, plan, others) + speaker_problems(event, plan, others)


def sessions_outside(
    session: Session, event: Event, starts_on: date, ends_on: date, timezone: str
) -> int:
    """How many of the event's sessions (not cancelled) would fall outside new dates."""
    zone = ZoneInfo(timezone)
    first = datetime.combine(starts_on, datetime.min.time(), zone)
    after_last = datetime.combine(ends_on + timedelta(days=1), datetime.min.time(), zone)
    return session.scalar(
        select(func.count()).where(
            ProgrammeSession.event_id == event.id,
            ProgrammeSession.cancelled.is_(False),
            (ProgrammeSession.starts_at < first) | (ProgrammeSession.ends_at > after_last),
        )
    )

