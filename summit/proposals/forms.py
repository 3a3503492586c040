"""The proposal form (``/<event>/cfp``, and the submitter's own page), a speaker's
details, and the buttons of a speaker's page."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..forms import clean_block, clean_text, printable, printable_lines
from ..i18n import localized
from ..labels import SESSION_KINDS
from ..models import ProposalCall, SessionKind
from .service import MAX_CO_SPEAKERS, ProposalDraft, SpeakerDetails

_AT_MOST = _l("At most %(max)d characters.")
_SEPARATORS = re.compile(r"[\s,;，；、]+")


def _line(label, length: int, required=None, **options) -> StringField:
    validators = [DataRequired(message=required)] if required else [Optional()]
    return StringField(label, filters=[clean_text], validators=[
        *validators, Length(max=length, message=_AT_MOST), printable], **options)


def _block(label, length: int, **options) -> TextAreaField:
    return TextAreaField(label, filters=[clean_block], validators=[
        Optional(), Length(max=length, message=_AT_MOST), printable_lines], **options)


def parse_emails(text: str) -> list[str]:
    """Addresses separated by spaces, commas, semicolons or new lines, lower case, each
    once; raises ValueError naming the first that is no address."""
    found: list[str] = []
    for piece in _SEPARATORS.split(text or ""):
        if not piece:
            continue
        try:
            address = validate_email(piece, check_deliverability=False).normalized.lower()
        except EmailNotValidError as invalid:
            raise ValueError(piece) from invalid
        if address not in found:
            found.append(address)
    return found


class DetailsForm(FlaskForm):
    """A speaker's own details: what the programme shows of them once accepted."""

    name = _line(_l("Name"), 200, required=_l("Please enter your name."))
    affiliation = _line(_l("Affiliation"), 300, required=_l("Please enter your affiliation."))
    bio = _block(_l("Biography (optional)"), 3000)

    def details(self) -> SpeakerDetails:
        return SpeakerDetails(self.name.data, self.affiliation.data, self.bio.data or "")


class ProposalForm(DetailsForm):
    """The proposal; ``offer`` sets the forums, kinds and durations of the call."""

    title_zh = _line(_l("Title in Chinese"), 300, render_kw={"lang": "zh-Hans"})
    title_en = _line(_l("Title in English"), 300, render_kw={"lang": "en"})
    abstract_zh = _block(_l("Abstract in Chinese"), 5000, render_kw={"lang": "zh-Hans"})
    abstract_en = _block(_l("Abstract in English"), 5000, render_kw={"lang": "en"})
    forum_id = SelectField(_l("Forum"), coerce=int, choices=[])
    kind = SelectField(_l("Kind of session"), choices=[])
    duration_minutes = SelectField(_l("Duration"), coerce=int, choices=[])
    notes = _block(_l("Notes to the organizers (optional; reviewers do not see them)"), 3000)
    co_speakers = TextAreaField(
        _l("Co-speakers’ email addresses (optional)"),
        description=_l("One per line. Each gets their own link by mail to add their details."))

    def offer(self, call: ProposalCall) -> None:
        self.forum_id.choices = [SelectChoice(forum.id, localized(forum, "name"))
                                 for forum in call.forums]
        self.kind.choices = [SelectChoice(kind, SESSION_KINDS[SessionKind(kind)])
                             for kind in call.session_kinds]
        self.duration_minutes.choices = [
            SelectChoice(minutes, _l("%(num)d minutes", num=minutes))
            for minutes in call.durations]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Each field is optional alone (Optional stops a field's own checks): one of
        # each pair is needed.
        for stem, message in (
                ("title", _l("Give a title in Chinese, in English, or both.")),
                ("abstract", _l("Give an abstract in Chinese, in English, or both."))):
            if not (self[f"{stem}_zh"].data or self[f"{stem}_en"].data):
                self[f"{stem}_zh"].errors = [*self[f"{stem}_zh"].errors, message]
                valid = False
        return valid

    def validate_co_speakers(self, field) -> None:
        try:
            addresses = parse_emails(field.data)
        except ValueError as wrong:
            raise ValidationError(_l("“%(address)s” is not an email address.",
                                     address=str(wrong))) from wrong
        if len(addresses) > MAX_CO_SPEAKERS:
            raise ValidationError(_l("At most %(max)d co-speakers.", max=MAX_CO_SPEAKERS))

    def draft(self) -> ProposalDraft:
        return ProposalDraft(
            title_zh=self.title_zh.data or "", title_en=self.title_en.data or "",
            abstract_zh=self.abstract_zh.data or "", abstract_en=self.abstract_en.data or "",
            forum_id=self.forum_id.data, kind=self.kind.data,
            duration_minutes=self.duration_minutes.data, notes=self.notes.data or "",
            co_speaker_emails=parse_emails(self.co_speakers.data))


class NewProposalForm(ProposalForm):
    email = EmailField(_l("Email"), filters=[clean_text], validators=[
        DataRequired(message=_l("Please enter your email address.")),
        Length(max=254, message=_AT_MOST),
        Email(message=_l("Enter a valid email address, such as name@example.com."),
              check_deliverability=False)])

    def address(self) -> str:
        return self.email.data.lower()


class ButtonForm(FlaskForm):
    """Only the CSRF token: the page around the button says what it does."""
