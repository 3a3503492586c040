"""Mail leaves at once under `make run`: the app served by `flask run` (werkzeug's
development server, as `make run` starts it), a registration made in Chromium, and the
confirmation at a real SMTP server within seconds while the browser keeps its page and
connection open and nobody else uses the site.

Werkzeug's server calls the response's close (where the mail used to be sent) only after
it has read whatever else the client sent on the connection until the client closes it,
and never when the client resets it: the second test holds a connection open the way a
browser may, which kept the mail waiting as long as the connection lived."""

from __future__ import annotations

import os
import re
import signal
import socket
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask_migrate import upgrade

from summit.demo.seed import load_demo
from summit.extensions import db

from ..conftest import fresh_database_url, make_app
from ..helpers.mail import Inbox, wait_for
from ..helpers.pages import DEMO
from ..servers import CSRF_FIELD, Browser, free_port, serving
from .conftest import DESKTOP

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e
FLASK = Path(sys.executable).parent / "flask"
# The visitor is told "we have sent"; the mail should be there about as soon.
MAIL_WITHIN_SECONDS = 5


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def flask_run(backend, tmp_path, smtp_inbox) -> Iterator[str]:
    """`flask run` in a subprocess on a free port, its mail going to ``smtp_inbox``."""
    url = fresh_database_url(backend, tmp_path, name="flask_run")
    app = make_app(url, INSTANCE_PATH=str(tmp_path / "instance"))
    with app.app_context():
        upgrade()
        load_demo(db.session)
        db.session.commit()
        db.engine.dispose()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SUMMIT_INSTANCE_PATH": str(tmp_path / "instance"),
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_inbox[1]),
           "RATELIMIT_ENABLED": "false", "LOG_LEVEL": "WARNING"}
    env.pop("BASE_URL", None)
    env.pop("TRUSTED_HOSTS", None)
    command = [str(FLASK), "--app", "app", "run", "--host", "127.0.0.1", "--port", str(port)]
    with serving(command, env, port, signal.SIGINT) as base:
        yield base


def test_the_confirmation_leaves_within_seconds_under_flask_run(
    flask_run, smtp_inbox, browser_pages, backend
):
    inbox, _port = smtp_inbox
    address = f"quiet.site.{backend}@seu.example.cn"
    page = browser_pages(locale="en-US", viewport=DESKTOP)
    page.goto(flask_run + f"{DEMO}/register?lang=en")
    page.get_by_label("Full name").fill("Zhou Jing")
    page.get_by_label("Email").fill(address)
    page.get_by_label("Organisation").fill("Southeast University")
    page.get_by_role("checkbox", name="I agree").check()
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My registration")
    registered = time.monotonic()

    # The page stays open, its connection kept as Chromium keeps it; no other request.
    assert wait_for(lambda: inbox.messages, seconds=MAIL_WITHIN_SECONDS), (
        f"no mail within {MAIL_WITHIN_SECONDS} s of the registration under flask run")
    (mail,) = inbox.messages
    assert mail["To"].addresses[0].addr_spec == address
    assert "Your registration for" in mail["Subject"]
    assert time.monotonic() - registered < MAIL_WITHIN_SECONDS


def test_the_mail_leaves_while_the_client_holds_its_connection_open(flask_run, smtp_inbox):
    inbox, _port = smtp_inbox
    visitor = Browser(flask_run)
    token = CSRF_FIELD.search(visitor.request("GET", f"{DEMO}/register")[2]).group(1)
    form = urllib.parse.urlencode({
        "csrf_token": token, "full_name": "Open Line", "email": "open.line@seu.example.cn",
        "organisation": "Southeast University", "category": "delegate", "consent": "y",
    }).encode()
    host = flask_run.removeprefix("http://")
    post = (f"POST {DEMO}/register HTTP/1.1\r\nHost: {host}\r\n"
            f"Cookie: {visitor.cookie_header()}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(form)}\r\n\r\n").encode() + form
    # The next request follows on the same connection at once, as a keep-alive client's
    # would (an upload: more than the server's read buffer); the connection stays open.
    upload = b"x" * 256 * 1024
    following = (f"POST {DEMO}/register HTTP/1.1\r\nHost: {host}\r\n"
                 f"Content-Length: {len(upload)}\r\n\r\n").encode() + upload
    with socket.create_connection(("127.0.0.1", int(host.rpartition(":")[2]))) as line:
        line.sendall(post + following)
        assert re.match(rb"HTTP/1.1 302", line.recv(200))
        assert wait_for(lambda: inbox.messages, seconds=MAIL_WITHIN_SECONDS), (
            f"no mail within {MAIL_WITHIN_SECONDS} s while the connection stays open")
    assert inbox.messages[0]["To"].addresses[0].addr_spec == "open.line@seu.example.cn"
