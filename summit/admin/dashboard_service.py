"""The organizers' dashboard: registrations per day, seats per forum against capacity,
waiting lists, check-in progress and the mail queue (queued, stuck, failed), each a
grouped query."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from .. import audit
from ..audit import AuditAction
from ..i18n import to_local
from ..models import (
    Event,
    Forum,
    MailMessage,
    MailStatus,
    Registration,
    RegistrationStatus,
    Seat,
    SeatStatus,
    User,
    utcnow,
)
from ..outbox import make_failed_due
from ..registration.forum_times import forum_spans, overlapping_pairs
from ..registration.listing import checked_in_progress
from ..registration.service import choosable_forums

FAILED_MAILS_SHOWN = 50
HELD_TOGETHER_SHOWN = 100
# A mail its sender has held this long without sending it is stuck (a sender died; it
# falls due again when the sender's lease runs out).
STUCK_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True)
class ForumLoad:
    forum: Forum
    taken: int
    waiting: int

    @property
    def capacity(self) -> int | None:
        return self.forum.capacity

    @property
    def share(self) -> float | None:
        """Seats taken as a share of the room, 0 to 1; None for open seating."""
        if not self.capacity:
            return None
        return min(self.taken / self.capacity, 1.0)


@dataclass
class HeldTogether:
    """A registration holding seats (or places in line) in forums that run at the same time."""

    registration_id: int
    full_name: str
    email: str
    pairs: list[tuple[Forum, Forum]]


@dataclass(frozen=True)
class MailQueue:
    """Mails not sent yet: waiting or being sent now, held by a sender for over
    STUCK_AFTER, and failed (to be tried again)."""

    queued: int
    stuck: int
    failed: int


@dataclass(frozen=True)
class Dashboard:
    per_day: list[DayCount]
    statuses: Counter[RegistrationStatus]
    capacity: int | None
    forums: list[ForumLoad]
    checked_in: int
    expected: int
    mail_queue: MailQueue
    failed_mails: list[MailMessage]
    held_together: list[HeldTogether]
    held_together_total: int

    @property
    def busiest_day(self) -> int:
        return max((day.count for day in self.per_day), default=0)


def _utc_hour(session: Session):
    """The hour a registration was made, in UTC, as 'YYYY-MM-DD HH', computed by the database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Registration.created_at), "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", Registration.created_at)


def registrations_per_day(session: Session, event: Event) -> list[DayCount]:
    """Registrations made on each day in the event's time zone, days without any
    included, from the first to the last. The database counts per UTC hour, so that
    thousands of registrations are a few hundred rows; zones whose offset is not a
    whole hour (India, Nepal) may put registrations of the hour around midnight on
    the neighbouring day."""
    hour = _utc_hour(session)
    rows = session.execute(
        select(hour, func.count()).where(Registration.event_id == event.id).group_by(hour)
    )
    counts: Counter[date] = Counter()
    for stamp, number in rows:
        moment = datetime.strptime(stamp, "%Y-%m-%d %H").replace(tzinfo=UTC)
        counts[to_local(moment, event.timezone).date()] += number
    if not counts:
        return []
    first, last = min(counts), max(counts)
    days = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return [DayCount(day, counts[day]) for day in days]


def status_counts(session: Session, event: Event) -> Counter[RegistrationStatus]:
    rows = session.execute(
        select(Registration.status, func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.status)
    )
    return Counter(dict(rows.all()))


