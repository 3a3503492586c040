"""The organizer's badge printing screen in a real browser, in Chinese: an attendee
whose name has a character no badge font has is listed with a link to fix the name;
once fixed, the list is gone. Screenshots in tests/screenshots/<test name>/."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from summit.auth.service import create_user
from summit.extensions import db
from summit.models import Event, Role
from summit.registration import service
from summit.urls import serving_at

from ..helpers.admin_pages import ADMIN, hold_role_at_every_event
from .conftest import DESKTOP, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e

PASSWORD = "organizer-e2e-password"
# U+0378 is unassigned: no font has it.
BROKEN_NAME = "王\u0378芳"


def test_an_organizer_sees_and_fixes_a_name_the_badge_cannot_print(
    live_server, browser_pages, screenshots, backend
):
    email = f"printing.{backend}@summit.example.org"
    with live_server.app.app_context(), serving_at(live_server.url):
        hold_role_at_every_event(db.session, create_user(
            db.session, email, PASSWORD, Role.ORGANIZER, "李印务"))
        event = db.session.scalars(select(Event)).one()
        for name, address in ((BROKEN_NAME, "wang.fang"), ("陈🐉龙", "chen.long")):
            details = service.AttendeeDetails(
                full_name=name, email=f"{address}.{backend}@example.cn", organisation="东南大学")
            service.register(db.session, event, details, [])
        db.session.commit()
    page = browser_pages(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, live_server.url, email, PASSWORD)

    page.goto(live_server.url + f"{ADMIN}/printing")
    page.get_by_role("button", name="显示所选胸卡").click()
    lost = page.get_by_role("table", name="胸卡字体缺少的字符")
    expect(lost).to_contain_text("U+0378")
    expect(lost.get_by_role("row")).to_have_count(2)  # the header and one attendee
    expect(lost).not_to_contain_text("陈🐉龙")
    screenshots(page, "listed")

    lost.get_by_role("link", name=BROKEN_NAME).click()
    page.get_by_label("姓名", exact=True).fill("王芳")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("王芳")

    page.goto(live_server.url + f"{ADMIN}/printing?show=1")
    expect(page.get_by_role("heading", name="所选胸卡")).to_be_visible()
    expect(page.get_by_role("table", name="胸卡字体缺少的字符")).to_have_count(0)
    screenshots(page, "fixed")
