"""The organizers' editor of registration questions: add, edit, reorder, remove
(retired, not deleted, once answered), who may open it."""

from __future__ import annotations

from sqlalchemy import select

from summit.extensions import db
from summit.models import AuditEntry, Question, QuestionKind

from .helpers.admin_pages import ADMIN
from .helpers.pages import DEMO, csrf_token, page_text, post_form
from .helpers.questions import add_question, answers_of, demo_question, field
from .helpers.registrations import post_registration

EMAIL = "liu.yunjie@pml.example.cn"


def question_fields(**overrides) -> dict:
    fields = {"kind": "choice", "label_zh": "午餐", "label_en": "Lunch", "help_zh": "",
              "help_en": "", "choices": "fish | 鱼 | Fish\nrice | 米饭 | Rice",
              "condition_question_id": "", "condition_value": "", "pattern": ""}
    fields.update(overrides)
    return fields


def test_an_organizer_adds_a_question_that_the_form_then_asks(app, organizer, client):
    response = post_form(organizer, f"{ADMIN}/questions/new?lang=en",
                         **question_fields(required="y", categories=["delegate"]))
    assert response.status_code == 302
    listing = page_text(organizer.get(f"{ADMIN}/questions?lang=en"))
    assert "午餐 Lunch required" in listing and "fish Fish · rice Rice" in listing
    with app.app_context():
        question = db.session.scalars(select(Question).where(Question.label_en == "Lunch")).one()
        assert [(c.key, c.label_en) for c in question.choices] == [("fish", "Fish"),
                                                                    ("rice", "Rice")]
        assert question.categories == ["delegate"]
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "question")).one()
        assert entry.action == "create" and entry.after["choices"][0] == ["fish", "鱼", "Fish"]
    form = client.get(f"{DEMO}/register?lang=zh").get_data(as_text=True)
    assert "午餐" in form and 'value="fish"' in form
    log = organizer.get(f"{ADMIN}/audit?lang=zh")
    assert log.status_code == 200 and "报名问题" in page_text(log) and "午餐" in page_text(log)


def test_the_editor_says_what_is_wrong_on_the_same_page(app, organizer, demo_event):
    with app.app_context():
        invoice = demo_question(demo_event, "Do you need an invoice").id
        hotel = demo_question(demo_event, "Shall we").id
    cases = [
        (question_fields(choices=""), "Give at least one option."),
        (question_fields(choices="Fish | 鱼 | Fish"), "A key is up to 40 lower-case letters"),
        (question_fields(choices="a | 甲 | A\na | 乙 | B"), "Each option needs its own key."),
        (question_fields(kind="short_text", pattern="[0-9"), "Not a valid pattern"),
        (question_fields(kind="number", pattern="[0-9]+"), "Only text answers can have a pattern."),
        (question_fields(label_zh="", label_en=""), "Give the question in Chinese or English."),
        (question_fields(condition_question_id=str(invoice), condition_value="maybe"),
         "Choose one of that question’s answers: yes, no."),
    ]
    for fields, message in cases:
        response = post_form(organizer, f"{ADMIN}/questions/new?lang=en", **fields)
        assert response.status_code == 422, message
        assert message in page_text(response), message
    # A question cannot depend on a later one.
    with app.app_context():
        arrival = demo_question(demo_event, "Day of arrival").id
    response = post_form(organizer, f"{ADMIN}/questions/{hotel}/edit?lang=en",
                         **question_fields(kind="yes_no", choices="",
                                           condition_question_id=str(arrival),
                                           condition_value="yes"))
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Question.id).where(Question.label_en == "Lunch")) is None


def test_a_question_with_answers_is_retired_and_its_answers_stay_readable(
        app, organizer, client, demo_event):
    with app.app_context():
        hotel = demo_question(demo_event, "Shall we")
        hotel_id, name = hotel.id, field(demo_event, "Shall we")
    response = post_registration(client, **{name: "yes"})
    own_page = response.headers["Location"]
    confirm = page_text(organizer.get(f"{ADMIN}/questions/{hotel_id}/retire?lang=en"))
    assert "1 registration answered it: the question is retired, not deleted" in confirm
    assert post_form(organizer, f"{ADMIN}/questions/{hotel_id}/retire",
                     page=f"{ADMIN}/questions/{hotel_id}/retire").status_code == 302
    with app.app_context():
        assert db.session.get(Question, hotel_id).retired_at is not None
        assert answers_of(EMAIL) == {"Shall we book you a hotel room?": True}
    assert "Shall we book you a hotel room?" not in page_text(client.get(f"{DEMO}/register"))
    mine = page_text(client.get(own_page + "?lang=en"))
    assert "Shall we book you a hotel room? Yes" in mine
    listing = page_text(organizer.get(f"{ADMIN}/questions?lang=en"))
    assert "Retired questions" in listing
    # Put back on the form.
    token = csrf_token(organizer, f"{ADMIN}/questions")
    assert organizer.post(f"{ADMIN}/questions/{hotel_id}/restore",
                          data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Question, hotel_id).retired_at is None


