"""A real SMTP server's side of mail: what it received, and waiting for it to arrive;
the app pointed at such a server, and mail workers as separate processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from ..servers import PROJECT_ROOT, free_port
from .database import database_url_of


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def wait_for(condition, seconds: float = 5.0):
    """True as soon as ``condition()`` is, False if it is not within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@contextlib.contextmanager
def smtp_server(port: int | None = None, inbox: Inbox | None = None) -> Iterator[Controller]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping what it receives in
    ``controller.handler.messages``; on ``port`` (a stopped one's again) or a free one."""
    controller = Controller(inbox or Inbox(), hostname="127.0.0.1", port=port or free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@contextlib.contextmanager
def smtp_inbox(app, monkeypatch) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on 127.0.0.1 with ``app`` sending to it (through ``monkeypatch``);
    yields its inbox and port."""
    with smtp_server() as controller:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
        yield controller.handler, controller.port


def addressees(messages) -> Counter:
    """How many mails each address received."""
    return Counter(message["To"].addresses[0].addr_spec for message in messages)


class HoldingInbox(Inbox):
    """An inbox that holds the mail after ``hold_after`` received ones without answering,
    as a server that has not yet said 250: ``holding`` is set while it does. A client that
    dies meanwhile leaves that mail unaccepted (aiosmtpd cancels the handler)."""

    def __init__(self, hold_after: int):
        super().__init__()
        self.hold_after = hold_after
        self.holding = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.hold_after is not None and len(self.messages) == self.hold_after:
            self.holding.set()
            while self.hold_after is not None:
                await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def mail_worker_process(database_url: str, instance_path: str, smtp_port: int,
                        text: bool = False, **environment: str) -> subprocess.Popen:
    """`flask summit mail-worker` in a process of its own, sending to 127.0.0.1:smtp_port;
    its output in pipes (of text with ``text``)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SUMMIT_INSTANCE_PATH": instance_path,
        "SECRET_KEY": "test-secret-key-shared-by-all-workers-0123456789",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "LOG_LEVEL": "WARNING",
        **environment,
    }
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "summit",
                             "mail-worker"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=text)


def stop_mail_worker(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_mail_worker(app, smtp_port: int, **environment: str) -> subprocess.Popen:
    """``flask summit mail-worker`` against ``app``'s database, its output in text pipes."""
    return mail_worker_process(database_url_of(app), app.instance_path, smtp_port, text=True,
                               **environment)
