"""Issue 21's "done when", walked as a new user would in a real browser: the demo's
administrator signs in, makes next year's edition of Embedded China from 2020 (with its
programme), opens its registration and publishes it; a visitor registers in it; 2020 is
archived and its agenda and feeds stay as they were; an organizer of the new edition
only cannot open 2020's registrations. Screenshots in tests/screenshots/<test name>/.

The walk archives 2020, so it runs on a server of its own, not the session's."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from summit.demo.seed import SLUG, start_next_edition
from summit.extensions import db
from summit.models import Event
from summit.registration import service
from summit.urls import serving_at

from ..helpers.pages import DEMO
from .conftest import DESKTOP, serve_demo, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e

ADMIN_EMAIL, ADMIN_PASSWORD = "organizer@example.com", "summit-demo"
ORGANIZER_EMAIL, ORGANIZER_PASSWORD = "li.na@example.cn", "next-edition-2024"
# Next year's edition: late November, as every year, and in the future whenever this runs.
YEAR = date.today().year + 1
NEW_SLUG = f"embedded-china-{YEAR}"
NEW_NAME_EN = f"{YEAR} China International Embedded Conference"
FEEDS = ("calendar.ics", "schedule.xml", "schedule.json")


@pytest.fixture
def walk_server(backend, tmp_path):
    """The site as `make run` leaves it: the demo, its 2021 draft, the demo accounts."""
    with serve_demo(backend, tmp_path, name="e2e_walk") as server:
        with server.app.app_context():
            start_next_edition(db.session, db.session.scalars(
                select(Event).where(Event.slug == SLUG)).one())
        logins = server.app.test_cli_runner().invoke(args=["summit", "demo-accounts"])
        assert ADMIN_EMAIL in logins.output
        yield server


def choose(select, text: str) -> None:
    """Pick the option of ``select`` that reads ``text`` among other words."""
    select.select_option(label=select.locator("option", has_text=text).inner_text())


def local(moment: date) -> str:
    """A date as the browser's datetime-local field takes it, at nine in the morning."""
    return f"{moment.isoformat()}T09:00"


