"""The organizers' registrations: list, search, filters, pages, changes with their
audit entries, CSV export and the all-or-nothing import of invited guests."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from summit.extensions import db
from summit.models import (
    Event,
    Forum,
    MailMessage,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    Role,
    SeatStatus,
    utcnow,
)
from summit.registration import questions, service
from summit.registration.seats import seats_taken
from summit.urls import serving_at

from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN
from .helpers.concurrency import in_step
from .helpers.csv_import import confirm_import, sealed_field, upload
from .helpers.database import audit_entries, statements_of
from .helpers.pages import CSRF_FIELD, csrf_token, listed_names, page_text
from .helpers.questions import answers_of, demo_question, field
from .helpers.registrations import (
    AI,
    CHIP,
    LINK_BASE,
    bulk_registrations,
    count_registrations,
    forum_id,
    register,
)

# --- the list -----------------------------------------------------------------------


def test_search_finds_chinese_names_latin_names_and_parts_of_emails(app, organizer, demo_event):
    with app.app_context():
        register(demo_event, "刘韵洁", "Liu.Yunjie@PML.example.cn", "紫金山实验室", "Liu Yunjie")
        register(demo_event, "何积丰", "he.jifeng@ecnu.example.cn", "华东师范大学", "He Jifeng")
        register(demo_event, "Anna 100%", "anna_b@example.org", "Percent & Co")

    def found(search: str) -> list[str]:
        return listed_names(organizer.get(f"{ADMIN}/registrations", query_string={"q": search}))

    assert found("韵洁") == ["刘韵洁"]
    assert found("pml.EXAMPLE") == ["刘韵洁"]
    assert found("liu yunjie") == ["刘韵洁"]
    assert found("紫金山") == ["刘韵洁"]
    assert found("HE JIFENG") == ["何积丰"]
    assert sorted(found("example")) == sorted(["刘韵洁", "何积丰", "Anna 100%"])
    # LIKE's wildcards are searched for as themselves.
    assert found("100%") == ["Anna 100%"]
    assert found("a_b") == ["Anna 100%"]
    assert found("%") == ["Anna 100%"]
    assert found("nobody") == []
    assert "No registration matches." in page_text(
        organizer.get(f"{ADMIN}/registrations?q=nobody"))


def test_filters_and_sorting(app, organizer, demo_event):
    with app.app_context():
        iot = forum_id(CHIP)
        db.session.get(Event, demo_event).capacity = 3
        db.session.commit()
        a = register(demo_event, "Bai", "bai@x.example.org", "Zeta Labs", forums=[iot])
        register(demo_event, "Ai", "ai@x.example.org", "Alpha Inc")
        c = register(demo_event, "Cao", "cao@x.example.org", "Mid Corp",
                     category=RegistrationCategory.STUDENT)
        register(demo_event, "Du", "du@x.example.org", "Beta Ltd")  # the 4th waits
        with serving_at(LINK_BASE):
            service.cancel(db.session, db.session.get(Registration, c))  # Du moves up
        register(demo_event, "Er", "er@x.example.org", "Omega")  # waits
        db.session.get(Registration, a).checked_in_at = utcnow()
        db.session.commit()

    def names(**arguments) -> list[str]:
        return listed_names(organizer.get(f"{ADMIN}/registrations", query_string=arguments))

    assert names(status="waitlisted") == ["Er"]
    assert names(status="cancelled") == ["Cao"]
    assert names(category="student") == ["Cao"]
    assert names(forum=str(iot)) == ["Bai"]
    assert names(checked_in="yes") == ["Bai"]
    assert sorted(names(checked_in="no")) == ["Ai", "Cao", "Du", "Er"]
    assert names(sort="name", order="asc") == ["Ai", "Bai", "Cao", "Du", "Er"]
    assert names(sort="name", order="desc") == ["Er", "Du", "Cao", "Bai", "Ai"]
    assert names(sort="organisation", order="asc") == ["Ai", "Du", "Cao", "Er", "Bai"]
    assert names(sort="created", order="asc") == ["Bai", "Ai", "Cao", "Du", "Er"]
    assert names(sort="status", order="asc")[-2:] == ["Er", "Cao"]
    assert names(status="confirmed", sort="name", order="asc") == ["Ai", "Bai", "Du"]
    # A value that does not fit is explained and ignored, never a 500.
    response = organizer.get(f"{ADMIN}/registrations?status=bogus&page=x&sort=evil")
    assert response.status_code == 200
    assert len(listed_names(response)) == 5


def test_pages(app, organizer, demo_event):
    with app.app_context():
        bulk_registrations(demo_event, 60)
    first = organizer.get(f"{ADMIN}/registrations?per_page=25&sort=name&order=asc")
    assert listed_names(first)[:2] == ["参会者00000", "参会者00001"]
    assert len(listed_names(first)) == 25
    assert "1–25 of 60" in page_text(first)
    third = organizer.get(f"{ADMIN}/registrations?per_page=25&sort=name&order=asc&page=3")
    assert listed_names(third) == [f"参会者{n:05d}" for n in range(50, 60)]
    assert "Page 3 of 3" in page_text(third)
    # Past the end: the last page, not an empty one.
    assert listed_names(organizer.get(
        f"{ADMIN}/registrations?per_page=25&sort=name&order=asc&page=99")) == listed_names(third)


def test_a_page_of_ten_thousand_costs_the_same_few_queries_whatever_its_size(
    app, organizer, demo_event
):
    with app.app_context():
        bulk_registrations(demo_event, 10_000, forum_ids=[forum_id(CHIP), forum_id(AI)])
    small, response = statements_of(app, organizer, f"{ADMIN}/registrations?per_page=25")
    assert len(listed_names(response)) == 25
    large, response = statements_of(app, organizer, f"{ADMIN}/registrations?per_page=200")
    assert len(listed_names(response)) == 200
    assert "Chip–Machine Co-design" in page_text(response)
    searched, response = statements_of(
        app, organizer, f"{ADMIN}/registrations?per_page=200&q=单位3&sort=name&checked_in=no"
    )
    assert len(listed_names(response)) == 200
    assert len(small) == len(large) == len(searched)
    # The account, its roles at events, the event, the forums and the event's questions
    # (with their options) for the filters, the count, the rows, their seats.
    assert len(large) <= 10


# --- one registration -------------------------------------------------------------


def test_an_organizer_edits_details_category_and_forums_with_an_audit_entry(
    app, organizer, demo_event
):
    with app.app_context():
        rid = register(demo_event, "刘韵洁", "liu@pml.example.cn", forums=[forum_id(CHIP)])
        register(demo_event, "何积丰", "he@ecnu.example.cn")
        iot, ai = forum_id(CHIP), forum_id(AI)
    path = f"{ADMIN}/registrations/{rid}"
    page = organizer.get(path)
    assert "刘韵洁" in page_text(page)
    fields = {
        "csrf_token": CSRF_FIELD.search(page.get_data(as_text=True)).group(1),
        "full_name": "刘韵洁", "latin_name": "Liu Yunjie", "email": "liu@pml.example.cn",
        "phone": "", "organisation": "紫金山实验室", "job_title": "首席科学家",
        "category": "speaker", "locale": "zh", "forums": [str(ai)],
    }
    response = organizer.post(path, data=fields)
    assert response.status_code == 302
    with app.app_context():
        registration = db.session.get(Registration, rid)
        assert registration.category == RegistrationCategory.SPEAKER
        assert registration.organisation == "紫金山实验室"
        seats = {seat.forum_id: seat.status for seat in registration.seats}
        assert seats == {iot: SeatStatus.CANCELLED, ai: SeatStatus.CONFIRMED}
        (entry,) = audit_entries("update")
        assert entry.actor == "organizer@summit.example.org"
        assert entry.object_id == str(rid)
        assert entry.before["category"] == "delegate" and entry.after["category"] == "speaker"
        assert entry.before["seats"] == {"chip-machine": "confirmed"}
        assert entry.after["seats"] == {"5g-ai-big-data": "confirmed"}
        assert "email" not in entry.after  # only what changed

    taken = organizer.post(path, data={**fields, "email": "HE@ecnu.example.cn"})
    assert taken.status_code == 422
    assert "belongs to another registration: 何积丰" in page_text(taken)
    with app.app_context():
        assert db.session.get(Registration, rid).email == "liu@pml.example.cn"
        assert len(audit_entries("update")) == 1


def test_cancel_asks_for_confirmation_and_gives_the_place_to_the_next(app, organizer, demo_event):
    with app.app_context():
        db.session.get(Event, demo_event).capacity = 1
        db.session.commit()
        first = register(demo_event, "甲", "jia@example.org")
        second = register(demo_event, "乙", "yi@example.org")
    path = f"{ADMIN}/registrations/{first}/cancel"
    token = csrf_token(organizer, path)
    assert organizer.post(path, data={"csrf_token": token}).status_code == 422
    with app.app_context():
        assert db.session.get(Registration, first).status == RegistrationStatus.CONFIRMED
    response = organizer.post(path, data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Registration, first).status == RegistrationStatus.CANCELLED
        assert db.session.get(Registration, second).status == RegistrationStatus.CONFIRMED
        (entry,) = audit_entries("cancel")
        assert entry.before == {"status": "confirmed"} and entry.after["status"] == "cancelled"
        kinds = db.session.scalars(select(MailMessage.kind).order_by(MailMessage.id)).all()
        assert kinds[-2:] == ["promotion", "cancellation"]


def test_promote_admits_beyond_capacity_and_seats_in_a_full_forum(app, organizer, demo_event):
    with app.app_context():
        iot = forum_id(CHIP)
        db.session.get(Event, demo_event).capacity = 1
        db.session.get(Forum, iot).capacity = 1
        db.session.commit()
        first = register(demo_event, "甲", "jia@example.org", forums=[iot])
        waiting = register(demo_event, "乙", "yi@example.org", forums=[iot])
        assert db.session.get(Registration, waiting).status == RegistrationStatus.WAITLISTED
    path = f"{ADMIN}/registrations/{waiting}"
    token = csrf_token(organizer, path)
    organizer.post(f"{path}/promote", data={"csrf_token": token})
    with app.app_context():
        registration = db.session.get(Registration, waiting)
        assert registration.status == RegistrationStatus.CONFIRMED
        # Admitted to the event beyond its capacity; the full forum still makes them wait.
        assert registration.seats[0].status == SeatStatus.WAITLISTED
    organizer.post(f"{path}/promote", data={"csrf_token": token, "forum_id": str(iot)})
    with app.app_context():
        assert db.session.get(Registration, waiting).seats[0].status == SeatStatus.CONFIRMED
        assert db.session.get(Registration, first).seats[0].status == SeatStatus.CONFIRMED
        assert seats_taken(db.session, [iot])[iot] == 2
        assert [entry.after for entry in audit_entries("promote")] == [
            {"status": "confirmed"}, {"seats": {"chip-machine": "confirmed"}}]
        promotions = db.session.scalar(select(func.count()).select_from(MailMessage).where(
            MailMessage.kind == "promotion", MailMessage.registration_id == waiting))
        assert promotions == 2
    again = organizer.post(f"{path}/promote", data={"csrf_token": token}, follow_redirects=True)
    assert "nothing to promote" in page_text(again)


def test_resend_link_queues_the_mail_and_is_audited(app, organizer, demo_event):
    with app.app_context():
        rid = register(demo_event, "甲", "jia@example.org")
    path = f"{ADMIN}/registrations/{rid}"
    response = organizer.post(f"{path}/resend", data={"csrf_token": csrf_token(organizer, path)})
    response.close()
    with app.app_context():
        kinds = db.session.scalars(select(MailMessage.kind).where(
            MailMessage.registration_id == rid).order_by(MailMessage.id)).all()
        assert kinds == ["confirmation", "link"]
        assert [entry.object_id for entry in audit_entries("resend_link")] == [str(rid)]


def test_an_organizer_adds_a_vip_while_registration_is_closed(app, organizer, demo_event):
    with app.app_context():
        db.session.get(Event, demo_event).registration_closes_at = utcnow() - timedelta(days=1)
        db.session.get(Event, demo_event).capacity = 0
        db.session.commit()
        ai = forum_id(AI)
    fields = {
        "csrf_token": csrf_token(organizer, f"{ADMIN}/registrations/new"),
        "full_name": "张贵宾", "latin_name": "Zhang Guibin", "email": "VIP@Example.org",
        "organisation": "工业和信息化部", "category": "vip", "locale": "zh", "forums": [str(ai)],
        "beyond_capacity": "y",
    }
    response = organizer.post(f"{ADMIN}/registrations/new", data=fields)
    assert response.status_code == 302
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        assert registration.email == "vip@example.org"
        assert registration.category == RegistrationCategory.VIP
        assert registration.status == RegistrationStatus.CONFIRMED
        assert registration.seats[0].status == SeatStatus.CONFIRMED
        (entry,) = audit_entries("create")
        assert entry.before is None and entry.after["full_name"] == "张贵宾"
    again = organizer.post(f"{ADMIN}/registrations/new", data=fields)
    assert again.status_code == 422
    assert "This address is registered already" in page_text(again)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_an_organizer_changes_the_answers_after_registration_closed(app, organizer, demo_event):
    with app.app_context():
        rid = register(demo_event, "刘韵洁", "liu@pml.example.cn")
        db.session.get(Event, demo_event).registration_closes_at = utcnow() - timedelta(days=1)
        db.session.commit()
        invoice = field(demo_event, "Do you need an invoice")
        title = field(demo_event, "Invoice title")
        taxpayer = field(demo_event, "Taxpayer")
    path = f"{ADMIN}/registrations/{rid}"
    assert "Change the answers" in page_text(organizer.get(path))
    answers = {"csrf_token": csrf_token(organizer, path), invoice: "yes",
               title: "紫金山实验室", taxpayer: "not a number"}

    wrong = organizer.post(f"{path}/answers", data=answers)
    assert wrong.status_code == 422
    assert "Please correct the marked fields." in page_text(wrong)
    with app.app_context():
        assert answers_of("liu@pml.example.cn") == {}

    saved = organizer.post(f"{path}/answers", data={**answers, taxpayer: "91320000MA1XXXXX0X"})
    assert saved.status_code == 302
    assert "紫金山实验室" in page_text(organizer.get(path))
    with app.app_context():
        stored = answers_of("liu@pml.example.cn")
        assert stored["Invoice title (抬头)"] == "紫金山实验室"
        (entry,) = audit_entries("change_answers")
        assert entry.actor == "organizer@summit.example.org"
        assert entry.object_id == str(rid)
        assert set(entry.before["answers"].values()) == {None}
        assert "紫金山实验室" in entry.after["answers"].values()
    organizer.post(f"{path}/answers", data={**answers, taxpayer: "91320000MA1XXXXX0X"})
    assert "Nothing was changed." in page_text(organizer.get(path))
    with app.app_context():
        assert len(audit_entries("change_answers")) == 1

    forged = organizer.post(f"{path}/answers", data={invoice: "no"})
    assert forged.status_code == 400
    with app.app_context():
        assert answers_of("liu@pml.example.cn") == stored

    # Cancelled, the registration keeps its record, which organizers still correct.
    with app.app_context(), serving_at(LINK_BASE):
        service.cancel(db.session, db.session.get(Registration, rid))
    organizer.post(f"{path}/answers", data={**answers, title: "东南大学",
                                            taxpayer: "91320000MA1XXXXX0X"})
    with app.app_context():
        assert answers_of("liu@pml.example.cn")["Invoice title (抬头)"] == "东南大学"


def test_two_changes_of_first_answers_at_once_both_succeed(app, demo_event):
    """The attendee and an organizer answer a question for the first time at the same
    moment: the second waits for the first, and nobody gets an error."""
    with app.app_context():
        rid = register(demo_event, "甲", "jia@example.org")
        dietary = demo_question(demo_event, "Dietary needs")
        asked = [question.id for question in questions.event_questions(db.session, demo_event)]

    def answer(choice: str):
        def change(session):
            registration = session.get(Registration, rid)
            sheet = questions.AnswerSheet(values={dietary.id: [choice]}, asked=asked)
            return service.save_answers(session, registration, sheet)
        return change

    results = in_step(app, [answer("halal"), answer("vegetarian")], after_reading="answer")
    assert results == [True, True], results
    with app.app_context():
        assert answers_of("jia@example.org")["Dietary needs"] in (["halal"], ["vegetarian"])
        assert len(audit_entries("change_answers")) == 2


def test_check_in_staff_may_not_open_registrations(app, client, demo_event):
    sign_in(app, client, Role.CHECKIN)
    assert client.get(f"{ADMIN}/registrations").status_code == 403
    assert client.get(f"{ADMIN}/registrations/export.csv").status_code == 403


# --- CSV export ---------------------------------------------------------------------


def test_csv_export_has_a_bom_keeps_chinese_and_neutralises_formulas(app, organizer, demo_event):
    with app.app_context():
        register(demo_event, "=HYPERLINK(\"http://evil\")", "evil@example.org", "+1+1")
        register(demo_event, "刘韵洁", "liu@pml.example.cn", "紫金山实验室", "Liu Yunjie",
                 forums=[forum_id(CHIP)])
        register(demo_event, "@SUM(A1)", "at@example.org", "-2+3")
        register(demo_event, "Tab", "tab@example.org", "\tcmd")
        register(demo_event, "Other", "other@elsewhere.org", "Not exported")
    response = organizer.get(f"{ADMIN}/registrations/export.csv?q=example.org&sort=name&codes=1")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    by_email = {row["email"]: row for row in rows}
    # Only the current filter: neither the .cn address nor elsewhere.org.
    assert set(by_email) == {"evil@example.org", "at@example.org", "tab@example.org"}
    assert by_email["evil@example.org"]["full_name"] == "'=HYPERLINK(\"http://evil\")"
    assert by_email["evil@example.org"]["organisation"] == "'+1+1"
    assert by_email["at@example.org"]["full_name"] == "'@SUM(A1)"
    assert by_email["at@example.org"]["organisation"] == "'-2+3"
    assert by_email["tab@example.org"]["organisation"] == "'\tcmd"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value

    chinese = organizer.get(f"{ADMIN}/registrations/export.csv?q=韵洁&codes=1").get_data()
    (row,) = list(csv.DictReader(io.StringIO(chinese.decode("utf-8-sig"), newline="")))
    assert (row["full_name"], row["organisation"], row["forums"]) == ("刘韵洁", "紫金山实验室",
                                                                     "chip-machine")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row["created_at"])


# --- CSV import ---------------------------------------------------------------------


BAD_FILE = """full_name,email,organisation,forums,category
王小明,wang@example.org,东南大学,chip-machine,
李雷,not-an-email,东南大学,,
韩梅梅,WANG@example.org,东南大学,,
赵六,zhao@example.org,东南大学,quantum-computing,
钱七,qian@example.org,东南大学,,astronaut
,nobody@example.org,东南大学,,
孙八,registered@example.org,东南大学,,
""".encode()


def test_a_bad_guest_list_is_previewed_with_row_errors_and_writes_nothing(
    app, organizer, demo_event
):
    with app.app_context():
        register(demo_event, "已注册", "registered@example.org")
        before = count_registrations()
    response = upload(organizer, BAD_FILE)
    assert response.status_code == 422
    text = page_text(response)
    assert "6 rows have problems" in text
    html = response.get_data(as_text=True)
    rows = {int(line): row for line, row in re.findall(
        r"<tr class=\"import-row--\w+\">\s*<td>(\d+)</td>(.*?)</tr>", html, re.S)}
    assert "import-errors" not in rows[2]
    assert "Enter a valid email address" in rows[3]
    assert "The same email as line 2" in rows[4]
    assert "Unknown forum “quantum-computing”" in rows[5]
    assert "Unknown category “astronaut”" in rows[6]
    assert "Please enter your name" in rows[7]
    assert "This address is registered already" in rows[8]
    assert 'name="sealed"' not in html  # nothing to confirm
    with app.app_context():
        assert count_registrations() == before


def test_a_good_guest_list_is_previewed_then_imported_at_once(app, organizer, demo_event):
    content = (
        "姓名,邮箱,单位,分论坛,类别,拼音,language\n"
        "王小明,Wang@Example.org,东南大学,chip-machine; 长三角教育与专业人才培养,,Wang Xiaoming,"
        "en\n"
        "李雷,li.lei@example.org,清华大学,,speaker,,\n"
    ).encode("gb18030")
    preview = upload(organizer, content, category="vip")
    assert preview.status_code == 200
    assert "2 guests are ready to import" in page_text(preview)
    with app.app_context():
        assert count_registrations() == 0
        iot, education = forum_id(CHIP), forum_id("yrd-education-talent")
    response = confirm_import(organizer, preview)
    assert response.status_code == 302
    response.close()
    with app.app_context():
        guests = {r.email: r for r in db.session.scalars(select(Registration))}
        wang = guests["wang@example.org"]
        assert (wang.full_name, wang.organisation, wang.latin_name, wang.locale) == (
            "王小明", "东南大学", "Wang Xiaoming", "en")
        assert wang.category == RegistrationCategory.VIP
        assert {seat.forum_id for seat in wang.seats} == {iot, education}
        assert guests["li.lei@example.org"].category == RegistrationCategory.SPEAKER
        assert len(audit_entries("import")) == 2
        assert db.session.scalar(select(func.count()).select_from(MailMessage).where(
            MailMessage.kind == "confirmation")) == 2


def test_the_import_is_all_or_nothing_when_the_data_changed_since_the_preview(
    app, organizer, demo_event
):
    content = "full_name,email,organisation\n甲,jia@example.org,东大\n乙,yi@example.org,东大\n"
    content = content.encode()
    preview = upload(organizer, content)
    assert preview.status_code == 200
    with app.app_context():
        register(demo_event, "乙", "yi@example.org")  # someone registered meanwhile
    response = confirm_import(organizer, preview)
    assert response.status_code == 409
    assert "This address is registered already" in page_text(response)
    with app.app_context():
        assert db.session.scalars(select(Registration.email)).all() == ["yi@example.org"]
        assert audit_entries("import") == []


def test_a_tampered_preview_imports_nothing(app, organizer, demo_event):
    preview = upload(organizer, "full_name,email,organisation\n甲,jia@example.org,东大\n".encode())
    token = CSRF_FIELD.search(preview.get_data(as_text=True)).group(1)
    sealed = sealed_field(preview)
    forged = sealed[:-3] + ("AAA" if not sealed.endswith("AAA") else "BBB")
    response = organizer.post(f"{ADMIN}/registrations/import/confirm",
                              data={"csrf_token": token, "sealed": forged},
                              follow_redirects=True)
    assert "expired or was altered" in page_text(response)
    with app.app_context():
        assert count_registrations() == 0


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty."),
    (b"name,phone\n", "missing: email"),
    (b"full_name,email\n", "holds no guest"),
    (b"\xff\xfe\x00\x00garbage\x81", "neither UTF-8 nor GB18030"),
])
def test_an_unreadable_file_is_explained(app, organizer, demo_event, content, message):
    response = upload(organizer, content)
    assert response.status_code == 422
    assert message in page_text(response)


# --- badge printing -----------------------------------------------------------------


def test_the_printing_screen_selects_links_the_pdf_and_notes_badges_as_printed(
    app, organizer, demo_event
):
    with app.app_context():
        chip = forum_id(CHIP)
        seated = register(demo_event, "甲", "jia@example.org", forums=[chip])
        register(demo_event, "乙", "yi@example.org")
        register(demo_event, "丙", "bing@example.org", forums=[chip],
                 category=RegistrationCategory.VIP)
    page = organizer.get(f"{ADMIN}/printing")
    assert page.status_code == 200 and "Show the selection" in page_text(page)
    query = {"show": "1", "forum": CHIP, "category": "delegate", "layout": "a4-4up"}
    selection = organizer.get(f"{ADMIN}/printing", query_string=query)
    html = selection.get_data(as_text=True)
    assert "1 badge matches." in page_text(selection)
    pdf_url = re.search(fr'href="({ADMIN}/badges\.pdf\?[^"]+)"', html).group(1)
    assert sorted(pdf_url.split("?", 1)[1].replace("&amp;", "&").split("&")) == [
        "category=delegate", f"forum={CHIP}", "layout=a4-4up"]
    ids = re.search(r'name="ids" type="hidden" value="([^"]+)"', html).group(1)
    assert ids == str(seated)
    action = re.search(fr'action="({ADMIN}/printing/mark[^"]*)"', html).group(1)
    action = action.replace("&amp;", "&")
    response = organizer.post(action, data={
        "csrf_token": CSRF_FIELD.search(html).group(1), "ids": ids})
    assert response.status_code == 302 and f"{ADMIN}/printing?" in response.location
    again = organizer.get(response.location)
    assert "1 of them was printed before." in page_text(again)
    with app.app_context():
        printed = db.session.scalars(
            select(Registration.id).where(Registration.badge_printed_at.is_not(None))).all()
        assert printed == [seated]
        assert [entry.object_id for entry in audit_entries("badge_printed")] == [str(seated)]
    not_printed = organizer.get(f"{ADMIN}/registrations?printed=no&sort=name&order=asc")
    assert listed_names(not_printed) == ["丙", "乙"]
    assert organizer.get(f"{ADMIN}/printing?show=1&status=cancelled").status_code == 400


def test_one_badge_is_printed_again_from_the_registration_page(app, organizer, demo_event):
    with app.app_context():
        registration_id = register(demo_event, "刘韵洁", "liu@pml.example.cn")
    path = f"{ADMIN}/registrations/{registration_id}"
    response = organizer.post(f"{path}/badge.pdf", data={
        "csrf_token": csrf_token(organizer, path), "layout": "a6"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF")
    with app.app_context():
        assert db.session.get(Registration, registration_id).badge_printed_at is not None
        assert len(audit_entries("badge_printed")) == 1
