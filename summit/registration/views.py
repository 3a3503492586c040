"""An event's registration form (``/<event>/register``) and the attendee's own pages
under ``/r/<token>``, whose token names the event, their calendar feed among them."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms.fields.choices import SelectChoice

from ..calendar.service import Format, attendee_feed
from ..calendar.views import serve_feed
from ..database import read_before_writing
from ..events.current import EVENT_PREFIX, require_event, serve_under_event_slug, use_event
from ..extensions import db, limiter
from ..i18n import current_language, localized
from ..models import Registration, RegistrationCategory, SeatStatus
from ..outbox import deliver_after_response
from ..programme.service import agenda_of
from ..user_input import database_ids
from ..web import private_response
from . import questions, seats, service, stars
from .details import AttendeeDetails
from .errors import (
    AlreadyRegistered,
    OverlappingForums,
    RegistrationCancelled,
    RegistrationClosed,
    RegistrationError,
    UnknownForum,
    WindowState,
)
from .forms import (
    CancelForm,
    ForumChoiceForm,
    ImportStarsForm,
    RegistrationForm,
    ResendForm,
    StarForm,
    attendee_details,
)
from .forum_times import describe_clashes, timetable

bp = Blueprint("registration", __name__, url_prefix=EVENT_PREFIX)
# Looking the event up is the form's first read: on SQLite it must not take the write
# lock (service.register and register_again take it when they need it).
bp.url_value_preprocessor(lambda _endpoint, _values: read_before_writing(db.session))
serve_under_event_slug(bp)
# The private link's pages: the token names the registration and so the event.
attendee_bp = Blueprint("attendee", __name__, url_prefix="/r/<token>")


@attendee_bp.after_request
def keep_refusals_private(response):
    """A refusal or error under a private link is as private as the page (its address
    holds the token); the views make their own answers private."""
    return private_response(response) if response.status_code >= 400 else response


def _register_rate_limit() -> str:
    return current_app.config["RATELIMIT_REGISTER"]


def _forums_on_offer(form: ForumChoiceForm, event) -> dict:
    """For a page that shows the forums: the choices, each forum's free seats and times,
    forums that run at the same time grouped as alternatives."""
    forums = service.choosable_forums(db.session, event)
    form.forums.choices = [SelectChoice(forum.id, localized(forum, "name")) for forum in forums]
    return {
        "forums": forums,
        "seats_left": seats.seats_left(db.session, forums),
        "timetable": timetable(db.session, forums, event.timezone),
        "choose_one": not event.allow_overlapping_forums,
    }


def _refuse_forums(form: ForumChoiceForm, refused: RegistrationError) -> None:
    """Say under the forums why the choice was refused."""
    if isinstance(refused, OverlappingForums):
        form.forums.errors = [describe_clashes(refused.pairs, _("Choose one of them."))]
    else:
        form.forums.errors = [_("One of the chosen forums no longer exists.")]


def mail_limit_message() -> str:
    return _("We have mailed this address several times in the last hour already. Please "
             "look in your inbox (and spam folder) for our mail, or try again later.")


def _register_page(event, form: RegistrationForm, state, status: int,
                   sheet: questions.AnswerSheet | None = None, **extra):
    offer = _forums_on_offer(form, event)
    page = render_template(
        "registration/register.html", event=event, form=form, state=state, **offer,
        questions=questions.event_questions(db.session, event.id),
        sheet=sheet or questions.AnswerSheet(), **extra
    )
    return current_app.make_response((page, status))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_rate_limit, methods=["POST"])
def register():
    event = require_event()
    form = RegistrationForm()
    state = service.window_state(event)
    if state is not WindowState.OPEN:
        return _register_page(event, form, state, 403 if form.is_submitted() else 200)
    sheet = _answer_sheet(event, form)
    if not (form.validate_on_submit() and sheet.valid):
        return _register_page(event, form, state, 422 if form.is_submitted() else 200, sheet)

    try:
        result = service.register(db.session, event, _details(form), form.forums.data or [],
                                  answers=sheet)
    except RegistrationClosed as closed:
        return _register_page(event, form, closed.state, 403, sheet)
    except (UnknownForum, OverlappingForums) as refused:
        _refuse_forums(form, refused)
        return _register_page(event, form, state, 422, sheet)
    if not result.created:
        # Whoever typed a known address learns only that its owner was mailed (or, past
        # the hourly limit, that they were mailed lately): never the link itself.
        page = _register_page(event, RegistrationForm(formdata=None), state,
                              200 if result.mailed else 429, already_registered=True,
                              mail_limit=None if result.mailed else mail_limit_message())
        return deliver_after_response(page)
    return _registered(result)


def _answer_sheet(event, form: RegistrationForm) -> questions.AnswerSheet:
    """The answers the form sent to the questions asked of the category it chose (none
    before it is sent)."""
    if not form.is_submitted():
        return questions.AnswerSheet()
    category = form.category.data or RegistrationCategory.DELEGATE.value
    return questions.read_sheet(questions.asked_questions(db.session, event.id, category),
                                request.form)


def _details(form: RegistrationForm) -> AttendeeDetails:
    return attendee_details(form, RegistrationCategory(form.category.data), current_language())


def _registered(result: service.RegistrationResult):
    flash(
        _("You are registered. We have sent a confirmation with your private link to %(email)s.",
          email=result.email),
        "success",
    )
    return _to_own_page(result.token)


def _to_own_page(token: str):
    """Back to the attendee's page, the mails this request queued sent after the answer."""
    return deliver_after_response(private_response(redirect(url_for("attendee.page", token=token))))


