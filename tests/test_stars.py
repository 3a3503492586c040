"""Starred sessions through an attendee's private link: the personal agenda stars and
unstars (CSRF-protected), the private page lists them and takes the browser's stars in
one click, and the personal calendar feed, read by two real iCal parsers, holds each
starred session once beside the sessions of the attendee's forums."""

from __future__ import annotations

import re

import icalendar
import vobject
from sqlalchemy import select

from summit.extensions import db
from summit.models import ProgrammeSession, SessionKind, SessionStar

from .helpers.pages import page_text
from .helpers.programme import forum_by_slug
from .helpers.registrations import register_directly

CSRF_TOKEN = 'name="csrf_token" value="'


def sessions_of(slug: str) -> list[ProgrammeSession]:
    return sorted((item for item in db.session.scalars(select(ProgrammeSession))
                   if item.forum.slug == slug and item.kind != SessionKind.BREAK),
                  key=lambda item: item.starts_at)


def attendee(app, demo_event, forums=("chip-machine",)) -> tuple[str, dict[str, int]]:
    """A confirmed registration with a seat in ``forums``; its token and a few session ids:
    one of the main forum, one of its own forum, two of a forum where it has no seat."""
    with app.app_context():
        token = register_directly(demo_event, "star@example.cn",
                                  [forum_by_slug(slug).id for slug in forums]).token
        other = sessions_of("yrd-education-talent")
        ids = {"main": sessions_of("main")[0].id, "own": sessions_of("chip-machine")[0].id,
               "other": other[0].id, "other2": other[1].id}
    return token, ids


def token_of_page(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    start = html.index(CSRF_TOKEN) + len(CSRF_TOKEN)
    return html[start:html.index('"', start)]


def star(client, token: str, session_id: int, starred: bool = True, back: str = "agenda",
         csrf: str | None = None):
    return client.post(f"/r/{token}/stars", data={
        "csrf_token": csrf if csrf is not None else token_of_page(client, f"/r/{token}/agenda"),
        "session": session_id, "starred": "y" if starred else "n", "back": back})


def feed_sessions(client, token: str) -> list[int]:
    """The ids of the sessions in the attendee's feed (from each VEVENT's page address),
    in the feed's order; vobject reads the same events."""
    body = client.get(f"/r/{token}/calendar.ics").get_data()
    parsed = icalendar.Calendar.from_ical(body)
    events = parsed.walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events) == sorted(
        e.uid.value for e in vobject.readOne(body.decode()).contents.get("vevent", []))
    return [int(re.search(r"/sessions/(\d+)", str(e["URL"])).group(1)) for e in events]


def test_a_starred_session_joins_the_feed_once_and_its_forums_sessions_stay_once(
    app, client, demo_event
):
    token, ids = attendee(app, demo_event)
    before = feed_sessions(client, token)
    assert ids["other"] not in before and ids["main"] in before and ids["own"] in before

    for session_id in (ids["other"], ids["main"], ids["own"], ids["other"]):
        assert star(client, token, session_id).status_code == 302
    after = feed_sessions(client, token)
    assert len(after) == len(set(after)) == len(before) + 1
    assert sorted(after) == sorted([*before, ids["other"]])

    assert star(client, token, ids["other"], starred=False).status_code == 302
    assert feed_sessions(client, token) == before


