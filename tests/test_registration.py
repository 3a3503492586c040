"""Online registration: the form, seats and waiting lists, the private link, mail."""

from __future__ import annotations

import logging
import re
import secrets
import sqlite3
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from summit.extensions import db
from summit.models import (
    Event,
    Forum,
    MailMessage,
    Registration,
    RegistrationStatus,
    SeatStatus,
    utcnow,
)
from summit.registration import service
from summit.registration.seats import (
    LockNotHeld,
    event_position,
    lock_registration,
    seat_position,
    seats_left,
    withdraw,
)
from summit.registration.service import AttendeeDetails
from summit.urls import serving_at

from .helpers.pages import DEMO, csrf_token, page_text
from .helpers.registrations import (
    LINK_BASE,
    form_fields,
    forum_id,
    outbox_mails,
    post_registration,
    register_directly,
    registrations,
    set_capacity,
)

# --- the form -----------------------------------------------------------------


def test_the_form_shows_each_parallel_forum_with_its_free_seats(client, demo_event):
    text = page_text(client.get(f"{DEMO}/register?lang=en"))
    assert "120 seats left" in text and "80 seats left" in text
    form = client.get(f"{DEMO}/register?lang=zh").get_data(as_text=True)
    assert "5G与人工智能及大数据融合" in form


def test_registering_in_chinese_seats_the_attendee_and_mails_the_private_link(
    app, client, demo_event
):
    client.get(f"{DEMO}/register?lang=zh")
    with app.app_context():
        # Thursday afternoon and Friday morning: forums that do not run at the same time.
        chosen = [forum_id("5g-ai-big-data"), forum_id("yrd-embedded-innovation")]
    response = post_registration(client, forums=chosen, email="Liu.YunJie@PML.example.cn ")
    assert response.status_code == 302
    with app.app_context():
        (registration,) = registrations()
        assert registration.email == "liu.yunjie@pml.example.cn"
        assert registration.full_name == "刘韵洁"
        assert registration.locale == "zh"
        assert registration.status == RegistrationStatus.CONFIRMED
        assert {seat.forum_id: seat.status for seat in registration.seats} == {
            chosen[0]: SeatStatus.CONFIRMED, chosen[1]: SeatStatus.CONFIRMED,
        }
        token = registration.token
    assert response.headers["Location"].endswith(f"/r/{token}")
    page = client.get(f"/r/{token}?lang=en")
    assert page.headers["Cache-Control"] == "private, no-store"
    text = page_text(page)
    assert "刘韵洁" in text and "Seat confirmed" in text

    (mail,) = outbox_mails(app)
    assert mail["To"].addresses[0].addr_spec == "liu.yunjie@pml.example.cn"
    body = mail.get_body(("plain",)).get_content()
    assert f"{LINK_BASE_OF_TEST_CLIENT}/r/{token}" in body


LINK_BASE_OF_TEST_CLIENT = "http://localhost"


def test_the_token_is_random_long_and_not_the_primary_key(app, demo_event):
    assert list(Registration.__table__.primary_key.columns.keys()) == ["id"]
    with app.app_context():
        first = register_directly(demo_event, "a@summit.example.org", [])
        second = register_directly(demo_event, "b@summit.example.org", [])
        for registration in (first, second):
            assert len(registration.token) >= 43  # 32 random bytes, URL-safe
            assert registration.checkin_code not in registration.token
        # Consecutive registrations get unrelated tokens.
        assert first.token[:8] != second.token[:8]


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"full_name": ""}, "full_name", "Please enter your name."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address"),
        ({"phone": "call me"}, "phone", "Enter a phone number"),
        ({"organisation": " "}, "organisation", "Please enter your organisation."),
        ({"full_name": "刘\x00韵洁"}, "full_name", "cannot be printed"),
        ({"full_name": "x" * 101}, "full_name", "At most 100 characters."),
        ({"latin_name": "刘韵洁"}, "latin_name", "Latin letters only"),
        ({"consent": ""}, "consent", "Please agree"),
        ({"category": "vip"}, "category", "Not a valid choice"),
    ],
)
def test_invalid_input_is_explained_next_to_the_field_and_saves_nothing(
    app, client, demo_event, overrides, field, message
):
    client.get(f"{DEMO}/register?lang=en")
    response = post_registration(client, **overrides)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error and message in error.group(1)
    assert re.search(rf'aria-describedby="[^"]*{field}-error"', html)
    with app.app_context():
        assert registrations() == []


