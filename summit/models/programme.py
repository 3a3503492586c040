"""The event and its programme: co-hosts, forums, speakers, sessions; and the listener
that raises an event's programme version with every change to it."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm import Session as OrmSession

from ..extensions import db
from ..web import DEFAULT_FORUM_COLOUR
from .columns import UTCDateTime, enum_column, utcnow


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
        enum_column(EventStatus), default=EventStatus.PUBLISHED, server_default="published"
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
    # The desk prints one badge on this layout (a key of summit.badges.layouts.LAYOUTS):
    # A6 on an office printer, or a badge-label printer's label.
    badge_layout: Mapped[str] = mapped_column(String(20), default="a6", server_default="a6")
    # From then on attendees who were checked in download a certificate of attendance;
    # None: no certificates.
    certificates_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The organizer's own picture for shared links (1200×630, checked and encoded again);
    # None: the picture is drawn from the event's name and dates.
    share_image: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    share_image_type: Mapped[str] = mapped_column(String(50), default="", server_default="")
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
    role: Mapped[CoHostRole] = mapped_column(enum_column(CoHostRole), default=CoHostRole.CO_HOST)
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
    kind: Mapped[ForumKind] = mapped_column(enum_column(ForumKind), default=ForumKind.PARALLEL)
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
    """One item of the programme: a keynote, a talk, a panel, a ceremony, a break. One
    without times (an accepted proposal) is unscheduled: only the programme editor shows
    it, to be placed; public pages and feeds read scheduled sessions only (``SCHEDULED``)."""

    __tablename__ = "programme_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("(starts_at IS NULL) = (ends_at IS NULL)", name="both_times_or_none"),
        Index("ix_programme_session_event_starts", "event_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind), default=SessionKind.TALK)
    title_zh: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="")
    abstract_zh: Mapped[str] = mapped_column(Text, default="")
    abstract_en: Mapped[str] = mapped_column(Text, default="")
    # None (both): not scheduled yet.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
    materials: Mapped[list[SessionMaterial]] = relationship(
        back_populates="session",
        order_by="SessionMaterial.id",
        cascade="all, delete-orphan",
    )

    @property
    def scheduled(self) -> bool:
        return self.starts_at is not None

    @property
    def room_zh_or_forum(self) -> str:
        return self.room_zh or self.forum.room_zh

    @property
    def room_en_or_forum(self) -> str:
        return self.room_en or self.forum.room_en


class MaterialKind(enum.StrEnum):
    SLIDES = "slides"
    VIDEO = "video"
    RECORDING = "recording"


class SessionMaterial(db.Model):
    """Slides (a PDF file) or a link to a video or a recording, shown with the session.

    A file's bytes are in ``content`` when the database stores files, else under
    ``storage_key`` in an S3-compatible store (``summit.programme.material_store``)."""

    __tablename__ = "session_material"
    __table_args__ = (
        CheckConstraint("(kind = 'slides') = (url = '')", name="file_or_link"),
        Index("ix_session_material_session", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_session.id", ondelete="CASCADE"))
    kind: Mapped[MaterialKind] = mapped_column(enum_column(MaterialKind))
    title: Mapped[str] = mapped_column(String(200), default="")
    # A link's address (http or https only); empty for a file.
    url: Mapped[str] = mapped_column(String(2000), default="")
    # A file's name as offered for download (no path), its media type and size.
    filename: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(default=0)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    storage_key: Mapped[str] = mapped_column(String(300), default="")
    # Who added it: an organizer's address, or a speaker's as "speaker <address>".
    uploaded_by: Mapped[str] = mapped_column(String(300), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[ProgrammeSession] = relationship(back_populates="materials")

    @property
    def is_file(self) -> bool:
        return self.kind == MaterialKind.SLIDES


# What every public page and feed reads: the sessions with their times.
SCHEDULED = ProgrammeSession.starts_at.is_not(None)


# --- keeping versions honest -----------------------------------------------

PROGRAMME_TYPES = (Event, CoHost, Forum, Speaker, ProgrammeSession, SessionSpeaker,
                   SessionMaterial)
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
    if isinstance(obj, SessionSpeaker | SessionMaterial):
        session = obj.session
        return session.event_id if session is not None else None
    return getattr(obj, "event_id", None)


@event.listens_for(OrmSession, "before_flush")
def _bump_programme_versions(session: OrmSession, flush_context, instances) -> None:
    """Any change to the programme raises its event's version (materials included: pages
    and exports show them); an edited session's SEQUENCE grows so that subscribed
    calendars take the update (not for materials, which calendars do not show)."""
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

