"""Everything behind a private link answers alike: the same lookup (a token serves its
own event; a wrong one is a 404) and the same headers (no cache keeps it, no referrer carries the
address on, no search engine lists it), whatever the address and its answer."""

from __future__ import annotations

from datetime import date

import pytest

from summit.extensions import db
from summit.models import Event
from summit.registration import service
from summit.urls import serving_at

from .helpers.pages import CSRF_FIELD
from .helpers.registrations import LINK_BASE, register_directly

PRIVATE_ADDRESSES = ("/r/<token>", "/<event_slug>/register/again/<key>")


def registered(event_id: int, email: str):
    return register_directly(event_id, email, [])


@pytest.fixture
def private_links(app, demo_event) -> dict[str, str]:
    """An attendee's token, and the key a cancelled one got to register again."""
    with app.app_context():
        token = registered(demo_event, "own@summit.example.org").token
        leaver = registered(demo_event, "leaver@summit.example.org")
        with serving_at(LINK_BASE):
            service.cancel(db.session, leaver)
        return {"token": token, "key": service.register_again_key(app.secret_key, leaver),
                "cancelled_token": leaver.token, "event_slug": leaver.event.slug}


def assert_private(response, what) -> None:
    headers = response.headers
    assert headers["Referrer-Policy"] == "no-referrer", what
    assert headers["X-Robots-Tag"] == "noindex", what
    # A calendar app checks its feed back with the ETag; nothing else is kept at all.
    feed = response.mimetype == "text/calendar"
    assert headers["Cache-Control"] == ("private, no-cache" if feed else "private, no-store"), what


def test_every_private_address_answers_with_the_private_headers(app, client, private_links):
    own_page = client.get(f"/r/{private_links['token']}").get_data(as_text=True)
    form = {"csrf_token": CSRF_FIELD.search(own_page).group(1)}
    checked = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PRIVATE_ADDRESSES):
            continue
        path = rule.build(private_links, append_unknown=False)[1]
        # A POST with nothing filled in is refused, and the refusal is as private as the page.
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(path, method=method, data=form if method == "POST" else None)
            response.close()
            assert response.status_code < 500, (method, path)
            assert_private(response, (method, path, response.status_code))
            checked.add(rule.endpoint)
    assert checked == {
        "attendee.page", "attendee.change_forums", "attendee.change_answers", "attendee.cancel",
        "attendee.resend", "attendee.agenda", "attendee.star", "attendee.import_stars",
        "registration.register_again", "attendee.calendar", "badges.attendee_badge",
        "badges.attendee_certificate",
    }


def test_a_cancelled_registrations_badge_refusal_is_private_too(client, private_links):
    response = client.get(f"/r/{private_links['cancelled_token']}/badge.pdf")
    assert response.status_code == 410
    assert_private(response, "badge of a cancelled registration")


@pytest.mark.parametrize("suffix", ["", "/cancel", "/calendar.ics", "/badge.pdf"])
def test_a_token_serves_its_own_event_at_every_private_address(
    app, client, private_links, suffix
):
    with app.app_context():
        # An earlier edition, so the demo stays the default event.
        other = Event(slug="other-2019", name_en="Other 2019", starts_on=date(2019, 5, 1),
                      ends_on=date(2019, 5, 1), timezone="Asia/Shanghai")
        db.session.add(other)
        db.session.commit()
        token = registered(other.id, "elsewhere@summit.example.org").token
    for own_token, own_event, slug in ((token, "Other 2019", "other-2019"),
                                       (private_links["token"], "Embedded China", "embedded")):
        answer = client.get(f"/r/{own_token}{suffix}?lang=en")
        assert answer.status_code == 200
        if suffix == "/badge.pdf":
            assert f"badge-{slug}" in answer.headers["Content-Disposition"]
        else:
            text = answer.get_data(as_text=True)
            assert own_event in text
            assert ({"Other 2019", "Embedded China"} - {own_event}).pop() not in text
    assert client.get(f"/r/{'x' * 43}{suffix}").status_code == 404
