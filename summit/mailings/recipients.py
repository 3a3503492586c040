"""Whom a mailing goes to: its filter, stored as data on the mailing, read into the
registrations list's query (``registration.listing``), so that the group mail and the
list an organizer filters agree on who is in a group."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session

from ..models import (
    Event,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    SeatStatus,
)
from ..registration import listing, questions

# A mailing's registration status when none is chosen: everyone not cancelled.
NOT_CANCELLED = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


@dataclass(frozen=True)
class RecipientFilter:
    """The group, as stored in ``Mailing.recipients``: empty strings mean "any"."""

    status: str = ""  # a RegistrationStatus; "": confirmed or waiting
    category: str = ""  # a RegistrationCategory
    forum_id: int | None = None
    seat: str = ""  # a SeatStatus: confirmed or waitlisted
    checked_in: str = ""  # "yes" or "no"
    answer: str = ""  # a value of ``questions.filter_options``

    def as_data(self) -> dict[str, Any]:
        return asdict(self)

    def left_by(self, registration: Registration) -> bool:
        """Whether ``registration`` has left the group by cancelling since it was
        queued: a group of cancelled registrations is left by nobody that way."""
        return (registration.status == RegistrationStatus.CANCELLED
                and self.status != RegistrationStatus.CANCELLED.value)

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> RecipientFilter:
        known = {name: value for name, value in (data or {}).items()
                 if name in cls.__dataclass_fields__}
        return cls(**known)


def registration_query(session: Session, event: Event, group: RecipientFilter
                       ) -> listing.RegistrationQuery | None:
    """The list's query for ``group``; None when an answer it asks for is no longer
    offered (nobody, rather than everybody)."""
    answer = None
    if group.answer:
        asked = questions.event_questions(session, event.id, retired=True)
        answer = questions.answer_match(asked, group.answer)
        if answer is None:
            return None
    return listing.RegistrationQuery(
        status=RegistrationStatus(group.status) if group.status else None,
        statuses=None if group.status else NOT_CANCELLED,
        category=RegistrationCategory(group.category) if group.category else None,
        forum_id=group.forum_id,
        seat_status=SeatStatus(group.seat) if group.seat else None,
        checked_in={"yes": True, "no": False}.get(group.checked_in),
        answer=answer,
    )


def _where(session: Session, event: Event, group: RecipientFilter) -> list:
    query = registration_query(session, event, group)
    return [false()] if query is None else listing.conditions(event.id, query)


def count(session: Session, event: Event, group: RecipientFilter) -> int:
    return session.scalar(
        select(func.count()).select_from(Registration).where(*_where(session, event, group)))


def addresses(session: Session, event: Event, group: RecipientFilter) -> Select:
    """A SELECT of (registration id, address) of everyone in the group."""
    return select(Registration.id, Registration.email).where(*_where(session, event, group))


def first(session: Session, event: Event, group: RecipientFilter, email: str = ""
          ) -> Registration | None:
    """A registration of the group to preview the mail for: the one with ``email``
    when given (and in the group), else the first."""
    statement = select(Registration).where(*_where(session, event, group))
    if email:
        statement = statement.where(Registration.email == email.strip().lower())
    return session.scalars(statement.order_by(Registration.id).limit(1)).first()
