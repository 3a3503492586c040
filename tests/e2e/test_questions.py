"""The event's own questions in a real browser: the invoice's title and taxpayer number
appear only once “invoice needed” is yes, a question for students only once the
category is student; a wrong taxpayer number is said next to it; the answers reach the
attendee's page. On a 375 px phone, in Chinese."""

from __future__ import annotations

import re

import pytest

from ..helpers.pages import DEMO
from .conftest import PHONE, no_sideways_scrolling

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e


def test_conditional_questions_appear_with_their_answer_and_are_checked(
    live_server, browser_pages, screenshots, backend
):
    page = browser_pages(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(live_server.url + f"{DEMO}/register?lang=zh")
    invoice = page.get_by_role("group", name=re.compile("是否需要开具发票"))
    title = page.get_by_label(re.compile("发票抬头"))
    number = page.get_by_label(re.compile("纳税人识别号"))
    expect(invoice).to_be_visible()
    expect(title).to_be_hidden()
    expect(number).to_be_hidden()
    invoice.get_by_role("radio", name="是", exact=True).check()
    expect(title).to_be_visible()
    expect(number).to_be_visible()
    no_sideways_scrolling(page)
    screenshots(page, "invoice-asked")

    page.get_by_label("姓名", exact=True).fill("韩梅梅")
    page.get_by_label("电子邮箱").fill(f"han.meimei.{backend}@example.com")
    page.get_by_label("工作单位").fill("东南大学")
    title.fill("东南大学")
    number.fill("12345")
    page.get_by_role("group", name=re.compile("饮食需求")).get_by_role(
        "checkbox", name="素食").check()
    page.get_by_role("checkbox", name=re.compile("我同意")).check()
    page.get_by_role("button", name="报名", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("[data-question] .error")).to_have_text("格式不符合要求，请参阅说明。")
    expect(page.get_by_label(re.compile("发票抬头"))).to_have_value("东南大学")
    screenshots(page, "taxpayer-number-refused")

    page.get_by_label(re.compile("纳税人识别号")).fill("91320000MA1XXXXX0X")
    page.get_by_role("button", name="报名", exact=True).click()
    expect(page.get_by_role("heading", name="我的回答")).to_be_visible()
    answers = page.locator(".answers")
    expect(answers).to_contain_text("91320000MA1XXXXX0X")
    expect(answers).to_contain_text("素食")
    screenshots(page, "answers-on-own-page")
    # No invoice after all: its details go, on the attendee's own page.
    page.get_by_text("修改我的回答").click()
    page.get_by_role("group", name=re.compile("是否需要开具发票")).get_by_role(
        "radio", name="否", exact=True).check()
    expect(page.get_by_label(re.compile("纳税人识别号"))).to_be_hidden()
    page.get_by_role("button", name="保存我的回答").click()
    expect(page.locator(".answers")).not_to_contain_text("91320000MA1XXXXX0X")
