"""What the benchmarks share: a fresh database with the demo, gunicorn on 127.0.0.1,
and Debian's wrk as the load generator (all aimed at 127.0.0.1 only, bounded in time)."""

from __future__ import annotations

import argparse
import os
import re
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from tests.servers import Browser, gunicorn  # noqa: E402  (one launcher for tests and benches)

__all__ = ["Browser", "LoadResult", "Measured", "combined", "fresh_database", "gunicorn",
           "mail_worker", "postgres_url", "ratio_table", "run_wrk", "seconds_until_mail_sent",
           "served_size", "table"]


def postgres_url() -> str | None:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")


# The demo event (what `flask summit seed` loads), and where its pages, form and feeds live.
DEMO_SLUG = "embedded-china-2020"
DEMO = f"/{DEMO_SLUG}"


def fresh_database(folder: Path, backend: str | None = None) -> str:
    """An empty database at head with the demo loaded: PostgreSQL when
    BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set — its public schema is dropped —
    else SQLite in ``folder``; ``backend="sqlite"`` asks for SQLite in any case."""
    from sqlalchemy import create_engine, text

    url = postgres_url() if backend != "sqlite" else None
    if url:
        from summit.config import normalise_database_url

        url = normalise_database_url(url)
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{folder / 'bench.db'}"
    env = {**os.environ, "DATABASE_URL": url, "SUMMIT_INSTANCE_PATH": str(folder)}
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "app"]
    for command in (["db", "upgrade"], ["summit", "seed"]):
        subprocess.run(flask + command, cwd=PROJECT_ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return url


def served_size() -> tuple[int, int]:
    """Workers and threads as gunicorn.conf.py chooses them here (the environment's
    WEB_CONCURRENCY and GUNICORN_THREADS included)."""
    conf = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    return conf["workers"], conf["threads"]


@dataclass
class LoadResult:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def load_parser(description: str, seconds: int, connections: int) -> argparse.ArgumentParser:
    """The options of a bench that loads gunicorn with wrk: how long, how many
    connections, and the server's size (gunicorn.conf.py's by default)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=int, default=seconds, help="wrk run per address")
    parser.add_argument("--connections", type=int, default=connections)
    workers, threads = served_size()
    parser.add_argument("--workers", type=int, default=workers)
    parser.add_argument("--threads", type=int, default=threads)
    return parser


def combined(runs: list[LoadResult], name: str) -> LoadResult:
    """Several runs of one path as one: median rate and p50, the worst p99, every error."""
    return LoadResult(
        name=name,
        requests_per_second=statistics.median(run.requests_per_second for run in runs),
        p50_ms=statistics.median(run.p50_ms for run in runs),
        p99_ms=max(run.p99_ms for run in runs),
        errors=sum(run.errors for run in runs), requests=sum(run.requests for run in runs),
    )


@dataclass
class Measured:
    """A path's runs, each with the /healthz run just before it: the machine's speed
    drifts between runs, so each ratio is taken against its neighbour, and the path's
    ratio is the median of its rounds'."""

    pairs: list[tuple[LoadResult, LoadResult]]  # (path, /healthz)

    @property
    def result(self) -> LoadResult:
        return combined([result for result, _ in self.pairs], self.pairs[0][0].name)

    @property
    def healths(self) -> list[LoadResult]:
        return [health for _, health in self.pairs]

    @property
    def round_ratios(self) -> list[float]:
        return [result.requests_per_second / health.requests_per_second
                for result, health in self.pairs]

    @property
    def ratio(self) -> float:
        return statistics.median(self.round_ratios)

    @property
    def errors(self) -> int:
        return sum(result.errors + health.errors for result, health in self.pairs)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def _milliseconds(value: str) -> float:
    """wrk writes 812.00us, 1.20ms, 2.05s, 1.00m or 1h."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value)
    if match is None:
        raise ValueError(f"not a wrk duration: {value!r}")
    number, unit = match.groups()
    return float(number) * _UNITS[unit]


def run_wrk(name: str, url: str, seconds: int, connections: int = 64, threads: int = 2,
            script: Path | None = None, script_args: list[str] | None = None,
            headers: dict[str, str] | None = None) -> LoadResult:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    command = ["wrk", "--latency", "-t", str(threads), "-c", str(connections),
               "-d", f"{seconds}s", "--timeout", "30s"]
    for header, value in (headers or {}).items():
        command += ["-H", f"{header}: {value}"]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return LoadResult(
        name=name,
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        p99_ms=_milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        errors=errors,
        requests=requests,
    )


def table(results: list[LoadResult], baseline: LoadResult) -> str:
    return ratio_table([(result, result.requests_per_second / baseline.requests_per_second)
                        for result in results])


def ratio_table(rows: list[tuple[LoadResult, float]]) -> str:
    """Results, each with its ratio to /healthz."""
    lines = [f"{'path':<34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"
             f"{'× /healthz':>12}"]
    for result, ratio in rows:
        lines.append(f"{result.name:<34}{result.requests_per_second:>10.1f}"
                     f"{result.p50_ms:>10.1f}{result.p99_ms:>10.1f}{result.errors:>8}"
                     f"{ratio:>12.2f}")
    return "\n".join(lines)


def temporary_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="summit-bench-"))


@contextmanager
def mail_worker(url: str, folder: Path) -> Iterator[None]:
    """`flask summit mail-worker` beside the app servers, as the README's production runs
    it (at a lower priority than the web: mail can wait a second, pages should not). No
    mail server: it writes the mails to ``folder``/outbox."""
    env = {**os.environ, "DATABASE_URL": url, "SUMMIT_INSTANCE_PATH": str(folder),
           "SECRET_KEY": "test-secret-key-shared-by-all-workers-0123456789",
           "LOG_LEVEL": "WARNING"}
    env.pop("MAIL_SERVER", None)
    flask = str(Path(sys.executable).parent / "flask")
    process = subprocess.Popen(["nice", "-n", "10", flask, "--app", "app", "summit",
                                "mail-worker"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Requests leave their mail to it once its first sign of life is in, and each
        # app process looks again within outbox.WORKER_CHECK_INTERVAL.
        _wait_for_row(url, "SELECT name FROM mail_worker", process)
        time.sleep(5)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for_row(url: str, query: str, process: subprocess.Popen, limit: float = 60.0) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < limit and process.poll() is None:
            with engine.connect() as connection:
                if connection.execute(text(query)).first():
                    return
            time.sleep(0.5)
        raise SystemExit(f"the mail worker did not start (exit code {process.poll()})")
    finally:
        engine.dispose()


def seconds_until_mail_sent(url: str, limit: float = 600.0) -> float:
    """How long until no mail is left to send (the workers drain what a load queued)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < limit:
            with engine.connect() as connection:
                left = connection.execute(text(
                    "SELECT count(*) FROM mail_message WHERE status <> 'sent'")).scalar()
            if not left:
                return time.monotonic() - started
            time.sleep(0.5)
        raise SystemExit(f"{left} mails still unsent after {limit:.0f} s")
    finally:
        engine.dispose()
