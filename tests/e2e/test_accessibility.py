"""Accessibility and layout in a real browser: the axe-core audit, keyboard use, the
agenda on a 375 px phone, and the agenda on paper."""

from __future__ import annotations

import json
import re
import secrets

import pytest

from summit.auth.service import create_user
from summit.extensions import db
from summit.models import Event, Role
from summit.registration import service
from summit.urls import serving_at

from ..helpers.admin_pages import ADMIN, hold_role_at_every_event
from ..helpers.pages import DEMO
from .conftest import AXE_RUN, DESKTOP, PHONE, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e

ORGANIZER_PASSWORD = "organizer-audit-password"


@pytest.fixture
def attendee(live_server) -> tuple[str, str]:
    """A new attendee's own page and badge code, registered directly so the audit needs
    no form filling (and each audit has someone to check in)."""
    with live_server.app.app_context(), serving_at(live_server.url):
        event = db.session.query(Event).one()
        details = service.AttendeeDetails(
            full_name="李雷", email=f"li.lei.{secrets.token_hex(4)}@example.cn",
            organisation="南京大学",
        )
        registration = service.register(db.session, event, details, [])\
            .registration
        db.session.commit()
        return f"/r/{registration.token}", registration.checkin_code


@pytest.fixture(scope="module")
def organizer_account(live_server) -> str:
    email = "organizer.audit@summit.example.org"
    with live_server.app.app_context():
        hold_role_at_every_event(db.session, create_user(
            db.session, email, ORGANIZER_PASSWORD, Role.ORGANIZER, "会务"))
        db.session.commit()
    return email


