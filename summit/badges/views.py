"""Badge PDFs: the attendee's own and the organizers' batch print."""

from __future__ import annotations

import tempfile
from io import BytesIO

from flask import Blueprint, abort, request, send_file
from flask_babel import gettext as _

from ..auth.access import role_required
from ..errors import error_response
from ..extensions import db
from ..models import RegistrationStatus, Role
from ..program.current import require_event
from ..registration.service import find_by_token
from . import service
from .layouts import DEFAULT_LAYOUT, LAYOUTS
from .render import badge_facts, write_badges

bp = Blueprint("badges", __name__)


@bp.get("/r/<token>/badge.pdf")
def attendee_badge(token: str):
    """The attendee's own badge, A6, for printing at home or showing at the desk."""
    event = require_event()
    registration = find_by_token(db.session, token)
    if registration is None or registration.event_id != event.id:
        abort(404)
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


@bp.get("/admin/badges.pdf")
@role_required(Role.ORGANIZER)
def batch():
    """Every badge the filter selects, in its order, on the chosen layout:
    ?category=&forum=&status=&printed=&layout=&order= (all optional)."""
    event = require_event()
    try:
        wanted = service.parse_filter(request.args)
        registrations = service.badge_registrations(db.session, event, wanted)
    except service.BadgeFilterError as error:
        return error_response(400, str(error))
    if not registrations:
        return error_response(404, _("No registration matches these filters."))
    # Long runs go to a nameless file, not memory, and stream from there; the response
    # closes it.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        write_badges([badge_facts(registration) for registration in registrations],
                     wanted.layout, out, title=f"{event.slug} badges")
    except BaseException:
        out.close()
        raise
    out.seek(0)
    response = send_file(out, mimetype="application/pdf", as_attachment=True,
                         download_name=f"badges-{event.slug}-{wanted.layout.key}.pdf", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
