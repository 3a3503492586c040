"""The back office at home in Chinese: names in pinyin order, the CSV export in the
organizer's language (and in codes for re-import), the audit log's attendees, times
and words, and the wording of the admin's and attendees' pages."""

from __future__ import annotations

import csv
import importlib
import inspect
import io
import pkgutil
import re
from datetime import UTC, datetime

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Form
from wtforms.validators import Length

import summit
from summit import labels
from summit.audit import AuditAction
from summit.auth.service import create_user
from summit.extensions import db
from summit.models import AuditEntry, Event, Registration, RegistrationCategory, Role, User
from summit.registration import service
from summit.urls import serving_at

from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN
from .helpers.csv_import import confirm_import, upload
from .helpers.pages import DEMO, csrf_token, listed_names, page_text
from .helpers.registrations import (
    AI,
    CHIP,
    count_registrations,
    form_fields,
    forum_id,
    outbox_mails,
    post_registration,
    register,
)

# On Friday, so it can be held with Thursday afternoon's AI forum.
EDUCATION = "yrd-education-talent"

# Shuffled: 欧阳 reads ōuyáng, 曾 as a surname zēng; Latin names fall in by their letters.
PEOPLE = ["张伟", "Zoe Adams", "欧阳娜娜", "李明", "anna Smith", "曾国藩", "何积丰", "Li Lei",
          "刘韵洁", "黎明"]
PINYIN_ORDER = ["anna Smith", "何积丰", "Li Lei", "黎明", "李明", "刘韵洁", "欧阳娜娜", "曾国藩",
                "张伟", "Zoe Adams"]


def register_people(demo_event, names=PEOPLE, domain="example.org") -> None:
    for number, name in enumerate(names):
        register(demo_event, name, f"person{number}@{domain}")


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    body = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body, newline="")))


# --- pinyin order -------------------------------------------------------------------


def test_the_list_sorts_names_in_pinyin_order_across_pages(app, organizer, demo_event):  # noqa: F811
    with app.app_context():
        register_people(demo_event)

    def names(**arguments) -> list[str]:
        return listed_names(organizer.get(f"{ADMIN}/registrations", query_string=arguments))

    assert names(sort="name", order="asc") == PINYIN_ORDER
    assert names(sort="name", order="desc") == PINYIN_ORDER[::-1]
    # The smallest page size is 25: enough people for three pages, the order kept across them.
    with app.app_context():
        register_people(demo_event, [f"{name}{n}" for n in range(10) for name in ("王", "安")],
                        domain="more.example.org")
    pages = [names(sort="name", order="asc", per_page=25, page=page) for page in (1, 2)]
    assert [len(page) for page in pages] == [25, 5]
    listed = pages[0] + pages[1]
    assert listed[:10] == [f"安{n}" for n in range(10)]
    assert listed[10:25] == PINYIN_ORDER[:7] + [f"王{n}" for n in range(8)]
    assert pages[1] == ["王8", "王9"] + PINYIN_ORDER[-3:]


def test_the_list_sorts_organisations_in_pinyin_order(app, organizer, demo_event):  # noqa: F811
    with app.app_context():
        for number, organisation in enumerate(["紫金山实验室", "东南大学", "Apple", "上海科学院"]):
            register(demo_event, f"人{number}", f"org{number}@example.org", organisation)
    response = organizer.get(f"{ADMIN}/registrations?sort=organisation&order=asc")
    assert listed_names(response) == ["人2", "人1", "人3", "人0"]


def test_the_csv_export_keeps_the_pinyin_order(app, organizer, demo_event):  # noqa: F811
    with app.app_context():
        register_people(demo_event)
    rows = csv_rows(organizer.get(f"{ADMIN}/registrations/export.csv?sort=name&order=asc&codes=1"))
    assert [row["full_name"] for row in rows] == PINYIN_ORDER


# --- the CSV export in the organizer's language ----------------------------------------