@pytest.mark.parametrize(
    ("lang", "viewport"),
    [pytest.param("zh", DESKTOP, id="zh-desktop"), pytest.param("en", PHONE, id="en-phone")],
)
def test_axe_finds_no_serious_or_critical_violations(
    axe_script, live_server, browser_pages, screenshots, attendee, organizer_account, lang,
    viewport
):
    private_path, code = attendee
    # The page's Content-Security-Policy forbids inline scripts, axe's included.
    page = browser_pages(
        locale="zh-CN" if lang == "zh" else "en-US", viewport=viewport, bypass_csp=True
    )
    serious, everything = {}, {}

    def audit(name: str) -> None:
        page.add_script_tag(content=axe_script)
        violations = page.evaluate(AXE_RUN)
        everything[name] = violations
        found = [v for v in violations if v["impact"] in ("serious", "critical")]
        if found:
            serious[name] = found
        screenshots(page, name)

    for name, path in [("home", f"{DEMO}/"), ("agenda", f"{DEMO}/agenda"),
                       ("register", f"{DEMO}/register"),
                       ("attendee", private_path)]:
        page.goto(f"{live_server.url}{path}?lang={lang}")
        audit(name)
    # The form again, now showing its errors.
    page.goto(f"{live_server.url}/register?lang={lang}")
    page.locator("form.stack button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("register-errors")

    # The login page; an organizer's dashboard, sorted list and reorderable forums; the
    # check-in desk: empty, after a good scan (green) and after an unknown code (red).
    page.goto(f"{live_server.url}/admin/login?lang={lang}")
    audit("login")
    sign_in(page, live_server.url, organizer_account, ORGANIZER_PASSWORD)
    for name, path in [("dashboard", f"{ADMIN}/dashboard"), ("forums", f"{ADMIN}/forums"),
                       ("registrations", f"{ADMIN}/registrations?sort=name&order=asc"),
                       ("checkin", f"{ADMIN}/checkin")]:
        page.goto(f"{live_server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
        audit(name)
    answer = page.locator("#scan-result")
    for name, typed, outcome in (("checkin-good-scan", code, "ok"),
                                 ("checkin-unknown-code", "NO-SUCH-CODE", "bad")):
        page.locator("input[name=code]").fill(typed)
        page.keyboard.press("Enter")
        expect(answer).to_have_class(re.compile(rf"\bscan-result--{outcome}\b"))
        audit(name)

    # Every finding, minor ones too, kept beside the screenshots for a person to read.
    (screenshots.folder / "axe-violations.json").write_text(
        json.dumps(everything, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    assert serious == {}, json.dumps(serious, ensure_ascii=False, indent=2)


def test_the_agenda_on_a_phone_stacks_parallel_forums(live_server, browser_pages, screenshots):
    phone = browser_pages(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(live_server.url + f"{DEMO}/agenda")
    columns = phone.locator("section[aria-labelledby=day-2020-11-26] .parallel__forum")
    expect(columns).to_have_count(2)
    first, second = (columns.nth(i).bounding_box() for i in range(2))
    # One above the other, each as wide as the screen allows.
    assert first["x"] == second["x"] and second["y"] >= first["y"] + first["height"]
    assert first["width"] >= 300
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    body_size = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_size >= 16
    screenshots(phone, "agenda-phone")

    desktop = browser_pages(locale="zh-CN", viewport=DESKTOP)
    desktop.goto(live_server.url + f"{DEMO}/agenda")
    columns = desktop.locator("section[aria-labelledby=day-2020-11-26] .parallel__forum")
    first, second = (columns.nth(i).bounding_box() for i in range(2))
    assert first["y"] == second["y"] and second["x"] > first["x"] + first["width"]
    screenshots(desktop, "agenda-desktop")


def test_the_agenda_on_paper(live_server, browser_pages, screenshots):
    page = browser_pages(locale="zh-CN", viewport=DESKTOP)
    page.goto(live_server.url + f"{DEMO}/agenda")
    page.emulate_media(media="print")
    for chrome in (".site-nav", ".language-switch", ".site-footer", ".forum-filter",
                   ".skip-link"):
        expect(page.locator(chrome)).to_be_hidden()
    expect(page.locator(".brand")).to_have_text("2020中国国际嵌入式大会（Embedded China）")
    expect(page.get_by_role("heading", level=1)).to_have_text("会议日程")
    columns = page.locator("section[aria-labelledby=day-2020-11-26] .parallel__forum")
    first, second = (columns.nth(i).bounding_box() for i in range(2))
    assert first["y"] == second["y"], "parallel forums side by side on paper"
    screenshots(page, "agenda-print")
    pdf = screenshots.folder / "agenda.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=False)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_form_works_from_the_keyboard(live_server, browser_pages, screenshots):
    page = browser_pages(locale="zh-CN", viewport=DESKTOP)
    page.goto(live_server.url + f"{DEMO}/register")

    # The first Tab shows the skip link; Enter jumps past the navigation.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0, "the focused skip link is on screen"
    screenshots(page, "skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Then the fields in reading order, each with a visible focus ring; the bots' trap
    # field is never reached.
    order = []
    for _ in range(14):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.type"))
        if order[-1] == "forums-2":
            break
    assert order == ["full_name", "latin_name", "email", "phone", "organisation", "job_title",
                     "category", "forums-2"]
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring == "solid"
    page.keyboard.press("Space")
    expect(page.locator("#forums-2")).to_be_checked()
    screenshots(page, "forum-ticked")

    # The remaining forums, then the event's own questions (the invoice's details stay
    # out of the way until an invoice is wanted), then the consent.
    passed = []
    for _ in range(20):
        page.keyboard.press("Tab")
        passed.append(page.evaluate("document.activeElement.name || ''"))
        if page.evaluate("document.activeElement.id") == "consent":
            break
    expect(page.locator("#consent")).to_be_focused()
    questions_passed = [name for name in passed if name.startswith("q")]
    assert questions_passed and len(set(questions_passed)) == 4  # invoice, diet, hotel, day
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="报名", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("请更正标出的内容。")
    expect(page.locator("#forums-2")).to_be_checked()
    screenshots(page, "submitted-by-keyboard")
