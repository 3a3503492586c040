"""/admin/<event>/checkin/…/badge: correct a badge at the desk and print it at once;
register someone on the spot. For check-in staff and organizers.

The badge answers as a PDF shown inline, so that Chromium opens it in its viewer,
whose print button (or Ctrl+P) prints it on the desk's printer.
"""

from __future__ import annotations

from io import BytesIO

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from ...auth.access import acting_user, role_required
from ...badges.desk import BadgeCorrection, NoBadge, print_at_desk
from ...badges.layouts import LAYOUTS
from ...badges.render import write_badges
from ...events.current import require_event
from ...extensions import db
from ...models import Registration, RegistrationCategory
from ...outbox import deliver_after_response
from ...registration import organizer
from ...registration.details import AttendeeDetails
from ...registration.errors import AlreadyRegistered
from ...registration.listing import with_seats
from ...web import private_response
from .. import bp
from ..addresses import EVENT
from ..checkin.views import DESK
from .forms import DeskBadgeForm, OnTheSpotForm


def _badge_page(event, registration: Registration, form: DeskBadgeForm, status: int = 200):
    page = render_template("admin/desk_badge.html", event=event, registration=registration,
                           form=form, layout=LAYOUTS.get(event.badge_layout))
    return page, status


@bp.route(f"{EVENT}/checkin/<int:registration_id>/badge", methods=["GET", "POST"])
@role_required(*DESK)
def desk_badge(registration_id: int):
    """The badge's texts to check or correct; the POST saves them and answers with the
    badge, ready to print."""
    event = require_event()
    registration = with_seats(db.session, event, registration_id)
    if registration is None:
        abort(404)
    form = DeskBadgeForm(obj=registration)
    if not form.validate_on_submit():
        return _badge_page(event, registration, form, 422 if form.is_submitted() else 200)
    correction = BadgeCorrection(form.full_name.data, form.latin_name.data or "",
                                 form.organisation.data)
    try:
        printed = print_at_desk(db.session, acting_user(), event, registration_id, correction)
    except NoBadge:
        flash(_("This registration is cancelled, so it has no badge."), "error")
        return _badge_page(event, registration, form, 409)
    if printed is None:
        abort(404)
    out = BytesIO()
    write_badges([printed.facts], LAYOUTS[printed.layout_key], out, title=printed.facts.full_name)
    out.seek(0)
    return private_response(send_file(
        out, mimetype="application/pdf", as_attachment=False, max_age=0,
        download_name=f"badge-{event.slug}-{registration_id}.pdf"))


@bp.route(f"{EVENT}/checkin/register", methods=["GET", "POST"])
@role_required(*DESK)
def desk_register():
    """Register someone at the desk, with the registration's own rules, then print."""
    event = require_event()
    form = OnTheSpotForm()
    if not form.is_submitted():
        form.category.data = RegistrationCategory.DELEGATE.value
    if form.validate_on_submit():
        details = AttendeeDetails(
            full_name=form.full_name.data, email=form.email.data,
            latin_name=form.latin_name.data or "", organisation=form.organisation.data,
            category=RegistrationCategory(form.category.data), locale=event.default_locale)
        try:
            registration = organizer.add(db.session, acting_user(), event, details, [],
                                         beyond_capacity=form.beyond_capacity.data)
        except AlreadyRegistered as taken:
            db.session.rollback()
            form.email.errors.append(_(
                "This address is registered already: %(name)s. Find them by name at the desk.",
                name=taken.registration.full_name))
        else:
            flash(_("%(name)s is registered; the confirmation with the private link is on its "
                    "way.", name=registration.full_name), "success")
            return deliver_after_response(redirect(url_for(".desk_badge",
                                                           registration_id=registration.id)))
    page = render_template("admin/desk_register.html", event=event, form=form)
    return page, 422 if form.is_submitted() else 200
