"""/admin/<event>/dashboard: how registration and check-in stand, the numbers at a glance
as charts with their tables (each downloadable as CSV), and what needs attention."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.access import ORGANIZERS, acting_user, role_required
from ..badges.fonts import cjk_font_status
from ..events.current import require_event
from ..extensions import db
from ..outbox import deliver_due
from ..web import csv_download
from . import bp
from .addresses import EVENT
from .dashboard_charts import chart_csv, chart_named
from .dashboard_service import dashboard as dashboard_figures
from .dashboard_service import retry_failed_mails
from .dashboard_svg import render_svg
from .navigation import add_entry
from .registrations.forms import ActionForm

# Mails sent while the organizer waits; the rest go with `flask summit send-mail`.
RETRY_NOW_LIMIT = 10

add_entry("admin.dashboard", _l("Dashboard"), roles=ORGANIZERS, order=20)


@bp.get(f"{EVENT}/dashboard")
@role_required(*ORGANIZERS)
def dashboard():
    event = require_event()
    figures = dashboard_figures(db.session, event)
    return render_template(
        "admin/dashboard.html",
        event=event,
        figures=figures,
        drawn={chart.slug: render_svg(chart, chart_heading(chart.slug))
               for chart in figures.charts},
        chart_heading=chart_heading,
        fonts=cjk_font_status(),
        retry_form=ActionForm(),
    )


def chart_heading(slug: str) -> str:
    """The id of a chart's heading, which names the chart and its table."""
    return f"chart-{slug}-heading"


@bp.get(f"{EVENT}/dashboard/<chart>.csv")
@role_required(*ORGANIZERS)
def dashboard_chart_csv(chart: str):
    """A chart's table as CSV."""
    event = require_event()
    found = chart_named(db.session, event, chart)
    if found is None:
        abort(404)
    return csv_download(chart_csv(found), f"{found.slug}-{event.slug}.csv")


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
