"""An event's own questions on its registration form, and the answers to them.

An answer is one JSON value typed by its question's kind (``Answer.value``):

=============  ===============================  ==========================
kind           value                            as text (CSV, filters)
=============  ===============================  ==========================
short_text     str, one line, ≤ 200 characters  itself
long_text      str, lines, ≤ 2,000 characters   itself
choice         the chosen option's key          the key
multiple       list of keys, in the options'    keys joined by "; "
               order
yes_no         bool                             "yes" / "no"
number         int or float                     the number
date           "YYYY-MM-DD"                     the same
=============  ===============================  ==========================

One JSON column rather than a column per type: every answer of a registration goes in
one multi-row INSERT whatever the kinds, a question can change kind's options without a
migration, and the export, import and backup carry the value as it is. What a typed
column would check, ``check_value`` checks on every write (the form, the attendee's
page, the CSV import, the backup), and ``read_input`` is the one parser of what a
person typed.

A question may depend on one earlier choice or yes/no question (``condition_…``): it
is asked only when that answer is the given one. Its answer is dropped otherwise,
whatever the browser sent, so the server decides without the page's script.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import regex
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

from ..i18n import current_language, localized
from ..models import Answer, Question, QuestionKind, Registration
from .listing import AnswerMatch

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 2000
# Digits of a number answer (beyond this a float would round it), and places its point
# may move: a number answer is below NUMBER_LIMIT.
NUMBER_DIGITS_MAX = 15
NUMBER_LIMIT = 10**NUMBER_DIGITS_MAX
CHOICE_KINDS = (QuestionKind.CHOICE, QuestionKind.MULTIPLE)
# Kinds another question may depend on.
CONDITION_KINDS = (QuestionKind.CHOICE, QuestionKind.MULTIPLE, QuestionKind.YES_NO)
TEXT_KINDS = (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)
KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
YES, NO = "yes", "no"
LIST_SEPARATOR = "; "


class AnswerRejected(ValueError):
    """What is wrong with one answer, in words for the person who typed it."""


def field_name(question: Question) -> str:
    """The form field of a question: ``q<id>``."""
    return f"q{question.id}"


# --- which questions are asked ---------------------------------------------------


def event_questions(session: Session, event_id: int, *, retired: bool = False) -> list[Question]:
    """The event's questions in their order with their options; the retired ones too
    when ``retired``."""
    statement = (
        select(Question)
        .where(Question.event_id == event_id)
        .options(joinedload(Question.choices))
        .order_by(Question.position, Question.id)
    )
    if not retired:
        statement = statement.where(Question.retired_at.is_(None))
    return list(session.scalars(statement).unique())


def asked_of(question: Question, category: str) -> bool:
    return not question.categories or str(category) in question.categories


def for_category(questions: Iterable[Question], category: str) -> list[Question]:
    return [q for q in questions if q.active and asked_of(q, category)]


def asked_questions(session: Session, event_id: int, category: str) -> list[Question]:
    """The event's questions asked of ``category``, in their order."""
    return for_category(event_questions(session, event_id), category)


def condition_met(question: Question, answers: Mapping[int, Any]) -> bool:
    """Whether ``question`` is asked, given the answers to earlier questions."""
    if question.condition_question_id is None:
        return True
    earlier = answers.get(question.condition_question_id)
    if earlier is None:
        return False
    if isinstance(earlier, bool):
        return (YES if earlier else NO) == question.condition_value
    if isinstance(earlier, list):
        return question.condition_value in earlier
    return earlier == question.condition_value


# --- reading what a person typed ------------------------------------------------------


def _refuse_invisible(text: str, allowed: str = "") -> None:
    if any(unicodedata.category(char).startswith("C") and char not in allowed for char in text):
        raise AnswerRejected(_("This contains characters that cannot be printed."))


def _active_keys(question: Question) -> list[str]:
    return [choice.key for choice in question.choices if not choice.retired]


def _all_keys(question: Question) -> list[str]:
    return [choice.key for choice in question.choices]


