"""/admin/dashboard: how registration and check-in stand, and what needs attention."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.access import ORGANIZERS, acting_user, role_required
from ..badges.fonts import cjk_font_status
from ..events.current import require_event
from ..extensions import db
from ..outbox import deliver_due
from . import bp
from .addresses import EVENT
from .dashboard_service import dashboard as dashboard_figures
from .dashboard_service import retry_failed_mails
from .navigation import add_entry
from .registrations.forms import ActionForm

# Mails sent while the organizer waits; the rest go with `flask summit send-mail`.
RETRY_NOW_LIMIT = 10

add_entry("admin.dashboard", _l("Dashboard"), roles=ORGANIZERS, order=20)


@bp.get(f"{EVENT}/dashboard")
@role_required(*ORGANIZERS)
def dashboard():
    event = require_event()
    return render_template(
        "admin/dashboard.html",
        event=event,
        figures=dashboard_figures(db.session, event),
        fonts=cjk_font_status(),
        retry_form=ActionForm(),
    )


@bp.post(f"{EVENT}/dashboard/mails/retry")
@role_required(*ORGANIZERS)
def dashboard_retry_mails():
    """Make every failed mail due and send the first RETRY_NOW_LIMIT of them now."""
    return _retry(None)


@bp.post(f"{EVENT}/dashboard/mails/<int:mail_id>/retry")
@role_required(*ORGANIZERS)
def dashboard_retry_mail(mail_id: int):
    """Try one failed mail again now."""
    return _retry(mail_id)


def _retry(mail_id: int | None):
    if not ActionForm().validate_on_submit():
        abort(400)
    retried = retry_failed_mails(db.session, acting_user(), require_event(), mail_id)
    if not retried:
        flash(_("There was no failed mail to send again."), "error")
        return redirect(url_for(".dashboard"))
    sent, failed = deliver_due(db.session, limit=RETRY_NOW_LIMIT)
    flash(_("Sent %(sent)d mail(s); %(failed)d failed again.", sent=sent, failed=failed),
          "success" if not failed else "error")
    return redirect(url_for(".dashboard"))
