"""Events and their editions: create one, clone last year's into this year's, publish,
archive, delete. Each operation commits, and is noted in the site's audit log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, undefer

from .. import audit
from ..audit import AuditAction
from ..models import (
    CoHost,
    Event,
    EventStatus,
    Forum,
    ProgrammeSession,
    Question,
    QuestionChoice,
    Registration,
    Reminder,
    SessionSpeaker,
    Speaker,
    User,
    default_reminders,
)

MAX_SLUG_LENGTH = 64
SLUG_SHAPE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# The site's own first path segments, now and planned: an event's pages live at
# /<slug>/, so an event may not take one of these (tests check that every route's first
# segment is here).
RESERVED_SLUGS = frozenset({
    "about", "accounts", "admin", "agenda", "api", "archive", "assets", "auth", "calendar",
    "certificates",
    "calendar.ics", "cfp", "docs", "events", "favicon.ico", "feeds", "forums", "health",
    "healthz", "help", "login", "logout", "media", "new", "privacy", "proposals", "r",
    "register", "robots.txt", "schedule", "schedule.csv", "schedule.json", "schedule.xml",
    "search", "sessions", "share.png", "sitemap.xml", "speakers", "static",
})
OBJECT_TYPE = "event"
# Columns a copy never takes from its original: its own key and its event's.
_OWN_KEYS = frozenset({"id", "event_id"})


class EventError(Exception):
    """An event operation refused; the message says why and what to do instead."""


@dataclass(frozen=True)
class NewEvent:
    slug: str
    name_zh: str
    name_en: str
    starts_on: date
    ends_on: date
    timezone: str
    default_locale: str = "zh"


def slug_refusal(slug: str) -> str | None:
    """Why ``slug`` cannot name an event whatever the database holds, or None."""
    if slug in RESERVED_SLUGS:
        return _l("“%(slug)s” is one of the site's own addresses; choose another short name.",
                  slug=slug)
    if len(slug) > MAX_SLUG_LENGTH:
        return _l("At most %(max)d characters.", max=MAX_SLUG_LENGTH)
    if not SLUG_SHAPE.fullmatch(slug):
        return _l("Use lower-case letters, digits and hyphens only (such as "
                  "embedded-china-2021).")
    return None


def check_new_slug(session: Session, slug: str) -> None:
    """Raise EventError unless ``slug`` may name a new event."""
    refusal = slug_refusal(slug)
    if refusal is not None:
        raise EventError(str(refusal))
    if session.scalar(select(Event.id).where(Event.slug == slug)) is not None:
        raise EventError(str(_l("Another event has the short name “%(slug)s”.", slug=slug)))


def create_event(session: Session, actor: User | None, new: NewEvent) -> Event:
    """A new event, as a draft for its organizers to fill in, with the default reminders
    before it starts. Commits."""
    if new.ends_on < new.starts_on:
        raise EventError(str(_l("The last day cannot come before the first.")))
    check_new_slug(session, new.slug)
    event = Event(slug=new.slug, status=EventStatus.DRAFT, name_zh=new.name_zh,
                  name_en=new.name_en, starts_on=new.starts_on, ends_on=new.ends_on,
                  timezone=new.timezone, default_locale=new.default_locale)
    session.add(event)
    session.add_all(default_reminders(event))
    _commit_new(session, actor, AuditAction.CREATE, event, after=_state(event))
    return event


# --- cloning an edition ----------------------------------------------------------


def clone_event(
    session: Session,
    actor: User | None,
    source: Event,
    slug: str,
    starts_on: date,
    with_programme: bool = False,
) -> Event:
    """A new edition of ``source`` under ``slug``, starting on ``starts_on``, as a
    draft: its settings, co-hosts and forums (rooms, capacities), its registration
    form's questions (those in use, never their answers), its reminders' settings (each
scheduled anew), its registration window moved
    by the difference in start dates, and with ``with_programme`` its speakers and
    sessions at the same local times of the moved days. Never its registrations,
    answers, seats, mails, check-ins, roles or audit entries. Commits."""
    check_new_slug(session, slug)
    days = (starts_on - source.starts_on).days
    zone = ZoneInfo(source.timezone)
    # Not its own share picture: last year's shows last year's dates.
    clone = _copy(source, Event, skip={"programme_version", "programme_updated_at",
                                       "share_image", "share_image_type"},
                  slug=slug, status=EventStatus.DRAFT, starts_on=starts_on,
                  ends_on=source.ends_on + timedelta(days=days),
                  name_zh=_with_year(source.name_zh, source.starts_on, starts_on),
                  name_en=_with_year(source.name_en, source.starts_on, starts_on),
                  registration_opens_at=moved(source.registration_opens_at, days, zone),
                  registration_closes_at=moved(source.registration_closes_at, days, zone),
                  certificates_from=moved(source.certificates_from, days, zone))
    clone.co_hosts = [_copy(co_host, CoHost) for co_host in source.co_hosts]
    forums = {forum.id: _copy(forum, Forum) for forum in source.forums}
    clone.forums = list(forums.values())
    if with_programme:
        speakers = {speaker.id: _copy(speaker, Speaker) for speaker in _speakers(session, source)}
        clone.speakers = list(speakers.values())
        clone.sessions = [
            _copy(item, ProgrammeSession, skip={"forum_id", "sequence", "created_at", "updated_at"},
                  forum=forums[item.forum_id],
                  starts_at=moved(item.starts_at, days, zone),
                  ends_at=moved(item.ends_at, days, zone),
                  speaker_links=[SessionSpeaker(speakers[link.speaker_id])
                                 for link in item.speaker_links])
            for item in _sessions(session, source)
        ]
    session.add(clone)
    _copy_questions(session, source, clone)
    _copy_reminders(session, actor, source, clone)
    _commit_new(session, actor, AuditAction.CLONE, clone,
                summary=f"{clone.slug} ← {source.slug}",
                after={"source": source.slug, "starts_on": starts_on.isoformat(),
                       "with_programme": with_programme})
    return clone


def _copy_questions(session: Session, source: Event, clone: Event) -> None:
    """The source's questions in use, with their options in use, each copy depending on
    the copy of the question its original depends on."""
    copies: dict[int, Question] = {}
    for question in session.scalars(
        select(Question).where(Question.event_id == source.id, Question.retired_at.is_(None))
        .options(selectinload(Question.choices)).order_by(Question.position, Question.id)
    ):
        earlier = copies.get(question.condition_question_id or 0)
        copies[question.id] = copy = _copy(
            question, Question, skip={"condition_question_id", "retired_at", "created_at"},
            event=clone, condition_question=earlier, categories=list(question.categories),
            condition_value=question.condition_value if earlier is not None else "",
            choices=[_copy(choice, QuestionChoice, skip={"question_id"})
                     for choice in question.choices if not choice.retired])
        session.add(copy)


def _copy_reminders(session: Session, actor: User | None, source: Event, clone: Event) -> None:
    """The source's reminders as settings (when, on or off, the notes), none sent yet,
    changed by whoever cloned the event."""
    for reminder in session.scalars(
        select(Reminder).where(Reminder.event_id == source.id).order_by(Reminder.id)
    ):
        session.add(_copy(reminder, Reminder, skip={
            "state", "settled_at", "recipient_count", "created_at", "updated_at"},
            event=clone, updated_by_id=actor.id if actor is not None else None))


def moved(moment: datetime | None, days: int, zone: ZoneInfo) -> datetime | None:
    """``moment`` moved by ``days`` on the event's wall clock: a session at 09:00 stays at
    09:00 local time across a change to or from daylight saving time."""
    if moment is None:
        return None
    wall_clock = moment.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return wall_clock.replace(tzinfo=zone).astimezone(UTC)


def _with_year(name: str, source_day: date, target_day: date) -> str:
    """The edition's name with the year of its first day: "2020中国…" becomes "2021中国…"."""
    return re.sub(rf"(?<!\d){source_day.year}(?!\d)", str(target_day.year), name)


