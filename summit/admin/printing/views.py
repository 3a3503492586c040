"""/admin/printing: choose which badges to print and on which sheet, get the PDF
(``/admin/badges.pdf``), then note them as printed. And reprinting one badge from a
registration's page."""

from __future__ import annotations

import tempfile

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...auth.access import ORGANIZERS, acting_user, role_required
from ...badges import service as badges
from ...badges.desk import NoBadge, print_one
from ...badges.layouts import LAYOUTS
from ...badges.page_cache import write_registrations_badges
from ...badges.render import write_badges
from ...errors import error_response
from ...events.current import require_event
from ...extensions import db
from ...i18n import localized
from ...registration.service import choosable_forums
from ...user_input import database_ids, local_path
from .. import bp
from ..addresses import EVENT
from ..navigation import add_entry
from ..registrations.forms import ReprintForm
from .forms import BadgePrintForm, MarkPrintedForm

# The query arguments that /admin/badges.pdf reads.
FILTER_ARGUMENTS = ("layout", "category", "forum", "status", "printed", "order")
# More than any event's badges, fewer than a database takes in one statement's list.
MAX_MARKED_AT_ONCE = 20_000

add_entry("admin.badge_printing", _l("Badges"), roles=ORGANIZERS, order=50)



@bp.get(f"{EVENT}/printing")
@role_required(*ORGANIZERS)
def badge_printing():
    event = require_event()
    form = BadgePrintForm(formdata=request.args)
    form.offer([(forum.slug, localized(forum, "name"))
                for forum in choosable_forums(db.session, event)])
    arguments = {name: request.args[name] for name in FILTER_ARGUMENTS if request.args.get(name)}
    selected = error = None
    if "show" in request.args:
        try:
            selected = badges.badge_registrations(
                db.session, event, badges.parse_filter(request.args)
            )
        except badges.BadgeFilterError as refused:
            error = str(refused)
    mark_form = MarkPrintedForm(formdata=None)
    if selected:
        mark_form.ids.data = ",".join(str(registration.id) for registration in selected)
    page = render_template(
        "admin/printing.html",
        event=event,
        form=form,
        selected=selected,
        printed_before=sum(1 for r in selected or [] if r.badge_printed_at is not None),
        lost=badges.lost_characters(selected or []),
        error=error,
        pdf_url=url_for("admin.badges_pdf", **arguments),
        mark_form=mark_form,
        back=url_for(".badge_printing", show="1", **arguments),
    )
    return page, 400 if error else 200


def _back_to_the_screen(back: str | None) -> str | None:
    """Where to go once badges are noted: the printing screen as it was (``back``), the
    plain screen without one; None, refused, for any other address."""
    screen = url_for(".badge_printing")
    if not back:
        return screen
    path = local_path(back)
    return path if path is not None and path.startswith(screen + "?") else None


@bp.post(f"{EVENT}/printing/mark")
@role_required(*ORGANIZERS)
def badge_printing_mark():
    """Note the badges the screen listed as printed now."""
    event = require_event()
    form = MarkPrintedForm()
    # Checked before anything is noted: a refused address must leave nothing half done.
    target = _back_to_the_screen(request.args.get("back"))
    if not form.validate_on_submit() or target is None:
        abort(400)
    try:
        ids = sorted(set(database_ids(form.ids.data)))
    except ValueError:
        abort(400)
    if len(ids) > MAX_MARKED_AT_ONCE:
        abort(413)
    marked = badges.mark_badges_printed(db.session, acting_user(), event, ids)
    flash(_("%(count)d badges noted as printed.", count=marked), "success")
    return redirect(target)


@bp.post(f"{EVENT}/registrations/<int:registration_id>/badge.pdf")
@role_required(*ORGANIZERS)
def registration_badge(registration_id: int):
    """Print one badge again (a lost or misprinted one), noted and counted as printed."""
    event = require_event()
    form = ReprintForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        printed = print_one(db.session, acting_user(), event, registration_id, form.layout.data)
    except NoBadge:
        abort(400)
    if printed is None:
        abort(404)
    out = tempfile.TemporaryFile()  # noqa: SIM115  (send_file closes it)
    try:
        write_badges([printed.facts], LAYOUTS[printed.layout_key], out,
                     title=printed.facts.full_name)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return send_file(out, mimetype="application/pdf", as_attachment=True,
                     download_name=f"badge-{event.slug}-{registration_id}.pdf", max_age=0)


@bp.get(f"{EVENT}/badges.pdf")
@role_required(*ORGANIZERS)
def badges_pdf():
    """Every badge the filter selects, in its order, on the chosen layout:
    ?category=&forum=&status=&printed=&layout=&order= (all optional)."""
    event = require_event()
    try:
        wanted = badges.parse_filter(request.args)
        registrations = badges.badge_registrations(db.session, event, wanted)
    except badges.BadgeFilterError as error:
        return error_response(400, str(error))
    if not registrations:
        return error_response(404, _("No registration matches these filters."))
    # Long runs go to a nameless file, not memory, and stream from there; the response
    # closes it.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        write_registrations_badges(db.session, registrations, wanted.layout, out,
                                   title=f"{event.slug} badges")
    except BaseException:
        out.close()
        raise
    out.seek(0)
    response = send_file(out, mimetype="application/pdf", as_attachment=True,
                         download_name=f"badges-{event.slug}-{wanted.layout.key}.pdf", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
