"""Registrations per second on gunicorn (PostgreSQL when BENCH_DATABASE_URL or
TEST_DATABASE_URL is set, else SQLite), against /healthz measured in the same run.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/registration.py

Every request registers a new attendee for one parallel forum of 100 seats, so the
run also proves that no seat is taken twice under load: the check at the end counts.
"""

from __future__ import annotations

import argparse
import os

from harness import (
    PROJECT_ROOT,
    Browser,
    fresh_database,
    gunicorn,
    run_wrk,
    table,
    temporary_folder,
)
from sqlalchemy import create_engine, text

FORUM_SEATS = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=4)
    options = parser.parse_args()

    folder = temporary_folder()
    url = fresh_database(folder)
    engine = create_engine(url)
    with engine.begin() as connection:
        forum = connection.execute(
            text("SELECT id FROM forum WHERE slug = 'chip-machine'")).scalar()
        connection.execute(text("UPDATE forum SET capacity = :seats WHERE id = :id"),
                           {"seats": FORUM_SEATS, "id": forum})
        # No overall limit, so every registration is admitted and queues for the forum.
        connection.execute(text("UPDATE event SET capacity = NULL"))

    with gunicorn(url, folder, workers=options.workers, threads=options.threads) as base:
        health = run_wrk("/healthz", f"{base}/healthz", options.seconds, options.connections)
        visitor = Browser(base)
        token = visitor.csrf_token("/register")
        registering = run_wrk(
            "POST /register", f"{base}/register", options.seconds, options.connections,
            script=PROJECT_ROOT / "bench" / "wrk_register.lua",
            script_args=[token, visitor.cookie_header(), str(forum)],
        )

    with engine.connect() as connection:
        rows = connection.execute(text("SELECT count(*) FROM registration")).scalar()
        seated = connection.execute(text(
            "SELECT count(*) FROM seat WHERE forum_id = :id AND status = 'confirmed'"),
            {"id": forum}).scalar()
        waiting = connection.execute(text(
            "SELECT count(*) FROM seat WHERE forum_id = :id AND status = 'waitlisted'"),
            {"id": forum}).scalar()
    engine.dispose()

    print(f"database: {url.split('://')[0]}, gunicorn {options.workers} workers × "
          f"{options.threads} threads, wrk {options.connections} connections, "
          f"{options.seconds} s each, {os.cpu_count()} CPUs shared with the load generator")
    print(table([health, registering], baseline=health))
    print(f"registrations stored: {rows}; forum seats taken {seated} of {FORUM_SEATS}, "
          f"{waiting} waiting; overbooked: {'YES' if seated > FORUM_SEATS else 'no'}")
    target = registering.requests_per_second >= 100 and registering.errors == 0
    print(f"target ≥ 100 registrations/s with 0 errors and no overbooking: "
          f"{'met' if target and seated <= FORUM_SEATS else 'NOT met'}")


if __name__ == "__main__":
    main()
