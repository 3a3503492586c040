"""The whole domain as SQLAlchemy 2 typed models.

Every text a visitor reads comes in pairs, ``<field>_zh`` and ``<field>_en``;
``summit.i18n.localized`` picks one by locale and falls back to the other.
Times are timezone-aware UTC in Python and in the database.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm import Session as OrmSession

from .extensions import db
from .web import DEFAULT_FORUM_COLOUR


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC, even on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: attach a time zone before storing it")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(python_enum: type[enum.Enum]) -> Enum:
    """Stored as the enum's value in a VARCHAR, checked by the database."""
    return Enum(
        python_enum,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


# --- the programme ---------------------------------------------------------


class CoHostRole(enum.StrEnum):
    HOST = "host"
    CO_HOST = "co_host"
    ORGANIZER = "organizer"
    SUPPORTER = "supporter"


class ForumKind(enum.StrEnum):
    MAIN = "main"
    PARALLEL = "parallel"


class SessionKind(enum.StrEnum):
    OPENING = "opening"
    KEYNOTE = "keynote"
    TALK = "talk"
    PANEL = "panel"
    CEREMONY = "ceremony"
    BREAK = "break"


class EventStatus(enum.StrEnum):
    # Seen only by its organizers and the site's administrators.
    DRAFT = "draft"
    PUBLISHED = "published"
    # A past edition: public, read-only, listed in the archive.
    ARCHIVED = "archived"


class Event(db.Model):
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[EventStatus] = mapped_column(
        _enum(EventStatus), default=EventStatus.PUBLISHED, server_default="published"
    )
    name_zh: Mapped[str] = mapped_column(String(300), default="")
    name_en: Mapped[str] = mapped_column(String(300), default="")
    theme_zh: Mapped[str] = mapped_column(String(300), default="")
    theme_en: Mapped[str] = mapped_column(String(300), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    city_zh: Mapped[str] = mapped_column(String(100), default="")
    city_en: Mapped[str] = mapped_column(String(100), default="")
    venue_zh: Mapped[str] = mapped_column(String(300), default="")
    venue_en: Mapped[str] = mapped_column(String(300), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    default_locale: Mapped[str] = mapped_column(String(10), default="zh")
    website: Mapped[str] = mapped_column(String(500), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Confirmed registrations beyond this go on the event's waiting list; None: no limit.
    capacity: Mapped[int | None]
    # Show each title in both languages on the agenda (Chinese first, English below).
    show_both_languages: Mapped[bool] = mapped_column(default=False)
    # Parallel forums that run at the same time are alternatives: an attendee holds a
    # seat (or a place in line) in one of them only, unless this is set.
    allow_overlapping_forums: Mapped[bool] = mapped_column(default=False)
    # Grows with every change to the programme; caches and ETags key on it.
    programme_version: Mapped[int] = mapped_column(default=1)
    programme_updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    co_hosts: Mapped[list[CoHost]] = relationship(
        back_populates="event", order_by="CoHost.position", cascade="all, delete-orphan"
    )
    forums: Mapped[list[Forum]] = relationship(
        back_populates="event", order_by="Forum.position", cascade="all, delete-orphan"
    )
    sessions: Mapped[list[ProgrammeSession]] = relationship(
        back_populates="event",
        order_by="(ProgrammeSession.starts_at, ProgrammeSession.id)",
        cascade="all, delete-orphan",
    )
    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class CoHost(db.Model):
    """An institution that hosts, co-hosts or supports the event (联合主办 and the like)."""

    __tablename__ = "co_host"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name_zh: Mapped[str] = mapped_column(String(300), default="")
    name_en: Mapped[str] = mapped_column(String(300), default="")
    role: Mapped[CoHostRole] = mapped_column(_enum(CoHostRole), default=CoHostRole.CO_HOST)
    website: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="co_hosts")


class Forum(db.Model):
    __table_args__ = (
        UniqueConstraint("event_id", "slug"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    kind: Mapped[ForumKind] = mapped_column(_enum(ForumKind), default=ForumKind.PARALLEL)
    name_zh: Mapped[str] = mapped_column(String(300), default="")
    name_en: Mapped[str] = mapped_column(String(300), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    room_zh: Mapped[str] = mapped_column(String(200), default="")
    room_en: Mapped[str] = mapped_column(String(200), default="")
    # Seats in the room; None: as many as the event admits.
    capacity: Mapped[int | None]
    colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_FORUM_COLOUR)
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="forums")
    sessions: Mapped[list[ProgrammeSession]] = relationship(
        back_populates="forum",
        order_by="(ProgrammeSession.starts_at, ProgrammeSession.id)",
        cascade="all, delete-orphan",
    )

    @property
    def is_main(self) -> bool:
        return self.kind == ForumKind.MAIN


class Speaker(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    honorific_zh: Mapped[str] = mapped_column(String(100), default="")
    honorific_en: Mapped[str] = mapped_column(String(100), default="")
    affiliation_zh: Mapped[str] = mapped_column(String(300), default="")
    affiliation_en: Mapped[str] = mapped_column(String(300), default="")
    bio_zh: Mapped[str] = mapped_column(Text, default="")
    bio_en: Mapped[str] = mapped_column(Text, default="")
    # Stored in the database so that every app server can serve it.
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    photo_type: Mapped[str] = mapped_column(String(50), default="")
    # A placeholder invented for the demo programme, not a real person.
    is_demo: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship(back_populates="speakers")
    session_links: Mapped[list[SessionSpeaker]] = relationship(
        back_populates="speaker", cascade="all, delete-orphan"
    )

    @property
    def has_photo(self) -> bool:
        return bool(self.photo_type)


class SessionSpeaker(db.Model):
    """A speaker's place in a session's ordered list of speakers."""

    __tablename__ = "session_speaker"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_session.id", ondelete="CASCADE"), primary_key=True
    )
    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("speaker.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[ProgrammeSession] = relationship(back_populates="speaker_links")
    speaker: Mapped[Speaker] = relationship(back_populates="session_links")

    def __init__(self, speaker: Speaker | None = None, **kwargs: Any) -> None:
        super().__init__(speaker=speaker, **kwargs)


class ProgrammeSession(db.Model):
    """One item of the programme: a keynote, a talk, a panel, a ceremony, a break."""

    __tablename__ = "programme_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_programme_session_event_starts", "event_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SessionKind] = mapped_column(_enum(SessionKind), default=SessionKind.TALK)
    title_zh: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="")
    abstract_zh: Mapped[str] = mapped_column(Text, default="")
    abstract_en: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Empty: the session takes place in its forum's room.
    room_zh: Mapped[str] = mapped_column(String(200), default="")
    room_en: Mapped[str] = mapped_column(String(200), default="")
    # The iCalendar SEQUENCE: grows on every change so that calendars update.
    sequence: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="sessions")
    forum: Mapped[Forum] = relationship(back_populates="sessions")
    speaker_links: Mapped[list[SessionSpeaker]] = relationship(
        back_populates="session",
        order_by="SessionSpeaker.position",
        collection_class=ordering_list("position"),
        cascade="all, delete-orphan",
    )
    speakers: AssociationProxy[list[Speaker]] = association_proxy("speaker_links", "speaker")

    @property
    def room_zh_or_forum(self) -> str:
        return self.room_zh or self.forum.room_zh

    @property
    def room_en_or_forum(self) -> str:
        return self.room_en or self.forum.room_en


# --- registration ----------------------------------------------------------


class RegistrationCategory(enum.StrEnum):
    DELEGATE = "delegate"
    SPEAKER = "speaker"
    VIP = "vip"
    PRESS = "press"
    STUDENT = "student"
    STAFF = "staff"


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Registration(db.Model):
    __table_args__ = (
        # Stored lower-cased, so this is the case-insensitive uniqueness the rules ask for.
        UniqueConstraint("event_id", "email"),
        # A badge's code is unique in its event; the desk tells another event's badge.
        UniqueConstraint("event_id", "checkin_code"),
        CheckConstraint("email = lower(email)", name="email_normalised"),
        Index("ix_registration_event_status_queued", "event_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    full_name: Mapped[str] = mapped_column(String(100))
    latin_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[RegistrationCategory] = mapped_column(
        _enum(RegistrationCategory), default=RegistrationCategory.DELEGATE
    )
    status: Mapped[RegistrationStatus] = mapped_column(
        _enum(RegistrationStatus), default=RegistrationStatus.CONFIRMED, index=True
    )
    # The key of the attendee's private link: random, never derived from the id.
    token: Mapped[str] = mapped_column(String(64))
    # Links are looked up by the token's SHA-256, so lookup timing says nothing about it.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What the badge's QR code carries; short enough to type at the desk.
    checkin_code: Mapped[str] = mapped_column(String(32), index=True)
    locale: Mapped[str] = mapped_column(String(10), default="zh")
    # Arrival order on the event's waiting list.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    badge_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    seats: Mapped[list[Seat]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="Seat.id"
    )
    mails: Mapped[list[MailMessage]] = relationship(back_populates="registration")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="Answer.id"
    )


class SeatStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Seat(db.Model):
    """A registration's choice of one parallel forum: a seat held, or a place in its queue."""

    __table_args__ = (
        UniqueConstraint("registration_id", "forum_id"),
        Index("ix_seat_forum_status_queued", "forum_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE")
    )
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"))
    status: Mapped[SeatStatus] = mapped_column(_enum(SeatStatus))
    # Arrival order on the forum's waiting list.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="seats")
    forum: Mapped[Forum] = relationship()


class QuestionKind(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    CHOICE = "choice"
    MULTIPLE = "multiple"
    YES_NO = "yes_no"
    NUMBER = "number"
    DATE = "date"


class Question(db.Model):
    """A question an event's organizers add to its registration form.

    Never deleted once answered: retiring it (``retired_at``) takes it off the forms and
    keeps its answers readable."""

    __table_args__ = (Index("ix_question_event_position", "event_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind))
    label_zh: Mapped[str] = mapped_column(String(300), default="")
    label_en: Mapped[str] = mapped_column(String(300), default="")
    help_zh: Mapped[str] = mapped_column(Text, default="")
    help_en: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    # RegistrationCategory values the question is asked of; empty: every category.
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A regular expression the whole answer must match (text kinds only); empty: none.
    pattern: Mapped[str] = mapped_column(String(300), default="")
    # Asked only when the answer to this earlier question (a choice or yes/no) is
    # ``condition_value`` (a choice's key, or "yes" / "no").
    condition_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("question.id", ondelete="SET NULL")
    )
    condition_value: Mapped[str] = mapped_column(String(40), default="")
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    choices: Mapped[list[QuestionChoice]] = relationship(
        back_populates="question",
        order_by="(QuestionChoice.position, QuestionChoice.id)",
        cascade="all, delete-orphan",
    )
    condition_question: Mapped[Question | None] = relationship(remote_side=[id])

    @property
    def active(self) -> bool:
        return self.retired_at is None


class QuestionChoice(db.Model):
    """One option of a choice question. Its key is stable: answers store it, so a
    relabelled option keeps its answers and a removed one stays readable (retired)."""

    __tablename__ = "question_choice"
    __table_args__ = (UniqueConstraint("question_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    label_zh: Mapped[str] = mapped_column(String(300), default="")
    label_en: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="choices")


class Answer(db.Model):
    """A registration's answer to one question: one JSON value, typed by the question's
    kind (text: a string; choice: a key; several choices: a list of keys; yes/no: a
    boolean; number: a number; date: "YYYY-MM-DD"), checked by
    ``registration.questions`` on every write and read."""

    __table_args__ = (
        UniqueConstraint("registration_id", "question_id"),
        Index("ix_answer_question", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    value: Mapped[Any] = mapped_column(JSON)

    registration: Mapped[Registration] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class MailStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class MailKind(enum.StrEnum):
    """What a mail is about: ``MailMessage.kind``, by which the outbox finds its renderer."""

    CONFIRMATION = "confirmation"
    LINK = "link"
    PROMOTION = "promotion"
    CANCELLATION = "cancellation"
    # To the address of a cancelled registration that someone tried to register again.
    REGISTER_AGAIN = "register_again"


class MailMessage(db.Model):
    """An outgoing mail, queued in the same transaction as the change it reports and
    rendered when it is sent, so a crash in between loses nothing."""

    __tablename__ = "mail_message"
    __table_args__ = (
        Index("ix_mail_message_status_next_attempt", "status", "next_attempt_at"),
        # How many mails an address was sent lately (the limit on mailing links again).
        Index("ix_mail_message_recipient_created", "recipient", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The event the mail speaks for (None: the site's own, such as an account's).
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    # A MailKind's value (a string column, so that a new kind needs no migration).
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    # The site's address when the mail was queued, for the links inside it.
    link_base: Mapped[str] = mapped_column(String(300), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    # The complete RFC 5322 message as last sent or tried, attachments included.
    message: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[MailStatus] = mapped_column(_enum(MailStatus), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When its current sender took it: a mail "sending" for long is stuck.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration | None] = relationship(back_populates="mails")


# --- organizers' accounts and their traces ----------------------------------


class Role(enum.StrEnum):
    # The site's administrators: every event, the accounts and the site's audit log.
    ADMIN = "admin"
    # Held per event (EventRole).
    ORGANIZER = "organizer"
    CHECKIN = "checkin"


class User(UserMixin, db.Model):
    """An organizer's account. Attendees never have one."""

    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_normalised"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.ORGANIZER)
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
    """What an account may do at one event: organize it, or check people in at its desk."""

    __tablename__ = "event_role"
    __table_args__ = (
        CheckConstraint("role IN ('organizer', 'checkin')", name="per_event_role"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role))

    user: Mapped[User] = relationship(back_populates="event_roles")
    event: Mapped[Event] = relationship()


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


# --- keeping versions honest -----------------------------------------------

PROGRAMME_TYPES = (Event, CoHost, Forum, Speaker, ProgrammeSession, SessionSpeaker)
# An event's columns that are no part of its programme: publishing or archiving an
# edition leaves its feeds byte for byte as they were (the pages name the status in
# their own validators).
NOT_PROGRAMME = frozenset({"status", "programme_version", "programme_updated_at"})


def _programme_changed(session: OrmSession, obj: object) -> bool:
    """Whether a dirty object changed anything of its event's programme."""
    if not session.is_modified(obj):
        return False
    if not isinstance(obj, Event):
        return True
    state = inspect(obj)
    return any(attribute.history.has_changes() for attribute in state.attrs
               if attribute.key not in NOT_PROGRAMME)


def _event_id_of(obj: object) -> int | None:
    if isinstance(obj, Event):
        return obj.id
    if isinstance(obj, SessionSpeaker):
        session = obj.session
        return session.event_id if session is not None else None
    return getattr(obj, "event_id", None)


@event.listens_for(OrmSession, "before_flush")
def _bump_programme_versions(session: OrmSession, flush_context, instances) -> None:
    """Any change to the programme raises its event's version; an edited
    session's SEQUENCE grows so that subscribed calendars take the update."""
    changed_events: set[int] = set()
    bumped_sessions: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, PROGRAMME_TYPES):
            continue
        if obj in session.dirty and not _programme_changed(session, obj):
            continue
        event_id = _event_id_of(obj)
        if event_id is not None:
            changed_events.add(event_id)
        programme_session = obj.session if isinstance(obj, SessionSpeaker) else obj
        if (
            isinstance(programme_session, ProgrammeSession)
            and programme_session.id is not None
            and programme_session not in session.deleted
            and id(programme_session) not in bumped_sessions
        ):
            bumped_sessions.add(id(programme_session))
            programme_session.sequence = (programme_session.sequence or 0) + 1
    for event_id in changed_events:
        changed = session.get(Event, event_id)
        if changed is None or changed in session.deleted:
            continue
        changed.programme_version = Event.programme_version + 1
        changed.programme_updated_at = utcnow()

