"""When speakers can speak: the time ranges a speaker gives on their own page (on the
event's days, typed on the event's clock), and the programme editor's warning when a
session is placed outside them. A speaker who gives none is taken to be free
throughout; the warning is advice, never a refusal."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..database import begin_write
from ..i18n import format_clock, format_day, localized
from ..models import (
    Event,
    ProgrammeSession,
    Proposal,
    ProposalSpeaker,
    Speaker,
    SpeakerAvailability,
)
from .service import CLOSED_STATES, ProposalRefused

# More would be no plan but a diary.
MAX_RANGES = 30


def event_days(event: Event) -> list[date]:
    return [event.starts_on + timedelta(days=n)
            for n in range((event.ends_on - event.starts_on).days + 1)]


def in_utc(event: Event, day: date, clock: time) -> datetime:
    """``clock`` on ``day`` on the event's clock, in UTC."""
    return datetime.combine(day, clock, ZoneInfo(event.timezone)).astimezone(UTC)


def add(session: Session, speaker: ProposalSpeaker, day: date, starts: time,
        ends: time) -> SpeakerAvailability:
    """A time on one of the event's days when ``speaker`` can speak (``ends`` at 00:00:
    until the day's end). Commits, or raises ProposalRefused having changed nothing."""
    begin_write(session)
    event = speaker.proposal.event
    if speaker.proposal.state in CLOSED_STATES:
        raise ProposalRefused(_("This proposal can no longer be changed."))
    if day not in event_days(event):
        raise ProposalRefused(_("Choose one of the event’s days."), "day")
    starts_at = in_utc(event, day, starts)
    ends_at = in_utc(event, day + timedelta(days=1) if ends == time(0) else day, ends)
    if ends_at <= starts_at:
        raise ProposalRefused(_("The end must be after the start."), "ends")
    if len(speaker.availability) >= MAX_RANGES:
        raise ProposalRefused(_("At most %(max)d time ranges.", max=MAX_RANGES))
    available = SpeakerAvailability(starts_at=starts_at, ends_at=ends_at)
    speaker.availability.append(available)
    session.commit()
    return available


def remove(session: Session, speaker: ProposalSpeaker, availability_id: int) -> bool:
    """Take one of ``speaker``'s own ranges off; False when they have none of that id.
    Commits."""
    begin_write(session)
    found = next((one for one in speaker.availability if one.id == availability_id), None)
    if found is None:
        return False
    speaker.availability.remove(found)
    session.commit()
    return True


def describe(event: Event, available: SpeakerAvailability) -> str:
    """“25 Nov 09:00–12:00” on the event's clock."""
    return (f"{format_day(available.starts_at, event.timezone)} "
            f"{format_clock(available.starts_at, event.timezone)}–"
            f"{format_clock(available.ends_at, event.timezone)}")


def describe_all(event: Event, ranges: list[SpeakerAvailability]) -> str:
    return "; ".join(describe(event, one) for one in ranges)


# --- the programme editor's warning ------------------------------------------------


def of_programme_speakers(session: Session, event: Event) -> dict[int, list[SpeakerAvailability]]:
    """The ranges of the event's speakers who gave any, by programme speaker id, in one
    query."""
    found: dict[int, list[SpeakerAvailability]] = defaultdict(list)
    rows = session.execute(
        select(ProposalSpeaker.speaker_id, SpeakerAvailability)
        .join(SpeakerAvailability.proposal_speaker).join(ProposalSpeaker.proposal)
        .where(Proposal.event_id == event.id, ProposalSpeaker.speaker_id.is_not(None))
        .order_by(SpeakerAvailability.starts_at))
    for speaker_id, available in rows:
        found[speaker_id].append(available)
    return found


def unavailable_speakers(item: ProgrammeSession,
                         ranges: dict[int, list[SpeakerAvailability]]) -> list[Speaker]:
    """The speakers of a placed, not cancelled session who gave times and none of which
    holds the whole session."""
    if not item.scheduled or item.cancelled:
        return []
    return [link.speaker for link in item.speaker_links
            if ranges.get(link.speaker_id)
            and not any(one.covers(item.starts_at, item.ends_at)
                        for one in ranges[link.speaker_id])]


def warnings_for(session: Session, item: ProgrammeSession) -> list[str]:
    """What to tell the organizer who has just placed or moved ``item``."""
    ranges = of_programme_speakers(session, item.event)
    return [_("“%(title)s” is outside the times %(speaker)s can speak: %(times)s.",
              title=localized(item, "title"), speaker=localized(speaker, "name"),
              times=describe_all(item.event, ranges[speaker.id]))
            for speaker in unavailable_speakers(item, ranges)]
