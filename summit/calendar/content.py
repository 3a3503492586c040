"""What a session says in one language, the same in every feed and export."""

from __future__ import annotations

import re
import uuid

from flask_babel import gettext as _

from ..i18n import localized
from ..models import Event, ProgrammeSession, Speaker

# Fixed forever: iCal UIDs and schedule GUIDs are derived from it.
NAMESPACE = uuid.UUID("6f1e5a43-27c4-4f0e-9a55-3c3e2f6f7b1d")
# Control characters other than tab and line breaks, which iCal TEXT (RFC 5545 §3.3.11)
# may not hold, nor XML 1.0 (with U+FFFE and U+FFFF), and which JSON and CSV readers
# trip over: no export carries them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def without_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def stable_id(site: str, event: Event, kind: str, key: object) -> str:
    """A UUID for one session, speaker or room: the same in every feed, export,
    mail and language, and different for two events or two sites that happen to
    number their sessions alike."""
    return str(uuid.uuid5(NAMESPACE, f"{site}/{event.slug}/{kind}/{key}"))


def room_of(item: ProgrammeSession, lang: str) -> str:
    """The session's own room, or else its forum's."""
    if item.room_zh or item.room_en:
        return localized(item, "room", lang)
    return localized(item.forum, "room", lang)


def location_of(item: ProgrammeSession, venue: str, lang: str) -> str:
    """Room and venue, as a calendar's location. Within ``force_locale`` of ``lang``."""
    room = room_of(item, lang)
    if room and venue:
        return _("%(room)s, %(venue)s", room=room, venue=venue)
    return room or venue


def room_key(item: ProgrammeSession) -> tuple[str, str]:
    """The room in both languages: the same room whatever language a feed is in."""
    if item.room_zh or item.room_en:
        return item.room_zh, item.room_en
    return item.forum.room_zh, item.forum.room_en


def speaker_line(speaker: Speaker, lang: str) -> str:
    """何积丰院士（中国科学院院士，华东师范大学） / Academician He Jifeng (…)."""
    name = localized(speaker, "name", lang)
    honorific = localized(speaker, "honorific", lang)
    affiliation = localized(speaker, "affiliation", lang)
    if lang == "zh":
        return f"{name}{honorific}" + (f"（{affiliation}）" if affiliation else "")
    return f"{honorific} {name}".strip() + (f" ({affiliation})" if affiliation else "")
