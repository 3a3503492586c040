"""The programme editor: the event's settings, and list / create / edit / delete for
co-hosts, forums, speakers and sessions (co-hosts and forums also reorder).

Sections share one editor, one delete confirmation and one reorder view; what
differs between them (the form, how a save is called) is declared per section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import HiddenField
from wtforms.validators import AnyOf

from ...auth.access import role_required
from ...events.current import require_event
from ...extensions import db
from ...models import (
    CoHost,
    Forum,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    Role,
    Seat,
    SeatStatus,
    SessionSpeaker,
    Speaker,
)
from ...outbox import deliver_after_response
from ...programme import photos
from ...programme import service as programme
from ...proposals import availability
from ...registration.seats import seats_taken
from ...sharing import service as sharing
from ...sharing.card import HEIGHT as SHARE_HEIGHT
from ...sharing.card import WIDTH as SHARE_WIDTH
from ...user_input import database_int
from .. import bp
from ..addresses import EVENT
from ..navigation import add_entry
from . import service
from .forms import (
    CoHostForm,
    EventForm,
    ForumForm,
    ProgrammeForm,
    SessionForm,
    ShareImageForm,
    SpeakerForm,
)
from .rules import Problem

guard = role_required(Role.ORGANIZER)
SHARE_IMAGE_SIZE = (SHARE_WIDTH, SHARE_HEIGHT)


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the page around it says what will happen."""


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


@dataclass(frozen=True)
class Section:
    name: str  # endpoint stem and audit object type: forum → admin.forum_edit
    plural: str  # the list's endpoint and address: admin.forums, /admin/<event>/forums
    model: type
    form: type[ProgrammeForm]
    title: Any  # what one of them is called, e.g. "Forum"
    save: Callable  # (form, event, obj or None) -> obj; raises service.Rejected
    orderable: bool = False
    # Saving may give seats to people waiting, whose mails go out after the response.
    sends_mail: bool = False

    @property
    def url(self) -> str:
        return f"{EVENT}/" + self.plural.replace("_", "-")

    @property
    def id_arg(self) -> str:
        return f"{self.name}_id"


def _save_co_host(form, event, co_host):
    return service.save_co_host(db.session, current_user, event, co_host, form.values(event))


def _save_forum(form, event, forum):
    return service.save_forum(db.session, current_user, event, forum, form.values(event))


def _save_speaker(form, event, speaker):
    photo = None
    if form.photo.data:
        try:
            photo = photos.prepare(form.photo.data.read())
        except photos.PhotoRejected as rejected:
            raise service.Rejected([Problem("photo", str(rejected))]) from rejected
    return service.save_speaker(db.session, current_user, event, speaker, form.values(event),
                                photo, form.remove_photo.data)


def _save_session(form, event, item):
    item = service.save_session(db.session, current_user, event, item, form.values(event),
                                form.speaker_ids())
    for warning in availability.warnings_for(db.session, item):
        flash(warning, "warning")
    return item


SECTIONS = {
    section.name: section
    for section in (
        Section("co_host", "co_hosts", CoHost, CoHostForm, _l("Co-host"), _save_co_host,
                orderable=True),
        Section("forum", "forums", Forum, ForumForm, _l("Forum"), _save_forum, orderable=True,
                sends_mail=True),
        Section("speaker", "speakers", Speaker, SpeakerForm, _l("Speaker"), _save_speaker),
        Section("session", "sessions", ProgrammeSession, SessionForm, _l("Session"),
                _save_session),
    )
}

add_entry("admin.sessions", _l("Programme"), roles=(Role.ORGANIZER,), order=10)
add_entry("admin.speakers", _l("Speakers"), roles=(Role.ORGANIZER,), order=11,
          within="admin.sessions")
add_entry("admin.forums", _l("Forums"), roles=(Role.ORGANIZER,), order=12, within="admin.sessions")
add_entry("admin.co_hosts", _l("Co-hosts"), roles=(Role.ORGANIZER,), order=13,
          within="admin.sessions")
add_entry("admin.event_settings", _l("Event"), roles=(Role.ORGANIZER,), order=14)


def _page(template, status: int = 200, **context):
    return current_app.make_response((render_template(template, **context), status))


def _find(section: Section, obj_id: int):
    obj = db.session.get(section.model, obj_id)
    if obj is None or obj.event_id != require_event().id:
        abort(404)
    return obj


def _show_problems(form: FlaskForm, problems: list[Problem]) -> None:
    for problem in problems:
        form[problem.field].errors.append(problem.message)


# --- the shared views ------------------------------------------------------------


def _edit(section: Section, obj_id: int | None):
    event = require_event()
    obj = _find(section, obj_id) if obj_id is not None else None
    form = section.form()
    if obj is not None and not form.is_submitted():
        form.load(obj)
    form.prepare(event, db.session)
    if form.validate_on_submit():
        try:
            section.save(form, event, obj)
        except service.Rejected as rejected:
            _show_problems(form, rejected.problems)
        else:
            flash(_("Saved."), "success")
            response = redirect(url_for(f".{section.plural}"))
            return deliver_after_response(response) if section.sends_mail else response
    return _page(
        [f"admin/programme/{section.name}_form.html", "admin/programme/form.html"],
        422 if form.is_submitted() else 200,
        section=section, form=form, obj=obj, event=event,
    )


