"""`make bench`: the paths that carry registration day and the morning of the event,
through gunicorn (as gunicorn.conf.py sizes it) on 127.0.0.1, driven by wrk, on SQLite
and, when BENCH_DATABASE_URL or TEST_DATABASE_URL is set, on PostgreSQL too (its
public schema is dropped and rebuilt). Prints one table with each path's ratio to a
/healthz run just before it, checks the targets, then runs the badge benchmark. The
pages and feeds run in three rounds of (/healthz, path) pairs and each ratio is the
median of its rounds': this VM's speed swings from one minute to the next.

    make bench                                    # 60 s per path at 64 connections
    BENCH_SECONDS=10 make bench                   # a quick run
    SOAK_MINUTES=10 make bench                    # …and the soak test afterwards
    BENCH_BADGES=300 make bench                   # badge sheets of 300 only (default 300,3000;
                                                  # empty: no badge benchmark)
    BENCH_MAILINGS=3000 make bench                # a group mail to 3,000 (default 30000;
                                                  # empty: no group-mail benchmark)

wrk and gunicorn share the machine, as the targets assume.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

from editions import add_earlier_editions, describe
from harness import (
    DEMO,
    DEMO_SLUG,
    PROJECT_ROOT,
    Browser,
    LoadResult,
    Measured,
    combined,
    fresh_database,
    gunicorn,
    mail_worker,
    postgres_url,
    ratio_table,
    run_wrk,
    seconds_until_mail_sent,
    served_size,
    temporary_folder,
)
from registration import five_answers, prepare, register_under_load, seating
from sqlalchemy import create_engine, select

DESK_EMAIL = "desk@bench.example.org"
DESK_PASSWORD = "bench-desk-password"
# The targets of issue 8, for this 2-core machine with wrk on it too.
AGENDA_RATIO = 0.5
FEED_RATIO = 0.8
REGISTRATIONS_PER_SECOND = 100
# (/healthz, path) pairs per page or feed.
ROUNDS = 3


@dataclass
class Run:
    backend: str
    measured: list[Measured]
    seating: str

    def __getitem__(self, name: str) -> Measured:
        return next(item for item in self.measured if item.result.name == name)

    def health(self) -> LoadResult:
        """/healthz over all its runs."""
        return combined([health for item in self.measured for health in item.healths],
                        "/healthz (median)")


def add_desk_account(url: str) -> None:
    from summit import create_app
    from summit.auth.service import create_user
    from summit.extensions import db
    from summit.models import Event, EventRole, Role

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        desk = create_user(db.session, DESK_EMAIL, DESK_PASSWORD, Role.CHECKIN, "Bench desk")
        demo = db.session.scalars(select(Event).where(Event.slug == DEMO_SLUG)).one()
        desk.event_roles = [EventRole(event=demo, role=Role.CHECKIN)]
        db.session.commit()
        db.engine.dispose()


def checkin_codes(url: str, folder: Path) -> Path:
    """The badge codes of everyone registered for the demo so far, one per line."""
    from summit.models import Event, Registration

    engine = create_engine(url)
    with engine.connect() as connection:
        codes = connection.scalars(
            select(Registration.checkin_code).join(Registration.event)
            .where(Event.slug == DEMO_SLUG).order_by(Registration.id)).all()
    engine.dispose()
    path = folder / "checkin-codes.txt"
    path.write_text("\n".join(codes) + "\n")
    return path


def warm(base: str, path: str, requests: int, headers: dict[str, str] | None = None) -> None:
    """Let every worker build and cache what the path needs before the clock starts."""
    for _ in range(requests):
        request = urllib.request.Request(base + path, headers=headers or {})
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()


def measure(backend: str, seconds: int, connections: int, workers: int, threads: int) -> Run:
    folder = temporary_folder()
    url = fresh_database(folder, backend)
    add_earlier_editions(url)
    forum = prepare(url)
    add_desk_account(url)
    measured = []
    with gunicorn(url, folder, workers=workers, threads=threads) as base, mail_worker(url, folder):
        def beside_health(run, rounds: int = 1) -> None:
            pairs = []
            for _ in range(rounds):
                health = run_wrk("/healthz", f"{base}/healthz", max(5, seconds // 3 // rounds),
                                 connections)
                pairs.append((run(), health))
            measured.append(Measured(pairs))

        def load(name: str, path: str, **options) -> None:
            beside_health(lambda: run_wrk(name, base + path, max(5, seconds // ROUNDS),
                                          connections, **options), ROUNDS)

        # The desk signs in first, as it would before the doors open.
        desk = Browser(base)
        status, _headers, _body = desk.submit(
            "/admin/login", {"email": DESK_EMAIL, "password": DESK_PASSWORD})
        if status != 302:
            raise SystemExit(f"the bench's desk account could not sign in ({status})")
        # The demo event's own addresses (the names in the table leave its slug out).
        warm(base, DEMO + "/agenda", workers * threads * 2)
        load("/agenda", DEMO + "/agenda")
        # Feeds as calendar apps and schedule apps ask for them: compressed.
        compressed = {"Accept-Encoding": "gzip"}
        for path in ("/calendar.ics", "/schedule.xml"):
            warm(base, DEMO + path, workers * threads * 2, compressed)
            load(f"{path} (gzip)", DEMO + path, headers=compressed)
        with urllib.request.urlopen(base + DEMO + "/agenda", timeout=30) as response:
            etag = response.headers["ETag"]
        load("/agenda (304)", DEMO + "/agenda", headers={"If-None-Match": etag})
        answers = five_answers(url)
        beside_health(lambda: register_under_load(base, forum, seconds, connections, answers))
        drained = seconds_until_mail_sent(url)

        token = desk.csrf_token(f"/admin/{DEMO_SLUG}/checkin")
        beside_health(lambda: run_wrk(
            "POST check-in", f"{base}/admin/{DEMO_SLUG}/checkin/scan.json", seconds, connections,
            script=PROJECT_ROOT / "bench" / "wrk_checkin.lua",
            script_args=[token, desk.cookie_header(), str(checkin_codes(url, folder))]))
    return Run(backend, measured, f"{seating(url, forum)}; every confirmation mail sent "
                                  f"{drained:.1f} s after the load (one mail worker beside)")


def one_table(runs: list[Run]) -> str:
    """One table: each database's /healthz, then its paths, each with its ratio to the
    /healthz runs just before it (the median of its rounds')."""
    rows = []
    for run in runs:
        health = run.health()
        rows.append((replace(health, name=f"{run.backend}: {health.name}"), 1.0))
        rows += [(replace(item.result, name=f"{run.backend}: {item.result.name}"), item.ratio)
                 for item in run.measured]
    return ratio_table(rows)


def targets(run: Run, seconds: int, connections: int) -> list[str]:
    registering = run["POST /register"].result.requests_per_second
    checks = [
        (f"/agenda ≥ {AGENDA_RATIO}× /healthz", run["/agenda"].ratio >= AGENDA_RATIO,
         f"{run['/agenda'].ratio:.2f}×"),
        *((f"{feed} ≥ {FEED_RATIO}× /healthz", run[feed].ratio >= FEED_RATIO,
           f"{run[feed].ratio:.2f}×") for feed in ("/calendar.ics (gzip)", "/schedule.xml (gzip)")),
        (f"registration ≥ {REGISTRATIONS_PER_SECOND}/s",
         registering >= REGISTRATIONS_PER_SECOND, f"{registering:.0f}/s"),
        (f"0 errors at {connections} connections for {seconds} s",
         not any(item.errors for item in run.measured),
         f"{sum(item.errors for item in run.measured)} errors"),
    ]
    return [f"  {run.backend:<11}{'met' if met else 'NOT met':<9}{label} ({value})"
            for label, met, value in checks]


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                     .splitlines() if line.startswith("MemTotal"))
    return f"{os.cpu_count()} CPUs ({model}), {memory_kb / 1024 / 1024:.1f} GB RAM"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    seconds = int(os.environ.get("BENCH_SECONDS", "60"))
    connections = int(os.environ.get("BENCH_CONNECTIONS", "64"))
    badges = os.environ.get("BENCH_BADGES", "300,3000")
    soak_minutes = os.environ.get("SOAK_MINUTES")
    mailing_recipients = os.environ.get("BENCH_MAILINGS", "30000")
    workers, threads = served_size()
    backends = ["sqlite"] + (["postgresql"] if postgres_url() else [])

    started = time.strftime("%Y-%m-%d %H:%M %Z")
    load_before = load_average()
    runs = [measure(backend, seconds, connections, workers, threads) for backend in backends]

    print(f"\nSummit bench, {started}: {machine()}; gunicorn {workers} workers × {threads} "
          f"threads (gthread) and wrk ({connections} connections, {seconds} s per path) on "
          f"the same machine; load average before {load_before}, after {load_average()}; "
          f"the database holds {describe()}")
    print(one_table(runs))
    for run in runs:
        print(f"  {run.backend}: {run.seating}")
    print("targets:")
    for run in runs:
        print("\n".join(targets(run, seconds, connections)))
    if seconds < 60 or connections != 64:
        print("  (a shorter or smaller run than the targets name: indicative only)")
    sys.stdout.flush()

    badge_bench = PROJECT_ROOT / "bench" / "badges.py"
    if not badges:
        print("\nbadges: not measured (BENCH_BADGES is empty)")
    elif badge_bench.exists():
        print("\nbadges (bench/badges.py):", flush=True)
        subprocess.run([sys.executable, str(badge_bench), "--sizes", badges], check=True)
    else:
        print("\nbadges: bench/badges.py is not here yet; not measured")
    if mailing_recipients:
        for backend in backends:
            print(f"\ngroup mail (bench/mailings.py, {mailing_recipients} recipients, "
                  f"{backend}):", flush=True)
            subprocess.run([sys.executable, str(PROJECT_ROOT / "bench" / "mailings.py"),
                            "--recipients", mailing_recipients, "--workers", "2",
                            *(["--sqlite"] if backend == "sqlite" else [])], check=False)
    else:
        print("\ngroup mail: not measured (BENCH_MAILINGS is empty)")
    if soak_minutes:
        print(f"\nsoak (bench/soak.py, {soak_minutes} minutes):", flush=True)
        subprocess.run([sys.executable, str(PROJECT_ROOT / "bench" / "soak.py"),
                        "--minutes", soak_minutes], check=True)


if __name__ == "__main__":
    main()
