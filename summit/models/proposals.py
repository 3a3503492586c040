"""The call for speakers: an event's call, the proposals it receives, their speakers
(each with a private link) and the reviewers' scores."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .columns import UTCDateTime, enum_column, utcnow
from .programme import Event, Forum, ProgrammeSession, SessionKind, Speaker


class ProposalState(enum.StrEnum):
    SUBMITTED = "submitted"
    # A reviewer has scored it.
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    # A speaker has confirmed that they will give it.
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"


# States in which the organizers may still decide, and the speakers still edit or withdraw.
UNDECIDED = (ProposalState.SUBMITTED, ProposalState.IN_REVIEW)


class Decision(enum.StrEnum):
    """An organizer's decision, held back until the decisions are released together."""

    ACCEPT = "accept"
    REJECT = "reject"


class ProposalMailKind(enum.StrEnum):
    """The outbox's kinds of the call's mails (``MailMessage.kind``)."""

    # To the submitter, with their private link.
    RECEIVED = "proposal_received"
    # To a co-speaker, with their own private link.
    CO_SPEAKER = "proposal_co_speaker"
    ACCEPTED = "proposal_accepted"
    REJECTED = "proposal_rejected"


# The forums that take proposals, by event (the call's key is its event's: a backup moves
# these with the event like every other row that names it).
proposal_call_forum = Table(
    "proposal_call_forum",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("forum_id", ForeignKey("forum.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class ProposalCall(db.Model):
    """An event's call for speakers: when it is open, what it asks for, how it is
    reviewed, and what the decision mails say."""

    __tablename__ = "proposal_call"
    __table_args__ = (
        CheckConstraint("score_min >= 0 AND score_max > score_min AND score_max <= 100",
                        name="score_scale"),
    )

    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    guidelines_zh: Mapped[str] = mapped_column(Text, default="")
    guidelines_en: Mapped[str] = mapped_column(Text, default="")
    # SessionKind values offered, and durations in minutes.
    session_kinds: Mapped[list] = mapped_column(JSON, default=lambda: [SessionKind.TALK.value])
    durations: Mapped[list] = mapped_column(JSON, default=lambda: [20, 40])
    # Reviewers never see who the speakers are.
    anonymised: Mapped[bool] = mapped_column(default=True)
    score_min: Mapped[int] = mapped_column(default=1)
    score_max: Mapped[int] = mapped_column(default=5)
    accept_subject_zh: Mapped[str] = mapped_column(String(300), default="")
    accept_subject_en: Mapped[str] = mapped_column(String(300), default="")
    accept_body_zh: Mapped[str] = mapped_column(Text, default="")
    accept_body_en: Mapped[str] = mapped_column(Text, default="")
    reject_subject_zh: Mapped[str] = mapped_column(String(300), default="")
    reject_subject_en: Mapped[str] = mapped_column(String(300), default="")
    reject_body_zh: Mapped[str] = mapped_column(Text, default="")
    reject_body_en: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship()
    forums: Mapped[list[Forum]] = relationship(
        secondary=proposal_call_forum,
        primaryjoin=lambda: ProposalCall.event_id == proposal_call_forum.c.event_id,
        secondaryjoin=lambda: Forum.id == proposal_call_forum.c.forum_id,
        order_by="Forum.position")


class Proposal(db.Model):
    __table_args__ = (
        CheckConstraint("title_zh <> '' OR title_en <> ''", name="has_title"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        Index("ix_proposal_event_state", "event_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    forum_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum.id", ondelete="SET NULL"), index=True)
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind), default=SessionKind.TALK)
    duration_minutes: Mapped[int] = mapped_column(default=20)
    title_zh: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="")
    abstract_zh: Mapped[str] = mapped_column(Text, default="")
    abstract_en: Mapped[str] = mapped_column(Text, default="")
    # For the organizers only.
    notes: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[ProposalState] = mapped_column(
        enum_column(ProposalState), default=ProposalState.SUBMITTED)
    pending_decision: Mapped[Decision | None] = mapped_column(enum_column(Decision))
    # The unscheduled session an accepted proposal became.
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_session.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    forum: Mapped[Forum | None] = relationship()
    session: Mapped[ProgrammeSession | None] = relationship()
    speakers: Mapped[list[ProposalSpeaker]] = relationship(
        back_populates="proposal", order_by="ProposalSpeaker.position",
        cascade="all, delete-orphan")
    reviews: Mapped[list[Review]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan")

    @property
    def submitter(self) -> ProposalSpeaker:
        return self.speakers[0]


class ProposalSpeaker(db.Model):
    """A speaker of a proposal: the submitter (position 0) or a co-speaker, each with
    their own private link (``/proposals/<token>``)."""

    __tablename__ = "proposal_speaker"
    __table_args__ = (UniqueConstraint("proposal_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    email: Mapped[str] = mapped_column(String(254))
    # A co-speaker fills these in through their own link; once the proposal is accepted
    # the programme's speaker shows them (and the speaker's later changes).
    name: Mapped[str] = mapped_column(String(200), default="")
    affiliation_zh: Mapped[str] = mapped_column(String(300), default="")
    affiliation_en: Mapped[str] = mapped_column(String(300), default="")
    bio_zh: Mapped[str] = mapped_column(Text, default="")
    bio_en: Mapped[str] = mapped_column(Text, default="")
    # Checked and encoded again (summit.programme.photos), like the organizers' photos.
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    photo_type: Mapped[str] = mapped_column(String(50), default="")
    locale: Mapped[str] = mapped_column(String(10), default="zh")
    token: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The programme's speaker they became when the proposal was accepted.
    speaker_id: Mapped[int | None] = mapped_column(
        ForeignKey("speaker.id", ondelete="SET NULL"), index=True)

    proposal: Mapped[Proposal] = relationship(back_populates="speakers")
    speaker: Mapped[Speaker | None] = relationship()
    availability: Mapped[list[SpeakerAvailability]] = relationship(
        back_populates="proposal_speaker", order_by="SpeakerAvailability.starts_at",
        cascade="all, delete-orphan")

    @property
    def is_submitter(self) -> bool:
        return self.position == 0

    @property
    def has_photo(self) -> bool:
        return bool(self.photo_type)


class SpeakerAvailability(db.Model):
    """A time during the event when a speaker can speak; a speaker who gives none is
    taken to be free throughout. The programme editor warns of a session placed
    outside them."""

    __tablename__ = "speaker_availability"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_speaker_id: Mapped[int] = mapped_column(
        ForeignKey("proposal_speaker.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    proposal_speaker: Mapped[ProposalSpeaker] = relationship(back_populates="availability")

    def covers(self, starts_at: datetime, ends_at: datetime) -> bool:
        return self.starts_at <= starts_at and ends_at <= self.ends_at


class Review(db.Model):
    """One reviewer's score and comment on one proposal."""

    __tablename__ = "proposal_review"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="reviews")
    user: Mapped[User] = relationship()
