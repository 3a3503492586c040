"""The event's reminders before it starts: list, add, change, remove
(``/admin/<event>/reminders``; linked from the event's settings)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ...auth.access import ORGANIZERS, role_required
from ...events.current import require_event
from ...extensions import db
from ...mailings import reminders as service
from ...models import Reminder
from .. import bp
from ..addresses import EVENT
from .forms import ReminderForm

guard = role_required(*ORGANIZERS)


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the page around it says what will happen."""


def _reminder(reminder_id: int) -> Reminder:
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or reminder.event_id != require_event().id:
        abort(404)
    return reminder


@bp.get(f"{EVENT}/reminders")
@guard
def reminders():
    event = require_event()
    rows = service.event_reminders(db.session, event)
    return render_template("admin/reminders/list.html", event=event, rows=rows,
                           next_row=service.next_reminder(rows), Shown=service.Shown)


def _edit(reminder_id: int | None):
    event = require_event()
    reminder = _reminder(reminder_id) if reminder_id is not None else None
    form = ReminderForm()
    if reminder is not None and not form.is_submitted():
        form.load(reminder)
    if form.validate_on_submit():
        try:
            service.save_reminder(db.session, current_user, event, reminder_id, form.plan())
        except LookupError:
            abort(404)
        except service.ReminderRejected as rejected:
            for name, message in rejected.problems:
                form[name].errors = [*form[name].errors, message]
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".reminders"))
    page = render_template("admin/reminders/form.html", event=event, form=form,
                           reminder=reminder)
    return current_app.make_response((page, 422 if form.is_submitted() else 200))


@bp.route(f"{EVENT}/reminders/new", methods=["GET", "POST"])
@guard
def reminder_new():
    return _edit(None)


@bp.route(f"{EVENT}/reminders/<int:reminder_id>/edit", methods=["GET", "POST"])
@guard
def reminder_edit(reminder_id: int):
    return _edit(reminder_id)


@bp.route(f"{EVENT}/reminders/<int:reminder_id>/remove", methods=["GET", "POST"])
@guard
def reminder_remove(reminder_id: int):
    event = require_event()
    reminder = _reminder(reminder_id)
    form = ConfirmForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            service.remove_reminder(db.session, current_user, event, reminder_id)
        except LookupError:
            abort(404)
        except service.ReminderRejected as rejected:
            problems = [message for _name, message in rejected.problems]
        else:
            flash(_("Removed."), "success")
            return redirect(url_for(".reminders"))
    page = render_template("admin/reminders/remove.html", event=event, reminder=reminder,
                           form=form, problems=problems)
    return current_app.make_response((page, 422 if form.is_submitted() else 200))
