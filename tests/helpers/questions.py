"""The demo event's own registration questions, and more of every kind, as tests need them."""

from __future__ import annotations

from sqlalchemy import select

from summit.extensions import db
from summit.models import Answer, Event, Question, QuestionKind, Registration
from summit.registration.question_setup import ChoicePlan, QuestionPlan, save_question


def demo_question(event_id: int, label_en_start: str) -> Question:
    """The demo's question whose English label starts with ``label_en_start``."""
    return db.session.scalars(select(Question).where(
        Question.event_id == event_id, Question.label_en.startswith(label_en_start))).one()


def field(event_id: int, label_en_start: str) -> str:
    """The form field of that question: q<id>."""
    return f"q{demo_question(event_id, label_en_start).id}"


def add_question(event_id: int, kind: QuestionKind, label_en: str, **values) -> Question:
    """A question added as an organizer would (with a Chinese label too)."""
    choices = [ChoicePlan(*choice) for choice in values.pop("choices", [])]
    plan = QuestionPlan(kind=kind, label_zh="问题" + label_en, label_en=label_en,
                        choices=choices, **values)
    return save_question(db.session, None, db.session.get(Event, event_id), None, plan)


def answers_of(email: str) -> dict[str, object]:
    """English label → stored value of the answers of the registration of ``email``."""
    rows = db.session.execute(
        select(Question.label_en, Answer.value)
        .join(Answer, Answer.question_id == Question.id)
        .join(Registration, Registration.id == Answer.registration_id)
        .where(Registration.email == email)
    ).all()
    return dict(rows)
