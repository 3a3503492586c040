"""The call and its form (``/<event>/cfp``) and a speaker's own page under
``/proposals/<token>``, whose token names the proposal and so the event: there a
speaker edits the proposal until the deadline, keeps their details, photo and
availability, and, once it is accepted, adds slides and links to its session."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from ..database import read_before_writing
from ..events.current import EVENT_PREFIX, require_event, serve_under_event_slug, use_event
from ..extensions import db, limiter
from ..i18n import current_language
from ..models import MaterialKind, ProposalSpeaker
from ..outbox import deliver_after_response
from ..programme import materials, photos
from ..programme.forms import MaterialLinkForm, SlidesForm
from ..web import private_response
from . import availability, service
from .forms import (
    AvailabilityForm,
    ButtonForm,
    DetailsForm,
    NewProposalForm,
    PhotoForm,
    ProposalForm,
)
from .service import CallState, ProposalRefused

bp = Blueprint("cfp", __name__, url_prefix=EVENT_PREFIX)
bp.url_value_preprocessor(lambda _endpoint, _values: read_before_writing(db.session))
serve_under_event_slug(bp)
speaker_bp = Blueprint("proposals", __name__, url_prefix="/proposals/<token>")
# The materials' forms share field names; on one page their fields need names of their own.
SLIDES, LINK = "slides", "link"


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


@speaker_bp.url_value_preprocessor
def room_for_slides(endpoint: str | None, _values: dict | None) -> None:
    """Slides may be larger than any other form; said before the CSRF check reads the body."""
    if endpoint == "proposals.slides":
        request.max_content_length = materials.max_upload_request_bytes()


def _speaker_page(speaker: ProposalSpeaker, status: int = 200, form: ProposalForm | None = None,
                  **forms):
    """The page, with ``forms`` (details, photo_form, availability_form, slides_form,
    link_form) as the speaker sent them when they need correcting."""
    proposal = speaker.proposal
    event = proposal.event
    editable = speaker.is_submitter and service.may_edit(db.session, proposal)
    if editable and form is None:
        form = ProposalForm(formdata=None, obj=proposal)
        form.co_speakers.data = "\n".join(service.co_speaker_emails(proposal))
    if form is not None:
        form.offer(service.call_of(db.session, event))
    forms.setdefault("details", DetailsForm(formdata=None, obj=speaker))
    forms.setdefault("photo_form", PhotoForm(formdata=None))
    forms.setdefault("availability_form", AvailabilityForm(formdata=None))
    forms["availability_form"].offer(availability.event_days(event))
    item = proposal.session if proposal.state in service.ACCEPTED_STATES else None
    if item is not None:
        forms.setdefault("slides_form", SlidesForm(formdata=None, prefix=SLIDES))
        forms.setdefault("link_form", MaterialLinkForm(formdata=None, prefix=LINK))
    page = render_template(
        "proposals/speaker.html", event=event, proposal=proposal, speaker=speaker,
        form=form if editable else None, buttons=ButtonForm(),
        withdrawable=proposal.state in service.UNDECIDED,
        open_to_changes=proposal.state not in service.CLOSED_STATES,
        item=item, materials=materials.materials_of(db.session, item) if item else [],
        material_actor=service.material_actor(speaker), describe=availability.describe,
        max_mb=f"{materials.max_upload_bytes() / (1024 * 1024):g}", **forms)
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
        service.update(db.session, speaker, form.draft())
    except ProposalRefused as refused:
        db.session.rollback()
        _show_refusal(form, refused)
        return _speaker_page(speaker_or_404(token), form=form, status=422)
    flash(_("Your proposal has been saved."), "success")
    return _to_own_page(token)


def _refused(token: str, status: int, form, message: str, field: str | None, **forms):
    """The page again after a refusal, which changed nothing: the message under the
    field it concerns, else on top."""
    db.session.rollback()
    if form is not None and field and field in form:
        form[field].errors = [*form[field].errors, message]
    else:
        flash(message, "error")
    return _speaker_page(speaker_or_404(token), status=status, **forms)


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
        return _refused(token, 403, form, refused.message, refused.field, details=form)
    flash(_("Your details have been saved."), "success")
    return _to_own_page(token)


@speaker_bp.post("/photo")
@limiter.limit(_rate_limit)
def photo(token: str):
    speaker = speaker_or_404(token)
    form = PhotoForm()
    if not form.validate_on_submit():
        return _speaker_page(speaker, photo_form=form, status=422)
    try:
        service.set_photo(db.session, speaker, photos.prepare(form.photo.data.read()))
    except photos.PhotoRejected as rejected:
        form.photo.errors = [str(rejected)]
        return _speaker_page(speaker, photo_form=form, status=422)
    except ProposalRefused as refused:
        return _refused(token, 403, form, refused.message, refused.field, photo_form=form)
    flash(_("Your photo has been saved."), "success")
    return _to_own_page(token)


@speaker_bp.get("/photo")
@limiter.limit(_rate_limit)
def own_photo(token: str):
    speaker = speaker_or_404(token)
    if not speaker.has_photo:
        abort(404)
    return private_response(Response(speaker.photo, mimetype=speaker.photo_type))


@speaker_bp.post("/photo/remove")
@limiter.limit(_rate_limit)
def remove_photo(token: str):
    return _button(token, lambda session, speaker: service.set_photo(session, speaker, None),
                   _("Your photo has been removed."))


@speaker_bp.post("/availability")
@limiter.limit(_rate_limit)
def add_availability(token: str):
    speaker = speaker_or_404(token)
    form = AvailabilityForm()
    form.offer(availability.event_days(speaker.proposal.event))
    if not form.validate_on_submit():
        return _speaker_page(speaker, availability_form=form, status=422)
    try:
        availability.add(db.session, speaker, form.chosen_day(), form.starts.data,
                         form.ends.data)
    except ProposalRefused as refused:
        return _refused(token, 422, form, refused.message, refused.field,
                        availability_form=form)
    flash(_("The time has been added."), "success")
    return _to_own_page(token)


@speaker_bp.post("/availability/<int:availability_id>/delete")
@limiter.limit(_rate_limit)
def remove_availability(token: str, availability_id: int):
    speaker = speaker_or_404(token)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if not availability.remove(db.session, speaker, availability_id):
        abort(404)
    flash(_("The time has been removed."), "success")
    return _to_own_page(token)


@speaker_bp.post("/slides")
@limiter.limit(_rate_limit)
def slides(token: str):
    speaker = speaker_or_404(token)
    form = SlidesForm(prefix=SLIDES)
    return _add_material(
        token, speaker, form, "slides_form", _("The slides are on the session page."),
        lambda actor, item: materials.add_slides(
            db.session, actor, item, title=form.title.data or "",
            filename=form.file.data.filename or "", data=form.file.data.read()))


@speaker_bp.post("/links")
@limiter.limit(_rate_limit)
def link(token: str):
    speaker = speaker_or_404(token)
    form = MaterialLinkForm(prefix=LINK)
    return _add_material(
        token, speaker, form, "link_form", _("The link is on the session page."),
        lambda actor, item: materials.add_link(
            db.session, actor, item, kind=MaterialKind(form.kind.data),
            title=form.title.data or "", url=form.url.data))


def _add_material(token: str, speaker, form, page_form: str, done: str, add):
    """``add(actor, session)`` a material from ``form`` (shown on the page as
    ``page_form`` when refused) to the speaker's session."""
    if not form.validate_on_submit():
        return _speaker_page(speaker, **{page_form: form}, status=422)
    try:
        add(service.material_actor(speaker), service.session_for_materials(speaker))
    except ProposalRefused as refused:
        return _refused(token, 403, None, refused.message, None)
    except materials.MaterialRejected as rejected:
        return _refused(token, 422, form, rejected.message, rejected.field,
                        **{page_form: form})
    flash(done, "success")
    return _to_own_page(token)


@speaker_bp.post("/materials/<int:material_id>/delete")
@limiter.limit(_rate_limit)
def remove_material(token: str, material_id: int):
    speaker = speaker_or_404(token)
    if not ButtonForm().validate_on_submit():
        abort(400)
    found = service.own_material(db.session, speaker, material_id)
    if found is None:
        abort(404)
    materials.remove(db.session, service.material_actor(speaker), found)
    flash(_("Removed."), "success")
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
