"""Signing in and out, and the administrators' account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Email, EqualTo, InputRequired, Length, ValidationError

from ..forms import clean_text, printable
from ..labels import ROLES
from ..models import Role
from .roles import EVENT_ROLES
from .service import PASSWORD_MIN_LENGTH

EVENT_ROLE_CHOICES = [SelectChoice(role.value, ROLES[role]) for role in EVENT_ROLES]


def _email_field(label) -> EmailField:
    return EmailField(
        label,
        filters=[clean_text],
        validators=[
            InputRequired(message=_l("Please enter an email address.")),
            Length(max=254, message=_l("At most %(max)d characters.")),
            Email(message=_l("Enter a valid email address, such as name@example.com."),
                  check_deliverability=False),
        ],
    )


class LoginForm(FlaskForm):
    # Not checked as an address: the form only has to find the account.
    email = EmailField(
        _l("Email"),
        filters=[clean_text],
        validators=[InputRequired(message=_l("Please enter an email address.")),
                    Length(max=254, message=_l("At most %(max)d characters.")), printable],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"), validators=[InputRequired(message=_l("Please enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    # Off unless ticked: a shared computer at the desk must not stay signed in.
    remember = BooleanField(_l("Keep me signed in on this computer"), default=False)


class PasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(message=_l("Please choose a password.")),
            Length(min=PASSWORD_MIN_LENGTH, max=200,
                   message=_l("Use between %(min)d and %(max)d characters.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class AccountEditForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[clean_text],
        validators=[Length(max=100, message=_l("At most %(max)d characters.")), printable],
    )
    administrator = BooleanField(_l("Administrator of the site"), default=False)


class AccountForm(AccountEditForm, PasswordForm):
    email = _email_field(_l("Email"))


class ActiveForm(FlaskForm):
    """Deactivate ("0") or reactivate ("1"): the state wanted, so a second click changes nothing."""

    active = HiddenField(validators=[AnyOf(["0", "1"])])
    # Deactivating signs the person out at once: it is confirmed; reactivating is not.
    confirm = BooleanField(_l("Yes, deactivate this account and sign it out."))

    def validate_confirm(self, field) -> None:
        if self.active.data == "0" and not field.data:
            raise ValidationError(_l("Tick the box to confirm the deactivation."))


class EventRoleForm(FlaskForm):
    """Give an account a role at one event (it replaces the role it held there)."""

    event = SelectField(lazy_pgettext("one of the events", "Event"),
                        validators=[InputRequired(message=_l("Choose an event."))])
    role = SelectField(_l("Role"), choices=EVENT_ROLE_CHOICES, default=Role.ORGANIZER.value)

    def offer(self, events: list[tuple[int, str]]) -> None:
        self.event.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(event_id), name) for event_id, name in events]


class RemoveRoleForm(FlaskForm):
    """Only the CSRF token: the button says which role goes."""