def test_next_years_edition_cloned_opened_registered_and_2020_archived_unchanged(
    walk_server, browser_pages, screenshots, backend
):
    base = walk_server.url
    # Someone registered for 2020 back then.
    with walk_server.app.app_context(), serving_at(base):
        demo = db.session.scalars(select(Event).where(Event.slug == SLUG)).one()
        details = service.AttendeeDetails(full_name="陈静", email="chen.jing@example.cn",
                                          organisation="东南大学")
        old_registration = service.register(db.session, demo, details, []).registration.id
        db.session.commit()

    page = browser_pages(locale="en-GB", viewport=DESKTOP)
    before = {feed: page.request.get(f"{base}{DEMO}/{feed}") for feed in FEEDS}
    assert all(answer.status == 200 for answer in before.values())
    before = {feed: answer.body() for feed, answer in before.items()}
    page.goto(f"{base}{DEMO}/agenda")
    agenda_before = page.locator("main").inner_text()
    uids_before = re.findall(rb"^UID:.*$", before["calendar.ics"], re.MULTILINE)
    assert uids_before

    # 1) The demo's administrator signs in through the form.
    sign_in(page, base, ADMIN_EMAIL, ADMIN_PASSWORD)
    screenshots(page, "signed-in")

    # 2) Events → New edition from an event: 2020, with its programme, on next year's days.
    page.goto(f"{base}/admin/events")
    screenshots(page, "events")
    page.get_by_role("link", name="New edition from an event").click()
    choose(page.get_by_label("Copy from"), SLUG)
    page.get_by_label("Short name for addresses").fill(NEW_SLUG)
    first_day = date(YEAR, 11, 24)
    page.get_by_label("First day").fill(first_day.isoformat())
    page.get_by_label(re.compile("Copy the speakers and sessions too")).check()
    screenshots(page, "clone-form")
    page.get_by_role("button", name="Create the edition").click()
    expect(page.get_by_role("status")).to_contain_text(f"{NEW_SLUG} was created as a draft")
    row = page.get_by_role("row").filter(has_text=NEW_SLUG)
    expect(row).to_contain_text("Draft")
    expect(row).to_contain_text(NEW_NAME_EN)
    screenshots(page, "cloned")

    # 3) Its own admin: the event's settings, two days later, registration open from today.
    row.get_by_role("link", name=re.compile(NEW_NAME_EN)).click()
    expect(page).to_have_url(re.compile(rf"/admin/{NEW_SLUG}/"))
    # The header has no room for its name beside the menu; the page names the edition.
    expect(page.locator(".admin-event-context")).to_contain_text(NEW_NAME_EN)
    expect(page.locator(".admin-event-context")).to_contain_text("Draft")
    page.get_by_role("link", name="Event", exact=True).click()
    expect(page).to_have_url(f"{base}/admin/{NEW_SLUG}/event")
    first_day += timedelta(days=2)
    page.get_by_label("First day", exact=True).fill(first_day.isoformat())
    page.get_by_label("Last day").fill((first_day + timedelta(days=2)).isoformat())
    page.get_by_label(re.compile("Move every session")).check()
    page.get_by_label("Registration opens").fill(local(date.today() - timedelta(days=1)))
    page.get_by_label("Registration closes").fill(local(first_day - timedelta(days=1)))
    screenshots(page, "event-settings")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    screenshots(page, "event-saved")

    # 4) Published from the list of events.
    page.goto(f"{base}/admin/events")
    page.get_by_role("row").filter(has_text=NEW_SLUG).get_by_role("link", name="Publish").click()
    page.get_by_label("Yes, I am sure.").check()
    screenshots(page, "publish-confirm")
    page.get_by_role("button").filter(has_text=re.compile("Publish")).click()
    expect(page.get_by_role("status")).to_contain_text("The event is published.")
    expect(page.get_by_role("row").filter(has_text=NEW_SLUG)).to_contain_text("Published")

    # 5) A visitor registers in the new edition and lands on their own page.
    visitor = browser_pages(locale="zh-CN", viewport=DESKTOP)
    visitor.goto(f"{base}/{NEW_SLUG}/")
    expect(visitor.get_by_role("heading", level=1)).to_contain_text(f"{YEAR}中国国际嵌入式大会")
    screenshots(visitor, "new-edition-home")
    visitor.get_by_role("link", name="立即报名").first.click()
    expect(visitor).to_have_url(f"{base}/{NEW_SLUG}/register")
    visitor.get_by_label("姓名", exact=True).fill("王芳")
    visitor.get_by_label("电子邮箱").fill("wang.fang@seu.example.cn")
    visitor.get_by_label("工作单位").fill("东南大学")
    visitor.get_by_label("参会身份").select_option(label="学生")
    visitor.get_by_role("checkbox", name=re.compile("我同意主办方保存以上信息")).check()
    screenshots(visitor, "new-edition-form")
    visitor.get_by_role("button", name="报名", exact=True).click()
    expect(visitor).to_have_url(re.compile(r"/r/[\w-]+$"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text("我的报名")
    expect(visitor.locator("body")).to_contain_text(f"{YEAR}中国国际嵌入式大会")
    screenshots(visitor, "registered")

    # 6) 2020 archived: / lists the new edition as coming, 2020 among past editions, and
    # 2020's agenda and feeds are as they were.
    page.goto(f"{base}/admin/events")
    page.get_by_role("row").filter(has_text=SLUG).get_by_role("link", name="Archive").click()
    page.get_by_label("Yes, I am sure.").check()
    page.get_by_role("button").filter(has_text=re.compile("Archive")).click()
    expect(page.get_by_role("status")).to_contain_text("The event is archived")
    screenshots(page, "archived")

    visitor.goto(f"{base}/")
    screenshots(visitor, "site-home")
    coming = visitor.locator("main section").first
    expect(coming).to_contain_text(f"{YEAR}中国国际嵌入式大会")
    archive = visitor.locator("main section").filter(has=visitor.get_by_role(
        "heading", name=re.compile("往届")))
    expect(archive.get_by_role("link", name=re.compile("2020中国国际嵌入式大会"))).to_be_visible()
    archive.get_by_role("link", name=re.compile("2020中国国际嵌入式大会")).click()
    # A past edition says so, offers no registration, and leads back to the list.
    expect(visitor.get_by_role("note")).to_contain_text("往届活动")
    expect(visitor.get_by_role("link", name="报名")).to_have_count(0)
    expect(visitor.get_by_role("link", name="全部活动")).to_have_attribute("href", "/")
    screenshots(visitor, "archived-home")
    anonymous = browser_pages(locale="en-GB", viewport=DESKTOP)
    for feed in FEEDS:
        answer = anonymous.request.get(f"{base}{DEMO}/{feed}")
        assert answer.status == 200
        assert answer.body() == before[feed], f"{DEMO}/{feed} changed"
    assert re.findall(rb"^UID:.*$", anonymous.request.get(
        f"{base}{DEMO}/calendar.ics").body(), re.MULTILINE) == uids_before
    anonymous.goto(f"{base}{DEMO}/agenda")
    # The same agenda, word for word, under the note that it is a past edition.
    note = anonymous.get_by_role("note").inner_text()
    assert "A past edition" in note
    assert anonymous.locator("main").inner_text().removeprefix(note).lstrip() == agenda_before
    screenshots(anonymous, "archived-agenda")

    # 7) An organizer of the new edition only: made in the accounts screen.
    page.goto(f"{base}/admin/accounts")
    page.get_by_role("link", name="New account").click()
    page.get_by_label("Email").fill(ORGANIZER_EMAIL)
    page.get_by_label("Name").fill("李娜")
    page.get_by_label("New password").fill(ORGANIZER_PASSWORD)
    page.get_by_label("The same password again").fill(ORGANIZER_PASSWORD)
    page.get_by_role("button", name="Create the account").click()
    choose(page.get_by_label("Event", exact=True), NEW_NAME_EN)
    page.get_by_label("Role", exact=True).select_option(label="Organizer")
    page.get_by_role("button", name="Give this role").click()
    roles = page.locator("section").filter(has=page.get_by_role("heading", name="Roles at events"))
    expect(roles.get_by_role("row").filter(has_text=NEW_NAME_EN)).to_contain_text("Organizer")
    expect(roles.get_by_role("table")).not_to_contain_text("2020")
    screenshots(page, "organizer-account")

    organizer = browser_pages(locale="en-GB", viewport=DESKTOP)
    sign_in(organizer, base, ORGANIZER_EMAIL, ORGANIZER_PASSWORD)
    screenshots(organizer, "organizer-signed-in")
    old = f"{base}/admin/{SLUG}"
    for address in ("/registrations", f"/registrations/{old_registration}",
                    "/registrations/export.csv", "/registrations/new", "/registrations/import",
                    f"/registrations/{old_registration}/cancel", "/dashboard", "/checkin",
                    "/printing", "/badges.pdf", "/audit", "/"):
        answer = organizer.request.get(old + address, max_redirects=0)
        assert answer.status == 403, f"{old}{address} answered {answer.status}"
    organizer.goto(f"{base}/admin/{NEW_SLUG}/registrations")
    expect(organizer.get_by_role("heading", level=1)).to_contain_text("Registrations")
    expect(organizer.locator("main")).to_contain_text("王芳")
    screenshots(organizer, "organizer-registrations")

    # The administrator's screens of the walk, in Chinese.
    for address, step in (("/admin/events", "events-zh"), ("/admin/events/clone", "clone-zh"),
                          (f"/admin/{NEW_SLUG}/event", "event-settings-zh"),
                          (f"/admin/{SLUG}/registrations", "archived-registrations-zh")):
        page.goto(f"{base}{address}?lang=zh")
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        screenshots(page, step)
