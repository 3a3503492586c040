"""Making an API token: a name that says which system holds it, and its scopes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ...forms import CheckboxListField, clean_text, printable
from ...models import ApiScope

SCOPE_LABELS = {
    ApiScope.READ_PROGRAMME: _l("Read the programme"),
    ApiScope.READ_REGISTRATIONS: _l("Read registrations, answers and the status of group mails"),
    ApiScope.WRITE_REGISTRATIONS: _l("Register, change forums, cancel"),
    ApiScope.CHECK_IN: _l("Check in at the door"),
}


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name (which system holds it)"),
        filters=[clean_text],
        validators=[DataRequired(message=_l("Please name the token.")),
                    Length(max=100, message=_l("At most %(max)d characters.")), printable],
    )
    scopes = CheckboxListField(
        _l("Scopes"),
        choices=[SelectChoice(scope.value, label) for scope, label in SCOPE_LABELS.items()],
        validators=[DataRequired(message=_l("Choose at least one scope."))],
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token: the button says which token."""
