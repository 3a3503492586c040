"""Real servers for tests that need real concurrency: gunicorn with several worker
processes on 127.0.0.1, and a small HTTP client that keeps cookies and CSRF tokens."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, instance_path: Path, workers: int = 3, threads: int = 8,
             **environment: str) -> Iterator[str]:
    """Serve the app with gunicorn against ``database_url``; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SUMMIT_INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": "test-secret-key-shared-by-all-workers-0123456789",
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        **environment,
    }
    command = [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--threads", str(threads), "--worker-class", "gthread", "--timeout", "60",
               "app:app"]
    with serving(command, env, port, signal.SIGTERM) as base:
        yield base


@contextmanager
def serving(command: list[str], env: dict, port: int, stop: signal.Signals) -> Iterator[str]:
    """Run ``command``, a server of the app listening on 127.0.0.1:``port``; yields its
    base URL once /healthz answers, and stops it with ``stop``. What it writes to stderr
    goes to a file (a pipe nobody reads would block a server that logs much), whose end
    is added to any error raised while it serves."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, process)
            yield base
        except BaseException as error:
            error.add_note(f"The server's log ended with:\n{_tail(log)}")
            raise
        finally:
            process.send_signal(stop)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _tail(log, size: int = 4000) -> str:
    log.seek(0, os.SEEK_END)
    log.seek(max(0, log.tell() - size))
    return log.read().decode(errors="replace")


def wait_until_up(base: str, process: subprocess.Popen, seconds: float = 90) -> None:
    # Generous: on a busy 2-core machine every worker importing the app takes a while.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("the server did not answer /healthz in time")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One visitor: keeps cookies, fetches forms' CSRF tokens, does not follow redirects."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)

    def request(self, method: str, path: str, data: dict | list | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def csrf_token(self, path: str) -> str:
        status, _headers, html = self.request("GET", path)
        assert status == 200, (path, status)
        return CSRF_FIELD.search(html).group(1)

    def submit(self, form_path: str, fields: dict, action: str | None = None):
        """GET the form for its token, then POST ``fields`` to ``action`` (or the form's path)."""
        token = self.csrf_token(form_path)
        return self.request("POST", action or form_path, {"csrf_token": token, **fields})