def test_an_unanswered_question_is_deleted_and_one_others_depend_on_is_retired(
        app, organizer, demo_event):
    with app.app_context():
        arrival = demo_question(demo_event, "Day of arrival").id
        invoice = demo_question(demo_event, "Do you need an invoice").id
    path = f"{ADMIN}/questions/{arrival}/retire"
    assert post_form(organizer, path).status_code == 302
    confirm = page_text(organizer.get(f"{ADMIN}/questions/{invoice}/retire?lang=en"))
    assert "is asked only after an answer to it" in confirm
    assert post_form(organizer, f"{ADMIN}/questions/{invoice}/retire").status_code == 302
    with app.app_context():
        assert db.session.get(Question, arrival) is None
        assert db.session.get(Question, invoice).retired_at is not None


def test_changing_options_keeps_the_chosen_ones_and_a_kind_with_answers_stays(
        app, organizer, client, demo_event):
    with app.app_context():
        dietary = demo_question(demo_event, "Dietary")
        dietary_id, name = dietary.id, field(demo_event, "Dietary")
    post_registration(client, **{name: ["halal"]})
    path = f"{ADMIN}/questions/{dietary_id}/edit?lang=en"
    # "halal" dropped and "vegetarian" renamed: the answer keeps its label, retired.
    response = post_form(organizer, path, **question_fields(
        kind="multiple", label_zh="饮食", label_en="Dietary needs",
        choices="vegetarian | 素 | Vegetarian food"))
    assert response.status_code == 302
    with app.app_context():
        choices = {c.key: (c.label_en, c.retired)
                   for c in db.session.get(Question, dietary_id).choices}
        assert choices == {"vegetarian": ("Vegetarian food", False), "halal": ("Halal", True)}
    changed_kind = post_form(organizer, path, **question_fields(kind="short_text", choices=""))
    assert changed_kind.status_code == 422
    assert "its kind can no longer change" in page_text(changed_kind)


def test_moving_a_question_never_puts_it_above_the_one_it_depends_on(app, organizer,
                                                                      demo_event):
    with app.app_context():
        invoice = demo_question(demo_event, "Do you need an invoice").id
        title = demo_question(demo_event, "Invoice title").id
        arrival = demo_question(demo_event, "Day of arrival").id
    token = csrf_token(organizer, f"{ADMIN}/questions")
    organizer.post(f"{ADMIN}/questions/{title}/move", data={"csrf_token": token,
                                                           "direction": "up"})
    organizer.post(f"{ADMIN}/questions/{arrival}/move", data={"csrf_token": token,
                                                             "direction": "up"})
    with app.app_context():
        order = db.session.scalars(select(Question.id).where(
            Question.event_id == demo_event).order_by(Question.position)).all()
        assert order.index(invoice) < order.index(title)
        assert order.index(arrival) == len(order) - 2


def test_only_the_events_organizers_open_the_question_editor(app, client, accounts,
                                                              demo_event):
    from summit.models import Role

    from .helpers.accounts import sign_in_as
    sign_in_as(client, Role.CHECKIN)
    assert client.get(f"{ADMIN}/questions").status_code == 403
    with app.app_context():
        question_id = add_question(demo_event, QuestionKind.SHORT_TEXT, "Secret").id
    assert client.get(f"{ADMIN}/questions/{question_id}/edit").status_code == 403


# --- the registration's page, the list's filter, CSV ---------------------------------------

def _register_three(client, demo_event, app):
    with app.app_context():
        invoice, title, number = (field(demo_event, "Do you need an invoice"),
                                  field(demo_event, "Invoice title"),
                                  field(demo_event, "Taxpayer"))
        dietary, hotel = field(demo_event, "Dietary"), field(demo_event, "Shall we")
        remarks = f"q{add_question(demo_event, QuestionKind.LONG_TEXT, 'Remarks').id}"
    post_registration(client, email="a@example.org", phone="13800138000", **{
        invoice: "yes", title: '=HYPERLINK("http://evil.example")', number: "123456789012345",
        dietary: ["vegetarian", "halal"], hotel: "yes", remarks: "<b>bold</b>\n@SUM(A1)"})
    post_registration(client, email="b@example.org", phone="13800138000",
                      **{dietary: ["halal"], hotel: "no"})
    post_registration(client, email="c@example.org", phone="")


