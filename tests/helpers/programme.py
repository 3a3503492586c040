"""The demo's programme looked up by name, and the programme editor's forms as they would
be sent."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from summit.extensions import db
from summit.models import Event, Forum, ProgrammeSession, Speaker


def session_by_title(title_en: str) -> ProgrammeSession:
    return db.session.scalars(
        select(ProgrammeSession).where(ProgrammeSession.title_en == title_en)).one()


def forum_by_slug(slug: str) -> Forum:
    return db.session.scalars(select(Forum).where(Forum.slug == slug)).one()


def speaker_by_name(name_en: str) -> Speaker:
    return db.session.scalars(select(Speaker).where(Speaker.name_en == name_en)).one()


def local(moment: datetime) -> str:
    """How the form shows a time: in Nanjing, to the minute."""
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def session_fields(item: ProgrammeSession | None = None, **changes) -> dict:
    """The session form as it would be sent for ``item`` unchanged, then ``changes``."""
    fields = {"title_zh": "", "title_en": "", "forum_id": "", "kind": "talk", "starts_at": "",
              "ends_at": "", "room_zh": "", "room_en": "", "abstract_zh": "", "abstract_en": ""}
    speakers: list[int] = []
    if item is not None:
        fields.update(
            title_zh=item.title_zh, title_en=item.title_en, forum_id=item.forum_id,
            kind=item.kind.value, starts_at=local(item.starts_at) if item.starts_at else "",
            ends_at=local(item.ends_at) if item.ends_at else "",
            room_zh=item.room_zh, room_en=item.room_en, abstract_zh=item.abstract_zh,
            abstract_en=item.abstract_en)
        if item.cancelled:
            fields["cancelled"] = "y"
        speakers = [link.speaker_id for link in item.speaker_links]
    speakers = changes.pop("speakers", speakers)
    fields.update(changes)
    for index, speaker_id in enumerate([*speakers, 0, 0]):
        fields[f"speakers-{index}"] = speaker_id
    return fields


def event_fields(event: Event, **changes) -> dict:
    """The event's settings form as it would be sent for ``event`` unchanged, then ``changes``."""
    fields = {name: getattr(event, name) or "" for name in (
        "name_zh", "name_en", "theme_zh", "theme_en", "city_zh", "city_en", "venue_zh",
        "venue_en", "description_zh", "description_en", "timezone", "default_locale", "website",
        "contact_email", "badge_layout")}
    fields.update(starts_on=event.starts_on.isoformat(), ends_on=event.ends_on.isoformat(),
                  capacity="" if event.capacity is None else event.capacity)
    if event.show_both_languages:
        fields["show_both_languages"] = "y"
    fields.update(changes)
    return fields
