"""An event's reminders before it starts: when each falls due, the organizers' changes,
and the pass of the mail workers that queues them.

A reminder goes out ``days_before`` the event's first day at a time on the event's wall
clock (zoneinfo gives that day's UTC offset, summer time or not). It goes to every
registration that is confirmed when it falls due and was made before that moment: not
to the event's waiting list (they have no place yet; moving up mails them the agenda),
never to a cancelled registration (one cancelled after the reminder was queued is
withdrawn when its mail comes to be sent), and not to anyone who registers after its
time. A confirmed attendee still waiting for a seat in a forum gets it, with the
sessions of the forums where they hold a seat.

Once each: ``flask summit mail-worker`` and ``flask summit send-mail`` run
``queue_due_reminders``; the worker that moves a reminder from scheduled to sent (a
conditional update, in the transaction that queues its mails) queues them, any other
finds nothing to move; a unique (reminder, registration) pair backs that up.

Late: a reminder whose time passed while no worker ran is still sent, as long as the
event has not begun (its first session, or its first day's midnight without a
programme) and no later reminder of the event is due as well; otherwise it is marked
skipped and never sent. A sent or skipped reminder is the record of what happened: it
cannot be changed or removed (add another one instead).
"""

from __future__ import annotations

import enum
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, selectinload

from .. import audit
from ..audit import AuditAction
from ..database import begin_write
from ..models import (
    Event,
    EventStatus,
    MailKind,
    MailMessage,
    MailStatus,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    Reminder,
    ReminderDelivery,
    ReminderState,
    User,
    utcnow,
)
from ..models.reminders import MAX_DAYS_BEFORE
from ..outbox import enqueue, register_renderer, register_scheduler
from ..urls import NoSiteAddress, serving_at, site_address
from . import reminder_mail

log = logging.getLogger(__name__)

OBJECT_TYPE = "reminder"
MAX_NOTE_LENGTH = 2000


def register_reminders(app: Flask) -> None:
    """The outbox writes reminders with ``reminder_mail.render``; the mail workers
    queue them when they fall due."""
    register_renderer(app, [MailKind.REMINDER.value], reminder_mail.render)
    register_scheduler(app, queue_due_reminders)


# --- when ----------------------------------------------------------------------------


def fires_at(event: Event, reminder: Reminder) -> datetime:
    """When ``reminder`` falls due, in UTC."""
    return moment_of(event, reminder.days_before, reminder.local_time)


def moment_of(event: Event, days_before: int, at: time) -> datetime:
    """``at`` on the event's wall clock ``days_before`` its first day, in UTC with that
    day's offset. A time the clocks skip when summer time starts is read with the offset
    before the change, so it comes an hour later on the clock."""
    day = event.starts_on - timedelta(days=days_before)
    return datetime.combine(day, at, tzinfo=ZoneInfo(event.timezone)).astimezone(UTC)


def event_begins_at(session: Session, event: Event) -> datetime:
    """The event's first session's start; without a programme, its first day's midnight."""
    first = session.scalar(select(func.min(ProgrammeSession.starts_at))
                           .where(ProgrammeSession.event_id == event.id))
    if first is not None:
        return first
    return datetime.combine(event.starts_on, time(), tzinfo=ZoneInfo(event.timezone)
                            ).astimezone(UTC)


class Shown(enum.StrEnum):
    """What the admin says of a reminder beside its time."""

    SCHEDULED = "scheduled"
    SENT = "sent"
    SKIPPED = "skipped"
    OFF = "off"
    # Its time has come and no worker has sent it yet: one should within seconds.
    DUE = "due"
    # Its time passed after the event began (a past edition's reminders).
    PASSED = "passed"


@dataclass(frozen=True)
class ReminderRow:
    reminder: Reminder
    fires_at: datetime
    shown: Shown
    # Of its recipients, how many were not sent it: their registration was cancelled
    # after it was queued (``reminder_mail``).
    withdrawn: int = 0


def event_reminders(session: Session, event: Event) -> list[ReminderRow]:
    """The event's reminders in the order they go out, each with its time and state."""
    reminders = session.scalars(
        select(Reminder).where(Reminder.event_id == event.id)
        .options(selectinload(Reminder.updated_by))).all()
    withdrawn = dict(session.execute(
        select(ReminderDelivery.reminder_id, func.count())
        .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
        .join(MailMessage, MailMessage.id == ReminderDelivery.mail_id)
        .where(Reminder.event_id == event.id, MailMessage.status == MailStatus.WITHDRAWN)
        .group_by(ReminderDelivery.reminder_id)).all())
    now = utcnow()
    begins = event_begins_at(session, event)
    rows = []
    for reminder in reminders:
        moment = fires_at(event, reminder)
        if reminder.state == ReminderState.SENT:
            shown = Shown.SENT
        elif reminder.state == ReminderState.SKIPPED:
            shown = Shown.SKIPPED
        elif not reminder.enabled:
            shown = Shown.OFF
        elif moment > now:
            shown = Shown.SCHEDULED
        else:
            shown = Shown.DUE if now < begins else Shown.PASSED
        rows.append(ReminderRow(reminder, moment, shown, withdrawn.get(reminder.id, 0)))
    return sorted(rows, key=lambda row: row.fires_at)