def registration_or_404(token: str) -> Registration:
    """The registration whose private link carries ``token``, or 404. The token knows its
    event, which the request then serves."""
    registration = service.find_by_token(db.session, token)
    if registration is None:
        abort(404)
    use_event(registration.event)
    return registration


def _attendee_page(registration: Registration, forum_form: ForumChoiceForm, status: int = 200,
                   sheet: questions.AnswerSheet | None = None):
    event = registration.event
    every_question = questions.event_questions(db.session, event.id, retired=True)
    asked = questions.for_category(every_question, registration.category)
    offer = _forums_on_offer(forum_form, event)
    held = {seat.forum_id for seat in registration.seats if seat.status != SeatStatus.CANCELLED}
    if not forum_form.is_submitted():
        forum_form.forums.data = sorted(held)
    # A session moved since they chose: they keep both until they choose themselves.
    held_together = offer["timetable"].clashes_among(held) if offer["choose_one"] else []
    response = current_app.make_response((
        render_template(
            "registration/attendee.html",
            event=event,
            registration=registration,
            summary=seats.attendee_summary(db.session, registration),
            forum_form=forum_form,
            resend_form=ResendForm(),
            answers_form=ResendForm(),
            questions=asked,
            answer_rows=questions.answer_rows(every_question, registration),
            sheet=sheet or questions.sheet_of(asked, registration),
            answers_open=service.answers_open(event),
            starred=stars.starred_sessions(db.session, registration),
            personal=stars.personal_agenda(registration),
            held_together=describe_clashes(held_together, _(
                "The programme has changed since you chose them: please keep one of them "
                "under “Change my forums”.")),
            **offer,
        ),
        status,
    ))
    return private_response(response)


@attendee_bp.get("")
def page(token: str):
    registration = registration_or_404(token)
    return _attendee_page(registration, ForumChoiceForm(formdata=None))


@attendee_bp.post("/forums")
def change_forums(token: str):
    registration = registration_or_404(token)
    form = ForumChoiceForm()
    if not form.validate_on_submit():
        return _attendee_page(registration, form, status=422)
    try:
        service.change_forums(db.session, registration, form.forums.data or [])
    except RegistrationCancelled:
        flash(_("This registration is cancelled; register again to choose forums."), "error")
    except (UnknownForum, OverlappingForums) as refused:
        _refuse_forums(form, refused)
        return _attendee_page(registration, form, status=422)
    else:
        flash(_("Your forums have been updated."), "success")
    return _to_own_page(token)


@attendee_bp.post("/answers")
def change_answers(token: str):
    registration = registration_or_404(token)
    asked = questions.asked_questions(db.session, registration.event_id, registration.category)
    sheet = questions.read_sheet(asked, request.form)
    if not (ResendForm().validate_on_submit() and sheet.valid):
        return _attendee_page(registration, ForumChoiceForm(formdata=None), 422, sheet)
    try:
        changed = service.save_answers(db.session, registration, sheet)
    except RegistrationCancelled:
        flash(_("This registration is cancelled; register again to answer."), "error")
    except RegistrationClosed:
        flash(_("Registration has closed: your answers can no longer be changed."), "error")
    else:
        flash(_("Your answers have been saved.") if changed else _("Nothing has changed."),
              "success")
    return _to_own_page(token)


