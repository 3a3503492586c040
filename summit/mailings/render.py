"""What a group mail says to one recipient: the organizer's Markdown, in the attendee's
language, with the placeholders filled in; an HTML part (rendered by markdown-it-py,
raw HTML off, cleaned again by nh3) and a plain-text part (the Markdown itself).

The Markdown is rendered once per mailing and language, with each placeholder standing
in as a token of letters and digits that Markdown leaves alone; each recipient's values
are then put in its place, escaped for where they land (HTML text, a link's address, the
plain text, a subject line). Attendee text is never read as Markdown, HTML or a
placeholder: one pass puts it in, nothing reads it again."""

from __future__ import annotations

import html
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import nh3
from flask import Flask, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from sqlalchemy.orm import Session, joinedload

from ..i18n import FALLBACK, LANGUAGES, localized
from ..labels import REGISTRATION_STATUSES
from ..models import (
    Mailing,
    MailingRecipient,
    MailingState,
    MailKind,
    MailMessage,
    Registration,
    SeatStatus,
    WithdrawnBecause,
)
from ..outbox import Rendered, Withdrawn, mime_boundary, register_renderer
from ..registration.seats import attendee_summary
from ..urls import url_builder
from .recipients import RecipientFilter

# What an organizer may write in braces, and what each stands for (shown beside the form).
PLACEHOLDERS = {
    "name": _l("the attendee’s name"),
    "event": _l("the event’s name"),
    "organisation": _l("the attendee’s organisation"),
    "registration_status": _l("confirmed, on the waiting list or cancelled"),
    "forums": _l("the forums where the attendee holds a seat or waits for one"),
    "seat_status": _l("each of those forums with the seat’s state (place on the waiting list)"),
    "private_link": _l("the address of the attendee’s own page (private)"),
    "badge_link": _l("the address of the attendee’s badge (PDF)"),
}
# Placeholders whose values are addresses: links in the HTML part.
LINKS = ("private_link", "badge_link")

# {name} is a placeholder; {{ and }} are braces; a brace otherwise stays as it is.
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z0-9_]+)\}")
_MARKDOWN = MarkdownIt("js-default")  # CommonMark and tables, raw HTML off
_ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"align"}, "th": {"align"}}


class UnknownPlaceholder(ValueError):
    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


def placeholders_in(text: str) -> list[str]:
    """The placeholders ``text`` uses, in order, each once."""
    found = (match.group(1) for match in _PLACEHOLDER.finditer(text or ""))
    return list(dict.fromkeys(name for name in found if name))


def check_placeholders(*texts: str) -> None:
    """Raise UnknownPlaceholder naming every placeholder in ``texts`` we do not know."""
    unknown = [name for text in texts for name in placeholders_in(text)
               if name not in PLACEHOLDERS]
    if unknown:
        raise UnknownPlaceholder(list(dict.fromkeys(unknown)))


def _fill(text: str, value_of: Callable[[str], str]) -> str:
    def one(match: re.Match) -> str:
        if match.group(0) == "{{":
            return "{"
        if match.group(0) == "}}":
            return "}"
        return value_of(match.group(1))

    return _PLACEHOLDER.sub(one, text or "")


def one_line(text: str) -> str:
    """A header's text: every run of whitespace (newlines too) one space."""
    return " ".join(text.split())


# --- a mailing in one language, rendered once ---------------------------------


def written_language(mailing: Mailing, lang: str) -> str:
    """The language a reader of ``lang`` gets: theirs when its subject and body are
    written, else the other one."""
    lang = lang if lang in LANGUAGES else "zh"
    if (getattr(mailing, f"subject_{lang}") or "").strip() and (
            getattr(mailing, f"body_{lang}") or "").strip():
        return lang
    return FALLBACK[lang]


@dataclass(frozen=True)
class Template:
    """One language of a mailing, ready for any recipient."""

    lang: str
    subject: str
    # The Markdown as written: the plain-text part.
    text: str
    # The cleaned HTML of the text alone (a preview), and the whole HTML part, each
    # placeholder in them as ``token`` + its name's index.
    body: str
    page: str
    token: str
    used: tuple[str, ...]

    def fill_html(self, html_text: str, values: Mapping[str, str]) -> str:
        names = list(PLACEHOLDERS)

        def one(match: re.Match) -> str:
            name = names[int(match.group(2))]
            escaped = html.escape(values[name], quote=True)
            if match.group(1):  # the address of a link the organizer wrote
                return f'href="{escaped}"'
            return f'<a href="{escaped}">{escaped}</a>' if name in LINKS else escaped

        return re.sub(rf'(href=")?{self.token}n(\d+)x(?(1)")', one, html_text)

    def fill_text(self, values: Mapping[str, str]) -> str:
        return _fill(self.text, values.__getitem__)

    def fill_subject(self, values: Mapping[str, str]) -> str:
        return one_line(_fill(self.subject, lambda name: one_line(values[name])))


def _sentinel(token: str, name: str) -> str:
    return f"{token}n{list(PLACEHOLDERS).index(name)}x"


