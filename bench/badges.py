"""Badge printing: 300 and 3,000 badges of realistic attendees (Chinese and Latin names
mixed) to one PDF each, every badge rendered now (query, facts, chunks rendered on every
core, merged in order: what a batch does when no page was kept beforehand).

Prints wall seconds, pages per second, peak memory and CPU seconds of the whole process
tree (this process, the fork server and the workers), the ratio to WeasyPrint
rendering as many near-empty pages in one process in the same run (the renderer's
floor), and Summit's time as a ratio to reportlab drawing the same badges in one process
(bench/reportlab_badges.py, what pretix and Indico print with; issue 24 asks for ≤ 1).
On a shared machine the wall time follows the load; CPU seconds much less so.
Targets on a 2-core machine: 300 ≤ 4 s, 3,000 ≤ 40 s, peak memory ≤ 1 GB.

Then, for each size, the batch print as `flask summit badges` and the printing screen
make it once the mail workers have rendered every badge beforehand
(summit/badges/page_cache.py: the kept pages assembled with one subset per font),
against the same reportlab time, with its file size and the background's CPU seconds
(not part of the batch: spent as registrations change). Last, one badge as the desk
prints it (median of 10, warm), and as many certificates of attendance: rendered now,
and assembled from pages the mail workers kept beforehand
(summit/badges/certificate_pages.py) against the badges from kept pages.

    .venv/bin/python bench/badges.py [--sizes 300,3000] [--layout a6] [--no-kept]
"""

from __future__ import annotations

import argparse
import os
import random
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰鹏飞晓东海燕春"
    "梅云雪琳积丰韵洁嘉欣子涵浩然宇轩思远俊杰文博一鸣梓萱"
)
COMPOUND = ["欧阳", "司马", "诸葛", "上官", "东方"]
FIRST = ["Anna", "Thomas", "Maria", "Jean-Luc", "Sofia", "Alexander", "Priya", "David",
         "Yuki", "Olga", "Mohammed", "Emma", "Lars", "Isabella", "Kwame", "Hannah"]
LAST = ["Schmidt", "Müller", "Dubois", "García", "Rossi", "Kowalski", "Nakamura", "Smith",
        "O'Connor", "van der Berg", "Fitzgerald-Montgomery", "Nguyen", "Ivanova", "Okafor"]
ORGANISATIONS = [
    "紫金山实验室", "东南大学", "上海科学院", "上海产业技术研究院", "南京大学", "清华大学",
    "国家可信嵌入式软件工程技术研究中心", "长三角嵌入式系统与软件产业联盟", "华为技术有限公司",
    "中兴通讯股份有限公司", "中国科学院计算技术研究所", "Purple Mountain Laboratories",
    "Arm Ltd", "Infineon Technologies AG", "Technische Universität München", "NXP Semiconductors",
    "STMicroelectronics", "National Instruments", "",
]
CATEGORIES = ["delegate"] * 14 + ["speaker"] * 2 + ["vip", "press", "student", "student", "staff"]


def pinyin_like(rng: random.Random) -> str:
    surname = rng.choice(["Wang", "Li", "Zhang", "Liu", "Chen", "Ouyang"])
    return f"{surname} {rng.choice(['Wei', 'Fang', 'Jie', 'Yunjie', 'Xiaoming', 'Nana'])}"


def attendee(rng: random.Random, n: int) -> dict:
    if rng.random() < 0.65:
        surname = rng.choice(COMPOUND) if rng.random() < 0.05 else rng.choice(SURNAMES)
        name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))
        latin = pinyin_like(rng) if rng.random() < 0.4 else ""
        locale = "zh"
    else:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        latin, locale = "", "en"
    return {"full_name": name, "latin_name": latin, "email": f"bench{n}@example.org",
            "organisation": rng.choice(ORGANISATIONS), "category": rng.choice(CATEGORIES),
            "locale": locale}


def add_attendees(start: int, stop: int) -> None:
    """Confirmed registrations with forum seats, inserted directly (setting up, not measured)."""
    from summit.demo.seed import SLUG
    from summit.extensions import db
    from summit.models import Event, Forum, ForumKind, Registration, Seat, SeatStatus
    from summit.private_links import new_token, token_digest
    from summit.registration.tokens import new_checkin_code

    rng = random.Random(start)
    event = db.session.query(Event).filter(Event.slug == SLUG).one()
    forums = db.session.query(Forum).filter(Forum.event_id == event.id,
                                            Forum.kind == ForumKind.PARALLEL).all()
    for n in range(start, stop):
        token = new_token()
        registration = Registration(event_id=event.id, token=token,
                                    token_hash=token_digest(token),
                                    checkin_code=new_checkin_code(), **attendee(rng, n))
        registration.seats = [Seat(forum=forum, status=SeatStatus.CONFIRMED)
                              for forum in rng.sample(forums, rng.choice([0, 1, 1, 2, 3]))]
        db.session.add(registration)
    db.session.commit()


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
        except FileNotFoundError:
            continue
    return found


