"""Badges rendered beforehand and batches assembled from them (issue 24): the batch looks
exactly like one rendered at once, carries each font once, and never prints a page kept
from before a change."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import ImageChops

from summit.badges import page_cache
from summit.badges.layouts import LAYOUTS
from summit.badges.pages import assemble
from summit.badges.render import render_pages, without_missing_glyphs, write_badges
from summit.extensions import db
from summit.models import BadgePage, Event, Registration, RegistrationCategory, Role

from .helpers.accounts import make_accounts, sign_in_as
from .helpers.admin_pages import ADMIN
from .helpers.badges import decode_qr_codes, embedded_font_programs, facts, images, pdf_pages
from .helpers.registrations import attend

BADGES = [
    facts(),
    facts(full_name="欧阳娜娜", latin_name="", organisation="国家可信嵌入式软件工程技术研究中心",
          category=RegistrationCategory.DELEGATE, forums=(), checkin_code="K3M9Q2X7D4HT"),
    facts(lang="en", full_name="Fitzgerald-Montgomery O'Connor", latin_name="",
          organisation="Technische Universität München", category=RegistrationCategory.PRESS,
          forums=(("Chips", "#c0392b"), ("5G", "#2e7d32")), checkin_code="2XK7M4Q9D0HT"),
]


def test_a_batch_of_pages_looks_exactly_like_one_rendered_at_once(tmp_path):
    badges = [without_missing_glyphs(one) for one in BADGES]
    at_once = io.BytesIO()
    write_badges(badges, LAYOUTS["a6"], at_once)
    # Each badge rendered on its own, as the background does, then assembled.
    pages = [page for one in badges for page in render_pages([one], "a6", "Badge")]
    assembled = io.BytesIO()
    assemble(pages, assembled, title="Badges")

    expected = images(at_once.getvalue(), tmp_path, "at-once")
    found = images(assembled.getvalue(), tmp_path, "assembled")
    assert len(found) == len(expected) == 3
    for mine, theirs in zip(found, expected, strict=True):
        assert ImageChops.difference(mine, theirs).getbbox() is None
    assert pdf_pages(assembled.getvalue()) == pdf_pages(at_once.getvalue())
    (code,) = decode_qr_codes(assembled.getvalue(), tmp_path)
    assert code.text == "7Q4M2X9KD0HT"
    # One program per face for the whole batch, each holding every page's glyphs.
    programs = embedded_font_programs(assembled.getvalue())
    assert len(programs) == len(set(programs))
    assert any("Noto-Sans-CJK-SC-Bold" in name for name in programs)
    assert len(assembled.getvalue()) < 1.5 * len(at_once.getvalue())


def test_a_face_that_cannot_be_shared_stays_with_its_page(tmp_path):
    # The colour emoji face: its glyphs are pictures beside glyphs WeasyPrint empties.
    badges = [facts(checkin_code="K3M9Q2X7D4HT"), facts(full_name="刘韵洁🎉")]
    at_once = io.BytesIO()
    write_badges(badges, LAYOUTS["a6"], at_once)
    assembled = io.BytesIO()
    assemble(render_pages(badges, "a6", "Badge"), assembled)
    found = images(assembled.getvalue(), tmp_path, "assembled")
    for mine, theirs in zip(found, images(at_once.getvalue(), tmp_path, "at-once"), strict=True):
        assert ImageChops.difference(mine, theirs).getbbox() is None
    programs = embedded_font_programs(assembled.getvalue())
    assert sum("Emoji" in name for name in programs) == 1
    assert len(programs) == len(set(programs))


@pytest.fixture
def coming_event(app, demo_event):
    """The demo event, moved to today so that the background looks after its badges."""
    with app.app_context():
        event = db.session.get(Event, demo_event)
        event.starts_on = event.ends_on = date.today()
        event.badge_layout = "a6"
        db.session.commit()
    return demo_event


def kept_pages(app) -> dict[int, str]:
    with app.app_context():
        return dict(db.session.query(BadgePage.registration_id, BadgePage.digest).all())


def organizer_prints(app, client, query: str = "") -> list[str]:
    make_accounts(app)
    sign_in_as(client, Role.ORGANIZER)
    response = client.get(f"{ADMIN}/badges.pdf{query}")
    assert response.status_code == 200
    return pdf_pages(response.data)


def test_the_background_keeps_each_badge_and_the_batch_prints_from_those_pages(
    app, client, coming_event, monkeypatch
):
    with app.app_context():
        liu = attend(coming_event, "刘韵洁", "liu@example.org", ["5g-ai-big-data"],
                     latin_name="Liu Yunjie", organisation="紫金山实验室")[0]
        anna = attend(coming_event, "Anna Schmidt", "anna@example.org", [], locale="en")[0]
        assert page_cache.render_stale_badges(db.session, date.today()) == 2
        assert page_cache.render_stale_badges(db.session, date.today()) == 0
    assert set(kept_pages(app)) == {liu, anna}

    def never(*_args):
        raise AssertionError("a kept page was rendered again")

    monkeypatch.setattr(page_cache, "render_pages", never)
    monkeypatch.setattr(page_cache, "_render", never)
    pages = organizer_prints(app, client)
    assert len(pages) == 2
    assert "AnnaSchmidt" in pages[0] and "刘韵洁" in pages[1] and "紫金山实验室" in pages[1]


def test_a_name_fixed_after_its_page_was_kept_never_prints_the_old_name(
    app, client, coming_event
):
    with app.app_context():
        liu = attend(coming_event, "刘韵杰", "liu@example.org", [])[0]
        page_cache.render_stale_badges(db.session, date.today())
    old_digest = kept_pages(app)[liu]
    with app.app_context():
        db.session.get(Registration, liu).full_name = "刘韵洁"
        db.session.commit()
    # Printed at once, before the background has had its turn.
    (page,) = organizer_prints(app, client)
    assert "刘韵洁" in page and "刘韵杰" not in page
    # The batch kept the new page in place of the old one.
    assert kept_pages(app)[liu] != old_digest
    with app.app_context():
        assert page_cache.render_stale_badges(db.session, date.today()) == 0


def test_a_seat_given_up_or_a_renamed_forum_makes_the_kept_page_stale(app, coming_event):
    with app.app_context():
        from summit.models import Forum

        attend(coming_event, "何积丰", "he@example.org", ["chip-machine"])
        page_cache.render_stale_badges(db.session, date.today())
        forum = db.session.query(Forum).filter(Forum.slug == "chip-machine").one()
        forum.name_zh = forum.name_zh + "（二）"
        db.session.commit()
        assert page_cache.render_stale_badges(db.session, date.today()) == 1


def test_past_events_and_sheet_layouts_are_not_rendered_beforehand(app, coming_event):
    with app.app_context():
        attend(coming_event, "何积丰", "he@example.org", [])
        event = db.session.get(Event, coming_event)
        event.badge_layout = "a4-4up"
        db.session.commit()
        assert page_cache.render_stale_badges(db.session, date.today()) == 0
        event.badge_layout = "a6"
        db.session.commit()
        assert page_cache.render_stale_badges(db.session, date(2999, 1, 1)) == 0
    assert kept_pages(app) == {}


def test_the_mail_workers_turn_renders_the_coming_events_badges(app, coming_event, monkeypatch):
    from summit.outbox import queue_scheduled

    monkeypatch.setattr(page_cache, "_next_looks", {})
    with app.app_context():
        he = attend(coming_event, "何积丰", "he@example.org", [])[0]
        assert queue_scheduled(db.session) == 0  # it queues no mail
    assert set(kept_pages(app)) == {he}


def test_badges_not_yet_kept_render_on_other_processes_in_order_and_are_kept(
    app, client, coming_event, monkeypatch
):
    monkeypatch.setattr(page_cache, "IN_PROCESS_BADGES", 1)
    monkeypatch.setattr(page_cache, "CHUNK_BADGES", 2)
    with app.app_context():
        ids = [attend(coming_event, name, f"p{number}@example.org", [])[0]
               for number, name in enumerate(["张伟", "李明", "Zoe Adams"])]
        # One of them kept beforehand, the others not.
        page_cache.render_stale_badges(db.session, date.today())
        db.session.query(BadgePage).filter(BadgePage.registration_id != ids[1]).delete()
        db.session.commit()
    pages = organizer_prints(app, client, "?order=name")
    names = ["李明", "张伟", "ZoeAdams"]
    assert [next(name for name in names if name in page) for page in pages] == names
    assert set(kept_pages(app)) == set(ids)


def test_text_written_otherwise_than_weasyprint_does_keeps_its_fonts_with_its_page():
    from summit.badges.pages import _glyphs_by_font

    assert _glyphs_by_font(b"BT\n/AB 12 Tf\n[<0001002a>0<0003>] TJ\nET\n") == {"AB": {1, 42, 3}}
    # Glyphs shown after the text object ended, or a font set some other way: not followed.
    assert _glyphs_by_font(b"BT\n/AB 12 Tf\n[<0001>] TJ\nET\n[<0002>] TJ\n") is None
    assert _glyphs_by_font(b"BT\n/AB 12\nTf\n[<0001>] TJ\nET\n") is None
