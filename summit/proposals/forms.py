"""The proposal form (``/<event>/cfp``, and the submitter's own page), and what else a
speaker's page asks: their details, photo and availability, and its buttons (the
materials' forms are the programme's)."""

from __future__ import annotations

import re
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from ..forms import clean_block, clean_text, printable, printable_lines
from ..i18n import format_day, localized
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
    """A speaker's own details, in Chinese and English: what the programme shows of them
    once their proposal is accepted."""

    name = _line(_l("Name"), 200, required=_l("Please enter your name."))
    affiliation_zh = _line(_l("Affiliation in Chinese"), 300, render_kw={"lang": "zh-Hans"})
    affiliation_en = _line(_l("Affiliation in English"), 300, render_kw={"lang": "en"})
    bio_zh = _block(_l("Biography in Chinese (optional)"), 3000, render_kw={"lang": "zh-Hans"})
    bio_en = _block(_l("Biography in English (optional)"), 3000, render_kw={"lang": "en"})

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.affiliation_zh.data or self.affiliation_en.data):
            self.affiliation_zh.errors = [
                *self.affiliation_zh.errors,
                _l("Give your affiliation in Chinese, in English, or both.")]
            valid = False
        return valid

    def details(self) -> SpeakerDetails:
        return SpeakerDetails(self.name.data, self.affiliation_zh.data or "",
                              self.affiliation_en.data or "", self.bio_zh.data or "",
                              self.bio_en.data or "")


class PhotoForm(FlaskForm):
    """A speaker's photo: judged by its content (``programme.photos``), not here."""

    photo = FileField(_l("Photo (PNG, JPEG or WebP, at most 2 MB)"),
                      validators=[InputRequired(_l("Choose a photo."))],
                      render_kw={"accept": "image/png,image/jpeg,image/webp"})


class AvailabilityForm(FlaskForm):
    """One time range on one of the event's days, on the event's clock."""

    day = SelectField(_l("Day"), choices=[])
    starts = TimeField(_l("Starts"), validators=[InputRequired(_l("Enter a time."))])
    ends = TimeField(_l("Ends"), validators=[InputRequired(_l("Enter a time."))])

    def offer(self, days: list[date]) -> None:
        self.day.choices = [SelectChoice(day.isoformat(), format_day(day)) for day in days]

    def chosen_day(self) -> date:
        return date.fromisoformat(self.day.data)


class ProposalForm(FlaskForm):
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
    """The call's form: the proposal, and its submitter's details typed once, in one
    language (their own page then keeps them in both)."""

    name = _line(_l("Name"), 200, required=_l("Please enter your name."))
    affiliation = _line(_l("Affiliation"), 300, required=_l("Please enter your affiliation."))
    bio = _block(_l("Biography (optional)"), 3000)
    email = EmailField(_l("Email"), filters=[clean_text], validators=[
        DataRequired(message=_l("Please enter your email address.")),
        Length(max=254, message=_AT_MOST),
        Email(message=_l("Enter a valid email address, such as name@example.com."),
              check_deliverability=False)])

    def address(self) -> str:
        return self.email.data.lower()

    def details(self) -> SpeakerDetails:
        return SpeakerDetails.as_typed(self.name.data, self.affiliation.data,
                                       self.bio.data or "")


class ButtonForm(FlaskForm):
    """Only the CSRF token: the page around the button says what it does."""
