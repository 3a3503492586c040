"""The one iCalendar builder: the event and its sessions in, RFC 5545 bytes out.

Every feed (the whole programme, a forum, one session, an attendee's own
agenda) and the .ics attached to mails come from ``calendar()``. Pure: no
request, no database; the caller passes the sessions with their forums and
speakers loaded, the language, and the addresses. icalendar builds the
calendar's own properties and the VTIMEZONE; each session is written as
content lines directly, for speed (see ``_vevent``).

What calendar clients need and peers get wrong: a VTIMEZONE with the zone's
real rules (icalendar derives it from the tz database), DTSTART/DTEND with that
TZID, a UID that never changes, SEQUENCE and LAST-MODIFIED so that clients take
updates, cancelled sessions kept with STATUS:CANCELLED.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from icalendar import Calendar, Component, Timezone
from icalendar.prop import vDuration, vText, vUri

from ..i18n import localized
from ..models import Event, ProgrammeSession
from .content import location_of, room_key, speaker_line, stable_id, without_control_characters

PRODID = "-//Summit//Summit conference programme//EN"
# How often subscribed clients should fetch the feed again (RFC 7986 and Outlook's name).
REFRESH_INTERVAL = timedelta(hours=1)
LINE_LIMIT = 75  # octets per line, CRLF not counted (RFC 5545 §3.1)


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
        without_control_characters(value)
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
) -> bytes:
    """A VCALENDAR holding ``sessions`` in ``lang``, titled ``name``, as bytes.

    ``stamp`` is when this content last changed (the DTSTAMP of every VEVENT);
    ``site`` names the installation in UIDs; ``session_url`` gives each session's
    page. Call within ``force_locale`` of ``lang`` for the few UI words inside.
    """
    envelope = Calendar()
    envelope["PRODID"] = vText(PRODID)
    envelope["VERSION"] = vText("2.0")
    envelope["CALSCALE"] = vText("GREGORIAN")
    envelope["METHOD"] = vText("PUBLISH")
    envelope["NAME"] = Text(name)
    envelope["X-WR-CALNAME"] = Text(name)
    theme = localized(event, "theme", lang)
    if theme:
        envelope["DESCRIPTION"] = Text(theme)
        envelope["X-WR-CALDESC"] = Text(theme)
    envelope["X-WR-TIMEZONE"] = vText(event.timezone)
    envelope["URL"] = vUri(event_url)
    envelope["REFRESH-INTERVAL"] = vDuration(REFRESH_INTERVAL, params={"VALUE": "DURATION"})
    envelope["X-PUBLISHED-TTL"] = vDuration(REFRESH_INTERVAL)
    envelope.add_component(timezone_component(event.timezone, *_zone_range(event)))

    common = _Common(
        event=event,
        zone=ZoneInfo(event.timezone),
        lang=lang,
        venue=localized(event, "venue", lang),
        dtstamp=_utc(stamp),
        site=site,
        speakers_label=_("Speakers:"),
    )
    vevents = b"".join(_vevent(item, common, session_url(item)) for item in sessions)
    return serialize(envelope, inner=vevents)


@dataclass
class _Common:
    """What every VEVENT of one calendar shares, worked out once."""

    event: Event
    zone: ZoneInfo
    lang: str
    venue: str
    dtstamp: str
    site: str
    speakers_label: str
    locations: dict[tuple[str, str], str] = field(default_factory=dict)

    def location(self, item: ProgrammeSession) -> str:
        key = room_key(item)
        if key not in self.locations:
            self.locations[key] = location_of(item, self.venue, self.lang)
        return self.locations[key]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _vevent(item: ProgrammeSession, common: _Common, url: str) -> bytes:
    """One session as VEVENT content lines.

    Written directly rather than through icalendar's property objects: with those a
    1,000-session feed missed the cold build's target (bench/feeds.py,
    bench/FINDINGS.md). The values are the same: DATE-TIME in UTC or with the
    event's TZID, TEXT escaped by ``escape_text``, and both parsers read them back
    in the tests.
    """
    lang, tzid = common.lang, common.event.timezone
    starts, ends = item.starts_at.astimezone(common.zone), item.ends_at.astimezone(common.zone)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{stable_id(common.site, common.event, 'session', item.id)}",
        f"DTSTAMP:{common.dtstamp}",
        f"CREATED:{_utc(item.created_at)}",
        f"LAST-MODIFIED:{_utc(item.updated_at)}",
        f"SEQUENCE:{item.sequence}",
        f"DTSTART;TZID={tzid}:{starts.strftime('%Y%m%dT%H%M%S')}",
        f"DTEND;TZID={tzid}:{ends.strftime('%Y%m%dT%H%M%S')}",
        f"SUMMARY:{escape_text(localized(item, 'title', lang))}",
        f"DESCRIPTION:{escape_text(_description(item, common, url))}",
    ]
    location = common.location(item)
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    lines.append(f"URL:{url}")
    lines.append(f"CATEGORIES:{escape_text(localized(item.forum, 'name', lang))}")
    if item.cancelled:
        # Kept, so that calendars remove it; and no longer making anyone busy.
        lines += ["STATUS:CANCELLED", "TRANSP:TRANSPARENT"]
    else:
        lines.append("STATUS:CONFIRMED")
    lines.append("END:VEVENT")
    return b"".join(fold(line.encode()) for line in lines)


def _description(item: ProgrammeSession, common: _Common, url: str) -> str:
    """The abstract, the speakers, and the session's page (which some calendars
    show only here)."""
    parts = []
    abstract = localized(item, "abstract", common.lang).strip()
    if abstract:
        parts.append(abstract)
    speakers = [speaker_line(speaker, common.lang) for speaker in item.speakers]
    if speakers:
        parts.append(common.speakers_label + "\n" + "\n".join(speakers))
    parts.append(url)
    return "\n\n".join(parts)


# --- writing ---------------------------------------------------------------


def serialize(component: Component, inner: bytes = b"") -> bytes:
    """An icalendar component as RFC 5545 bytes, with ``inner`` (content lines
    already written) before its END line: CRLF line ends, lines folded at 75
    octets between UTF-8 characters.

    icalendar's own ``to_ical()`` writes the same content lines but folds them
    one character at a time in Python; this writer folds whole byte runs.
    """
    lines: list[bytes] = []
    _write(component, lines, inner)
    return b"".join(lines)


def _write(component: Component, lines: list[bytes], inner: bytes = b"") -> None:
    lines.append(f"BEGIN:{component.name}\r\n".encode())
    for name, values in component.items():
        for value in values if isinstance(values, list) else [values]:
            params = value.params.to_ical() if value.params else b""
            head = name.encode() + (b";" + params if params else b"") + b":"
            text = value.to_ical()  # bytes, or str for a few types (UTC offsets)
            lines.append(fold(head + (text.encode() if isinstance(text, str) else text)))
    for subcomponent in component.subcomponents:
        _write(subcomponent, lines)
    lines.append(inner)
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