def _copy(original: Any, model: type, skip: frozenset[str] | set[str] = frozenset(),
          **values: Any) -> Any:
    """A new ``model`` with every column of ``original`` but its keys, ``skip`` and
    ``values``, then ``values``."""
    taken = {column.key for column in inspect(model).column_attrs} - _OWN_KEYS - set(skip)
    return model(**{key: getattr(original, key) for key in taken - values.keys()}, **values)


def _speakers(session: Session, event: Event) -> list[Speaker]:
    return list(session.scalars(
        select(Speaker).where(Speaker.event_id == event.id).options(undefer(Speaker.photo))
        .order_by(Speaker.id)))


def _sessions(session: Session, event: Event) -> list[ProgrammeSession]:
    return list(session.scalars(
        select(ProgrammeSession).where(ProgrammeSession.event_id == event.id)
        .options(selectinload(ProgrammeSession.speaker_links))
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)))


# --- an event's life: published, archived, deleted ------------------------------------


def publish(session: Session, actor: User | None, event: Event) -> None:
    """Show the event to the public (a draft, or an archived edition again). Commits."""
    _set_status(session, actor, event, EventStatus.PUBLISHED, AuditAction.PUBLISH)


def archive(session: Session, actor: User | None, event: Event) -> None:
    """Make the event a past edition: read-only, listed in the archive. Commits."""
    _set_status(session, actor, event, EventStatus.ARCHIVED, AuditAction.ARCHIVE)


