"""Many visitors at the same moment against a real server (see servers.py), and the seats
they end up with."""

from __future__ import annotations

import contextlib
import threading

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from summit.extensions import db
from summit.models import Seat, SeatStatus

from ..servers import Browser
from .pages import DEMO
from .registrations import form_fields


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
    """For all_at_once: a visitor who fetches the form, then posts a registration."""
    def prepare():
        browser = Browser(base)
        token = browser.csrf_token(f"{DEMO}/register")
        fields = {**form_fields(email=email, full_name=f"并发{email[:6]}"), "forums": forums,
                  "csrf_token": token}
        return lambda: browser.request("POST", f"{DEMO}/register", fields)[0]
    return prepare


def forum_seats(forum: int) -> dict[SeatStatus, list[Seat]]:
    """The forum's seats by status, each list in the order they were queued."""
    seats = db.session.scalars(
        select(Seat).where(Seat.forum_id == forum).order_by(Seat.queued_at, Seat.id)).all()
    grouped: dict[SeatStatus, list[Seat]] = {status: [] for status in SeatStatus}
    for seat in seats:
        grouped[seat.status].append(seat)
    return grouped


def in_step(app, actions: list, after_reading: str, wait: float = 3.0) -> list:
    """Run each ``action(session)`` in its own thread with a session of its own; each
    stops right after its first statement that reads the table ``after_reading`` until
    all have read it, so that none writes before the others have read. A thread held up
    by a lock before that read goes on after ``wait`` seconds. Returns each action's
    result, or the exception it raised."""
    barrier = threading.Barrier(len(actions), timeout=wait)
    mine = threading.local()
    reading = f"FROM {after_reading}"

    def stop_after_reading(conn, cursor, statement, parameters, context, executemany):
        if getattr(mine, "waiting", False) and statement.lstrip().upper().startswith(
                "SELECT") and reading in statement:
            mine.waiting = False
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

    results: list = [None] * len(actions)

    def run(index: int, action) -> None:
        with app.app_context():
            session = Session(db.engine)
            mine.waiting = True
            try:
                results[index] = action(session)
            except Exception as error:  # noqa: BLE001 - the test looks at what was raised
                results[index] = error
                session.rollback()
            finally:
                session.close()

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "after_cursor_execute", stop_after_reading)
    try:
        threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        sa_event.remove(engine, "after_cursor_execute", stop_after_reading)
    return results
