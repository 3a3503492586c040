"""What one request costs the app, apart from the server and the machine's load: the
demo event's cached feeds (gzip, as calendar apps ask; and their 304) against /healthz,
each called through the WSGI app in this process, on SQLite.

    .venv/bin/python bench/request_cost.py                 # CPU µs per request
    .venv/bin/python bench/request_cost.py --callgrind     # instructions per request
    .venv/bin/python bench/request_cost.py --profile NAME  # where one path's time goes

Wall-clock rates under wrk swing with whatever else a shared machine runs; instruction
counts do not. ``--callgrind`` runs this script under valgrind's callgrind with
collection off while the app starts and every path warms up, then, through callgrind's
client requests (a few lines of C compiled here with cc and valgrind's headers), zeroes
the counts, makes N requests of one path and dumps the counts, path after path. The
ratio column is /healthz's cost over the path's: what their requests per second under
wrk would be if the app were all a request cost (gunicorn's own work per request
narrows the gaps). bench/FINDINGS.md keeps the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import re
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

from harness import DEMO, PROJECT_ROOT, fresh_database, temporary_folder

# (name, path, headers): what make bench asks for, plus the conditional request a
# calendar app sends when it polls again.
PATHS = {
    "healthz": ("/healthz", {}),
    "ics": (f"{DEMO}/calendar.ics", {"Accept-Encoding": "gzip"}),
    "xml": (f"{DEMO}/schedule.xml", {"Accept-Encoding": "gzip"}),
    "ics-304": (f"{DEMO}/calendar.ics", {"Accept-Encoding": "gzip", "If-None-Match": None}),
    "xml-304": (f"{DEMO}/schedule.xml", {"Accept-Encoding": "gzip", "If-None-Match": None}),
}
WARM = 200


def environ_for(path: str, headers: dict[str, str]) -> dict:
    """A request as gunicorn hands it over (wrk's headers: Host, and what is asked)."""
    environ = {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000", "HTTP_HOST": "127.0.0.1:8000",
        "RAW_URI": path, "wsgi.url_scheme": "http", "wsgi.version": (1, 0),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def caller(app, name: str):
    """A function that makes one request for ``name`` and reads its whole answer."""
    path, headers = PATHS[name]
    if "If-None-Match" in headers:
        etag = one(app, environ_for(path, {**headers, "If-None-Match": ""}))[1]["ETag"]
        headers = {**headers, "If-None-Match": etag}
    environ = environ_for(path, headers)
    expected = "304" if "If-None-Match" in headers else "200"

    def call() -> None:
        status, _headers, _body = one(app, environ)
        if not status.startswith(expected):
            raise SystemExit(f"{name}: {status}")

    return call


def one(app, environ: dict) -> tuple[str, dict, bytes]:
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = status, dict(headers)

    request = dict(environ, **{"wsgi.input": BytesIO()})
    iterable = app(request, start_response)
    try:
        body = b"".join(iterable)
    finally:
        if hasattr(iterable, "close"):
            iterable.close()
    return started["status"], started["headers"], body


def make_app(folder: Path, seeded: bool = False):
    """The app as a gunicorn worker has it, on the demo in ``folder`` (seeded now unless
    ``seeded``)."""
    url = f"sqlite:///{folder / 'bench.db'}" if seeded else fresh_database(folder, "sqlite")
    os.environ.update({"DATABASE_URL": url, "SUMMIT_INSTANCE_PATH": str(folder),
                       "SECRET_KEY": "bench-secret-key-shared-by-all-workers-0123456789",
                       "RATELIMIT_ENABLED": "false", "LOG_LEVEL": "WARNING"})
    from summit import create_app

    app = create_app()
    gc.collect()
    gc.freeze()  # as gunicorn.conf.py's post_worker_init
    return app


CLIENT_REQUESTS = r"""
#include <valgrind/callgrind.h>
void summit_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void summit_zero(void) { CALLGRIND_ZERO_STATS; }
void summit_dump(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""


def callgrind_requests(folder: Path):
    """Callgrind's client requests (start collecting, zero, dump), compiled for ctypes."""
    import ctypes

    source, library = folder / "client_requests.c", folder / "client_requests.so"
    source.write_text(CLIENT_REQUESTS)
    subprocess.run(["cc", "-O1", "-shared", "-fPIC", "-o", str(library), str(source)],
                   check=True)
    return ctypes.CDLL(str(library))


def under_callgrind(names: list[str], requests: int, folder: Path) -> None:
    """In the process valgrind runs: warm every path up uninstrumented (fast), then for
    each path zero the counts, make ``requests`` requests and dump the counts."""
    client = callgrind_requests(folder)
    app = make_app(folder, seeded=True)
    calls = {name: caller(app, name) for name in names}
    for call in calls.values():
        for _ in range(WARM):
            call()
    client.summit_start()
    for name, call in calls.items():
        for _ in range(WARM // 10):  # the first after instrumentation starts: not counted
            call()
        client.summit_zero()
        for _ in range(requests):
            call()
        client.summit_dump(name.encode())


def instructions(names: list[str], requests: int, folder: Path) -> dict[str, float]:
    out = folder / "callgrind.out"
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
         sys.executable, __file__, "--under-callgrind", "--requests", str(requests),
         "--folder", str(folder), *names],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    costs = {}
    for dump in sorted(folder.glob("callgrind.out.*"), key=lambda p: int(p.suffix[1:])):
        text = dump.read_text(errors="replace")
        name = re.search(r"^desc: Trigger: Client Request: (\S+)", text, re.M).group(1)
        total = re.search(r"^summary: (\d+)", text, re.M).group(1)
        costs[name] = int(total) / requests
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--profile", metavar="NAME", choices=PATHS)
    parser.add_argument("--requests", type=int,
                        help="per path (default 2,000; under callgrind 200)")
    parser.add_argument("--under-callgrind", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", default=list(PATHS))
    options = parser.parse_args()

    if options.under_callgrind:
        under_callgrind(options.paths, options.requests, options.folder)
        return
    folder = temporary_folder()
    if options.callgrind:
        fresh_database(folder, "sqlite")
        costs = instructions(options.paths, options.requests or 200, folder)
        report(costs, "instructions")
        return

    options.requests = options.requests or 2000
    app = make_app(folder)
    if options.profile:
        call = caller(app, options.profile)
        for _ in range(WARM):
            call()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(options.requests):
            call()
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(60)
        return
    costs = {}
    for name in options.paths:
        call = caller(app, name)
        for _ in range(WARM):
            call()
        best = float("inf")
        for _ in range(5):  # the least disturbed of five runs
            started = time.process_time()
            for _ in range(options.requests // 5):
                call()
            best = min(best, (time.process_time() - started) / (options.requests // 5))
        costs[name] = best * 1e6
    report(costs, "CPU µs")


def report(costs: dict[str, float], unit: str) -> None:
    print(f"\n{'path':<10}{unit + ' per request':>26}{'× /healthz':>12}")
    for name, cost in costs.items():
        ratio = f"{costs['healthz'] / cost:>12.2f}" if "healthz" in costs else ""
        print(f"{name:<10}{cost:>26,.1f}{ratio}")


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_ROOT))
    main()
