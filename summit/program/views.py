"""Public pages: the event, the agenda, forums, sessions, speakers; the health check."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from . import service
from .current import require_event

bp = Blueprint("program", __name__)


@bp.get("/")
def home():
    event = require_event()
    return render_template("program/home.html", event=event)


@bp.get("/agenda")
def agenda():
    event = require_event()
    sessions = service.programme_sessions(db.session, event)
    selected = None
    if slug := request.args.get("forum"):
        selected = service.find_forum(db.session, event, slug)
        if selected is None:
            abort(404)
        sessions = [item for item in sessions if item.forum_id == selected.id]
    return render_template(
        "program/agenda.html",
        event=event,
        days=service.agenda(sessions, event),
        selected_forum=selected,
    )


@bp.get("/forums/<slug>")
def forum(slug: str):
    event = require_event()
    found = service.find_forum(db.session, event, slug) or abort(404)
    sessions = [item for item in service.programme_sessions(db.session, event)
                if item.forum_id == found.id]
    return render_template(
        "program/forum.html", event=event, forum=found, days=service.agenda(sessions, event)
    )


@bp.get("/sessions/<int:session_id>")
def session_detail(session_id: int):
    event = require_event()
    found = service.find_session(db.session, event, session_id) or abort(404)
    return render_template("program/session.html", event=event, item=found)


@bp.get("/speakers")
def speakers():
    event = require_event()
    return render_template(
        "program/speakers.html", event=event, speakers=service.speakers_of(db.session, event)
    )


@bp.get("/speakers/<int:speaker_id>")
def speaker_detail(speaker_id: int):
    event = require_event()
    found = service.find_speaker(db.session, event, speaker_id) or abort(404)
    return render_template(
        "program/speaker.html",
        event=event,
        speaker=found,
        sessions=service.sessions_of_speaker(db.session, found),
    )


@bp.get("/speakers/<int:speaker_id>/photo")
def speaker_photo(speaker_id: int):
    event = require_event()
    found = service.find_speaker(db.session, event, speaker_id)
    if found is None or not found.has_photo:
        abort(404)
    return Response(found.photo, mimetype=found.photo_type)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok"}