def test_the_csv_export_speaks_chinese_to_a_chinese_organizer(app, organizer, demo_event):  # noqa: F811
    with app.app_context():
        register(demo_event, "刘韵洁", "liu@pml.example.cn", "紫金山实验室", "Liu Yunjie",
                 forums=[forum_id(AI), forum_id(EDUCATION)])
    organizer.set_cookie("lang", "zh")
    (row,) = csv_rows(organizer.get(f"{ADMIN}/registrations/export.csv"))
    assert row["姓名"] == "刘韵洁"
    assert row["电子邮箱"] == "liu@pml.example.cn"
    assert row["类别"] == "参会代表"
    assert row["状态"] == "已确认"
    assert row["已确认的分论坛"] == "5G与人工智能及大数据融合；长三角教育与专业人才培养"
    assert row["语言"] == "中文"
    assert "full_name" not in row

    organizer.set_cookie("lang", "en")
    (row,) = csv_rows(organizer.get(f"{ADMIN}/registrations/export.csv"))
    assert (row["Name"], row["Category"], row["Status"]) == ("刘韵洁", "Delegate", "Confirmed")
    assert row["Forums (seat confirmed)"] == (
        "Convergence of 5G, AI and Big Data; "
        "Yangtze River Delta Education and Professional Talent Development")


def test_the_codes_export_keeps_machine_codes(app, organizer, demo_event):  # noqa: F811
    with app.app_context():
        register(demo_event, "刘韵洁", "liu@pml.example.cn", forums=[forum_id(CHIP)])
    organizer.set_cookie("lang", "zh")
    page = organizer.get(f"{ADMIN}/registrations?sort=name")
    assert f"{ADMIN}/registrations/export.csv?sort=name&amp;codes=1" in page.get_data(as_text=True)
    (row,) = csv_rows(organizer.get(f"{ADMIN}/registrations/export.csv?codes=1"))
    assert (row["full_name"], row["category"], row["status"], row["forums"], row["locale"]) == (
        "刘韵洁", "delegate", "confirmed", "chip-machine", "zh")


def exported_and_imported_again(app, organizer, demo_event, export_url: str) -> Registration:  # noqa: F811
    """Register a guest, export the list, cancel the guest, import the file: the one
    registration that comes back."""
    with app.app_context():
        rid = register(demo_event, "欧阳娜娜", "ouyang@example.org", "东南大学", "Ouyang Nana",
                       forums=[forum_id(AI), forum_id(EDUCATION)],
                       category=RegistrationCategory.STUDENT)
        exported = organizer.get(export_url).get_data()
        db.session.delete(db.session.get(Registration, rid))
        db.session.commit()
    preview = upload(organizer, exported, category="vip")
    assert preview.status_code == 200, page_text(preview)
    response = confirm_import(organizer, preview)
    assert response.status_code == 302
    with app.app_context():
        assert count_registrations() == 1
        guest = db.session.scalars(select(Registration)).one()
        return (guest.full_name, guest.latin_name, guest.organisation, guest.category,
                guest.locale, sorted(seat.forum.slug for seat in guest.seats))


EXPECTED_GUEST = ("欧阳娜娜", "Ouyang Nana", "东南大学", RegistrationCategory.STUDENT, "zh",
                  sorted([AI, EDUCATION]))


def test_the_codes_export_imports_again(app, organizer, demo_event):  # noqa: F811
    organizer.set_cookie("lang", "zh")
    assert exported_and_imported_again(
        app, organizer, demo_event, f"{ADMIN}/registrations/export.csv?codes=1") == EXPECTED_GUEST


def test_the_chinese_export_imports_again(app, organizer, demo_event):  # noqa: F811
    organizer.set_cookie("lang", "zh")
    assert exported_and_imported_again(
        app, organizer, demo_event, f"{ADMIN}/registrations/export.csv") == EXPECTED_GUEST


def test_the_english_export_imports_again_forum_names_with_commas_and_all(
    app, organizer, demo_event  # noqa: F811
):
    assert exported_and_imported_again(
        app, organizer, demo_event, f"{ADMIN}/registrations/export.csv") == EXPECTED_GUEST


# --- the audit log ------------------------------------------------------------------


