"""Backup and restore as versioned JSON: every event with its programme, registrations,
seats, check-ins, mails' metadata, the audit log and the accounts.

The file holds every row of every table, column by column, in primary-key order, so
that restoring it into an empty database gives back the same rows with the same ids
(private links, check-in codes and audit references keep working). What it leaves out:

- accounts' password hashes: an imported account cannot sign in until someone sets
  its password (``flask summit create-admin EMAIL --update --role ROLE``, or an
  administrator in the admin UI);
- the full text of mails already sent (``mail_message.message``): only their metadata
  (recipient, kind, subject, status, attempts, times) is kept;
- recent sign-in attempts (``login_attempt``), which only throttle sign-ins.

The rows follow the database schema, so a file restores into a database at the same
migration revision (``schema_revision`` in the file): for an older file, create the
database with ``flask db upgrade <revision>``, import, then ``flask db upgrade``.
The file holds personal data and every attendee's private link: keep it private.
"""

from __future__ import annotations

import base64
import enum
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import IO, Any

from alembic.migration import MigrationContext
from sqlalchemy import Date, LargeBinary, Table, func, insert, select, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..database import begin_write
from ..extensions import db
from ..models import (
    Answer,
    AuditEntry,
    Event,
    EventRole,
    LoginAttempt,
    MailMessage,
    ProgrammeSession,
    Question,
    QuestionChoice,
    QuestionKind,
    Registration,
    Seat,
    SessionSpeaker,
    User,
    UTCDateTime,
    utcnow,
)
from ..registration import questions
from . import schema as backup_schema

# 2: the header names the events the file holds ("events"), one or all of them. A file of
# format 1 holds every event; it has the same tables and imports the same way.
FORMAT_VERSION = 2
READABLE_FORMATS = (1, 2)
# (table, column) pairs that never leave the database.
LEFT_OUT_COLUMNS = {
    (User.__tablename__, "password_hash"),
    (MailMessage.__tablename__, "message"),
}
LEFT_OUT_TABLES = {LoginAttempt.__tablename__}
# Matches no password: werkzeug's check_password_hash answers False for it.
NO_PASSWORD = "!imported-without-password"


class BackupError(Exception):
    """A file that cannot be restored here, or a database that must not receive it;
    the message says what to do."""


def backed_up_tables() -> list[Table]:
    """Every table of the schema except those left out, parents before children."""
    return [table for table in db.metadata.sorted_tables if table.name not in LEFT_OUT_TABLES]


def schema_revision(session: Session) -> str | None:
    return MigrationContext.configure(session.connection()).get_current_revision()


# --- export --------------------------------------------------------------------


def export_data(session: Session, event_slug: str | None = None) -> dict[str, Any]:
    """The whole database, or one event's rows (``event_slug``), as a JSON-ready dict,
    read in one consistent snapshot (in a transaction of its own: one the session had
    open is committed first)."""
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # Every table as of one moment, even while registrations keep arriving.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    tables = {}
    for table in backed_up_tables():
        columns = [column for column in table.columns
                   if (table.name, column.name) not in LEFT_OUT_COLUMNS]
        rows = session.execute(select(*columns).order_by(*table.primary_key.columns))
        tables[table.name] = [
            {column.name: _to_json(value) for column, value in zip(columns, row, strict=True)}
            for row in rows
        ]
    revision = schema_revision(session)
    session.rollback()  # a read-only transaction: end it
    if event_slug is not None:
        tables = only_event(tables, event_slug)
    return {
        "format_version": FORMAT_VERSION,
        "application": "summit",
        "events": [row["slug"] for row in tables[Event.__tablename__]],
        "schema_revision": revision,
        "exported_at": _to_json(utcnow()),
        "left_out": sorted(f"{table}.{column}" for table, column in LEFT_OUT_COLUMNS)
        + sorted(LEFT_OUT_TABLES),
        "tables": tables,
    }


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, enum.Enum):
        return value.value
    return value


# --- one event's rows -------------------------------------------------------------


# The tables whose rows belong to an event through another table's: the column that
# points there, and that table.
THROUGH = {
    Seat.__tablename__: ("registration_id", Registration.__tablename__),
    SessionSpeaker.__tablename__: ("session_id", ProgrammeSession.__tablename__),
    Answer.__tablename__: ("registration_id", Registration.__tablename__),
    QuestionChoice.__tablename__: ("question_id", Question.__tablename__),
}


def only_event(tables: dict[str, list[dict]], slug: str) -> dict[str, list[dict]]:
    """The rows of one event among ``tables`` (as a file holds them): the event, its
    programme, registrations, seats, mails, audit entries and roles, and the accounts
    that hold its roles or wrote its audit entries (never the site's own entries or
    mails, nor other accounts). Raises BackupError when no event has ``slug``."""
    events = [row for row in tables.get(Event.__tablename__, []) if row.get("slug") == slug]
    if not events:
        held = ", ".join(row.get("slug", "?") for row in tables.get(Event.__tablename__, []))
        raise BackupError(f"There is no event {slug!r} here (events: {held or 'none'}).")
    event_id = events[0]["id"]
    kept = {Event.__tablename__: events}
    for table in backed_up_tables():
        rows = tables.get(table.name, [])
        if table.name in kept or table.name in THROUGH or table.name == User.__tablename__:
            continue
        if "event_id" not in table.columns:
            raise BackupError(f"No rule says which rows of {table.name} belong to an event.")
        kept[table.name] = [row for row in rows if row.get("event_id") == event_id]
    for name, (column, parent) in THROUGH.items():
        parents = {row["id"] for row in kept[parent]}
        kept[name] = [row for row in tables.get(name, []) if row.get(column) in parents]
    users = {row["user_id"] for row in kept[EventRole.__tablename__]} | {
        row["user_id"] for row in kept[AuditEntry.__tablename__] if row.get("user_id")}
    kept[User.__tablename__] = [row for row in tables.get(User.__tablename__, [])
                                if row.get("id") in users]
    return kept


