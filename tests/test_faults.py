"""Faults under load, through gunicorn: PostgreSQL dropping every connection, and an
app server killed between "seat taken" and "mail sent". (A mail server that is down
is covered by tests/test_mail.py.)"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Response
from sqlalchemy import create_engine, func, make_url, select, text

from summit.extensions import db
from summit.models import MailMessage, MailStatus, Registration, Seat, SeatStatus
from summit.outbox import OWN_SEND_LEASE, deliver_after_response, deliver_due

from .helpers.database import database_url
from .helpers.mail import Inbox, wait_for
from .helpers.pages import DEMO
from .helpers.registrations import form_fields, forum_id, register_directly
from .servers import Browser, free_port, gunicorn

pytestmark = pytest.mark.slow


def worker_pids(pid_file: Path) -> list[int]:
    """The worker processes of the gunicorn master whose pid is in ``pid_file``."""
    master = int(pid_file.read_text())
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


# --- PostgreSQL drops its connections -------------------------------------------


class Load:
    """Visitors reading the agenda and registering, in threads, until stopped; keeps
    every status they got."""

    def __init__(self, base: str, visitors: int = 6):
        self.base = base
        self.statuses: list[tuple[str, int]] = []
        self.stopping = threading.Event()
        self.ready = threading.Barrier(visitors + 1)
        self.threads = [threading.Thread(target=self._visit, args=(n,)) for n in range(visitors)]

    def _visit(self, number: int) -> None:
        browser = Browser(self.base)
        token = browser.csrf_token(f"{DEMO}/register")
        self.ready.wait()
        count = 0
        while not self.stopping.is_set():
            count += 1
            if count % 3:
                status = browser.request("GET", f"{DEMO}/agenda?lang=en")[0]
                self.statuses.append(("GET", status))
            else:
                fields = {**form_fields(email=f"v{number}-{count}@faults.example.cn"),
                          "csrf_token": token}
                answer = browser.request("POST", f"{DEMO}/register", fields)
                self.statuses.append(("POST", answer[0]))

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        self.ready.wait(timeout=60)  # every visitor has its form token
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=120)


def terminate_other_connections(url: str) -> int:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        killed = connection.execute(text(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    engine.dispose()
    return killed


def test_dropped_database_connections_give_503_for_a_moment_then_the_app_recovers(
    app, backend, demo_event, tmp_path
):
    if backend != "postgresql":
        pytest.skip("SQLite is a file in the app's process: it has no connections to drop")
    with app.app_context():
        url = database_url()
    with gunicorn(url, tmp_path, workers=2, threads=4) as base:
        killed = 0
        with Load(base) as load:
            for _ in range(5):
                time.sleep(0.4)
                killed += terminate_other_connections(url)
            time.sleep(0.4)
        during = list(load.statuses)

        # Afterwards, every request succeeds again without anyone restarting anything.
        visitor = Browser(base)
        after = [visitor.request("GET", path)[0]
                 for path in ("/healthz", f"{DEMO}/agenda", f"{DEMO}/speakers",
                              f"{DEMO}/calendar.ics") * 5]
        after.append(visitor.submit(f"{DEMO}/register", form_fields(
            email="after.the.storm@faults.example.cn"))[0])

    assert killed > 0, "no connection was open to be dropped"
    assert {status for _method, status in during} <= {200, 302, 503}, during
    assert after == [200] * 20 + [302]
    with app.app_context():
        # No half registrations: each one that exists came with its confirmation mail.
        registered = db.session.scalar(select(func.count()).select_from(Registration))
        confirmations = db.session.scalar(select(func.count()).where(
            MailMessage.kind == "confirmation"))
        succeeded = sum(1 for method, status in during if (method, status) == ("POST", 302))
        assert registered == confirmations
        assert registered >= succeeded + 1


# --- the rate limiter's Redis is down -------------------------------------------------


def test_without_its_redis_the_limiter_counts_in_each_worker_and_registration_goes_on(
    app, demo_event, tmp_path
):
    with app.app_context():
        url = database_url()
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens here
    with gunicorn(url, tmp_path, workers=1, threads=2, RATELIMIT_ENABLED="true",
                  RATELIMIT_STORAGE_URI=nowhere, RATELIMIT_REGISTER="2 per minute") as base:
        visitor = Browser(base)
        registered = visitor.submit(f"{DEMO}/register",
                                    form_fields(email="no.redis@faults.example.cn"))
        # An incomplete form after it: the second answer of the minute, then the limit.
        statuses = [visitor.submit(f"{DEMO}/register", {"full_name": "试"})[0] for _ in range(2)]
    assert registered[0] == 302
    assert statuses == [422, 429]


# --- an app server dies between "seat taken" and "mail sent" -------------------------


class StallingInbox(Inbox):
    """A mail server that stops answering once the sender names a recipient, until
    released: the sender is caught in the middle of delivering."""

    def __init__(self):
        super().__init__()
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.stalled.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)
        return "451 Try again later"


def test_a_server_killed_before_the_mail_went_out_leaves_both_and_send_mail_delivers(
    app, demo_event, tmp_path, monkeypatch
):
    with app.app_context():
        chip = forum_id("chip-machine")
        url = database_url()
    stalling = StallingInbox()
    smtp = Controller(stalling, hostname="127.0.0.1", port=free_port())
    smtp.start()
    pid_file = tmp_path / "gunicorn.pid"
    try:
        with gunicorn(url, tmp_path, workers=1, threads=2, MAIL_SERVER="127.0.0.1",
                      MAIL_PORT=str(smtp.port), GUNICORN_CMD_ARGS=f"--pid {pid_file}") as base:
            visitor = Browser(base)
            status, headers, _body = visitor.submit(f"{DEMO}/register", {
                **form_fields(email="crash@faults.example.cn"), "forums": [chip]})
            assert status == 302 and headers["Location"].startswith("/r/")
            # The worker has answered and is now handing the mail to the mail server.
            assert stalling.stalled.wait(timeout=30)
            (worker,) = worker_pids(pid_file)
            os.kill(worker, signal.SIGKILL)
            stalling.release.set()
    finally:
        smtp.stop()

    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        assert registration.email == "crash@faults.example.cn"
        (seat,) = db.session.scalars(select(Seat)).all()
        assert (seat.forum_id, seat.status) == (chip, SeatStatus.CONFIRMED)
        (mail,) = db.session.scalars(select(MailMessage)).all()
        # Held for the dead worker's own send, not sent: due again after that hold.
        assert (mail.registration_id, mail.status) == (registration.id, MailStatus.SENDING)
        # As if the hold (a minute) had passed, then cron runs `flask summit send-mail`.
        mail.next_attempt_at -= OWN_SEND_LEASE
        db.session.commit()

    inbox = Inbox()
    working = Controller(inbox, hostname="127.0.0.1", port=free_port())
    working.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", working.port)
    try:
        result = app.test_cli_runner().invoke(args=["summit", "send-mail"])
        assert "Sent 1 mail(s)" in result.output, result.output
        assert wait_for(lambda: inbox.messages)
    finally:
        working.stop()
    (message,) = inbox.messages
    assert message["To"].addresses[0].addr_spec == "crash@faults.example.cn"
    with app.app_context():
        assert db.session.scalars(select(MailMessage.status)).all() == [MailStatus.SENT]


# --- the database goes away between the response and its mail ------------------------


def set_connections_allowed(url: str, allowed: bool) -> None:
    """Open or close the test database to every new connection (from the server's
    maintenance database); closing it also ends every connection open to it now."""
    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(
            f'ALTER DATABASE "{target.database}" ALLOW_CONNECTIONS {str(allowed).lower()}'))
        if not allowed:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": target.database})
    engine.dispose()


def test_a_database_gone_after_the_commit_leaves_the_mail_queued_for_later(
    app, backend, demo_event, caplog
):
    if backend != "postgresql":
        pytest.skip("SQLite is a file in the app's process: it cannot go away between two "
                    "statements")
    with app.app_context():
        url = database_url()
    with app.test_request_context(f"{DEMO}/register", method="POST"):
        register_directly(demo_event, "gone@faults.example.cn", [])
        set_connections_allowed(url, False)
        try:
            with caplog.at_level(logging.WARNING, logger="summit.outbox"):
                response = deliver_after_response(Response("registered"))
                response.close()  # the server is done with the response: waits for the mail
        finally:
            set_connections_allowed(url, True)

    postponed = [record for record in caplog.records if record.name == "summit.outbox"]
    assert [record.getMessage() for record in postponed] == [
        "mail delivery postponed, the database is unavailable: OperationalError"]
    assert not any(record.exc_info for record in caplog.records)
    with app.app_context():
        (mail,) = db.session.scalars(select(MailMessage)).all()
        # Still held for the request that queued it, which never got to send it ...
        assert (mail.recipient, mail.status) == ("gone@faults.example.cn", MailStatus.SENDING)
        assert deliver_due(db.session) == (0, 0)
        # ... until its hold of a minute is over: then anyone sends it.
        mail.next_attempt_at -= OWN_SEND_LEASE
        db.session.commit()
        assert deliver_due(db.session) == (1, 0)
        assert db.session.scalars(select(MailMessage.status)).all() == [MailStatus.SENT]
