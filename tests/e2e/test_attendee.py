"""The attendee's whole path in a real browser: register, see the confirmation, open the
private link from the mail, change a forum; in Chinese on a desktop and in English on a
375 px phone. Each step leaves a screenshot in tests/screenshots/<test name>/."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from ..helpers.pages import DEMO
from .conftest import DESKTOP, PHONE, no_sideways_scrolling

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e


def test_an_attendee_registers_in_chinese_and_changes_a_forum(
    live_server, browser_pages, screenshots, backend
):
    address = f"wang.fang.{backend}@seu.example.cn"
    page = browser_pages(locale="zh-CN", viewport=DESKTOP)

    # A Chinese browser gets the Chinese site without asking.
    page.goto(live_server.url + f"{DEMO}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2020中国国际嵌入式大会")
    screenshots(page, "home")

    page.get_by_role("link", name="立即报名").click()
    expect(page).to_have_url(re.compile(rf"{DEMO}/register$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("报名")
    screenshots(page, "form")

    # Sent empty: the errors are Chinese, next to their fields, and read out with them.
    page.get_by_role("button", name="报名", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("请更正标出的内容。")
    name = page.get_by_label("姓名", exact=True)
    expect(name).to_have_attribute("aria-invalid", "true")
    # The limit is said up front, the error after it.
    expect(name).to_have_accessible_description("最多100个字符。 请填写姓名。")
    expect(page.get_by_label("电子邮箱")).to_have_accessible_description(
        "报名确认及您的专属链接将发送到此邮箱。 请填写电子邮箱。"
    )
    screenshots(page, "errors")

    name.fill("王芳")
    page.get_by_label("拼音或英文姓名（选填）").fill("Wang Fang")
    page.get_by_label("电子邮箱").fill(address)
    page.get_by_label("手机号码（选填）").fill("+86 139 0000 1234")
    page.get_by_label("工作单位").fill("东南大学")
    page.get_by_label("职务（选填）").fill("副教授")
    page.get_by_label("参会身份").select_option(label="学生")
    page.get_by_role("checkbox", name=re.compile("芯机联动专题")).check()
    page.get_by_role("checkbox", name=re.compile("我同意主办方保存以上信息")).check()
    screenshots(page, "form-filled")
    page.get_by_role("button", name="报名", exact=True).click()

    # The confirmation: the attendee's own page, with the seat.
    expect(page.get_by_role("status")).to_contain_text(
        f"报名成功！我们已将报名确认及您的专属链接发送至 {address}"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("我的报名")
    my_forums = page.locator(".my-forums")
    expect(my_forums).to_contain_text("芯机联动专题")
    expect(my_forums).to_contain_text("座位已确认")
    expect(page.locator(".status")).to_contain_text("学生")
    screenshots(page, "confirmation")

    # Later, on another device: the private link from the mail.
    link = live_server.private_link(address)
    assert "报名确认" in live_server.wait_for_mail(address)["Subject"]
    phone = browser_pages(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("我的报名")
    expect(phone.locator(".status")).to_contain_text("王芳")
    screenshots(phone, "private-link")

    phone.get_by_text("更改我的论坛").click()
    phone.get_by_role("checkbox", name=re.compile("芯机联动专题")).uncheck()
    phone.get_by_role("checkbox", name=re.compile("5G与人工智能及大数据融合")).check()
    screenshots(phone, "changing-forums")
    phone.get_by_role("button", name="保存论坛选择").click()

    expect(phone.get_by_role("status")).to_have_text("您的论坛选择已更新。")
    my_forums = phone.locator(".my-forums")
    expect(my_forums).to_contain_text("5G与人工智能及大数据融合")
    expect(my_forums).not_to_contain_text("芯机联动专题")
    no_sideways_scrolling(phone)
    screenshots(phone, "forum-changed")

    # The badge, as a PDF download with the attendee's name on it.
    with phone.expect_download(timeout=60_000) as download:  # WeasyPrint takes a moment
        phone.get_by_role("link", name="下载我的胸卡").click()
    badge = screenshots.keep(download.value, "badge.pdf")
    assert badge.read_bytes().startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(badge).pages)
    assert "王芳" in text.replace(" ", "") and "Wang Fang" in text  # 王 芳: spaced as on badges
    assert "5G与人工智能及大数据融合" in text and "芯机联动专题" not in text


def test_the_same_registration_in_english_on_a_phone(
    live_server, browser_pages, screenshots, backend
):
    address = f"jane.doe.{backend}.press-office@embedded-weekly.example.com"  # long: must wrap
    page = browser_pages(locale="en-US", viewport=PHONE, is_mobile=True, has_touch=True)

    page.goto(live_server.url + f"{DEMO}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    no_sideways_scrolling(page)
    screenshots(page, "home")

    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Register"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register")
    no_sideways_scrolling(page)
    screenshots(page, "form")

    page.get_by_label("Full name").fill("Jane Doe")
    page.get_by_label("Email").fill("jane.doe@")
    page.get_by_label("Organisation").fill("Embedded Weekly")
    page.get_by_label("I attend as").select_option(label="Press")
    forum = page.get_by_role("checkbox", name=re.compile("Chip–Machine Co-design"))
    forum.check()
    page.get_by_role("checkbox", name=re.compile("I agree")).check()
    page.get_by_role("button", name="Register", exact=True).click()

    # One mistake: the form comes back with everything else kept.
    email = page.get_by_label("Email")
    expect(email).to_have_accessible_description(re.compile("Enter a valid email address"))
    expect(page.get_by_label("Full name")).to_have_value("Jane Doe")
    expect(forum).to_be_checked()
    no_sideways_scrolling(page)
    screenshots(page, "error")

    email.fill(address)
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        f"You are registered. We have sent a confirmation with your private link to {address}."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("My registration")
    expect(page.locator(".my-forums")).to_contain_text("Seat confirmed")
    no_sideways_scrolling(page)
    screenshots(page, "confirmation")

    link = live_server.private_link(address)
    assert live_server.wait_for_mail(address)["Subject"].startswith("Your registration for")
    again = browser_pages(locale="en-US", viewport=PHONE, is_mobile=True, has_touch=True)
    again.goto(link)
    expect(again.get_by_role("heading", level=1)).to_have_text("My registration")
    again.get_by_text("Change my forums").click()
    again.get_by_role("checkbox", name=re.compile("Chip–Machine Co-design")).uncheck()
    again.get_by_role("checkbox", name=re.compile("Education and Professional Talent")).check()
    again.get_by_role("button", name="Save my forums").click()
    expect(again.get_by_role("status")).to_have_text("Your forums have been updated.")
    expect(again.locator(".my-forums")).to_contain_text("Education and Professional Talent")
    expect(again.locator(".my-forums")).not_to_contain_text("Chip–Machine")
    no_sideways_scrolling(again)
    screenshots(again, "forum-changed")
