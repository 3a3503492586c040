"""The organizer's path in a real browser, in Chinese: sign in, edit a session in the
programme editor and see it on the agenda, then check an attendee in at the desk by
typing their badge's QR payload. Screenshots in tests/screenshots/<test name>/."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from summit.auth.service import create_user
from summit.extensions import db
from summit.models import Event, Role
from summit.registration import service
from summit.urls import serving_at

from ..helpers.admin_pages import ADMIN, hold_role_at_every_event
from ..helpers.pages import DEMO
from .conftest import AXE_RUN, DESKTOP, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e

PASSWORD = "organizer-e2e-password"
OLD_TITLE = "产教融合：嵌入式人才培养的长三角实践"  # 27 Nov, 10:45–11:30 in the demo
NEW_TITLE = "产教融合：长三角嵌入式人才培养新模式"


def rgb(css_colour: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", css_colour)[:3])


def organizer_and_attendee(live_server, email: str, name: str,
                           attendee: service.AttendeeDetails) -> service.RegistrationResult:
    """An organizer of every event, who signs in with ``email``, and ``attendee``
    registered for the demo."""
    with live_server.app.app_context(), serving_at(live_server.url):
        hold_role_at_every_event(db.session, create_user(
            db.session, email, PASSWORD, Role.ORGANIZER, name))
        event = db.session.scalars(select(Event)).one()
        registered = service.register(db.session, event, attendee, [])
        db.session.commit()
        return registered


def test_an_organizer_edits_a_session_and_checks_an_attendee_in_in_chinese(
    live_server, browser_pages, screenshots, backend
):
    email = f"organizer.{backend}@summit.example.org"
    code = organizer_and_attendee(live_server, email, "张会务", service.AttendeeDetails(
        full_name="陈静", email=f"chen.jing.{backend}@example.cn", organisation="东南大学",
    )).written["checkin_code"]
    page = browser_pages(locale="zh-CN", viewport=DESKTOP)

    # Signing in.
    page.goto(live_server.url + "/admin/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    screenshots(page, "login")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("概览")
    screenshots(page, "dashboard")

    # The programme editor: a new title, and a quarter of an hour later.
    page.get_by_role("link", name="日程安排").click()
    page.get_by_role("row").filter(has_text=OLD_TITLE).get_by_role("link", name="编辑").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("编辑日程")
    page.get_by_role("group", name="题目").get_by_label("中文").fill(NEW_TITLE)
    page.get_by_label("开始时间").fill("2020-11-27T11:00")
    screenshots(page, "editing")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_have_text("已保存。")
    row = page.get_by_role("row").filter(has_text=NEW_TITLE)
    expect(row).to_contain_text("11:00–11:30")
    screenshots(page, "saved")

    page.goto(live_server.url + f"{DEMO}/agenda")
    session = page.locator("article.session").filter(has_text=NEW_TITLE)
    expect(session.locator(".session__time")).to_contain_text("11:00–11:30")
    expect(page.locator("main")).not_to_contain_text(OLD_TITLE)
    screenshots(page, "agenda")

    # The desk: the code field has the focus, as a scanner needs; the scanner types the
    # QR payload and presses Enter.
    page.goto(live_server.url + f"{ADMIN}/checkin")
    expect(page.get_by_role("heading", level=1)).to_have_text("签到台")
    expect(page.get_by_label("签到码")).to_be_focused()
    count = page.locator(".checkin-progress")
    arrived = int(re.match(r"已签到(\d+)人", count.inner_text()).group(1))
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    # The desk's count follows the scan without a reload.
    expect(count).to_have_text(re.compile(rf"^已签到{arrived + 1}人"))
    answer = page.locator("#scan-result")
    expect(answer).to_have_class(re.compile(r"\bscan-result--ok\b"))
    expect(answer).to_contain_text("欢迎！签到成功。")
    expect(answer).to_contain_text("陈静")
    red, green, blue = rgb(answer.evaluate("element => getComputedStyle(element).backgroundColor"))
    assert green > red and green > blue, "the answer to a good scan is green"
    screenshots(page, "checked-in")

    # The same badge again: told (in amber, with its own sign and word), not checked in twice.
    expect(page.get_by_label("签到码")).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(answer).to_contain_text("已签到过")
    expect(answer).to_contain_text("陈静")
    expect(answer).to_have_class(re.compile(r"\bscan-result--already\b"))
    screenshots(page, "already-checked-in")


def test_an_organizer_corrects_an_invoice_title_in_chinese(
    live_server, browser_pages, screenshots, backend, axe_script
):
    """Registration has closed; an attendee phones: the invoice needs another title. The
    organizer says yes to the invoice, the title and number appear (questions.js), and
    the corrected title is saved."""
    email = f"organizer.answers.{backend}@summit.example.org"
    registration_id = organizer_and_attendee(live_server, email, "李会务", service.AttendeeDetails(
        full_name="周洁", email=f"zhou.jie.{backend}@example.cn", organisation="东南大学",
    )).registration_id
    with live_server.app.app_context():
        event = db.session.scalars(select(Event)).one()
        event.registration_closes_at = event.registration_opens_at
        db.session.commit()
    # The page's Content-Security-Policy forbids inline scripts, axe's included.
    page = browser_pages(locale="zh-CN", viewport=DESKTOP, bypass_csp=True)
    sign_in(page, live_server.url, email, PASSWORD)

    page.goto(f"{live_server.url}{ADMIN}/registrations/{registration_id}")
    page.get_by_text("修改回答").click()
    title = page.get_by_label("发票抬头")
    expect(title).to_be_hidden()
    page.get_by_role("group", name="是否需要开具发票？").get_by_label("是").check()
    expect(title).to_be_visible()
    title.fill("东南大学无锡分校")
    page.get_by_label("纳税人识别号").fill("12320000466007376X")
    page.add_script_tag(content=axe_script)
    serious = [v for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    screenshots(page, "changing-answers")
    page.get_by_role("button", name="保存回答").click()
    expect(page.get_by_role("status")).to_have_text("已保存。")
    expect(page.locator("dl.answers")).to_contain_text("东南大学无锡分校")
    screenshots(page, "answers-saved")
