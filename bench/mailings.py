"""A group mail to 30,000 recipients: how long queueing it takes, and how fast the mail
worker drains it into a local SMTP server (aiosmtpd on 127.0.0.1), with the count of
duplicates and of mails lost taken at the server. PostgreSQL when BENCH_DATABASE_URL
(or TEST_DATABASE_URL) is set, else SQLite; ``--sqlite`` forces SQLite.

    .venv/bin/python bench/mailings.py [--recipients 30000] [--workers 1] [--sqlite]

Targets (issue 22): queued in at most 10 s; drained at 200 mails/s or more; 0
duplicates, 0 lost. The rate is taken between the first and the last mail the server
receives (the workers' start-up left out); the total beside it includes it. The CPU time
per mail of the workers and of the SMTP server is printed too: on a machine shared with
other work, it says what an idle one would do better than the wall clock.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller
from harness import DEMO_SLUG, PROJECT_ROOT, fresh_database, temporary_folder
from sqlalchemy import func, insert, select

from tests.servers import free_port

QUEUE_SECONDS = 10.0
MAILS_PER_SECOND = 200.0


class CountingInbox:
    """Counts what arrives per recipient, and when the first and last arrived."""

    def __init__(self):
        self.received: Counter[str] = Counter()
        self.first = self.last = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        with self.lock:
            for address in envelope.rcpt_tos:
                self.received[address] += 1
            self.first = self.first or now
            self.last = now
        return "250 Message accepted for delivery"

    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())


def populate(app, count: int) -> None:
    """``count`` confirmed registrations of the demo event, written in bulk."""
    from summit.extensions import db
    from summit.models import Event, Registration, RegistrationStatus
    from summit.private_links import new_token, token_digest
    from summit.registration.tokens import new_checkin_code

    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.slug == DEMO_SLUG)).one()
        rows = []
        for number in range(count):
            token = new_token()
            rows.append({
                "event_id": event.id, "full_name": f"参会者{number:05d}",
                "latin_name": f"Guest {number:05d}", "email": f"g{number:05d}@mail.example",
                "organisation": f"单位{number % 97}", "status": RegistrationStatus.CONFIRMED,
                "locale": "en" if number % 3 == 0 else "zh", "token": token,
                "token_hash": token_digest(token), "checkin_code": new_checkin_code()})
        db.session.execute(insert(Registration), rows)
        db.session.commit()


def queue_mailing(app) -> tuple[int, float]:
    """A mailing to every registration, sent now; (recipients, seconds to queue it)."""
    from summit.auth.service import create_user
    from summit.extensions import db
    from summit.mailings import service
    from summit.mailings.recipients import RecipientFilter
    from summit.models import Event, Role
    from summit.urls import serving_at

    with app.app_context(), serving_at("https://summit.example.org"):
        event = db.session.scalars(select(Event).where(Event.slug == DEMO_SLUG)).one()
        author = create_user(db.session, "bench@mail.example", "bench-password-1234", Role.ADMIN)
        db.session.commit()
        plan = service.MailingPlan(
            subject_zh="{event}：分论坛 B 改在 14:00 开始",
            subject_en="{event}: Forum B starts at 14:00",
            body_zh="尊敬的 {name}：\n\n**分论坛 B** 改在 14:00 开始，地点不变。\n\n"
                    "- 您的页面：[打开]({private_link})\n- 胸卡：{badge_link}\n\n会场见！",
            body_en="Dear {name},\n\n**Forum B** now starts at 14:00, same room.\n\n"
                    "- Your page: [open]({private_link})\n- Badge: {badge_link}\n\nSee you!",
            recipients=RecipientFilter())
        mailing = service.save_draft(db.session, author, event, None, plan)
        started = time.perf_counter()
        queued = service.send_now(db.session, author, mailing)
        return queued, time.perf_counter() - started


def unsent(app) -> int:
    from summit.extensions import db
    from summit.models import MailMessage, MailStatus

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(MailMessage)
                                 .where(MailMessage.status != MailStatus.SENT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=30000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--timeout", type=float, default=600)
    options = parser.parse_args()

    from summit import create_app

    folder = temporary_folder()
    url = fresh_database(folder, "sqlite" if options.sqlite else None)
    backend = url.split(":", 1)[0].split("+")[0]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder)})
    populate(app, options.recipients)
    queued, queue_seconds = queue_mailing(app)

    inbox = CountingInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {**os.environ, "DATABASE_URL": url, "SUMMIT_INSTANCE_PATH": str(folder),
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "LOG_LEVEL": "WARNING",
           "SECRET_KEY": "bench-secret-key-0123456789-0123456789-0123"}
    command = [str(Path(sys.executable).parent / "flask"), "--app", "app", "summit",
               "mail-worker"]
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = time.process_time()
    started = time.monotonic()
    workers = [subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL)
               for _ in range(options.workers)]
    try:
        deadline = started + options.timeout
        while inbox.total() < queued and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # anything sent twice would arrive now
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
        server_cpu = time.process_time() - server_before
        controller.stop()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = (children.ru_utime + children.ru_stime
                  - children_before.ru_utime - children_before.ru_stime)
    finished = (inbox.last or time.monotonic()) - started
    received = inbox.total()
    duplicates = sum(number - 1 for number in inbox.received.values() if number > 1)
    lost = queued - len(inbox.received)
    rate = (received - 1) / (inbox.last - inbox.first) if received > 1 else 0.0
    left = unsent(app)

    print(f"mailing to {queued} recipients on {backend}, {options.workers} worker(s)")
    print(f"  queued in {queue_seconds:.2f} s (target <= {QUEUE_SECONDS:.0f} s)")
    print(f"  drained at {rate:.0f} mails/s between the first and the last "
          f"(target >= {MAILS_PER_SECOND:.0f}); {finished:.1f} s from the workers' start")
    per_mail = 1000 / max(received, 1)
    print(f"  CPU per mail: the workers {worker_cpu * per_mail:.2f} ms (their start-up "
          f"included), the SMTP server {server_cpu * per_mail:.2f} ms; load average now "
          f"{' '.join(f'{value:.1f}' for value in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"  received {received}; duplicates {duplicates}; lost {lost}; "
          f"not marked sent in the database {left}")
    met = (queue_seconds <= QUEUE_SECONDS and rate >= MAILS_PER_SECOND and duplicates == 0
           and lost == 0 and left == 0)
    print("  targets met" if met else "  TARGETS MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
