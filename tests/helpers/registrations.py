"""Registrations made the way the tests need them: through the public form, through the
service (as the organizers' screens do), or thousands at once; and what they leave behind."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy
from pathlib import Path

from sqlalchemy import func, insert, select

from summit.extensions import db
from summit.models import (
    Event,
    Forum,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    Seat,
    SeatStatus,
    utcnow,
)
from summit.private_links import new_token, token_digest
from summit.registration import service
from summit.registration.service import AttendeeDetails
from summit.registration.tokens import new_checkin_code
from summit.urls import serving_at

from .pages import DEMO, csrf_token

LINK_BASE = "http://summit.test"
# Two of the demo's parallel forums, both on Thursday afternoon.
CHIP, AI = "chip-machine", "5g-ai-big-data"


def forum_id(slug: str) -> int:
    return db.session.scalars(select(Forum.id).where(Forum.slug == slug)).one()


def set_capacity(model, object_id: int, capacity: int | None) -> None:
    db.session.get(model, object_id).capacity = capacity
    db.session.commit()


def form_fields(**overrides) -> dict:
    """The public registration form, filled in by 刘韵洁, then ``overrides``."""
    fields = {
        "full_name": "刘韵洁",
        "latin_name": "Liu Yunjie",
        "email": "liu.yunjie@pml.example.cn",
        "phone": "+86 138 0013 8000",
        "organisation": "紫金山实验室",
        "job_title": "首席科学家",
        "category": "delegate",
        "consent": "y",
    }
    fields.update(overrides)
    return fields


def post_registration(client, forums=(), **overrides):
    """Register through the public form; returns the response to the POST."""
    data = {"csrf_token": csrf_token(client, f"{DEMO}/register"), "forums": list(forums),
            **form_fields(**overrides)}
    response = client.post(f"{DEMO}/register", data=data)
    response.close()  # runs the mail delivery queued for after the response
    return response


def register(event_id: int, full_name: str, email: str, organisation: str = "东南大学",
             latin_name: str = "", forums=(), category=RegistrationCategory.DELEGATE) -> int:
    """Register through the service, as the organizers' screens do; returns the id."""
    return register_directly(event_id, email, list(forums), full_name,
                             organisation=organisation, latin_name=latin_name,
                             category=category).id


def register_directly(event_id: int, email_address: str, forums: list[int], name="测试者",
                      organisation: str = "东南大学", **details) -> Registration:
    """Register through the service, seats in ``forums`` (ids) taken or queued for."""
    event = db.session.get(Event, event_id)
    attendee = AttendeeDetails(full_name=name, email=email_address, organisation=organisation,
                               **details)
    with serving_at(LINK_BASE):
        return service.register(db.session, event, attendee, forums).registration


def bulk_registrations(event_id: int, count: int, forum_ids=(), prefix: str = "参会者") -> None:
    """``count`` registrations written in a few statements, not through the service,
    each with a seat in every forum of ``forum_ids``."""
    now = utcnow()
    rows = []
    for number in range(count):
        token = new_token()
        rows.append({
            "event_id": event_id,
            "full_name": f"{prefix}{number:05d}",
            "latin_name": f"Guest {number:05d}",
            "email": f"guest{number:05d}@bulk.example.org",
            "organisation": f"单位{number % 37}",
            "category": RegistrationCategory.DELEGATE,
            "status": RegistrationStatus.CONFIRMED,
            "token": token,
            "token_hash": token_digest(token),
            "checkin_code": new_checkin_code(),
            "created_at": now - timedelta(minutes=number),
            "queued_at": now - timedelta(minutes=number),
        })
    db.session.execute(insert(Registration), rows)
    if forum_ids:
        ids = db.session.scalars(
            select(Registration.id).where(Registration.email.like("%@bulk.example.org"))
        ).all()
        db.session.execute(insert(Seat), [
            {"registration_id": rid, "forum_id": fid, "status": SeatStatus.CONFIRMED,
             "queued_at": now}
            for rid in ids for fid in forum_ids
        ])
    db.session.commit()


def registrations() -> list[Registration]:
    return list(db.session.scalars(select(Registration).order_by(Registration.id)))


def count_registrations() -> int:
    return db.session.scalar(select(func.count()).select_from(Registration))


def outbox_mails(app) -> list[email.message.EmailMessage]:
    """The mails written to the instance's outbox folder (no MAIL_SERVER set), oldest first."""
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted((Path(app.instance_path) / "outbox").glob("*.eml"))
    ]


def attend(event_id: int, name: str, email: str, forums=(), **details):
    """Register on the demo event; returns the registration's id, private
    token and check-in code."""
    details.setdefault("organisation", "")
    created = register_directly(event_id, email, [forum_id(slug) for slug in forums], name,
                                **details)
    return created.id, created.token, created.checkin_code
