"""The attendee's own badge PDF."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, send_file
from flask_babel import gettext as _

from ..errors import error_response
from ..models import RegistrationStatus
from ..registration.views import registration_or_404
from ..web import private_response
from .layouts import DEFAULT_LAYOUT, LAYOUTS
from .render import badge_facts, write_badges

bp = Blueprint("badges", __name__)


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