def forum_loads(session: Session, event: Event) -> list[ForumLoad]:
    """Seats taken and people waiting in each parallel forum. Only confirmed
    registrations queue for a seat (the others wait for a place at the event first)."""
    forums = choosable_forums(session, event)
    rows = session.execute(
        select(Seat.forum_id, Seat.status, func.count())
        .join(Registration)
        .where(
            Seat.forum_id.in_([forum.id for forum in forums]),
            Seat.status != SeatStatus.CANCELLED,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(Seat.forum_id, Seat.status)
    )
    counts = {(forum_id, status): number for forum_id, status, number in rows}
    return [
        ForumLoad(
            forum,
            taken=counts.get((forum.id, SeatStatus.CONFIRMED), 0),
            waiting=counts.get((forum.id, SeatStatus.WAITLISTED), 0),
        )
        for forum in forums
    ]


def held_together(session: Session, event: Event) -> tuple[list[HeldTogether], int]:
    """Registrations that hold two forums which run at the same time: chosen before a
    session moved (nothing is changed for them), or an organizer's override. The first
    HELD_TOGETHER_SHOWN by name, and how many there are; none when the event allows
    such choices."""
    if event.allow_overlapping_forums:
        return [], 0
    forums = {forum.id: forum for forum in choosable_forums(session, event)}
    pairs = overlapping_pairs(list(forums), forum_spans(session, list(forums), event.timezone))
    if not pairs:
        return [], 0
    first, second = aliased(Seat), aliased(Seat)
    holding = (
        select(Registration.id, Registration.full_name, Registration.email,
               first.forum_id, second.forum_id)
        .join(first, first.registration_id == Registration.id)
        .join(second, second.registration_id == Registration.id)
        .where(
            Registration.event_id == event.id,
            Registration.status != RegistrationStatus.CANCELLED,
            first.status != SeatStatus.CANCELLED,
            second.status != SeatStatus.CANCELLED,
            or_(*(and_(first.forum_id == a, second.forum_id == b) for a, b in pairs)),
        )
    )
    total = session.scalar(
        select(func.count(func.distinct(holding.subquery().c.id))))
    found: dict[int, HeldTogether] = {}
    # A registration has a row per pair it holds: enough rows for the first ones shown.
    rows = session.execute(holding.order_by(Registration.full_name, Registration.id)
                           .limit(HELD_TOGETHER_SHOWN * len(pairs)))
    for registration_id, full_name, email, a, b in rows:
        held = found.setdefault(registration_id,
                                HeldTogether(registration_id, full_name, email, []))
        held.pairs.append((forums[a], forums[b]))
    return list(found.values())[:HELD_TOGETHER_SHOWN], total


def failed_mails(session: Session, event: Event) -> list[MailMessage]:
    """The event's mails whose last attempt failed, oldest first, at most
    FAILED_MAILS_SHOWN."""
    return list(session.scalars(
        select(MailMessage).where(MailMessage.event_id == event.id,
                                  MailMessage.status == MailStatus.FAILED)
        .order_by(MailMessage.created_at, MailMessage.id).limit(FAILED_MAILS_SHOWN)
    ))


def mail_queue(session: Session, event: Event) -> MailQueue:
    sending = MailMessage.status == MailStatus.SENDING
    # Rows claimed before claims were dated count as stuck.
    held_long = or_(MailMessage.claimed_at.is_(None),
                    MailMessage.claimed_at < utcnow() - STUCK_AFTER)
    queued, stuck, failed = session.execute(
        select(
            func.count().filter(or_(MailMessage.status == MailStatus.PENDING,
                                    and_(sending, ~held_long))),
            func.count().filter(and_(sending, held_long)),
            func.count().filter(MailMessage.status == MailStatus.FAILED),
        ).where(MailMessage.event_id == event.id, MailMessage.status != MailStatus.SENT)
    ).one()
    return MailQueue(queued=queued, stuck=stuck, failed=failed)


def dashboard(session: Session, event: Event) -> Dashboard:
    checked_in, expected = checked_in_progress(session, event)
    holding_both, holding_both_total = held_together(session, event)
    return Dashboard(
        per_day=registrations_per_day(session, event),
        statuses=status_counts(session, event),
        capacity=event.capacity,
        forums=forum_loads(session, event),
        checked_in=checked_in,
        expected=expected,
        mail_queue=mail_queue(session, event),
        failed_mails=failed_mails(session, event),
        held_together=holding_both,
        held_together_total=holding_both_total,
    )


def retry_failed_mails(
    session: Session, actor: User, event: Event, mail_id: int | None = None
) -> int:
    """Make the event's failed mails (all, or the one with ``mail_id``) due now, so that
    the next delivery run tries them again; returns how many. Commits."""
    retried = make_failed_due(session, mail_id, event_id=event.id)
    if retried:
        audit.record(
            session,
            actor,
            AuditAction.RETRY,
            "mail",
            mail_id if mail_id is not None else "",
            summary=f"{retried} failed mail(s) made due",
            event_id=event.id,
        )
    session.commit()
    return retried
