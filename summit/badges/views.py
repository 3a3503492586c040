"""The attendee's own badge and certificate of attendance; the public page that says
whether a certificate is genuine."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, current_app, render_template, send_file
from flask_babel import gettext as _

from ..errors import error_response
from ..events.current import EVENT_PREFIX, require_event, serve_under_event_slug
from ..extensions import db
from ..i18n import format_moment
from ..models import RegistrationStatus
from ..registration.views import registration_or_404
from ..web import private_response
from . import certificates
from .certificate_pages import write_registrations_certificates
from .certificates import Availability
from .layouts import DEFAULT_LAYOUT, LAYOUTS
from .render import badge_facts, write_badges

bp = Blueprint("badges", __name__)
certificates_bp = Blueprint("certificates", __name__, url_prefix=EVENT_PREFIX)
serve_under_event_slug(certificates_bp)


@bp.app_context_processor
def certificate_rule() -> dict:
    """The attendee's page offers the certificate by this rule (it runs no query)."""
    return {"certificate_availability": certificates.availability}


@bp.get("/r/<token>/badge.pdf")
def attendee_badge(token: str):
    """The attendee's own badge, A6, for printing at home or showing at the desk."""
    registration = registration_or_404(token)
    event = registration.event
    if registration.status == RegistrationStatus.CANCELLED:
        return private_response(
            error_response(410, _("This registration is cancelled, so it has no badge.")))
    if registration.status != RegistrationStatus.CONFIRMED:
        return private_response(error_response(
            409, _("Your badge is ready as soon as your place at the conference is confirmed.")))
    out = BytesIO()
    write_badges([badge_facts(registration)], LAYOUTS[DEFAULT_LAYOUT], out,
                 title=registration.full_name)
    out.seek(0)
    return private_response(send_file(out, mimetype="application/pdf", as_attachment=True,
                                      download_name=f"badge-{event.slug}.pdf", max_age=0))


@bp.get("/r/<token>/certificate.pdf")
def attendee_certificate(token: str):
    """The attendee's certificate of attendance, once checked in and once the
    organizers' time has come: the page kept beforehand, or rendered now and kept."""
    registration = registration_or_404(token)
    event = registration.event
    state = certificates.availability(registration)
    if state is Availability.NONE:
        return private_response(error_response(
            404, _("This event gives no certificates of attendance.")))
    if state is Availability.NOT_CHECKED_IN:
        return private_response(error_response(
            403, _("Certificates of attendance are for attendees who were checked in at the "
                   "event.")))
    if state is Availability.NOT_YET:
        return private_response(error_response(409, _(
            "Your certificate of attendance will be ready on %(moment)s.",
            moment=format_moment(event.certificates_from, event.timezone))))
    out = BytesIO()
    write_registrations_certificates(db.session, current_app.secret_key, [registration], out)
    out.seek(0)
    return private_response(send_file(out, mimetype="application/pdf", as_attachment=True,
                                      download_name=f"certificate-{event.slug}.pdf",
                                      max_age=0))


@certificates_bp.get("/certificates/<code>")
def verify(code: str):
    """Whether a certificate with this code is genuine: the name and the event, nothing
    more. Any other code is not found."""
    event = require_event()
    registration = certificates.verified_registration(
        db.session, current_app.secret_key, event, code[:64])
    if registration is None:
        return private_response(error_response(
            404, _("No certificate of attendance of this event has this code.")))
    # Not for search engines: the page names a person.
    return private_response(render_template("badges/verify.html", event=event,
                                            registration=registration, code=code))
