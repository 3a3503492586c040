"""Calendar feeds and schedule exports of a 1,000-session programme: the cold build,
and warm feeds under load as a ratio to /healthz measured in the same run.

    .venv/bin/python bench/feeds.py            # SQLite in a temporary folder
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/summit_bench \\
        .venv/bin/python bench/feeds.py

Cold: each request follows an edit of the programme (so its version is new and
nothing is cached), timed in process (its heap frozen as a gunicorn worker's) through
the whole Flask stack: route, event lookup, loading 1,000 sessions with forums and
speakers, building, validators. Target ≤ 300 ms. Warm: gunicorn on 127.0.0.1 and wrk,
after every worker has built the feeds once, each feed as is and gzip-compressed (as
calendar apps and browsers ask for it), each right after a /healthz run, in several
rounds: a shared VM's speed swings from one minute to the next, so a feed's ratio is
the median of its rounds' ratios. Target: the gzip feeds ≥ 0.8 × the requests per
second of /healthz.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
import urllib.request
from datetime import timedelta

from harness import (
    DEMO,
    PROJECT_ROOT,
    LoadResult,
    Measured,
    combined,
    fresh_database,
    gunicorn,
    load_parser,
    run_wrk,
    temporary_folder,
)

COLD_TARGET_MS = 300
WARM_TARGET_RATIO = 0.8
SESSIONS = 1000
# The demo event's feeds, and the first version's address of one (the same answer).
FEEDS = [f"{DEMO}/calendar.ics?lang=zh", f"{DEMO}/schedule.xml?lang=zh",
         f"{DEMO}/schedule.json?lang=en", "/calendar.ics?lang=zh"]


def grow_programme(app, sessions: int) -> None:
    """Add talks to the demo event until it has ``sessions``: 20-minute slots in the
    parallel forums over the event's days, one to three of 150 speakers each, and
    abstracts of a realistic length in both languages."""
    from sqlalchemy import func, select

    from summit.demo.seed import SLUG, local_time
    from summit.extensions import db
    from summit.models import Event, Forum, ForumKind, ProgrammeSession, SessionKind, Speaker

    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.slug == SLUG)).one()
        forums = db.session.scalars(
            select(Forum).where(Forum.event_id == event.id, Forum.kind == ForumKind.PARALLEL)
        ).all()
        speakers = [
            Speaker(event=event, name_zh=f"讲者{n:03d}", name_en=f"Speaker {n:03d}",
                    affiliation_zh="东南大学计算机科学与工程学院",
                    affiliation_en="School of Computer Science, Southeast University",
                    is_demo=True)
            for n in range(150)
        ]
        db.session.add_all(speakers)
        missing = sessions - db.session.scalar(select(func.count()).select_from(ProgrammeSession))
        for n in range(missing):
            forum = forums[n % len(forums)]
            slot = n // len(forums)
            day, minute = 25 + slot % 3, 8 * 60 + (slot // 3 * 20) % (12 * 60)
            starts = local_time(day, f"{minute // 60:02d}:{minute % 60:02d}")
            item = ProgrammeSession(
                event=event, forum=forum, kind=SessionKind.TALK,
                title_zh=f"面向5G边缘计算的嵌入式人工智能芯片设计与部署实践（第{n + 1}讲）",
                title_en=f"Embedded AI chips for 5G edge computing, part {n + 1}",
                abstract_zh="本报告介绍轻量级神经网络在国产嵌入式处理器上的量化、编译与部署，"
                            "并结合工业现场案例讨论实时性、功耗与可信性之间的权衡。" * 2,
                abstract_en="This talk covers quantising, compiling and deploying light neural "
                            "networks on domestic embedded processors, and weighs real-time "
                            "behaviour, power and trust against each other in factory cases.",
                starts_at=starts, ends_at=starts + timedelta(minutes=20),
            )
            item.speakers.extend(speakers[(n + k) % len(speakers)] for k in range(1 + n % 3))
            db.session.add(item)
        db.session.commit()


def cold_builds(app, paths: list[str], rounds: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) milliseconds per request right after an edit of the programme, and
    for /healthz alongside. CPU time is what the build itself costs; wall time adds
    whatever else the shared machine is doing."""
    from sqlalchemy import select

    from summit.extensions import db
    from summit.models import ProgrammeSession

    client = app.test_client()

    def timed(path: str) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        timing = ((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        return timing

    timings: dict[str, list[tuple[float, float]]] = {path: [] for path in paths}
    timings["/healthz"] = [timed("/healthz") for _ in range(rounds)]
    for round_number in range(rounds):
        for path in paths:
            with app.app_context():
                item = db.session.scalars(select(ProgrammeSession).limit(1)).one()
                item.title_zh = f"开幕式（第{round_number}版）"
                db.session.commit()
            timings[path].append(timed(path))
    return timings


def main() -> None:
    parser = load_parser(__doc__.splitlines()[0], seconds=5, connections=16)
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--rounds", type=int, default=7, help="cold builds per feed")
    parser.add_argument("--warm-rounds", type=int, default=3,
                        help="(/healthz, feed) pairs per feed")
    options = parser.parse_args()

    folder = temporary_folder()
    url = fresh_database(folder)

    from summit import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder),
                      "RATELIMIT_ENABLED": False})
    grow_programme(app, options.sessions)
    # This process's heap as a gunicorn worker's (gunicorn.conf.py, post_worker_init).
    gc.collect()
    gc.freeze()
    cold_paths = [f"{DEMO}/calendar.ics?lang=zh", f"{DEMO}/schedule.xml?lang=zh"]
    cold = cold_builds(app, cold_paths, options.rounds)
    sizes = {path: len(app.test_client().get(path).get_data()) for path in FEEDS}

    gzip_script = PROJECT_ROOT / "bench" / "wrk_gzip.lua"
    with gunicorn(url, folder, workers=options.workers, threads=options.threads) as base:
        for path in FEEDS:  # every worker builds each feed once before the clock starts
            for encoding in ("identity", "gzip"):
                request = urllib.request.Request(base + path,
                                                 headers={"Accept-Encoding": encoding})
                for _ in range(options.workers * options.threads * 4):
                    with urllib.request.urlopen(request, timeout=30) as response:
                        response.read()
        # Each feed right after its own /healthz run, so that both meet the same
        # background load on a shared machine; the rounds go through every feed in turn.
        rounds: dict[str, list[tuple[LoadResult, LoadResult]]] = {}
        for _ in range(options.warm_rounds):
            for path in FEEDS:
                for name, script in ((path, None), (f"{path} gzip", gzip_script)):
                    health = run_wrk("/healthz", f"{base}/healthz", options.seconds,
                                     options.connections, script=script)
                    feed = run_wrk(name, base + path, options.seconds, options.connections,
                                   script=script)
                    rounds.setdefault(name, []).append((feed, health))
        warm = [Measured(pairs) for pairs in rounds.values()]

    print(f"database: {url.split('://')[0]}, {options.sessions} sessions; gunicorn "
          f"{options.workers} workers × {options.threads} threads, wrk {options.connections} "
          f"connections, {options.seconds} s each; {os.cpu_count()} CPUs shared with wrk; "
          f"load average at the end {os.getloadavg()[0]:.1f}")
    print()
    print(f"cold (an edit before each request), ms, median of {options.rounds} rounds:")
    print(f"{'path':<28}{'wall':>10}{'min wall':>10}{'CPU':>10}{'bytes':>12}")
    for path, values in cold.items():
        walls, cpus = [wall for wall, _ in values], [cpu for _, cpu in values]
        size = f"{sizes[path]:>12}" if path in sizes else f"{'':>12}"
        print(f"{path:<28}{statistics.median(walls):>10.1f}{min(walls):>10.1f}"
              f"{statistics.median(cpus):>10.1f}{size}")
    print()
    print(f"warm, under load (each feed against the /healthz run just before it; medians "
          f"of {options.warm_rounds} rounds, the worst p99, and each round's ratio):")
    print(f"{'path':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"
          f"{'/healthz':>10}{'ratio':>8}  rounds")
    for item in warm:
        feed = item.result
        health = combined(item.healths, "/healthz")
        print(f"{feed.name:<28}{feed.requests_per_second:>10.1f}{feed.p50_ms:>10.1f}"
              f"{feed.p99_ms:>10.1f}{feed.errors:>8}{health.requests_per_second:>10.1f}"
              f"{item.ratio:>8.2f}  " + " ".join(f"{ratio:.2f}" for ratio in item.round_ratios))
    print()
    worst_cold = max(statistics.median(wall for wall, _ in cold[path]) for path in cold_paths)
    # What calendar apps and browsers ask for: gzip.
    worst_ratio = min(item.ratio for item in warm if item.result.name.endswith("gzip"))
    errors = sum(item.errors for item in warm)
    print(f"cold build ≤ {COLD_TARGET_MS} ms (median, worst feed {worst_cold:.0f} ms): "
          f"{'met' if worst_cold <= COLD_TARGET_MS else 'NOT met'}")
    print(f"warm gzip feeds ≥ {WARM_TARGET_RATIO} × /healthz (worst {worst_ratio:.2f}), "
          f"0 errors ({errors}): "
          f"{'met' if worst_ratio >= WARM_TARGET_RATIO and not errors else 'NOT met'}")

if __name__ == "__main__":
    main()
