"""The form of one registration question: its kind, labels and help in both languages,
whom it is asked of, its options, its pattern and its condition."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from ...forms import CheckboxListField, clean_block, clean_text, printable, printable_lines
from ...i18n import localized
from ...labels import CATEGORIES, QUESTION_KINDS
from ...models import Question, QuestionKind
from ...registration.question_setup import ChoicePlan, QuestionPlan
from ..programme.forms import labelled, pair

CHOICES_HINT = _l("One option a line: a key (lower-case letters, digits, - and _; answers keep "
                  "it, so never change it), then | the Chinese label | the English label. "
                  "For example: vegetarian | 素食 | Vegetarian")


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of answer"), choices=labelled(QUESTION_KINDS),
                       coerce=QuestionKind, default=QuestionKind.SHORT_TEXT)
    label_zh, label_en = pair(_l("Question"), 300)
    help_zh, help_en = pair(_l("Help text"), block=True)
    required = BooleanField(_l("An answer is required"))
    categories = CheckboxListField(
        _l("Asked of (none ticked: everyone)"),
        choices=[SelectChoice(category.value, label) for category, label in CATEGORIES.items()])
    choices = TextAreaField(_l("Options (one choice, several choices)"), filters=[clean_block],
                            validators=[printable_lines], render_kw={"rows": 5})
    pattern = StringField(_l("Pattern the whole answer must match (text, optional)"),
                          filters=[clean_text], validators=[Length(max=300), printable])
    condition_question_id = SelectField(_l("Ask only when this earlier question…"),
                                        coerce=_optional_int, validate_choice=False)
    condition_value = StringField(_l("…has this answer (an option's key, or yes / no)"),
                                  filters=[clean_text], validators=[Length(max=40), printable])

    def prepare(self, questions: list[Question], question: Question | None) -> None:
        """Offer the earlier questions with options or a yes/no answer as conditions."""
        earlier = [q for q in questions if q.active and q.kind in (
            QuestionKind.CHOICE, QuestionKind.MULTIPLE, QuestionKind.YES_NO)
            and (question is None or (q.position, q.id) < (question.position, question.id))]
        self.condition_question_id.choices = [SelectChoice("", _l("Always ask it"))] + [
            SelectChoice(q.id, str(localized(q, "label"))) for q in earlier]

    def load(self, question: Question) -> None:
        for name in ("kind", "label_zh", "label_en", "help_zh", "help_en", "required",
                     "categories", "pattern", "condition_question_id", "condition_value"):
            self[name].data = getattr(question, name)
        self.choices.data = "\n".join(
            " | ".join((choice.key, choice.label_zh, choice.label_en))
            for choice in question.choices if not choice.retired)

    def validate_choices(self, field) -> None:
        for line in (field.data or "").splitlines():
            if line.strip() and len(line.split("|")) > 3:
                raise ValidationError(_l("At most a key and two labels a line."))

    def plan(self) -> QuestionPlan:
        choices = []
        for line in (self.choices.data or "").splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")] + ["", ""]
            choices.append(ChoicePlan(parts[0], parts[1], parts[2]))
        return QuestionPlan(
            kind=self.kind.data, label_zh=self.label_zh.data or "",
            label_en=self.label_en.data or "", help_zh=self.help_zh.data or "",
            help_en=self.help_en.data or "", required=bool(self.required.data),
            categories=list(self.categories.data or []), pattern=self.pattern.data or "",
            condition_question_id=self.condition_question_id.data,
            condition_value=(self.condition_value.data or "").lower(), choices=choices)