def delete_event(session: Session, actor: User | None, event: Event) -> None:
    """Delete the event with its programme. Refused once anyone has registered (archive
    it instead): the registrations, their mails and check-ins are the event's record.
    Commits."""
    event_id, slug, before = event.id, event.slug, _state(event)
    # One statement: a registration arriving meanwhile either keeps the event or is
    # refused by its foreign key.
    deleted = session.execute(
        delete(Event)
        .where(Event.id == event_id, ~exists().where(Registration.event_id == event_id))
        .execution_options(synchronize_session=False)
    ).rowcount
    if not deleted:
        session.rollback()
        raise EventError(str(_l("People have registered for %(slug)s, so it cannot be "
                                "deleted: archive it instead.", slug=slug)))
    audit.record(session, actor, AuditAction.DELETE, OBJECT_TYPE, event_id, slug, before=before,
                 event_id=None)
    session.commit()
    session.expunge(event)


def all_events(session: Session) -> list[Event]:
    """Every event, the latest first."""
    return list(session.scalars(select(Event).order_by(Event.starts_on.desc(), Event.id.desc())))


def registration_counts(session: Session) -> dict[int, int]:
    """Event id → how many registrations it has (cancelled ones included)."""
    return dict(session.execute(
        select(Registration.event_id, func.count()).group_by(Registration.event_id)).all())


def _set_status(
    session: Session, actor: User | None, event: Event, status: EventStatus, action: str
) -> None:
    if event.status == status:
        return
    before = event.status.value
    event.status = status
    audit.record(session, actor, action, OBJECT_TYPE, event.id, event.slug,
                 before={"status": before}, after={"status": status.value}, event_id=None)
    session.commit()


def _state(event: Event) -> dict[str, Any]:
    return audit.snapshot(event, ("slug", "status", "name_zh", "name_en", "starts_on",
                                  "ends_on", "timezone"))


def _commit_new(session: Session, actor: User | None, action: str, event: Event,
                summary: str = "", after: dict[str, Any] | None = None) -> None:
    """Write a new event and its audit entry; a slug taken meanwhile refuses it."""
    slug = event.slug
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        check_new_slug(session, slug)
        raise error
    audit.record(session, actor, action, OBJECT_TYPE, event.id, summary or event.slug,
                 after=after, event_id=None)
    session.commit()