def rss_and_cpu(pid: int) -> tuple[int, float]:
    """Proportional resident bytes (memory shared by several processes of the tree, such
    as what the fork server preloaded, counted once) and CPU seconds used so far by one
    process; (0, 0) once it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as status:
            rss = next(int(line.split()[1]) * 1024 for line in status
                       if line.startswith("Pss:"))
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        return 0, 0.0


def sample(pid: int) -> None:
    """The sampler process: every 100 ms, the summed memory of ``pid``'s tree (itself
    left out) and each process's CPU seconds as last seen; when its standard input
    closes, prints the peak bytes and the CPU seconds used since it started."""
    me = os.getpid()

    def processes() -> list[int]:
        return [process for process in tree(pid) if process != me]

    cpu_before = {process: rss_and_cpu(process)[1] for process in processes()}
    cpu_seen: dict[int, float] = {}
    peak = 0
    while True:
        total = 0
        for process in processes():
            rss, cpu = rss_and_cpu(process)
            total += rss
            if cpu:
                cpu_seen[process] = cpu
        peak = max(peak, total)
        if select.select([sys.stdin], [], [], 0.1)[0]:
            break
    used = sum(cpu - cpu_before.get(process, 0.0) for process, cpu in cpu_seen.items())
    print(peak, used)


class TreeUsage:
    """Peak memory and CPU seconds of this process tree while in use, measured by a
    separate sampler process, so that this one keeps a single thread (as a command
    does, which lets the renderer fork its workers)."""

    def __enter__(self) -> TreeUsage:
        self._sampler = subprocess.Popen(
            [sys.executable, __file__, "--sample", str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        time.sleep(0.3)  # its first sample: what the tree holds before the run
        return self

    def __exit__(self, *exc) -> None:
        output, _ = self._sampler.communicate("")
        peak, cpu = output.split()
        self.peak, self.cpu = int(peak), float(cpu)


def near_empty_pages(count: int) -> float:
    """WeasyPrint's floor: as many A6 pages with one word each, one document, one process."""
    from weasyprint import HTML

    html = ("<style>@page { size: 105mm 148mm; margin: 0 }</style>"
            + "".join('<p style="break-after: page">x</p>' for _ in range(count)))
    started = time.perf_counter()
    HTML(string=html).write_pdf()
    return time.perf_counter() - started


def reportlab_seconds(facts: list, layout, path: Path) -> tuple[float, float]:
    """reportlab drawing the same badges to one PDF, in this process: wall and CPU seconds."""
    from reportlab_badges import write_badges as reportlab_write

    started, cpu = time.perf_counter(), time.process_time()
    with open(path, "wb") as out:
        reportlab_write(facts, layout, out)
    return time.perf_counter() - started, time.process_time() - cpu


def batch_from_kept_pages(event, wanted, path: Path) -> tuple[float, float, float, int]:
    """The batch print once the background has rendered every badge (what the mail
    workers do after each change, ``page_cache.refresh_badge_pages``): seconds the
    background took (CPU, one process, untimed for the batch), then the batch's wall
    and CPU seconds and its bytes."""
    from summit.badges import page_cache, service
    from summit.extensions import db
    from summit.models import Event

    db.session.query(Event).filter(Event.id == event.id).update({"badge_layout": wanted.layout.key})
    db.session.commit()
    cpu = time.process_time()
    while page_cache.render_stale_badges(db.session, event.starts_on):
        pass
    background = time.process_time() - cpu
    db.session.expire_all()
    started, cpu = time.perf_counter(), time.process_time()
    registrations = service.badge_registrations(db.session, event, wanted)
    with open(path, "wb") as out:
        page_cache.write_registrations_badges(db.session, registrations, wanted.layout, out)
    return (background, time.perf_counter() - started, time.process_time() - cpu,
            path.stat().st_size)


def desk_badge_ms(one, layout) -> float:
    """One badge rendered as the desk prints it, after a first (cold) one."""
    import io
    import statistics

    from summit.badges.render import write_badges

    times = []
    for _ in range(11):
        started = time.perf_counter()
        write_badges([one], layout, io.BytesIO())
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:]) * 1000


def certificates_seconds(event, path: Path) -> float:
    """Every registration's certificate of attendance (all marked checked in), one PDF."""
    from summit.badges.certificate_pdf import write_certificates
    from summit.badges.certificates import certificates_of, certified_registrations
    from summit.extensions import db
    from summit.models import Registration, utcnow
    from summit.urls import serving_at

    db.session.query(Registration).update({"checked_in_at": utcnow()})
    db.session.commit()
    started = time.perf_counter()
    with serving_at("https://summit.example.org"):
        facts = certificates_of(db.session, "bench-secret",
                                certified_registrations(db.session, event))
    with open(path, "wb") as out:
        write_certificates(facts, out)
    return time.perf_counter() - started


