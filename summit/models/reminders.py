"""An event's reminders before it starts, and which registration each one mailed."""

from __future__ import annotations

import enum
from datetime import datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .columns import UTCDateTime, enum_column, utcnow
from .programme import Event

MAX_DAYS_BEFORE = 60
MINUTES_A_DAY = 24 * 60
# Every new event starts with these (days before its first day, local time): three days
# before in the morning, and the evening before. They live here rather than with the
# reminders' rules because creating an event (events/) must not depend on mail.
DEFAULT_REMINDERS = ((3, time(10, 0)), (1, time(19, 0)))


class ReminderState(enum.StrEnum):
    SCHEDULED = "scheduled"
    SENT = "sent"
    # Its time came when it could not go out usefully: the event had started, or a
    # later reminder of the event fell due too (after the site was down).
    SKIPPED = "skipped"


class Reminder(db.Model):
    """A mail to the event's confirmed attendees ``days_before`` its first day at
    ``minute_of_day`` on the event's wall clock. Sent once: a worker claims it by moving
    its state from scheduled to sent in the transaction that queues its mails."""

    __table_args__ = (
        UniqueConstraint("event_id", "days_before", "minute_of_day"),
        CheckConstraint("days_before >= 0", name="days_before_not_negative"),
        CheckConstraint(f"days_before <= {MAX_DAYS_BEFORE}", name="days_before_at_most"),
        CheckConstraint("minute_of_day >= 0", name="minute_of_day_not_negative"),
        CheckConstraint(f"minute_of_day < {MINUTES_A_DAY}", name="minute_of_day_in_a_day"),
        # The mail workers' look for due reminders.
        Index("ix_reminder_state_enabled", "state", "enabled"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    days_before: Mapped[int]
    minute_of_day: Mapped[int]
    enabled: Mapped[bool] = mapped_column(default=True)
    # The organizer's own words, added to the mail (plain text).
    note_zh: Mapped[str] = mapped_column(Text, default="")
    note_en: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[ReminderState] = mapped_column(
        enum_column(ReminderState), default=ReminderState.SCHEDULED)
    # When it was sent or skipped, and to how many registrations it was sent.
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who last changed it (None: the system, as for an event's defaults).
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    updated_by: Mapped[User | None] = relationship()

    @property
    def local_time(self) -> time:
        return time(self.minute_of_day // 60, self.minute_of_day % 60)


def default_reminders(event: Event) -> list[Reminder]:
    """The reminders a new event starts with."""
    return [Reminder(event=event, days_before=days, minute_of_day=at.hour * 60 + at.minute)
            for days, at in DEFAULT_REMINDERS]


class ReminderDelivery(db.Model):
    """A reminder's mail to one registration: at most one per pair, whatever races."""

    __tablename__ = "reminder_delivery"
    __table_args__ = (UniqueConstraint("reminder_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminder.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    mail_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_message.id", ondelete="SET NULL"), unique=True)

    reminder: Mapped[Reminder] = relationship()
