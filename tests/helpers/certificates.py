"""Certificates of attendance: opening them and checking people in, as tests need."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from summit.extensions import db
from summit.models import Event, Registration, utcnow


def certificates_open(hours: float) -> None:
    """Certificates open ``hours`` from now (negative: since then)."""
    db.session.scalars(select(Event)).first().certificates_from = (
        utcnow() + timedelta(hours=hours))
    db.session.commit()


def check_in(registration_id: int) -> None:
    db.session.get(Registration, registration_id).checked_in_at = utcnow()
    db.session.commit()
