"""The organizers' own questions on the registration form: every kind through the form
and the attendee's page, conditional questions, validation with messages on the page,
hostile answers."""

from __future__ import annotations

import re
import time

import pytest

from summit.extensions import db
from summit.models import Event, QuestionKind, RegistrationCategory, utcnow

from .helpers.pages import DEMO, csrf_token, page_text
from .helpers.questions import add_question, answers_of, field
from .helpers.registrations import form_fields, post_registration

EMAIL = "liu.yunjie@pml.example.cn"


def every_kind(event_id: int) -> dict[str, str]:
    """One more question of each kind the demo lacks; label → field name."""
    made = {
        "Talk title": add_question(event_id, QuestionKind.SHORT_TEXT, "Talk title"),
        "Remarks": add_question(event_id, QuestionKind.LONG_TEXT, "Remarks"),
        "Shirt size": add_question(event_id, QuestionKind.CHOICE, "Shirt size", required=True,
                                   choices=[("s", "小号", "Small"), ("l", "大号", "Large")]),
        "Nights": add_question(event_id, QuestionKind.NUMBER, "Nights"),
    }
    return {label: f"q{question.id}" for label, question in made.items()}


def own_page(client, response) -> str:
    assert response.status_code == 302, page_text(client.get(f"{DEMO}/register"))
    return response.headers["Location"]


def test_every_kind_of_answer_is_stored_typed_and_shown_on_the_attendee_page(
        app, client, demo_event):
    with app.app_context():
        fields = every_kind(demo_event)
        invoice, title, number = (field(demo_event, "Do you need an invoice"),
                                  field(demo_event, "Invoice title"),
                                  field(demo_event, "Taxpayer"))
        dietary, hotel, arrival = (field(demo_event, "Dietary"), field(demo_event, "Shall we"),
                                   field(demo_event, "Day of arrival"))
    response = post_registration(client, **{
        invoice: "yes", title: "紫金山实验室", number: "91320000MA1XXXXX0X",
        dietary: ["vegetarian", "halal"], hotel: "no", arrival: "2020-11-24",
        fields["Talk title"]: "  嵌入式  AI ", fields["Remarks"]: "第一行\r\n第二行",
        fields["Shirt size"]: "l", fields["Nights"]: "3"})
    page = own_page(client, response)
    with app.app_context():
        assert answers_of(EMAIL) == {
            "Do you need an invoice (发票)?": True,
            "Invoice title (抬头)": "紫金山实验室",
            "Taxpayer identification number (纳税人识别号)": "91320000MA1XXXXX0X",
            "Dietary needs": ["vegetarian", "halal"],
            "Shall we book you a hotel room?": False,
            "Day of arrival in Nanjing": "2020-11-24",
            "Talk title": "嵌入式 AI",
            "Remarks": "第一行\n第二行",
            "Shirt size": "l",
            "Nights": 3,
        }
    text = page_text(client.get(page + "?lang=en"))
    assert "Dietary needs Vegetarian, Halal" in text
    assert "Shirt size Large" in text and "Shall we book you a hotel room? No" in text


def test_a_conditional_question_is_asked_only_after_its_answer_and_dropped_otherwise(
        app, client, demo_event):
    with app.app_context():
        invoice, title, number = (field(demo_event, "Do you need an invoice"),
                                  field(demo_event, "Invoice title"),
                                  field(demo_event, "Taxpayer"))
    client.get(f"{DEMO}/register?lang=en")
    # No invoice: the title and number, though sent (no script ran), are dropped.
    own_page(client, post_registration(client, **{invoice: "no", title: "<b>x</b>",
                                                  number: "not a number"}))
    with app.app_context():
        assert answers_of(EMAIL) == {"Do you need an invoice (发票)?": False}
    # An invoice: its details are required and checked.
    response = post_registration(client, email="b@example.org", **{invoice: "yes",
                                                                   number: "12345"})
    assert response.status_code == 422
    text = page_text(response)
    assert "Please answer this question." in text
    assert "This is not in the expected form: see the hint." in text


@pytest.mark.parametrize("taxpayer, accepted", [
    ("123456789012345", True), ("91320000MA1XXXXX0X", True), ("12345678901234567890", True),
    ("1234567890123456", False), ("9132-0000MA1XXXXX0X", False), ("91320000MA1XXXXX0X\n", True),
])
def test_the_taxpayer_number_is_15_18_or_20_letters_and_digits(app, client, demo_event,
                                                               taxpayer, accepted):
    with app.app_context():
        invoice, title, number = (field(demo_event, "Do you need an invoice"),
                                  field(demo_event, "Invoice title"),
                                  field(demo_event, "Taxpayer"))
    client.get(f"{DEMO}/register?lang=en")
    response = post_registration(client, **{invoice: "yes", title: "东南大学", number: taxpayer})
    assert (response.status_code == 302) == accepted
    if not accepted:
        assert "This is not in the expected form: see the hint." in page_text(response)


