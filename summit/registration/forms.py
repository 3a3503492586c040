"""The registration form and the attendee's own forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from ..forms import CheckboxListField, clean_text, latin_letters, phone_number, printable
from ..labels import CATEGORIES
from ..models import RegistrationCategory
from ..user_input import database_ids, database_int
from .details import AttendeeDetails

# What attendees may choose themselves; speakers, VIPs and staff are set by organizers.
SELF_SERVICE_CATEGORIES = (
    RegistrationCategory.DELEGATE,
    RegistrationCategory.STUDENT,
    RegistrationCategory.PRESS,
)


class ForumChoiceForm(FlaskForm):
    # The forums offered are shown, not checked here: the registration service reads
    # the chosen ones under its lock and refuses an id that is not one of them.
    forums = CheckboxListField(_l("Parallel forums"), coerce=int, validate_choice=False)


class RegistrationForm(ForumChoiceForm):
    full_name = StringField(
        _l("Full name"),
        filters=[clean_text],
        validators=[
            DataRequired(message=_l("Please enter your name.")),
            Length(max=100, message=_l("At most %(max)d characters.")),
            printable,
        ],
    )
    latin_name = StringField(
        _l("Name in Latin letters (optional)"),
        filters=[clean_text],
        validators=[Optional(), Length(max=100, message=_l("At most %(max)d characters.")),
                    latin_letters],
    )
    email = EmailField(
        _l("Email"),
        filters=[clean_text],
        validators=[
            DataRequired(message=_l("Please enter your email address.")),
            Length(max=254, message=_l("At most %(max)d characters.")),
            Email(message=_l("Enter a valid email address, such as name@example.com."),
                  check_deliverability=False),
        ],
    )
    phone = TelField(
        _l("Mobile phone (optional)"),
        filters=[clean_text],
        validators=[Optional(), Length(max=40, message=_l("At most %(max)d characters.")),
                    phone_number],
    )
    organisation = StringField(
        _l("Organisation"),
        filters=[clean_text],
        validators=[
            DataRequired(message=_l("Please enter your organisation.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
            printable,
        ],
    )
    job_title = StringField(
        _l("Job title (optional)"),
        filters=[clean_text],
        validators=[Optional(), Length(max=100, message=_l("At most %(max)d characters.")),
                    printable],
    )
    category = SelectField(
        _l("I attend as"),
        choices=[SelectChoice(category.value, CATEGORIES[category])
                 for category in SELF_SERVICE_CATEGORIES],
        default=RegistrationCategory.DELEGATE.value,
        validators=[InputRequired()],
    )
    consent = BooleanField(
        _l("I agree that the organizers keep these details to run the conference."),
        validators=[DataRequired(message=_l("Please agree so that we can register you."))],
    )
    # A trap for bots: hidden from people, so only a program fills it in.
    website = StringField(_l("Leave this field empty"))

    def validate_website(self, field) -> None:
        if field.data:
            raise ValidationError(_l("Leave this field empty."))


class CancelForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, cancel my registration and give my seats to the next in line."),
        validators=[DataRequired(message=_l("Tick the box to confirm the cancellation."))],
    )


class ResendForm(FlaskForm):
    """Only the CSRF token: the address is the registration's own."""


class StarForm(FlaskForm):
    """Star (``y``) or unstar (``n``) one session, then back to the agenda or the page."""

    session = HiddenField(validators=[InputRequired()])
    starred = HiddenField(validators=[AnyOf(["y", "n"])])
    back = HiddenField(validators=[AnyOf(["agenda", "page"])])

    def validate_session(self, field) -> None:
        try:
            database_int(field.data or "")
        except ValueError as error:
            raise ValidationError("not a session") from error


class ImportStarsForm(FlaskForm):
    """The ids of the sessions starred in this browser, comma-separated (stars.js)."""

    sessions = HiddenField(validators=[InputRequired(), Length(max=20_000)])

    def validate_sessions(self, field) -> None:
        try:
            database_ids(field.data or "")
        except ValueError as error:
            raise ValidationError("not session ids") from error


def attendee_details(form, category: RegistrationCategory, locale: str) -> AttendeeDetails:
    """What the person's fields of ``form`` say (this registration form's, which the
    organizers' forms and the guest import reuse), with the category and the language
    of mails that each form decides in its own way."""
    return AttendeeDetails(
        full_name=form.full_name.data,
        email=form.email.data,
        latin_name=form.latin_name.data or "",
        phone=form.phone.data or "",
        organisation=form.organisation.data or "",
        job_title=form.job_title.data or "",
        category=category,
        locale=locale,
    )
