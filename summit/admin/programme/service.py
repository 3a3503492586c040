"""Changing the programme: each change checks the rules, applies, writes its audit
entry and commits in one transaction, or raises ``Rejected`` and changes nothing.

Changes that the rules must see whole (session times and rooms, capacities) run
under the event's lock, so two organizers saving at once cannot both take the
last free hour of a room.
"""

from __future__ import annotations

from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ... import audit
from ...audit import AuditAction
from ...database import begin_write
from ...events.service import EventError, check_new_slug, moved
from ...models import (
    CoHost,
    Event,
    Forum,
    ProgrammeSession,
    SessionSpeaker,
    Speaker,
    User,
    WebhookKind,
)
from ...registration import seats
from ...registration.errors import CapacityBelowTaken
from ...webhooks import queue_change
from . import rules
from .rules import Problem

# What the audit log records of each kind of object (photos: only whether there is one).
FIELDS: dict[str, tuple[str, ...]] = {
    "event": (
        "slug", "name_zh", "name_en", "theme_zh", "theme_en", "description_zh",
        "description_en", "city_zh", "city_en", "venue_zh", "venue_en", "starts_on", "ends_on",
        "timezone", "default_locale", "website", "contact_email", "registration_opens_at",
        "registration_closes_at", "capacity", "show_both_languages",
        "allow_overlapping_forums", "badge_layout", "certificates_from",
    ),
    "co_host": ("name_zh", "name_en", "role", "website", "position"),
    "forum": (
        "slug", "kind", "name_zh", "name_en", "description_zh", "description_en", "room_zh",
        "room_en", "capacity", "colour", "position",
    ),
    "speaker": (
        "name_zh", "name_en", "honorific_zh", "honorific_en", "affiliation_zh",
        "affiliation_en", "bio_zh", "bio_en", "photo_type",
    ),
    "session": (
        "forum_id", "kind", "title_zh", "title_en", "abstract_zh", "abstract_en", "starts_at",
        "ends_at", "room_zh", "room_en", "cancelled",
    ),
}
OBJECT_TYPES = {Event: "event", CoHost: "co_host", Forum: "forum", Speaker: "speaker",
                ProgrammeSession: "session"}