def test_wrong_answers_of_each_kind_are_said_next_to_the_question_and_kept(
        app, client, demo_event):
    with app.app_context():
        fields = every_kind(demo_event)
        arrival = field(demo_event, "Day of arrival")
        dietary = field(demo_event, "Dietary")
    client.get(f"{DEMO}/register?lang=en")
    response = post_registration(client, **{
        fields["Nights"]: "three", arrival: "2020-13-40", dietary: ["caviar"],
        fields["Talk title"]: "x" * 201, fields["Remarks"]: "ok"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    text = page_text(response)
    for message in ("Enter a number, such as 2 or 1.5.", "Enter a date such as 2020-11-25.",
                    "Choose among the options shown.", "At most 200 characters.",
                    "Please answer this question."):  # the required shirt size
        assert message in text
    assert 'value="three"' in html and 'aria-invalid="true"' in html
    assert f'id="{fields["Nights"]}-error"' in html
    with app.app_context():
        assert answers_of(EMAIL) == {}


def test_a_question_for_some_categories_is_asked_of_those_only(app, client, demo_event):
    with app.app_context():
        question = add_question(demo_event, QuestionKind.SHORT_TEXT, "Student card number",
                                required=True, categories=[RegistrationCategory.STUDENT.value])
        name = f"q{question.id}"
    html = client.get(f"{DEMO}/register?lang=en").get_data(as_text=True)
    assert 'data-categories="student"' in html and "Asked of: Student" in html
    own_page(client, post_registration(client, **{name: "ignored for a delegate"}))
    with app.app_context():
        assert answers_of(EMAIL) == {}
    response = post_registration(client, email="s@example.org", category="student")
    assert response.status_code == 422
    own_page(client, post_registration(client, email="s@example.org", category="student",
                                       **{name: "S-2020-001"}))
    with app.app_context():
        assert answers_of("s@example.org") == {"Student card number": "S-2020-001"}


HOSTILE = ['<script>alert(1)</script>', '=HYPERLINK("http://evil.example")', "a\x00b",
           "a\x1bb", "a\u202eb"]


def test_hostile_answers_are_refused_or_shown_as_text(app, client, demo_event):
    with app.app_context():
        fields = every_kind(demo_event)
    client.get(f"{DEMO}/register?lang=en")
    for bad in HOSTILE[2:]:
        response = post_registration(client, **{fields["Talk title"]: bad,
                                                fields["Shirt size"]: "s"})
        assert response.status_code == 422
        assert "This contains characters that cannot be printed." in page_text(response)
    page = own_page(client, post_registration(client, **{
        fields["Talk title"]: HOSTILE[0], fields["Remarks"]: HOSTILE[1],
        fields["Shirt size"]: "s"}))
    html = client.get(page).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_attendee_changes_their_answers_until_registration_closes(app, client, demo_event):
    with app.app_context():
        invoice, title, number = (field(demo_event, "Do you need an invoice"),
                                  field(demo_event, "Invoice title"),
                                  field(demo_event, "Taxpayer"))
        hotel = field(demo_event, "Shall we")
    page = own_page(client, post_registration(client, **{invoice: "no", hotel: "yes"}))
    html = client.get(page + "?lang=en").get_data(as_text=True)
    assert "Change my answers" in html and "js/questions.js" in html
    token = csrf_token(client, page)
    bad = client.post(page + "/answers", data={"csrf_token": token, invoice: "yes",
                                                 title: "东南大学", number: "123"})
    assert bad.status_code == 422 and "This is not in the expected form" in page_text(bad)
    good = client.post(page + "/answers", data={"csrf_token": token, invoice: "yes",
                                                  title: "东南大学", number: "123456789012345"})
    assert good.status_code == 302
    with app.app_context():
        assert answers_of(EMAIL) == {
            "Do you need an invoice (发票)?": True, "Invoice title (抬头)": "东南大学",
            "Taxpayer identification number (纳税人识别号)": "123456789012345"}
        event = db.session.get(Event, demo_event)
        event.registration_closes_at = utcnow()
        db.session.commit()
    text = page_text(client.get(page + "?lang=en"))
    assert "Change my answers" not in text and "can no longer be changed" in text
    late = client.post(page + "/answers", data={"csrf_token": token, invoice: "no"})
    assert late.status_code == 302
    with app.app_context():
        assert answers_of(EMAIL)["Do you need an invoice (发票)?"] is True


def test_the_form_renders_the_demo_questions_with_their_conditions(client, demo_event):
    html = client.get(f"{DEMO}/register?lang=zh").get_data(as_text=True)
    assert "是否需要开具发票？" in html and "纳税人识别号" in html
    assert len(re.findall(r'data-condition-value="yes"', html)) == 2
    assert 'src="/static/js/questions.js"' in html


def test_answering_no_to_the_condition_clears_the_answers_that_depended_on_it(
        app, client, demo_event):
    with app.app_context():
        invoice, title, number = (field(demo_event, "Do you need an invoice"),
                                  field(demo_event, "Invoice title"),
                                  field(demo_event, "Taxpayer"))
    page = own_page(client, post_registration(client, **{
        invoice: "yes", title: "东南大学", number: "123456789012345"}))
    token = csrf_token(client, page)
    # The browser's script disabled the hidden fields; without it they are sent all the same.
    assert client.post(page + "/answers", data={"csrf_token": token, invoice: "no",
                                                 title: "东南大学"}).status_code == 302
    with app.app_context():
        assert answers_of(EMAIL) == {"Do you need an invoice (发票)?": False}


def test_registering_with_five_answers_writes_them_in_one_insert(app, client, demo_event):
    from .helpers.database import statements_of_post

    with app.app_context():
        invoice, title, number = (field(demo_event, "Do you need an invoice"),
                                  field(demo_event, "Invoice title"),
                                  field(demo_event, "Taxpayer"))
        dietary, hotel = field(demo_event, "Dietary"), field(demo_event, "Shall we")
    data = {"csrf_token": csrf_token(client, f"{DEMO}/register"), **form_fields(), **{
        invoice: "yes", title: "东南大学", number: "123456789012345",
        dietary: ["halal"], hotel: "yes"}}
    statements, response = statements_of_post(app, client, f"{DEMO}/register", data)
    assert response.status_code == 302
    assert len([s for s in statements if s.lower().startswith("insert into answer")]) == 1
    # The questions are read once (with their options, in the same statement).
    assert len([s for s in statements if "from question" in s.lower()]) == 1, statements
    with app.app_context():
        assert len(answers_of(EMAIL)) == 5


def test_a_new_edition_copies_the_questions_in_use_never_the_answers(app, client, demo_event):
    from datetime import date

    from sqlalchemy import func, select

    from summit.events.service import clone_event
    from summit.models import Answer, Question
    from summit.registration.question_setup import retire_question

    with app.app_context():
        hotel = field(demo_event, "Shall we")
        extra = add_question(demo_event, QuestionKind.NUMBER, "Nights").id
    own_page(client, post_registration(client, **{hotel: "yes", f"q{extra}": "2"}))
    with app.app_context():
        retire_question(db.session, None, db.session.get(Question, extra))
        source = db.session.get(Event, demo_event)
        clone = clone_event(db.session, None, source, "embedded-china-2022", date(2022, 11, 23))
        copied = db.session.scalars(select(Question).where(Question.event_id == clone.id)
                                    .order_by(Question.position)).all()
        assert [q.label_en for q in copied] == [
            "Do you need an invoice (发票)?", "Invoice title (抬头)",
            "Taxpayer identification number (纳税人识别号)", "Dietary needs",
            "Shall we book you a hotel room?", "Day of arrival in Nanjing"]
        assert copied[1].condition_question_id == copied[0].id
        assert copied[2].condition_value == "yes" and copied[2].pattern
        assert [c.key for c in copied[3].choices] == ["vegetarian", "halal", "no-nuts"]
        assert db.session.scalar(select(func.count()).select_from(Answer).join(Question).where(
            Question.event_id == clone.id)) == 0


def test_registering_again_shows_the_earlier_answers_and_replaces_them(app, client, demo_event):
    from summit.models import Registration
    from summit.registration import service
    from summit.urls import serving_at

    with app.app_context():
        dietary, hotel = field(demo_event, "Dietary"), field(demo_event, "Shall we")
    own_page(client, post_registration(client, **{dietary: ["halal"], hotel: "yes"}))
    with app.app_context():
        from sqlalchemy import select
        registration = db.session.scalars(select(Registration)).one()
        with serving_at("http://summit.test"):
            service.cancel(db.session, registration)
        key = service.register_again_key(app.secret_key, registration)
    path = f"{DEMO}/register/again/{key}"
    html = client.get(path + "?lang=en").get_data(as_text=True)
    assert re.search(rf'name="{dietary}" value="halal" checked', html)
    response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                       **{k: v for k, v in form_fields().items()
                                          if k != "email"},
                                       dietary: ["vegetarian"]})
    assert response.status_code == 302
    with app.app_context():
        assert answers_of(EMAIL) == {"Dietary needs": ["vegetarian"]}


def test_a_pattern_that_backtracks_without_end_refuses_the_answer_at_once(
        app, client, demo_event):
    with app.app_context():
        nickname = add_question(demo_event, QuestionKind.SHORT_TEXT, "Badge nickname",
                                pattern="(a+)+$")
        name = f"q{nickname.id}"
    client.get(f"{DEMO}/register?lang=en")
    started = time.monotonic()
    response = post_registration(client, **{name: "a" * 60 + "!"})
    assert time.monotonic() - started < 5  # without a limit: years
    assert response.status_code == 422
    assert "This is not in the expected form: see the hint." in page_text(response)
    assert post_registration(client, **{name: "aaaa"}).status_code == 302
