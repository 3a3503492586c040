"""The organizers' dashboard of an event with 30,000 registrations, through gunicorn
(PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL is set, else SQLite), against
/healthz measured in the same run; and the SQL statements one dashboard sends.

    .venv/bin/python bench/dashboard.py [--registrations 30000] [--requests 20]

The registrations are made over two months before the event, a tenth of them cancelled
and the last ones beyond the event's capacity waiting; each holds a seat (or waits) in a
parallel forum, is of one of the categories, and two thirds of them checked in over the
event's days. Prints p50 and p95 in ms, each p50's ratio to /healthz's, and the number of
statements of a dashboard here and with a tenth of the registrations (the same: grouped
queries only). Target: the dashboard under 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from harness import DEMO_SLUG, Browser, fresh_database, gunicorn, temporary_folder
from sqlalchemy import insert, select

PASSWORD = "bench-organizer-password"
ADMIN = f"/admin/{DEMO_SLUG}"
CHARTS = ("registrations-per-day", "seats-per-forum", "categories", "check-ins-per-hour")


def populate(url: str, count: int) -> None:
    """``count`` registrations of the demo event and an organizer of it."""
    from summit import create_app
    from summit.auth.service import create_user
    from summit.extensions import db
    from summit.models import (
        Event,
        EventRole,
        Registration,
        RegistrationCategory,
        RegistrationStatus,
        Role,
        Seat,
        SeatStatus,
    )
    from summit.private_links import new_token, token_digest
    from summit.registration.service import choosable_forums
    from summit.registration.tokens import new_checkin_code

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.slug == DEMO_SLUG)).one()
        event.capacity = count * 8 // 10
        forums = choosable_forums(db.session, event)
        opening = datetime.combine(event.starts_on, datetime.min.time(), UTC)
        first_day = opening - timedelta(days=60)
        categories = list(RegistrationCategory)
        rows = []
        for number in range(count):
            token = new_token()
            made = first_day + timedelta(seconds=number * 60 * 24 * 3600 // count)
            cancelled = number % 10 == 9
            waiting = not cancelled and number >= event.capacity
            status = (RegistrationStatus.CANCELLED if cancelled else
                      RegistrationStatus.WAITLISTED if waiting else RegistrationStatus.CONFIRMED)
            arrived = (status == RegistrationStatus.CONFIRMED and number % 3 != 0)
            rows.append({
                "event_id": event.id, "full_name": f"参会者{number:05d}",
                "latin_name": f"Guest {number:05d}", "email": f"g{number:05d}@dash.example",
                "organisation": f"单位{number % 97}", "category": categories[number % 6],
                "status": status, "token": token, "token_hash": token_digest(token),
                "checkin_code": new_checkin_code(), "created_at": made, "queued_at": made,
                "cancelled_at": made + timedelta(days=2) if cancelled else None,
                # Over the event's two days, 08:00 to 18:00 in Shanghai (00:00–10:00 UTC).
                "checked_in_at": (opening + timedelta(days=number % 2,
                                                     minutes=(number * 7) % 600))
                if arrived else None,
            })
        db.session.execute(insert(Registration), rows)
        registered = db.session.execute(
            select(Registration.id, Registration.status).where(
                Registration.event_id == event.id)).all()
        seats = []
        for index, (registration_id, status) in enumerate(registered):
            forum = forums[index % len(forums)]
            taken = forum.capacity is None or index // len(forums) < forum.capacity
            seats.append({
                "registration_id": registration_id, "forum_id": forum.id,
                "status": (SeatStatus.CANCELLED if status == RegistrationStatus.CANCELLED
                           else SeatStatus.CONFIRMED if taken else SeatStatus.WAITLISTED),
            })
        db.session.execute(insert(Seat), seats)
        organizer = create_user(db.session, "bench@example.org", PASSWORD, Role.ORGANIZER)
        organizer.event_roles = [EventRole(event_id=event.id, role=Role.ORGANIZER)]
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of such a load: without statistics the
            # planner takes 30,000 rows for 16.
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
        db.engine.dispose()


def statements_of_a_dashboard(url: str) -> int:
    """The SQL statements that one dashboard sends (in this process, signed in)."""
    from sqlalchemy import event as sa_event

    from summit import create_app
    from summit.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    response = client.post("/admin/login", data={"email": "bench@example.org",
                                                  "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(f"{ADMIN}/dashboard")
        assert response.status_code == 200, response.status_code
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    with app.app_context():
        db.engine.dispose()
    return len(statements)


def timed(send, repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` calls; each must answer 200."""
    times = []
    for _attempt in range(repeat):
        start = time.perf_counter()
        status = send()
        times.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    return times


def measure(url: str, folder, requests: int) -> list[tuple[str, list[float]]]:
    with gunicorn(url, folder, workers=2, threads=4) as base:
        organizer = Browser(base)
        status, _headers, _body = organizer.submit(
            "/admin/login", {"email": "bench@example.org", "password": PASSWORD})
        assert status == 302, status

        def get(path):
            return lambda: organizer.request("GET", path)[0]

        timed(get(f"{ADMIN}/dashboard"), 3)  # warm both workers
        return [
            ("/healthz", timed(get("/healthz"), 200)),
            ("dashboard", timed(get(f"{ADMIN}/dashboard"), requests)),
            *((f"{chart}.csv", timed(get(f"{ADMIN}/dashboard/{chart}.csv"), requests // 2))
              for chart in CHARTS),
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=30_000)
    parser.add_argument("--requests", type=int, default=20)
    options = parser.parse_args()

    small_folder = temporary_folder()
    small = fresh_database(small_folder)
    populate(small, options.registrations // 10)
    small_statements = statements_of_a_dashboard(small)

    folder = temporary_folder()
    url = fresh_database(folder)
    populate(url, options.registrations)
    statements = statements_of_a_dashboard(url)
    measured = measure(url, folder, options.requests)

    baseline = statistics.median(measured[0][1])
    print(f"{options.registrations:,} registrations, {url.split(':', 1)[0]}; "
          "one request at a time")
    print(f"{'request':<34}{'p50 ms':>10}{'p95 ms':>10}{'× /healthz p50':>16}")
    for name, times in measured:
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
        print(f"{name:<34}{p50:>10.1f}{p95:>10.1f}{p50 / baseline:>16.1f}")
    print(f"SQL statements of one dashboard: {statements} "
          f"({small_statements} with {options.registrations // 10:,} registrations)")
    dashboard_p50 = statistics.median(measured[1][1])
    print(f"dashboard p50 {dashboard_p50:.0f} ms: "
          f"{'under' if dashboard_p50 < 300 else 'OVER'} the 300 ms target")


if __name__ == "__main__":
    main()
