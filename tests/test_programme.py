"""The public pages of the programme, the demo data behind them, and the health check."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

from summit.demo import seed as demo
from summit.extensions import db
from summit.models import (
    CoHost,
    Event,
    EventStatus,
    Forum,
    ForumKind,
    ProgrammeSession,
    SessionKind,
    Speaker,
)

from .conftest import make_app
from .helpers.database import count_rows
from .helpers.pages import DEMO, page_text

# --- the demo event ---------------------------------------------------------


def test_the_demo_holds_the_facts_of_embedded_china_2020(app, demo_event, app_context):
    event = db.session.get(Event, demo_event)
    assert event.name_zh == "2020中国国际嵌入式大会（Embedded China）"
    assert event.theme_zh == "5G，新基建创造新生态"
    assert (event.starts_on.isoformat(), event.ends_on.isoformat()) == ("2020-11-25", "2020-11-27")
    assert event.timezone == "Asia/Shanghai"
    assert [host.name_zh for host in event.co_hosts] == [zh for zh, _ in demo.CO_HOSTS]
    kinds = [forum.kind for forum in event.forums]
    assert kinds.count(ForumKind.MAIN) == 1 and kinds.count(ForumKind.PARALLEL) == 4
    for forum in event.forums:
        assert len(forum.sessions) >= 4, forum.slug
    ceremonies = [item for item in event.sessions if item.kind == SessionKind.CEREMONY]
    assert len(ceremonies) == 1 and "颁奖典礼" in ceremonies[0].title_zh
    keynote_speakers = {
        speaker.name_zh
        for item in event.sessions
        if item.kind == SessionKind.KEYNOTE
        for speaker in item.speakers
    }
    assert keynote_speakers == {"何积丰", "刘韵洁"}
    invented = [s for s in event.speakers if s.name_zh not in {"何积丰", "刘韵洁"}]
    assert invented and all(s.is_demo for s in invented)


def test_seeding_twice_changes_nothing(app, app_context):
    assert demo.load_demo(db.session) is not None
    db.session.commit()
    counts = [count_rows(model) for model in (Event, CoHost, Forum, ProgrammeSession, Speaker)]
    version = db.session.scalar(select(Event.programme_version))
    assert demo.load_demo(db.session) is None
    db.session.commit()
    assert [count_rows(m) for m in (Event, CoHost, Forum, ProgrammeSession, Speaker)] == counts
    assert db.session.scalar(select(Event.programme_version)) == version


def test_seed_command_is_idempotent_and_respects_if_empty(app):
    runner = app.test_cli_runner()
    assert "Loaded" in runner.invoke(args=["summit", "seed", "--if-empty"]).output
    assert "already" in runner.invoke(args=["summit", "seed", "--if-empty"]).output
    assert "already loaded" in runner.invoke(args=["summit", "seed"]).output
    with app.app_context():
        editions = db.session.execute(select(Event.slug, Event.status, Event.starts_on)
                                      .order_by(Event.starts_on)).all()
        assert editions == [(demo.SLUG, EventStatus.PUBLISHED, date(2020, 11, 25)),
                            (demo.NEXT_EDITION_SLUG, EventStatus.DRAFT, date(2021, 11, 24))]
        next_edition = db.session.scalars(
            select(Event).where(Event.slug == demo.NEXT_EDITION_SLUG)).one()
        assert [forum.slug for forum in next_edition.forums] == [
            forum.slug for forum in db.session.scalars(
                select(Event).where(Event.slug == demo.SLUG)).one().forums]
        assert not next_edition.sessions


# --- time ---------------------------------------------------------------------


def test_nine_in_nanjing_is_stored_as_one_utc_and_shown_as_nine(app, client, demo_event):
    with app.app_context():
        keynote = db.session.scalars(
            select(ProgrammeSession).where(ProgrammeSession.kind == SessionKind.KEYNOTE)
            .order_by(ProgrammeSession.starts_at)
        ).first()
        keynote.starts_at = demo.local_time(26, "09:00")
        keynote.ends_at = demo.local_time(26, "09:40")
        keynote.title_en = "Keynote at nine"
        keynote.title_zh = "九点的主旨报告"
        db.session.commit()
        stored = db.session.execute(
            text("SELECT starts_at FROM programme_session WHERE id = :id"), {"id": keynote.id}
        ).scalar_one()
        if isinstance(stored, str):  # SQLite keeps the UTC wall time as text
            stored = datetime.fromisoformat(stored).replace(tzinfo=UTC)
        assert stored.astimezone(UTC) == datetime(2020, 11, 26, 1, 0, tzinfo=UTC)
        assert keynote.starts_at == datetime(2020, 11, 26, 1, 0, tzinfo=UTC)

    for lang, title in (("zh", "九点的主旨报告"), ("en", "Keynote at nine")):
        visible = page_text(client.get(f"{DEMO}/agenda?lang={lang}"))
        card = visible[visible.index(title) - 40 : visible.index(title)]
        assert "09:00 – 09:40" in card, lang
        assert "01:00" not in card


def test_dates_are_written_the_way_each_language_writes_them(client, demo_event):
    assert "2020年11月26日 星期四" in page_text(client.get(f"{DEMO}/agenda?lang=zh"))
    assert "Thu 26 Nov 2020" in page_text(client.get(f"{DEMO}/agenda?lang=en"))


# --- pages ----------------------------------------------------------------------


def test_home_shows_theme_dates_venue_forums_and_the_six_co_hosts_in_order(client, demo_event):
    text_zh = page_text(client.get(f"{DEMO}/?lang=zh"))
    assert "5G，新基建创造新生态" in text_zh
    assert "南京" in text_zh
    positions = [text_zh.index(zh) for zh, _ in demo.CO_HOSTS]
    assert positions == sorted(positions)
    for forum in demo.FORUMS:
        assert forum["name_zh"] in text_zh

    text_en = page_text(client.get(f"{DEMO}/?lang=en"))
    positions = [text_en.index(en) for _, en in demo.CO_HOSTS]
    assert positions == sorted(positions)
    assert "Nanjing" in text_en


def test_agenda_shows_every_forum_and_the_ceremony_with_parallel_forums_side_by_side(
    client, demo_event
):
    html = client.get(f"{DEMO}/agenda?lang=en").get_data(as_text=True)
    for forum in demo.FORUMS:
        assert forum["name_en"] in html
    assert "Award ceremony of the 3rd National College Student" in html
    # On the 26th the afternoon's two parallel forums share one block of columns.
    day = html[html.index('id="day-2020-11-26"') : html.index('id="day-2020-11-27"')]
    block = day[day.index('class="parallel"') :]
    assert "Convergence of 5G, AI and Big Data" in block and "Chip–Machine Co-design" in block


def test_agenda_filters_by_forum(client, demo_event):
    html = client.get(f"{DEMO}/agenda?forum=chip-machine&lang=en").get_data(as_text=True)
    assert "Porting ncnn to RISC-V" in html
    assert "NanoDet" not in html
    assert client.get(f"{DEMO}/agenda?forum=no-such-forum").status_code == 404


def test_forum_session_and_speaker_pages(app, client, demo_event):
    with app.app_context():
        keynote = db.session.scalars(
            select(ProgrammeSession).where(ProgrammeSession.kind == SessionKind.KEYNOTE)
        ).first()
        he = db.session.scalars(select(Speaker).where(Speaker.name_zh == "何积丰")).one()
        keynote_id, speaker_id = keynote.id, he.id

    forum = page_text(client.get(f"{DEMO}/forums/chip-machine?lang=zh"))
    assert "芯机联动专题" in forum and "ncnn移植RISC-V" in forum

    detail = page_text(client.get(f"{DEMO}/sessions/{keynote_id}?lang=zh"))
    assert "何积丰" in detail and "院士" in detail and "主会场" in detail

    speakers = page_text(client.get(f"{DEMO}/speakers?lang=en"))
    assert speakers.index("He Jifeng") < speakers.index("Demo Speaker A")

    speaker = page_text(client.get(f"{DEMO}/speakers/{speaker_id}?lang=en"))
    assert "Academician" in speaker and "Trusted embedded software" in speaker


def test_content_falls_back_to_the_other_language_and_says_which(app, client, demo_event):
    with app.app_context():
        forum = db.session.scalars(select(Forum).where(Forum.slug == "chip-machine")).one()
        forum.name_en = ""
        db.session.commit()
    html = client.get(f"{DEMO}/forums/chip-machine?lang=en").get_data(as_text=True)
    assert re.search(r'<span lang="zh-Hans" class="fallback"[^>]*>芯机联动专题</span>', html)


def test_user_text_is_escaped(app, client, demo_event):
    with app.app_context():
        item = db.session.scalars(select(ProgrammeSession)).first()
        item.title_en = '<script>alert("x")</script>'
        item_id = item.id
        db.session.commit()
    html = client.get(f"{DEMO}/sessions/{item_id}?lang=en").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "path", [f"{DEMO}/sessions/999999", f"{DEMO}/speakers/999999", f"{DEMO}/forums/nowhere",
             "/no-such-event/agenda", "/no/such/page"]
)
def test_unknown_things_give_the_friendly_404_page(client, demo_event, path):
    response = client.get(path + "?lang=en")
    assert response.status_code == 404
    assert "There is nothing at this address." in page_text(response)
    assert "Back to the start page" in page_text(response)


def test_a_database_without_an_event_answers_404_not_500(client):
    assert "No event is coming up yet." in page_text(client.get("/?lang=en"))
    assert client.get(f"{DEMO}/").status_code == 404
    assert client.get(f"{DEMO}/agenda").status_code == 404
    assert client.get("/agenda").status_code == 404
    assert client.get("/calendar.ics").status_code == 404


def test_summit_event_chooses_which_event_the_first_versions_addresses_serve(
    app, client, demo_event
):
    with app.app_context():
        # A draft: without SUMMIT_EVENT, the published 2020 edition stays the default.
        edition_2021 = Event(slug="embedded-china-2021", name_en="Embedded China 2021",
                             starts_on=date(2021, 11, 24), ends_on=date(2021, 11, 26),
                             timezone="Asia/Shanghai", default_locale="en",
                             status=EventStatus.DRAFT)
        db.session.add(edition_2021)
        db.session.commit()
        edition_2021_id = edition_2021.id
    first_ics = client.get("/calendar.ics").get_data(as_text=True)
    assert "2020" in re.search(r"X-WR-CALNAME:(.*)", first_ics).group(1)
    assert client.get("/agenda").headers["Location"] == f"{DEMO}/agenda"

    app.config["SUMMIT_EVENT"] = "embedded-china-2021"
    try:
        # A draft stays hidden from the public whatever names it.
        assert client.get("/calendar.ics").status_code == 404
        with app.app_context():
            db.session.get(Event, edition_2021_id).status = EventStatus.PUBLISHED
            db.session.commit()
        assert client.get("/agenda").headers["Location"] == "/embedded-china-2021/agenda"
        ics = client.get("/calendar.ics").get_data(as_text=True)
        assert re.search(r"X-WR-CALNAME:(.*)", ics).group(1).strip() == "Embedded China 2021"
        assert "BEGIN:VEVENT" not in ics
        # Each event's own addresses serve it whatever the default.
        assert "2020" in page_text(client.get(f"{DEMO}/?lang=en"))
        # Published and later, 2021 is the default; SUMMIT_EVENT brings 2020 back.
        app.config["SUMMIT_EVENT"] = None
        assert client.get("/agenda").headers["Location"] == "/embedded-china-2021/agenda"
        app.config["SUMMIT_EVENT"] = demo.SLUG
        assert client.get("/agenda").headers["Location"] == f"{DEMO}/agenda"
        app.config["SUMMIT_EVENT"] = "no-such-event"
        assert client.get("/calendar.ics").status_code == 404
        assert client.get("/agenda").status_code == 404
    finally:
        app.config["SUMMIT_EVENT"] = None


def test_language_switch_links_keep_the_current_page(client, demo_event):
    html = client.get(f"{DEMO}/agenda?forum=chip-machine&lang=zh").get_data(as_text=True)
    assert re.search(rf'href="{DEMO}/agenda\?forum=chip-machine&amp;lang=en"', html)


# --- health ---------------------------------------------------------------------


def test_healthz_is_200_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-directory/summit.db",
        "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2",
    ],
)
def test_healthz_is_503_when_the_database_is_gone(url):
    app = make_app(url)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_pages_answer_503_not_500_when_the_database_is_gone():
    app = make_app("sqlite:////nonexistent-directory/summit.db")
    response = app.test_client().get(f"{DEMO}/agenda?lang=en")
    assert response.status_code == 503
    assert "briefly unavailable" in page_text(response)
