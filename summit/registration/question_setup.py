"""The organizers' side of an event's questions: add, edit, reorder, retire.

Each change checks its rules, writes its audit entry and commits, or raises
``QuestionRejected`` and changes nothing. A question or option that has answers is
never deleted: it is retired (off the forms, its answers still shown and exported),
so what attendees said stays readable whatever the organizers change later; for the
same reason a question's kind is fixed once it has answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import AuditAction
from ..models import (
    Answer,
    Event,
    Question,
    QuestionChoice,
    QuestionKind,
    RegistrationCategory,
    User,
    utcnow,
)
from .questions import CHOICE_KINDS, CONDITION_KINDS, KEY, NO, TEXT_KINDS, YES, pattern_problem

FIELDS = ("kind", "label_zh", "label_en", "help_zh", "help_en", "required", "position",
          "categories", "pattern", "condition_question_id", "condition_value")


@dataclass(frozen=True)
class ChoicePlan:
    key: str
    label_zh: str = ""
    label_en: str = ""


@dataclass
class QuestionPlan:
    """A question as it would be saved."""

    kind: QuestionKind
    label_zh: str = ""
    label_en: str = ""
    help_zh: str = ""
    help_en: str = ""
    required: bool = False
    categories: list[str] = field(default_factory=list)
    pattern: str = ""
    condition_question_id: int | None = None
    condition_value: str = ""
    choices: list[ChoicePlan] = field(default_factory=list)


class QuestionRejected(Exception):
    """The change breaks a rule; nothing was saved. ``problems``: (form field, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(message for _field, message in problems))
        self.problems = problems


def answer_counts(session: Session, event_id: int) -> dict[int, int]:
    """How many registrations answered each of the event's questions."""
    return dict(session.execute(
        select(Answer.question_id, func.count())
        .join(Question, Question.id == Answer.question_id)
        .where(Question.event_id == event_id)
        .group_by(Answer.question_id)
    ).all())


def _answered(session: Session, question: Question) -> bool:
    return question.id is not None and session.scalar(
        select(Answer.id).where(Answer.question_id == question.id).limit(1)) is not None


def _chosen_keys(session: Session, question: Question) -> set[str]:
    """The option keys some answer holds."""
    keys: set[str] = set()
    for value in session.scalars(select(Answer.value).where(Answer.question_id == question.id)):
        keys.update(value if isinstance(value, list) else [value])
    return keys


def problems_of(session: Session, event: Event, question: Question | None,
                plan: QuestionPlan) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not (plan.label_zh.strip() or plan.label_en.strip()):
        problems.append(("label_zh", _("Give the question in Chinese or English.")))
    if question is not None and question.kind != plan.kind and _answered(session, question):
        problems.append(("kind", _("People have answered this question: its kind can no "
                                   "longer change. Retire it and add a new one instead.")))
    if plan.pattern:
        if plan.kind not in TEXT_KINDS:
            problems.append(("pattern", _("Only text answers can have a pattern.")))
        elif (problem := pattern_problem(plan.pattern)) is not None:
            problems.append(("pattern", problem))
    unknown = set(plan.categories) - {category.value for category in RegistrationCategory}
    if unknown:
        problems.append(("categories", _("Unknown category.")))
    if plan.kind in CHOICE_KINDS:
        keys = [choice.key for choice in plan.choices]
        if not keys:
            problems.append(("choices", _("Give at least one option.")))
        elif len(set(keys)) != len(keys):
            problems.append(("choices", _("Each option needs its own key.")))
        elif not all(KEY.fullmatch(key) for key in keys):
            problems.append(("choices", _(
                "A key is up to 40 lower-case letters, digits, - and _, such as "
                "“vegetarian”.")))
        elif not all(choice.label_zh.strip() or choice.label_en.strip()
                     for choice in plan.choices):
            problems.append(("choices", _("Give each option a label in Chinese or English.")))
    if plan.condition_question_id is not None:
        problems.extend(_condition_problems(session, event, question, plan))
    return problems


def _condition_problems(session, event, question, plan) -> list[tuple[str, str]]:
    earlier = session.get(Question, plan.condition_question_id)
    if (earlier is None or earlier.event_id != event.id or earlier.retired_at is not None
            or earlier.kind not in CONDITION_KINDS
            or (question is not None and (earlier.id == question.id
                                          or (earlier.position, earlier.id)
                                          >= (question.position, question.id)))):
        return [("condition_question_id", _(
            "Choose an earlier question with options or a yes/no answer."))]
    allowed = ([YES, NO] if earlier.kind == QuestionKind.YES_NO
               else [choice.key for choice in earlier.choices if not choice.retired])
    if plan.condition_value not in allowed:
        return [("condition_value", _("Choose one of that question’s answers: %(answers)s.",
                                      answers=", ".join(allowed)))]
    return []


