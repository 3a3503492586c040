"""/admin/<event>/certificates: the certificates of attendance: when attendees get
them, all of them as one PDF, and mailing them. For organizers."""

from __future__ import annotations

import tempfile

from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from ...auth.access import ORGANIZERS, acting_user, role_required
from ...badges import certificates
from ...badges.certificate_pages import write_registrations_certificates
from ...errors import error_response
from ...events.current import require_event
from ...extensions import db
from ...models import utcnow
from ...outbox import deliver_after_response
from .. import bp
from ..addresses import EVENT
from ..navigation import add_entry

add_entry("admin.certificates_page", _l("Certificates"), roles=ORGANIZERS, order=55)


class MailCertificatesForm(FlaskForm):
    """Only the CSRF token: the page says who gets one."""


@bp.get(f"{EVENT}/certificates")
@role_required(*ORGANIZERS)
def certificates_page():
    event = require_event()
    return render_template(
        "admin/certificates.html", event=event,
        attendees=len(certificates.certified_registrations(db.session, event)),
        open_now=event.certificates_from is not None and utcnow() >= event.certificates_from,
        form=MailCertificatesForm())


@bp.get(f"{EVENT}/certificates.pdf")
@role_required(*ORGANIZERS)
def certificates_pdf():
    """Every attendee's certificate, one a page, in pinyin order of their names: the
    pages kept beforehand, the others rendered now."""
    event = require_event()
    registrations = certificates.certified_registrations(db.session, event)
    if not registrations:
        return error_response(404, _("Nobody has been checked in yet."))
    out = tempfile.TemporaryFile()  # noqa: SIM115  (send_file closes it)
    try:
        write_registrations_certificates(db.session, current_app.secret_key, registrations,
                                         out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    response = send_file(out, mimetype="application/pdf", as_attachment=True,
                         download_name=f"certificates-{event.slug}.pdf", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post(f"{EVENT}/certificates/mail")
@role_required(*ORGANIZERS)
def certificates_mail():
    event = require_event()
    if not MailCertificatesForm().validate_on_submit():
        abort(400)
    try:
        queued = certificates.queue_certificate_mails(db.session, acting_user(), event)
    except certificates.CertificatesNotOpen:
        flash(_("No certificate was mailed: their time has not come."), "error")
    else:
        if queued:
            flash(_("%(count)d certificates are on their way.", count=queued), "success")
        else:
            flash(_("Everyone who was checked in has been mailed their certificate already."),
                  "success")
    return deliver_after_response(redirect(url_for(".certificates_page")))
