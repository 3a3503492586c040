"""Production serving: gunicorn's settings and access log, security headers on every
route, size limits, error pages without stack traces, the rate limiter shared through
Redis, HTTP caching that is never stale, and two app servers on one PostgreSQL."""

from __future__ import annotations

import gc
import importlib.util
import logging
import os
import subprocess
import uuid

import pytest
from flask_migrate import upgrade
from gunicorn.glogging import SafeAtoms
from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.exc import InternalError

from summit import create_app
from summit.auth.service import create_user
from summit.demo.seed import SLUG
from summit.extensions import db
from summit.log_redaction import RedactTokens
from summit.models import (
    Event,
    Forum,
    ProgrammeSession,
    Registration,
    Role,
    SeatStatus,
    Speaker,
)
from summit.registration.seats import seat_position
from summit.security import CONTENT_SECURITY_POLICY

from .conftest import make_app
from .helpers.admin_pages import hold_role_at_every_event
from .helpers.concurrency import all_at_once, forum_seats, registration_action
from .helpers.database import database_url, database_url_of
from .helpers.pages import DEMO
from .helpers.registrations import form_fields, forum_id, register_directly, set_capacity
from .servers import GUNICORN, PROJECT_ROOT, Browser, gunicorn

GUNICORN_CONF = PROJECT_ROOT / "gunicorn.conf.py"


# --- gunicorn ----------------------------------------------------------------


def gunicorn_settings(**environment: str) -> dict[str, str]:
    """What gunicorn itself makes of gunicorn.conf.py in this environment."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_WORKER_CONNECTIONS",
                          "GUNICORN_CMD_ARGS")}
    output = subprocess.run(
        [str(GUNICORN), "--print-config", "app:app"], cwd=PROJECT_ROOT,
        env={**env, **environment}, capture_output=True, text=True, check=True,
    ).stdout
    pairs = (line.split(" = ", 1) for line in output.splitlines() if " = " in line)
    return {name.strip(): value.strip() for name, value in pairs}


def test_gunicorn_reads_the_config_and_sizes_workers_from_the_cpus_or_the_environment():
    default = gunicorn_settings()
    assert default["config"] == "./gunicorn.conf.py"
    assert default["worker_class"] == "gthread"
    assert int(default["workers"]) == 2 * os.cpu_count() + 1
    assert int(default["threads"]) == 2
    # Capped, so that persistent connections spread over the workers (gunicorn's own
    # default, 1,000, lets one worker take them all and serve them on one core).
    assert int(default["worker_connections"]) == 16
    assert default["accesslog"] == "-"
    chosen = gunicorn_settings(WEB_CONCURRENCY="3", GUNICORN_THREADS="6",
                               GUNICORN_WORKER_CONNECTIONS="40")
    assert (chosen["workers"], chosen["threads"], chosen["worker_connections"]) == (
        "3", "6", "40")


def test_each_worker_pools_one_database_connection_per_thread(monkeypatch):
    spec = importlib.util.spec_from_file_location("gunicorn_conf", GUNICORN_CONF)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    monkeypatch.delenv("DATABASE_POOL_SIZE", raising=False)
    server = type("Arbiter", (), {"cfg": type("Config", (), {"threads": 6})()})()
    conf.on_starting(server)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://u@h/d"})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 6


def test_a_worker_keeps_what_it_loaded_out_of_the_garbage_collectors_scans():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", GUNICORN_CONF)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert gc.get_freeze_count() == 0
    try:
        conf.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_access_log_shows_every_request_but_never_an_attendees_token(
    app, demo_event, tmp_path
):
    with app.app_context():
        token = register_directly(demo_event, "private@summit.example.org", []).token
        url = database_url()
    log = tmp_path / "access.log"
    with gunicorn(url, tmp_path, workers=1, threads=2,
                  GUNICORN_CMD_ARGS=f"--access-logfile {log}") as base:
        visitor = Browser(base)
        visitor.opener.addheaders = [("Referer", f"{base}/r/{token}")]
        assert visitor.request("GET", f"/r/{token}")[0] == 200
        assert visitor.request("GET", f"/r/{token}/calendar.ics")[0] == 200
        assert visitor.request("GET", f"{DEMO}/agenda?lang=en")[0] == 200
    lines = log.read_text().splitlines()
    assert token not in log.read_text()
    assert sum('"GET /r/[redacted] HTTP/1.1" 200' in line for line in lines) == 1
    assert sum('"GET /r/[redacted]/calendar.ics HTTP/1.1" 200' in line for line in lines) == 1
    assert any(f'"GET {DEMO}/agenda?lang=en HTTP/1.1" 200' in line for line in lines)


def test_redaction_keeps_gunicorns_atoms_answering_for_headers_not_sent():
    atoms = SafeAtoms({"r": "GET /r/abcdefghijklmnop HTTP/1.1", "s": "200"})
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                               '"%(r)s" %(s)s %({x-forwarded-for}i)s', (atoms,), None)
    assert RedactTokens().filter(record)
    assert record.getMessage() == '"GET /r/[redacted] HTTP/1.1" 200 -'


# --- security headers ----------------------------------------------------------


def url_values(app, demo_event) -> dict[str, object]:
    """A real value for every kind of URL argument the app's routes take."""
    with app.app_context():
        registration = register_directly(demo_event, "headers@summit.example.org", [])
        return {
            "slug": "chip-machine",
            "event_slug": DEMO.lstrip("/"),
            "session_id": db.session.scalars(select(ProgrammeSession.id)).first(),
            "speaker_id": db.session.scalars(select(Speaker.id)).first(),
            "token": registration.token,
            "registration_id": registration.id,
            "filename": "css/summit.css",
            "event": SLUG,
            # An address of the first version, leading to the event's.
            "page": "registrations",
            "rest": "new",
        }


