"""The attendee's own badge PDF."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, send_file
from flask_babel import gettext as _

from ..errors import error_response
from ..models import RegistrationStatus
from ..registration.links import registration_or_404
from .layouts import DEFAULT_LAYOUT, LAYOUTS
from .render import badge_facts, write_badges

bp = Blueprint("badges", __name__)


@bp.get("/r/<token>/badge.pdf")
def attendee_badge(token: str):
    """The attendee's own badge, A6, for printing at home or showing at the desk."""
    registration = registration_or_404(token)
    event = registration.event
    if registration.status == RegistrationStatus.CANCELLED:
        return error_response(410, _("This registration is cancelled, so it has no badge."))
    if registration.status != RegistrationStatus.CONFIRMED:
        return error_response(
            409, _("Your badge is ready as soon as your place at the conference is confirmed.")
        )
    out = BytesIO()
    write_badges([badge_facts(registration)], LAYOUTS[DEFAULT_LAYOUT], out,
                 title=registration.full_name)
    out.seek(0)
    response = send_file(out, mimetype="application/pdf", as_attachment=True,
                         download_name=f"badge-{event.slug}.pdf", max_age=0)
    # The link carries the attendee's secret: never stored by shared caches or indexed.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
