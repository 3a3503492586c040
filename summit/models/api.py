"""Tokens that let another system use an event's REST API (``summit.api``)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .columns import UTCDateTime, utcnow
from .programme import Event


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
