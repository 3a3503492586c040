"""Soak: a steady mix of page views, feed polls and registrations against gunicorn for
some minutes (PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL is set, else
SQLite), sampling every worker's memory. Passes when no request failed and the
workers' memory grew less than 10% from the end of the warm-up to the end.

    .venv/bin/python bench/soak.py --minutes 10
    SOAK_MINUTES=10 make bench          # after the benchmark table

The warm-up lets every worker fill its caches (rendered pages, feeds): they are bounded,
and growth within their bounds is not what this looks for.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path

from harness import (
    DEMO,
    PROJECT_ROOT,
    Browser,
    fresh_database,
    gunicorn,
    run_wrk,
    served_size,
    temporary_folder,
)
from registration import prepare
from sqlalchemy import create_engine, text

GROWTH_LIMIT = 0.10
SAMPLE_SECONDS = 30


def worker_memory(pid_file: Path) -> dict[int, int]:
    """Resident memory in kB of each worker of the gunicorn master in ``pid_file``."""
    master = int(pid_file.read_text())
    workers = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    memory = {}
    for pid in map(int, workers):
        status = Path(f"/proc/{pid}/status").read_text()
        memory[pid] = next(int(line.split()[1]) for line in status.splitlines()
                           if line.startswith("VmRSS:"))
    return memory


def visited_paths(url: str) -> list[str]:
    """Every public page and feed of the demo event, in both languages."""
    engine = create_engine(url)
    with engine.connect() as connection:
        sessions = connection.execute(text("SELECT id FROM programme_session")).scalars().all()
        speakers = connection.execute(text("SELECT id FROM speaker")).scalars().all()
        forums = connection.execute(text("SELECT slug FROM forum")).scalars().all()
    engine.dispose()
    pages = ["/", "/agenda", "/speakers", "/calendar.ics", "/schedule.xml", "/schedule.json"]
    pages += [f"/sessions/{n}" for n in sessions] + [f"/speakers/{n}" for n in speakers]
    pages += [f"/forums/{slug}" for slug in forums]
    pages = [DEMO + page for page in pages]
    return [f"{page}{'&' if '?' in page else '?'}lang={lang}" for page in pages
            for lang in ("zh", "en")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--warmup", type=int, default=60, help="seconds before the first sample")
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args()
    workers, threads = served_size()

    folder = temporary_folder()
    url = fresh_database(folder)
    forum = prepare(url)
    paths_file = folder / "paths.txt"
    paths_file.write_text("\n".join(visited_paths(url)) + "\n")
    pid_file = folder / "gunicorn.pid"
    samples: list[tuple[float, dict[int, int]]] = []
    stop = threading.Event()

    def sample(started: float) -> None:
        while not stop.wait(SAMPLE_SECONDS):
            samples.append((time.monotonic() - started, worker_memory(pid_file)))

    with gunicorn(url, folder, workers=workers, threads=threads,
                  GUNICORN_CMD_ARGS=f"--pid {pid_file}") as base:
        visitor = Browser(base)
        form = f"{DEMO}/register"
        arguments = [visitor.csrf_token(form), visitor.cookie_header(), str(forum), form,
                     str(paths_file)]
        script = PROJECT_ROOT / "bench" / "wrk_soak.lua"
        warmup = run_wrk("warm-up", f"{base}/", options.warmup, options.connections,
                         script=script, script_args=arguments)
        started = time.monotonic()
        samples.append((0.0, worker_memory(pid_file)))
        sampler = threading.Thread(target=sample, args=(started,))
        sampler.start()
        try:
            soak = run_wrk("soak", f"{base}/", round(options.minutes * 60), options.connections,
                           script=script, script_args=arguments)
        finally:
            stop.set()
            sampler.join()
        samples.append((time.monotonic() - started, worker_memory(pid_file)))

    first, last = samples[0][1], samples[-1][1]
    print(f"soak: {options.minutes:g} min at {options.connections} connections after a "
          f"{options.warmup} s warm-up; gunicorn {workers} workers × {threads} threads on "
          f"{url.split('://')[0]}; {os.cpu_count()} CPUs shared with wrk; load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"{'minute':>8}{'workers MB':>12}   per worker MB")
    for seconds, memory in samples:
        print(f"{seconds / 60:>8.1f}{sum(memory.values()) / 1024:>12.1f}   "
              + " ".join(f"{kb / 1024:.1f}" for kb in memory.values()))
    restarted = set(first) != set(last)
    growth = sum(last.values()) / sum(first.values()) - 1
    print(f"requests: {soak.requests} ({soak.requests_per_second:.1f}/s, p99 "
          f"{soak.p99_ms:.0f} ms), errors: {soak.errors} (warm-up: {warmup.errors}); "
          f"worker memory {growth:+.1%}{'; a worker was replaced' if restarted else ''}")
    met = soak.errors == 0 and not restarted and growth < GROWTH_LIMIT
    print(f"target: no errors, memory growth < {GROWTH_LIMIT:.0%}: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
