"""Every event's pages, form and feeds under its slug; the first version's addresses for
the default event; drafts seen only by their organizers; archived editions read-only;
the list of events at /."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from summit.extensions import db
from summit.models import (
    Event,
    EventStatus,
    Forum,
    ForumKind,
    ProgrammeSession,
    Registration,
    Role,
    SessionKind,
)
from summit.urls import serving_at

from .helpers.accounts import sign_in
from .helpers.pages import DEMO, csrf_token, page_text
from .helpers.registrations import form_fields, outbox_mails, post_registration

SPRING = "/spring-2030"
ROBOTS = "Robots at work"


@pytest.fixture
def two_events(app, demo_event) -> dict[str, int]:
    """The demo (Embedded China 2020, over) and a coming event with one forum and one
    session of its own; the ids of a session of each."""
    with app.app_context():
        spring = Event(slug="spring-2030", name_zh="2030春季大会", name_en="Spring Summit 2030",
                       city_en="Suzhou", starts_on=date(2030, 4, 10), ends_on=date(2030, 4, 11),
                       timezone="Asia/Shanghai", default_locale="en")
        robotics = Forum(event=spring, slug="robotics", name_en="Robotics", name_zh="机器人",
                         kind=ForumKind.PARALLEL)
        talk = ProgrammeSession(event=spring, forum=robotics, kind=SessionKind.TALK,
                                title_en=ROBOTS, title_zh="工作中的机器人",
                                starts_at=datetime(2030, 4, 10, 2, tzinfo=UTC),
                                ends_at=datetime(2030, 4, 10, 3, tzinfo=UTC))
        db.session.add_all([spring, robotics, talk])
        db.session.commit()
        demo_session = db.session.scalars(
            select(ProgrammeSession.id).where(ProgrammeSession.event_id == demo_event)).first()
        return {"demo_session": demo_session, "spring_session": talk.id, "spring": spring.id}


@pytest.fixture
def demo_by_default(app, two_events):
    """SUMMIT_EVENT names the demo: the first version's addresses serve it, although the
    coming Spring Summit would be the default event otherwise."""
    app.config["SUMMIT_EVENT"] = "embedded-china-2020"
    yield
    app.config["SUMMIT_EVENT"] = None


def set_status(app, slug: str, status: EventStatus) -> None:
    with app.app_context():
        db.session.scalars(select(Event).where(Event.slug == slug)).one().status = status
        db.session.commit()


def summaries(ics: str) -> set[str]:
    return set(re.findall(r"^SUMMARY[^:]*:(.*)\r$", ics.replace("\r\n ", ""), re.M))


def test_two_events_side_by_side_show_only_their_own_programme(client, two_events):
    spring_agenda = page_text(client.get(f"{SPRING}/agenda?lang=en"))
    demo_agenda = page_text(client.get(f"{DEMO}/agenda?lang=en"))
    assert ROBOTS in spring_agenda and "Spring Summit 2030" in spring_agenda
    assert ROBOTS not in demo_agenda and "Embedded China" in demo_agenda
    assert "Embedded China" not in spring_agenda

    assert client.get(f"{SPRING}/forums/robotics").status_code == 200
    assert client.get(f"{DEMO}/forums/robotics").status_code == 404
    assert client.get(f"{SPRING}/forums/chip-machine").status_code == 404
    assert client.get(f"{SPRING}/sessions/{two_events['spring_session']}").status_code == 200
    assert client.get(f"{SPRING}/sessions/{two_events['demo_session']}").status_code == 404
    assert client.get(f"{DEMO}/sessions/{two_events['spring_session']}.ics").status_code == 404

    spring_feed = client.get(f"{SPRING}/calendar.ics?lang=en").get_data(as_text=True)
    assert summaries(spring_feed) == {ROBOTS}
    assert ROBOTS not in client.get(f"{DEMO}/calendar.ics?lang=en").get_data(as_text=True)
    assert summaries(client.get(f"{SPRING}/forums/robotics/calendar.ics?lang=en")
                     .get_data(as_text=True)) == {ROBOTS}
    schedule = client.get(f"{SPRING}/schedule.json?lang=en").get_json()
    assert ROBOTS in str(schedule) and "Embedded" not in str(schedule["schedule"]["conference"]
                                                              ["days"])
    # Every link in a feed leads to the event's own pages.
    assert (f"URL:http://localhost{SPRING}/sessions/{two_events['spring_session']}?lang=en"
            in spring_feed.replace("\r\n ", ""))


def test_links_on_an_events_pages_stay_in_that_event(client, two_events):
    home = client.get(f"{SPRING}/?lang=en").get_data(as_text=True)
    for target in ("/agenda", "/speakers", "/register", "/forums/robotics"):
        assert f'href="{SPRING}{target}"' in home, target
    assert f'href="{SPRING}/?lang=zh"' in home  # the language switch
    agenda = client.get(f"{SPRING}/agenda?lang=en").get_data(as_text=True)
    assert "webcal://localhost/spring-2030/calendar.ics?lang=en" in agenda
    assert f'href="{SPRING}/sessions/{two_events["spring_session"]}"' in agenda


@pytest.mark.parametrize("old, new", [
    ("/agenda?forum=chip-machine&lang=en", f"{DEMO}/agenda?forum=chip-machine&lang=en"),
    ("/forums/chip-machine", f"{DEMO}/forums/chip-machine"),
    ("/speakers?lang=zh", f"{DEMO}/speakers?lang=zh"),
    ("/register?lang=en&utm_source=mail", f"{DEMO}/register?lang=en&utm_source=mail"),
    ("/register/again/some-key", f"{DEMO}/register/again/some-key"),
])
def test_the_first_versions_pages_move_for_good_to_the_default_events(
    client, two_events, demo_by_default, old, new
):
    response = client.get(old)
    assert response.status_code == 301
    assert response.headers["Location"] == new


def test_without_summit_event_the_first_versions_addresses_serve_the_next_event(
    client, two_events
):
    assert client.get("/agenda?lang=en").headers["Location"] == f"{SPRING}/agenda?lang=en"
    assert ROBOTS in client.get("/calendar.ics?lang=en").get_data(as_text=True)


def test_old_session_and_speaker_pages_move_with_their_ids(
    app, client, two_events, demo_by_default
):
    session_id = two_events["demo_session"]
    assert client.get(f"/sessions/{session_id}?lang=en").headers["Location"] == (
        f"{DEMO}/sessions/{session_id}?lang=en")
    assert client.get("/speakers/7").headers["Location"] == f"{DEMO}/speakers/7"


def test_a_form_posted_to_the_old_address_is_sent_on_with_its_method(
    app, client, two_events, demo_by_default
):
    data = {"csrf_token": csrf_token(client, f"{DEMO}/register"), **form_fields()}
    assert client.post("/register?lang=en", data={}).status_code == 400  # no token
    response = client.post("/register?lang=en", data=data)
    assert response.status_code == 308
    assert response.headers["Location"] == f"{DEMO}/register?lang=en"
    # As a browser follows a 308: the same form, sent again to the new address.
    registered = client.post(response.headers["Location"], data=data)
    assert registered.status_code == 302 and "/r/" in registered.headers["Location"]
    with app.app_context():
        assert db.session.scalars(select(Registration)).one().email == "liu.yunjie@pml.example.cn"


FEEDS = ["/calendar.ics?lang=zh", "/calendar.ics", "/forums/chip-machine/calendar.ics?lang=en",
         "/sessions/{session}.ics?lang=en", "/schedule.xml?lang=en", "/schedule.json",
         "/schedule.csv?lang=zh"]


@pytest.mark.parametrize("feed", FEEDS)
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_the_first_versions_feeds_answer_with_the_new_addresses_bytes(
    client, two_events, demo_by_default, feed, encoding
):
    path = feed.format(session=two_events["demo_session"])
    headers = {"Accept-Encoding": encoding}
    old, new = client.get(path, headers=headers), client.get(DEMO + path, headers=headers)
    assert old.status_code == new.status_code == 200
    assert old.get_data() == new.get_data()
    for header in ("ETag", "Last-Modified", "Cache-Control", "Content-Type",
                   "Content-Disposition", "Vary", "Content-Encoding"):
        assert old.headers.get(header) == new.headers.get(header), header
    # A calendar app polling the old address with the new one's validators: 304.
    again = client.get(path, headers={**headers, "If-None-Match": new.headers["ETag"]})
    assert again.status_code == 304


def test_old_feeds_keep_their_uids(app, client, two_events, demo_by_default):
    from summit.calendar.content import stable_id

    old = client.get("/calendar.ics").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.slug == "embedded-china-2020")).one()
        sessions = db.session.scalars(
            select(ProgrammeSession.id).where(ProgrammeSession.event_id == event.id)).all()
        # What the first version's UIDs were made of: the site and the event's slug.
        expected = {stable_id("localhost", event, "session", item) for item in sessions}
    assert set(re.findall(r"^UID:(.*)\r$", old, re.M)) == expected


def test_a_draft_is_404_to_the_public_and_open_to_its_organizers(app, client, two_events):
    set_status(app, "spring-2030", EventStatus.DRAFT)
    session_id = two_events["spring_session"]
    addresses = ["/", "/agenda", "/forums/robotics", f"/sessions/{session_id}", "/speakers",
                 "/register", "/calendar.ics", "/forums/robotics/calendar.ics",
                 f"/sessions/{session_id}.ics", "/schedule.xml", "/schedule.json",
                 "/schedule.csv"]
    for address in addresses:
        assert client.get(SPRING + address).status_code == 404, address
    assert client.post(f"{SPRING}/register", data=form_fields()).status_code == 404

    sign_in(app, client, Role.ORGANIZER, "spring@summit.example.org",
            events=[two_events["spring"]])
    for address in addresses:
        assert client.get(SPRING + address).status_code == 200, address
    page = client.get(f"{SPRING}/agenda?lang=en")
    assert "Draft: only its organizers" in page_text(page)
    assert "private" in page.headers["Cache-Control"]
    assert "private" in client.get(f"{SPRING}/calendar.ics").headers["Cache-Control"]
    assert "Draft" not in page_text(client.get(f"{DEMO}/agenda?lang=en"))


def test_a_draft_stays_hidden_from_another_events_organizer_and_open_to_administrators(
    app, two_events
):
    set_status(app, "spring-2030", EventStatus.DRAFT)
    other = app.test_client()
    with app.app_context():
        demo = db.session.scalars(select(Event.id).where(Event.slug == "embedded-china-2020")
                                  ).one()
    sign_in(app, other, Role.ORGANIZER, "demo-organizer@summit.example.org", events=[demo])
    assert other.get(f"{SPRING}/agenda").status_code == 404
    assert "Spring Summit 2030" not in page_text(other.get("/?lang=en"))

    administrator = app.test_client()
    sign_in(app, administrator, Role.ADMIN)
    assert administrator.get(f"{SPRING}/agenda").status_code == 200
    listing = page_text(administrator.get("/?lang=en"))
    assert "Spring Summit 2030" in listing and "Draft" in listing


def test_an_archived_edition_is_public_and_refuses_registrations(app, client, two_events):
    set_status(app, "embedded-china-2020", EventStatus.ARCHIVED)
    assert client.get(f"{DEMO}/agenda").status_code == 200
    assert client.get(f"{DEMO}/calendar.ics").status_code == 200
    form = page_text(client.get(f"{DEMO}/register?lang=en"))
    assert "registration is closed" in form
    assert "Register now" not in page_text(client.get(f"{DEMO}/?lang=en"))

    # The form is gone; a page still open from before sends it anyway.
    token = csrf_token(client, f"{SPRING}/register")
    refused = client.post(f"{DEMO}/register?lang=en", data={"csrf_token": token, **form_fields()})
    assert refused.status_code == 403
    assert "This edition is over and kept as an archive: registration is closed." in (
        page_text(refused))
    with app.app_context():
        assert db.session.scalars(select(Registration)).first() is None


def test_the_front_page_lists_coming_events_and_the_archive(app, client, two_events):
    listing = client.get("/?lang=en")
    assert listing.status_code == 200
    text = page_text(listing)
    coming, archive = text.split("Archive: past editions")
    assert "Spring Summit 2030" in coming and "Embedded China" not in coming
    assert "Embedded China" in archive
    html = listing.get_data(as_text=True)
    assert f'href="{SPRING}/"' in html and f'href="{DEMO}/"' in html
    assert "2030春季大会" in page_text(client.get("/?lang=zh"))

    # Archived, even before it has ended: in the archive.
    set_status(app, "spring-2030", EventStatus.ARCHIVED)
    coming, archive = page_text(client.get("/?lang=en")).split("Archive: past editions")
    assert "Spring Summit 2030" in archive and "No event is coming up yet." in coming


def test_the_front_page_goes_straight_to_the_only_event(app, client, two_events):
    set_status(app, "spring-2030", EventStatus.DRAFT)
    response = client.get("/?lang=en")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{DEMO}/?lang=en"


def test_the_sites_own_addresses_win_over_an_events_slug(app, client, two_events):
    with app.app_context():
        for slug in ("healthz", "admin", "static", "robots.txt", "favicon.ico", "r"):
            db.session.add(Event(slug=slug, name_en=slug, starts_on=date(2030, 1, 1),
                                 ends_on=date(2030, 1, 1), timezone="UTC"))
        db.session.commit()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/admin/").status_code == 302  # to the sign-in page
    assert client.get("/static/css/summit.css").status_code == 200
    assert client.get("/robots.txt").get_data(as_text=True).startswith("User-agent: *")
    assert client.get("/favicon.ico").mimetype == "image/svg+xml"
    assert client.get("/r/not-a-real-token-at-all-x").status_code == 404


def test_a_private_link_serves_its_own_event(app, client, two_events):
    from summit.registration import service
    from summit.registration.service import AttendeeDetails

    with app.app_context(), serving_at("http://localhost"):
        token = service.register(
            db.session, db.session.get(Event, two_events["spring"]),
            AttendeeDetails(full_name="李雷", email="li@example.cn"), [],
        ).registration.token
    page = client.get(f"/r/{token}?lang=en")
    assert page.status_code == 200
    assert "Spring Summit 2030" in page_text(page)
    assert f'href="{SPRING}/agenda"' in page.get_data(as_text=True)
    assert "Spring Summit 2030" in client.get(f"/r/{token}/calendar.ics?lang=en").get_data(
        as_text=True)


def test_mails_link_to_the_events_own_addresses(app, client, two_events):
    client.get(f"{DEMO}/register?lang=en")
    assert post_registration(client).status_code == 302
    (mail,) = outbox_mails(app)
    body = mail.get_body(("plain",)).get_content()
    assert f"http://localhost{DEMO}/agenda" in body


def test_the_error_page_of_an_unknown_event_switches_language_in_place(client, two_events):
    response = client.get("/no-such-event/agenda?forum=x&lang=en")
    assert response.status_code == 404
    assert 'href="/no-such-event/agenda?forum=x&amp;lang=zh"' in response.get_data(as_text=True)
