"""The forms of /admin/events: a new event, a new edition cloned from another, and the
confirmation of publishing, archiving or deleting one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from ...events.service import NewEvent, slug_refusal
from ...forms import clean_text, within_the_calendar
from ...i18n import localized
from ...models import Event
from ..programme.forms import THING_NAME, TIMEZONES, pair


def _slug(value: str | None) -> str | None:
    """Addresses are lower-case: "Embedded-China-2021" is taken as embedded-china-2021."""
    value = clean_text(value)
    return value.lower() if value else value


def new_slug_field() -> StringField:
    return StringField(
        _l("Short name for addresses"), filters=[_slug],
        description=_l("Lower-case letters, digits and hyphens, such as embedded-china-2021: "
                       "the event's pages live at /embedded-china-2021/."),
        validators=[InputRequired(message=_l("Please fill this in.")), _usable_slug])


def _usable_slug(form, field) -> None:
    refusal = slug_refusal(field.data or "")
    if refusal is not None:
        raise ValidationError(refusal)


def _first_day() -> DateField:
    return DateField(_l("First day"), validators=[InputRequired(message=_l("Enter a date.")),
                                                 within_the_calendar])


class NewEventForm(FlaskForm):
    slug = new_slug_field()
    name_zh, name_en = pair(THING_NAME, 300)
    starts_on = _first_day()
    ends_on = DateField(_l("Last day"), validators=[InputRequired(message=_l("Enter a date.")),
                                                    within_the_calendar])
    timezone = SelectField(_l("Time zone"), choices=TIMEZONES, default="Asia/Shanghai")
    default_locale = SelectField(
        _l("Default language"), choices=[SelectChoice("zh", "中文"), SelectChoice("en", "English")])

    def validate_name_zh(self, field) -> None:
        if not (field.data or self.name_en.data):
            raise ValidationError(_l("Fill in at least one language."))

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot come before the first."))

    def new_event(self) -> NewEvent:
        return NewEvent(slug=self.slug.data, name_zh=self.name_zh.data or "",
                        name_en=self.name_en.data or "", starts_on=self.starts_on.data,
                        ends_on=self.ends_on.data, timezone=self.timezone.data,
                        default_locale=self.default_locale.data)


class CloneForm(FlaskForm):
    source = SelectField(_l("Copy from"), coerce=int,
                         validators=[InputRequired(message=_l("Choose an event."))])
    slug = new_slug_field()
    starts_on = _first_day()
    with_programme = BooleanField(
        _l("Copy the speakers and sessions too, at the same times of the new days"))

    def offer(self, events: list[Event]) -> None:
        self.source.choices = [SelectChoice(event.id, f"{localized(event, 'name')} · "
                                                      f"{event.slug}")
                               for event in events]


class ConfirmForm(FlaskForm):
    confirm = BooleanField(_l("Yes, I am sure."))

    def validate_confirm(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Tick the box to confirm."))
