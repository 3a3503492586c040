"""The organizers' pages at 10,000 registrations, through gunicorn (PostgreSQL when
BENCH_DATABASE_URL or TEST_DATABASE_URL is set, else SQLite): the registrations list,
a search, the CSV export, the dashboard and check-in scans, one request at a time as a
person at the desk sends them, against /healthz measured in the same run.

    .venv/bin/python bench/admin.py [--registrations 10000] [--scans 200]

Prints p50 and p95 latency in ms and the ratio of each p50 to /healthz's. Targets: a
check-in scan well under 100 ms; a list page in the same order as a scan, whatever the
page size. Every scan checks in a different badge; the run ends by counting them.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from harness import DEMO_SLUG, Browser, fresh_database, gunicorn, temporary_folder
from sqlalchemy import func, insert, select

PASSWORD = "bench-organizer-password"


# The demo event's admin pages.
ADMIN = f"/admin/{DEMO_SLUG}"


def populate(url: str, count: int) -> list[str]:
    """``count`` registrations with a seat in two forums, and an organizer; returns the
    check-in codes."""
    from summit import create_app
    from summit.auth.service import create_user
    from summit.extensions import db
    from summit.models import (
        Event,
        EventRole,
        Forum,
        Registration,
        RegistrationCategory,
        RegistrationStatus,
        Role,
        Seat,
        SeatStatus,
        utcnow,
    )
    from summit.private_links import new_token, token_digest
    from summit.registration.tokens import new_checkin_code

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        event_id = db.session.scalar(select(Event.id).where(Event.slug == DEMO_SLUG))
        forums = db.session.scalars(
            # Thursday afternoon's and Friday morning's: forums that do not run at once.
            select(Forum.id).where(Forum.slug.in_(["chip-machine", "yrd-education-talent"]))
        ).all()
        db.session.execute(Event.__table__.update().values(capacity=None))
        db.session.execute(Forum.__table__.update().values(capacity=None))
        now = utcnow()
        rows = []
        for number in range(count):
            token = new_token()
            rows.append({
                "event_id": event_id, "full_name": f"参会者{number:05d}",
                "latin_name": f"Guest {number:05d}", "email": f"guest{number:05d}@bench.example",
                "organisation": f"单位{number % 97}", "category": RegistrationCategory.DELEGATE,
                "status": RegistrationStatus.CONFIRMED, "token": token,
                "token_hash": token_digest(token), "checkin_code": new_checkin_code(),
                "created_at": now - timedelta(minutes=number),
                "queued_at": now - timedelta(minutes=number),
            })
        db.session.execute(insert(Registration), rows)
        ids = db.session.scalars(select(Registration.id)).all()
        db.session.execute(insert(Seat), [
            {"registration_id": rid, "forum_id": fid, "status": SeatStatus.CONFIRMED,
             "queued_at": now} for rid in ids for fid in forums
        ])
        organizer = create_user(db.session, "bench@example.org", PASSWORD, Role.ORGANIZER)
        organizer.event_roles = [EventRole(event_id=event_id, role=Role.ORGANIZER)]
        db.session.commit()
        codes = db.session.scalars(select(Registration.checkin_code)).all()
        db.engine.dispose()
    return list(codes)


def checked_in(url: str) -> int:
    from summit import create_app
    from summit.extensions import db
    from summit.models import Registration

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).where(Registration.checked_in_at.is_not(None)))
        db.engine.dispose()
    return count


def timed(send, repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` calls; each must answer 200."""
    times = []
    for attempt in range(repeat):
        start = time.perf_counter()
        status = send(attempt)
        times.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=10_000)
    parser.add_argument("--scans", type=int, default=200)
    options = parser.parse_args()

    folder = temporary_folder()
    url = fresh_database(folder)
    codes = populate(url, options.registrations)
    with gunicorn(url, folder, workers=2, threads=4) as base:
        desk = Browser(base)
        status, _headers, _body = desk.submit(
            "/admin/login", {"email": "bench@example.org", "password": PASSWORD})
        assert status == 302, status
        token = desk.csrf_token(f"{ADMIN}/checkin")

        def get(path):
            return lambda _attempt: desk.request("GET", path)[0]

        def scan(attempt):
            return desk.request("POST", f"{ADMIN}/checkin/scan.json",
                                {"csrf_token": token, "code": codes[attempt]})[0]

        measured = [
            ("/healthz", timed(get("/healthz"), 200)),
            ("list, 50 a page", timed(get(f"{ADMIN}/registrations?per_page=50"), 40)),
            ("list, 200 a page", timed(get(f"{ADMIN}/registrations?per_page=200"), 20)),
            ("search 单位3, by name", timed(
                get(f"{ADMIN}/registrations?q=%E5%8D%95%E4%BD%8D3&sort=name&per_page=50"), 40)),
            ("POST check-in scan", timed(scan, min(options.scans, len(codes)))),
            ("dashboard", timed(get(f"{ADMIN}/dashboard"), 10)),
            (f"CSV export ({len(codes)})", timed(get(f"{ADMIN}/registrations/export.csv"), 3)),
        ]
    baseline = statistics.median(measured[0][1])
    print(f"{len(codes)} registrations, {url.split(':', 1)[0]}; one request at a time")
    print(f"{'request':<28}{'p50 ms':>10}{'p95 ms':>10}{'× /healthz p50':>16}")
    for name, times in measured:
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
        print(f"{name:<28}{p50:>10.1f}{p95:>10.1f}{p50 / baseline:>16.1f}")
    recorded = checked_in(url)
    print(f"check-ins recorded: {recorded} of {min(options.scans, len(codes))} scans")
    assert recorded == min(options.scans, len(codes))


if __name__ == "__main__":
    main()
