"""The form of one reminder before the event: when, on or off, the organizer's note."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, TimeField
from wtforms.validators import InputRequired, NumberRange

from ...mailings.reminders import MAX_NOTE_LENGTH, ReminderPlan
from ...models import Reminder
from ...models.reminders import MAX_DAYS_BEFORE
from ..programme.forms import pair


class ReminderForm(FlaskForm):
    days_before = IntegerField(
        _l("Days before the first day (0: on the first day)"),
        validators=[InputRequired(message=_l("Enter a number of days.")),
                    NumberRange(min=0, max=MAX_DAYS_BEFORE,
                                message=_l("From 0 to %(max)d days.", max=MAX_DAYS_BEFORE))],
        render_kw={"min": 0, "max": MAX_DAYS_BEFORE, "inputmode": "numeric"})
    at = TimeField(_l("At (the event’s time)"),
                   validators=[InputRequired(message=_l("Enter a time such as 19:00."))])
    enabled = BooleanField(_l("Send this reminder"), default=True)
    note_zh, note_en = pair(_l("A note to the attendees (optional)"), MAX_NOTE_LENGTH,
                            block=True)

    def load(self, reminder: Reminder) -> None:
        self.days_before.data = reminder.days_before
        self.at.data = reminder.local_time
        self.enabled.data = reminder.enabled
        self.note_zh.data = reminder.note_zh
        self.note_en.data = reminder.note_en

    def plan(self) -> ReminderPlan:
        return ReminderPlan(days_before=self.days_before.data, at=self.at.data,
                            enabled=bool(self.enabled.data), note_zh=self.note_zh.data or "",
                            note_en=self.note_en.data or "")
