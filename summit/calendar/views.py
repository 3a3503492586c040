"""An event's iCal feeds and frab schedule exports, under its slug; the calendar links
that pages offer.

Each view finds what the address names (404 when nothing), then answers with
validators: a 304 when the client has this version, else the content, built
once per programme version.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import UTC
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, request

from ..events.current import EVENT_PREFIX, require_event_version, serve_under_event_slug
from ..events.queries import EventVersion
from ..extensions import db
from ..i18n import LANGUAGES, current_language, localized
from ..models import Event, EventStatus, ProgrammeSession
from ..programme import service as programme
from ..urls import external_url
from ..web import PRIVATE_LINK_HEADERS, accepts_gzip, cache_control, conditional
from . import service
from .content import location_of
from .service import Feed, Format

bp = Blueprint("calendar", __name__, url_prefix=EVENT_PREFIX)
serve_under_event_slug(bp, feeds=True)

# Public feeds may be reused for five minutes, then are checked again (cheaply: a 304).
PUBLIC = cache_control(max_age=300)
# An attendee's feed carries their key: never in a shared cache, checked every time.
PRIVATE = cache_control(max_age=0, private=True)
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"


def feed_language(default: str) -> str:
    """?lang=, else ``default``; never the cookie or Accept-Language, so that a
    subscribed address gives every client the same content."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return default if default in LANGUAGES else "zh"


def serve_feed(event: EventVersion | Event, feed: Feed, form: Format, filename: str,
               private: bool = False, language: str | None = None):
    """The feed as ``filename``: a 304 when the client has this version, else the content,
    built once per content and process. A ``private`` feed is an attendee's own."""
    lang = feed_language(language or event.default_locale)
    gzipped = accepts_gzip()

    def produce() -> Response:
        body = service.build(db.session, event, feed, form, lang)
        if gzipped:
            # A feed of a large programme shrinks many times over: less to send on every poll.
            body = gzip.compress(body, mtime=0)
        response = Response(body, mimetype=form.mimetype)
        response.headers.set("Content-Disposition", "inline", filename=filename)
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
        return response

    content = service.content_key(event, feed, form, lang)
    validators = service.validators(content, service.last_modified(event, feed), gzipped)
    # A draft's feeds are for its organizers' eyes: no shared cache may keep them.
    private = private or event.status == EventStatus.DRAFT
    headers = [("Vary", "Accept-Encoding"), *(PRIVATE_LINK_HEADERS if private else ())]
    return conditional(validators, produce, PRIVATE if private else PUBLIC, headers,
                       content_key=(content, private, gzipped))


@bp.get("/calendar.ics")
def programme_calendar():
    event = require_event_version()
    return serve_feed(event, service.PROGRAMME, Format.ICS, f"{event.slug}.ics")


@bp.get("/forums/<slug>/calendar.ics")
def forum_calendar(slug: str):
    event = require_event_version()
    forum = programme.find_forum(db.session, event, slug) or abort(404)
    return serve_feed(event, service.forum_feed(forum), Format.ICS, f"{event.slug}-{slug}.ics")


@bp.get("/sessions/<int:session_id>.ics")
def session_calendar(session_id: int):
    event = require_event_version()
    item = programme.find_session(db.session, event, session_id) or abort(404)
    return serve_feed(event, service.session_feed(item), Format.ICS,
                      f"{event.slug}-session-{session_id}.ics")


@bp.get("/schedule.xml")
def schedule_xml():
    event = require_event_version()
    return serve_feed(event, service.PROGRAMME, Format.XML, "schedule.xml")


@bp.get("/schedule.json")
def schedule_json():
    event = require_event_version()
    return serve_feed(event, service.PROGRAMME, Format.JSON, "schedule.json")


@bp.get("/schedule.csv")
def schedule_csv():
    event = require_event_version()
    return serve_feed(event, service.PROGRAMME, Format.CSV, f"{event.slug}.csv")


# --- links for pages -------------------------------------------------------


@dataclass(frozen=True)
class CalendarLinks:
    download: str
    subscribe: str
    google: str


@bp.app_template_global()
def calendar_links(endpoint: str, **values) -> CalendarLinks:
    """A feed's addresses in the reader's language: to download once, to subscribe
    to (webcal://, which calendar apps open), and to add to Google Calendar."""
    url = external_url(endpoint, lang=current_language(), **values)
    subscribe = "webcal://" + url.split("://", 1)[1]
    return CalendarLinks(url, subscribe, f"{GOOGLE_CALENDAR}?cid={quote(subscribe, safe='')}")


@bp.app_template_global()
def google_event_link(item: ProgrammeSession) -> str:
    """Google Calendar's form for adding one session, filled in."""
    lang = current_language()
    event = item.event
    query = {
        "action": "TEMPLATE",
        "text": localized(item, "title", lang),
        "dates": "/".join(moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
                          for moment in (item.starts_at, item.ends_at)),
        "details": external_url("programme.session_detail", event_slug=event.slug,
                                session_id=item.id, lang=lang),
        "location": location_of(item, localized(event, "venue", lang), lang),
        "ctz": event.timezone,
    }
    return f"{GOOGLE_CALENDAR}?{urlencode(query)}"