def attendee_entries() -> list[tuple[str, str, int | None, dict | None, dict | None]]:
    return [(entry.action, entry.actor, entry.user_id, entry.before, entry.after)
            for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_attendees_own_actions_are_in_the_audit_log(app, client, demo_event):
    with app.app_context():
        chip, ai = forum_id(CHIP), forum_id(AI)
    assert post_registration(client, forums=[chip], email="Me@Example.org").status_code == 302
    with app.app_context():
        token = db.session.scalars(select(Registration.token)).one()
    page = f"/r/{token}"
    client.post(f"{page}/forums", data={"csrf_token": csrf_token(client, page),
                                        "forums": [ai]}).close()
    client.post(f"{page}/resend", data={"csrf_token": csrf_token(client, page)}).close()
    # The address again: the form mails the link, and that is noted too.
    post_registration(client, email="me@example.org")
    client.post(f"{page}/cancel", data={"csrf_token": csrf_token(client, f"{page}/cancel"),
                                        "confirm": "y"}).close()
    me = "attendee <me@example.org>"
    with app.app_context():
        assert attendee_entries() == [
            ("register", me, None, None, None),
            ("change_forums", me, None, {"seats": {CHIP: "confirmed"}},
             {"seats": {AI: "confirmed"}}),
            ("resend_link", me, None, None, None),
            ("resend_link", me, None, None, None),
            ("cancel", me, None, {"status": "confirmed"}, {"status": "cancelled"}),
        ]


def test_the_audit_page_speaks_the_organizers_language_in_the_events_time(
    app, organizer, demo_event  # noqa: F811
):
    with app.app_context(), serving_at("http://summit.test"):
        liu = db.session.get(Registration, register(demo_event, "刘韵洁", "liu@pml.example.cn"))
        service.change_forums(db.session, liu, [forum_id(CHIP)])
        service.cancel(db.session, db.session.get(Registration, liu.id))
        liu_id = liu.id
        assert db.session.get(Event, demo_event).timezone == "Asia/Shanghai"
        for entry in db.session.scalars(select(AuditEntry)):
            entry.at = datetime(2020, 11, 25, 6, 3, tzinfo=UTC)
        db.session.commit()
    chinese = page_text(organizer.get(f"{ADMIN}/audit?lang=zh"))
    assert "2020年11月25日" in chinese and "14:03" in chinese
    assert "06:03" not in chinese and "2020-11-25" not in chinese
    assert "参会者 liu@pml.example.cn" in chinese
    assert "已报名" in chinese and "register" not in chinese
    # The fields and their values in words too, not codes.
    assert "状态 已确认" in chinese and "confirmed" not in chinese
    assert "分论坛 ∅ 芯机联动专题：座位已确认" in chinese
    english = page_text(organizer.get(f"{ADMIN}/audit?lang=en"))
    assert "25 Nov 2020, 14:03" in english
    assert "Attendee liu@pml.example.cn" in english and "Registered" in english
    # The registration's own history says the same.
    history = page_text(organizer.get(f"{ADMIN}/registrations/{liu_id}?lang=zh"))
    assert "参会者 liu@pml.example.cn" in history
    assert "分论坛：∅ → 芯机联动专题：座位已确认" in history
    # One choice of the "By" filter for all attendees, which finds their three actions.
    only_attendees = organizer.get(f"{ADMIN}/audit?lang=en&actor=attendees")
    assert only_attendees.status_code == 200
    assert "3 entries" in page_text(only_attendees)


def test_every_action_the_log_records_has_a_name_in_both_languages(app):
    with app.test_request_context("/?lang=zh"):
        chinese = {action: str(labels.AUDIT_ACTIONS[action]) for action in AuditAction}
    with app.test_request_context("/?lang=en"):
        english = {action: str(labels.AUDIT_ACTIONS[action]) for action in AuditAction}
    for action in AuditAction:
        assert re.search(r"[\u4e00-\u9fff]", chinese[action]), action
        assert english[action] != chinese[action] and english[action] != action.value, action


# --- the cancel page ------------------------------------------------------------------


def cancelled_by_attendee(app, client, demo_event, capacity: int) -> str:
    """Fill the event to ``capacity`` plus one waiting, cancel the first: the page after."""
    with app.app_context():
        db.session.get(Event, demo_event).capacity = capacity
        db.session.commit()
        token = db.session.get(Registration, register(demo_event, "甲", "jia@example.org")).token
        register(demo_event, "乙", "yi@example.org")
    page = f"/r/{token}/cancel"
    response = client.post(f"{page}?lang=en", data={
        "csrf_token": csrf_token(client, page), "confirm": "y"})
    assert response.status_code == 302
    return page_text(client.get(f"/r/{token}?lang=en"))


def test_cancelling_says_the_place_went_to_someone_when_someone_moved_up(
    app, client, demo_event
):
    text = cancelled_by_attendee(app, client, demo_event, capacity=1)
    assert "Your place has gone to the next person waiting." in text


def test_cancelling_says_nothing_of_a_next_person_when_nobody_was_waiting(
    app, client, demo_event
):
    text = cancelled_by_attendee(app, client, demo_event, capacity=5)
    assert "Your registration is cancelled." in text
    assert "next" not in text.lower()


# --- accounts -----------------------------------------------------------------------


def test_deactivating_an_account_asks_for_confirmation(app, client):
    sign_in(app, client, Role.ADMIN)
    with app.app_context():
        other = create_user(db.session, "volunteer@example.org", "volunteer-password", Role.CHECKIN)
        db.session.commit()
        other_id = other.id
    ask = f"/admin/accounts/{other_id}/active"
    assert f'href="{ask}"' in client.get("/admin/accounts").get_data(as_text=True)
    question = client.get(ask)
    assert "Deactivate the account volunteer@example.org?" in page_text(question)

    unconfirmed = client.post(ask, data={"csrf_token": csrf_token(client, ask), "active": "0"})
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm the deactivation." in page_text(unconfirmed)
    with app.app_context():
        assert db.session.get(User, other_id).active

    confirmed = client.post(ask, data={"csrf_token": csrf_token(client, ask), "active": "0",
                                       "confirm": "y"})
    assert confirmed.status_code == 302
    with app.app_context():
        assert not db.session.get(User, other_id).active
    # Reactivating needs no confirmation.
    again = client.post(ask, data={"csrf_token": csrf_token(client, ask),
                                   "active": "1"})
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(User, other_id).active


# --- the check-in desk ------------------------------------------------------------------


def test_already_checked_in_says_the_day_and_time_and_is_not_a_refusal(app, client, demo_event):
    sign_in(app, client, Role.CHECKIN)
    with app.app_context():
        registration = db.session.get(Registration, register(demo_event, "刘韵洁", "l@example.org"))
        registration.checked_in_at = datetime(2020, 11, 26, 1, 5, tzinfo=UTC)  # 09:05 in Nanjing
        db.session.commit()
        code = registration.checkin_code
    desk = f"{ADMIN}/checkin?lang=zh"
    response = client.post(desk, data={"csrf_token": csrf_token(client, desk), "code": code})
    text = page_text(response)
    assert "已于2020年11月26日" in text and "09:05签到" in text
    html = response.get_data(as_text=True)
    assert "scan-result--already" in html and "scan-result--bad" not in html
    assert "↻" in html and "已签到过" in text and "不予入场" not in text

    answer = client.post(f"{ADMIN}/checkin/scan.json?lang=en", data={
        "csrf_token": csrf_token(client, desk), "code": code},
        headers={"Accept": "application/json"}).get_json()
    assert answer["message"] == "Already checked in on Thu 26 Nov 2020 at 09:05."
    assert (answer["tone"], answer["verdict"]) == ("already", "Already checked in")
    refused = client.post(f"{ADMIN}/checkin/scan.json?lang=en", data={
        "csrf_token": csrf_token(client, desk), "code": "ZZZZZZZZZZZZ"},
        headers={"Accept": "application/json"}).get_json()
    assert (refused["tone"], refused["icon"], refused["verdict"]) == ("bad", "✕", "Not admitted")


# --- wording ------------------------------------------------------------------------------


def test_the_home_page_calls_the_six_co_hosts_co_hosts(client, demo_event):
    html = client.get(f"{DEMO}/?lang=zh").get_data(as_text=True)
    headings = re.findall(r"<h2[^>]*>([^<]*)</h2>", html)
    assert "联合主办单位" in headings
    assert "主办单位" not in headings  # none of the six is the host (主办) itself
    assert re.findall(r"<h2[^>]*>([^<]*)</h2>", client.get(f"{DEMO}/?lang=en").get_data(
        as_text=True)).count("Co-hosts") == 1


def test_forums_and_co_hosts_head_their_name_column_mingcheng(app, organizer, demo_event):  # noqa: F811
    for path in (f"{ADMIN}/forums?lang=zh", f"{ADMIN}/co-hosts?lang=zh"):
        html = organizer.get(path).get_data(as_text=True)
        headings = re.findall(r'<th scope="col">([^<]*)</th>', html)
        assert "名称" in headings and "姓名" not in headings, (path, headings)



def test_the_events_list_heads_its_columns_huodong_and_baoming_renshu(app, client, demo_event):
    """Not 会议信息 (the event's settings page) nor 报名管理 (the registrations page)."""
    sign_in(app, client, Role.ADMIN)
    html = client.get("/admin/events?lang=zh").get_data(as_text=True)
    headings = re.findall(r'<th scope="col">([^<]*)</th>', html)
    assert headings[:5] == ["活动", "简称", "状态", "日期", "报名人数"], headings


# --- length limits ----------------------------------------------------------------------


def every_form_class() -> list[type]:
    found = set()
    for module in pkgutil.walk_packages(summit.__path__, "summit."):
        for _name, member in inspect.getmembers(importlib.import_module(module.name),
                                                inspect.isclass):
            if issubclass(member, Form) and member.__module__.startswith("summit."):
                found.add(member)
    return sorted(found, key=lambda form: (form.__module__, form.__name__))


def test_every_fields_maxlength_is_the_servers_limit_and_is_said(app):
    checked = 0
    with app.test_request_context(f"{DEMO}/?lang=en"):
        template = app.jinja_env.from_string(
            '{% from "partials/forms.html" import field %}{{ field(f) }}')
        for form_class in every_form_class():
            form = form_class(formdata=None) if issubclass(form_class, FlaskForm) else form_class()
            # Hidden fields are filled by scripts, not typed: no limit to say.
            for field in (field for field in form if field.type != "HiddenField"):
                limits = [v.max for v in field.validators if isinstance(v, Length) and v.max > 0]
                html = template.render(f=field)
                rendered = re.search(r'maxlength="(\d+)"', html)
                where = f"{form_class.__name__}.{field.name}"
                assert ([int(rendered.group(1))] if rendered else []) == limits, where
                if limits and field.type in ("StringField", "TextAreaField"):
                    assert f"At most {limits[0]} characters." in html, where
                    assert f'aria-describedby="{field.id}-hint"' in html, where
                    checked += 1
    assert checked >= 40  # the registration form, the admin's and the programme's


def test_a_name_too_long_is_refused_with_the_limit_and_kept(app, client, demo_event):
    long_name = "长" * 300
    response = client.post(f"{DEMO}/register?lang=en", data={
        "csrf_token": csrf_token(client, f"{DEMO}/register"),
        **form_fields(full_name=long_name)})
    assert response.status_code == 422
    assert "At most 100 characters." in page_text(response)
    assert long_name in response.get_data(as_text=True)  # shown again to be shortened
    with app.app_context():
        assert count_registrations() == 0


def test_the_mails_wording_in_chinese_and_english(app, client, demo_event):
    with app.app_context():
        chosen = [forum_id(AI)]
    client.get(f"{DEMO}/register?lang=zh")
    post_registration(client, forums=chosen, email="zh@example.org")
    client.get(f"{DEMO}/register?lang=en")
    post_registration(client, forums=chosen, email="en@example.org")
    bodies = {mail["To"].addresses[0].addr_spec: mail.get_body(("plain",)).get_content()
              for mail in outbox_mails(app)}
    chinese = bodies["zh@example.org"]
    assert "- 5G与人工智能及大数据融合：座位已确认" in chinese
    assert "时间：2020年11月25日" in chinese and "地点：南京" in chinese
    lines = [line for line in chinese.splitlines() if re.search(r"[\u4e00-\u9fff]", line)]
    assert not [line for line in lines if re.search(r"[\u4e00-\u9fff）]: ", line)], lines
    english = bodies["en@example.org"]
    # The event's English name needs an article in a sentence; as an apposition it does not.
    assert "for our conference, 2020 China International Embedded Conference" in english
    assert "- Convergence of 5G, AI and Big Data: seat confirmed" in english