class Rejected(Exception):
    """The change breaks rules; nothing was saved."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


def _state(obj: object) -> dict[str, Any]:
    state = audit.snapshot(obj, FIELDS[OBJECT_TYPES[type(obj)]])
    if isinstance(obj, ProgrammeSession):
        state["speakers"] = [link.speaker.name_zh or link.speaker.name_en
                             for link in obj.speaker_links]
    return state


def _label(obj: object) -> str:
    for name in ("title_zh", "title_en", "name_zh", "name_en", "slug"):
        if value := getattr(obj, name, ""):
            return value
    return ""


def _refuse(session: Session, *problems: Problem) -> NoReturn:
    """Undo whatever this transaction did, and say why."""
    session.rollback()
    raise Rejected(list(problems))


def _event_id(obj: object) -> int:
    """The event an edited object belongs to (the event itself, or its ``event_id``)."""
    return obj.id if isinstance(obj, Event) else obj.event_id


def _save(session: Session, actor: User, obj: object, before: dict | None) -> None:
    """Write the audit entry of a created or changed object, and commit."""
    session.flush()
    after = _state(obj)
    object_type = OBJECT_TYPES[type(obj)]
    if before is None:
        audit.record(session, actor, AuditAction.CREATE, object_type, obj.id, _label(obj),
                     after=after, event_id=_event_id(obj))
    else:
        changed_before, changed_after = audit.changes(before, after)
        if changed_after:
            audit.record(session, actor, AuditAction.UPDATE, object_type, obj.id, _label(obj),
                         before=changed_before, after=changed_after, event_id=_event_id(obj))
    session.commit()


def _apply(obj: object, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(obj, name, value)


def _capacity_problem(field: str, taken: int) -> Problem:
    return Problem(field, ngettext(
        "%(num)d place is taken already; the capacity cannot be lower.",
        "%(num)d places are taken already; the capacity cannot be lower.", taken))


# --- the event ---------------------------------------------------------------


def save_event(
    session: Session, actor: User, event: Event | None, values: dict[str, Any],
    move_sessions: bool = False,
) -> Event:
    """Create the event or change its settings. Its sessions must stay within its
    dates (with ``move_sessions``, a new first day moves every session by as many days,
    at the same time on the event's clock); its capacity cannot drop below the confirmed
    registrations, and places it adds go to the waiting list."""
    values = dict(values)
    capacity = values.pop("capacity")
    if event is None:
        try:
            check_new_slug(session, values["slug"])
        except EventError as refused:
            _refuse(session, Problem("slug", str(refused)))
        event = Event(**values, capacity=capacity)
        session.add(event)
        _save(session, actor, event, None)
        return event
    begin_write(session)
    locked = seats.lock_event(session, event.id)
    event = locked.event
    days = (values["starts_on"] - event.starts_on).days
    if move_sessions and days:
        _move_sessions(session, event, days)
    outside = rules.sessions_outside(session, event, values["starts_on"], values["ends_on"],
                                     values["timezone"])
    if outside:
        _refuse(session, Problem("starts_on", ngettext(
            "%(num)d session would fall outside these dates; move it first.",
            "%(num)d sessions would fall outside these dates; move them first.", outside)))
    before = _state(event)
    _apply(event, values)
    try:
        seats.set_event_capacity(session, locked, capacity)
    except CapacityBelowTaken as refused:
        _refuse(session, _capacity_problem("capacity", refused.taken))
    _save(session, actor, event, before)
    return event


def _move_sessions(session: Session, event: Event, days: int) -> None:
    """Every session of ``event`` ``days`` later (earlier when negative), at the same
    time of day on the event's clock."""
    zone = ZoneInfo(event.timezone)
    for item in session.scalars(select(ProgrammeSession)
                                .where(ProgrammeSession.event_id == event.id)):
        item.starts_at = moved(item.starts_at, days, zone)
        item.ends_at = moved(item.ends_at, days, zone)
    session.flush()


# --- co-hosts, forums, speakers ------------------------------------------------


def _next_position(session: Session, model, event: Event) -> int:
    last = session.scalar(select(func.max(model.position)).where(model.event_id == event.id))
    return 0 if last is None else last + 1


def save_co_host(
    session: Session, actor: User, event: Event, co_host: CoHost | None, values: dict[str, Any]
) -> CoHost:
    before = None
    if co_host is None:
        co_host = CoHost(event=event, position=_next_position(session, CoHost, event))
        session.add(co_host)
    else:
        before = _state(co_host)
    _apply(co_host, values)
    _save(session, actor, co_host, before)
    return co_host


def save_forum(
    session: Session,
    actor: User,
    event: Event,
    forum: Forum | None,
    values: dict[str, Any],
) -> Forum:
    """Short names are unique within the event; the capacity cannot drop below the
    seats taken, and seats it adds go to the first in line (who are mailed)."""
    values = dict(values)
    capacity = values.pop("capacity")
    forum_id = forum.id if forum is not None else None
    begin_write(session)
    locked = seats.lock_event(session, event.id)
    event = locked.event
    clash = select(Forum.id).where(Forum.event_id == event.id, Forum.slug == values["slug"])
    if forum_id is not None:
        clash = clash.where(Forum.id != forum_id)
    if session.scalar(clash) is not None:
        _refuse(session, Problem("slug", _("Another forum has this short name.")))
    before = None
    if forum_id is None:
        forum = Forum(event=event, position=_next_position(session, Forum, event))
        session.add(forum)
    else:
        forum = session.get(Forum, forum_id)
        before = _state(forum)
    _apply(forum, values)
    try:
        seats.set_forum_capacity(session, locked, forum, capacity)
    except CapacityBelowTaken as refused:
        _refuse(session, _capacity_problem("capacity", refused.taken))
    _save(session, actor, forum, before)
    return forum


def save_speaker(
    session: Session,
    actor: User,
    event: Event,
    speaker: Speaker | None,
    values: dict[str, Any],
    photo: tuple[bytes, str] | None = None,
    remove_photo: bool = False,
) -> Speaker:
    """``photo``: a checked image and its media type (see ``photos.prepare``)."""
    before = None
    if speaker is None:
        speaker = Speaker(event=event)
        session.add(speaker)
    else:
        before = _state(speaker)
    _apply(speaker, values)
    if photo is not None:
        speaker.photo, speaker.photo_type = photo
    elif remove_photo:
        speaker.photo, speaker.photo_type = None, ""
    _save(session, actor, speaker, before)
    return speaker


# --- sessions -------------------------------------------------------------------


def save_session(
    session: Session,
    actor: User,
    event: Event,
    item: ProgrammeSession | None,
    values: dict[str, Any],
    speaker_ids: list[int],
) -> ProgrammeSession:
    """Check times, room and speakers against the rest of the programme under the
    event's lock, then save the session with its speakers in the order given. Every
    change raises the session's SEQUENCE (see models), so calendars update."""
    item_id = item.id if item is not None else None
    begin_write(session)
    event = seats.lock_event(session, event.id).event
    forum = session.get(Forum, values["forum_id"])
    speakers = {
        speaker.id: speaker
        for speaker in session.scalars(
            select(Speaker).where(Speaker.event_id == event.id, Speaker.id.in_(speaker_ids))
        )
    }
    if forum is None or forum.event_id != event.id:
        _refuse(session, Problem("forum_id", _("Choose one of the event's forums.")))
    if len(speakers) != len(set(speaker_ids)):
        _refuse(session, Problem("speakers", _("Choose speakers of this event.")))
    plan = rules.SessionPlan(
        forum=forum,
        starts_at=values["starts_at"],
        ends_at=values["ends_at"],
        room_zh=values["room_zh"],
        room_en=values["room_en"],
        cancelled=values["cancelled"],
        speaker_ids=speaker_ids,
        id=item_id,
    )
    if problems := rules.session_problems(session, event, plan):
        _refuse(session, *problems)
    before = None
    if item_id is None:
        item = ProgrammeSession(event=event)
        session.add(item)
    else:
        item = session.get(ProgrammeSession, item_id)
        before = _state(item)
    _apply(item, values)
    links = {link.speaker_id: link for link in item.speaker_links}
    item.speaker_links = [links.get(speaker_id) or SessionSpeaker(speakers[speaker_id])
                          for speaker_id in speaker_ids]
    for position, link in enumerate(item.speaker_links):
        link.position = position
    if before is not None and _state(item) != before:
        cancelled = item.cancelled and not before["cancelled"]
        queue_change(session, event.id, WebhookKind.SESSION_CANCELLED if cancelled
                     else WebhookKind.SESSION_CHANGED, session_id=item.id)
    _save(session, actor, item, before)
    return item


# --- deleting and ordering ----------------------------------------------------------


def delete(session: Session, actor: User, obj: object) -> None:
    """Delete a co-host, forum, speaker or session (a forum with its sessions)."""
    before = _state(obj)
    object_type, object_id, label = OBJECT_TYPES[type(obj)], obj.id, _label(obj)
    event_id = _event_id(obj)
    if isinstance(obj, ProgrammeSession):
        queue_change(session, event_id, WebhookKind.SESSION_CANCELLED, session_id=object_id)
    session.delete(obj)
    audit.record(session, actor, AuditAction.DELETE, object_type, object_id, label, before=before,
                 event_id=event_id)
    session.commit()


def move(session: Session, actor: User, obj: CoHost | Forum, step: int) -> None:
    """Move a co-host or forum one place up (``step`` -1) or down (+1) in its event's order."""
    model = type(obj)
    siblings = list(session.scalars(
        select(model).where(model.event_id == obj.event_id).order_by(model.position, model.id)
    ))
    index = siblings.index(obj)
    target = index + step
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    before = obj.position
    for position, sibling in enumerate(siblings):
        sibling.position = position
    audit.record(session, actor, AuditAction.MOVE, OBJECT_TYPES[model], obj.id, _label(obj),
                 before={"position": before}, after={"position": obj.position},
                 event_id=obj.event_id)
    session.commit()
