"""The call's settings, the proposals list's filters, a review, a decision."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from ...forms import CheckboxListField, QueryForm, clean_block, clean_text, printable_lines
from ...i18n import localized
from ...labels import DECISIONS, PROPOSAL_STATES, SESSION_KINDS
from ...models import Decision, Event, ProposalCall, ProposalState, SessionKind
from ...proposals.decisions import ProposalFilter, ProposalOrder
from ..programme.forms import in_utc, labelled, local_time, pair

# Sessions a call may offer: what speakers propose, not the organizers' own items.
PROPOSABLE_KINDS = (SessionKind.TALK, SessionKind.KEYNOTE, SessionKind.PANEL)
MAX_DURATION = 480


class CallForm(FlaskForm):
    opens_at = local_time(_l("Opens"), required=False)
    closes_at = local_time(_l("Closes (the deadline)"), required=False)
    forum_ids = CheckboxListField(_l("Forums that take proposals"), coerce=int)
    session_kinds = CheckboxListField(
        _l("Kinds of session offered"),
        choices=[SelectChoice(kind.value, SESSION_KINDS[kind]) for kind in PROPOSABLE_KINDS])
    durations = StringField(_l("Durations offered, in minutes"), filters=[clean_text],
                            description=_l("For example: 20, 40"))
    guidelines_zh, guidelines_en = pair(_l("Guidelines for speakers"), 10000, block=True)
    anonymised = BooleanField(_l("Anonymised review: reviewers do not see the speakers"))
    score_min = IntegerField(_l("Lowest score"), default=1, validators=[
        InputRequired(), NumberRange(min=0, max=99)])
    score_max = IntegerField(_l("Highest score"), default=5, validators=[
        InputRequired(), NumberRange(min=1, max=100)])
    accept_subject_zh, accept_subject_en = pair(_l("Subject of the acceptance mail"), 300)
    accept_body_zh, accept_body_en = pair(_l("Acceptance mail"), 10000, block=True)
    reject_subject_zh, reject_subject_en = pair(_l("Subject of the rejection mail"), 300)
    reject_body_zh, reject_body_en = pair(_l("Rejection mail"), 10000, block=True)

    TEXTS = ("guidelines", "accept_subject", "accept_body", "reject_subject", "reject_body")

    def prepare(self, event: Event) -> None:
        self.forum_ids.choices = [SelectChoice(forum.id, localized(forum, "name"))
                                  for forum in event.forums]

    def load(self, call: ProposalCall) -> None:
        for name in ("opens_at", "closes_at", "anonymised", "score_min", "score_max",
                     "session_kinds", *(f"{text}_{lang}" for text in self.TEXTS
                                        for lang in ("zh", "en"))):
            self[name].data = getattr(call, name)
        self.forum_ids.data = [forum.id for forum in call.forums]
        self.durations.data = ", ".join(str(minutes) for minutes in call.durations)

    def validate_durations(self, field) -> None:
        try:
            minutes = self.minutes()
        except ValueError as wrong:
            raise ValidationError(_l("Numbers of minutes separated by commas, for example "
                                     "20, 40.")) from wrong
        if not minutes or not all(0 < value <= MAX_DURATION for value in minutes):
            raise ValidationError(_l("Between 1 and %(max)d minutes each.", max=MAX_DURATION))

    def validate_score_max(self, field) -> None:
        if self.score_min.data is not None and field.data is not None \
                and field.data <= self.score_min.data:
            raise ValidationError(_l("The highest score must be above the lowest."))

    def validate_closes_at(self, field) -> None:
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The call must close after it opens."))

    def minutes(self) -> list[int]:
        return sorted({int(piece) for piece in re.split(r"[\s,，、]+", self.durations.data or "")
                       if piece})

    def values(self, event: Event) -> dict[str, Any]:
        values = {name: self[name].data for name in (
            "anonymised", "score_min", "score_max", "session_kinds",
            *(f"{text}_{lang}" for text in self.TEXTS for lang in ("zh", "en")))}
        values["opens_at"] = in_utc(self.opens_at.data, event.timezone)
        values["closes_at"] = in_utc(self.closes_at.data, event.timezone)
        values["durations"] = self.minutes()
        return values


class ProposalFilterForm(QueryForm):
    forum = SelectField(_l("Forum"), validators=[Optional()])
    state = SelectField(_l("State"), validators=[Optional()], choices=[
        SelectChoice("", _l("Any")), *labelled(PROPOSAL_STATES)])
    min_mean = SelectField(_l("Mean score at least"), validators=[Optional()])
    order = SelectField(_l("Sort by"), validators=[Optional()], choices=[
        SelectChoice(ProposalOrder.MEAN.value, _l("Mean score")),
        SelectChoice(ProposalOrder.SPREAD.value, _l("Spread (disagreement)")),
        SelectChoice(ProposalOrder.REVIEWS.value, _l("Fewest reviews")),
        SelectChoice(ProposalOrder.NEWEST.value, _l("Newest"))])
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(min=1)])

    def prepare(self, event: Event, call: ProposalCall | None) -> None:
        self.forum.choices = [SelectChoice("", _l("Any"))] + [
            SelectChoice(str(forum.id), localized(forum, "name")) for forum in event.forums]
        low, high = (call.score_min, call.score_max) if call else (1, 5)
        self.min_mean.choices = [SelectChoice("", _l("Any"))] + [
            SelectChoice(str(score), str(score)) for score in range(low, high + 1)]

    def chosen(self) -> ProposalFilter:
        """The filter, each value that is not one of the choices left out."""
        def valid(field) -> str:
            return field.data if field.data and not field.errors else ""

        return ProposalFilter(
            forum_id=int(valid(self.forum)) if valid(self.forum) else None,
            state=ProposalState(valid(self.state)) if valid(self.state) else None,
            min_mean=float(valid(self.min_mean)) if valid(self.min_mean) else None,
            order=ProposalOrder(valid(self.order) or ProposalOrder.MEAN.value),
            page=self.page.data if self.page.data and not self.page.errors else 1)


class ReviewForm(FlaskForm):
    score = SelectField(_l("Score"), coerce=int, choices=[])
    comment = TextAreaField(_l("Comment"), filters=[clean_block], validators=[
        Optional(), printable_lines])

    def scale(self, call: ProposalCall) -> None:
        self.score.choices = [SelectChoice(score, str(score))
                              for score in range(call.score_min, call.score_max + 1)]


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[
        SelectChoice("", _l("None yet")), *labelled(DECISIONS)], validators=[Optional()])

    def value(self) -> Decision | None:
        return Decision(self.decision.data) if self.decision.data else None


class ReleaseForm(FlaskForm):
    """Carries the number of decisions the organizer was shown."""

    expected = HiddenField()


class ReviewerForumsForm(FlaskForm):
    forum_ids = CheckboxListField(_l("Forums"), coerce=int)
