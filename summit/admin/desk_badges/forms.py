"""The desk's badge forms: a badge's texts corrected, a person registered on the spot."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import InputRequired

from ..registrations.forms import PersonFields, category_choices, options


class DeskBadgeForm(FlaskForm):
    """What the badge prints of the person, with the public form's limits."""

    full_name = PersonFields.full_name
    latin_name = PersonFields.latin_name
    organisation = PersonFields.organisation


class OnTheSpotForm(DeskBadgeForm):
    """Someone who arrives unregistered: the public form's fields that a badge needs,
    and an address for the private link."""

    email = PersonFields.email
    category = SelectField(_l("Category"), choices=options(category_choices()),
                           validators=[InputRequired()])
    beyond_capacity = BooleanField(
        _l("Admit even when the event is full"),
        description=_l("Otherwise they join the waiting list like anyone else."),
    )