def _delete(section: Section, obj_id: int):
    obj = _find(section, obj_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        service.delete(db.session, current_user, obj)
        flash(_("Deleted."), "success")
        return redirect(url_for(f".{section.plural}"))
    return _page("admin/programme/delete.html", section=section, obj=obj, form=form,
                 effects=_deletion_effects(obj))


def _move(section: Section, obj_id: int):
    obj = _find(section, obj_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    service.move(db.session, current_user, obj, -1 if form.direction.data == "up" else 1)
    return redirect(url_for(f".{section.plural}"))


def _register(section: Section) -> None:
    """/admin/<event>/<plural>/new, …/<id>/edit, …/<id>/delete and, when orderable, …/<id>/move."""
    item = f"{section.url}/<int:{section.id_arg}>"

    def new():
        return _edit(section, None)

    def edit(**ids):
        return _edit(section, ids[section.id_arg])

    def delete(**ids):
        return _delete(section, ids[section.id_arg])

    def move(**ids):
        return _move(section, ids[section.id_arg])

    views = [(f"{section.url}/new", "new", new, ["GET", "POST"]),
             (f"{item}/edit", "edit", edit, ["GET", "POST"]),
             (f"{item}/delete", "delete", delete, ["GET", "POST"])]
    if section.orderable:
        views.append((f"{item}/move", "move", move, ["POST"]))
    for rule, action, view, methods in views:
        view.__name__ = endpoint = f"{section.name}_{action}"
        bp.add_url_rule(rule, endpoint, guard(view), methods=methods)


for _section in SECTIONS.values():
    _register(_section)


def _deletion_effects(obj) -> list[str]:
    """What else goes when ``obj`` is deleted, for the confirmation page."""
    effects = []
    if isinstance(obj, Forum):
        if sessions := len(obj.sessions):
            effects.append(ngettext("Its session is deleted with it.",
                                    "Its %(num)d sessions are deleted with it.", sessions))
        seats = db.session.scalar(
            select(func.count()).select_from(Seat).join(Registration).where(
                Seat.forum_id == obj.id, Seat.status != SeatStatus.CANCELLED,
                Registration.status != RegistrationStatus.CANCELLED))
        if seats:
            effects.append(ngettext(
                "%(num)d registration loses its seat or place in line in it.",
                "%(num)d registrations lose their seat or place in line in it.", seats))
    if isinstance(obj, ProgrammeSession):
        effects.append(_("Calendars that subscribed drop it at their next update. To tell "
                         "attendees that it will not take place, mark it as cancelled instead."))
    if isinstance(obj, Speaker) and (count := len(obj.session_links)):
        effects.append(ngettext("They are taken off %(num)d session.",
                                "They are taken off %(num)d sessions.", count))
    return effects


# --- the lists -----------------------------------------------------------------------


@bp.get(f"{EVENT}/sessions")
@guard
def sessions():
    event = require_event()
    items = programme.programme_sessions(db.session, event)
    forum_id = request.args.get("forum", type=database_int)
    if forum_id is not None:
        items = [item for item in items if item.forum_id == forum_id]
    ranges = availability.of_programme_speakers(db.session, event)
    unavailable = {item.id: availability.unavailable_speakers(item, ranges) for item in items}
    return render_template("admin/programme/sessions.html", event=event, items=items,
                           forum_id=forum_id,
                           unscheduled=programme.unscheduled_sessions(db.session, event),
                           ranges=ranges, describe=availability.describe_all,
                           unavailable=unavailable)


@bp.get(f"{EVENT}/speakers")
@guard
def speakers():
    event = require_event()
    found = db.session.scalars(
        select(Speaker)
        .where(Speaker.event_id == event.id)
        .options(selectinload(Speaker.session_links).joinedload(SessionSpeaker.session))
    ).all()
    found = sorted(found, key=lambda s: (s.name_en or s.name_zh).casefold())
    return render_template("admin/programme/speakers.html", event=event, speakers=found)


@bp.get(f"{EVENT}/forums")
@guard
def forums():
    event = require_event()
    taken = seats_taken(db.session, [forum.id for forum in event.forums])
    return render_template("admin/programme/forums.html", event=event, forums=event.forums,
                           taken=taken, move_form=MoveForm())


@bp.get(f"{EVENT}/co-hosts")
@guard
def co_hosts():
    event = require_event()
    return render_template("admin/programme/co_hosts.html", event=event,
                           co_hosts=event.co_hosts, move_form=MoveForm())


# --- the event itself ---------------------------------------------------------------


@bp.route(f"{EVENT}/event", methods=["GET", "POST"])
@guard
def event_settings():
    event = require_event()
    form = EventForm()
    form.for_existing_event()
    if not form.is_submitted():
        form.load(event)
    if form.validate_on_submit():
        try:
            service.save_event(db.session, current_user, event, form.values(event),
                               move_sessions=form.move_sessions.data)
        except service.Rejected as rejected:
            _show_problems(form, rejected.problems)
        else:
            flash(_("Saved."), "success")
            return deliver_after_response(redirect(url_for(".event_settings")))
    return _page("admin/programme/event.html", 422 if form.is_submitted() else 200,
                 form=form, event=event, share_form=ShareImageForm(formdata=None))


@bp.post(f"{EVENT}/event/share-image")
@guard
def share_image():
    """Upload the event's own share picture, or (the Remove button) go back to the drawn one."""
    event = require_event()
    share_form = ShareImageForm()
    if not share_form.validate_on_submit():
        abort(400)
    image = None
    if "remove" not in request.form:
        upload = share_form.image.data
        try:
            image = photos.prepare(upload.read() if upload else b"", fit_to=SHARE_IMAGE_SIZE)
        except photos.PhotoRejected as rejected:
            share_form.image.errors = [str(rejected)]
            form = EventForm(formdata=None)
            form.for_existing_event()
            form.load(event)
            return _page("admin/programme/event.html", 422, form=form, event=event,
                         share_form=share_form)
    sharing.set_share_image(db.session, current_user, event, image)
    flash(_("The picture for shared links is saved.") if image else
          _("Shared links show the picture drawn from the event’s name and dates again."),
          "success")
    return redirect(url_for(".event_settings"))
