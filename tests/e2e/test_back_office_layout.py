"""The back office's layout in Chromium, measured rather than looked at: at a laptop's
1366 px the admin header is one row, an email address is one line and a status pill
one word; on a 375 px phone the check-in desk's answer is on screen without scrolling.
Both in Chinese and in English. Screenshots in tests/screenshots/<test name>/."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from summit.auth.service import create_user
from summit.extensions import db
from summit.models import Event, Forum, Role, User
from summit.registration import service
from summit.urls import serving_at

from ..helpers.admin_pages import ADMIN
from ..helpers.pages import DEMO
from .conftest import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
SMALL_PHONE = {"width": 375, "height": 667}
PASSWORD = "layout-e2e-password"
LONG_EMAIL = "ouyang.nana.long.address@southeast-university.example.edu.cn"

# Rows of boxes: how many distinct lines the header's parts and a cell's text take.
MEASURE = """() => {
  const lines = (element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  };
  const header = document.querySelector(".site-header__inner");
  const menu = header.querySelector(".site-nav");
  const parts = [...header.querySelectorAll(".brand, .site-nav > *, .language-switch")]
    .filter((part) => part.getClientRects().length);  // leave out what is not shown
  const middles = parts.map((part) => {
    const box = part.getBoundingClientRect();
    return box.top + box.height / 2;
  });
  return {
    headerRows: Math.round((Math.max(...middles) - Math.min(...middles)) / 10) + 1,
    headerHeight: header.getBoundingClientRect().height,
    pageWiderThanWindow: document.documentElement.scrollWidth > window.innerWidth,
    menuCut: menu.scrollWidth > menu.clientWidth,
    emailLines: [...document.querySelectorAll(".admin-table__email")].map(lines),
    pillLines: [...document.querySelectorAll(".admin-table .reg-status, .reg-category")].map(lines),
    // A Chinese heading (已签到, 工作单位) broken between its characters reads as nonsense.
    headingsBrokenInWords: [...document.querySelectorAll(".admin-table th")]
      .filter((heading) => /[\u4e00-\u9fff]/.test(heading.textContent) && lines(heading) > 1)
      .map((heading) => heading.textContent.trim()),
  };
}"""


@pytest.fixture
def organizer_email(live_server, backend) -> str:
    email = f"layout.{backend}@summit.example.org"
    with live_server.app.app_context(), serving_at(live_server.url):
        if db.session.scalars(select(User).where(User.email == email)).first() is not None:
            return email  # the server lives for the session; its data too
        create_user(db.session, email, PASSWORD, Role.ADMIN, "")  # the longest menu
        event = db.session.scalars(select(Event)).one()
        # As many forums as one person can hold: one on Thursday, one on Friday.
        forums = db.session.scalars(select(Forum.id).where(
            Forum.slug.in_(("5g-ai-big-data", "yrd-education-talent"))))
        service.register(db.session, event, service.AttendeeDetails(
            full_name="欧阳娜娜", latin_name="Ouyang Nana", email=LONG_EMAIL,
            organisation="东南大学"), list(forums))
        db.session.commit()
    return email


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_at_1366_px_the_header_is_one_row_and_the_list_reads_whole(
    live_server, browser_pages, screenshots, organizer_email, lang
):
    page = browser_pages(locale="zh-CN" if lang == "zh" else "en-GB", viewport=LAPTOP)
    sign_in(page, live_server.url, organizer_email, PASSWORD)
    page.goto(f"{live_server.url}{ADMIN}/registrations?lang={lang}&q=ouyang")
    expect(page.locator(".admin-table__email")).to_have_text(LONG_EMAIL)
    screenshots(page, f"registrations-{lang}")
    measured = page.evaluate(MEASURE)
    assert measured["headerRows"] == 1, measured
    assert measured["headerHeight"] < 60, measured
    assert not measured["pageWiderThanWindow"] and not measured["menuCut"], measured
    assert measured["emailLines"] == [1], measured
    assert measured["pillLines"] == [1, 1], measured
    assert measured["headingsBrokenInWords"] == [], measured


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_on_a_375_px_phone_the_desks_answer_shows_without_scrolling(
    live_server, browser_pages, screenshots, organizer_email, lang
):
    page = browser_pages(locale="zh-CN" if lang == "zh" else "en-GB", viewport=SMALL_PHONE)
    sign_in(page, live_server.url, organizer_email, PASSWORD)
    page.goto(f"{live_server.url}{ADMIN}/checkin?lang={lang}")
    page.locator("input[name=code]").fill("ZZZZ-ZZZZ-ZZZZ")
    page.keyboard.press("Enter")
    answer = page.locator("#scan-result")
    expect(answer).to_have_class(re.compile(r"\bscan-result--bad\b"))
    screenshots(page, f"desk-{lang}")
    box = answer.bounding_box()
    assert page.evaluate("window.scrollY") == 0
    assert box["y"] >= 0 and box["y"] + box["height"] <= SMALL_PHONE["height"], box


def test_every_page_has_the_favicon(live_server, browser_pages):
    page = browser_pages(locale="en-GB")
    page.goto(live_server.url + f"{DEMO}/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
