"""What the call's mails say: the link to a new proposal (the submitter's, each
co-speaker's), and the decisions, from the call's own bilingual texts. The outbox
sends them."""

from __future__ import annotations

import re
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from flask import Flask, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session, joinedload

from ..events.current import use_event
from ..i18n import LANGUAGES, localized
from ..models import (
    MailMessage,
    Proposal,
    ProposalCall,
    ProposalMailKind,
    ProposalSpeaker,
)
from ..outbox import Rendered, mime_boundary, register_renderer
from ..urls import url_builder
from .service import call_of

# The only placeholders of the decision texts: anything else in braces stays as typed.
PLACEHOLDER = re.compile(r"\{(name|title|event|link)\}")


def register_renderers(app: Flask) -> None:
    register_renderer(
        app, (kind.value for kind in ProposalMailKind), render,
        joinedload(MailMessage.proposal_speaker).joinedload(ProposalSpeaker.proposal).options(
            joinedload(Proposal.event), joinedload(Proposal.speakers)),
    )


def fill_in(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda found: values[found[1]], text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def decision_text(call: ProposalCall, accepted: bool, locale: str,
                  values: dict[str, str]) -> tuple[str, str]:
    """The subject and body of a decision mail in ``locale`` (the other language's text
    when this one's is empty), placeholders filled in."""
    stem = "accept" if accepted else "reject"
    subject = localized(call, f"{stem}_subject", locale)
    body = localized(call, f"{stem}_body", locale)
    return _one_line(fill_in(str(subject), values)), fill_in(str(body), values)


def render(session: Session, mail: MailMessage) -> Rendered:
    speaker = mail.proposal_speaker
    proposal = speaker.proposal
    event = proposal.event
    use_event(event)
    kind = ProposalMailKind(mail.kind)
    locale = speaker.locale if speaker.locale in LANGUAGES else "zh"
    with force_locale(LANGUAGES[locale]):
        link = url_builder()("proposals.speaker_page", token=speaker.token)
        title = proposal.title_zh if locale == "zh" and proposal.title_zh else (
            proposal.title_en or proposal.title_zh)
        context = {"kind": kind.value, "event": event, "proposal": proposal,
                   "speaker": speaker, "link": link, "title": title}
        if kind in (ProposalMailKind.ACCEPTED, ProposalMailKind.REJECTED):
            values = {"name": speaker.name or speaker.email, "title": title,
                      "event": str(localized(event, "name", locale)), "link": link}
            subject, text = decision_text(call_of(session, event),
                                          kind is ProposalMailKind.ACCEPTED, locale, values)
            context["decision"] = text
        else:
            subject = _one_line(
                (_("Your proposal to %(event)s") if kind is ProposalMailKind.RECEIVED
                 else _("You are named as a speaker of a proposal to %(event)s"))
                % {"event": localized(event, "name")})
        body = MIMEMultipart("alternative", boundary=mime_boundary())
        body.attach(MIMEText(render_template("mail/proposal.txt", **context), "plain", "utf-8"))
        body.attach(MIMEText(render_template("mail/proposal.html", **context), "html", "utf-8"))
    return Rendered(subject, body, _one_line(speaker.name))
