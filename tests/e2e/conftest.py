"""Browser tests: the app served on 127.0.0.1 by a threaded WSGI server in the test
process, against a fresh database built by the migrations with the demo loaded, driven
through Playwright by Debian's Chromium (never a downloaded browser).

Without Chromium, Playwright or axe-core the tests skip and say why; with the
environment variable CI set, the same absence fails them, so CI never skips silently.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from summit.demo.seed import load_demo
from summit.extensions import db
from summit.models import MailMessage

from ..catalogs import ensure_compiled
from ..conftest import fresh_database_url, make_app

E2E = Path(__file__).resolve().parent
SCREENSHOTS = E2E.parent / "screenshots"
AXE_SCRIPT = E2E / "node_modules" / "axe-core" / "axe.min.js"
# Without the networking switches Chromium keeps calling home, and this closed network
# refuses it; the others keep a headless run quiet and reproducible.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
ACTION_TIMEOUT_MS = 15_000


def missing(reason: str) -> None:
    """Skip for want of a tool, or fail when running in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass
class LiveServer:
    url: str
    app: Flask

    def mails_to(self, address: str) -> list[email.message.EmailMessage]:
        outbox = Path(self.app.instance_path) / "outbox"
        mails = [
            email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(outbox.glob("*.eml"))
        ]
        return [mail for mail in mails if address in mail["To"]]

    def wait_for_mail(self, address: str, timeout: float = 30) -> email.message.EmailMessage:
        """The newest mail to ``address``: mail goes out after the response, so the page
        can be on screen a moment before its mail is written."""
        deadline = time.monotonic() + timeout
        while not (mails := self.mails_to(address)):
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail to {address} within {timeout} s; the queue: "
                                     f"{self.mail_queue()}")
            time.sleep(0.1)
        return mails[-1]

    def mail_queue(self) -> list[tuple]:
        with self.app.app_context():
            return [(mail.recipient, mail.kind, mail.status.value, mail.attempts,
                     mail.last_error) for mail in db.session.scalars(select(MailMessage))]

    def private_link(self, address: str) -> str:
        """The private link from the newest mail to ``address``."""
        body = self.wait_for_mail(address).get_body(preferencelist=("plain",)).get_content()
        return re.search(r"https?://\S+/r/[\w-]+", body).group(0)


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        """No access log: a failing test's output shows what matters."""


@contextmanager
def serve_demo(backend: str, folder: Path, name: str = "e2e") -> Iterator[LiveServer]:
    """The demo, on a fresh database ``name`` (in ``folder`` on SQLite, a schema on
    PostgreSQL), served on an ephemeral port."""
    ensure_compiled()
    url = fresh_database_url(backend, folder, name=name)
    app = make_app(url, INSTANCE_PATH=str(folder / "instance"), BASE_URL=None)
    with app.app_context():
        upgrade()
        load_demo(db.session)
        db.session.commit()
    # The standard library's server, one thread per request: it closes every response
    # (werkzeug's development server skips the close when the browser resets the
    # connection first, and the mail that goes out on close then never does).
    server = make_server("127.0.0.1", 0, app, server_class=ThreadingServer,
                         handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


# What axe reports, reduced to what a person fixing it needs.
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
  }));
}"""


@pytest.fixture(scope="session")
def live_server(backend: str, tmp_path_factory) -> Iterator[LiveServer]:
    """The demo event, served for the whole session on an ephemeral port."""
    with serve_demo(backend, tmp_path_factory.mktemp(f"e2e-{backend}")) as server:
        yield server


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    executable = shutil.which("chromium")
    if executable is None:
        missing("Debian's chromium is not installed (`make test` installs it with apt)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed (pip install -e '.[test]')")
    # Patient enough for a machine busy with other work; a real failure still fails.
    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def axe_script() -> str:
    if not AXE_SCRIPT.exists():
        missing(f"axe-core is not installed ({AXE_SCRIPT.relative_to(E2E.parent.parent)}); "
                "`make test` installs it with npm")
    return AXE_SCRIPT.read_text(encoding="utf-8")


class Screenshots:
    """Numbered full-page screenshots of each step, in tests/screenshots/<test name>/."""

    def __init__(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder = folder
        self.count = 0

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def keep(self, download, name: str) -> Path:
        """Save a download beside the screenshots; a PDF also as a picture of its first
        page where poppler's pdftoppm is installed."""
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}"
        download.save_as(path)
        if path.suffix == ".pdf" and (pdftoppm := shutil.which("pdftoppm")):
            subprocess.run([pdftoppm, "-png", "-r", "110", "-singlefile", str(path),
                            str(path.with_suffix(""))], check=True, timeout=60)
        return path


@pytest.fixture
def screenshots(request) -> Screenshots:
    name = re.sub(r"[^\w-]+", "-", request.node.name).strip("-")
    return Screenshots(SCREENSHOTS / name)


def new_page(chromium, locale: str, viewport: dict, **options):
    """A fresh browser profile (no cookies) reading in ``locale``, e.g. a phone from a
    WeChat link."""
    context = chromium.new_context(locale=locale, viewport=viewport, **options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    return context.new_page()


@pytest.fixture
def browser_pages(chromium) -> Iterator[Callable]:
    """Opens pages in fresh contexts and closes them after the test."""
    pages = []

    def open_page(locale: str = "zh-CN", viewport: dict = DESKTOP, **options):
        page = new_page(chromium, locale, viewport, **options)
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.context.close()


def no_sideways_scrolling(page) -> None:
    """Nothing sticks out to the right: the page is as wide as the window."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the login form, in whatever language the page is in."""
    page.goto(base_url + "/admin/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(lambda url: "/admin/login" not in url)
