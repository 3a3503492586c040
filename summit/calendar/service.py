"""Which sessions each feed holds, and building feeds and exports.

A feed is the whole programme, one forum, one session, or one attendee's own
agenda. What a feed's content depends on is named by ``content_key``: the
programme's version, the feed, the format, the language and the site's address.
The views keep each built answer under that key (``summit.web.conditional``),
mails keep the attendee's agenda under it (``summit.caching``); an edit (which
raises the version) makes old entries unreachable.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..caching import Validators, kept, programme_key, version_validators
from ..events.queries import EventVersion
from ..i18n import LANGUAGES, localized
from ..models import (
    Event,
    Forum,
    ForumKind,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    SeatStatus,
)
from ..programme.materials import materials_by_session
from ..programme.service import programme_sessions
from ..urls import site_address, url_builder
from . import frab, ical, spreadsheet


class Format(enum.StrEnum):
    ICS = "ics"
    XML = "xml"
    JSON = "json"
    CSV = "csv"

    @property
    def mimetype(self) -> str:
        return {
            Format.ICS: "text/calendar",
            Format.XML: "application/xml",
            Format.JSON: "application/json",
            Format.CSV: "text/csv",
        }[self]


class FeedKind(enum.StrEnum):
    PROGRAMME = "programme"
    FORUM = "forum"
    SESSION = "session"
    ATTENDEE = "attendee"


@dataclass(frozen=True, eq=False)
class Feed:
    kind: FeedKind
    forum: Forum | None = None
    item: ProgrammeSession | None = None
    # An attendee's feed: the forums whose sessions it holds, and the sessions they
    # starred (elsewhere).
    forum_ids: frozenset[int] = frozenset()
    session_ids: frozenset[int] = frozenset()
    # When the content last changed if later than the programme (an attendee's seats).
    changed_at: datetime | None = None

    @property
    def key(self) -> tuple:
        """What the content depends on besides the programme, the format and the language."""
        if self.kind is FeedKind.FORUM:
            return (self.kind.value, self.forum.id)
        if self.kind is FeedKind.SESSION:
            return (self.kind.value, self.item.id)
        if self.kind is FeedKind.ATTENDEE:
            return (self.kind.value, *sorted(self.forum_ids), "starred", *sorted(self.session_ids))
        return (self.kind.value,)


PROGRAMME = Feed(FeedKind.PROGRAMME)


def forum_feed(forum: Forum) -> Feed:
    return Feed(FeedKind.FORUM, forum=forum)


def session_feed(item: ProgrammeSession) -> Feed:
    return Feed(FeedKind.SESSION, item=item)


def seated_forum_ids(registration: Registration) -> frozenset[int]:
    """The forums where the attendee may sit: the main forum once the registration is
    confirmed, and every parallel forum where they hold a confirmed seat."""
    if registration.status != RegistrationStatus.CONFIRMED:
        return frozenset()
    return frozenset(
        {forum.id for forum in registration.event.forums if forum.kind == ForumKind.MAIN}
        | {seat.forum_id for seat in registration.seats if seat.status == SeatStatus.CONFIRMED}
    )


def attendee_feed(registration: Registration) -> Feed:
    """An attendee's own agenda: the sessions of the forums where they may sit
    (``seated_forum_ids``), and the sessions they starred, each once. A star gives no
    seat: a starred session of a forum without one is still in the feed, as a plan.

    Places on a waiting list are left out (of the event or of a forum): a
    calendar entry reads as a plan, and parallel forums overlap. When a place is
    confirmed, the feed gains those sessions and the promotion mail brings a new
    .ics. A cancelled registration's feed is empty, so its sessions disappear
    from subscribed calendars; its stars come back with it if it is registered again.
    """
    forum_ids = seated_forum_ids(registration)
    starred = frozenset()
    if registration.status == RegistrationStatus.CONFIRMED:
        starred = frozenset(star.session_id for star in registration.stars)
    # Starring changes the registration's updated_at too, so this moves with the stars.
    changes = [registration.updated_at, *(seat.updated_at for seat in registration.seats)]
    return Feed(FeedKind.ATTENDEE, forum_ids=forum_ids, session_ids=starred,
                changed_at=max(changes))


def sessions_in(session: Session, event: Event, feed: Feed) -> list[ProgrammeSession]:
    if feed.kind is FeedKind.SESSION:
        return [feed.item]
    sessions = programme_sessions(session, event)
    if feed.kind is FeedKind.FORUM:
        return [item for item in sessions if item.forum_id == feed.forum.id]
    if feed.kind is FeedKind.ATTENDEE:
        return [item for item in sessions
                if item.forum_id in feed.forum_ids or item.id in feed.session_ids]
    return sessions


def calendar_name(event: Event, feed: Feed, lang: str) -> str:
    """What a calendar app calls the subscribed calendar. Within ``force_locale``."""
    name = localized(event, "name", lang)
    if feed.kind is FeedKind.FORUM:
        return f"{name} · {localized(feed.forum, 'name', lang)}"
    if feed.kind is FeedKind.SESSION:
        return f"{name} · {localized(feed.item, 'title', lang)}"
    if feed.kind is FeedKind.ATTENDEE:
        return _("%(event)s · My agenda", event=name)
    return name


def last_modified(event: Event | EventVersion, feed: Feed) -> datetime:
    if feed.changed_at is None:
        return event.programme_updated_at
    return max(event.programme_updated_at, feed.changed_at)


@functools.lru_cache(maxsize=1024)
def validators(content: tuple, changed: datetime, gzipped: bool = False) -> Validators:
    """The validators of a feed whose content is named by ``content`` (``content_key``),
    that last changed at ``changed`` (``last_modified``), compressed or not. They follow
    from these alone: worked out once per process, since hashing their material cost
    a cached feed's answer more than any other step (bench/FINDINGS.md)."""
    programme, *variant = content
    return version_validators(programme, (*variant, changed, gzipped), changed)


