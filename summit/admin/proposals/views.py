"""The call for speakers in the admin (``/admin/<event>/…``): the call's settings
(``cfp``), the proposals and decisions (``proposals``), the reviewers' forums
(``reviewers``), organizers only; and the reviewers' screens (``review``)."""

from __future__ import annotations

from flask import (
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
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from ...auth.access import ORGANIZERS, acting_user, role_required
from ...events.current import require_event
from ...extensions import db
from ...models import Role
from ...outbox import deliver_after_response
from ...proposals import availability, decisions, review, service
from ...proposals.service import ProposalRefused
from ...web import private_response
from .. import bp
from ..addresses import EVENT
from ..navigation import add_entry
from .forms import (
    CallForm,
    DecisionForm,
    ProposalFilterForm,
    ReleaseForm,
    ReviewerForumsForm,
    ReviewForm,
)

organizers_only = role_required(*ORGANIZERS)
# Organizers may review too; only reviewers see proposals anonymised.
REVIEWING = (Role.REVIEWER, Role.ORGANIZER)
reviewing = role_required(*REVIEWING)

# No entry in the admin's menu, which must stay one row at 1366 px: organizers reach the
# proposals from the programme editor, reviewers land on their list (admin.home.LANDINGS).


def _page(template: str, status: int = 200, **context):
    return current_app.make_response((render_template(template, **context), status))


# --- the call's settings -----------------------------------------------------------


add_entry("admin.proposals", _l("Proposals"), roles=ORGANIZERS, order=15, within="admin.sessions")
add_entry("admin.review", _l("Review"), roles=(Role.ORGANIZER, Role.REVIEWER), order=16,
          within="admin.sessions")

@bp.route(f"{EVENT}/cfp", methods=["GET", "POST"])
@organizers_only
def call_settings():
    event = require_event()
    call = service.call_of(db.session, event) or service.new_call(event)
    form = CallForm()
    form.prepare(event)
    if not form.is_submitted():
        form.load(call)
    if form.validate_on_submit():
        service.save_call(db.session, current_user, event, form.values(event),
                          form.forum_ids.data or [])
        flash(_("Saved."), "success")
        return redirect(url_for(".call_settings"))
    return _page("admin/proposals/call.html", 422 if form.is_submitted() else 200,
                 event=event, form=form, state=service.call_state(event, call))


# --- the proposals and their decisions ------------------------------------------------


@bp.get(f"{EVENT}/proposals")
@organizers_only
def proposals():
    event = require_event()
    call = service.call_of(db.session, event)
    form = ProposalFilterForm(formdata=request.args)
    form.prepare(event, call)
    form.validate()
    arguments = {name: value for name, value in request.args.items() if name != "page"}
    return render_template(
        "admin/proposals/list.html", event=event, call=call, form=form,
        page=decisions.proposal_page(db.session, event, form.chosen()),
        page_url=lambda number: url_for(".proposals", **arguments, page=number),
        held=decisions.held_decisions(db.session, event))


def _proposal_or_404(event, proposal_id: int):
    return decisions.find_proposal(db.session, event, proposal_id) or abort(404)


def _proposal_page(event, proposal, form: DecisionForm, status: int = 200):
    call = service.call_of(db.session, event)
    scope = review.scope_of(db.session, current_user, event, call)
    return _page("admin/proposals/detail.html", status, event=event, proposal=proposal,
                 form=form, seen=review.reviews_seen(db.session, scope, proposal),
                 describe=availability.describe)


@bp.route(f"{EVENT}/proposals/<int:proposal_id>", methods=["GET", "POST"])
@organizers_only
def proposal(proposal_id: int):
    event = require_event()
    found = _proposal_or_404(event, proposal_id)
    form = DecisionForm()
    if not form.is_submitted():
        form.decision.data = found.pending_decision.value if found.pending_decision else ""
    if not form.validate_on_submit():
        return _proposal_page(event, found, form, 422 if form.is_submitted() else 200)
    try:
        decisions.decide(db.session, acting_user(), found, form.value())
    except ProposalRefused as refused:
        db.session.rollback()
        form.decision.errors = [refused.message]
        return _proposal_page(event, _proposal_or_404(event, proposal_id), form, 409)
    flash(_("Noted. Nobody is told until you send the decisions."), "success")
    return redirect(url_for(".proposals"))


@bp.get(f"{EVENT}/proposals/<int:proposal_id>/speakers/<int:proposal_speaker_id>/photo")
@reviewing
def proposal_speaker_photo(proposal_id: int, proposal_speaker_id: int):
    """The photo a speaker gave on their own page, for the organizers and the reviewers
    who may see who the speakers are (never through an anonymised review)."""
    event = require_event()
    _call, scope = _scope(event)
    speaker = review.speaker_in_scope(db.session, scope, proposal_id, proposal_speaker_id)
    if speaker is None or not speaker.has_photo:
        abort(404)
    return private_response(Response(speaker.photo, mimetype=speaker.photo_type))


@bp.route(f"{EVENT}/proposals/decisions", methods=["GET", "POST"])
@organizers_only
def release_decisions():
    event = require_event()
    held = decisions.held_decisions(db.session, event)
    total = sum(held.values())
    form = ReleaseForm()
    if form.validate_on_submit():
        try:
            expected = int(form.expected.data or "-1")
            released = decisions.release_decisions(db.session, acting_user(), event, expected)
        except (ValueError, ProposalRefused) as refused:
            db.session.rollback()
            flash(getattr(refused, "message", _("Please look again.")), "error")
            return redirect(url_for(".release_decisions"))
        flash(ngettext("%(num)d decision sent.", "%(num)d decisions sent.", released),
              "success")
        return deliver_after_response(redirect(url_for(".proposals")))
    form.expected.data = str(total)
    return _page("admin/proposals/release.html", 422 if form.is_submitted() else 200,
                 event=event, held=held, total=total, form=form)


# --- reviewers and their forums --------------------------------------------------------


@bp.route(f"{EVENT}/reviewers", methods=["GET", "POST"])
@organizers_only
def reviewers():
    event = require_event()
    form = ReviewerForumsForm()
    form.forum_ids.choices = [(forum.id, forum.slug) for forum in event.forums]
    if form.validate_on_submit():
        user_id = request.args.get("user", type=int)
        if user_id is None or not review.set_reviewer_forums(
                db.session, acting_user(), event, user_id, form.forum_ids.data or []):
            abort(404)
        flash(_("Saved."), "success")
        return redirect(url_for(".reviewers"))
    return _page("admin/proposals/reviewers.html", 422 if form.is_submitted() else 200,
                 event=event, reviewers=review.reviewers_of(db.session, event), form=form)


# --- reviewing -------------------------------------------------------------------------


def _scope(event):
    call = service.call_of(db.session, event)
    return call, review.scope_of(db.session, current_user, event, call)


@bp.get(f"{EVENT}/review", endpoint="review")
@reviewing
def review_list():
    event = require_event()
    call, scope = _scope(event)
    return render_template("admin/proposals/review_list.html", event=event, call=call,
                           rows=review.review_list(db.session, scope))


@bp.get(f"{EVENT}/review/next")
@reviewing
def review_next():
    event = require_event()
    _call, scope = _scope(event)
    found = review.next_to_review(db.session, scope)
    if found is None:
        flash(_("You have reviewed every proposal you can. Thank you!"), "success")
        return redirect(url_for(".review"))
    return redirect(url_for(".review_proposal", proposal_id=found))


def _review_page(event, call, scope, proposal, form: ReviewForm, status: int = 200):
    return _page("admin/proposals/review.html", status, event=event, call=call,
                 proposal=proposal, form=form, scope=scope,
                 seen=review.reviews_seen(db.session, scope, proposal))


@bp.route(f"{EVENT}/review/<int:proposal_id>", methods=["GET", "POST"])
@reviewing
def review_proposal(proposal_id: int):
    event = require_event()
    call, scope = _scope(event)
    found = review.proposal_in_scope(db.session, scope, proposal_id) or abort(404)
    if call is None:
        abort(404)
    form = ReviewForm()
    form.scale(call)
    if not form.is_submitted():
        own = review.reviews_seen(db.session, scope, found).own
        if own is not None:
            form.score.data, form.comment.data = own.score, own.comment
    if not form.validate_on_submit():
        return _review_page(event, call, scope, found, form,
                            422 if form.is_submitted() else 200)
    try:
        review.save_review(db.session, acting_user(), found, call, form.score.data,
                           form.comment.data or "")
    except ProposalRefused as refused:
        db.session.rollback()
        form.score.errors = [refused.message]
        found = review.proposal_in_scope(db.session, scope, proposal_id) or abort(404)
        return _review_page(event, call, scope, found, form, 409)
    flash(_("Your review is saved."), "success")
    return redirect(url_for(".review_proposal", proposal_id=proposal_id))
