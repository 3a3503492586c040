"""The certificate of attendance by mail: a short note in the attendee's language with
the certificate attached as a PDF, rendered when the outbox sends it."""

from __future__ import annotations

from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from io import BytesIO

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..events.current import use_event
from ..i18n import LANGUAGES, localized
from ..models import MailKind, MailMessage
from ..outbox import Rendered, mime_boundary, register_renderer
from ..urls import url_builder
from .certificate_pdf import write_certificates
from .certificates import certificates_of


def register_renderers(app: Flask) -> None:
    register_renderer(app, [MailKind.CERTIFICATE.value], render)


def render(session: Session, mail: MailMessage) -> Rendered:
    registration = mail.registration
    event = registration.event
    use_event(event)
    [certificate] = certificates_of(session, current_app.secret_key, [registration])
    pdf = BytesIO()
    write_certificates([certificate], pdf)
    with force_locale(LANGUAGES.get(registration.locale, LANGUAGES["zh"])):
        subject = _("Your certificate of attendance: %(event)s", event=localized(event, "name"))
        text = render_template(
            "mail/certificate.txt", event=event, registration=registration,
            certificate=certificate,
            private_link=url_builder()("attendee.page", token=registration.token))
    message = MIMEMultipart("mixed", boundary=mime_boundary())
    message.attach(MIMEText(text, "plain", "utf-8"))
    attachment = MIMEApplication(pdf.getvalue(), "pdf")
    attachment.add_header("Content-Disposition", "attachment",
                          filename=f"certificate-{event.slug}.pdf")
    message.attach(attachment)
    return Rendered(" ".join(subject.split()), message, " ".join(registration.full_name.split()))
