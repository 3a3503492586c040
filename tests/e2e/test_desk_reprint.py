"""At the desk in a real browser: check-in staff find a misspelt name, fix it, print the
badge (the PDF the browser opens), and its QR code checks the attendee in; after the
event the attendee downloads the certificate, its QR code opens the page that confirms
it, and a forged code is not found. Screenshots in tests/screenshots/<test name>/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from summit.auth.service import create_user
from summit.extensions import db
from summit.models import Event, Role, utcnow
from summit.registration import service
from summit.urls import serving_at

from ..helpers.admin_pages import ADMIN, hold_role_at_every_event
from ..helpers.badges import decode_qr_codes, pdf_pages
from .conftest import DESKTOP, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e

PASSWORD = "desk-e2e-password"


def test_a_misspelt_name_is_fixed_and_reprinted_at_the_desk_and_its_qr_checks_in(
    live_server, browser_pages, screenshots, backend, tmp_path
):
    email = f"desk.reprint.{backend}@summit.example.org"
    attendee = f"zhou.reprint.{backend}@example.cn"
    with live_server.app.app_context(), serving_at(live_server.url):
        hold_role_at_every_event(db.session, create_user(
            db.session, email, PASSWORD, Role.CHECKIN, "签到员"))
        event = db.session.scalars(select(Event)).one()
        event.certificates_from = utcnow() - timedelta(minutes=1)
        details = service.AttendeeDetails(full_name="周小明", email=attendee,
                                          organisation="东南大学", latin_name="Zhou Xiaoming")
        created = service.register(db.session, event, details, []).registration
        token, code = created.token, created.checkin_code
        db.session.commit()

    phone = browser_pages(locale="en-GB")
    # Before the check-in: no certificate.
    phone.goto(f"{live_server.url}/r/{token}?lang=en")
    expect(phone.get_by_role("link", name="Download my badge")).to_be_visible()
    expect(phone.get_by_text("certificate of attendance")).to_have_count(0)

    page = browser_pages(locale="en-GB", viewport=DESKTOP)
    sign_in(page, live_server.url, email, PASSWORD)
    page.goto(f"{live_server.url}{ADMIN}/checkin?lang=en")
    # The desk keeps the list, with the misspelt name, on the device.
    expect(page.locator("#desk")).to_have_attribute("data-listed", "yes")
    page.get_by_label("Name, organisation or email").fill("周小明")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Fix and print the badge").click()
    expect(page.get_by_label("Full name")).to_have_value("周小明")
    page.get_by_label("Full name").fill("周晓明")
    screenshots(page, "fixing-the-name")
    # Chromium shows the PDF in its viewer (whose print button prints it); the test keeps
    # a copy of what the server sent on the way.
    printed = []

    def keep_the_badge(route) -> None:
        answer = route.fetch()
        printed.append(answer)
        printed.append(answer.body())
        route.fulfill(response=answer)

    page.route(re.compile(r"/checkin/\d+/badge$"), keep_the_badge)
    page.get_by_role("button", name="Save and print the badge").click()
    page.wait_for_url(re.compile(r"/checkin/\d+/badge$"))
    answer, data = printed
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline")
    page.unroute(re.compile(r"/checkin/\d+/badge$"))
    (text,) = pdf_pages(data)
    assert "周晓明" in text and "周小明" not in text
    (scanned,) = decode_qr_codes(data, tmp_path)
    assert scanned.text == code

    # The reprinted badge's QR code, as the scanner types it, before the desk's list has
    # caught up with the fix (its refresh is held back): the server's answer brings the
    # new spelling.
    page.route(re.compile(r"/checkin/desk\.json"), lambda route: route.abort())
    page.goto(f"{live_server.url}{ADMIN}/checkin?lang=en")
    expect(page.locator("#desk")).to_have_attribute("data-ready", "yes")
    page.get_by_label("Badge code").fill(scanned.text)
    page.get_by_label("Badge code").press("Enter")
    result = page.locator("#scan-result")
    expect(result).to_contain_text("Welcome! Checked in.")
    expect(result).to_contain_text("周晓明")
    screenshots(page, "checked-in")

    # After the event: the certificate, and the page its QR code opens.
    phone.goto(f"{live_server.url}/r/{token}?lang=en")
    with phone.expect_download(timeout=60_000) as download:
        phone.get_by_role("link", name="Download my certificate of attendance").click()
    certificate = screenshots.keep(download.value, "certificate.pdf")
    (tmp_path / "certificate").mkdir()
    (scanned,) = decode_qr_codes(certificate.read_bytes(), tmp_path / "certificate")
    assert scanned.text.startswith(f"{live_server.url}/embedded-china-2020/certificates/")
    phone.goto(scanned.text + "?lang=en")
    expect(phone.get_by_text("Genuine certificate of attendance")).to_be_visible()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("周晓明")
    screenshots(phone, "certificate-verified")
    forged = scanned.text[:-2] + ("AA" if not scanned.text.endswith("AA") else "BB")
    phone.goto(forged + "?lang=en")
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "No certificate of attendance of this event has this code.")