def content_key(event: Event | EventVersion, feed: Feed, form: Format, lang: str) -> tuple:
    """What the feed's content depends on, the site's address included. Not an attendee's
    own changes: the content depends only on which forums the feed holds, so attendees
    with the same seats share one build."""
    return (programme_key(event), form.value, feed.key, lang, site_address())


def build(session: Session, version: Event | EventVersion, feed: Feed, form: Format,
          lang: str) -> bytes:
    """The feed's content in ``form`` and ``lang``, with links under the site's address."""
    event = session.get(Event, version.id)
    base = site_address()
    sessions = sessions_in(session, event, feed)
    build_link = url_builder()

    def link(endpoint: str, **values) -> str:
        return build_link(endpoint, event_slug=event.slug, **values)

    def session_url(item: ProgrammeSession) -> str:
        return link("programme.session_detail", session_id=item.id, lang=lang)

    site = urlsplit(base)
    site_name = site.netloc + site.path.rstrip("/")
    with force_locale(LANGUAGES[lang]):
        if form is Format.ICS:
            return ical.calendar(
                event,
                sessions,
                name=calendar_name(event, feed, lang),
                lang=lang,
                stamp=event.programme_updated_at,
                site=site_name,
                event_url=link("programme.agenda", lang=lang),
                session_url=session_url,
            )
        if form is Format.CSV:
            return spreadsheet.to_csv(event, sessions, lang=lang, session_url=session_url)
        plan = frab.schedule(
            event,
            sessions,
            lang=lang,
            site=site_name,
            base_url=base + "/",
            event_url=link("programme.home", lang=lang),
            schedule_url=link(f"calendar.schedule_{form.value}", lang=lang),
            session_url=session_url,
            materials=materials_by_session(session, event),
            material_url=lambda material: link(
                "programme.material_download", session_id=material.session_id,
                material_id=material.id),
        )
        return frab.to_xml(plan) if form is Format.XML else frab.to_json(plan)


def attendee_ics(session: Session, registration: Registration) -> bytes:
    """The attendee's own agenda as an .ics file, in their language: for mails. Built
    once per process for all who hold the same forums (an import mails thousands)."""
    lang = registration.locale if registration.locale in LANGUAGES else "zh"
    event, feed = registration.event, attendee_feed(registration)
    return kept(("mail", *content_key(event, feed, Format.ICS, lang)),
                lambda: build(session, event, feed, Format.ICS, lang))
