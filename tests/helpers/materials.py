"""Session materials as the organizers' screens add them, and what tests read back."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from summit.extensions import db
from summit.models import ProgrammeSession, SessionMaterial

from .admin_pages import ADMIN
from .pages import csrf_token


def keynote_id(app) -> int:
    """Liu Yunjie's keynote on future networks."""
    with app.app_context():
        return db.session.scalars(select(ProgrammeSession.id).where(
            ProgrammeSession.title_en.startswith("Future networks"))).one()


def materials_page(session_id: int) -> str:
    return f"{ADMIN}/sessions/{session_id}/materials"


def upload(client, session_id: int, data: bytes, filename: str, title: str = "", token=None):
    page = materials_page(session_id)
    return client.post(f"{page}/slides", data={
        "csrf_token": token if token is not None else csrf_token(client, page),
        "title": title, "file": (io.BytesIO(data), filename),
    }, content_type="multipart/form-data")


def add_link(client, session_id: int, url: str, kind: str = "video", title: str = ""):
    page = materials_page(session_id)
    return client.post(f"{page}/link", data={
        "csrf_token": csrf_token(client, page), "kind": kind, "title": title, "url": url})


def stored(app) -> list[SessionMaterial]:
    with app.app_context():
        found = db.session.scalars(select(SessionMaterial).order_by(SessionMaterial.id)).all()
        db.session.expunge_all()
        return found


def download_links(html: str) -> list[str]:
    return re.findall(r'href="(/[^"]+/materials/\d+\.pdf)"', html)
