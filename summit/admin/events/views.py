"""/admin/events, for the site's administrators: every event with its status, dates and
registrations; create one, clone an edition, publish, archive or delete one."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...auth.access import role_required
from ...events import service
from ...extensions import db
from ...models import Event
from .. import bp
from ..navigation import add_entry
from .forms import CloneForm, ConfirmForm, NewEventForm

add_entry("admin.events", _l("Events"), roles=(), order=5)


def _page(template: str, form, status: int | None = None, **context):
    if status is None:
        status = 422 if form.is_submitted() else 200
    return current_app.make_response((render_template(template, form=form, **context), status))


def _event_or_404(event_id: int) -> Event:
    return db.session.get(Event, event_id) or abort(404)


@bp.get("/events")
@role_required()
def events():
    return render_template("admin/events/list.html", events=service.all_events(db.session),
                           registrations=service.registration_counts(db.session))


@bp.route("/events/new", methods=["GET", "POST"])
@role_required()
def event_new():
    form = NewEventForm()
    if form.validate_on_submit():
        try:
            event = service.create_event(db.session, current_user, form.new_event())
        except service.EventError as refused:
            form.slug.errors.append(str(refused))
        else:
            flash(_("The event %(slug)s was created as a draft.", slug=event.slug), "success")
            return redirect(url_for(".events"))
    return _page("admin/events/new.html", form)


@bp.route("/events/clone", methods=["GET", "POST"])
@role_required()
def event_clone():
    form = CloneForm()
    form.offer(service.all_events(db.session))
    if form.validate_on_submit():
        try:
            clone = service.clone_event(db.session, current_user, _event_or_404(form.source.data),
                                        form.slug.data, form.starts_on.data,
                                        form.with_programme.data)
        except service.EventError as refused:
            form.slug.errors.append(str(refused))
        else:
            flash(_("%(slug)s was created as a draft, from %(first)s to %(last)s.",
                    slug=clone.slug, first=clone.starts_on.isoformat(),
                    last=clone.ends_on.isoformat()), "success")
            return redirect(url_for(".events"))
    return _page("admin/events/clone.html", form)


def _confirmed_change(event_id: int, action: str, change: Callable, done: str):
    """GET asks to confirm ``action``; POST with the box ticked does it."""
    event = _event_or_404(event_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page("admin/events/confirm.html", form, event=event, action=action)
    try:
        change(db.session, current_user, event)
    except service.EventError as refused:
        flash(str(refused), "error")
    else:
        flash(done, "success")
    return redirect(url_for(".events"))


@bp.route("/events/<int:event_id>/publish", methods=["GET", "POST"])
@role_required()
def event_publish(event_id: int):
    return _confirmed_change(event_id, "publish", service.publish,
                             _("The event is published."))


@bp.route("/events/<int:event_id>/archive", methods=["GET", "POST"])
@role_required()
def event_archive(event_id: int):
    return _confirmed_change(event_id, "archive", service.archive,
                             _("The event is archived: read-only, listed with past editions."))


@bp.route("/events/<int:event_id>/delete", methods=["GET", "POST"])
@role_required()
def event_delete(event_id: int):
    return _confirmed_change(event_id, "delete", service.delete_event,
                             _("The event is deleted."))
