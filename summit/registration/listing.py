"""The organizers' list of registrations: search, filters, sorting and pages.

A page costs the same few queries whatever its size: one count, one for the
rows, one for their seats (with forums joined). Filters use the indexed columns
(event and status, created_at, the seat's registration and forum); text search
is a case-insensitive substring match on both SQLite and PostgreSQL.

Sorted by name or organisation, the order is pinyin's (summit.collation), which no
database collation gives alike on SQLite and PostgreSQL: the matching rows' ids and
names are read, sorted in Python and cut into the page (bench/admin.py measures it);
the names' keys are cached.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..collation import name_key, sort_key
from ..models import (
    Answer,
    Event,
    Forum,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    Seat,
    SeatStatus,
)
from ..paging import Page, page_number

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50

# Confirmed first, then waiting, then cancelled: the order an organizer reads them in.
_STATUS_RANK = case(
    {
        RegistrationStatus.CONFIRMED.value: 0,
        RegistrationStatus.WAITLISTED.value: 1,
        RegistrationStatus.CANCELLED.value: 2,
    },
    value=Registration.status,
    else_=3,
)

SORTS = {
    "created": (Registration.created_at,),
    "status": (_STATUS_RANK, Registration.created_at),
}

# Sorted in pinyin order in Python: the columns each sort reads, and the key of a row of them.
COLLATED_SORTS = {
    "name": ((Registration.full_name,), lambda row: (name_key(row[0]),)),
    "organisation": (
        (Registration.organisation, Registration.full_name),
        lambda row: (sort_key(row[0]), name_key(row[1])),
    ),
}


@dataclass(frozen=True)
class AnswerMatch:
    """Registrations whose answer to one question is (or holds) a value, as the answer's
    JSON text says it (``questions.answer_match`` makes one): ``equals`` the whole text
    ('"vegetarian"', 'true'), ``contains`` an element of a list ('"halal"'), or with
    neither, ``answered`` or not."""

    question_id: int
    equals: str | None = None
    contains: str | None = None
    answered: bool = True


@dataclass(frozen=True)
class RegistrationQuery:
    """What the organizer asked the list for."""

    search: str = ""
    status: RegistrationStatus | None = None
    # Any of these statuses (a group mail's "everyone but the cancelled").
    statuses: tuple[RegistrationStatus, ...] | None = None
    category: RegistrationCategory | None = None
    forum_id: int | None = None
    # With ``forum_id``, a seat in that forum in this state; without, in any forum.
    seat_status: SeatStatus | None = None
    checked_in: bool | None = None
    badge_printed: bool | None = None
    answer: AnswerMatch | None = None
    sort: str = "created"
    descending: bool = True
    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE


def _pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_condition(search: str) -> ColumnElement[bool] | None:
    """Every word must appear in the name, the Latin name, the email or the organisation
    (刘韵洁, "liu yunjie", "@pml.example", "紫金山" all find the same person)."""
    conditions = []
    for term in search.split():
        pattern = _pattern(term)
        conditions.append(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (
                        Registration.full_name,
                        Registration.latin_name,
                        Registration.email,
                        Registration.organisation,
                    )
                )
            )
        )
    return and_(*conditions) if conditions else None


def _conditions(event_id: int, query: RegistrationQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Registration.event_id == event_id]
    text = search_condition(query.search)
    if text is not None:
        conditions.append(text)
    if query.status is not None:
        conditions.append(Registration.status == query.status)
    if query.statuses is not None:
        conditions.append(Registration.status.in_(query.statuses))
    if query.category is not None:
        conditions.append(Registration.category == query.category)
    if query.forum_id is not None or query.seat_status is not None:
        seat = [Seat.registration_id == Registration.id]
        if query.forum_id is not None:
            seat.append(Seat.forum_id == query.forum_id)
        seat.append(Seat.status == query.seat_status if query.seat_status is not None
                    else Seat.status != SeatStatus.CANCELLED)
        conditions.append(exists().where(*seat))
    if query.checked_in is not None:
        column = Registration.checked_in_at
        conditions.append(column.is_not(None) if query.checked_in else column.is_(None))
    if query.badge_printed is not None:
        column = Registration.badge_printed_at
        conditions.append(column.is_not(None) if query.badge_printed else column.is_(None))
    if query.answer is not None:
        conditions.append(_answer_condition(query.answer))
    return conditions


def conditions(event_id: int, query: RegistrationQuery) -> list[ColumnElement[bool]]:
    """The WHERE clause of the registrations the query matches (search, filters), for
    another statement over them (a group mail's recipients)."""
    return _conditions(event_id, query)


def _answer_condition(match: AnswerMatch) -> ColumnElement[bool]:
    """The JSON value read as its text, the same on SQLite and PostgreSQL (a ``json``
    column keeps the text it was given)."""
    found = [Answer.registration_id == Registration.id, Answer.question_id == match.question_id]
    text = cast(Answer.value, String)
    if match.equals is not None:
        found.append(text == match.equals)
    elif match.contains is not None:
        found.append(text.like(_pattern(match.contains), escape="\\"))
    answered = exists().where(*found)
    return answered if match.answered else ~answered


def _order(query: RegistrationQuery) -> list:
    columns = SORTS.get(query.sort, SORTS["created"])
    order = [column.desc() if query.descending else column.asc() for column in columns]
    # The id breaks ties, so that no row appears on two pages.
    order.append(Registration.id.desc() if query.descending else Registration.id.asc())
    return order


def _ordered(event_id: int, query: RegistrationQuery):
    return (
        select(Registration)
        .where(*_conditions(event_id, query))
        .order_by(*_order(query))
        .options(selectinload(Registration.seats).joinedload(Seat.forum))
    )


def _collated_ids(session: Session, event_id: int, query: RegistrationQuery) -> list[int]:
    """The ids of every matching registration in pinyin order (the id breaks ties)."""
    columns, key = COLLATED_SORTS[query.sort]
    rows = session.execute(
        select(Registration.id, *columns).where(*_conditions(event_id, query))
    ).all()
    rows.sort(key=lambda row: (*key(row[1:]), row.id), reverse=query.descending)
    return [row.id for row in rows]


def _in_order(rows: list, ids: list[int], id_of) -> list:
    position = {row_id: index for index, row_id in enumerate(ids)}
    return sorted(rows, key=lambda row: position[id_of(row)])


def count(session: Session, event: Event, query: RegistrationQuery) -> int:
    return session.scalar(
        select(func.count()).select_from(Registration).where(*_conditions(event.id, query))
    )


def list_page(session: Session, event: Event, query: RegistrationQuery) -> Page:
    """One page of the list; a page number past the end shows the last page."""
    ids = _collated_ids(session, event.id, query) if query.sort in COLLATED_SORTS else None
    total = count(session, event, query) if ids is None else len(ids)
    per_page = query.per_page if query.per_page in PAGE_SIZES else DEFAULT_PAGE_SIZE
    page = page_number(query.page, total, per_page)
    start = (page - 1) * per_page
    if ids is None:
        items = session.scalars(_ordered(event.id, query).limit(per_page).offset(start)).all()
    else:
        wanted = ids[start:start + per_page]
        items = _in_order(
            session.scalars(_ordered(event.id, query).where(Registration.id.in_(wanted))).all(),
            wanted, lambda registration: registration.id,
        )
    return Page(items=list(items), total=total, page=page, per_page=per_page)


def matching_rows(session: Session, event: Event, query: RegistrationQuery, columns) -> list:
    """These columns of every registration the query matches, in its order, as plain
    rows: an export of thousands builds no ORM objects. ``columns`` start with the id."""
    statement = select(*columns).where(*_conditions(event.id, query))
    if query.sort not in COLLATED_SORTS:
        return session.execute(statement.order_by(*_order(query))).all()
    ids = _collated_ids(session, event.id, query)
    return _in_order(session.execute(statement).all(), ids, lambda row: row[0])


def matching_seats(
    session: Session, event: Event, query: RegistrationQuery
) -> dict[int, list[tuple[str, SeatStatus]]]:
    """(forum slug, seat status) of the seats held or queued for, by registration id,
    for every registration the query matches."""
    matching = select(Registration.id).where(*_conditions(event.id, query))
    rows = session.execute(
        select(Seat.registration_id, Forum.slug, Seat.status)
        .join(Forum, Forum.id == Seat.forum_id)
        .where(Seat.registration_id.in_(matching), Seat.status != SeatStatus.CANCELLED)
        .order_by(Forum.position, Forum.id)
    )
    seats: dict[int, list[tuple[str, SeatStatus]]] = {}
    for registration_id, slug, status in rows:
        seats.setdefault(registration_id, []).append((slug, status))
    return seats


def matching_answers(
    session: Session, event: Event, query: RegistrationQuery
) -> dict[int, dict[int, object]]:
    """Question id → answer of every registration the query matches, by registration id."""
    matching = select(Registration.id).where(*_conditions(event.id, query))
    answers: dict[int, dict[int, object]] = {}
    for registration_id, question_id, value in session.execute(
        select(Answer.registration_id, Answer.question_id, Answer.value)
        .where(Answer.registration_id.in_(matching))
    ):
        answers.setdefault(registration_id, {})[question_id] = value
    return answers


def checked_in_progress(session: Session, event: Event) -> tuple[int, int]:
    """(checked in, expected): confirmed registrations that have arrived, and all of them."""
    arrived, expected = session.execute(
        select(
            func.count(Registration.checked_in_at),
            func.count(),
        ).where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    ).one()
    return arrived, expected


def with_seats(session: Session, event: Event, registration_id: int) -> Registration | None:
    return session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.id == registration_id)
        .options(selectinload(Registration.seats).options(joinedload(Seat.forum)))
    ).first()
