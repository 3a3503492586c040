"""Starring sessions in Chromium as a visitor would: stars on the public agenda survive a
reload (kept in the browser), one click on the attendee's private page brings them into
the registration, the personal agenda stars more, and the personal calendar feed, read
by a real iCal parser, holds each of them once."""

from __future__ import annotations

import re

import icalendar
import pytest
from sqlalchemy import select

from summit.extensions import db
from summit.models import Event, ProgrammeSession
from summit.registration import service
from summit.registration.service import AttendeeDetails
from summit.urls import serving_at

from ..helpers.pages import DEMO
from .conftest import DESKTOP

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e


def new_attendee(app, email: str) -> str:
    with app.app_context():
        event = db.session.scalars(select(Event)).first()
        with serving_at("http://localhost"):
            return service.register(
                db.session, event,
                AttendeeDetails(full_name="星标者", email=email, organisation="东南大学"),
                [],
            ).registration.token


def test_stars_survive_a_reload_come_into_the_registration_and_reach_the_feed(
    live_server, browser_pages, screenshots
):
    app = live_server.app
    with app.app_context():
        parallel = [item for item in db.session.scalars(select(ProgrammeSession))
                    if not item.forum.is_main and item.kind.value != "break"][:3]
        (first_id, first), (second_id, second), (third_id, third) = [
            (item.id, item.title_zh) for item in parallel]
    page = browser_pages(locale="zh-CN", viewport=DESKTOP)
    page.goto(live_server.url + f"{DEMO}/agenda?lang=zh")
    for session_id in (first_id, second_id):
        star = page.locator(f'button[data-star-session="{session_id}"]')
        expect(star).to_be_visible()
        expect(star).to_have_attribute("aria-pressed", "false")
        star.click()
        expect(star).to_have_attribute("aria-pressed", "true")
    page.locator(f'button[data-star-session="{second_id}"]').click()  # changed their mind
    screenshots(page, "agenda-starred")

    page.reload()
    expect(page.locator(f'button[data-star-session="{first_id}"]')).to_have_attribute(
        "aria-pressed", "true")
    expect(page.locator(f'button[data-star-session="{second_id}"]')).to_have_attribute(
        "aria-pressed", "false")
    # The session page reads the same stars.
    page.goto(live_server.url + f"{DEMO}/sessions/{first_id}?lang=zh")
    expect(page.locator(f'button[data-star-session="{first_id}"]')).to_have_attribute(
        "aria-pressed", "true")

    token = new_attendee(app, "browser-stars@example.cn")
    page.goto(live_server.url + f"/r/{token}?lang=zh")
    starred = page.locator("#starred")
    expect(starred).to_contain_text("您还没有给任何日程加星标。")
    expect(starred).to_contain_text("您在这个浏览器中加星标的 1 个日程")
    starred.get_by_role("button", name="加入我的日程").click()
    expect(page.locator(".flash")).to_contain_text("1 个星标日程已加入您的日程")
    expect(starred.get_by_role("link", name=first)).to_be_visible()
    # A parallel forum where they hold no seat: said next to it.
    expect(starred).to_contain_text("此分论坛没有您的座位")
    screenshots(page, "private-page-imported")

    # The personal agenda stars for the registration, without any script.
    starred.get_by_role("link", name="在日程中加星标").click()
    expect(page).to_have_url(re.compile(rf"/r/{token}/agenda"))
    page.locator(f"#session-{third_id}").get_by_role("button", name=re.compile("加星标")).click()
    expect(page.locator(f"#session-{third_id} button.star")).to_have_attribute(
        "aria-pressed", "true")
    screenshots(page, "personal-agenda")

    feed = page.request.get(live_server.url + f"/r/{token}/calendar.ics?lang=zh")
    calendar = icalendar.Calendar.from_ical(feed.body())
    summaries = [str(item["SUMMARY"]) for item in calendar.walk("VEVENT")]
    assert summaries.count(first) == 1 and summaries.count(third) == 1
    assert second not in summaries