def test_every_route_answers_with_the_security_headers(app, client, demo_event):
    values = url_values(app, demo_event)
    checked = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        # Arguments we have no real value for give a 404 page: it must be covered too.
        path = rule.build({name: values.get(name, 0) for name in rule.arguments},
                          append_unknown=False)[1]
        response = client.get(path)
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert headers["Referrer-Policy"] in ("strict-origin-when-cross-origin",
                                              "no-referrer"), path
        assert "Strict-Transport-Security" not in headers, path  # not in development
        if response.mimetype == "text/html":
            assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        checked.append(rule.endpoint)
    assert {"programme.agenda", "attendee.page", "calendar.programme_calendar",
            "first_version.calendar_programme_calendar", "first_version.programme_agenda",
            "site.index", "static", "admin.checkin"} <= set(checked)


def test_the_policy_forbids_inline_and_foreign_scripts():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in directives["default-src"]


def test_attendee_pages_keep_their_stricter_referrer_policy_and_stay_private(
    app, client, demo_event
):
    with app.app_context():
        token = register_directly(demo_event, "strict@summit.example.org", []).token
    response = client.get(f"/r/{token}")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("path", [f"{DEMO}/register", "/admin/", "/admin/login"])
def test_pages_with_forms_or_private_data_are_never_stored_by_caches(client, demo_event, path):
    response = client.get(path)
    assert "no-store" in response.headers["Cache-Control"]
    assert "public" not in response.headers["Cache-Control"]


