"""Registrations, seats and waiting lists, the event's own questions and their
answers, and the mail sent to attendees."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .columns import UTCDateTime, enum_column, utcnow
from .programme import Event, Forum, ProgrammeSession

if TYPE_CHECKING:
    from .proposals import ProposalSpeaker


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
        # The desks ask for what changed since their last look every few seconds.
        Index("ix_registration_event_updated", "event_id", "updated_at"),
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
        enum_column(RegistrationCategory), default=RegistrationCategory.DELEGATE
    )
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus), default=RegistrationStatus.CONFIRMED, index=True
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
    # Badges printed again for this registration (at the desk or from its page).
    badge_reprints: Mapped[int] = mapped_column(default=0, server_default="0")

    event: Mapped[Event] = relationship()
    seats: Mapped[list[Seat]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="Seat.id"
    )
    mails: Mapped[list[MailMessage]] = relationship(back_populates="registration")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="Answer.id"
    )
    stars: Mapped[list[SessionStar]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
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
        Index("ix_seat_updated", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE")
    )
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"))
    status: Mapped[SeatStatus] = mapped_column(enum_column(SeatStatus))
    # Arrival order on the forum's waiting list.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="seats")
    forum: Mapped[Forum] = relationship()


class SessionStar(db.Model):
    """A session an attendee starred through their private link: it joins their own
    agenda and calendar feed. A star gives no seat: forum seats decide where one sits."""

    __tablename__ = "session_star"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_session.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    starred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="stars")
    session: Mapped[ProgrammeSession] = relationship()


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
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind))
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
    # Never to be sent: what it was about changed before it went out (its reason, a code
    # of the area that queued it, in ``last_error``).
    WITHDRAWN = "withdrawn"


class MailKind(enum.StrEnum):
    """What a mail is about: ``MailMessage.kind``, by which the outbox finds its renderer."""

    CONFIRMATION = "confirmation"
    LINK = "link"
    PROMOTION = "promotion"
    CANCELLATION = "cancellation"
    # To the address of a cancelled registration that someone tried to register again.
    REGISTER_AGAIN = "register_again"
    # One of the event's reminders before it starts (mailings/reminders.py).
    REMINDER = "reminder"
    # One recipient's copy of an organizer's group mail (``mailings``).
    GROUP_MAIL = "group_mail"
    # The certificate of attendance, as a PDF attachment (written by summit.badges).
    CERTIFICATE = "certificate"


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
    # The speaker of a proposal a call's mail goes to.
    proposal_speaker_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_speaker.id", ondelete="SET NULL"), index=True
    )
    # A MailKind's or ProposalMailKind's value (a string column: a new kind needs no migration).
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    # The site's address when the mail was queued, for the links inside it.
    link_base: Mapped[str] = mapped_column(String(300), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    # The complete RFC 5322 message as last sent or tried, attachments included.
    message: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When its current sender took it: a mail "sending" for long is stuck.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration | None] = relationship(back_populates="mails")
    proposal_speaker: Mapped[ProposalSpeaker | None] = relationship()




class MailWorker(db.Model):
    """A running mail worker's sign of life, renewed every few seconds
    (``outbox.run_worker``): while one is fresh, requests leave their mail to the workers
    instead of sending it beside their response."""

    __tablename__ = "mail_worker"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class MailSendRate(db.Model):
    """The outbox's token bucket: how many mails the workers may still send now, shared by
    every worker through this row (``outbox.take_sending_tokens``)."""

    __tablename__ = "mail_send_rate"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    tokens: Mapped[float] = mapped_column(default=0.0)
    refilled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BadgePage(db.Model):
    """A registration's badge rendered beforehand on one single-badge layout, or its
    certificate of attendance (``layout`` "certificate"), kept so that a batch print
    assembles pages instead of laying them out (summit/badges/page_cache.py,
    certificate_pages.py). ``digest`` covers everything the page shows and the renderer
    that drew it: a page whose digest differs from the current one is never printed.
    A certificate's page carries its verification code: backups leave this table out."""

    __tablename__ = "badge_page"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True
    )
    layout: Mapped[str] = mapped_column(String(20), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    # A one-page PDF without its fonts, and the faces and glyphs its text uses (JSON).
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    fonts: Mapped[str] = mapped_column(Text)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
