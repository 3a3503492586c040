"""The REST API as another system uses it: a token made as an administrator would, and
its header; a group mail whose status it reads."""

from __future__ import annotations

from datetime import datetime

from summit.api.tokens import create_token
from summit.extensions import db
from summit.mailings import service as mailings
from summit.models import ApiScope, Event, Role, User
from summit.urls import serving_at

from .accounts import password_hash
from .registrations import LINK_BASE

API = "/api/v1"
PROBLEM = "application/problem+json"


def make_token(app, event_id: int, *scopes: ApiScope, name: str = "test system") -> str:
    """A new token of ``event_id`` with ``scopes`` (every scope when none is named),
    made by a site administrator; returns its secret."""
    with app.app_context():
        _token, secret = create_token(db.session, _administrator(), event_id, name,
                                      scopes or list(ApiScope))
        return secret


def _administrator() -> User:
    admin = db.session.scalars(db.select(User).where(User.role == Role.ADMIN)).first()
    if admin is None:
        admin = User(email="token-maker@example.org", role=Role.ADMIN,
                     password_hash=password_hash("token-maker-password"))
        db.session.add(admin)
        db.session.commit()
    return admin


def make_mailing(app, event_id: int, subject: str, *, send: bool = False,
                 send_at: datetime | None = None) -> int:
    """A group mail to everyone, written by a site administrator: a draft, sent now
    (``send``) or scheduled (``send_at``); its id."""
    with app.app_context(), serving_at(LINK_BASE):
        author = _administrator()
        event = db.session.get(Event, event_id)
        mailing = mailings.save_draft(db.session, author, event, None, mailings.MailingPlan(
            subject_zh=subject, body_zh="您好，{name}。"))
        if send:
            mailings.send_now(db.session, author, mailing)
        elif send_at is not None:
            mailings.schedule(db.session, author, mailing, send_at)
        return mailing.id


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def api_person(**overrides) -> dict:
    """A registration's body, as the form's fields filled in by 刘韵洁, then ``overrides``."""
    body = {"full_name": "刘韵洁", "latin_name": "Liu Yunjie",
            "email": "liu.yunjie@pml.example.cn", "organisation": "紫金山实验室",
            "job_title": "首席科学家", "phone": "+86 138 0013 8000", "consent": True}
    body.update(overrides)
    return body
