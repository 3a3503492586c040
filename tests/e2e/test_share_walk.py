"""A link to the agenda pasted into a chat shows its card, tried in Chromium: the chat's
crawler reads the page's Open Graph tags (in the language asked for), and the picture
they name opens as the event's 1200×630 card; an organizer downloads the poster's QR
code from the event's settings page, and a phone reads it as the registration page."""

from __future__ import annotations

import io
import re
import uuid

import pytest
import zxingcpp
from PIL import Image

from summit.auth.service import create_user
from summit.demo.seed import SLUG
from summit.extensions import db
from summit.models import Role

from ..helpers.admin_pages import ADMIN, hold_role_at_every_event
from .conftest import DESKTOP, PHONE, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e

PASSWORD = "share-walk-password"
# WeChat's in-app browser, as its link preview announces itself.
WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47 NetType/WIFI Language/zh_CN")


def test_an_agenda_link_shows_its_card_and_the_poster_qr_reads_as_the_registration_page(
    live_server, browser_pages, screenshots, backend
):
    base = live_server.url
    phone = browser_pages(locale="zh-CN", viewport=PHONE, user_agent=WECHAT)
    phone.goto(f"{base}/{SLUG}/agenda")
    card = {name: phone.locator(f'meta[property="{name}"]').get_attribute("content")
            for name in ("og:title", "og:description", "og:url", "og:image", "og:locale")}
    assert card["og:title"].startswith("会议日程 · ")
    assert card["og:url"] == f"{base}/{SLUG}/agenda?lang=zh" and card["og:locale"] == "zh_CN"
    assert "南京" in card["og:description"]
    assert phone.locator('meta[name="twitter:card"]').get_attribute("content") == (
        "summary_large_image")
    picture = phone.request.get(card["og:image"])
    assert picture.status == 200 and picture.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(picture.body())).size == (1200, 630)
    phone.goto(card["og:image"])
    screenshots(phone, "share-card")

    email = f"share.{backend}.{uuid.uuid4().hex[:8]}@summit.example.org"
    with live_server.app.app_context():
        hold_role_at_every_event(db.session, create_user(
            db.session, email, PASSWORD, Role.ORGANIZER, "海报"))
        db.session.commit()
    page = browser_pages(locale="en-GB", viewport=DESKTOP)
    sign_in(page, base, email, PASSWORD)
    page.goto(f"{base}{ADMIN}/event?lang=en")
    expect(page.get_by_role("img", name="The picture shown beside shared links")).to_be_visible()
    screenshots(page, "event-settings-sharing")
    for name, kind in (("PNG", "png"), ("SVG (for print)", "svg")):
        with page.expect_download() as waiting:
            page.get_by_role("link", name=name, exact=True).click()
        saved = screenshots.keep(waiting.value, f"poster-qr.{kind}")
        assert re.fullmatch(rf"{SLUG}-registration-qr\.{kind}", waiting.value.suggested_filename)
        if kind == "png":
            (code,) = zxingcpp.read_barcodes(Image.open(saved))
            assert code.text == f"{base}/{SLUG}/register"
        else:
            assert saved.read_bytes().lstrip().startswith(b"<?xml")
