"""The organizers' dashboard: places and waiting lists, check-in progress, the charts
(dashboard_charts: registrations per day, seats per forum, categories, check-ins per
hour), attendees in forums that run at once and the mail queue (queued, stuck, failed),
each a grouped query."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import AuditAction
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
from .dashboard_charts import Chart, charts

FAILED_MAILS_SHOWN = 50
HELD_TOGETHER_SHOWN = 100
# A mail its sender has held this long without sending it is stuck (a sender died; it
# falls due again when the sender's lease runs out).
STUCK_AFTER = timedelta(minutes=1)


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
    statuses: Counter[RegistrationStatus]
    capacity: int | None
    charts: list[Chart]
    checked_in: int
    expected: int
    mail_queue: MailQueue
    failed_mails: list[MailMessage]
    held_together: list[HeldTogether]
    held_together_total: int


def status_counts(session: Session, event: Event) -> Counter[RegistrationStatus]:
    rows = session.execute(
        select(Registration.status, func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.status)
    )
    return Counter(dict(rows.all()))


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
    # One pass over the seats of the paired forums finds who holds two of them (a
    # self-join would probe the seats once per seat); the pairs are told in Python, and
    # only their holders' names are read.
    paired = sorted({forum_id for pair in pairs for forum_id in pair})
    held_seat = and_(Seat.forum_id.in_(paired), Seat.status != SeatStatus.CANCELLED)
    several = (select(Seat.registration_id).where(held_seat)
               .group_by(Seat.registration_id).having(func.count() > 1))
    chosen: dict[int, set[int]] = {}
    for registration_id, forum_id in session.execute(
            select(Seat.registration_id, Seat.forum_id)
            .where(held_seat, Seat.registration_id.in_(several))):
        chosen.setdefault(registration_id, set()).add(forum_id)
    holding = {registration_id: [(a, b) for a, b in pairs if a in held and b in held]
               for registration_id, held in chosen.items()}
    holding = {registration_id: found for registration_id, found in holding.items() if found}
    if not holding:
        return [], 0
    rows = session.execute(
        select(Registration.id, Registration.full_name, Registration.email)
        .where(Registration.id.in_(list(holding)),
               Registration.status != RegistrationStatus.CANCELLED)
        .order_by(Registration.full_name, Registration.id)
    ).all()
    shown = [HeldTogether(registration_id, full_name, email,
                          [(forums[a], forums[b]) for a, b in holding[registration_id]])
             for registration_id, full_name, email in rows[:HELD_TOGETHER_SHOWN]]
    return shown, len(rows)


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
        statuses=status_counts(session, event),
        capacity=event.capacity,
        charts=charts(session, event),
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
