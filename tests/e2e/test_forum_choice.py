"""Choosing parallel forums in a real browser: each forum shows when it runs, forums that
run at the same time are grouped (“周四下午：任选其一”), ticking one of a group unticks the
other, none at all stays possible, and without JavaScript the server says no on the same
page. On a 375 px phone and a 1366 px laptop, in Chinese and English."""

from __future__ import annotations

import re

import pytest

from summit.extensions import db
from summit.models import Event
from summit.registration import service
from summit.registration.service import AttendeeDetails
from summit.urls import serving_at

from ..helpers.pages import DEMO
from .conftest import PHONE, no_sideways_scrolling

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 900}


def test_the_alternatives_are_grouped_and_behave_like_a_choice_of_one_on_a_phone(
    live_server, browser_pages, screenshots
):
    page = browser_pages(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(live_server.url + f"{DEMO}/register?lang=zh")
    thursday = page.get_by_role("group", name="周四下午：任选其一")
    friday = page.get_by_role("group", name="周五上午：任选其一")
    expect(thursday).to_be_visible()
    expect(friday).to_be_visible()
    expect(thursday).to_contain_text("11月26日 周四 13:30–17:00")
    ai = thursday.get_by_role("checkbox", name=re.compile("5G与人工智能及大数据融合"))
    chip = thursday.get_by_role("checkbox", name=re.compile("芯机联动专题"))
    education = friday.get_by_role("checkbox", name=re.compile("长三角教育与专业人才培养"))

    ai.check()
    chip.check()
    expect(ai).not_to_be_checked()  # one of Thursday afternoon's two
    education.check()
    expect(chip).to_be_checked()  # Friday's choice leaves Thursday's alone
    no_sideways_scrolling(page)
    screenshots(page, "one-of-each")
    chip.uncheck()
    expect(ai).not_to_be_checked()
    expect(chip).not_to_be_checked()  # none of them is a choice too
    screenshots(page, "none-on-thursday")


def test_without_javascript_the_server_refuses_both_on_the_same_page(
    live_server, browser_pages, screenshots, backend
):
    page = browser_pages(locale="en-US", viewport=LAPTOP, java_script_enabled=False)
    page.goto(live_server.url + f"{DEMO}/register?lang=en")
    thursday = page.get_by_role("group", name="Thursday afternoon: choose one")
    expect(thursday).to_contain_text("Thu 26 Nov 13:30–17:00")
    screenshots(page, "form")
    page.get_by_label("Full name").fill("Li Lei")
    page.get_by_label("Email").fill(f"li.lei.{backend}@example.com")
    page.get_by_label("Organisation").fill("Tsinghua University")
    thursday.get_by_role("checkbox", name=re.compile("Convergence of 5G")).check()
    thursday.get_by_role("checkbox", name=re.compile("Chip–Machine")).check()
    page.get_by_role("checkbox", name=re.compile("I agree")).check()
    page.get_by_role("button", name="Register", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text("Please correct the marked fields.")
    expect(page.locator("#forums-error")).to_have_text(
        "“Convergence of 5G, AI and Big Data” and “Chip–Machine Co-design” run at the same "
        "time. Choose one of them.")
    expect(page.get_by_label("Full name")).to_have_value("Li Lei")
    no_sideways_scrolling(page)
    screenshots(page, "refused")


@pytest.mark.parametrize("lang, viewport, group", [
    ("zh", PHONE, "周四下午：任选其一"),
    ("en", LAPTOP, "Thursday afternoon: choose one"),
], ids=["zh-phone", "en-laptop"])
def test_the_attendees_page_groups_the_alternatives(
    live_server, browser_pages, screenshots, backend, lang, viewport, group
):
    with live_server.app.app_context(), serving_at(live_server.url):
        event = db.session.scalars(db.select(Event)).one()
        token = service.register(
            db.session, event,
            AttendeeDetails(full_name="韩梅梅", email=f"han.{lang}.{backend}@example.cn",
                            organisation="东南大学"),
            [],
        ).token
    page = browser_pages(locale="zh-CN" if lang == "zh" else "en-US", viewport=viewport)
    page.goto(f"{live_server.url}/r/{token}?lang={lang}")
    page.locator(".change-forums summary").click()
    expect(page.get_by_role("group", name=group)).to_be_visible()
    no_sideways_scrolling(page)
    screenshots(page, "change-forums")
