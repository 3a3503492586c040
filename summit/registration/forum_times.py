"""When parallel forums run, and which of them run at the same time.

A forum's time is what its sessions span, day by day in the event's time zone: on each
day, from the first start to the last end of its sessions that are not cancelled.
Forums whose times overlap are alternatives: an attendee can be in one of them only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import combinations
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..i18n import current_language, localized
from ..models import Forum
from .queries import SESSION_TIMES


@dataclass(frozen=True)
class Span:
    """A forum's time on one day: ``day`` in the event's time zone, instants in UTC."""

    day: date
    starts_at: datetime
    ends_at: datetime

    def overlaps(self, other: Span) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


def forum_spans(session: Session, forum_ids: list[int], timezone: str) -> dict[int, list[Span]]:
    """Each forum's spans, day by day in order (one query); forums without sessions have none."""
    zone = ZoneInfo(timezone)
    by_day: dict[tuple[int, date], list[datetime]] = {}
    for forum_id, starts_at, ends_at in session.execute(SESSION_TIMES, {"forum_ids": forum_ids}):
        key = (forum_id, starts_at.astimezone(zone).date())
        if key in by_day:
            first, last = by_day[key]
            by_day[key] = [min(first, starts_at), max(last, ends_at)]
        else:
            by_day[key] = [starts_at, ends_at]
    spans: dict[int, list[Span]] = defaultdict(list)
    for (forum_id, day), (starts_at, ends_at) in sorted(by_day.items()):
        spans[forum_id].append(Span(day, starts_at, ends_at))
    return dict(spans)


def run_together(first: list[Span], second: list[Span]) -> bool:
    return any(a.overlaps(b) for a in first for b in second)


def overlapping_pairs(
    forum_ids: list[int], spans: dict[int, list[Span]]
) -> list[tuple[int, int]]:
    """The pairs of these forums (in the given order) whose times overlap."""
    return [
        (first, second)
        for first, second in combinations(forum_ids, 2)
        if run_together(spans.get(first, []), spans.get(second, []))
    ]


def clashes(session: Session, forums: list[Forum], timezone: str) -> list[tuple[Forum, Forum]]:
    """The pairs of ``forums`` that run at the same time; no query for fewer than two."""
    if len(forums) < 2:
        return []
    by_id = {forum.id: forum for forum in forums}
    spans = forum_spans(session, list(by_id), timezone)
    return [(by_id[a], by_id[b]) for a, b in overlapping_pairs(list(by_id), spans)]


@dataclass
class ForumBlock:
    """Forums shown together: those that run at the same time (directly or through
    another), or one forum on its own."""

    forums: list[Forum]
    starts_at: datetime | None
    # When they run together: the start of each overlap, in time order.
    overlaps_at: list[datetime] = field(default_factory=list)
    # Every two of them overlap: a choice of one (else only some pairs clash).
    all_together: bool = False


@dataclass
class ForumTimetable:
    """The choosable forums with their times, grouped into alternatives, in time order."""

    spans: dict[int, list[Span]] = field(default_factory=dict)
    blocks: list[ForumBlock] = field(default_factory=list)

    def clashes_among(self, forum_ids: set[int]) -> list[tuple[Forum, Forum]]:
        """The pairs of the given forums that run at the same time."""
        forums = [forum for block in self.blocks for forum in block.forums
                  if forum.id in forum_ids]
        by_id = {forum.id: forum for forum in forums}
        return [(by_id[a], by_id[b]) for a, b in overlapping_pairs(list(by_id), self.spans)]


def _overlap_starts(first: list[Span], second: list[Span]) -> list[datetime]:
    return [max(a.starts_at, b.starts_at) for a in first for b in second if a.overlaps(b)]


def timetable(session: Session, forums: list[Forum], timezone: str) -> ForumTimetable:
    """``forums`` (in their order) with their times, forums that overlap (directly or
    through another) in one block; blocks by their first start, forums without a time last."""
    spans = forum_spans(session, [forum.id for forum in forums], timezone) if forums else {}
    pairs = overlapping_pairs([forum.id for forum in forums], spans)
    group_of = {forum.id: [forum] for forum in forums}
    for a, b in pairs:
        if group_of[a] is not group_of[b]:
            merged = [forum for forum in forums if forum in group_of[a] or forum in group_of[b]]
            for forum in merged:
                group_of[forum.id] = merged
    blocks, seen = [], set()
    for forum in forums:
        group = group_of[forum.id]
        if id(group) in seen:
            continue
        seen.add(id(group))
        ids = {member.id for member in group}
        inside = [(a, b) for a, b in pairs if a in ids]
        starts = [spans[member.id][0].starts_at for member in group if member.id in spans]
        blocks.append(ForumBlock(
            group,
            min(starts) if starts else None,
            sorted({moment for a, b in inside for moment in _overlap_starts(spans[a], spans[b])}),
            all_together=len(group) > 1 and len(inside) == len(group) * (len(group) - 1) // 2,
        ))
    blocks.sort(key=lambda block: (block.starts_at is None, block.starts_at or datetime.min))
    return ForumTimetable(spans, blocks)


def describe_clashes(pairs: list[tuple[Forum, Forum]], advice: str = "") -> str:
    """“A” and “B” run at the same time. — one sentence per pair, then ``advice``, in the
    reader's language (Chinese sentences follow each other without a space)."""
    sentences = [
        _("“%(first)s” and “%(second)s” run at the same time.",
          first=localized(first, "name"), second=localized(second, "name"))
        for first, second in pairs
    ]
    if sentences and advice:
        sentences.append(advice)
    return ("" if current_language() == "zh" else " ").join(sentences)
