"""What the registration's mails say: their subjects, their text and HTML from the
mail templates, the attendee's agenda as an .ics attachment. The outbox sends them."""

from __future__ import annotations

from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session, joinedload

from ..calendar.service import attendee_ics
from ..events.current import use_event
from ..i18n import LANGUAGES, localized
from ..models import Event, MailKind, MailMessage, Registration, RegistrationStatus, Seat
from ..outbox import Rendered, mime_boundary, register_renderer
from ..urls import url_builder
from .seats import attendee_summary
from .service import register_again_key

# The mails this module writes (other areas write other kinds).
REGISTRATION_MAILS = (MailKind.CONFIRMATION, MailKind.LINK, MailKind.PROMOTION,
                      MailKind.CANCELLATION, MailKind.REGISTER_AGAIN)


def register_renderers(app: Flask) -> None:
    """The outbox writes the registration's mails with ``render``."""
    register_renderer(
        app, (kind.value for kind in REGISTRATION_MAILS), render,
        # What rendering reads (the event's forums name the main forum for the agenda).
        joinedload(MailMessage.registration).options(
            joinedload(Registration.event).joinedload(Event.forums),
            joinedload(Registration.seats).joinedload(Seat.forum),
        ),
    )


def _subjects() -> dict[MailKind, str]:
    return {
        MailKind.CONFIRMATION: _("Your registration for %(event)s"),
        MailKind.LINK: _("Your private link for %(event)s"),
        MailKind.PROMOTION: _("You have moved up from the waiting list: %(event)s"),
        MailKind.CANCELLATION: _("Your registration for %(event)s is cancelled"),
        MailKind.REGISTER_AGAIN: _("Register again for %(event)s"),
    }


def render(session: Session, mail: MailMessage) -> Rendered:
    """A registration's mail in the attendee's language, from the registration as it
    stands now; its links under the address it was queued at (the outbox's unit of work)."""
    registration = mail.registration
    event = registration.event
    # The pages' templates show the site's event: for a mail, the one it is about.
    use_event(event)
    kind = MailKind(mail.kind)
    link = url_builder()
    with force_locale(LANGUAGES.get(registration.locale, LANGUAGES["zh"])):
        context = {
            "kind": kind,
            "event": event,
            "registration": registration,
            "summary": attendee_summary(session, registration),
            "private_link": link("attendee.page", token=registration.token),
            "agenda_link": link("programme.agenda", event_slug=event.slug),
        }
        if kind is MailKind.REGISTER_AGAIN:
            context["register_again_link"] = link(
                "registration.register_again", event_slug=event.slug,
                key=register_again_key(current_app.secret_key, registration))
        subject = " ".join((_subjects()[kind] % {"event": localized(event, "name")}).split())
        body = MIMEMultipart("alternative", boundary=mime_boundary())
        body.attach(MIMEText(render_template("mail/registration.txt", **context), "plain", "utf-8"))
        body.attach(MIMEText(render_template("mail/registration.html", **context), "html", "utf-8"))

    message = body
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    if confirmed and kind in (MailKind.CONFIRMATION, MailKind.PROMOTION):
        message = with_agenda(session, registration, body)
    return Rendered(subject, message, " ".join(registration.full_name.split()))


def with_agenda(session: Session, registration: Registration, body: MIMEMultipart
                ) -> MIMEMultipart:
    """``body`` with the attendee's own agenda attached as an .ics file, from the same
    builder as their calendar feed."""
    agenda = MIMEText(attendee_ics(session, registration).decode(), "calendar", "utf-8")
    agenda.set_param("method", "PUBLISH")
    agenda.add_header("Content-Disposition", "attachment",
                      filename=f"{registration.event.slug}.ics")
    message = MIMEMultipart("mixed", boundary=mime_boundary())
    message.attach(body)
    message.attach(agenda)
    return message
