"""Fixtures: the app on SQLite always and on PostgreSQL when TEST_DATABASE_URL is set.

Each database gets a fresh schema, built by the Alembic migrations, once per test
session; every test that uses the app starts from empty tables.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from summit import create_app
from summit.config import normalise_database_url
from summit.extensions import db, limiter
from summit.outbox import MAIL_WORKERS_SEEN, SENDER_THREAD

from .helpers.accounts import make_accounts, sign_in

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def postgres_url() -> str:
    return normalise_database_url(os.environ["TEST_DATABASE_URL"])


def fresh_postgres_schema(url: str, schema: str = "public") -> str:
    """Drop and recreate ``schema``; returns a URL whose connections use it."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    if schema == "public":
        return url
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def fresh_database_url(backend: str, directory: Path, name: str = "summit") -> str:
    """An empty database of the given backend (no tables at all)."""
    if backend == "sqlite":
        return f"sqlite:///{directory / f'{name}.db'}"
    schema = "public" if name == "summit" else re.sub(r"\W", "_", name)
    return fresh_postgres_schema(postgres_url(), schema)


def make_app(url: str, **settings) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            **settings,
        }
    )


@contextmanager
def rate_limited_app(app: Flask, **settings) -> Iterator[Flask]:
    """A second app on ``app``'s database with its rate limits on. Flask-Limiter keeps
    "enabled" on its one extension object, not per app: afterwards it is set back, or
    every later test would be limited."""
    limited = make_app(app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True,
                       **settings)
    try:
        yield limited
    finally:
        limiter.enabled = app.config["RATELIMIT_ENABLED"]
        with limited.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def app(backend: str, tmp_path_factory) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp(backend)
    url = fresh_database_url(backend, folder)
    # Mail without MAIL_SERVER lands in <instance>/outbox: keep it out of the project.
    application = make_app(url, INSTANCE_PATH=str(folder / "instance"))
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


def empty_all_tables() -> None:
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{name}"' for name in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f'DELETE FROM "{name}"'))
    db.session.commit()


@pytest.fixture(autouse=True)
def _empty_tables_after_test(request) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    # A test that never closed its response: let that request's mails finish first.
    for thread in threading.enumerate():
        if thread.name == SENDER_THREAD:
            thread.join(timeout=30)
    application: Flask = request.getfixturevalue("app")
    # A mail worker a test ran is gone with its row; this process must not go on
    # believing in it.
    application.extensions.pop(MAIL_WORKERS_SEEN, None)
    with application.app_context():
        db.session.remove()
        empty_all_tables()
    shutil.rmtree(Path(application.instance_path) / "outbox", ignore_errors=True)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def demo_event(app: Flask):
    """The Embedded China 2020 demo, loaded and committed; returns its event id."""
    from summit.demo.seed import load_demo

    with app.app_context():
        event = load_demo(db.session)
        db.session.commit()
        return event.id


@pytest.fixture
def accounts(app, demo_event) -> dict:
    """One account per role (see helpers.accounts.PASSWORDS) over the demo event, the
    event of their admin pages: role -> id."""
    return make_accounts(app)


@pytest.fixture
def organizer(app, client, demo_event):
    """A client signed in as a new organizer, reading English, over the demo event."""
    sign_in(app, client)
    return client