# --- import --------------------------------------------------------------------


def load_file(stream: IO[str]) -> Any:
    """The JSON in ``stream``. Raises BackupError for what is not JSON, or is JSON that
    no export writes (NaN, numbers of thousands of digits, nesting deeper than Python
    reads)."""
    def refuse_constant(name: str) -> None:
        raise ValueError(f"{name} is not a number JSON allows")

    try:
        return json.load(stream, parse_constant=refuse_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as error:
        reason = "it is nested too deeply" if isinstance(error, RecursionError) else error
        raise BackupError(f"{stream.name} is not JSON that an export writes: {reason}. "
                          "Nothing was imported.") from error


def row_counts(session: Session) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def import_data(
    session: Session, data: dict[str, Any], event_slug: str | None = None
) -> dict[str, int]:
    """Restore ``data`` (as written by ``export_data``), or only the rows of the event
    ``event_slug`` in it, into this database, which must be at the file's schema
    revision and hold no rows at all. All or nothing: one transaction. Returns the
    number of rows restored per table."""
    _check_file(session, data)
    tables = data["tables"] if event_slug is None else only_event(data["tables"], event_slug)
    _check_answers(tables)
    begin_write(session)
    occupied = {name: count for name, count in row_counts(session).items() if count}
    if occupied:
        session.rollback()
        listed = ", ".join(f"{name}: {count}" for name, count in occupied.items())
        raise BackupError(
            f"This database is not empty ({listed}). An import restores into an empty "
            "database only: create a new one, run `flask db upgrade`, then import."
        )
    restored = {}
    try:
        for table in backed_up_tables():
            rows = [_row_from_json(table, row) for row in tables.get(table.name, [])]
            if rows:
                session.execute(insert(table), rows)
            restored[table.name] = len(rows)
        _continue_numbering(session)
        session.commit()
    except (SQLAlchemyError, ValueError, TypeError) as error:
        session.rollback()
        detail = error.orig if isinstance(error, DBAPIError) else error
        raise BackupError(f"The file's rows cannot be stored: {detail}") from error
    return restored


def _check_file(session: Session, data: Any) -> None:
    if not isinstance(data, dict) or data.get("application") != "summit":
        raise BackupError("This is not a Summit export (no \"application\": \"summit\").")
    if data.get("format_version") not in READABLE_FORMATS:
        readable = " and ".join(str(version) for version in READABLE_FORMATS)
        raise BackupError(
            f"This file has format_version {data.get('format_version')!r}; this Summit "
            f"reads format_version {readable}."
        )
    here = schema_revision(session)
    if here is None:
        raise BackupError("This database has no tables yet: run `flask db upgrade` first.")
    if data.get("schema_revision") != here:
        raise BackupError(
            f"The file was exported at schema revision {data.get('schema_revision')!r}, this "
            f"database is at {here!r}. Create the database with "
            f"`flask db upgrade {data.get('schema_revision')}`, import, then `flask db upgrade`."
        )
    if not isinstance(data.get("tables"), dict):
        raise BackupError("The file has no \"tables\".")
    try:
        backup_schema.check_tables(
            data, backup_schema.tables_schema(backed_up_tables(), LEFT_OUT_COLUMNS))
    except backup_schema.FileError as error:
        raise BackupError(f"Nothing was imported. {error}") from error


def _check_answers(tables: dict[str, list[dict]]) -> None:
    """Every answer typed as its question's kind says, as the form and the CSV import
    check them; raises BackupError naming the first that is not."""
    asked: dict[int, Question] = {}
    for row in tables.get(Question.__tablename__, []):
        try:
            asked[row["id"]] = Question(id=row["id"], kind=QuestionKind(row["kind"]),
                                        pattern="", choices=[])
        except (KeyError, ValueError) as error:
            raise BackupError(f"Nothing was imported. A question is not one: {error}") from error
    for row in tables.get(QuestionChoice.__tablename__, []):
        question = asked.get(row.get("question_id"))
        if question is not None:
            question.choices.append(QuestionChoice(key=row.get("key"), retired=True))
    for index, row in enumerate(tables.get(Answer.__tablename__, [])):
        question = asked.get(row.get("question_id"))
        try:
            if question is None:
                raise questions.AnswerRejected("its question is not in the file")
            if row.get("value") is None:
                raise questions.AnswerRejected("an answer holds a value")
            questions.check_value(question, row.get("value"))
        except questions.AnswerRejected as rejected:
            raise BackupError(
                f"Nothing was imported. tables.answer[{index}]: {rejected} "
                f"({json.dumps(row.get('value'), ensure_ascii=False)[:80]}).") from None


def _row_from_json(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    values = {name: _from_json(table.columns[name].type, value) for name, value in row.items()}
    if table.name == User.__tablename__:
        values["password_hash"] = NO_PASSWORD
    return values


def _from_json(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(value)
    return value


def _continue_numbering(session: Session) -> None:
    """PostgreSQL: new rows get ids after the restored ones (SQLite does this itself)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in _tables_with_serial_id(backed_up_tables()):
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                 f"coalesce(max(id), 0) + 1, false) FROM \"{table.name}\"")
        )


def _tables_with_serial_id(tables: Iterable[Table]) -> list[Table]:
    return [table for table in tables
            if [column.name for column in table.primary_key.columns] == ["id"]]


def accounts_without_password(session: Session) -> list[User]:
    return list(session.scalars(
        select(User).where(User.password_hash == NO_PASSWORD).order_by(User.email)))
