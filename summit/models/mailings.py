"""Group mails: a mailing an organizer writes to a chosen group of an event's
registrations, and one row per recipient linking it to the outbox's mail."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .columns import UTCDateTime, enum_column, utcnow
from .programme import Event
from .registration import MailMessage, Registration


class MailingState(enum.StrEnum):
    DRAFT = "draft"
    # Waiting for ``send_at``: the mail worker (or `flask summit send-mail`) queues it.
    SCHEDULED = "scheduled"
    # Queued in the outbox; some of its mails are still on their way.
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    # An organizer stopped it while it was sending: its mails not yet on their way were
    # withdrawn.
    STOPPED = "stopped"


class WithdrawnBecause(enum.StrEnum):
    """Why a group mail or a reminder was withdrawn before it went out (the mail's
    ``last_error``)."""

    REGISTRATION_CANCELLED = "registration cancelled"
    MAILING_STOPPED = "mailing stopped"


class Mailing(db.Model):
    """A mail to a group of an event's registrations, in Chinese and English (Markdown
    with placeholders); ``recipients`` is the group's filter as data, read by
    ``mailings.recipients``."""

    __table_args__ = (Index("ix_mailing_state_send_at", "state", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    subject_zh: Mapped[str] = mapped_column(String(300), default="")
    subject_en: Mapped[str] = mapped_column(String(300), default="")
    body_zh: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    recipients: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[MailingState] = mapped_column(
        enum_column(MailingState), default=MailingState.DRAFT)
    # When a scheduled mailing is due (UTC; the form reads the event's clock).
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The site's address when it was sent or scheduled, for the links in its mails.
    link_base: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Who pressed "send" or "schedule".
    sent_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    # When its mails were queued in the outbox, and how many.
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipient_count: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])


class MailingRecipient(db.Model):
    """One registration a mailing was queued for, and its mail in the outbox. Unique per
    mailing and registration, so that nobody is queued twice. A test sent to an
    organizer has no registration here (``test``): its mail's own registration is the
    one it was written for."""

    __tablename__ = "mailing_recipient"
    __table_args__ = (UniqueConstraint("mailing_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailing_id: Mapped[int] = mapped_column(ForeignKey("mailing.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="SET NULL"))
    mail_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_message.id", ondelete="SET NULL"), unique=True)
    test: Mapped[bool] = mapped_column(default=False)

    mailing: Mapped[Mailing] = relationship()
    registration: Mapped[Registration | None] = relationship()
    # The outbox's mail knows nothing of mailings; its renderer reads this link.
    mail: Mapped[MailMessage | None] = relationship(
        backref=backref("mailing_recipient", uselist=False))