def _apply(session: Session, question: Question, plan: QuestionPlan) -> None:
    question.kind = plan.kind
    question.label_zh = plan.label_zh.strip()
    question.label_en = plan.label_en.strip()
    question.help_zh = plan.help_zh.strip()
    question.help_en = plan.help_en.strip()
    question.required = plan.required
    question.categories = sorted(set(plan.categories))
    question.pattern = plan.pattern if plan.kind in TEXT_KINDS else ""
    question.condition_question_id = plan.condition_question_id
    question.condition_value = plan.condition_value if plan.condition_question_id else ""
    wanted = plan.choices if plan.kind in CHOICE_KINDS else []
    existing = {choice.key: choice for choice in question.choices}
    kept_keys = _chosen_keys(session, question) if question.id is not None else set()
    for position, choice_plan in enumerate(wanted):
        choice = existing.pop(choice_plan.key, None)
        if choice is None:
            choice = QuestionChoice(key=choice_plan.key)
            question.choices.append(choice)
        choice.label_zh = choice_plan.label_zh.strip()
        choice.label_en = choice_plan.label_en.strip()
        choice.position = position
        choice.retired = False
    for key, choice in existing.items():
        if key in kept_keys:
            choice.retired = True  # someone chose it: their answer stays readable
            choice.position = len(wanted) + choice.position
        else:
            question.choices.remove(choice)


def _state(question: Question) -> dict[str, Any]:
    state = audit.snapshot(question, FIELDS)
    state["choices"] = [[choice.key, choice.label_zh, choice.label_en]
                        for choice in question.choices if not choice.retired]
    return state


def _label(question: Question) -> str:
    return (question.label_zh or question.label_en)[:200]


def save_question(session: Session, actor: User | None, event: Event,
                  question: Question | None, plan: QuestionPlan) -> Question:
    """Add a question (``question`` None: at the end of the event's list) or change one.
    Commits, or raises QuestionRejected."""
    problems = problems_of(session, event, question, plan)
    if problems:
        session.rollback()
        raise QuestionRejected(problems)
    if question is None:
        last = session.scalar(select(func.max(Question.position))
                              .where(Question.event_id == event.id))
        question = Question(event_id=event.id, position=(last if last is not None else -1) + 1,
                            categories=[], choices=[])
        session.add(question)
        before = None
        action = AuditAction.CREATE
    else:
        before = _state(question)
        action = AuditAction.UPDATE
    _apply(session, question, plan)
    session.flush()
    after = _state(question)
    if before is not None:
        before, after = audit.changes(before, after)
    audit.record(session, actor, action, "question", question.id, _label(question),
                 before=before, after=after, event_id=event.id)
    session.commit()
    return question


def dependents(session: Session, question: Question) -> list[Question]:
    """The active questions asked only after a given answer to ``question``."""
    return list(session.scalars(select(Question).where(
        Question.condition_question_id == question.id, Question.retired_at.is_(None))))


def retire_question(session: Session, actor: User | None, question: Question) -> bool:
    """Take a question off the forms: retired when it has answers (they stay readable)
    or questions depend on it (they are no longer asked), deleted otherwise. Returns
    whether it was deleted. Commits."""
    event_id = question.event_id
    state = _state(question)
    depended_on = session.scalar(select(Question.id).where(
        Question.condition_question_id == question.id).limit(1)) is not None
    if depended_on or _answered(session, question):
        question.retired_at = utcnow()
        action, deleted = AuditAction.RETIRE, False
    else:
        session.delete(question)
        action, deleted = AuditAction.DELETE, True
    audit.record(session, actor, action, "question", question.id, _label(question),
                 before=state, event_id=event_id)
    session.commit()
    return deleted


def restore_question(session: Session, actor: User | None, question: Question) -> None:
    """Put a retired question back on the forms. Commits."""
    question.retired_at = None
    audit.record(session, actor, AuditAction.UPDATE, "question", question.id, _label(question),
                 before={"retired": True}, after={"retired": False},
                 event_id=question.event_id)
    session.commit()


def move_question(session: Session, actor: User | None, question: Question, step: int) -> None:
    """One place up (``step`` -1) or down (+1) among the event's questions. A question
    never moves above the one it depends on (nor one that depends on it below it)."""
    siblings = list(session.scalars(select(Question).where(
        Question.event_id == question.event_id).order_by(Question.position, Question.id)))
    index = siblings.index(question)
    target = index + step
    if not 0 <= target < len(siblings):
        return
    other = siblings[target]
    upper, lower = (other, question) if step < 0 else (question, other)
    if lower.condition_question_id == upper.id:
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    before = question.position
    for position, sibling in enumerate(siblings):
        sibling.position = position
    audit.record(session, actor, AuditAction.MOVE, "question", question.id, _label(question),
                 before={"position": before}, after={"position": question.position},
                 event_id=question.event_id)
    session.commit()