def test_the_feed_answers_anew_after_a_star_and_304_until_then(app, client, demo_event):
    token, ids = attendee(app, demo_event)
    first = client.get(f"/r/{token}/calendar.ics")
    assert client.get(f"/r/{token}/calendar.ics",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    star(client, token, ids["other"])
    again = client.get(f"/r/{token}/calendar.ics",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert again.headers["Last-Modified"] != first.headers["Last-Modified"] or \
        again.headers["ETag"] != first.headers["ETag"]


def test_the_private_page_lists_starred_sessions_and_marks_a_forum_without_seat(
    app, client, demo_event
):
    token, ids = attendee(app, demo_event)
    star(client, token, ids["own"])
    star(client, token, ids["other"])
    client.set_cookie("lang", "en")
    page = client.get(f"/r/{token}")
    with app.app_context():
        own, other = (db.session.get(ProgrammeSession, ids[key]).title_en
                      for key in ("own", "other"))
    html = page.get_data(as_text=True)
    items = re.findall(r"<li[^>]*>(.*?)</li>", html[html.index('id="starred"'):], re.S)[:2]
    assert [own in items[0], other in items[1]] == [True, True]
    assert ["No seat in this forum" in item for item in items] == [False, True]
    assert "a star marks what you plan to attend, not a seat" in page_text(page).lower()

    agenda = client.get(f"/r/{token}/agenda")
    assert agenda.status_code == 200
    assert agenda.headers["Referrer-Policy"] == "no-referrer"
    assert agenda.headers["Cache-Control"] == "private, no-store"
    assert agenda.get_data(as_text=True).count('aria-pressed="true"') == 2


def test_starring_needs_the_forms_token_and_a_session_of_the_event(app, client, demo_event):
    token, ids = attendee(app, demo_event)
    token_of_page(client, f"/r/{token}/agenda")  # a session with a token exists
    assert star(client, token, ids["other"], csrf="forged").status_code == 400
    assert star(client, token, 999_999).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(SessionStar)).all() == []


def test_one_attendees_link_never_stars_for_another(app, client, demo_event):
    token, ids = attendee(app, demo_event)
    with app.app_context():
        other = register_directly(demo_event, "other@example.cn", []).token
    star(client, other, ids["other"])
    with app.app_context():
        [only] = db.session.scalars(select(SessionStar)).all()
        assert only.registration.email == "other@example.cn"
    assert ids["other"] not in feed_sessions(client, token)


def test_the_browsers_stars_come_in_with_one_click_without_duplicates(app, client, demo_event):
    token, ids = attendee(app, demo_event)
    star(client, token, ids["other"])
    client.set_cookie("lang", "en")
    csrf = token_of_page(client, f"/r/{token}")
    sessions = f"{ids['other']},{ids['other2']},{ids['main']},999999"
    response = client.post(f"/r/{token}/stars/import",
                           data={"csrf_token": csrf, "sessions": sessions})
    assert response.status_code == 302
    assert "2 starred sessions were added to your agenda." in page_text(
        client.get(response.headers["Location"]))
    with app.app_context():
        starred = sorted(s.session_id for s in db.session.scalars(select(SessionStar)))
    assert starred == sorted([ids["other"], ids["other2"], ids["main"]])
    assert client.post(f"/r/{token}/stars/import",
                       data={"csrf_token": "", "sessions": sessions}).status_code == 400
    assert client.post(f"/r/{token}/stars/import",
                       data={"csrf_token": csrf, "sessions": "1;DROP"}).status_code == 400


def test_a_cancelled_registration_stars_nothing_and_its_feed_is_empty(app, client, demo_event):
    from summit.registration import service
    from summit.urls import serving_at

    token, ids = attendee(app, demo_event)
    star(client, token, ids["other"])
    with app.app_context(), serving_at("http://localhost"):
        service.cancel(db.session, service.find_by_token(db.session, token))
    assert feed_sessions(client, token) == []
    star(client, token, ids["other2"])
    with app.app_context():
        assert len(db.session.scalars(select(SessionStar)).all()) == 1


def test_public_pages_carry_browser_stars_that_need_javascript(client, demo_event):
    from .helpers.pages import DEMO

    html = client.get(f"{DEMO}/agenda").get_data(as_text=True)
    assert 'data-star-session="' in html and "js/stars.js" in html
    # Hidden until the script shows them: without JavaScript they would do nothing.
    assert html.count('data-star-session="') == html.count('aria-pressed="false" hidden')
