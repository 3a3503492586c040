"""What the REST API reads and does: the public programme (never a draft), an event's
registrations page by page, and the registration operations, each through the same
service the form and the desk use (``registration.service``, ``checkin.service``).

The services queue the webhooks of each change themselves (``summit.webhooks``), in
the change's transaction, whichever path made it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.datastructures import MultiDict

from ..checkin.service import Scan
from ..checkin.sync import scan_through_api
from ..events.current import find_event_version
from ..events.queries import EventVersion
from ..mailings import service as mailings
from ..models import (
    Event,
    EventStatus,
    Forum,
    Mailing,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Seat,
    SeatStatus,
)
from ..registration import questions, service
from ..registration.details import AttendeeDetails, normalise_email
from ..registration.seats import seats_left
from .tokens import Bearer

PAGE_SIZE = 50
# A change is dated when it is made and seen once it commits, a moment later (a new
# registration waits for the event's lock): ``updated_since`` looks back this much
# further, so that a client that polls with its last poll's time misses nothing.
UPDATED_SINCE_LOOK_BACK = timedelta(seconds=30)
PAGE_SIZE_MAX = 200


# --- the public programme -----------------------------------------------------------


def public_event_version(session: Session, slug: str) -> EventVersion | None:
    """The event named ``slug`` if the public may see it: never a draft, whoever asks."""
    found = find_event_version(session, slug) if len(slug) <= 64 else None
    if found is None or found.status == EventStatus.DRAFT:
        return None
    return found


def public_events(session: Session) -> list[Event]:
    """Published and archived events, the latest first."""
    return list(session.scalars(
        select(Event).where(Event.status != EventStatus.DRAFT)
        .order_by(Event.starts_on.desc(), Event.id.desc())))


def forums_with_seats_left(session: Session, event_id: int) -> list[tuple[Forum, int | None]]:
    """Every forum of the event in its order, with its free seats (None: no limit)."""
    forums = list(session.scalars(select(Forum).where(Forum.event_id == event_id)
                                  .order_by(Forum.position, Forum.id)))
    free = seats_left(session, forums)
    return [(forum, free[forum.id]) for forum in forums]


# --- registrations, read ----------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationFilter:
    status: RegistrationStatus | None = None
    category: str | None = None
    forum: str | None = None
    email: str | None = None
    updated_since: datetime | None = None


@dataclass(frozen=True)
class RegistrationPage:
    items: list[Registration]
    next_cursor: str | None


class BadCursor(ValueError):
    pass


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor continues after; BadCursor for anything this API did not write."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(cursor) from None
    prefix, _, number = text.partition(":")
    if prefix != "after" or not number.isdigit() or len(number) > 18:
        raise BadCursor(cursor)
    return int(number)


def _loaded(statement):
    return statement.options(selectinload(Registration.seats).joinedload(Seat.forum),
                             selectinload(Registration.answers))


def registration_page(session: Session, event_id: int, wanted: RegistrationFilter,
                      after_id: int = 0, size: int = PAGE_SIZE) -> RegistrationPage:
    """The event's registrations that ``wanted`` selects, oldest first, after the one
    with id ``after_id``: a cursor that holds however many are added meanwhile."""
    conditions = [Registration.event_id == event_id, Registration.id > after_id]
    if wanted.status is not None:
        conditions.append(Registration.status == wanted.status)
    if wanted.category:
        conditions.append(Registration.category == wanted.category)
    if wanted.email:
        conditions.append(Registration.email == normalise_email(wanted.email))
    if wanted.forum:
        conditions.append(exists().where(
            Seat.registration_id == Registration.id, Seat.status != SeatStatus.CANCELLED,
            Seat.forum_id == select(Forum.id).where(Forum.event_id == event_id,
                                                   Forum.slug == wanted.forum)
            .scalar_subquery()))
    if wanted.updated_since is not None:
        since = _looked_back(wanted.updated_since)
        # A seat moved up from a waiting list changes the registration too.
        conditions.append(or_(
            Registration.updated_at >= since,
            exists().where(Seat.registration_id == Registration.id, Seat.updated_at >= since)))
    rows = list(session.scalars(_loaded(
        select(Registration).where(*conditions).order_by(Registration.id).limit(size + 1))))
    more = len(rows) > size
    items = rows[:size]
    return RegistrationPage(items, encode_cursor(items[-1].id) if more else None)


def _looked_back(moment: datetime) -> datetime:
    """``moment`` in UTC, UPDATED_SINCE_LOOK_BACK earlier; at the calendar's ends, its
    first or last moment."""
    try:
        return moment.astimezone(UTC) - UPDATED_SINCE_LOOK_BACK
    except OverflowError:
        return (datetime.min if moment.year == datetime.min.year else datetime.max
                ).replace(tzinfo=UTC)


def find_registration(session: Session, event_id: int, registration_id: int) -> Registration | None:
    """One registration with its seats and answers, in one statement (a page of them
    loads those in one more statement each: ``_loaded``)."""
    return session.scalars(
        select(Registration)
        .where(Registration.event_id == event_id, Registration.id == registration_id)
        .options(joinedload(Registration.seats).joinedload(Seat.forum),
                 joinedload(Registration.answers))
    ).unique().first()


def created_registration(result: service.RegistrationResult, forum_slugs: Mapping[int, str],
                         answers: Mapping[int, Any]) -> SimpleNamespace:
    """The registration ``result`` made, as the schemas read a registration: its columns
    as written, the place and seats the database gave it and the ``answers`` (by
    question id) it was given, with no second look at the database."""
    placement = result.placement
    return SimpleNamespace(
        **{**result.written, "status": placement.status},
        seats=[SimpleNamespace(forum=SimpleNamespace(slug=forum_slugs[forum_id]), status=status)
               for forum_id, status in placement.seats],
        answers=[SimpleNamespace(question_id=question_id, value=value)
                 for question_id, value in answers.items()],
    )


def forum_ids_by_slug(session: Session, event: Event) -> dict[str, int]:
    """The event's parallel forums (those a registration chooses), by slug."""
    return {forum.slug: forum.id for forum in service.choosable_forums(session, event)}


