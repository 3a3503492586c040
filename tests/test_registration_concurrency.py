"""Real concurrency: gunicorn with several worker processes, hundreds of simultaneous
requests, and never a seat taken twice."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from summit.extensions import db
from summit.models import Forum, MailMessage, Registration, Seat, SeatStatus
from summit.registration import service

from .conftest import DEMO
from .servers import Browser, gunicorn
from .test_auth import PASSWORDS, email_of, make_accounts
from .test_registration import form_fields, forum_id, set_capacity

pytestmark = pytest.mark.slow


def database_url() -> str:
    return db.engine.url.render_as_string(hide_password=False)


def all_at_once(actions: list) -> list:
    """Run each action in its own thread; they prepare, wait for each other, then fire
    together. Returns their results in order."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index: int, action) -> None:
        fire = action()  # preparation (e.g. fetching the form's token)
        barrier.wait()
        results[index] = fire()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def registration_action(base: str, email: str, forums: list[int]):
    def prepare():
        browser = Browser(base)
        token = browser.csrf_token(f"{DEMO}/register")
        fields = {**form_fields(email=email, full_name=f"并发{email[:6]}"), "forums": forums,
                  "csrf_token": token}
        return lambda: browser.request("POST", f"{DEMO}/register", fields)[0]
    return prepare


def cancel_action(base: str, token: str):
    def prepare():
        browser = Browser(base)
        csrf = browser.csrf_token(f"/r/{token}/cancel")
        return lambda: browser.request(
            "POST", f"/r/{token}/cancel", {"csrf_token": csrf, "confirm": "y"})[0]
    return prepare


def forum_seats(forum: int) -> dict[SeatStatus, list[Seat]]:
    seats = db.session.scalars(
        select(Seat).where(Seat.forum_id == forum).order_by(Seat.queued_at, Seat.id)).all()
    grouped: dict[SeatStatus, list[Seat]] = {status: [] for status in SeatStatus}
    for seat in seats:
        grouped[seat.status].append(seat)
    return grouped


def test_200_simultaneous_registrations_for_100_seats_then_50_cancellations(
    app, demo_event, tmp_path
):
    with app.app_context():
        chip = forum_id("chip-machine")
        set_capacity(Forum, chip, 100)
        url = database_url()

    with gunicorn(url, tmp_path, workers=3, threads=8) as base:
        statuses = all_at_once([
            registration_action(base, f"delegate{n:03d}@concurrency.example.cn", [chip])
            for n in range(200)
        ])
        assert statuses == [302] * 200

        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Registration)) == 200
            seats = forum_seats(chip)
            assert len(seats[SeatStatus.CONFIRMED]) == 100
            assert len(seats[SeatStatus.WAITLISTED]) == 100
            positions = [service.seat_position(db.session, s) for s in seats[SeatStatus.WAITLISTED]]
            assert positions == list(range(1, 101))
            first_fifty_waiting = [s.registration_id for s in seats[SeatStatus.WAITLISTED][:50]]
            leaving = [s.registration.token for s in seats[SeatStatus.CONFIRMED][:50]]

        statuses = all_at_once([cancel_action(base, token) for token in leaving])
        assert statuses == [302] * 50

    with app.app_context():
        db.session.expire_all()
        seats = forum_seats(chip)
        assert len(seats[SeatStatus.CONFIRMED]) == 100
        assert len(seats[SeatStatus.CANCELLED]) == 50
        promoted = {s.registration_id for s in seats[SeatStatus.CONFIRMED]}
        assert set(first_fifty_waiting) <= promoted
        still_waiting = seats[SeatStatus.WAITLISTED]
        assert len(still_waiting) == 50
        assert [service.seat_position(db.session, s) for s in still_waiting] == list(range(1, 51))
        promotion_mails = db.session.scalar(select(func.count()).where(
            MailMessage.kind == "promotion"))
        assert promotion_mails == 50


def test_20_simultaneous_posts_with_one_address_make_one_registration(
    app, demo_event, tmp_path
):
    with app.app_context():
        url = database_url()
    with gunicorn(url, tmp_path, workers=3, threads=8) as base:
        statuses = all_at_once([
            registration_action(base, "same.person@concurrency.example.cn", [])
            for _ in range(20)
        ])
    # One registers; the others are told to check the mail, up to the address's hourly
    # limit of link mails, which holds across the workers.
    limit = service.LINK_MAILS_PER_HOUR
    assert sorted(statuses) == [200] * limit + [302] + [429] * (19 - limit)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
        kinds = sorted(db.session.scalars(select(MailMessage.kind)).all())
        assert kinds == ["confirmation"] + ["link"] * limit


def sign_in_action(base: str, email: str, password: str):
    def prepare():
        browser = Browser(base)
        token = browser.csrf_token("/admin/login")
        fields = {"csrf_token": token, "email": email, "password": password}
        return lambda: browser.request("POST", "/admin/login", fields)[0]
    return prepare


def test_organizers_sign_in_while_delegates_register(app, demo_event, tmp_path):
    # A sign-in reads the throttle's count after committing its attempt, then writes:
    # on SQLite that second transaction must wait for the write lock like the first.
    accounts = make_accounts(app)
    with app.app_context():
        url = database_url()
    with gunicorn(url, tmp_path, workers=3, threads=8) as base:
        for round_ in range(3):
            statuses = all_at_once([
                *(sign_in_action(base, email_of(role), PASSWORDS[role]) for role in accounts),
                *(registration_action(base, f"d{round_}-{n:02d}@signin.example.cn", [])
                  for n in range(30)),
            ])
            assert statuses == [302] * 33
