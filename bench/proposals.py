"""The call for speakers at 1,000 proposals and 5,000 reviews, on SQLite and, when
BENCH_DATABASE_URL or TEST_DATABASE_URL is set, on PostgreSQL too: the organizers' list
of proposals (by mean score, by spread, filtered) and a reviewer's "next proposal to
review" (the redirect and the page it leads to), one request at a time through
gunicorn, against /healthz; and the SQL statements each costs, counted in process at
100 and at 1,000 proposals (a bounded number does not grow with them).

    .venv/bin/python bench/proposals.py [--proposals 1000] [--reviews 5000]

Targets: the list under 300 ms, the next-proposal page under 100 ms (p50).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta

from harness import DEMO_SLUG, Browser, fresh_database, gunicorn, postgres_url, temporary_folder
from sqlalchemy import event as sql_event
from sqlalchemy import insert, select

PASSWORD = "bench-organizer-password"
ADMIN = f"/admin/{DEMO_SLUG}"
REVIEWERS = 50


def populate(url: str, proposals: int, reviews: int) -> None:
    """The demo's call, open, with ``proposals`` proposals (a submitter each) and
    ``reviews`` reviews spread over 50 reviewers; an organizer and the reviewers sign in
    with PASSWORD (reviewer00@bench.example is the one measured)."""
    from summit import create_app
    from summit.auth.service import create_user
    from summit.extensions import db
    from summit.models import (
        Event,
        EventRole,
        Forum,
        Proposal,
        ProposalSpeaker,
        ProposalState,
        Review,
        Role,
        SessionKind,
        utcnow,
    )
    from summit.private_links import new_token, token_digest
    from summit.proposals.service import new_call

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(23)
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.slug == DEMO_SLUG)).one()
        forums = db.session.scalars(select(Forum).where(Forum.event_id == event.id)).all()
        call = new_call(event)
        call.opens_at, call.closes_at = utcnow() - timedelta(days=30), utcnow() + timedelta(days=1)
        call.forums = list(forums)
        db.session.add(call)
        now = utcnow()
        db.session.execute(insert(Proposal), [{
            "event_id": event.id, "forum_id": forums[number % len(forums)].id,
            "kind": SessionKind.TALK, "duration_minutes": 20,
            "title_zh": f"投稿{number:04d}：嵌入式系统的新方法",
            "title_en": f"Proposal {number:04d}",
            "abstract_zh": "摘要" * 200, "abstract_en": "Abstract " * 100, "notes": "",
            "state": ProposalState.SUBMITTED, "created_at": now - timedelta(minutes=number),
            "updated_at": now,
        } for number in range(proposals)])
        ids = db.session.scalars(select(Proposal.id).order_by(Proposal.id)).all()
        tokens = [new_token() for _ in ids]
        db.session.execute(insert(ProposalSpeaker), [{
            "proposal_id": proposal_id, "position": 0, "email": f"speaker{n}@bench.example",
            "name": f"讲者{n}", "affiliation_zh": "某大学", "locale": "zh",
            "token": token, "token_hash": token_digest(token),
        } for n, (proposal_id, token) in enumerate(zip(ids, tokens, strict=True))])
        organizer = create_user(db.session, "bench@example.org", PASSWORD, Role.ORGANIZER)
        organizer.event_roles = [EventRole(event_id=event.id, role=Role.ORGANIZER)]
        reviewers = []
        for number in range(REVIEWERS):
            user = create_user(db.session, f"reviewer{number:02d}@bench.example", PASSWORD,
                               Role.REVIEWER)
            user.event_roles = [EventRole(event_id=event.id, role=Role.REVIEWER)]
            reviewers.append(user)
        db.session.flush()
        pairs = set()
        while len(pairs) < min(reviews, len(ids) * REVIEWERS):
            pairs.add((rng.choice(ids), rng.choice(reviewers).id))
        db.session.execute(insert(Review), [
            {"proposal_id": proposal_id, "user_id": user_id, "score": rng.randint(1, 5),
             "comment": "", "created_at": now, "updated_at": now}
            for proposal_id, user_id in sorted(pairs)])
        db.session.execute(Proposal.__table__.update().where(
            Proposal.id.in_(select(Review.proposal_id))).values(state=ProposalState.IN_REVIEW))
        db.session.commit()
        db.engine.dispose()


def statements(url: str) -> dict[str, int]:
    """SQL statements of each measured request, in process."""
    from summit import create_app
    from summit.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    counted: dict[str, int] = {}
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    for email, requests in (
            ("bench@example.org", [("list by mean", f"{ADMIN}/proposals"),
                                   ("list by spread", f"{ADMIN}/proposals?order=spread")]),
            ("reviewer00@bench.example", [("next (redirect)", f"{ADMIN}/review/next")])):
        client = app.test_client()
        client.post("/admin/login", data={"email": email, "password": PASSWORD})
        for name, path in requests:
            sql_event.listen(engine, "before_cursor_execute", count)
            seen.clear()
            response = client.get(path)
            sql_event.remove(engine, "before_cursor_execute", count)
            assert response.status_code in (200, 302), (path, response.status_code)
            counted[name] = len(seen)
            if response.status_code == 302:
                sql_event.listen(engine, "before_cursor_execute", count)
                seen.clear()
                page = client.get(response.headers["Location"])
                sql_event.remove(engine, "before_cursor_execute", count)
                assert page.status_code == 200
                counted["next (its page)"] = len(seen)
    with app.app_context():
        db.engine.dispose()
    return counted


def timed(send, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        status = send()
        times.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    return times


def measure(backend: str, proposals: int, reviews: int) -> None:
    small = fresh_database(temporary_folder(), backend)
    populate(small, proposals // 10, reviews // 10)
    at_tenth = statements(small)
    folder = temporary_folder()
    url = fresh_database(folder, backend)
    populate(url, proposals, reviews)
    at_full = statements(url)
    with gunicorn(url, folder, workers=2, threads=4) as base:
        organizer, reviewer = Browser(base), Browser(base)
        for browser, email in ((organizer, "bench@example.org"),
                               (reviewer, "reviewer00@bench.example")):
            status, _headers, _body = browser.submit(
                "/admin/login", {"email": email, "password": PASSWORD})
            assert status == 302, status

        def get(browser, path):
            return lambda: browser.request("GET", path)[0]

        def next_page():
            status, headers, _body = reviewer.request("GET", f"{ADMIN}/review/next")
            assert status == 302, status
            location = dict(headers)["Location"]
            return reviewer.request("GET", location.removeprefix(base))[0]

        measured = [
            ("/healthz", timed(get(organizer, "/healthz"), 100)),
            ("list by mean", timed(get(organizer, f"{ADMIN}/proposals"), 20)),
            ("list by spread", timed(get(organizer, f"{ADMIN}/proposals?order=spread"), 20)),
            ("list, mean >= 4", timed(get(organizer, f"{ADMIN}/proposals?min_mean=4"), 20)),
            ("next proposal (both)", timed(next_page, 40)),
        ]
    baseline = statistics.median(measured[0][1])
    print(f"\n{proposals} proposals, {reviews} reviews, {backend}; one request at a time")
    print(f"{'request':<24}{'p50 ms':>9}{'p95 ms':>9}{'× /healthz':>12}")
    for name, times in measured:
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
        print(f"{name:<24}{p50:>9.1f}{p95:>9.1f}{p50 / baseline:>12.1f}")
    print(f"{'SQL statements':<24}{'at ' + str(proposals // 10):>9}{'at ' + str(proposals):>9}")
    for name, count in at_full.items():
        print(f"{name:<24}{at_tenth[name]:>9}{count:>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--reviews", type=int, default=5000)
    options = parser.parse_args()
    for backend in ["sqlite"] + (["postgresql"] if postgres_url() else []):
        measure(backend, options.proposals, options.reviews)


if __name__ == "__main__":
    main()
