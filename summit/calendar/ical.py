"""The one iCalendar builder: the event and its sessions in, RFC 5545 bytes out.

Every feed (the whole programme, a forum, one session, an attendee's own
agenda) and the .ics attached to mails come from ``calendar()`` and
``serialize()``. Pure: no request, no database; the caller passes the sessions
with their forums and speakers loaded, the language, and the addresses.

What calendar clients need and peers get wrong: a VTIMEZONE with the zone's
real rules (icalendar derives it from the tz database), DTSTART/DTEND with that
TZID, a UID that never changes, SEQUENCE and LAST-MODIFIED so that clients take
updates, cancelled sessions kept with STATUS:CANCELLED.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from icalendar import Calendar, Component, Timezone
from icalendar import Event as VEvent
from icalendar.prop import vCategory, vDDDTypes, vDuration, vInt, vText, vUri

from ..i18n import localized
from ..models import Event, ProgrammeSession
from .content import location_of, speaker_line, stable_id

PRODID = "-//Summit//Summit conference programme//EN"
# How often subscribed clients should fetch the feed again (RFC 7986 and Outlook's name).
REFRESH_INTERVAL = timedelta(hours=1)
LINE_LIMIT = 75  # octets per line, CRLF not counted (RFC 5545 §3.1)
# Control characters that TEXT may not hold (RFC 5545 §3.3.11); line breaks are escaped.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Text(vText):
    """A TEXT value escaped exactly as RFC 5545 §3.3.11 says.

    icalendar 7.3's vText first turns a literal backslash followed by ``N`` into a
    line break (``C:\\New`` would arrive as ``C:`` and ``ew`` on the next line);
    escaping the backslash first keeps every character as the organizer typed it.
    """

    def to_ical(self) -> bytes:
        return escape_text(self).encode()


def escape_text(value: str) -> str:
    return (
        CONTROL_CHARACTERS.sub("", value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


@functools.lru_cache(maxsize=8)
def timezone_component(tzid: str, first: date, last: date) -> Timezone:
    """The VTIMEZONE with the zone's real transitions between ``first`` and ``last``
    (for Asia/Shanghai: +0800, and the daylight saving time of 1986–1991).
    Built once per zone: icalendar walks the tz database to derive it."""
    return Timezone.from_tzid(tzid, first_date=first, last_date=last)


def _zone_range(event: Event) -> tuple[date, date]:
    return (
        min(Timezone.DEFAULT_FIRST_DATE, event.starts_on - timedelta(days=366)),
        max(Timezone.DEFAULT_LAST_DATE, event.ends_on + timedelta(days=366)),
    )


def calendar(
    event: Event,
    sessions: Iterable[ProgrammeSession],
    *,
    name: str,
    lang: str,
    stamp: datetime,
    site: str,
    event_url: str,
    session_url: Callable[[ProgrammeSession], str],
) -> Calendar:
    """A VCALENDAR holding ``sessions`` in ``lang``, titled ``name``.

    ``stamp`` is when this content last changed (the DTSTAMP of every VEVENT);
    ``site`` names the installation in UIDs; ``session_url`` gives each session's
    page. Call within ``force_locale`` of ``lang`` for the few UI words inside.
    """
    zone = ZoneInfo(event.timezone)
    feed = Calendar()
    feed["PRODID"] = vText(PRODID)
    feed["VERSION"] = vText("2.0")
    feed["CALSCALE"] = vText("GREGORIAN")
    feed["METHOD"] = vText("PUBLISH")
    feed["NAME"] = Text(name)
    feed["X-WR-CALNAME"] = Text(name)
    theme = localized(event, "theme", lang)
    if theme:
        feed["DESCRIPTION"] = Text(theme)
        feed["X-WR-CALDESC"] = Text(theme)
    feed["X-WR-TIMEZONE"] = vText(event.timezone)
    feed["URL"] = vUri(event_url)
    feed["REFRESH-INTERVAL"] = vDuration(REFRESH_INTERVAL, params={"VALUE": "DURATION"})
    feed["X-PUBLISHED-TTL"] = vDuration(REFRESH_INTERVAL)
    feed.add_component(timezone_component(event.timezone, *_zone_range(event)))

    venue = localized(event, "venue", lang)
    dtstamp = vDDDTypes(stamp)
    for item in sessions:
        feed.add_component(
            _vevent(item, event, zone, lang, venue, dtstamp, site, session_url(item))
        )
    return feed


def _vevent(
    item: ProgrammeSession,
    event: Event,
    zone: ZoneInfo,
    lang: str,
    venue: str,
    dtstamp: vDDDTypes,
    site: str,
    url: str,
) -> VEvent:
    vevent = VEvent()
    vevent["UID"] = vText(stable_id(site, event, "session", item.id))
    vevent["DTSTAMP"] = dtstamp
    vevent["CREATED"] = vDDDTypes(item.created_at)
    vevent["LAST-MODIFIED"] = vDDDTypes(item.updated_at)
    vevent["SEQUENCE"] = vInt(item.sequence)
    vevent["DTSTART"] = vDDDTypes(item.starts_at.astimezone(zone))
    vevent["DTEND"] = vDDDTypes(item.ends_at.astimezone(zone))
    vevent["SUMMARY"] = Text(localized(item, "title", lang))
    vevent["DESCRIPTION"] = Text(_description(item, lang, url))
    location = location_of(item, venue, lang)
    if location:
        vevent["LOCATION"] = Text(location)
    vevent["URL"] = vUri(url)
    categories = vCategory([])
    categories.cats = [Text(localized(item.forum, "name", lang))]
    vevent["CATEGORIES"] = categories
    if item.cancelled:
        vevent["STATUS"] = vText("CANCELLED")
        # A cancelled session no longer makes anyone busy.
        vevent["TRANSP"] = vText("TRANSPARENT")
    else:
        vevent["STATUS"] = vText("CONFIRMED")
    return vevent


def _description(item: ProgrammeSession, lang: str, url: str) -> str:
    parts = []
    abstract = localized(item, "abstract", lang).strip()
    if abstract:
        parts.append(abstract)
    speakers = [speaker_line(speaker, lang) for speaker in item.speakers]
    if speakers:
        parts.append(_("Speakers:") + "\n" + "\n".join(speakers))
    parts.append(url)
    return "\n\n".join(parts)


# --- writing ---------------------------------------------------------------


def serialize(component: Component) -> bytes:
    """The component as RFC 5545 bytes: CRLF line ends, lines folded at 75 octets
    between UTF-8 characters.

    icalendar's own ``to_ical()`` writes the same content lines but folds them
    one character at a time in Python, which takes about half a second for a
    programme of 1,000 sessions; this writer folds whole byte runs instead.
    """
    lines: list[bytes] = []
    _write(component, lines)
    return b"".join(lines)


def _write(component: Component, lines: list[bytes]) -> None:
    lines.append(f"BEGIN:{component.name}\r\n".encode())
    for name, values in component.items():
        for value in values if isinstance(values, list) else [values]:
            params = value.params.to_ical() if value.params else b""
            head = name.encode() + (b";" + params if params else b"") + b":"
            text = value.to_ical()  # bytes, or str for a few types (UTC offsets)
            lines.append(fold(head + (text.encode() if isinstance(text, str) else text)))
    for subcomponent in component.subcomponents:
        _write(subcomponent, lines)
    lines.append(f"END:{component.name}\r\n".encode())


def fold(line: bytes) -> bytes:
    """One content line, folded: no physical line longer than 75 octets, no UTF-8
    character split, and (as icalendar does, for older clients) no backslash
    escape split from the character it escapes."""
    if len(line) <= LINE_LIMIT:
        return line + b"\r\n"
    pieces = []
    start, limit = 0, LINE_LIMIT
    while len(line) - start > limit:
        cut = start + limit
        while line[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: step back
            cut -= 1
        backslashes = 0
        while cut - backslashes - 1 > start and line[cut - backslashes - 1] == 0x5C:
            backslashes += 1
        if backslashes % 2:  # the last one starts an escape: keep "\," together
            cut -= 1
        pieces.append(line[start:cut])
        # Continuation lines begin with a space, which counts towards their 75 octets.
        start, limit = cut, LINE_LIMIT - 1
    pieces.append(line[start:])
    return b"\r\n ".join(pieces) + b"\r\n"