def asked_questions(session: Session, event_id: int, category: str) -> list[Question]:
    return questions.asked_questions(session, event_id, category)


def event_questions(session: Session, event_id: int) -> list[Question]:
    return questions.event_questions(session, event_id)


def answer_sheet(asked: Iterable[Question], answers: Mapping[str, Any]) -> questions.AnswerSheet:
    """The answers a JSON body gave (question id → a string, a number, true/false, a
    list of keys or a date), read by the form's own parser as if typed on the form."""
    typed: MultiDict = MultiDict()
    for question in asked:
        value = answers.get(str(question.id))
        name = questions.field_name(question)
        if isinstance(value, bool):
            typed.add(name, questions.YES if value else questions.NO)
        elif isinstance(value, list) and question.kind == QuestionKind.MULTIPLE:
            for item in value:
                typed.add(name, str(item))
        elif value is not None and not isinstance(value, list | dict):
            typed.add(name, str(value))
    return questions.read_sheet(asked, typed)


# --- registrations, changed -------------------------------------------------------------


def register(session: Session, event: Event, details: AttendeeDetails, forum_ids: list[int],
             sheet: questions.AnswerSheet) -> service.RegistrationResult:
    """The form's registration, mails and all (``registration.service.register``)."""
    return service.register(session, event, details, forum_ids, answers=sheet)


def change_forums(session: Session, registration: Registration, forum_ids: list[int]) -> None:
    service.change_forums(session, registration, forum_ids)


def cancel(session: Session, registration: Registration) -> None:
    service.cancel(session, registration)


def check_in(session: Session, bearer: Bearer, code: str) -> Scan:
    """The desks' scan, with their rules, shown among their latest scans under the
    token's name (``checkin.sync.scan_through_api``)."""
    return scan_through_api(session, bearer.event_id, code, bearer.id, bearer.name)


# --- group mails --------------------------------------------------------------------------


def event_mailings(session: Session, event: Event) -> list[tuple[Mailing, mailings.Progress]]:
    """The event's mailings, the newest first, each with its mails' counts."""
    return mailings.history(session, event)


def find_mailing(session: Session, event: Event,
                 mailing_id: int) -> tuple[Mailing, mailings.Progress] | None:
    found = mailings.mailing_of_event(session, event, mailing_id)
    if found is None:
        return None
    return found, mailings.progress(session, [found.id])[found.id]