def test_a_form_with_a_mistake_is_answered_while_another_writer_holds_sqlite(
    app, client, backend, demo_event
):
    if backend != "sqlite":
        pytest.skip("PostgreSQL locks rows, not the whole database")
    client.get(f"{DEMO}/register?lang=en")
    with app.app_context():
        database_file = db.engine.url.database
    writer = sqlite3.connect(database_file, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another worker in the middle of a registration
        started = time.monotonic()
        response = post_registration(client, email="not-an-address")
        waited = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    # Only reads: answered at once, not after the writer (or the 30 s busy timeout).
    assert response.status_code == 422
    assert waited < 10


def test_an_unknown_forum_is_refused(app, client, demo_event):
    response = post_registration(client, forums=["999999"])
    assert response.status_code == 422
    assert "所选论坛中有一个已不存在。" in response.get_data(as_text=True)
    with app.app_context():
        assert registrations() == []


def test_the_main_forum_cannot_be_chosen_as_a_seat(app, client, demo_event):
    with app.app_context():
        main = forum_id("main")
    response = post_registration(client, forums=[main])
    assert response.status_code == 422
    assert "所选论坛中有一个已不存在。" in response.get_data(as_text=True)
    with app.app_context():
        assert registrations() == []


def test_the_honeypot_stops_bots(app, client, demo_event):
    response = post_registration(client, website="http://spam.example")
    assert response.status_code == 422
    with app.app_context():
        assert registrations() == []


def test_a_post_without_csrf_token_is_a_friendly_400(app, client, demo_event):
    response = client.post(f"{DEMO}/register?lang=en", data=form_fields())
    assert response.status_code == 400
    assert "This form has expired" in page_text(response)
    with app.app_context():
        assert registrations() == []


def test_a_client_that_never_follows_the_redirect_keeps_a_small_session_cookie(
    app, client, demo_event
):
    """Each success leaves a message for the next page in the session cookie; a script
    that posts again and again without reading them must not grow it past what browsers
    keep (4 KB), nor lose its session with it."""
    token = csrf_token(client, f"{DEMO}/register")
    # Addresses that do not compress into each other, as a script's would not.
    addresses = [f"{secrets.token_hex(8)}@example.cn" for _ in range(12)]
    cookie_sizes = []
    for address in addresses:
        fields = form_fields(email=address)
        response = client.post(f"{DEMO}/register", data={"csrf_token": token, **fields})
        assert response.status_code == 302
        cookie_sizes.append(len(client.get_cookie("session").value))
    # Each unread message would add some 30 bytes even compressed.
    assert cookie_sizes[-1] - cookie_sizes[3] < 30 and cookie_sizes[-1] < 1000
    text = page_text(client.get(f"{DEMO}/?lang=en"))
    assert addresses[-1] in text and addresses[0] not in text
    with app.app_context():
        assert len(registrations()) == 12


def test_same_email_twice_resends_the_link_and_reveals_nothing(app, client, demo_event):
    assert post_registration(client).status_code == 302
    other = app.test_client()
    other.get(f"{DEMO}/register?lang=en")
    response = post_registration(
        other, email="LIU.YUNJIE@pml.example.cn", full_name="冒名者", organisation="别处"
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "already registered" in text and "We have sent a mail to it" in text
    assert "刘韵洁" not in text and "紫金山实验室" not in text
    with app.app_context():
        (registration,) = registrations()
        assert registration.full_name == "刘韵洁"
        kinds = db.session.scalars(select(MailMessage.kind).order_by(MailMessage.id)).all()
        assert kinds == ["confirmation", "link"]


@pytest.mark.parametrize("opens, closes, phrase", [(1, None, "Registration opens on"),
                                                    (None, -1, "Registration closed on")])
def test_outside_the_registration_window_the_page_says_so_and_accepts_nothing(
    app, client, demo_event, opens, closes, phrase
):
    token = csrf_token(client, f"{DEMO}/register?lang=en")
    with app.app_context():
        event = db.session.get(Event, demo_event)
        now = utcnow()
        event.registration_opens_at = now + timedelta(days=opens) if opens else None
        event.registration_closes_at = now + timedelta(days=closes) if closes else None
        db.session.commit()
    page = client.get(f"{DEMO}/register?lang=en")
    assert phrase in page_text(page)
    assert 'name="full_name"' not in page.get_data(as_text=True)
    response = client.post(f"{DEMO}/register?lang=en", data={"csrf_token": token, **form_fields()})
    assert response.status_code == 403
    assert phrase in page_text(response)
    with app.app_context():
        assert registrations() == []


# --- seats and waiting lists ---------------------------------------------------------


def test_a_full_forum_puts_people_on_its_waiting_list_in_arrival_order(app, demo_event):
    with app.app_context():
        chip = forum_id("chip-machine")
        set_capacity(Forum, chip, 2)
        people = [register_directly(demo_event, f"p{n}@summit.example.org", [chip])
                  for n in range(5)]
        statuses = [p.seats[0].status for p in people]
        assert statuses == [SeatStatus.CONFIRMED] * 2 + [SeatStatus.WAITLISTED] * 3
        assert [seat_position(db.session, p.seats[0]) for p in people[2:]] == [1, 2, 3]
        assert seats_left(db.session, [db.session.get(Forum, chip)]) == {chip: 0}


def test_dropping_a_forum_promotes_the_first_in_line_and_mails_them(app, demo_event):
    with app.app_context(), serving_at(LINK_BASE):
        # Thursday afternoon and Friday morning: forums that do not run at the same time.
        chip, ai = forum_id("chip-machine"), forum_id("yrd-embedded-innovation")
        set_capacity(Forum, chip, 1)
        seated = register_directly(demo_event, "seated@summit.example.org", [chip, ai])
        first = register_directly(demo_event, "first@summit.example.org", [chip])
        second = register_directly(demo_event, "second@summit.example.org", [chip])
        db.session.query(MailMessage).delete()
        db.session.commit()

        service.change_forums(db.session, seated, [ai])

        seats = {r.email: r.seats[0] for r in (first, second)}
        db.session.refresh(seats["first@summit.example.org"])
        db.session.refresh(seats["second@summit.example.org"])
        assert seats["first@summit.example.org"].status == SeatStatus.CONFIRMED
        assert seats["second@summit.example.org"].status == SeatStatus.WAITLISTED
        assert seat_position(db.session, seats["second@summit.example.org"]) == 1
        kept = {s.forum_id: s.status for s in seated.seats}
        assert kept == {chip: SeatStatus.CANCELLED, ai: SeatStatus.CONFIRMED}
        mails = db.session.execute(select(MailMessage.kind, MailMessage.recipient)).all()
        assert mails == [("promotion", "first@summit.example.org")]


def test_a_forum_kept_keeps_its_place_in_line(app, demo_event):
    with app.app_context(), serving_at(LINK_BASE):
        chip, edu = forum_id("chip-machine"), forum_id("yrd-education-talent")
        set_capacity(Forum, chip, 1)
        register_directly(demo_event, "holder@summit.example.org", [chip])
        waiting = register_directly(demo_event, "waiting@summit.example.org", [chip])
        later = register_directly(demo_event, "later@summit.example.org", [chip])
        service.change_forums(db.session, waiting, [chip, edu])
        positions = {s.forum_id: seat_position(db.session, s) for s in waiting.seats}
        assert positions == {chip: 1, edu: None}
        assert seat_position(db.session, later.seats[0]) == 2


def test_the_event_capacity_waitlists_whole_registrations_and_cancel_admits_the_next(
    app, demo_event
):
    with app.app_context(), serving_at(LINK_BASE):
        chip = forum_id("chip-machine")
        set_capacity(Event, demo_event, 2)
        a = register_directly(demo_event, "a@summit.example.org", [chip])
        b = register_directly(demo_event, "b@summit.example.org", [chip])
        c = register_directly(demo_event, "c@summit.example.org", [chip])
        d = register_directly(demo_event, "d@summit.example.org", [])
        assert [r.status for r in (a, b, c, d)] == [RegistrationStatus.CONFIRMED] * 2 + [
            RegistrationStatus.WAITLISTED] * 2
        assert event_position(db.session, d) == 2
        # Waiting for the event, c holds no seat yet but keeps its forum choice.
        assert c.seats[0].status == SeatStatus.WAITLISTED

        service.cancel(db.session, a)

        db.session.expire_all()
        assert db.session.get(Registration, c.id).status == RegistrationStatus.CONFIRMED
        assert db.session.get(Registration, c.id).seats[0].status == SeatStatus.CONFIRMED
        assert event_position(db.session, db.session.get(Registration, d.id)) == 1
        kinds = db.session.execute(
            select(MailMessage.recipient, MailMessage.kind).where(
                MailMessage.kind.in_(["promotion", "cancellation"]))
        ).all()
        assert sorted(kinds) == [("a@summit.example.org", "cancellation"),
                                 ("c@summit.example.org", "promotion")]


def test_a_place_in_a_forums_line_counts_only_people_admitted_to_the_event(app, demo_event):
    with app.app_context(), serving_at(LINK_BASE):
        chip = forum_id("chip-machine")
        set_capacity(Event, demo_event, 1)
        set_capacity(Forum, chip, 0)
        admitted = register_directly(demo_event, "admitted@summit.example.org", [])
        waiting = register_directly(demo_event, "waiting@summit.example.org", [chip])
        assert waiting.status == RegistrationStatus.WAITLISTED
        assert waiting.seats[0].status == SeatStatus.WAITLISTED

        # Joining the forum's line after someone who is still waiting for the event.
        service.change_forums(db.session, admitted, [chip])

        assert seat_position(db.session, admitted.seats[0]) == 1


def test_a_cancelled_registration_comes_back_only_through_its_mail_with_a_new_link(
    app, demo_event
):
    with app.app_context(), serving_at(LINK_BASE):
        first = register_directly(demo_event, "again@summit.example.org", [])
        token = first.token
        service.cancel(db.session, first)
        event = db.session.get(Event, demo_event)
        typed = service.register(
            db.session, event,
            AttendeeDetails(full_name="回来了", email="Again@summit.example.org"), [],
        )
        assert not typed.created and typed.mailed
        assert typed.registration.status == RegistrationStatus.CANCELLED
        key = service.register_again_key(app.secret_key, typed.registration)
        found = service.find_by_register_again_key(db.session, app.secret_key, key, demo_event)
        result = service.register_again(
            db.session, found, AttendeeDetails(full_name="回来了", email="other@x.cn"), [],
        )
        assert result.registration.status == RegistrationStatus.CONFIRMED
        assert result.registration.email == "again@summit.example.org"
        assert result.token != token and service.find_by_token(db.session, token) is None
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
        # The key worked once: the registration it named has a new secret now.
        assert service.find_by_register_again_key(
            db.session, app.secret_key, key, demo_event) is None


# --- the attendee's own page --------------------------------------------------------


def test_attendee_changes_forums_and_cancels_through_the_private_link(app, client, demo_event):
    with app.app_context():
        chip, ai = forum_id("chip-machine"), forum_id("5g-ai-big-data")
        registration = register_directly(demo_event, "me@summit.example.org", [chip])
        token = registration.token
    page = f"/r/{token}?lang=en"
    response = client.post(f"/r/{token}/forums", data={
        "csrf_token": csrf_token(client, page), "forums": [ai]})
    assert response.status_code == 302
    text = page_text(client.get(page))
    assert "Forums you keep" in text and "Your forums have been updated." in text

    with app.app_context():
        seats = {s.forum_id: s.status for s in service.find_by_token(db.session, token).seats}
        assert seats == {chip: SeatStatus.CANCELLED, ai: SeatStatus.CONFIRMED}

    cancel_page = client.get(f"/r/{token}/cancel?lang=en")
    assert "do you really want to cancel" in page_text(cancel_page)
    unconfirmed = client.post(f"/r/{token}/cancel", data={
        "csrf_token": csrf_token(client, f"/r/{token}/cancel")})
    assert unconfirmed.status_code == 422
    with app.app_context():
        assert service.find_by_token(db.session, token).status == RegistrationStatus.CONFIRMED
    confirmed = client.post(f"/r/{token}/cancel", data={
        "csrf_token": csrf_token(client, f"/r/{token}/cancel"), "confirm": "y"})
    assert confirmed.status_code == 302
    assert "Cancelled" in page_text(client.get(page))
    with app.app_context():
        assert service.find_by_token(db.session, token).status == RegistrationStatus.CANCELLED


def test_the_attendee_page_shows_the_place_in_line(app, client, demo_event):
    with app.app_context():
        chip = forum_id("chip-machine")
        set_capacity(Forum, chip, 0)
        register_directly(demo_event, "one@summit.example.org", [chip])
        second = register_directly(demo_event, "two@summit.example.org", [chip])
        token = second.token
    assert "Waiting list: number 2" in page_text(client.get(f"/r/{token}?lang=en"))


def test_resend_link_queues_the_mail(app, client, demo_event):
    with app.app_context():
        token = register_directly(demo_event, "resend@summit.example.org", []).token
    response = client.post(f"/r/{token}/resend", data={
        "csrf_token": csrf_token(client, f"/r/{token}")})
    response.close()
    assert response.status_code == 302
    with app.app_context():
        kinds = db.session.scalars(select(MailMessage.kind).order_by(MailMessage.id)).all()
        assert kinds == ["confirmation", "link"]
    resent = outbox_mails(app)[-1]
    assert f"/r/{token}" in resent.get_body(("plain",)).get_content()


def test_unknown_truncated_and_other_tokens_give_404(app, client, demo_event):
    with app.app_context():
        mine = register_directly(demo_event, "mine@summit.example.org", []).token
        theirs = register_directly(demo_event, "theirs@summit.example.org", [])
        their_id = theirs.id
    for bad in ("nope", mine[:-1], mine[:20], mine + "x", str(their_id), "../admin"):
        assert client.get(f"/r/{bad}").status_code == 404, bad
    csrf = csrf_token(client, f"/r/{mine}")
    assert client.post(f"/r/{mine[:-2]}/cancel", data={
        "csrf_token": csrf, "confirm": "y"}).status_code == 404
    with app.app_context():
        assert service.find_by_token(db.session, mine).status == RegistrationStatus.CONFIRMED


def test_tokens_never_reach_the_logs(app, client, demo_event, caplog):
    with app.app_context():
        token = register_directly(demo_event, "quiet@summit.example.org", []).token
    from summit.log_redaction import RedactTokens

    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                               '%s - - "%s" %s', ("127.0.0.1", f"GET /r/{token} HTTP/1.1",
                                                  "200"), None)
    assert RedactTokens().filter(record)
    assert token not in record.getMessage()
    assert "/r/[redacted]" in record.getMessage()
    with caplog.at_level(logging.INFO):
        app.logger.info("visit %s", f"/r/{token}/calendar.ics")
    assert token not in caplog.text


def test_a_lock_is_refused_once_its_transaction_has_ended(app, demo_event):
    with app.app_context(), serving_at(LINK_BASE):
        registration = register_directly(demo_event, "late@summit.example.org", [])
        locked, registration = lock_registration(db.session, registration)
        db.session.commit()
        with pytest.raises(LockNotHeld):
            withdraw(db.session, locked, registration)
        db.session.rollback()
        assert db.session.get(Registration, registration.id).status == RegistrationStatus.CONFIRMED
