"""An event's public pages, under its slug: the event, the agenda, forums, sessions,
speakers."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, render_template, request, session
from flask_login import current_user

from ..caching import programme_validators
from ..events.current import EVENT_PREFIX, require_event, serve_under_event_slug
from ..extensions import db
from ..i18n import current_language
from ..models import Event, EventStatus
from ..security import DOWNLOAD_POLICY
from ..urls import site_address
from ..web import NOT_STORED, cache_control, conditional
from . import materials, service

bp = Blueprint("programme", __name__, url_prefix=EVENT_PREFIX)
serve_under_event_slug(bp)


def _page(event: Event, template: str, **context) -> Response:
    """A page of the programme, answered with 304 when the visitor holds this version,
    and rendered once per version in each process.

    Its ETag names everything the page shows: the programme's version, the address
    with its query, the language, the site's address (calendar links) and who is
    signed in. Rendering, and the queries it needs, happen only for a 200: pass
    callables in ``context`` for values that need queries."""

    def produce() -> str:
        values = {name: value() if callable(value) else value for name, value in context.items()}
        return render_template(template, event=event, **values)

    if session.get("_flashes"):
        # A message to show once: this answer belongs to this moment only.
        return Response(produce(), mimetype="text/html")
    user = current_user.get_id() if current_user.is_authenticated else None
    validators = programme_validators(
        event, "page", event.status.value, request.path, sorted(request.args.items(multi=True)),
        current_language(), site_address(), user,
    )
    # Browsers check back on every view (a cheap 304); a signed-in organizer's copy
    # stays in their own browser.
    return conditional(validators, produce, cache_control(max_age=0, private=bool(user)),
                       [("Vary", "Cookie, Accept-Language")])


@bp.get("/")
def home():
    return _page(require_event(), "programme/home.html")


@bp.get("/agenda")
def agenda():
    event = require_event()
    selected = None
    if slug := request.args.get("forum"):
        selected = service.find_forum(db.session, event, slug) or abort(404)

    return _page(event, "programme/agenda.html", selected_forum=selected,
                 days=lambda: service.agenda_of(db.session, event, selected))


@bp.get("/forums/<slug>")
def forum(slug: str):
    event = require_event()
    found = service.find_forum(db.session, event, slug) or abort(404)

    return _page(event, "programme/forum.html", forum=found,
                 days=lambda: service.agenda_of(db.session, event, found))


@bp.get("/sessions/<int:session_id>")
def session_detail(session_id: int):
    event = require_event()
    found = service.find_session(db.session, event, session_id) or abort(404)
    return _page(event, "programme/session.html", item=found,
                 materials=lambda: materials.materials_of(db.session, found))


@bp.get("/sessions/<int:session_id>/materials/<int:material_id>.pdf")
def material_download(session_id: int, material_id: int):
    """A session's slides, always as a file to save: never shown inside our pages' origin."""
    event = require_event()
    found = materials.find_material(db.session, event, session_id, material_id)
    if found is None or not found.is_file:
        abort(404)
    response = Response(materials.read_file(found), mimetype=materials.PDF)
    response.headers.set("Content-Disposition", "attachment", **{
        "filename": materials.ascii_filename(found.filename),
        "filename*": f"UTF-8''{quote(found.filename)}"})
    response.headers["Content-Security-Policy"] = DOWNLOAD_POLICY
    response.headers["Cache-Control"] = (NOT_STORED if event.status == EventStatus.DRAFT
                                         else cache_control(max_age=300))
    return response


@bp.get("/speakers")
def speakers():
    event = require_event()
    return _page(event, "programme/speakers.html",
                 speakers=lambda: service.speakers_of(db.session, event))


@bp.get("/speakers/<int:speaker_id>")
def speaker_detail(speaker_id: int):
    event = require_event()
    found = service.find_speaker(db.session, event, speaker_id) or abort(404)
    return _page(event, "programme/speaker.html", speaker=found,
                 sessions=lambda: service.sessions_of_speaker(db.session, found))


@bp.get("/speakers/<int:speaker_id>/photo")
def speaker_photo(speaker_id: int):
    event = require_event()
    found = service.find_speaker(db.session, event, speaker_id)
    if found is None or not found.has_photo:
        abort(404)
    # A new photo is a programme change, so the version in the ETag covers it.
    validators = programme_validators(event, "photo", speaker_id)
    return conditional(validators, lambda: Response(found.photo, mimetype=found.photo_type),
                       cache_control(max_age=0))

