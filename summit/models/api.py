"""Tokens that let another system use an event's REST API (``summit.api``), and the
webhooks that tell it of changes (``summit.webhooks``)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .columns import UTCDateTime, enum_column, utcnow
from .programme import Event
from .registration import MailStatus, Registration


class ApiScope(enum.StrEnum):
    """What a token may do; a token holds one or more."""

    READ_PROGRAMME = "read-programme"
    READ_REGISTRATIONS = "read-registrations"
    WRITE_REGISTRATIONS = "write-registrations"
    CHECK_IN = "check-in"


class ApiToken(db.Model):
    """One event's key for another system. Only the secret's SHA-256 is stored: the
    secret is shown once, when the token is made."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # ApiScope values.
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Noted at most once a minute (summit.api.tokens.note_use).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class WebhookKind(enum.StrEnum):
    """A kind of change another system can be told of (``Webhook.kinds``)."""

    REGISTRATION_CREATED = "registration.created"
    REGISTRATION_CHANGED = "registration.changed"
    REGISTRATION_CANCELLED = "registration.cancelled"
    # A seat, or a place at the event, given to someone on a waiting list.
    SEAT_CONFIRMED = "registration.seat_confirmed"
    CHECKED_IN = "registration.checked_in"
    SESSION_CHANGED = "session.changed"
    # Marked cancelled, or deleted.
    SESSION_CANCELLED = "session.cancelled"


class Webhook(db.Model):
    """An address an event tells of its changes, in JSON signed with ``secret``.

    The secret is stored as it is, not hashed: signing needs it. It is not encrypted
    either: the only key at hand would be SECRET_KEY, which lives beside the database on
    the same server (no protection against a stolen server) and would make rotating it
    break every webhook. It is shown once, when the webhook is made."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    # WebhookKind values.
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Turned off: told of nothing more; its log stays.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.disabled_at is None


class WebhookDelivery(db.Model):
    """One change to tell one webhook, queued in the same transaction as the change and
    sent like mail (``summit.webhooks``): claimed, retried with growing pauses."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_webhook_created", "webhook_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"))
    # A WebhookKind's value.
    kind: Mapped[str] = mapped_column(String(40))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="SET NULL"))
    # What the change was about besides the registration (a session's id, a forum's id):
    # kept when that is deleted.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last attempt: when, the receiver's HTTP status (None: no answer), and the start
    # of its answer or the error.
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column()
    last_response: Mapped[str] = mapped_column(Text, default="")

    webhook: Mapped[Webhook] = relationship()
    registration: Mapped[Registration | None] = relationship()
