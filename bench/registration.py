"""Registrations per second on gunicorn (PostgreSQL when BENCH_DATABASE_URL or
TEST_DATABASE_URL is set, else SQLite), against /healthz measured in the same run.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/registration.py

Every request registers a new attendee for one parallel forum of 100 seats, answering
five of the demo's own questions (an invoice with its title and taxpayer number,
dietary needs, a hotel room), so the run also proves that no seat is taken twice under
load: the check at the end counts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlencode

from harness import (
    DEMO,
    DEMO_SLUG,
    PROJECT_ROOT,
    Browser,
    LoadResult,
    fresh_database,
    gunicorn,
    load_parser,
    mail_worker,
    run_wrk,
    seconds_until_mail_sent,
    table,
    temporary_folder,
)
from sqlalchemy import create_engine, text

FORUM_SEATS = 100


@dataclass
class Seating:
    registrations: int
    seated: int
    waiting: int

    @property
    def overbooked(self) -> bool:
        return self.seated > FORUM_SEATS

    def __str__(self) -> str:
        return (f"registrations stored: {self.registrations}; forum seats taken {self.seated} "
                f"of {FORUM_SEATS}, {self.waiting} waiting; "
                f"overbooked: {'YES' if self.overbooked else 'no'}")


def prepare(url: str) -> int:
    """Give one parallel forum 100 seats and the event no limit (every registration is
    admitted and queues for the forum); returns the forum's id."""
    engine = create_engine(url)
    with engine.begin() as connection:
        event = connection.execute(text("SELECT id FROM event WHERE slug = :slug"),
                                   {"slug": DEMO_SLUG}).scalar_one()
        forum = connection.execute(
            text("SELECT id FROM forum WHERE event_id = :event AND slug = 'chip-machine'"),
            {"event": event}).scalar_one()
        connection.execute(text("UPDATE forum SET capacity = :seats WHERE id = :id"),
                           {"seats": FORUM_SEATS, "id": forum})
        connection.execute(text("UPDATE event SET capacity = NULL WHERE id = :id"),
                           {"id": event})
    engine.dispose()
    return forum


# The demo's questions a bench registration answers (by the start of their English
# label), and the answers.
FIVE_ANSWERS = {
    "Do you need an invoice": "yes",
    "Invoice title": "东南大学",
    "Taxpayer": "12320000466007376X",
    "Dietary": "halal",
    "Shall we": "yes",
}


def five_answers(url: str) -> str:
    """The form fields of five answers to the demo's questions, as a body's tail."""
    engine = create_engine(url)
    fields = {}
    with engine.connect() as connection:
        for start, answer in FIVE_ANSWERS.items():
            question = connection.execute(text(
                "SELECT question.id FROM question JOIN event ON event.id = question.event_id "
                "WHERE event.slug = :slug AND question.label_en LIKE :start"),
                {"slug": DEMO_SLUG, "start": start + "%"}).scalar_one()
            fields[f"q{question}"] = answer
    engine.dispose()
    return "&" + urlencode(fields)


def register_under_load(base: str, forum: int, seconds: int, connections: int,
                        answers: str = "") -> LoadResult:
    """POST /<event>/register with wrk, every request a new attendee choosing ``forum``
    (and sending ``answers``, form fields to append to the body)."""
    visitor = Browser(base)
    form = f"{DEMO}/register"
    token = visitor.csrf_token(form)
    return run_wrk(
        "POST /register", base + form, seconds, connections,
        script=PROJECT_ROOT / "bench" / "wrk_register.lua",
        script_args=[token, visitor.cookie_header(), str(forum), form, answers],
    )


def seating(url: str, forum: int) -> Seating:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text(
            "SELECT count(*) FROM registration JOIN forum ON forum.event_id = "
            "registration.event_id WHERE forum.id = :id"), {"id": forum}).scalar()
        by_status = dict(connection.execute(text(
            "SELECT status, count(*) FROM seat WHERE forum_id = :id GROUP BY status"),
            {"id": forum}).all())
    engine.dispose()
    return Seating(count, by_status.get("confirmed", 0), by_status.get("waitlisted", 0))


def main() -> None:
    options = load_parser(__doc__.splitlines()[0], seconds=20, connections=64).parse_args()

    folder = temporary_folder()
    url = fresh_database(folder)
    forum = prepare(url)
    answers = five_answers(url)
    with (gunicorn(url, folder, workers=options.workers, threads=options.threads) as base,
          mail_worker(url, folder)):
        health = run_wrk("/healthz", f"{base}/healthz", options.seconds, options.connections)
        registering = register_under_load(base, forum, options.seconds, options.connections,
                                          answers)
        drained = seconds_until_mail_sent(url)
    seats = seating(url, forum)

    print(f"database: {url.split('://')[0]}, gunicorn {options.workers} workers × "
          f"{options.threads} threads, wrk {options.connections} connections, "
          f"{options.seconds} s each, {os.cpu_count()} CPUs shared with the load generator")
    print(table([health, registering], baseline=health))
    print(seats)
    print(f"every confirmation mail sent {drained:.1f} s after the load ended "
          f"(one mail worker beside the app servers)")
    target = registering.requests_per_second >= 100 and registering.errors == 0
    print(f"target ≥ 100 registrations/s with 0 errors and no overbooking: "
          f"{'met' if target and not seats.overbooked else 'NOT met'}")


if __name__ == "__main__":
    main()
