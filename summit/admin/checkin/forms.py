"""The check-in desk's forms: a scanned or typed code, a search by name, a person's button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SearchField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from ...forms import clean_text


class ScanForm(FlaskForm):
    code = StringField(
        _l("Badge code"),
        filters=[clean_text],
        validators=[
            DataRequired(message=_l("Scan a badge or type its code.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    # The desk's name, as a scanner through scan.json may send it (at most 40 characters
    # are kept); without it, the scan is shown under the account's name.
    desk = StringField(filters=[clean_text])


class DeskSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Name, organisation or email"), filters=[clean_text])


class UndoForm(FlaskForm):
    # Where to go back to: the desk, or the registration's page in the admin.
    back = HiddenField(default="desk", validators=[AnyOf(["desk", "registration"])])


class CheckInForm(FlaskForm):
    """Check in a person found by name: only the CSRF token, the person is in the address."""
