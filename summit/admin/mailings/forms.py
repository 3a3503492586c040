"""The form of a group mail: its subject and text in both languages, its recipients,
and when to send it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from ...forms import clean_text, printable
from ...i18n import localized
from ...labels import CATEGORIES
from ...mailings.recipients import RecipientFilter
from ...mailings.service import BODY_MAX, SUBJECT_MAX, MailingPlan
from ...models import Forum, Mailing, RegistrationStatus, SeatStatus
from ..programme.forms import local_time, pair


def _forum_id(value):
    return int(value) if value not in (None, "", "None") else None


ANY = SelectChoice("", _l("Any"))


class RecipientFields(FlaskForm):
    """Whom it goes to; also read from the query string for the live count."""

    status = SelectField(_l("Registration"), validators=[Optional()], choices=[
        SelectChoice("", _l("Confirmed or on the waiting list")),
        SelectChoice(RegistrationStatus.CONFIRMED.value, _l("Confirmed")),
        SelectChoice(RegistrationStatus.WAITLISTED.value, _l("On the waiting list")),
        SelectChoice(RegistrationStatus.CANCELLED.value, _l("Cancelled")),
    ])
    category = SelectField(_l("Category"), validators=[Optional()], choices=[ANY] + [
        SelectChoice(category.value, label) for category, label in CATEGORIES.items()])
    forum_id = SelectField(_l("Forum"), coerce=_forum_id, validators=[Optional()])
    seat = SelectField(_l("Seat in that forum"), validators=[Optional()], choices=[
        ANY,
        SelectChoice(SeatStatus.CONFIRMED.value, _l("Seat confirmed")),
        SelectChoice(SeatStatus.WAITLISTED.value, _l("On its waiting list")),
    ])
    checked_in = SelectField(_l("Checked in"), validators=[Optional()], choices=[
        ANY, SelectChoice("yes", _l("Checked in")), SelectChoice("no", _l("Not yet"))])
    answer = SelectField(_l("Answer"), validators=[Optional()])

    def offer(self, forums: list[Forum], answers: list[tuple[str, str]]) -> None:
        self.forum_id.choices = [SelectChoice("", _l("Any forum"))] + [
            SelectChoice(forum.id, str(localized(forum, "name"))) for forum in forums]
        self.answer.choices = [ANY] + [SelectChoice(value, label) for value, label in answers]

    def group(self) -> RecipientFilter:
        return RecipientFilter(
            status=self.status.data or "", category=self.category.data or "",
            forum_id=self.forum_id.data, seat=self.seat.data or "",
            checked_in=self.checked_in.data or "", answer=self.answer.data or "")

    def load_group(self, group: RecipientFilter) -> None:
        for name in ("status", "category", "forum_id", "seat", "checked_in", "answer"):
            self[name].data = getattr(group, name)


class CountForm(RecipientFields):
    """The live count's query string: no CSRF token (it reads, never writes)."""

    class Meta:
        csrf = False


class MailingForm(RecipientFields):
    subject_zh, subject_en = pair(_l("Subject"), SUBJECT_MAX)
    body_zh, body_en = pair(_l("Mail (Markdown)"), BODY_MAX, block=True)
    preview_email = StringField(_l("Preview for (a recipient’s address; empty: the first)"),
                                filters=[clean_text], validators=[Length(max=254), printable])
    send_at = local_time(_l("Send at (the event’s time)"), required=False)

    def load(self, mailing: Mailing, group: RecipientFilter) -> None:
        for name in ("subject_zh", "subject_en", "body_zh", "body_en"):
            self[name].data = getattr(mailing, name)
        self.load_group(group)

    def plan(self) -> MailingPlan:
        return MailingPlan(
            subject_zh=self.subject_zh.data or "", subject_en=self.subject_en.data or "",
            body_zh=self.body_zh.data or "", body_en=self.body_en.data or "",
            recipients=self.group())
