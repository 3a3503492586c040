"""The offline desk's sync through gunicorn (PostgreSQL when BENCH_DATABASE_URL or
TEST_DATABASE_URL is set, else SQLite): a queue of 1,000 scans sent as the desk sends it
(batches of 200), then sent again (nothing new may happen); then three desks and 600
scans of 300 people, each scanned twice at random desks: one desk online, sending each
scan as it happens, two offline for a while, sending their queues later, all at once.

    .venv/bin/python bench/desk.py [--registrations 2000]

Targets: 1,000 queued scans in under 5 s; the three desks end with 0 scans lost and every
person admitted once. (The answer from the device's list, under 50 ms, is measured in
the browser by tests/e2e/test_offline_desk.py, which prints it.)
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
import urllib.request
import uuid

from admin import ADMIN, PASSWORD, populate
from harness import Browser, fresh_database, gunicorn, temporary_folder
from sqlalchemy import func, select

BATCH = 200


def queued(code: str, desk: str, told: str = "checked_in") -> dict:
    return {"id": str(uuid.uuid4()), "code": code, "desk": desk, "told": told,
            "at": int(time.time() * 1000)}


class Desk:
    """One desk's device: signed in, with the page's CSRF token, sending JSON."""

    def __init__(self, base: str, name: str):
        self.name = name
        self.browser = Browser(base)
        status, _headers, _body = self.browser.submit(
            "/admin/login", {"email": "bench@example.org", "password": PASSWORD})
        assert status == 302, status
        self.token = self.browser.csrf_token(f"{ADMIN}/checkin")
        self.queue: list[dict] = []

    def send(self, scans: list[dict]) -> list[dict]:
        answers = []
        for start in range(0, len(scans), BATCH):
            request = urllib.request.Request(
                self.browser.base + f"{ADMIN}/checkin/sync.json", method="POST",
                data=json.dumps({"scans": scans[start:start + BATCH]}).encode(),
                headers={"Content-Type": "application/json", "X-CSRFToken": self.token})
            with self.browser.opener.open(request, timeout=120) as response:
                answers.extend(json.loads(response.read())["scans"])
        return answers


def counts(url: str, codes: list[str]) -> tuple[int, int, int, int]:
    """(scans recorded, people checked in, check-ins audited, conflicts) for ``codes``."""
    from summit import create_app
    from summit.extensions import db
    from summit.models import AuditEntry, DeskScan, Registration

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        ids = db.session.scalars(select(Registration.id)
                                 .where(Registration.checkin_code.in_(codes))).all()
        figures = (
            db.session.scalar(select(func.count()).where(DeskScan.registration_id.in_(ids))),
            db.session.scalar(select(func.count(Registration.checked_in_at))
                              .where(Registration.id.in_(ids))),
            db.session.scalar(select(func.count()).where(
                AuditEntry.action == "check_in",
                AuditEntry.object_id.in_([str(id_) for id_ in ids]))),
            db.session.scalar(select(func.count()).where(DeskScan.conflict,
                                                         DeskScan.registration_id.in_(ids))),
        )
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=2_000)
    options = parser.parse_args()
    folder = temporary_folder()
    url = fresh_database(folder)
    codes = populate(url, max(options.registrations, 1_300))
    random.seed(24)
    random.shuffle(codes)
    first, others = codes[:1_000], codes[1_000:1_300]
    with gunicorn(url, folder, workers=2, threads=4) as base:
        desk = Desk(base, "Bench")
        queue = [queued(code, desk.name) for code in first]
        start = time.perf_counter()
        answers = desk.send(queue)
        seconds = time.perf_counter() - start
        assert sum(answer["outcome"] == "checked_in" for answer in answers) == 1_000
        start = time.perf_counter()
        again = desk.send(queue)
        resent = time.perf_counter() - start
        assert [answer["outcome"] for answer in again] == ["checked_in"] * 1_000
        print(f"1,000 queued scans: synced in {seconds:.2f} s (target < 5 s); "
              f"sent again in {resent:.2f} s, nothing new")
        recorded, admitted, audited, _conflicts = counts(url, first)
        assert (recorded, admitted, audited) == (1_000, 1_000, 1_000), (recorded, admitted, audited)

        online, north, south = (Desk(base, name) for name in ("Online", "North", "South"))
        scans = [(person, random.choice((online, north, south)))
                 for person in others for _twice in range(2)]
        random.shuffle(scans)
        start = time.perf_counter()

        def at_the_online_desk() -> None:
            for person, where in scans:
                if where is online:
                    online.send([queued(person, online.name, told="")])

        # The offline desks tell everyone scanned "admitted" (their list says so the first
        # time, "already" the second), and queue.
        told: dict[tuple[str, str], int] = {}
        for person, where in scans:
            if where is not online:
                key = (where.name, person)
                told[key] = told.get(key, 0) + 1
                where.queue.append(queued(person, where.name,
                                          "checked_in" if told[key] == 1 else "already"))
        thread = threading.Thread(target=at_the_online_desk)
        thread.start()
        north.send(north.queue[: len(north.queue) // 2])  # North is back for a moment
        time.sleep(0.5)
        south.send(south.queue)
        north.send(north.queue)  # the whole queue: its first half a second time
        thread.join()
        seconds = time.perf_counter() - start
    recorded, admitted, audited, conflicts = counts(url, others)
    print(f"three desks, {len(scans)} scans of {len(others)} people, two offline for a while: "
          f"{recorded} recorded ({len(scans) - recorded} lost), {admitted} admitted, "
          f"{audited} check-ins audited (each once: {audited == admitted == len(others)}), "
          f"{conflicts} conflicts shown; {seconds:.2f} s")
    assert recorded == len(scans) and admitted == audited == len(others)


if __name__ == "__main__":
    main()