def next_reminder(rows: list[ReminderRow]) -> ReminderRow | None:
    return next((row for row in rows if row.shown == Shown.SCHEDULED), None)


# --- the organizers' changes ---------------------------------------------------------


@dataclass(frozen=True)
class ReminderPlan:
    """A reminder as it would be saved."""

    days_before: int
    at: time
    enabled: bool = True
    note_zh: str = ""
    note_en: str = ""


class ReminderRejected(Exception):
    """The change breaks a rule; nothing was saved. ``problems``: (form field, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(message for _field, message in problems))
        self.problems = problems


def _state(reminder: Reminder) -> dict:
    return {"days_before": reminder.days_before,
            "at": reminder.local_time.strftime("%H:%M"),
            "enabled": reminder.enabled, "note_zh": reminder.note_zh,
            "note_en": reminder.note_en}


def _summary(reminder: Reminder) -> str:
    return f"-{reminder.days_before}d {reminder.local_time:%H:%M}"


def _locked(session: Session, reminder_id: int) -> Reminder | None:
    """The reminder as it stands, held against the workers until the caller commits."""
    begin_write(session)
    return session.scalars(
        select(Reminder).where(Reminder.id == reminder_id).with_for_update()
        .execution_options(populate_existing=True)).one_or_none()


def _problems(session: Session, event: Event, reminder: Reminder | None,
              plan: ReminderPlan) -> list[tuple[str, str]]:
    problems = []
    if reminder is not None and reminder.state != ReminderState.SCHEDULED:
        problems.append(("days_before", _(
            "This reminder has gone out (or was skipped): it stays as the record of what "
            "was sent. Add a new one instead.")))
        return problems
    if not 0 <= plan.days_before <= MAX_DAYS_BEFORE:
        problems.append(("days_before", _("From 0 (the first day) to %(max)d days before.",
                                          max=MAX_DAYS_BEFORE)))
        return problems
    for name in ("note_zh", "note_en"):
        if len(getattr(plan, name)) > MAX_NOTE_LENGTH:
            problems.append((name, _("At most %(max)d characters.", max=MAX_NOTE_LENGTH)))
    taken = session.scalar(select(Reminder.id).where(
        Reminder.event_id == event.id, Reminder.days_before == plan.days_before,
        Reminder.minute_of_day == plan.at.hour * 60 + plan.at.minute,
        Reminder.id != (reminder.id if reminder is not None else -1)))
    if taken is not None:
        problems.append(("at", _("Another reminder goes out at that time.")))
    moved = reminder is None or (reminder.days_before, reminder.local_time, reminder.enabled
                                 ) != (plan.days_before, plan.at, plan.enabled)
    if plan.enabled and moved and moment_of(event, plan.days_before, plan.at) <= utcnow():
        problems.append(("days_before", _(
            "That time has passed: the reminder would go out at once. Choose a later "
            "time, or write to the attendees with a group mail.")))
    return problems


def save_reminder(session: Session, actor: User, event: Event, reminder_id: int | None,
                  plan: ReminderPlan) -> Reminder:
    """Add a reminder to ``event`` (``reminder_id`` None) or change one that has not gone
    out, held against the workers meanwhile; audited. Commits, or raises
    ReminderRejected and changes nothing."""
    reminder = None
    if reminder_id is not None:
        reminder = _locked(session, reminder_id)
        if reminder is None or reminder.event_id != event.id:
            session.rollback()
            raise LookupError(reminder_id)
    else:
        begin_write(session)
    problems = _problems(session, event, reminder, plan)
    if problems:
        session.rollback()
        raise ReminderRejected(problems)
    before = _state(reminder) if reminder is not None else None
    if reminder is None:
        reminder = Reminder(event=event)
        session.add(reminder)
    reminder.days_before = plan.days_before
    reminder.minute_of_day = plan.at.hour * 60 + plan.at.minute
    reminder.enabled = plan.enabled
    reminder.note_zh = plan.note_zh.strip()
    reminder.note_en = plan.note_en.strip()
    reminder.updated_by_id = actor.id
    reminder.updated_at = utcnow()
    try:
        session.flush()
    except IntegrityError:  # another organizer took that time meanwhile
        session.rollback()
        raise ReminderRejected([("at", _("Another reminder goes out at that time."))]) from None
    if before is None:
        audit.record(session, actor, AuditAction.CREATE, OBJECT_TYPE, reminder.id,
                     _summary(reminder), after=_state(reminder), event_id=event.id)
    else:
        changed_before, changed_after = audit.changes(before, _state(reminder))
        audit.record(session, actor, AuditAction.UPDATE, OBJECT_TYPE, reminder.id,
                     _summary(reminder), before=changed_before, after=changed_after,
                     event_id=event.id)
    session.commit()
    return reminder


def remove_reminder(session: Session, actor: User, event: Event, reminder_id: int) -> None:
    """Remove a reminder that has not gone out; audited. Commits, or raises
    ReminderRejected (LookupError for another event's or a missing one)."""
    reminder = _locked(session, reminder_id)
    if reminder is None or reminder.event_id != event.id:
        session.rollback()
        raise LookupError(reminder_id)
    if reminder.state == ReminderState.SENT:
        session.rollback()
        raise ReminderRejected([("", _(
            "This reminder has gone out: it stays as the record of what was sent."))])
    audit.record(session, actor, AuditAction.DELETE, OBJECT_TYPE, reminder.id,
                 _summary(reminder), before=_state(reminder), event_id=event.id)
    session.delete(reminder)
    session.commit()


# --- the mail workers' pass ----------------------------------------------------------


@dataclass(frozen=True)
class _Due:
    """A reminder whose time has come, as the pass read it."""

    reminder_id: int
    event_id: int
    days_before: int
    minute_of_day: int
    fires_at: datetime


def queue_due_reminders(session: Session) -> int:
    """Queue the mails of every reminder whose time has come (see the module's
    docstring), each reminder in a transaction of its own; returns how many mails were
    queued. Safe to run from any number of workers at once."""
    now = utcnow()
    due: dict[int, list[_Due]] = defaultdict(list)
    begins: dict[int, datetime] = {}
    for reminder in session.scalars(
        select(Reminder).join(Reminder.event).options(contains_eager(Reminder.event))
        .where(Reminder.state == ReminderState.SCHEDULED, Reminder.enabled.is_(True),
               Event.status == EventStatus.PUBLISHED,
               # Only events that have not begun anywhere on earth, and near enough for
               # a reminder to be due.
               Event.starts_on >= (now - timedelta(days=1)).date(),
               Event.starts_on <= (now + timedelta(days=MAX_DAYS_BEFORE + 1)).date())
    ).all():
        moment = fires_at(reminder.event, reminder)
        if moment > now:
            continue
        due[reminder.event_id].append(_Due(reminder.id, reminder.event_id,
                                           reminder.days_before, reminder.minute_of_day,
                                           moment))
        if reminder.event_id not in begins:
            begins[reminder.event_id] = event_begins_at(session, reminder.event)
    session.commit()
    queued = 0
    for event_id, reminders in due.items():
        *earlier, latest = sorted(reminders, key=lambda item: item.fires_at)
        for item in earlier:
            _skip(session, item, "a later reminder is due too")
        if now >= begins[event_id]:
            _skip(session, latest, "the event has begun")
        else:
            queued += _send(session, latest)
    return queued


def _claimed(session: Session, item: _Due, state: ReminderState) -> bool:
    """Move the reminder, as the pass read it, from scheduled to ``state`` in the
    caller's write transaction; False when another worker or an organizer's change got
    there first."""
    return session.execute(
        update(Reminder)
        .where(Reminder.id == item.reminder_id, Reminder.state == ReminderState.SCHEDULED,
               Reminder.enabled.is_(True), Reminder.days_before == item.days_before,
               Reminder.minute_of_day == item.minute_of_day)
        .values(state=state, settled_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _skip(session: Session, item: _Due, reason: str) -> None:
    begin_write(session)
    if _claimed(session, item, ReminderState.SKIPPED):
        log.info("reminder %s of event %s skipped: %s", item.reminder_id, item.event_id, reason)
    session.commit()


def _send(session: Session, item: _Due) -> int:
    """Queue the reminder's mails if this worker claims it; returns how many."""
    begin_write(session)
    if not _claimed(session, item, ReminderState.SENT):
        session.rollback()
        return 0
    recipients = session.execute(
        select(Registration.id, Registration.email)
        .where(Registration.event_id == item.event_id,
               Registration.status == RegistrationStatus.CONFIRMED,
               Registration.created_at <= item.fires_at)
        .order_by(Registration.id)).all()
    address = _links_address(session, item.event_id)
    if recipients and address is None:
        session.rollback()
        log.warning("reminder %s of event %s waits: set BASE_URL, the address for the "
                    "links in its mails", item.reminder_id, item.event_id)
        return 0
    with serving_at(address or ""):
        mails = [(registration_id, enqueue(session, MailMessage(
                     kind=MailKind.REMINDER.value, recipient=email,
                     registration_id=registration_id), event_id=item.event_id))
                 for registration_id, email in recipients]
    session.flush()
    if mails:
        session.execute(insert(ReminderDelivery), [
            {"reminder_id": item.reminder_id, "registration_id": registration_id,
             "mail_id": mail.id} for registration_id, mail in mails])
    session.execute(update(Reminder).where(Reminder.id == item.reminder_id)
                    .values(recipient_count=len(mails))
                    .execution_options(synchronize_session=False))
    session.commit()
    log.info("reminder %s of event %s: %d mails queued", item.reminder_id, item.event_id,
             len(mails))
    return len(mails)


def _links_address(session: Session, event_id: int) -> str | None:
    """The site's address for the mails' links: BASE_URL, else the address of the
    event's latest mail (the one its attendees registered at)."""
    try:
        return site_address()
    except NoSiteAddress:
        return session.scalar(
            select(MailMessage.link_base)
            .where(MailMessage.event_id == event_id, MailMessage.link_base != "")
            .order_by(MailMessage.id.desc()).limit(1))