def read_input(question: Question, raw: str | list[str] | None) -> Any:
    """The typed value of what a person typed (a string, or the list of ticked options
    of a multiple choice); None when they left it blank. Raises AnswerRejected, and for
    a blank required question too."""
    value = _parse(question, raw, _active_keys(question))
    if value is None and question.required:
        raise AnswerRejected(_("Please answer this question."))
    return value


def _parse(question: Question, raw: str | list[str] | None, keys: list[str]) -> Any:
    kind = question.kind
    if kind == QuestionKind.MULTIPLE:
        ticked = raw if isinstance(raw, list) else ([] if raw is None else [raw])
        ticked = {item.strip() for item in ticked if item and item.strip()}
        if not ticked:
            return None
        if not ticked <= set(keys):
            raise AnswerRejected(_("Choose among the options shown."))
        return [key for key in keys if key in ticked]
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if raw is None:
        return None
    if kind == QuestionKind.LONG_TEXT:
        text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
        text = "\n".join(line.rstrip() for line in text.strip().split("\n"))
    else:
        text = " ".join(unicodedata.normalize("NFC", raw).split())
    if not text:
        return None
    if kind in TEXT_KINDS:
        limit = SHORT_TEXT_MAX if kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
        if len(text) > limit:
            raise AnswerRejected(_("At most %(max)d characters.", max=limit))
        _refuse_invisible(text, allowed="\n\t" if kind == QuestionKind.LONG_TEXT else "")
        if question.pattern and not _matches(question.pattern, text):
            raise AnswerRejected(_("This is not in the expected form: see the hint."))
        return text
    if kind == QuestionKind.CHOICE:
        if text not in keys:
            raise AnswerRejected(_("Choose among the options shown."))
        return text
    if kind == QuestionKind.YES_NO:
        if text.casefold() in (YES, "y", "true", "1", "是"):
            return True
        if text.casefold() in (NO, "n", "false", "0", "否"):
            return False
        raise AnswerRejected(_("Answer yes or no."))
    if kind == QuestionKind.NUMBER:
        return _number(text)
    if kind == QuestionKind.DATE:
        try:
            day = date.fromisoformat(unicodedata.normalize("NFKC", text))
        except ValueError:
            raise AnswerRejected(_("Enter a date such as 2020-11-25.")) from None
        if len(text) != 10:
            raise AnswerRejected(_("Enter a date such as 2020-11-25."))
        return day.isoformat()
    raise AnswerRejected(_("This question cannot be answered."))  # pragma: no cover


# Long enough for any sane pattern over an answer of at most LONG_TEXT_MAX characters.
PATTERN_SECONDS = 0.05


def _matches(pattern: str, text: str) -> bool:
    """Whether ``text`` fits the organizer's pattern. One that backtracks without end
    (``(a+)+$``) gives up after PATTERN_SECONDS: the answer is refused, the worker free."""
    try:
        return regex.fullmatch(pattern, text, timeout=PATTERN_SECONDS) is not None
    except regex.error:
        return True  # refused when the organizer saved it; never the attendee's fault
    except TimeoutError:
        return False


def pattern_problem(pattern: str) -> str | None:
    """Why an organizer's pattern cannot be used, or None."""
    try:
        regex.compile(pattern)
    except regex.error as error:
        return _("Not a valid pattern: %(error)s.", error=str(error))
    return None


def _number(text: str) -> int | float:
    text = unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise AnswerRejected(_("Enter a number, such as 2 or 1.5.")) from None
    # Bounded before anything converts it: "1e1000000" has one digit, and int() of it
    # would run for minutes and make a number no JSON column takes.
    if not number.is_finite() or len(number.as_tuple().digits) > NUMBER_DIGITS_MAX or \
            not -NUMBER_DIGITS_MAX <= number.adjusted() < NUMBER_DIGITS_MAX:
        raise AnswerRejected(_("Enter a number, such as 2 or 1.5."))
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def check_value(question: Question, value: Any) -> Any:
    """A stored (or imported) value, checked against its question's kind; options
    retired since stay valid. Raises AnswerRejected."""
    kind = question.kind
    if value is None:
        return None
    if kind == QuestionKind.YES_NO:
        if not isinstance(value, bool):
            raise AnswerRejected(_("Answer yes or no."))
        return value
    if kind == QuestionKind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, float) and not math.isfinite(value)) or \
                abs(value) >= NUMBER_LIMIT:
            raise AnswerRejected(_("Enter a number, such as 2 or 1.5."))
        return value
    if kind == QuestionKind.MULTIPLE:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise AnswerRejected(_("Choose among the options shown."))
        return _parse(question, value, _all_keys(question))
    if not isinstance(value, str):
        raise AnswerRejected(_("This question cannot be answered."))
    if kind == QuestionKind.CHOICE:
        return _parse(question, value, _all_keys(question))
    return _parse(question, value, [])


