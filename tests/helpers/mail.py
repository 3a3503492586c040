"""A real SMTP server's side of mail: what it received, and waiting for it to arrive;
the app pointed at such a server, and mail workers as separate processes."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

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
def smtp_inbox(app=None, monkeypatch=None) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on 127.0.0.1 (and ``app`` sending to it, with ``monkeypatch``);
    yields its inbox and port."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    if app is not None:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def start_mail_worker(app, smtp_port: int, **environment: str) -> subprocess.Popen:
    """``flask summit mail-worker`` in a process of its own, against ``app``'s database."""
    env = {**os.environ, "DATABASE_URL": database_url_of(app),
           "SUMMIT_INSTANCE_PATH": app.instance_path, "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(smtp_port), "LOG_LEVEL": "WARNING", **environment}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "--app", "app", "summit", "mail-worker"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