def certificates_from_kept_pages(event, path: Path) -> tuple[float, float, float, int]:
    """The organizers' "all certificates" PDF once the mail workers have kept every
    certificate (``certificate_pages.refresh_certificate_pages``, from the organizers'
    time on): the background's CPU seconds, then the batch's wall and CPU seconds and
    its bytes."""
    from datetime import timedelta

    from summit.badges import certificate_pages
    from summit.badges.certificates import certified_registrations
    from summit.extensions import db
    from summit.models import Event, utcnow
    from summit.urls import serving_at

    db.session.query(Event).filter(Event.id == event.id).update(
        {"certificates_from": utcnow() - timedelta(minutes=1)})
    db.session.commit()
    with serving_at("https://summit.example.org"):
        cpu = time.process_time()
        while certificate_pages.render_stale_certificates(db.session, "bench-secret", utcnow()):
            pass
        background = time.process_time() - cpu
        db.session.expire_all()
        started, cpu = time.perf_counter(), time.process_time()
        with open(path, "wb") as out:
            certificate_pages.write_registrations_certificates(
                db.session, "bench-secret", certified_registrations(db.session, event), out)
    return (background, time.perf_counter() - started, time.process_time() - cpu,
            path.stat().st_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="300,3000")
    parser.add_argument("--layout", default="a6")
    parser.add_argument("--no-kept", action="store_true",
                        help="skip the batch assembled from pages kept beforehand")
    parser.add_argument("--sample", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sample:
        sample(args.sample)
        return
    sizes = [int(size) for size in args.sizes.split(",")]

    from harness import fresh_database

    from summit import create_app
    from summit.badges import service
    from summit.badges.render import badge_facts, write_badges
    from summit.demo.seed import SLUG
    from summit.extensions import db
    from summit.models import Event

    folder = Path(tempfile.mkdtemp(prefix="summit-bench-badges-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_database(folder)})
    print(f"{os.cpu_count()} CPUs; load average before: "
          + ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    print(f"{'badges':>7} {'layout':>7} {'pages':>6} {'wall s':>8} {'pages/s':>8} "
          f"{'peak MB':>8} {'CPU s':>7} {'floor s':>8} {'× floor':>8} {'reportlab s':>11} "
          f"{'its CPU s':>9} {'× reportlab':>11}")
    with app.app_context():
        added = 0
        for size in sizes:
            add_attendees(added, size)
            added = size
            db.session.expire_all()
            floor = near_empty_pages(size)
            with TreeUsage() as usage:
                started = time.perf_counter()
                event = db.session.query(Event).filter(Event.slug == SLUG).one()
                wanted = service.parse_filter({"layout": args.layout})
                facts = [badge_facts(r) for r in service.badge_registrations(db.session, event,
                                                                            wanted)]
                with open(folder / f"badges-{size}.pdf", "wb") as out:
                    pages = write_badges(facts, wanted.layout, out)
                wall = time.perf_counter() - started
            baseline, baseline_cpu = reportlab_seconds(facts, wanted.layout,
                                                       folder / f"reportlab-{size}.pdf")
            print(f"{size:>7} {args.layout:>7} {pages:>6} {wall:>8.2f} {pages / wall:>8.1f} "
                  f"{usage.peak / 2**20:>8.0f} {usage.cpu:>7.1f} {floor:>8.2f} "
                  f"{wall / floor:>8.2f} {baseline:>11.2f} {baseline_cpu:>9.1f} "
                  f"{wall / baseline:>11.2f}",
                  flush=True)
            if not args.no_kept:
                background, kept, kept_cpu, kept_bytes = batch_from_kept_pages(
                    event, wanted, folder / f"kept-{size}.pdf")
                rendered = (folder / f"badges-{size}.pdf").stat().st_size
                print(f"{size:>7} badges from pages kept beforehand: {kept:.2f} s wall, "
                      f"{kept_cpu:.1f} s CPU, {kept / baseline:.2f} × reportlab; "
                      f"{kept_bytes / 2**20:.1f} MB against {rendered / 2**20:.1f} MB rendered "
                      f"at once; the background rendered them in {background:.1f} s CPU",
                      flush=True)
        print(f"one badge at the desk ({args.layout}, warm, median of 10): "
              f"{desk_badge_ms(facts[0], wanted.layout):.0f} ms (target < 300 ms)")
        certificates = certificates_seconds(event, folder / "certificates.pdf")
        print(f"{len(facts)} certificates of attendance, rendered now: {certificates:.2f} s "
              f"({certificates / wall:.2f} × the badges rendered now)", flush=True)
        if not args.no_kept:
            background, kept_certificates, kept_cpu, kept_bytes = certificates_from_kept_pages(
                event, folder / "certificates-kept.pdf")
            print(f"{len(facts)} certificates from pages kept beforehand: "
                  f"{kept_certificates:.2f} s wall, {kept_cpu:.1f} s CPU, "
                  f"{kept_certificates / kept:.2f} × the badges from kept pages "
                  f"({certificates / kept_certificates:.0f} times faster than rendered now); "
                  f"{kept_bytes / 2**20:.1f} MB against "
                  f"{(folder / 'certificates.pdf').stat().st_size / 2**20:.1f} MB rendered now; "
                  f"the background rendered them in {background:.1f} s CPU", flush=True)
    print("load average after: " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    print("targets: 300 ≤ 4 s, 3,000 ≤ 40 s, peak ≤ 1,024 MB (on an idle 2-core machine)")


if __name__ == "__main__":
    main()
