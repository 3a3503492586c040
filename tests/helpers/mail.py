"""A real SMTP server's side of mail: what it received, and waiting for it to arrive."""

from __future__ import annotations

import time
from email import message_from_bytes, policy


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
