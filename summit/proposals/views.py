"""The call and its form (``/<event>/cfp``) and a speaker's own page under
``/proposals/<token>``, whose token names the proposal and so the event. The speaker's
page is where their own details, availability and materials will grow."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _

from ..database import read_before_writing
from ..events.current import EVENT_PREFIX, require_event, serve_under_event_slug, use_event
from ..extensions import db, limiter
from ..i18n import current_language
from ..models import ProposalSpeaker
from ..outbox import deliver_after_response
from ..web import private_response
from . import service
from .forms import ButtonForm, DetailsForm, NewProposalForm, ProposalForm
from .service import CallState, ProposalRefused

bp = Blueprint("cfp", __name__, url_prefix=EVENT_PREFIX)
bp.url_value_preprocessor(lambda _endpoint, _values: read_before_writing(db.session))
serve_under_event_slug(bp)
speaker_bp = Blueprint("proposals", __name__, url_prefix="/proposals/<token>")


def _rate_limit() -> str:
    return current_app.config["RATELIMIT_PROPOSALS"]


def _show_refusal(form, refused: ProposalRefused) -> None:
    if refused.field and refused.field in form:
        form[refused.field].errors = [*form[refused.field].errors, refused.message]
    else:
        flash(refused.message, "error")


def _call_page(event, call, state: CallState, form: NewProposalForm, status: int):
    page = render_template("proposals/cfp.html", event=event, call=call, state=state, form=form)
    return current_app.make_response((page, status))


@bp.route("/cfp", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def call():
    event = require_event()
    proposal_call = service.call_of(db.session, event)
    state = service.call_state(event, proposal_call)
    form = NewProposalForm()
    if state is not CallState.OPEN:
        return _call_page(event, proposal_call, state, form, 403 if form.is_submitted() else 200)
    form.offer(proposal_call)
    if not form.validate_on_submit():
        return _call_page(event, proposal_call, state, form,
                          422 if form.is_submitted() else 200)
    try:
        submitted = service.submit(db.session, event, form.draft(), form.address(),
                                   form.details(), current_language())
    except ProposalRefused as refused:
        db.session.rollback()
        _show_refusal(form, refused)
        state = service.call_state(event, service.call_of(db.session, event))
        return _call_page(event, proposal_call, state, form, 422)
    flash(_("Thank you: your proposal is in. We have sent its private link to %(email)s.",
            email=form.address()), "success")
    return _to_own_page(submitted.token)


def _to_own_page(token: str):
    """Back to the speaker's page, the mails this request queued sent after the answer."""
    return deliver_after_response(
        private_response(redirect(url_for("proposals.speaker_page", token=token))))


def speaker_or_404(token: str) -> ProposalSpeaker:
    """The speaker whose private link carries ``token``, or 404; the request then
    serves the proposal's event."""
    speaker = service.find_by_token(db.session, token)
    if speaker is None:
        abort(404)
    use_event(speaker.proposal.event)
    return speaker


def _speaker_page(speaker: ProposalSpeaker, form: ProposalForm | None = None,
                  details: DetailsForm | None = None, status: int = 200):
    proposal = speaker.proposal
    editable = speaker.is_submitter and service.may_edit(db.session, proposal)
    if editable and form is None:
        form = ProposalForm(formdata=None, obj=proposal)
        form.name.data, form.affiliation.data, form.bio.data = (
            speaker.name, speaker.affiliation, speaker.bio)
        form.co_speakers.data = "\n".join(service.co_speaker_emails(proposal))
    if form is not None:
        form.offer(service.call_of(db.session, proposal.event))
    if details is None:
        details = DetailsForm(formdata=None, obj=speaker)
    page = render_template(
        "proposals/speaker.html", event=proposal.event, proposal=proposal, speaker=speaker,
        form=form if editable else None, details=details, buttons=ButtonForm(),
        withdrawable=proposal.state in service.UNDECIDED)
    return private_response(current_app.make_response((page, status)))


@speaker_bp.get("")
@limiter.limit(_rate_limit)
def speaker_page(token: str):
    return _speaker_page(speaker_or_404(token))


@speaker_bp.post("/edit")
@limiter.limit(_rate_limit)
def edit(token: str):
    speaker = speaker_or_404(token)
    form = ProposalForm()
    form.offer(service.call_of(db.session, speaker.proposal.event))
    if not form.validate_on_submit():
        return _speaker_page(speaker, form=form, status=422)
    try:
        service.update(db.session, speaker, form.draft(), form.details())
    except ProposalRefused as refused:
        db.session.rollback()
        _show_refusal(form, refused)
        return _speaker_page(speaker_or_404(token), form=form, status=422)
    flash(_("Your proposal has been saved."), "success")
    return _to_own_page(token)


@speaker_bp.post("/details")
@limiter.limit(_rate_limit)
def details(token: str):
    speaker = speaker_or_404(token)
    form = DetailsForm()
    if not form.validate_on_submit():
        return _speaker_page(speaker, details=form, status=422)
    try:
        service.update_details(db.session, speaker, form.details())
    except ProposalRefused as refused:
        flash(refused.message, "error")
    else:
        flash(_("Your details have been saved."), "success")
    return _to_own_page(token)


def _button(token: str, action, done: str):
    speaker = speaker_or_404(token)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        action(db.session, speaker)
    except ProposalRefused as refused:
        flash(refused.message, "error")
    else:
        flash(done, "success")
    return _to_own_page(token)


@speaker_bp.post("/withdraw")
@limiter.limit(_rate_limit)
def withdraw(token: str):
    return _button(token, service.withdraw, _("Your proposal is withdrawn."))


@speaker_bp.post("/confirm")
@limiter.limit(_rate_limit)
def confirm(token: str):
    return _button(token, service.confirm,
                   _("Thank you for confirming: we look forward to your talk."))