@attendee_bp.route("/cancel", methods=["GET", "POST"])
def cancel(token: str):
    registration = registration_or_404(token)
    form = CancelForm()
    if form.validate_on_submit():
        moved_up = service.cancel(db.session, registration)
        flash(_("Your registration is cancelled. Your place has gone to the next person waiting.")
              if moved_up else _("Your registration is cancelled."), "success")
        return _to_own_page(token)
    status = 422 if form.is_submitted() else 200
    return private_response(current_app.make_response((
        render_template("registration/cancel.html", event=registration.event,
                        registration=registration, form=form),
        status,
    )))


@bp.route("/register/again/<key>", methods=["GET", "POST"])
@limiter.limit(_register_rate_limit, methods=["POST"])
def register_again(key: str):
    """The link in a "register again" mail: the owner of a cancelled registration fills
    the form in again (their address fixed) and gets a new private link."""
    event = require_event()
    registration = service.find_by_register_again_key(
        db.session, current_app.secret_key, key, event.id)
    if registration is None:
        abort(404)
    state = service.window_state(event)
    form = RegistrationForm(obj=None if request.method == "POST" else registration)
    form.email.data = registration.email
    again = {"again": True, "action": url_for(".register_again", key=key)}
    if state is not WindowState.OPEN:
        return private_response(_register_page(
            event, form, state, 403 if form.is_submitted() else 200, **again))
    sheet = _answer_sheet(event, form)
    if not form.is_submitted():
        sheet = questions.sheet_of(questions.event_questions(db.session, event.id), registration)
    if not (form.validate_on_submit() and sheet.valid):
        return private_response(_register_page(
            event, form, state, 422 if form.is_submitted() else 200, sheet, **again))
    try:
        result = service.register_again(db.session, registration, _details(form),
                                        form.forums.data or [], answers=sheet)
    except RegistrationClosed as closed:
        return private_response(_register_page(event, form, closed.state, 403, sheet, **again))
    except (UnknownForum, OverlappingForums) as refused:
        _refuse_forums(form, refused)
        return private_response(_register_page(event, form, state, 422, sheet, **again))
    except AlreadyRegistered:
        abort(404)  # brought back a moment ago with this very mail
    return _registered(result)


@attendee_bp.post("/resend")
@limiter.limit(_register_rate_limit)
def resend(token: str):
    registration = registration_or_404(token)
    if ResendForm().validate_on_submit():
        if service.ask_for_link(db.session, registration):
            flash(_("We have sent your private link to %(email)s again.",
                    email=registration.email), "success")
        else:
            flash(mail_limit_message(), "error")
    return _to_own_page(token)


@attendee_bp.get("/agenda")
def agenda(token: str):
    """The event's agenda with a star per session that belongs to this registration.
    Under the private link, like the attendee's page: the public agenda stays the same
    for everyone (and cacheable), and the link never leaves this page (no referrer)."""
    registration = registration_or_404(token)
    event = registration.event
    return private_response(render_template(
        "registration/agenda.html", event=event, registration=registration,
        days=agenda_of(db.session, event), personal=stars.personal_agenda(registration)))


@attendee_bp.post("/stars")
def star(token: str):
    registration = registration_or_404(token)
    form = StarForm()
    if not form.validate_on_submit():
        abort(400)
    session_id = int(form.session.data)
    try:
        stars.set_star(db.session, registration, session_id, form.starred.data == "y")
    except stars.UnknownSession:
        abort(404)
    except RegistrationCancelled:
        flash(_("This registration is cancelled; register again to star sessions."), "error")
    if form.back.data == "agenda":
        return private_response(redirect(
            url_for("attendee.agenda", token=token, _anchor=f"session-{session_id}")))
    return private_response(redirect(url_for("attendee.page", token=token, _anchor="starred")))


@attendee_bp.post("/stars/import")
def import_stars(token: str):
    registration = registration_or_404(token)
    form = ImportStarsForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        added = stars.import_stars(db.session, registration, database_ids(form.sessions.data))
    except RegistrationCancelled:
        flash(_("This registration is cancelled; register again to star sessions."), "error")
    else:
        flash(ngettext("%(num)d starred session was added to your agenda.",
                       "%(num)d starred sessions were added to your agenda.", added)
              if added else _("Your agenda already holds these sessions."), "success")
    return private_response(redirect(url_for("attendee.page", token=token, _anchor="starred")))


@attendee_bp.get("/calendar.ics")
def calendar(token: str):
    registration = registration_or_404(token)
    event = registration.event
    return serve_feed(event, attendee_feed(registration), Format.ICS,
                      f"{event.slug}-my-agenda.ics", private=True, language=registration.locale)