def as_text(question: Question, value: Any) -> str:
    """An answer as one line of text: what the CSV export writes and its import reads."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return str(value)


def from_text(question: Question, text: str) -> Any:
    """The value of a CSV cell: ``as_text``'s codes, or ``shown``'s words (an option's
    label in either language, 是 / 否, Yes / No). Raises AnswerRejected. Options retired
    since are accepted, so that an export imports back as it was."""
    text = text or ""
    if question.kind in CHOICE_KINDS:
        keys = _all_keys(question)
        by_label = {label.strip().casefold(): choice.key for choice in question.choices
                    for label in (choice.label_zh, choice.label_en, choice.key) if label.strip()}
        items = [item.strip() for item in re.split(r"[;；]", text) if item.strip()]
        items = [by_label.get(item.casefold(), item) for item in items]
        if question.kind == QuestionKind.CHOICE:
            if len(items) > 1:
                raise AnswerRejected(_("Choose among the options shown."))
            return _parse(question, items[0] if items else None, keys)
        return _parse(question, items, keys)
    if question.kind == QuestionKind.YES_NO and text.strip().casefold() in (
            str(_("Yes")).casefold(), "yes"):
        return True
    if question.kind == QuestionKind.YES_NO and text.strip().casefold() in (
            str(_("No")).casefold(), "no"):
        return False
    return _parse(question, text, [])


def as_input(question: Question, value: Any) -> str | list[str]:
    """A stored value as a form field shows it."""
    if value is None:
        return [] if question.kind == QuestionKind.MULTIPLE else ""
    if question.kind == QuestionKind.MULTIPLE:
        return list(value)
    return as_text(question, value)


def shown(question: Question, value: Any, lang: str | None = None,
          separator: str | None = None) -> str:
    """An answer as a reader sees it, in their language: an option's label (several
    joined by ``separator``, by default the language's), yes or no."""
    if value is None:
        return ""
    lang = lang or current_language()
    if question.kind in CHOICE_KINDS:
        labels = {choice.key: str(localized(choice, "label", lang)) or choice.key
                  for choice in question.choices}
        keys = value if isinstance(value, list) else [value]
        if separator is None:
            separator = "；" if lang == "zh" else ", "
        return separator.join(labels.get(key, key) for key in keys)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


# --- filtering the organizers' list ---------------------------------------------------


ANSWERED, UNANSWERED = "*", "-"


def filter_options(questions: Iterable[Question]) -> list[tuple[str, str]]:
    """(value, label) of the list's filter by answer: each option of a choice or yes/no
    question, and for every question whether it was answered."""
    options = []
    yes, no, answered, unanswered = _("Yes"), _("No"), _("answered"), _("not answered")
    for question in questions:
        label = str(localized(question, "label"))
        name = field_name(question)
        if question.kind == QuestionKind.YES_NO:
            options += [(f"{name}:{YES}", f"{label}: {yes}"), (f"{name}:{NO}", f"{label}: {no}")]
        elif question.kind in CHOICE_KINDS:
            options += [(f"{name}:{choice.key}", f"{label}: {localized(choice, 'label')}")
                        for choice in question.choices]
        options += [(f"{name}:{ANSWERED}", f"{label}: {answered}"),
                    (f"{name}:{UNANSWERED}", f"{label}: {unanswered}")]
    return options


