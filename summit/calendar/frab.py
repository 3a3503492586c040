"""The frab schedule ("Fahrplan"), as XML and JSON: the format that pentabarf, frab
and pretalx export and Giggity, EventFahrplan, pyfahrplan and info-beamer read.

``schedule()`` arranges the sessions once (days → rooms → events, tracks =
forums, persons = speakers); ``to_xml()`` and ``to_json()`` write that one
arrangement, as ../shared/conformance/schedule.xml.xsd and schedule.schema.json
define them, with every text free of control characters. Every event carries the
fields that pretalx always sends, empty when Summit has nothing for them: some
clients read them unconditionally. Pure: no request, no database.

A session's materials go in ``attachments`` (slides, type ``slides``, linking to their
download) and ``links`` (videos and recordings, type ``media``).

Cancelled sessions are left out: schedule clients have no status to show, and
they flag a session that disappears from a newer version as cancelled.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib.metadata import version as package_version
from zoneinfo import ZoneInfo

from ..i18n import localized
from ..labels import MATERIAL_KINDS, SESSION_KINDS
from ..models import Event, ProgrammeSession, SessionMaterial, Speaker
from ..web import safe_colour
from .content import room_key, room_of, stable_id, without_control_characters

SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
GENERATOR = "Summit"
SLUG_WORDS = re.compile(r"[^a-z0-9]+")


@dataclass
class Person:
    id: int
    guid: str
    name: str
    biography: str


@dataclass(frozen=True)
class Reference:
    """A link or an attachment of a talk (the schemas' "Reference")."""

    type: str
    url: str
    title: str


@dataclass
class Talk:
    """One frab "event": a session as schedule clients see it."""

    id: int
    guid: str
    slug: str
    starts: datetime  # in the event's time zone
    ends: datetime
    room: str
    title: str
    track: str
    type: str
    language: str
    abstract: str
    url: str
    persons: list[Person]
    links: list[Reference] = field(default_factory=list)
    attachments: list[Reference] = field(default_factory=list)

    @property
    def duration(self) -> str:
        return _hours_minutes(int((self.ends - self.starts).total_seconds() // 60))


@dataclass(frozen=True)
class Room:
    name: str
    guid: str


@dataclass
class Track:
    name: str
    slug: str
    colour: str


@dataclass
class Day:
    index: int
    date: date
    starts: datetime
    ends: datetime
    rooms: dict[Room, list[Talk]] = field(default_factory=dict)


@dataclass
class Schedule:
    version: str
    acronym: str
    title: str
    description: str
    starts_on: date
    ends_on: date
    time_zone_name: str
    timeslot_duration: str
    base_url: str
    url: str
    schedule_url: str
    tracks: list[Track]
    rooms: list[Room]
    days: list[Day]

    @property
    def days_count(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def acronym(event: Event) -> str:
    """The event's slug as both schemas accept it: embedded-china-2020 → embedded_china_2020."""
    return SLUG_WORDS.sub("_", event.slug.lower()).strip("_").ljust(4, "_")


def schedule(
    event: Event,
    sessions: Iterable[ProgrammeSession],
    *,
    lang: str,
    site: str,
    base_url: str,
    event_url: str,
    schedule_url: str,
    session_url: Callable[[ProgrammeSession], str],
    materials: dict[int, list[SessionMaterial]] | None = None,
    material_url: Callable[[SessionMaterial], str] | None = None,
) -> Schedule:
    """The sessions arranged by local day and room, in ``lang``; GUIDs from ``site``
    (the same as the iCal UIDs), links to ``session_url``; each session's
    ``materials`` (by session id), files linked to ``material_url``."""
    zone = ZoneInfo(event.timezone)
    short_name = acronym(event)
    held = [item for item in sessions if not item.cancelled]
    kinds = {kind: str(label) for kind, label in SESSION_KINDS.items()}
    people: dict[int, Person] = {}

    def text(thing: object, name: str) -> str:
        return without_control_characters(localized(thing, name, lang))

    def person(speaker: Speaker) -> Person:
        if speaker.id not in people:
            people[speaker.id] = Person(
                id=speaker.id,
                guid=stable_id(site, event, "speaker", speaker.id),
                name=text(speaker, "name"),
                biography=text(speaker, "bio"),
            )
        return people[speaker.id]

    def references(item: ProgrammeSession, files: bool) -> list[Reference]:
        return [
            Reference(
                type="slides" if files else "media",
                url=material_url(material) if files else material.url,
                title=without_control_characters(
                    material.title or str(MATERIAL_KINDS[material.kind])),
            )
            for material in (materials or {}).get(item.id, [])
            if material.is_file == files
        ]

    rooms: dict[tuple[str, str], Room] = {}
    days: dict[date, Day] = {}
    for item in sorted(held, key=lambda s: (s.starts_at, s.forum.position, s.id)):
        starts, ends = item.starts_at.astimezone(zone), item.ends_at.astimezone(zone)
        key = room_key(item)
        if key not in rooms:
            rooms[key] = Room(without_control_characters(room_of(item, lang)),
                              stable_id(site, event, "room", "|".join(key)))
        room = rooms[key]
        day = days.get(starts.date())
        if day is None:
            day = days[starts.date()] = Day(0, starts.date(), starts, ends)
        day.ends = max(day.ends, ends)
        title_en = SLUG_WORDS.sub("-", item.title_en.lower()).strip("-")[:60].strip("-")
        day.rooms.setdefault(room, []).append(Talk(
            id=item.id,
            guid=stable_id(site, event, "session", item.id),
            slug=f"{short_name}-{item.id}-{title_en or 'session'}",
            starts=starts,
            ends=ends,
            room=room.name,
            title=text(item, "title"),
            track=text(item.forum, "name"),
            type=kinds[item.kind],
            language=lang,
            abstract=text(item, "abstract"),
            url=session_url(item),
            persons=[person(speaker) for speaker in item.speakers],
            links=references(item, files=False),
            attachments=references(item, files=True),
        ))
    ordered_days = [days[day] for day in sorted(days)] or [_empty_day(event, zone)]
    for index, day in enumerate(ordered_days, start=1):
        day.index = index
    return Schedule(
        version=str(event.programme_version),
        acronym=short_name,
        title=text(event, "name"),
        description=text(event, "theme"),
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        time_zone_name=event.timezone,
        timeslot_duration=_timeslot(held, zone),
        base_url=base_url,
        url=event_url,
        schedule_url=schedule_url,
        tracks=[
            Track(
                text(forum, "name"),
                forum.slug,
                safe_colour(forum.colour),
            )
            for forum in event.forums
        ],
        rooms=list(rooms.values()),
        days=ordered_days,
    )


def _empty_day(event: Event, zone: ZoneInfo) -> Day:
    """Both schemas want at least one day, even before the programme is out."""
    midnight = datetime.combine(event.starts_on, datetime.min.time(), tzinfo=zone)
    return Day(1, event.starts_on, midnight, midnight)


def _timeslot(sessions: list[ProgrammeSession], zone: ZoneInfo) -> str:
    """The coarsest grid, up to an hour, that every start and end falls on."""
    minutes = 60
    for item in sessions:
        for moment in (item.starts_at.astimezone(zone), item.ends_at.astimezone(zone)):
            minutes = math.gcd(minutes, moment.minute)
    return _hours_minutes(max(minutes, 5))


def _hours_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _generator_version() -> str:
    return package_version("summit")


# --- XML -------------------------------------------------------------------


def _element(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element


def to_xml(plan: Schedule) -> bytes:
    root = ET.Element("schedule")
    _element(root, "generator", name=GENERATOR, version=_generator_version())
    _element(root, "url", plan.schedule_url)
    _element(root, "version", plan.version)
    conference = _element(root, "conference")
    _element(conference, "acronym", plan.acronym)
    _element(conference, "title", plan.title)
    _element(conference, "start", plan.starts_on.isoformat())
    _element(conference, "end", plan.ends_on.isoformat())
    _element(conference, "days", str(plan.days_count))
    _element(conference, "timeslot_duration", plan.timeslot_duration)
    _element(conference, "base_url", plan.base_url)
    _element(conference, "url", plan.url)
    _element(conference, "time_zone_name", plan.time_zone_name)
    for track in plan.tracks:
        # The XSD's track slugs must start with a letter, which forum slugs need not.
        _element(conference, "track", track.name, name=track.name, color=track.colour)
    for day in plan.days:
        day_element = _element(
            root, "day", date=day.date.isoformat(), start=day.starts.isoformat(),
            end=day.ends.isoformat(), index=str(day.index),
        )
        for room, talks in day.rooms.items():
            room_element = _element(day_element, "room", name=room.name, guid=room.guid)
            for talk in talks:
                _talk_xml(room_element, talk)
    ET.indent(root)
    # Serialised to str and encoded once: ElementTree writing UTF-8 itself passes every
    # fragment through a codec, which cost more than building the tree.
    document = ET.tostring(root, encoding="unicode")
    return f"<?xml version='1.0' encoding='utf-8'?>\n{document}\n".encode()


def _talk_xml(parent: ET.Element, talk: Talk) -> None:
    element = _element(parent, "event", id=str(talk.id), guid=talk.guid)
    _element(element, "date", talk.starts.isoformat())
    _element(element, "start", talk.starts.strftime("%H:%M"))
    _element(element, "duration", talk.duration)
    _element(element, "room", talk.room)
    _element(element, "slug", talk.slug)
    _element(element, "url", talk.url)
    _element(element, "title", talk.title)
    _element(element, "subtitle")
    _element(element, "track", talk.track)
    _element(element, "type", talk.type)
    _element(element, "language", talk.language)
    _element(element, "abstract", talk.abstract)
    _element(element, "description", talk.abstract)
    _element(element, "logo")
    recording = _element(element, "recording")
    _element(recording, "license")
    _element(recording, "optout", "false")
    persons = _element(element, "persons")
    for person in talk.persons:
        _element(persons, "person", person.name, id=str(person.id), guid=person.guid)
    links = _element(element, "links")
    for link in talk.links:
        _element(links, "link", link.title, href=link.url, type=link.type)
    attachments = _element(element, "attachments")
    for attachment in talk.attachments:
        _element(attachments, "attachment", attachment.title, href=attachment.url,
                 type=attachment.type)


# --- JSON ------------------------------------------------------------------


def to_json(plan: Schedule) -> bytes:
    document = {
        "$schema": SCHEMA_URL,
        "generator": {"name": GENERATOR, "version": _generator_version()},
        "schedule": {
            "url": plan.schedule_url,
            "version": plan.version,
            "base_url": plan.base_url,
            "conference": {
                "acronym": plan.acronym,
                "title": plan.title,
                "description": plan.description,
                "start": plan.starts_on.isoformat(),
                "end": plan.ends_on.isoformat(),
                "daysCount": plan.days_count,
                "timeslot_duration": plan.timeslot_duration,
                "time_zone_name": plan.time_zone_name,
                "url": plan.url,
                "tracks": [
                    {"name": t.name, "slug": t.slug, "color": t.colour} for t in plan.tracks
                ],
                "rooms": [{"name": room.name, "guid": room.guid} for room in plan.rooms],
                "days": [
                    {
                        "index": day.index,
                        "date": day.date.isoformat(),
                        "day_start": day.starts.isoformat(),
                        "day_end": day.ends.isoformat(),
                        "rooms": {
                            room.name: [_talk_json(talk) for talk in talks]
                            for room, talks in day.rooms.items()
                        },
                    }
                    for day in plan.days
                ],
            },
        },
    }
    # Not indented: only then does the json module use its C encoder (bench/FINDINGS.md);
    # schedule apps do not care, and people have jq.
    return json.dumps(document, ensure_ascii=False).encode() + b"\n"


def _talk_json(talk: Talk) -> dict:
    return {
        "guid": talk.guid,
        "id": talk.id,
        "date": talk.starts.isoformat(),
        "start": talk.starts.strftime("%H:%M"),
        "end": talk.ends.isoformat(),
        "duration": talk.duration,
        "room": talk.room,
        "slug": talk.slug,
        "url": talk.url,
        "title": talk.title,
        "subtitle": "",
        "track": talk.track,
        "type": talk.type,
        "language": talk.language,
        "abstract": talk.abstract,
        # Summit's one text about a session: pretalx's longer description, where it has one.
        "description": talk.abstract,
        "logo": "",
        "recording_license": "",
        # Summit keeps no opt-outs from recording.
        "do_not_record": False,
        # "name" as pretalx writes it today, "public_name" for older readers; no
        # numeric "id" here, which would make the person match both person schemas.
        "persons": [
            {"guid": p.guid, "name": p.name, "public_name": p.name, "biography": p.biography}
            for p in talk.persons
        ],
        "links": [_reference_json(link) for link in talk.links],
        "attachments": [_reference_json(attachment) for attachment in talk.attachments],
    }


def _reference_json(reference: Reference) -> dict:
    return {"type": reference.type, "url": reference.url, "title": reference.title}