def test_the_registrations_page_shows_the_answers_and_the_list_filters_by_one(
        app, organizer, client, demo_event):
    _register_three(client, demo_event, app)
    with app.app_context():
        from summit.models import Registration
        first = db.session.scalars(select(Registration.id).where(
            Registration.email == "a@example.org")).one()
        dietary, hotel = field(demo_event, "Dietary"), field(demo_event, "Shall we")
    html = organizer.get(f"{ADMIN}/registrations/{first}?lang=en").get_data(as_text=True)
    assert "Vegetarian, Halal" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "=HYPERLINK(&#34;http://evil.example&#34;)" in html

    def listed(answer):
        page = organizer.get(f"{ADMIN}/registrations?lang=en&answer={answer}")
        return sorted(re.findall(r"[abc]@example\.org", page_text(page)))

    import re
    assert listed(f"{dietary}:halal") == ["a@example.org", "b@example.org"]
    assert listed(f"{dietary}:vegetarian") == ["a@example.org"]
    assert listed(f"{hotel}:yes") == ["a@example.org"]
    assert listed(f"{hotel}:no") == ["b@example.org"]
    assert listed(f"{hotel}:-") == ["c@example.org"]
    assert listed(f"{dietary}:*") == ["a@example.org", "b@example.org"]
    assert "Shall we book you a hotel room?: Yes" in page_text(
        organizer.get(f"{ADMIN}/registrations?lang=en"))


def test_the_csv_export_has_a_column_per_question_and_neutralises_formulas(
        app, organizer, client, demo_event):
    import csv
    import io
    _register_three(client, demo_event, app)
    codes = organizer.get(f"{ADMIN}/registrations/export.csv?codes=1&sort=name&order=asc")
    rows = {row["email"]: row for row in csv.DictReader(
        io.StringIO(codes.get_data().decode("utf-8-sig"), newline=""))}
    first = rows["a@example.org"]
    assert first["Do you need an invoice (发票)?"] == "yes"
    assert first["Invoice title (抬头)"] == "'=HYPERLINK(\"http://evil.example\")"
    assert first["Dietary needs"] == "vegetarian; halal"
    assert first["Remarks"] == "<b>bold</b>\n@SUM(A1)"
    assert rows["c@example.org"]["Dietary needs"] == ""
    words = organizer.get(f"{ADMIN}/registrations/export.csv?lang=zh")
    rows = {row["邮箱"] if "邮箱" in row else row[next(iter(row))]: row
            for row in csv.DictReader(io.StringIO(words.get_data().decode("utf-8-sig"),
                                                  newline=""))}
    text = words.get_data().decode("utf-8-sig")
    assert "饮食需求" in text and "素食；清真" in text and "是否需要开具发票？" in text


def test_a_csv_export_imports_back_with_its_answers(app, organizer, client, demo_event):
    from .helpers.csv_import import confirm_import, upload
    _register_three(client, demo_event, app)
    exported = organizer.get(f"{ADMIN}/registrations/export.csv?codes=1").get_data()
    with app.app_context():
        from summit.models import Answer, Registration
        db.session.execute(Answer.__table__.delete())
        db.session.execute(Registration.__table__.delete())
        db.session.commit()
    preview = upload(organizer, exported, category="delegate")
    assert preview.status_code == 200, page_text(preview)
    assert confirm_import(organizer, preview).status_code == 302
    with app.app_context():
        assert answers_of("a@example.org") == {
            "Do you need an invoice (发票)?": True,
            "Invoice title (抬头)": '=HYPERLINK("http://evil.example")',
            "Taxpayer identification number (纳税人识别号)": "123456789012345",
            "Dietary needs": ["vegetarian", "halal"],
            "Shall we book you a hotel room?": True,
            "Remarks": "<b>bold</b>\n@SUM(A1)"}
        assert answers_of("b@example.org") == {"Dietary needs": ["halal"],
                                               "Shall we book you a hotel room?": False}
        assert answers_of("c@example.org") == {}


def test_an_import_says_which_answer_is_wrong(app, organizer, demo_event):
    from .helpers.csv_import import upload
    content = ("姓名,邮箱,单位,饮食需求,是否需要开具发票？,纳税人识别号\n"
               "王小明,wang@example.org,东南大学,素食；清真,是,123456789012345\n"
               "李雷,li@example.org,东南大学,caviar,maybe,\n").encode()
    preview = upload(organizer, content, category="delegate")
    text = page_text(preview)
    assert "Choose among the options shown." in text and "Answer yes or no." in text
