"""The badge printing screen's forms: which badges, on which sheet; marked as printed.
(One badge again is asked for on a registration's page: ``ReprintForm`` lives there.)"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired, Optional, Regexp

from ...badges.layouts import DEFAULT_LAYOUT
from ...badges.service import PRINTABLE_STATUSES, BadgeOrder
from ...forms import QueryForm
from ...labels import REGISTRATION_STATUSES
from ..registrations.forms import PRINTED_CHOICES, category_choices, layout_choices, options


class BadgePrintForm(QueryForm):
    """Which badges to print and on which sheet: the badge renderer's own filter
    (``summit.badges.service.parse_filter``), read from the query string."""

    layout = SelectField(_l("Layout"), default=DEFAULT_LAYOUT, validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    forum = SelectField(_l("Only with a seat in"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=options((status.value, REGISTRATION_STATUSES[status])
                        for status in PRINTABLE_STATUSES),
        default=PRINTABLE_STATUSES[0].value,
        validators=[Optional()],
    )
    printed = SelectField(_l("Printed before"), choices=PRINTED_CHOICES, validators=[Optional()])
    order = SelectField(
        _l("Order"),
        choices=options([(BadgeOrder.NAME.value, _l("By name")),
                         (BadgeOrder.ORGANISATION.value, _l("By organisation"))]),
        default=BadgeOrder.NAME.value,
        validators=[Optional()],
    )

    def offer(self, forums: list[tuple[str, str]]) -> None:
        """Fill the choices that depend on the event's forums (slug, name) and the language."""
        self.layout.choices = layout_choices()
        self.category.choices = [("", _l("Any")), *category_choices()]
        self.forum.choices = [("", _l("Any forum"))] + forums


class MarkPrintedForm(FlaskForm):
    """The registrations whose badges were just printed, as the screen listed them."""

    ids = HiddenField(validators=[DataRequired(), Regexp(r"^\d+(,\d+)*$")])
