"""The REST API on gunicorn (PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL is
set, else SQLite), against /healthz measured in the same run:

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/api.py

GET /api/v1/<event>/sessions (target ≥ 0.5× /healthz) and POST
/api/v1/<event>/registrations with a token, every request a new attendee for one forum of
100 seats (target ≥ 100/s, 0 errors, no seat taken twice: the check at the end counts).
"""

from __future__ import annotations

import json
import os
import secrets

from harness import (
    DEMO_SLUG,
    PROJECT_ROOT,
    fresh_database,
    gunicorn,
    load_parser,
    mail_worker,
    run_wrk,
    seconds_until_mail_sent,
    table,
    temporary_folder,
)
from registration import prepare, seating
from sqlalchemy import create_engine, text

from summit.api.tokens import PREFIX, SECRET_BYTES, digest


def make_token(url: str) -> str:
    """A token of the demo event with every scope, written as the admin page would."""
    secret = PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO api_token (event_id, name, scopes, token_hash, created_at) "
            "SELECT id, 'bench', :scopes, :hash, CURRENT_TIMESTAMP FROM event WHERE slug = :slug"),
            {"scopes": json.dumps(["read-programme", "write-registrations"]),
             "hash": digest(secret), "slug": DEMO_SLUG})
    engine.dispose()
    return secret


def main() -> None:
    options = load_parser(__doc__.splitlines()[0], seconds=20, connections=64).parse_args()

    folder = temporary_folder()
    url = fresh_database(folder)
    forum = prepare(url)
    secret = make_token(url)
    # The limit per token is for production; the bench measures the server.
    with (gunicorn(url, folder, workers=options.workers, threads=options.threads) as base,
          mail_worker(url, folder)):
        health = run_wrk("/healthz", f"{base}/healthz", options.seconds, options.connections)
        sessions = run_wrk(f"GET /api/v1/{DEMO_SLUG[:14]}…/sessions",
                           f"{base}/api/v1/{DEMO_SLUG}/sessions", options.seconds,
                           options.connections)
        registering = run_wrk(
            "POST /api/v1/…/registrations", f"{base}/api/v1/{DEMO_SLUG}/registrations",
            options.seconds, options.connections,
            script=PROJECT_ROOT / "bench" / "wrk_api_register.lua",
            script_args=[secret, "chip-machine"])
        drained = seconds_until_mail_sent(url)
    seats = seating(url, forum)

    print(f"database: {url.split('://')[0]}, gunicorn {options.workers} workers × "
          f"{options.threads} threads, wrk {options.connections} connections, "
          f"{options.seconds} s each, {os.cpu_count()} CPUs shared with the load generator")
    print(table([health, sessions, registering], baseline=health))
    print(seats)
    print(f"every confirmation mail sent {drained:.1f} s after the load (one mail worker beside)")
    sessions_met = sessions.requests_per_second >= 0.5 * health.requests_per_second
    registering_met = (registering.requests_per_second >= 100 and registering.errors == 0
                       and not seats.overbooked)
    print(f"target GET sessions ≥ 0.5× /healthz: {'met' if sessions_met else 'NOT met'}")
    print(f"target ≥ 100 registrations/s with 0 errors and no overbooking: "
          f"{'met' if registering_met else 'NOT met'}")


if __name__ == "__main__":
    main()
