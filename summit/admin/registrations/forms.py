"""The organizers' forms for registrations: the list's filters, details, the actions,
the guest import. A person's details follow the same rules as the public
registration form, whose fields they reuse."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ...badges.layouts import DEFAULT_LAYOUT, LAYOUTS
from ...forms import CheckboxListField, QueryForm
from ...labels import CATEGORIES, REGISTRATION_STATUSES
from ...models import RegistrationCategory
from ...registration.forms import RegistrationForm
from ...registration.listing import DEFAULT_PAGE_SIZE, PAGE_SIZES

LOCALES = [("zh", "中文"), ("en", "English")]


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select."""
    return [SelectChoice(value, label) for value, label in pairs]


PRINTED_CHOICES = options([("", _l("Any")), ("yes", _l("Printed")), ("no", _l("Not printed"))])


def category_choices() -> list[tuple[str, object]]:
    return [(category.value, CATEGORIES[category]) for category in RegistrationCategory]


class PersonFields:
    """A person's details as the public form asks for them (same limits and messages)."""

    full_name = RegistrationForm.full_name
    latin_name = RegistrationForm.latin_name
    email = RegistrationForm.email
    phone = RegistrationForm.phone
    organisation = RegistrationForm.organisation
    job_title = RegistrationForm.job_title


class GuestRowForm(PersonFields, Form):
    """One row of an imported guest list, checked like the public form."""


class RegistrationFilterForm(QueryForm):
    """The list's search, filters, sorting and page, read from the query string."""

    q = SearchField(_l("Search"), filters=[lambda value: (value or "").strip()])
    status = SelectField(_l("Status"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    forum = SelectField(_l("Forum"), validators=[Optional()])
    checked_in = SelectField(
        _l("Checked in"),
        choices=options([("", _l("Any")), ("yes", _l("Checked in")), ("no", _l("Not yet"))]),
        validators=[Optional()],
    )
    printed = SelectField(_l("Badge"), choices=PRINTED_CHOICES, validators=[Optional()])
    answer = SelectField(_l("Answer"), validators=[Optional()])
    sort = SelectField(
        _l("Sort by"),
        choices=options([
            ("created", _l("Registered")),
            ("name", _l("Name")),
            ("organisation", _l("Organisation")),
            ("status", _l("Status")),
        ]),
        default="created",
        validators=[Optional()],
    )
    order = SelectField(
        _l("Order"),
        choices=options([("desc", _l("Descending")), ("asc", _l("Ascending"))]),
        default="desc",
        validators=[Optional()],
    )
    per_page = SelectField(
        _l("Per page"),
        choices=options((str(size), str(size)) for size in PAGE_SIZES),
        default=str(DEFAULT_PAGE_SIZE),
        validators=[Optional()],
    )
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(min=1)])

    def offer(self, forums: list[tuple[int, str]],
              answers: list[tuple[str, str]] | None = None) -> None:
        """Fill the choices that depend on the event's forums (id, name), its questions'
        answers (value, label) and the language."""
        self.answer.choices = [SelectChoice("", _l("Any")),
                               *(SelectChoice(value, label) for value, label in answers or [])]
        self.status.choices = [("", _l("Any"))] + [
            (status.value, label) for status, label in REGISTRATION_STATUSES.items()
        ]
        self.category.choices = [("", _l("Any")), *category_choices()]
        self.forum.choices = [("", _l("Any"))] + [(str(i), name) for i, name in forums]


class RegistrationDetailsForm(PersonFields, FlaskForm):
    """An organizer's view of a registration's details and forums."""

    category = SelectField(_l("Category"), choices=options(category_choices()),
                           validators=[InputRequired()])
    locale = SelectField(_l("Language of mails"), choices=options(LOCALES),
                         validators=[InputRequired()])
    forums = CheckboxListField(_l("Parallel forums"), coerce=int)
    # The organizer's override of the rule that forums running at the same time exclude
    # each other (shown unless the event allows such choices).
    hold_overlapping = BooleanField(_l("Hold both anyway"))


class AddRegistrationForm(RegistrationDetailsForm):
    beyond_capacity = BooleanField(
        _l("Admit even when the event or a chosen forum is full"),
        description=_l("Otherwise they join the waiting list like anyone else."),
    )


class ConfirmCancelForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, cancel this registration and give its place and seats to the next in line."),
        validators=[DataRequired(message=_l("Tick the box to confirm the cancellation."))],
    )


class ActionForm(FlaskForm):
    """A button that changes one thing: only the CSRF token, and which forum if any."""

    forum_id = HiddenField()


class ImportUploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
    category = SelectField(
        _l("Category for rows without one"),
        choices=options(category_choices()),
        default=RegistrationCategory.VIP.value,
        validators=[InputRequired()],
    )
    beyond_capacity = BooleanField(
        _l("Admit every guest even when the event or a forum is full"),
        description=_l("Otherwise guests beyond capacity join the waiting list."),
    )
    hold_overlapping = BooleanField(
        _l("Hold both anyway"),
        description=_l("Import guests into forums that run at the same time, as the file "
                       "says; otherwise those rows are refused."),
    )


class ImportConfirmForm(FlaskForm):
    """Carries the previewed file, signed, so that any worker can import it."""

    sealed = HiddenField(validators=[DataRequired()])


def layout_choices() -> list[tuple[str, object]]:
    return [(key, layout.label) for key, layout in LAYOUTS.items()]


class ReprintForm(FlaskForm):
    """One badge again, from the registration's page, on the sheet chosen."""

    layout = SelectField(_l("Layout"), choices=layout_choices, default=DEFAULT_LAYOUT,
                         validators=[InputRequired()])
