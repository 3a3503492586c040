"""The REST API tried as a new user would, in Chromium: an administrator makes a token
with the check-in scope (read from the page that shows it once), a script outside the
browser scans an attendee's badge through POST /api/v1/<event>/check-ins, and the desk,
which asks what changed every few seconds, counts the person in, lists the scan among
the latest at every desk under the token's name and knows them as checked in. Once
revoked in the admin, the token is refused with problem details."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid

import pytest
from sqlalchemy import select

from summit.auth.service import create_user
from summit.demo.seed import SLUG
from summit.extensions import db
from summit.models import Event, Role
from summit.registration import service
from summit.urls import serving_at

from ..helpers.admin_pages import ADMIN
from .conftest import DESKTOP, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e

PASSWORD = "api-walk-password"


def administrator(live_server, backend: str) -> str:
    email = f"api.{backend}.{uuid.uuid4().hex[:8]}@summit.example.org"
    with live_server.app.app_context():
        create_user(db.session, email, PASSWORD, Role.ADMIN, "API walk")
        db.session.commit()
    return email


def attendee(live_server, name: str) -> str:
    """A confirmed registration at the demo event: its badge code."""
    with live_server.app.app_context(), serving_at(live_server.url):
        event = db.session.scalars(select(Event).where(Event.slug == SLUG)).one()
        details = service.AttendeeDetails(full_name=name,
                                          email=f"api.{uuid.uuid4().hex}@example.cn",
                                          organisation="清华大学")
        code = service.register(db.session, event, details, []).registration.checkin_code
        db.session.commit()
    return code


def scan_by_script(base_url: str, secret: str, code: str) -> tuple[int, str, dict]:
    """What a scanner app does: the badge code, posted with the token; (status, media
    type, body)."""
    request = urllib.request.Request(
        f"{base_url}/api/v1/{SLUG}/check-ins", method="POST",
        data=json.dumps({"code": code}).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers.get_content_type(), json.load(answer)
    except urllib.error.HTTPError as refusal:
        return refusal.code, refusal.headers.get_content_type(), json.load(refusal)


def test_a_token_made_in_the_admin_scans_a_badge_the_desk_shows_it_and_revoked_it_is_refused(
    live_server, browser_pages, screenshots, backend
):
    base = live_server.url
    code = attendee(live_server, "接口扫码")
    page = browser_pages(locale="en-GB", viewport=DESKTOP)
    sign_in(page, base, administrator(live_server, backend), PASSWORD)

    # The administrator makes a token for the door scanner, with the check-in scope.
    page.goto(f"{base}{ADMIN}/api-tokens?lang=en")
    page.get_by_label("Name (which system holds it)").fill("Door scanner app")
    page.get_by_label("Check in at the door").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("status").first).to_contain_text("shown only this once")
    secret = page.locator("#new-token").inner_text().strip()
    assert re.fullmatch(r"summit_[\w-]{43}", secret), secret
    screenshots(page, "token-shown-once")
    page.goto(f"{base}{ADMIN}/api-tokens?lang=en")
    assert secret not in page.content()

    # The desk is open, waiting for scans from anywhere.
    desk = browser_pages(locale="en-GB", viewport=DESKTOP)
    sign_in(desk, base, administrator(live_server, backend), PASSWORD)
    desk.goto(f"{base}{ADMIN}/checkin?lang=en")
    expect(desk.locator("#desk")).to_have_attribute("data-listed", "yes")
    progress = desk.locator("#checkin-progress")
    arrived, expected = map(int, re.findall(r"\d+", progress.inner_text()))

    # A script, outside the browser, scans the badge with the token.
    status, media_type, body = scan_by_script(base, secret, code)
    assert (status, media_type, body["outcome"]) == (200, "application/json", "checked_in")
    assert body["attendee"]["full_name"] == "接口扫码"

    # The desk counts the person in without anyone touching it (it asks every few
    # seconds), lists the scan among the latest at every desk under the token's name,
    # and its own scan of the same badge says they are in already.
    expect(progress).to_have_text(f"{arrived + 1} of {expected} checked in")
    expect(desk.locator("#recent")).to_contain_text("API · Door scanner app · 接口扫码 · ✓")
    field = desk.get_by_label("Badge code")
    field.fill(code)
    field.press("Enter")
    result = desk.locator("#scan-result")
    expect(result).to_have_class(re.compile(r"\bscan-result--already\b"))
    expect(result).to_contain_text("接口扫码")
    screenshots(desk, "desk-shows-the-api-scan")

    # Revoked in the admin, the token opens nothing, and says so as problem details.
    page.get_by_role("button", name="Revoke “Door scanner app”").click()
    expect(page.get_by_role("status").first).to_contain_text("revoked")
    screenshots(page, "token-revoked")
    status, media_type, body = scan_by_script(base, secret, code)
    assert (status, media_type) == (401, "application/problem+json")
    assert body["status"] == 401 and body["type"].endswith("#problem-invalid-token")
