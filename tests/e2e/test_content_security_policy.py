"""The Content-Security-Policy in a real browser: no page breaks a rule of it (no inline
script, no handler attribute, nothing from elsewhere), and our own scripts still run."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from summit.auth.service import create_user
from summit.extensions import db
from summit.models import ProgrammeSession, Role, Speaker

from ..helpers.admin_pages import ADMIN, SLUG, hold_role_at_every_event
from ..helpers.pages import DEMO
from ..helpers.registrations import register_directly

pytestmark = pytest.mark.e2e

# Collects every violation the browser reports, from before any script of the page runs.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
"""
PASSWORD = "csp-organizer-password"


def signed_in(browser_pages, live_server, email: str):
    page = browser_pages(locale="en-GB")
    page.context.add_init_script(WATCH_VIOLATIONS)
    page.goto(live_server.url + "/admin/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def visit(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response.status < 400, (url, response.status)
    page.wait_for_load_state("load")
    return page.evaluate("window.__violations")


def test_no_page_breaks_the_policy_and_the_check_in_desk_script_runs(
    live_server, browser_pages, backend
):
    app = live_server.app
    with app.app_context():
        event_id = db.session.scalars(select(ProgrammeSession.event_id)).first()
        session_id = db.session.scalars(select(ProgrammeSession.id)).first()
        speaker_id = db.session.scalars(select(Speaker.id)).first()
        attendee = register_directly(event_id, f"csp.{backend}@summit.example.org", [])
        token, code, attendee_id = attendee.token, attendee.checkin_code, attendee.id
        for email, role in ((f"admin.{backend}@csp.example.org", Role.ADMIN),
                            (f"desk.{backend}@csp.example.org", Role.CHECKIN)):
            hold_role_at_every_event(db.session,
                                     create_user(db.session, email, PASSWORD, role, "CSP"))
        db.session.commit()
        # The site's own admin pages and the demo event's that take no id.
        admin_pages = sorted(
            rule.build({"event": SLUG}, append_unknown=False)[1]
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/admin") and "GET" in rule.methods
            and rule.arguments <= {"event"}
            and not rule.rule.endswith((".csv", ".pdf", ".json", ".png", ".svg", "/logout",
                                       "/login"))
        )

    visitor = browser_pages(locale="zh-CN")
    visitor.context.add_init_script(WATCH_VIOLATIONS)
    public = [*(DEMO + path for path in ("/", "/agenda", "/speakers", f"/sessions/{session_id}",
                                         f"/speakers/{speaker_id}", "/forums/chip-machine",
                                         "/register")),
              f"/r/{token}", f"/r/{token}/cancel"]
    for path in public:
        assert visit(visitor, live_server.url + path) == [], path

    admin = signed_in(browser_pages, live_server, f"admin.{backend}@csp.example.org")
    for path in admin_pages:
        assert visit(admin, live_server.url + path) == [], path

    desk = signed_in(browser_pages, live_server, f"desk.{backend}@csp.example.org")
    assert visit(desk, live_server.url + f"{ADMIN}/checkin/{attendee_id}/badge") == []
    assert visit(desk, live_server.url + f"{ADMIN}/checkin") == []
    # checkin.js sends the scan with fetch and shows the answer in place; it registers
    # the desk's service worker, which the policy allows.
    with desk.expect_response(lambda response: response.url.endswith("/checkin/sync.json")):
        desk.get_by_label("Badge code").fill(code)
        desk.keyboard.press("Enter")
    assert desk.url.endswith(f"{ADMIN}/checkin")
    # The answer is shown once the fetch's promise settles, a moment after the response.
    expect(desk.locator("#scan-result")).to_contain_text("Checked in")
    desk.wait_for_function("navigator.serviceWorker.getRegistrations().then(r => r.length > 0)")
    assert desk.evaluate("window.__violations") == []