def production_app(monkeypatch, tmp_path, **settings):
    monkeypatch.setenv("SUMMIT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "p" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.db'}")
    monkeypatch.setenv("SUMMIT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("BASE_URL", "https://summit.example.org")
    app = create_app({"RATELIMIT_ENABLED": False, **settings})
    with app.app_context():
        upgrade()
    return app


def test_production_sends_hsts_and_error_pages_without_stack_traces(monkeypatch, tmp_path):
    app = production_app(monkeypatch, tmp_path)

    @app.get("/explode")
    def explode():
        raise RuntimeError("secret detail: /srv/summit/summit/views.py password=hunter2")

    client = app.test_client()
    page = client.get("/explode")
    assert page.status_code == 500
    html = page.get_data(as_text=True)
    assert "Something went wrong on our side" in html or "出错" in html
    for leak in ("Traceback", "RuntimeError", "hunter2", "views.py"):
        assert leak not in html
    machine = client.get("/explode", headers={"Accept": "application/json"})
    assert machine.status_code == 500
    assert set(machine.get_json()) == {"error", "status"}
    assert "hunter2" not in machine.get_data(as_text=True)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_too_large_post_gets_a_friendly_413_page(app, client, demo_event, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    fields = {**form_fields(), "organisation": "大" * 100_000}
    response = client.post(f"{DEMO}/register?lang=en", data=fields)
    assert response.status_code == 413
    assert "What you sent is too large." in response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    with app.app_context():
        assert db.session.scalars(select(Registration)).first() is None


def test_behind_nginx_links_use_the_public_address_and_scheme(app, demo_event):
    proxied = make_app(database_url_of(app), PROXY_FIX_HOPS=1, BASE_URL=None,
                       TRUSTED_HOSTS=["summit.example.org"])
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
                 "X-Forwarded-Host": "summit.example.org"}
    page = proxied.test_client().get(f"{DEMO}/agenda?lang=en", headers=forwarded)
    assert f"webcal://summit.example.org{DEMO}/calendar.ics" in page.get_data(as_text=True)
    direct = app.test_client().get(f"{DEMO}/agenda?lang=en", headers=forwarded)
    assert "summit.example.org" not in direct.get_data(as_text=True)  # no proxy, no trust
    # A forwarded host outside TRUSTED_HOSTS is refused, not linked to.
    forged = proxied.test_client().get(
        f"{DEMO}/agenda?lang=en", headers={**forwarded, "X-Forwarded-Host": "evil.example"})
    assert forged.status_code == 400


# --- the rate limiter across servers ---------------------------------------------


def redis_or_skip() -> str:
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {url} ({error.__class__.__name__})")
    return url


def test_two_servers_share_the_registration_limit_through_redis(app, demo_event, tmp_path):
    redis_url = redis_or_skip()
    with app.app_context():
        url = database_url()
    settings = {
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": f"summit-test-{uuid.uuid4().hex}",
        "RATELIMIT_REGISTER": "3 per minute",
    }
    with (gunicorn(url, tmp_path / "a", workers=1, threads=2, **settings) as first,
          gunicorn(url, tmp_path / "b", workers=1, threads=2, **settings) as second):
        statuses = []
        for base in (first, second, first, second):
            visitor = Browser(base)
            # An incomplete form: it counts against the limit and stores nothing.
            statuses.append(visitor.submit(f"{DEMO}/register", {"full_name": "试"})[0])
    assert statuses == [422, 422, 422, 429]


# --- HTTP caching of public pages ---------------------------------------------------


def public_pages(app, demo_event) -> list[str]:
    with app.app_context():
        session_id = db.session.scalars(select(ProgrammeSession.id).order_by(
            ProgrammeSession.id)).first()
        speaker_id = db.session.scalars(select(Speaker.id).order_by(Speaker.id)).first()
    return [DEMO + path for path in (
        "/", "/agenda", "/agenda?forum=chip-machine", "/forums/chip-machine",
        f"/sessions/{session_id}", "/speakers", f"/speakers/{speaker_id}")]


def rename_event(app, event_id: int, name: str) -> None:
    with app.app_context():
        db.session.get(Event, event_id).name_en = name
        db.session.commit()


def test_public_pages_answer_304_until_the_programme_changes_then_fresh_content(
    app, client, demo_event
):
    for path in public_pages(app, demo_event):
        first = client.get(path, headers={"Accept-Language": "en"})
        assert first.status_code == 200, path
        assert first.headers["Cache-Control"] == "public, no-cache", path
        assert {"Cookie", "Accept-Language"} <= set(first.vary), path
        assert first.last_modified is not None, path
        etag = first.headers["ETag"]
        again = client.get(path, headers={"Accept-Language": "en", "If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.data == b"" and again.headers["ETag"] == etag, path

        new_name = f"Embedded China, edited for {path}"
        rename_event(app, demo_event, new_name)
        fresh = client.get(path, headers={"Accept-Language": "en", "If-None-Match": etag})
        assert fresh.status_code == 200, path
        assert fresh.headers["ETag"] != etag, path
        assert new_name in fresh.get_data(as_text=True), path
        assert new_name in client.get(path, headers={"Accept-Language": "en"}).get_data(
            as_text=True), path


def test_an_edited_session_shows_at_once_on_its_page_and_in_the_agenda(app, client, demo_event):
    with app.app_context():
        item = db.session.scalars(select(ProgrammeSession).order_by(ProgrammeSession.id)).first()
        path = f"{DEMO}/sessions/{item.id}"
    tags = {page: client.get(page + "?lang=en").headers["ETag"]
            for page in (path, f"{DEMO}/agenda")}
    with app.app_context():
        db.session.get(ProgrammeSession, item.id).title_en = "A title changed a minute ago"
        db.session.commit()
    for page, etag in tags.items():
        response = client.get(page + "?lang=en", headers={"If-None-Match": etag})
        assert response.status_code == 200
        assert "A title changed a minute ago" in response.get_data(as_text=True)


def test_each_language_has_its_own_version(client, demo_event):
    chinese = client.get(f"{DEMO}/agenda", headers={"Accept-Language": "zh-CN"})
    english = client.get(f"{DEMO}/agenda", headers={"Accept-Language": "en",
                                              "If-None-Match": chinese.headers["ETag"]})
    assert english.status_code == 200
    assert english.headers["ETag"] != chinese.headers["ETag"]
    assert "Agenda" in english.get_data(as_text=True)
    client.get(f"{DEMO}/agenda?lang=en")  # the switch is remembered in a cookie
    remembered = client.get(f"{DEMO}/agenda", headers={"If-None-Match": chinese.headers["ETag"]})
    assert remembered.status_code == 200


def test_a_page_carrying_a_one_time_message_is_never_a_304_nor_stored(app, client, demo_event):
    etag = client.get(f"{DEMO}/").headers["ETag"]
    with client.session_transaction() as browser_session:
        browser_session["_flashes"] = [("success", "You are signed out.")]
    response = client.get(f"{DEMO}/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "You are signed out." in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    assert client.get(f"{DEMO}/", headers={"If-None-Match": etag}).status_code == 304


def test_a_signed_in_organizers_pages_are_theirs_alone(app, client, demo_event):
    with app.app_context():
        user = hold_role_at_every_event(db.session, create_user(
            db.session, "organizer@cache.example.cn", "long-enough-password", Role.ORGANIZER,
            "组织者"))
        db.session.commit()
        session_id = user.get_id()
    anonymous = client.get(f"{DEMO}/agenda").headers["ETag"]
    with client.session_transaction() as browser_session:
        browser_session["_user_id"] = session_id
        browser_session["_fresh"] = True
    signed_in = client.get(f"{DEMO}/agenda", headers={"If-None-Match": anonymous})
    assert signed_in.status_code == 200
    assert signed_in.headers["Cache-Control"] == "private, no-cache"
    assert signed_in.headers["ETag"] != anonymous


# --- reading requests' transactions ---------------------------------------------------


def test_on_postgresql_a_reading_request_cannot_write(app, demo_event, backend):
    if backend != "postgresql":
        pytest.skip("READ ONLY transactions are PostgreSQL's; SQLite's GETs take no write lock")
    rename = update(Event).values(name_en="Changed by a GET")
    with app.test_request_context(f"{DEMO}/agenda"):
        with pytest.raises(InternalError, match="read-only transaction"):
            db.session.execute(rename)
        db.session.rollback()
    with app.test_request_context(f"{DEMO}/register", method="POST"):
        assert db.session.execute(rename).rowcount == 1
        db.session.rollback()


def test_on_postgresql_reading_requests_keep_their_prepared_statements(
    app, client, demo_event, backend
):
    """psycopg prepares a statement on its fifth run and forgets all on a ROLLBACK: each
    GET ends its READ ONLY transaction with COMMIT instead, so the next ones skip the
    planning."""
    if backend != "postgresql":
        pytest.skip("prepared statements are psycopg's")
    connections = {}

    def remember(dbapi_connection, _record, _proxy):
        connections[id(dbapi_connection)] = dbapi_connection

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "checkout", remember)
    try:
        for _ in range(8):
            assert client.get(f"{DEMO}/calendar.ics").status_code == 200
    finally:
        sa_event.remove(engine, "checkout", remember)
    prepared = []
    for connection in connections.values():  # idle in the pool now
        prepared += connection.execute("SELECT statement FROM pg_prepared_statements").fetchall()
        connection.rollback()
    assert any("programme_version" in statement for (statement,) in prepared)


# --- two app servers, one PostgreSQL -------------------------------------------------


@pytest.mark.slow
def test_two_servers_registering_at_once_for_one_forum_never_overbook_it(
    app, backend, demo_event, tmp_path
):
    if backend != "postgresql":
        pytest.skip("several app servers share a PostgreSQL server; SQLite is one machine's file")
    with app.app_context():
        chip = forum_id("chip-machine")
        set_capacity(Forum, chip, 20)
        url = database_url()
    with (gunicorn(url, tmp_path / "a", workers=2, threads=4) as first,
          gunicorn(url, tmp_path / "b", workers=2, threads=4) as second):
        statuses = all_at_once([
            registration_action(first if n % 2 else second, f"twin{n:03d}@servers.example.cn",
                                [chip])
            for n in range(60)
        ])
    assert statuses == [302] * 60
    with app.app_context():
        seats = forum_seats(chip)
        assert len(seats[SeatStatus.CONFIRMED]) == 20
        assert len(seats[SeatStatus.WAITLISTED]) == 40
        waiting = [seat_position(db.session, seat) for seat in seats[SeatStatus.WAITLISTED]]
        assert waiting == list(range(1, 41))
