"""The event's own registration questions: list, add, edit, reorder, retire, restore
(``/admin/<event>/questions``)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf

from ...auth.access import ORGANIZERS, role_required
from ...events.current import require_event
from ...extensions import db
from ...models import Question
from ...registration import question_setup
from ...registration.questions import event_questions
from .. import bp
from ..addresses import EVENT
from ..navigation import add_entry
from .forms import CHOICES_HINT, QuestionForm

guard = role_required(*ORGANIZERS)
add_entry("admin.questions", _l("Questions"), roles=ORGANIZERS, order=31)


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the page around it says what will happen."""


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


def _question(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.event_id != require_event().id:
        abort(404)
    return question


@bp.get(f"{EVENT}/questions")
@guard
def questions():
    event = require_event()
    every = event_questions(db.session, event.id, retired=True)
    return render_template(
        "admin/questions/list.html", event=event,
        active=[q for q in every if q.active], retired=[q for q in every if not q.active],
        by_id={q.id: q for q in every},
        counts=question_setup.answer_counts(db.session, event.id), form=ConfirmForm())


def _edit(question_id: int | None):
    event = require_event()
    question = _question(question_id) if question_id is not None else None
    if question is not None and not question.active:
        abort(404)
    form = QuestionForm()
    if question is not None and not form.is_submitted():
        form.load(question)
    form.prepare(event_questions(db.session, event.id), question)
    if form.validate_on_submit():
        try:
            question_setup.save_question(db.session, current_user, event, question, form.plan())
        except question_setup.QuestionRejected as rejected:
            for name, message in rejected.problems:
                form[name].errors = [*form[name].errors, message]
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".questions"))
    page = render_template("admin/questions/form.html", event=event, form=form,
                           question=question, choices_hint=CHOICES_HINT)
    return current_app.make_response((page, 422 if form.is_submitted() else 200))


@bp.route(f"{EVENT}/questions/new", methods=["GET", "POST"])
@guard
def question_new():
    return _edit(None)


@bp.route(f"{EVENT}/questions/<int:question_id>/edit", methods=["GET", "POST"])
@guard
def question_edit(question_id: int):
    return _edit(question_id)


@bp.route(f"{EVENT}/questions/<int:question_id>/retire", methods=["GET", "POST"])
@guard
def question_retire(question_id: int):
    question = _question(question_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        deleted = question_setup.retire_question(db.session, current_user, question)
        flash(_("Deleted.") if deleted else _("Retired: its answers stay readable."), "success")
        return redirect(url_for(".questions"))
    counts = question_setup.answer_counts(db.session, question.event_id)
    return render_template("admin/questions/retire.html", event=require_event(),
                           question=question, form=form, answers=counts.get(question.id, 0),
                           dependents=question_setup.dependents(db.session, question))


@bp.post(f"{EVENT}/questions/<int:question_id>/restore")
@guard
def question_restore(question_id: int):
    question = _question(question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    question_setup.restore_question(db.session, current_user, question)
    flash(_("Back on the form."), "success")
    return redirect(url_for(".questions"))


@bp.post(f"{EVENT}/questions/<int:question_id>/move")
@guard
def question_move(question_id: int):
    question = _question(question_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    question_setup.move_question(db.session, current_user, question,
                                 -1 if form.direction.data == "up" else 1)
    return redirect(url_for(".questions"))
