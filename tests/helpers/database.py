"""Looking into the test database: its address for other processes, row counts, the audit
log, and the statements a request sends."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from summit.extensions import db
from summit.models import AuditEntry


def database_url() -> str:
    """The current app's database, as a URL another process (gunicorn, a CLI) can open."""
    return db.engine.url.render_as_string(hide_password=False)


def database_url_of(app) -> str:
    with app.app_context():
        return database_url()


def count_rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_entries(action: str) -> list[AuditEntry]:
    """The audit log's entries of ``action``, oldest first."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ))


@contextlib.contextmanager
def counted_statements(app) -> Iterator[list[str]]:
    """The SQL statements sent to ``app``'s database within the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)


def statements_of(app, client, url: str, **request_options) -> tuple[list[str], object]:
    """The SQL statements that answering ``url`` sends, and the response."""
    with counted_statements(app) as statements:
        response = client.get(url, **request_options)
    return statements, response


def statements_of_post(app, client, url: str, data: dict) -> tuple[list[str], object]:
    """The SQL statements that answering a POST of ``data`` to ``url`` sends, and the
    response (its mails, delivered after the response, are not counted)."""
    with counted_statements(app) as statements:
        response = client.post(url, data=data)
    response.close()
    return statements, response
