"""Organizers' accounts, their roles per event, sign-in attempts and the audit log."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .columns import UTCDateTime, enum_column, utcnow
from .programme import Event


class Role(enum.StrEnum):
    # The site's administrators: every event, the accounts and the site's audit log.
    ADMIN = "admin"
    # Held per event (EventRole).
    ORGANIZER = "organizer"
    CHECKIN = "checkin"
    # Scores the proposals of the call for speakers (of some forums only, if
    # ``ReviewerForum`` rows say so).
    REVIEWER = "reviewer"


class User(UserMixin, db.Model):
    """An organizer's account. Attendees never have one."""

    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_normalised"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.ORGANIZER)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Carried in every session and remember-me cookie of the account; raising it (on
    # signing out, deactivation, a new password) ends all of them at their next request.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    event_roles: Mapped[list[EventRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the session and remember-me cookies keep: the account and its session
        generation."""
        return f"{self.id}:{self.session_generation}"


class EventRole(db.Model):
    """What an account may do at one event: organize it, check people in at its desk,
    or review its proposals."""

    __tablename__ = "event_role"
    __table_args__ = (
        CheckConstraint("role IN ('organizer', 'checkin', 'reviewer')", name="per_event_role"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role))

    user: Mapped[User] = relationship(back_populates="event_roles")
    event: Mapped[Event] = relationship()
    # A reviewer's forums; none: every forum of the event. Taken away with the role.
    reviewer_forums: Mapped[list[ReviewerForum]] = relationship(
        primaryjoin="and_(EventRole.user_id == foreign(ReviewerForum.user_id), "
                    "EventRole.event_id == foreign(ReviewerForum.event_id))",
        cascade="all, delete-orphan")


class ReviewerForum(db.Model):
    """A forum whose proposals a reviewer limited to some forums may review. It names
    the account and the event, not their ``EventRole`` row, so that a backup moves it
    with the event like every other row; the role's relationship removes it with the
    role."""

    __tablename__ = "reviewer_forum"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    forum_id: Mapped[int] = mapped_column(
        ForeignKey("forum.id", ondelete="CASCADE"), primary_key=True, index=True)


class LoginAttempt(db.Model):
    """Kept in the database so that throttling holds across workers and machines."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_email_at", "email", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(db.Model):
    """Who changed what, when: every organizer change and every check-in."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The event the change belongs to; None for the site's own (accounts, events).
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # The account's email at the time, kept when the account is deleted.
    actor: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    user: Mapped[User | None] = relationship()


