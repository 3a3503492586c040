"""Registering a webhook: its address and the kinds of change it is told of."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ...forms import CheckboxListField, clean_text, printable
from ...models import WebhookKind

KIND_LABELS = {
    WebhookKind.REGISTRATION_CREATED: _l("Registration created"),
    WebhookKind.REGISTRATION_CHANGED: _l("Registration changed"),
    WebhookKind.REGISTRATION_CANCELLED: _l("Registration cancelled"),
    WebhookKind.SEAT_CONFIRMED: _l("Seat confirmed from the waiting list"),
    WebhookKind.CHECKED_IN: _l("Checked in"),
    WebhookKind.SESSION_CHANGED: _l("Session changed"),
    WebhookKind.SESSION_CANCELLED: _l("Session cancelled"),
}


class WebhookForm(FlaskForm):
    url = StringField(
        _l("Address (https://…)"),
        filters=[clean_text],
        validators=[DataRequired(message=_l("Please give the address.")),
                    Length(max=500, message=_l("At most %(max)d characters.")), printable],
    )
    kinds = CheckboxListField(
        _l("Kinds of change"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[DataRequired(message=_l("Choose at least one kind of change."))],
    )


class DisableForm(FlaskForm):
    """Only the CSRF token: the button says which webhook."""
