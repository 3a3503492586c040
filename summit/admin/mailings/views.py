"""Group mails (``/admin/<event>/mailings``): the history, writing one with its
recipients, count and preview, a test to oneself, sending now or at a set time,
cancelling a scheduled one, stopping one that is sending."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm

from ...auth.access import ORGANIZERS, acting_user, role_required
from ...events.current import require_event
from ...extensions import db
from ...mailings import service
from ...mailings.render import PLACEHOLDERS, UnknownPlaceholder, write_as
from ...models import Mailing, MailingState
from ...outbox import deliver_after_response
from ...registration import questions
from ...registration.service import choosable_forums
from .. import bp
from ..addresses import EVENT
from ..navigation import add_entry
from ..programme.forms import in_utc
from .forms import CountForm, MailingForm, RecipientFields

guard = role_required(*ORGANIZERS)
add_entry("admin.mailings", _l("Mailings"), roles=ORGANIZERS, order=32)


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the page around it says what will happen."""


def _mailing(mailing_id: int) -> Mailing:
    mailing = service.mailing_of_event(db.session, require_event(), mailing_id)
    if mailing is None:
        abort(404)
    return mailing


def _offer(form: RecipientFields) -> None:
    event = require_event()
    asked = questions.event_questions(db.session, event.id)
    form.offer(choosable_forums(db.session, event), questions.filter_options(asked))


@bp.get(f"{EVENT}/mailings")
@guard
def mailings():
    event = require_event()
    return render_template("admin/mailings/list.html", event=event,
                           rows=service.history(db.session, event))


@bp.get(f"{EVENT}/mailings/count")
@guard
def mailing_count():
    """How many a choice of recipients reaches: the form's live count."""
    form = CountForm(formdata=request.args)
    _offer(form)
    if not form.validate():
        return jsonify(count=None, text=_("Choose among the options shown.")), 422
    number = service.recipient_count(db.session, require_event(), form.group())
    return jsonify(count=number, text=_recipients_text(number))


def _recipients_text(number: int) -> str:
    return ngettext("%(num)d recipient", "%(num)d recipients", number)


@bp.route(f"{EVENT}/mailings/new", methods=["GET", "POST"])
@guard
def mailing_new():
    return _compose(None)


@bp.route(f"{EVENT}/mailings/<int:mailing_id>", methods=["GET", "POST"])
@guard
def mailing(mailing_id: int):
    mailing = _mailing(mailing_id)
    if mailing.state != MailingState.DRAFT:
        if request.method == "POST":  # a page left open while it was sent or scheduled
            flash(_("This mailing was sent or scheduled meanwhile: nothing was changed."),
                  "error")
            return redirect(url_for(".mailing", mailing_id=mailing.id))
        return _sent_page(mailing)
    return _compose(mailing)


def _compose(mailing: Mailing | None):
    event = require_event()
    form = MailingForm()
    _offer(form)
    if mailing is not None and not form.is_submitted():
        form.load(mailing, service.group_of(mailing))
    action = request.form.get("action", "save")
    if form.validate_on_submit():
        try:
            mailing = service.save_draft(db.session, acting_user(), event, mailing, form.plan())
            response = _act(action, mailing, form)
        except service.MailingRejected as rejected:
            for name, message in rejected.problems:
                form[name].errors = [*form[name].errors, message]
        except service.NotADraft:
            flash(_("This mailing was sent or scheduled meanwhile: nothing was changed."),
                  "error")
            return redirect(url_for(".mailing", mailing_id=mailing.id))
        else:
            if response is not None:
                return response
            if not form.errors:
                return redirect(url_for(".mailing", mailing_id=mailing.id,
                                        preview=form.preview_email.data or None))
    return _compose_page(mailing, form, 422 if form.is_submitted() else 200)


def _act(action: str, mailing: Mailing, form: MailingForm):
    """What the button pressed asks for, the draft saved; None: show the draft again."""
    if action == "test":
        registration = service.preview_recipient(db.session, mailing, form.preview_email.data)
        if registration is None:
            form.preview_email.errors = [_("Nobody of these recipients has this address.")]
            return None
        service.send_test(db.session, acting_user(), mailing, registration)
        flash(_("A test, as %(name)s would read it, is on its way to %(address)s.",
                name=registration.full_name, address=acting_user().email), "success")
        return deliver_after_response(redirect(url_for(
            ".mailing", mailing_id=mailing.id, preview=form.preview_email.data or None)))
    if action == "send":
        queued = service.send_now(db.session, acting_user(), mailing)
        flash(ngettext("Sending to %(num)d recipient.", "Sending to %(num)d recipients.",
                       queued), "success")
        return redirect(url_for(".mailing", mailing_id=mailing.id))
    if action == "schedule":
        if form.send_at.data is None:
            form.send_at.errors = [_("Enter a date and time.")]
            return None
        service.schedule(db.session, acting_user(), mailing,
                         in_utc(form.send_at.data, require_event().timezone))
        flash(_("Scheduled."), "success")
        return redirect(url_for(".mailing", mailing_id=mailing.id))
    flash(_("Saved."), "success")
    return None


def _compose_page(mailing: Mailing | None, form: MailingForm, status: int = 200):
    event = require_event()
    count = preview = None
    previews = []
    if mailing is not None:
        count = service.recipient_count(db.session, event, service.group_of(mailing))
        wanted = request.args.get("preview") or form.preview_email.data or ""
        preview = service.preview_recipient(db.session, mailing, wanted)
        if preview is not None:
            try:
                previews = [write_as(db.session, mailing, preview, lang) for lang in ("zh", "en")]
            except UnknownPlaceholder:
                previews = []
    page = render_template(
        "admin/mailings/compose.html", event=event, mailing=mailing, form=form, count=count,
        count_text=_recipients_text(count) if count is not None else "",
        preview=preview, previews=previews, placeholders=PLACEHOLDERS)
    return current_app.make_response((page, status))


def _sent_page(mailing: Mailing):
    counts = service.progress(db.session, [mailing.id])[mailing.id]
    page = service.recipient_page(db.session, mailing, request.args.get("page", 1, type=int))
    return render_template(
        "admin/mailings/detail.html", event=require_event(), mailing=mailing, counts=counts,
        page=page, page_url=lambda number: url_for(".mailing", mailing_id=mailing.id,
                                                   page=number),
        form=ConfirmForm())


@bp.post(f"{EVENT}/mailings/<int:mailing_id>/cancel")
@guard
def mailing_cancel(mailing_id: int):
    mailing = _mailing(mailing_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if service.cancel(db.session, acting_user(), mailing):
        flash(_("Cancelled: nothing will be sent."), "success")
    else:
        flash(_("Too late: its mails are queued already."), "error")
    return redirect(url_for(".mailing", mailing_id=mailing.id))


@bp.post(f"{EVENT}/mailings/<int:mailing_id>/stop")
@guard
def mailing_stop(mailing_id: int):
    mailing = _mailing(mailing_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    withdrawn = service.stop(db.session, acting_user(), mailing)
    if withdrawn is None:
        flash(_("It was no longer sending: nothing was changed."), "error")
    else:
        flash(ngettext("Stopped: %(num)d mail withdrawn, never to be sent.",
                       "Stopped: %(num)d mails withdrawn, never to be sent.", withdrawn),
              "success")
    return redirect(url_for(".mailing", mailing_id=mailing.id))
