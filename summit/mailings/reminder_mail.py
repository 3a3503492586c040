"""What a reminder says: in the attendee's language, their forums, the organizer's note,
links to their own page and badge, and their agenda attached as an .ics file."""

from __future__ import annotations

from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..events.current import use_event
from ..i18n import LANGUAGES, format_day, localized
from ..models import (
    MailMessage,
    RegistrationStatus,
    Reminder,
    ReminderDelivery,
    WithdrawnBecause,
)
from ..outbox import Rendered, Withdrawn, mime_boundary
from ..registration.mails import with_agenda
from ..registration.seats import attendee_summary
from ..urls import url_builder


def render(session: Session, mail: MailMessage) -> Rendered:
    """A reminder's mail from the registration and the reminder as they stand now;
    withdrawn when the registration was cancelled after it was queued."""
    registration = mail.registration
    if registration.status == RegistrationStatus.CANCELLED:
        raise Withdrawn(WithdrawnBecause.REGISTRATION_CANCELLED)
    reminder = session.scalars(
        select(Reminder).join(ReminderDelivery, ReminderDelivery.reminder_id == Reminder.id)
        .where(ReminderDelivery.mail_id == mail.id)).one()
    event = registration.event
    # The pages' templates show the site's event: for a mail, the one it is about.
    use_event(event)
    link = url_builder()
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    with force_locale(LANGUAGES.get(registration.locale, LANGUAGES["zh"])):
        context = {
            "event": event,
            "registration": registration,
            "confirmed": confirmed,
            "summary": attendee_summary(session, registration),
            "note": localized(reminder, "note"),
            "private_link": link("attendee.page", token=registration.token),
            "badge_link": link("badges.attendee_badge", token=registration.token),
            "agenda_link": link("programme.agenda", event_slug=event.slug),
        }
        subject = " ".join(_("Reminder: %(event)s begins on %(day)s",
                             event=localized(event, "name"),
                             day=format_day(event.starts_on)).split())
        body = MIMEMultipart("alternative", boundary=mime_boundary())
        body.attach(MIMEText(render_template("mail/reminder.txt", **context), "plain", "utf-8"))
        body.attach(MIMEText(render_template("mail/reminder.html", **context), "html", "utf-8"))
    message = with_agenda(session, registration, body) if confirmed else body
    return Rendered(subject, message, " ".join(registration.full_name.split()))
