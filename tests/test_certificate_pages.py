"""Certificates of attendance rendered beforehand and the organizers' "all certificates"
PDF assembled from them (issue 24): it looks exactly like one rendered at once, and it
never prints a page kept from before a change (a name fixed, a door scanned)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from flask import current_app
from PIL import ImageChops
from sqlalchemy import select

from summit.badges import certificate_pages, page_cache
from summit.badges.certificate_pdf import (
    render_certificate_pages,
    without_missing_glyphs,
    write_certificates,
)
from summit.badges.certificates import CertificateFacts
from summit.badges.pages import assemble
from summit.extensions import db
from summit.models import BadgePage, DeskScan, Event, Registration, Role, utcnow
from summit.urls import serving_at

from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN
from .helpers.badges import decode_qr_codes, embedded_font_programs, images, pdf_pages
from .helpers.certificates import certificates_open, check_in
from .helpers.registrations import forum_id, register_directly

CERTIFICATES = [
    CertificateFacts(
        full_name="刘韵洁", latin_name="Liu Yunjie", event_zh="2020中国国际嵌入式大会",
        event_en="2020 China International Embedded Conference",
        dates_zh="2020年11月25日至27日", dates_en="Nov 25 – 27, 2020", city_zh="南京",
        city_en="Nanjing", forums=(("5G与人工智能及大数据融合", "5G, AI and Big Data"),),
        code="17-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        verify_url="http://summit.test/embedded-china-2020/certificates/"
                   "17-ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    CertificateFacts(
        full_name="Fitzgerald-Montgomery O'Connor", latin_name="", event_zh="大会",
        event_en="Conference", dates_zh="2020年11月25日", dates_en="Nov 25, 2020",
        city_zh="", city_en="", forums=(), code="18-X", verify_url="http://summit.test/c/18"),
]


def test_certificates_from_kept_pages_look_exactly_like_those_rendered_at_once(tmp_path):
    at_once = io.BytesIO()
    write_certificates(CERTIFICATES, at_once)
    # Each rendered on its own, as the background does, then assembled.
    pages = [page for one in CERTIFICATES
             for page in render_certificate_pages([without_missing_glyphs(one)])]
    assembled = io.BytesIO()
    assemble(pages, assembled)

    expected = images(at_once.getvalue(), tmp_path, "at-once")
    found = images(assembled.getvalue(), tmp_path, "assembled")
    assert len(found) == len(expected) == 2
    for mine, theirs in zip(found, expected, strict=True):
        assert ImageChops.difference(mine, theirs).getbbox() is None
    assert pdf_pages(assembled.getvalue()) == pdf_pages(at_once.getvalue())
    (code,) = decode_qr_codes(assembled.getvalue(), tmp_path)
    assert code.text == CERTIFICATES[0].verify_url
    programs = embedded_font_programs(assembled.getvalue())
    assert len(programs) == len(set(programs))


@pytest.fixture
def attendees(app, demo_event) -> dict[str, int]:
    """刘韵洁 (a seat in the chip forum) and 何积丰, checked in; certificates open. Their
    ids, and 刘韵洁's private token."""
    with app.app_context():
        liu = register_directly(demo_event, "liu@example.org", [forum_id("chip-machine")],
                                "刘韵洁", latin_name="Liu Yunjie")
        he = register_directly(demo_event, "he@example.org", [], "何积丰")
        check_in(liu.id)
        check_in(he.id)
        certificates_open(-1)
        return {"liu": liu.id, "he": he.id, "liu_token": liu.token}


def render_stale(now=None) -> int:
    """The background's turn, under the test client's address."""
    with serving_at("http://localhost"):
        return certificate_pages.render_stale_certificates(
            db.session, current_app.secret_key, now or utcnow())


def kept_pages(app) -> dict[int, str]:
    with app.app_context():
        return dict(db.session.execute(
            select(BadgePage.registration_id, BadgePage.digest)
            .where(BadgePage.layout == "certificate")).all())


def all_certificates(client) -> bytes:
    response = client.get(f"{ADMIN}/certificates.pdf")
    assert response.status_code == 200
    return response.data


def never(*_args):
    raise AssertionError("a kept certificate was rendered again")


def test_the_background_keeps_each_certificate_and_the_batch_prints_from_those_pages(
    app, client, attendees, monkeypatch, tmp_path
):
    sign_in(app, client, Role.ORGANIZER)
    at_once = pdf_pages(all_certificates(client))  # rendered now (and kept: forget them)
    with app.app_context():
        db.session.query(BadgePage).delete()
        db.session.commit()
        assert render_stale() == 2
        assert render_stale() == 0
    assert set(kept_pages(app)) == {attendees["liu"], attendees["he"]}

    monkeypatch.setattr(page_cache, "_render", never)
    data = all_certificates(client)
    assert pdf_pages(data) == at_once
    assert "何积丰" in at_once[0] and "刘韵洁" in at_once[1] and "芯机联动专题" in at_once[1]
    (scanned,) = decode_qr_codes(data, tmp_path)
    path = re.fullmatch(r"http://localhost(/embedded-china-2020/certificates/\S+)", scanned.text)
    assert path, scanned.text
    assert "何积丰" in client.get(path.group(1)).get_data(as_text=True)
    # The attendee's own download is the same kept page.
    own = client.get(f"/r/{attendees['liu_token']}/certificate.pdf")
    assert own.status_code == 200
    assert pdf_pages(own.data) == at_once[1:]


def test_a_name_fixed_after_its_certificate_was_kept_never_prints_the_old_name(
    app, client, attendees
):
    with app.app_context():
        render_stale()
        db.session.get(Registration, attendees["he"]).full_name = "何积峰"
        db.session.commit()
    old = kept_pages(app)[attendees["he"]]
    sign_in(app, client, Role.ORGANIZER)
    # Printed at once, before the background has had its turn.
    pages = pdf_pages(all_certificates(client))
    assert any("何积峰" in page for page in pages)
    assert not any("何积丰" in page for page in pages)
    assert kept_pages(app)[attendees["he"]] != old
    with app.app_context():
        assert render_stale() == 0


def test_a_new_door_scan_makes_the_kept_certificate_stale(app, client, attendees,
                                                          monkeypatch):
    with app.app_context():
        render_stale()
        event_id = db.session.get(Registration, attendees["liu"]).event_id
        db.session.add(DeskScan(event_id=event_id, scan_id="door-1", code="X",
                                registration_id=attendees["liu"],
                                forum_id=forum_id("5g-ai-big-data"), outcome="checked_in",
                                scanned_at=utcnow()))
        db.session.commit()
        assert render_stale() == 1
    monkeypatch.setattr(page_cache, "_render", never)
    sign_in(app, client, Role.ORGANIZER)
    liu = pdf_pages(all_certificates(client))[1]
    assert "5G与人工智能及大数据融合" in liu and "芯机联动专题" not in liu


def test_certificates_are_kept_only_from_the_organizers_time_and_for_a_while(app, attendees):
    with app.app_context():
        certificates_open(2)
        assert render_stale() == 0
        event = db.session.scalars(select(Event)).first()
        assert render_stale(event.certificates_from
                            + timedelta(days=certificate_pages.CERTIFICATE_PAGES_DAYS)) == 0
        assert render_stale(event.certificates_from + timedelta(minutes=1)) == 2
    assert len(kept_pages(app)) == 2


def test_without_the_sites_address_the_background_keeps_no_certificate(app, attendees):
    with app.app_context():
        assert certificate_pages.render_stale_certificates(
            db.session, current_app.secret_key, utcnow()) == 0
    assert kept_pages(app) == {}
