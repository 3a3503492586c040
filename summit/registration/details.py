"""What an attendee tells us about themselves, and the address that names them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..models import Registration, RegistrationCategory
from .queries import BY_EMAIL


@dataclass(frozen=True)
class AttendeeDetails:
    """What an attendee tells us about themselves (``forms.attendee_details`` reads it
    from a form)."""

    full_name: str
    email: str
    latin_name: str = ""
    phone: str = ""
    organisation: str = ""
    job_title: str = ""
    category: RegistrationCategory = RegistrationCategory.DELEGATE
    locale: str = "zh"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(session: Session, event_id: int, email: str) -> Registration | None:
    return session.scalars(
        BY_EMAIL, {"event_id": event_id, "email": normalise_email(email)}
    ).first()
