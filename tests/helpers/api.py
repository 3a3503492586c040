"""The REST API as another system uses it: a token made as an administrator would, and
its header."""

from __future__ import annotations

from summit.api.tokens import create_token
from summit.extensions import db
from summit.models import ApiScope, Role, User

from .accounts import password_hash

API = "/api/v1"
PROBLEM = "application/problem+json"


def make_token(app, event_id: int, *scopes: ApiScope, name: str = "test system") -> str:
    """A new token of ``event_id`` with ``scopes`` (every scope when none is named),
    made by a site administrator; returns its secret."""
    with app.app_context():
        admin = db.session.scalars(db.select(User).where(User.role == Role.ADMIN)).first()
        if admin is None:
            admin = User(email="token-maker@example.org", role=Role.ADMIN,
                         password_hash=password_hash("token-maker-password"))
            db.session.add(admin)
            db.session.commit()
        _token, secret = create_token(db.session, admin, event_id, name,
                                      scopes or list(ApiScope))
        return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def api_person(**overrides) -> dict:
    """A registration's body, as the form's fields filled in by 刘韵洁, then ``overrides``."""
    body = {"full_name": "刘韵洁", "latin_name": "Liu Yunjie",
            "email": "liu.yunjie@pml.example.cn", "organisation": "紫金山实验室",
            "job_title": "首席科学家", "phone": "+86 138 0013 8000", "consent": True}
    body.update(overrides)
    return body