def answer_match(questions: Iterable[Question], option: str) -> AnswerMatch | None:
    """The list's filter for one of ``filter_options``' values; None for another value."""
    name, _sep, wanted = option.partition(":")
    question = next((q for q in questions if field_name(q) == name), None)
    if question is None:
        return None
    if wanted in (ANSWERED, UNANSWERED):
        return AnswerMatch(question.id, answered=wanted == ANSWERED)
    if question.kind == QuestionKind.YES_NO and wanted in (YES, NO):
        return AnswerMatch(question.id, equals=json.dumps(wanted == YES))
    if wanted not in _all_keys(question):
        return None
    if question.kind == QuestionKind.MULTIPLE:
        return AnswerMatch(question.id, contains=json.dumps(wanted))
    return AnswerMatch(question.id, equals=json.dumps(wanted))


# --- a whole form's answers ---------------------------------------------------------------


@dataclass
class AnswerSheet:
    """The answers read from one form: values by question id (only the questions
    asked, blank ones left out), what was typed (to show it again), and the errors."""

    values: dict[int, Any] = field(default_factory=dict)
    typed: dict[int, str | list[str]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    # The questions this form decides (asked of its category, whether their condition
    # was met or not): the answers to them that are left out are cleared.
    asked: list[int] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def read_sheet(questions: Iterable[Question], formdata) -> AnswerSheet:
    """Read and check the answers to ``questions`` (those asked of the registration's
    category, in their order) from ``formdata`` (a MultiDict). A question whose
    condition is not met is not asked: what was sent for it is dropped."""
    sheet = AnswerSheet()
    for question in questions:
        name = field_name(question)
        raw = (formdata.getlist(name) if question.kind == QuestionKind.MULTIPLE
               else formdata.get(name))
        sheet.typed[question.id] = raw if raw is not None else ""
        # Decided by this form even when not asked: an answer kept from before (the
        # invoice's title, once no invoice is wanted) goes.
        sheet.asked.append(question.id)
        if not condition_met(question, sheet.values):
            continue
        try:
            value = read_input(question, raw)
        except AnswerRejected as rejected:
            sheet.errors[question.id] = str(rejected)
            continue
        if value is not None:
            sheet.values[question.id] = value
    return sheet


def sheet_of(questions: Iterable[Question], registration: Registration) -> AnswerSheet:
    """A registration's stored answers as a form shows them."""
    stored = {answer.question_id: answer.value for answer in registration.answers}
    sheet = AnswerSheet(values=dict(stored))
    for question in questions:
        sheet.typed[question.id] = as_input(question, stored.get(question.id))
    return sheet


# --- writing -------------------------------------------------------------------------


def insert_answers(session: Session, registration_id: int, values: Mapping[int, Any]) -> None:
    """The answers of a new registration, in one statement (an executemany without
    RETURNING: the ORM would insert them one by one to learn their ids). In the
    caller's transaction; the registration's ``answers`` are not refreshed."""
    if values:
        session.execute(insert(Answer), [
            {"registration_id": registration_id, "question_id": question_id, "value": value}
            for question_id, value in values.items()])


def replace_answers(
    session: Session, registration: Registration, asked: Iterable[int], values: Mapping[int, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Give ``registration`` these answers to the questions ``asked`` (a question asked
    but left out of ``values`` loses its answer); answers to other questions (retired
    ones, another category's) stay. In the caller's transaction. Returns what changed,
    before and after, by question id, for the audit log."""
    asked = set(asked) | set(values)
    current = {answer.question_id: answer for answer in registration.answers}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for question_id in asked:
        old = current.get(question_id)
        new = values.get(question_id)
        if old is not None and new is None:
            before[str(question_id)] = old.value
            after[str(question_id)] = None
            registration.answers.remove(old)
        elif old is None and new is not None:
            before[str(question_id)] = None
            after[str(question_id)] = new
            registration.answers.append(Answer(question_id=question_id, value=new))
        elif old is not None and old.value != new:
            before[str(question_id)] = old.value
            after[str(question_id)] = new
            old.value = new
    return before, after


def answer_rows(questions: Iterable[Question], registration: Registration,
                lang: str | None = None) -> list[tuple[Question, str]]:
    """(question, the answer as a reader sees it) of a registration's answered questions,
    in the questions' order, retired ones included (``questions`` should hold them)."""
    stored = {answer.question_id: answer.value for answer in registration.answers}
    return [(question, shown(question, stored[question.id], lang))
            for question in questions if question.id in stored]