def build_template(mailing: Mailing, lang: str) -> Template:
    """Render one language of ``mailing`` (the language its readers of ``lang`` get)."""
    lang = written_language(mailing, lang)
    subject, body = getattr(mailing, f"subject_{lang}"), getattr(mailing, f"body_{lang}")
    check_placeholders(subject, body)
    token = "z" + secrets.token_hex(6)
    markdown = _fill(body, lambda name: _sentinel(token, name))
    cleaned = nh3.clean(_MARKDOWN.render(markdown), tags=_ALLOWED_TAGS,
                        attributes=_ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                        link_rel="noopener noreferrer")
    with force_locale(LANGUAGES[lang]):
        page = render_template("mail/group_mail.html", body=cleaned, event=mailing.event,
                               language=lang)
    return Template(lang, subject, body, cleaned, page, token,
                    tuple(dict.fromkeys(placeholders_in(subject) + placeholders_in(body))))


# Rendered templates of the mailings being sent, by mailing, its last change and language.
_TEMPLATES: OrderedDict[tuple, Template] = OrderedDict()
_TEMPLATES_KEPT = 32


def template_for(mailing: Mailing, lang: str) -> Template:
    key = (mailing.id, mailing.updated_at, written_language(mailing, lang),
           mailing.event.name_zh, mailing.event.name_en)
    template = _TEMPLATES.get(key)
    if template is None or mailing.id is None:
        template = build_template(mailing, lang)
        _TEMPLATES[key] = template
        while len(_TEMPLATES) > _TEMPLATES_KEPT:
            _TEMPLATES.popitem(last=False)
    return template


# --- one recipient's values ------------------------------------------------------


def recipient_values(session: Session, registration: Registration, lang: str,
                     used: tuple[str, ...]) -> dict[str, str]:
    """The value of each placeholder in ``used`` for this registration, in ``lang``;
    only what is used is looked up (places on waiting lists cost a query each)."""
    event = registration.event
    values: dict[str, str] = {}
    link = url_builder() if set(used) & set(LINKS) else None
    with force_locale(LANGUAGES[lang]):
        for name in used:
            if name == "name":
                values[name] = (registration.latin_name if lang == "en"
                                and registration.latin_name.strip() else registration.full_name)
            elif name == "event":
                values[name] = str(localized(event, "name", lang))
            elif name == "organisation":
                values[name] = registration.organisation
            elif name == "registration_status":
                values[name] = str(REGISTRATION_STATUSES[registration.status])
            elif name in ("forums", "seat_status"):
                values[name] = _forums(session, registration, lang, with_state=name != "forums")
            elif name == "private_link":
                values[name] = link("attendee.page", token=registration.token)
            elif name == "badge_link":
                values[name] = link("badges.attendee_badge", token=registration.token)
    return values


def _forums(session: Session, registration: Registration, lang: str, with_state: bool) -> str:
    separator = "；" if lang == "zh" else "; "
    if not with_state:
        seats = sorted((seat for seat in registration.seats if seat.status != SeatStatus.CANCELLED),
                       key=lambda seat: (seat.forum.position, seat.forum.id))
        return separator.join(str(localized(seat.forum, "name", lang)) for seat in seats)
    parts = []
    for seat in attendee_summary(session, registration).seats:
        if seat.status == SeatStatus.CONFIRMED:
            state = _("seat confirmed")
        elif seat.position:
            state = _("waiting list, number %(position)d", position=seat.position)
        else:
            state = _("waiting list")
        parts.append(_("%(forum)s: %(seat)s", forum=localized(seat.forum, "name", lang),
                       seat=state))
    return separator.join(parts)


# --- the whole mail ---------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    lang: str
    subject: str
    text: str
    # The text's HTML alone (a preview), and the whole HTML part.
    body: str
    page: str


def write_as(session: Session, mailing: Mailing, registration: Registration,
             reader_lang: str | None = None) -> Written:
    """The mailing as this registration reads it (its mail), or as it would in
    ``reader_lang`` (a preview of each language)."""
    template = template_for(mailing, reader_lang or registration.locale)
    values = recipient_values(session, registration, template.lang, template.used)
    signature = str(localized(mailing.event, "name", template.lang))
    return Written(template.lang, template.fill_subject(values),
                   f"{template.fill_text(values)}\n\n-- \n{signature}\n",
                   template.fill_html(template.body, values),
                   template.fill_html(template.page, values))


def render(session: Session, mail: MailMessage) -> Rendered:
    """The outbox's renderer of group mails: the mailing as it stands, for the mail's
    registration (a test to an organizer: the registration it was written for).
    Withdrawn when the mailing was stopped, or the registration cancelled and the
    mailing was not for cancelled ones."""
    mailing = mail.mailing_recipient.mailing
    if not mail.mailing_recipient.test:
        if mailing.state == MailingState.STOPPED:
            raise Withdrawn(WithdrawnBecause.MAILING_STOPPED)
        if RecipientFilter.from_data(mailing.recipients).left_by(mail.registration):
            raise Withdrawn(WithdrawnBecause.REGISTRATION_CANCELLED)
    written = write_as(session, mailing, mail.registration)
    body = MIMEMultipart("alternative", boundary=mime_boundary())
    body.attach(MIMEText(written.text, "plain", "utf-8"))
    body.attach(MIMEText(written.page, "html", "utf-8"))
    return Rendered(written.subject, body, one_line(mail.registration.full_name))


def register_renderers(app: Flask) -> None:
    register_renderer(
        app, (MailKind.GROUP_MAIL.value,), render,
        joinedload(MailMessage.registration).joinedload(Registration.event),
        joinedload(MailMessage.mailing_recipient).joinedload(MailingRecipient.mailing),
    )
