"""Reading the programme: the event, its forums and sessions, and the agenda grid."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..events.queries import EventVersion
from ..models import SCHEDULED, Event, Forum, ProgrammeSession, SessionSpeaker, Speaker


def _with_speakers(query):
    return query.options(
        joinedload(ProgrammeSession.forum),
        selectinload(ProgrammeSession.speaker_links).joinedload(SessionSpeaker.speaker),
    )


def programme_sessions(session: Session, event: Event) -> list[ProgrammeSession]:
    """Every scheduled session of the event in time order, with forum and speakers loaded."""
    query = (
        select(ProgrammeSession)
        .where(ProgrammeSession.event_id == event.id, SCHEDULED)
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
    )
    return list(session.scalars(_with_speakers(query)))


def unscheduled_sessions(session: Session, event: Event) -> list[ProgrammeSession]:
    """The event's sessions without times (accepted proposals), to be placed."""
    query = (
        select(ProgrammeSession)
        .where(ProgrammeSession.event_id == event.id, ~SCHEDULED)
        .order_by(ProgrammeSession.id)
    )
    return list(session.scalars(_with_speakers(query)))


def find_forum(session: Session, event: Event | EventVersion, slug: str) -> Forum | None:
    return session.scalars(
        select(Forum).where(Forum.event_id == event.id, Forum.slug == slug)
    ).first()


def find_session(
    session: Session, event: Event | EventVersion, session_id: int
) -> ProgrammeSession | None:
    query = select(ProgrammeSession).where(
        ProgrammeSession.event_id == event.id, ProgrammeSession.id == session_id, SCHEDULED
    )
    return session.scalars(_with_speakers(query)).first()


# A speaker the public may see: one of a scheduled session, or of none (an organizer's
# entry), never one who so far speaks only in sessions still to be placed.
_SPEAKS_IN = select(SessionSpeaker.session_id).where(SessionSpeaker.speaker_id == Speaker.id)
PUBLIC_SPEAKER = ~_SPEAKS_IN.exists() | _SPEAKS_IN.join(ProgrammeSession).where(SCHEDULED).exists()


def find_speaker(session: Session, event: Event, speaker_id: int) -> Speaker | None:
    return session.scalars(
        select(Speaker).where(Speaker.event_id == event.id, Speaker.id == speaker_id,
                              PUBLIC_SPEAKER)
    ).first()


def speakers_of(session: Session, event: Event) -> list[Speaker]:
    """Honoured speakers (院士 and the like) first, then by name; placeholders last."""
    speakers = session.scalars(
        select(Speaker).where(Speaker.event_id == event.id, PUBLIC_SPEAKER)).all()
    return sorted(
        speakers,
        key=lambda s: (s.is_demo, not (s.honorific_zh or s.honorific_en), s.name_en or s.name_zh),
    )


def sessions_of_speaker(session: Session, speaker: Speaker) -> list[ProgrammeSession]:
    query = (
        select(ProgrammeSession)
        .join(SessionSpeaker)
        .where(SessionSpeaker.speaker_id == speaker.id, SCHEDULED)
        .order_by(ProgrammeSession.starts_at)
    )
    return list(session.scalars(_with_speakers(query)))


# --- the agenda grid -------------------------------------------------------


@dataclass
class ForumColumn:
    forum: Forum
    sessions: list[ProgrammeSession] = field(default_factory=list)


@dataclass
class AgendaBlock:
    """Either plenary sessions across the full width, or parallel forums side by side."""

    plenary: list[ProgrammeSession] = field(default_factory=list)
    columns: list[ForumColumn] = field(default_factory=list)

    @property
    def is_parallel(self) -> bool:
        return bool(self.columns)


@dataclass
class AgendaDay:
    day: date
    blocks: list[AgendaBlock]


def agenda_of(session: Session, event: Event, forum: Forum | None = None) -> list[AgendaDay]:
    """The event's agenda, or only ``forum``'s sessions in it."""
    sessions = programme_sessions(session, event)
    if forum is not None:
        sessions = [item for item in sessions if item.forum_id == forum.id]
    return agenda(sessions, event)


def agenda(sessions: list[ProgrammeSession], event: Event) -> list[AgendaDay]:
    """Group sessions by the event's local day; within a day, consecutive main-forum
    sessions form a full-width block and the parallel forums' sessions between them
    form a block of columns, one per forum in the forums' order."""
    zone = ZoneInfo(event.timezone)
    by_day: dict[date, list[ProgrammeSession]] = defaultdict(list)
    for item in sessions:
        by_day[item.starts_at.astimezone(zone).date()].append(item)

    days = []
    for day in sorted(by_day):
        blocks: list[AgendaBlock] = []
        parallel: dict[int, ForumColumn] = {}
        for item in by_day[day]:
            if item.forum.is_main:
                if parallel:
                    blocks.append(_parallel_block(parallel))
                    parallel = {}
                if not blocks or blocks[-1].is_parallel:
                    blocks.append(AgendaBlock())
                blocks[-1].plenary.append(item)
            else:
                parallel.setdefault(item.forum_id, ForumColumn(item.forum)).sessions.append(item)
        if parallel:
            blocks.append(_parallel_block(parallel))
        days.append(AgendaDay(day, blocks))
    return days


def _parallel_block(columns: dict[int, ForumColumn]) -> AgendaBlock:
    ordered = sorted(columns.values(), key=lambda column: (column.forum.position, column.forum.id))
    return AgendaBlock(columns=ordered)
