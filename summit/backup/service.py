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
- recent sign-in attempts (``login_attempt``), which only throttle sign-ins, the
  mail workers' shared send rate (``mail_send_rate``), which only paces sending, their
  signs of life (``mail_worker``), and the badges rendered beforehand (``badge_page``),
  which the mail workers render again.

One event of a file can also join a database that holds others (moving an event
between sites, restoring one edition): its rows get new ids, the references between
them follow, and accounts are matched by email (see ``_add_event``).

The rows follow the database schema, so a file restores into a database at the same
migration revision (``schema_revision`` in the file): for an older file, create the
database with ``flask db upgrade <revision>``, import, then ``flask db upgrade``.
The file holds personal data and every attendee's private link: keep it private.
"""

from __future__ import annotations

import base64
import enum
import json
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any

from alembic.migration import MigrationContext
from flask_babel import force_locale
from sqlalchemy import Date, LargeBinary, Table, func, insert, select, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..database import begin_write
from ..events.service import slug_refusal
from ..extensions import db
from ..models import (
    Answer,
    AuditEntry,
    BadgePage,
    CoHost,
    Event,
    EventRole,
    Forum,
    LoginAttempt,
    Mailing,
    MailingRecipient,
    MailMessage,
    MailSendRate,
    MailWorker,
    ProgrammeSession,
    Proposal,
    ProposalSpeaker,
    Question,
    QuestionChoice,
    QuestionKind,
    Registration,
    Reminder,
    ReminderDelivery,
    Review,
    Role,
    Seat,
    SessionMaterial,
    SessionSpeaker,
    SessionStar,
    Speaker,
    SpeakerAvailability,
    User,
    UTCDateTime,
    Webhook,
    WebhookDelivery,
    utcnow,
)
from ..private_links import new_token, token_digest
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
LEFT_OUT_TABLES = {LoginAttempt.__tablename__, MailSendRate.__tablename__,
                   MailWorker.__tablename__, BadgePage.__tablename__}
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
    SessionMaterial.__tablename__: ("session_id", ProgrammeSession.__tablename__),
    SessionStar.__tablename__: ("registration_id", Registration.__tablename__),
    Answer.__tablename__: ("registration_id", Registration.__tablename__),
    QuestionChoice.__tablename__: ("question_id", Question.__tablename__),
    ReminderDelivery.__tablename__: ("reminder_id", Reminder.__tablename__),
    MailingRecipient.__tablename__: ("mailing_id", Mailing.__tablename__),
    ProposalSpeaker.__tablename__: ("proposal_id", Proposal.__tablename__),
    SpeakerAvailability.__tablename__: ("proposal_speaker_id", ProposalSpeaker.__tablename__),
    Review.__tablename__: ("proposal_id", Proposal.__tablename__),
    WebhookDelivery.__tablename__: ("webhook_id", Webhook.__tablename__),
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


@dataclass
class Imported:
    """What an import wrote: rows per table; for an event added beside others, its slug,
    the accounts it created (without a password) and reused, and how many private links
    had to be issued anew."""

    rows: dict[str, int]
    added_event: str | None = None
    accounts_created: list[str] = field(default_factory=list)
    accounts_reused: list[str] = field(default_factory=list)
    new_private_links: int = 0


def import_data(
    session: Session, data: dict[str, Any], event_slug: str | None = None,
    new_slug: str | None = None,
) -> Imported:
    """Restore ``data`` (as written by ``export_data``) into this database. All or
    nothing: one transaction.

    Into an empty database (and without ``new_slug``) every row comes back with its
    id, the whole file or only the event ``event_slug`` of it. Into a database that
    holds anything, or under ``new_slug``, one event is added beside the others (see
    ``_add_event``): the file's only event, or ``event_slug``."""
    _check_file(session, data)
    _check_answers(data["tables"])
    begin_write(session)
    occupied = {name: count for name, count in row_counts(session).items() if count}
    if occupied or new_slug is not None:
        return _add_event(session, data, event_slug, new_slug, occupied)
    tables = data["tables"] if event_slug is None else _only_event(session, data, event_slug)
    restored = {}
    try:
        for table in backed_up_tables():
            rows = [_row_from_json(table, row) for row in tables.get(table.name, [])]
            if rows:
                session.execute(insert(table), _referenced_first(table, rows))
            restored[table.name] = len(rows)
        _continue_numbering(session)
        session.commit()
    except BackupError:
        session.rollback()
        raise
    except (SQLAlchemyError, ValueError, TypeError) as error:
        raise _not_stored(session, error) from error
    return Imported(rows=restored)


def _only_event(session: Session, data: dict[str, Any], slug: str) -> dict[str, list[dict]]:
    try:
        return only_event(data["tables"], slug)
    except BackupError:
        session.rollback()
        raise


def _not_stored(session: Session, error: Exception) -> BackupError:
    session.rollback()
    detail = error.orig if isinstance(error, DBAPIError) else error
    return BackupError(f"The file's rows cannot be stored: {detail}. Nothing was imported.")


# --- one event added beside others ----------------------------------------------------

# What an audit entry's object_type names, and the table its object_id is an id of.
AUDITED_TABLES = {
    "event": Event.__tablename__,
    "co_host": CoHost.__tablename__,
    "forum": Forum.__tablename__,
    "speaker": Speaker.__tablename__,
    "session": ProgrammeSession.__tablename__,
    "material": SessionMaterial.__tablename__,
    "registration": Registration.__tablename__,
    "mail": MailMessage.__tablename__,
    "user": User.__tablename__,
    "reminder": Reminder.__tablename__,
}
# How many values one IN (…) carries (SQLite takes 32,766 parameters at most).
CHUNK = 1000


def _add_event(session: Session, data: dict[str, Any], event_slug: str | None,
               new_slug: str | None, occupied: dict[str, int]) -> Imported:
    """Add one event of the file beside the events this database holds, every row under
    a new id (the references between them follow). Accounts are matched by email: one
    that exists here is used as it is, never changed; one that does not is created if it
    holds a role at the event, without a password (the file has none) and never as a
    site administrator (the other site's administrators are not this one's). The
    entries of an author who has no account here keep the author's email (``actor``)
    and lose the link, as when an account is deleted. A private link that this database
    already knows (the same event imported again under ``new_slug``) is issued anew.
    Refuses a slug that an event here has, or a file of several events without
    ``event_slug``. Ends the transaction either way."""
    try:
        slugs = [row.get("slug") for row in data["tables"].get(Event.__tablename__, [])]
        if event_slug is None:
            if len(slugs) != 1 and not occupied:
                raise BackupError(
                    f"--as renames one event, and the file holds {len(slugs)} "
                    f"({', '.join(map(str, slugs)) or 'none'}): name it with --event SLUG.")
            if len(slugs) != 1:
                listed = ", ".join(f"{name}: {count}" for name, count in occupied.items())
                raise BackupError(
                    f"This database is not empty ({listed}) and the file holds "
                    f"{len(slugs)} events ({', '.join(map(str, slugs)) or 'none'}). A whole "
                    "backup restores into an empty database only (create one, run "
                    "`flask db upgrade`, then import); to add one event of it to this "
                    "site, name it with --event SLUG.")
            event_slug = slugs[0]
        tables = only_event(data["tables"], event_slug)
        slug = new_slug if new_slug is not None else event_slug
        if new_slug is not None:
            with force_locale("en"):  # as the command's other messages
                refusal = slug_refusal(slug)
                if refusal is not None:
                    raise BackupError(f"--as {slug}: {refusal}")
        if session.scalar(select(Event.id).where(Event.slug == slug)) is not None:
            raise BackupError(
                f"This site already has an event {slug!r}; nothing was imported. To add "
                f"the file's event beside it, import it under another slug with "
                f"--as NEW_SLUG (such as --as {slug}-copy).")
        return _write_event(session, tables, slug)
    except BackupError:
        session.rollback()
        raise
    except (SQLAlchemyError, ValueError, TypeError) as error:
        raise _not_stored(session, error) from error


def _write_event(session: Session, tables: dict[str, list[dict]], slug: str) -> Imported:
    imported = Imported(rows={}, added_event=slug)
    new_ids: dict[str, dict[Any, int]] = {}
    role_holders = {row["user_id"] for row in tables[EventRole.__tablename__]}
    event_roles = {row["user_id"]: row["role"] for row in tables[EventRole.__tablename__]}
    # The audit log last: its entries name rows of any table.
    in_order = sorted(backed_up_tables(), key=lambda table: table.name == AuditEntry.__tablename__)
    for table in in_order:
        rows = tables.get(table.name, [])
        if table.name == User.__tablename__:
            new_ids[table.name] = _match_accounts(session, rows, role_holders, event_roles,
                                                  imported)
            continue
        values = [_row_from_json(table, row) for row in rows]
        # New ids first: a row may name another of its own table (a question's condition).
        if _has_serial_id(table):
            new_ids[table.name] = _renumber(session, table, values)
        for index, row in enumerate(values):
            _follow_references(table, row, new_ids, index)
        if table.name == Event.__tablename__:
            for row in values:
                row["slug"] = slug
        elif table.name == Registration.__tablename__:
            imported.new_private_links = _new_links_for_known_tokens(session, values)
        elif table.name == AuditEntry.__tablename__:
            for row in values:
                row["object_id"] = _audited_object(row, new_ids)
        if values:
            session.execute(insert(table), _referenced_first(table, values))
        imported.rows[table.name] = len(values)
    session.commit()
    return imported


def _has_serial_id(table: Table) -> bool:
    return [column.name for column in table.primary_key.columns] == ["id"]


def _match_accounts(session: Session, rows: list[dict], role_holders: set, event_roles: dict,
                    imported: Imported) -> dict[Any, int]:
    """The file's account ids → this database's: the account with the same email, else
    a new one for a holder of a role at the event."""
    emails = [row["email"] for row in rows]
    here = {}
    for start in range(0, len(emails), CHUNK):
        here.update(session.execute(select(User.email, User.id).where(
            User.email.in_(emails[start:start + CHUNK]))).all())
    table = User.__table__
    ids: dict[Any, int] = {}
    created = []
    for row in rows:
        if row["email"] in here:
            ids[row["id"]] = here[row["email"]]
            imported.accounts_reused.append(row["email"])
        elif row["id"] in role_holders:
            values = _row_from_json(table, row)
            # Only its role at this event: never the other site's administrator.
            values["role"] = Role(event_roles[row["id"]])
            created.append(values)
            imported.accounts_created.append(row["email"])
    ids.update(_renumber(session, table, created))
    if created:
        session.execute(insert(table), created)
    imported.rows[table.name] = len(created)
    return ids


def _renumber(session: Session, table: Table, rows: list[dict]) -> dict[Any, int]:
    """Give ``rows`` ids of this database (taken from its sequence on PostgreSQL, after
    the highest on SQLite, whose write lock the transaction holds); returns old → new."""
    if not rows:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        fresh = sorted(session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                 "FROM generate_series(1, :count)"),
            {"table": table.name, "count": len(rows)}))
    else:
        start = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) + 1
        fresh = list(range(start, start + len(rows)))
    ids = {}
    for row, new in zip(rows, fresh, strict=True):
        if row["id"] in ids:
            raise BackupError(f"Nothing was imported. tables.{table.name}: the id {row['id']} "
                              "appears twice.")
        ids[row["id"]], row["id"] = new, new
    return ids


def _referenced_first(table: Table, rows: list[dict]) -> list[dict]:
    """``rows`` with each one after the rows of its own table that it names (a question
    after the one its condition is on): the database checks a row's keys as it is
    inserted. Rows that name each other in a circle are refused."""
    own = [column.name for column in table.columns
           if any(key.column.table is table for key in column.foreign_keys)]
    if not own:
        return rows
    ids = {row["id"] for row in rows}
    waiting: dict[Any, list[dict]] = defaultdict(list)
    missing: dict[int, int] = {}
    ready: deque[dict] = deque()
    for row in rows:
        named = {row.get(name) for name in own} & ids
        missing[id(row)] = len(named)
        for target in named:
            waiting[target].append(row)
        if not named:
            ready.append(row)
    ordered = []
    while ready:
        row = ready.popleft()
        ordered.append(row)
        for follower in waiting.pop(row["id"], []):
            missing[id(follower)] -= 1
            if not missing[id(follower)]:
                ready.append(follower)
    if len(ordered) != len(rows):
        raise BackupError(f"Nothing was imported. tables.{table.name}: some rows name each "
                          "other in a circle.")
    return ordered


def _follow_references(table: Table, row: dict, new_ids: dict[str, dict[Any, int]],
                       index: int) -> None:
    """Point ``row``'s foreign keys at the new ids of the rows they name. A key naming no
    row of the event in the file is refused (it would name another event's row here)."""
    for column in table.columns:
        for key in column.foreign_keys:
            value = row.get(column.name)
            if value is None:
                continue
            target = key.column.table.name
            found = new_ids.get(target, {}).get(value)
            if found is None and target == User.__tablename__ and column.nullable:
                row[column.name] = None  # an author without an account here
            elif found is None:
                raise BackupError(
                    f"Nothing was imported. tables.{table.name}[{index}].{column.name}: "
                    f"{value!r} names no {target} row of the event in the file.")
            else:
                row[column.name] = found


def _new_links_for_known_tokens(session: Session, rows: list[dict]) -> int:
    hashes = [row["token_hash"] for row in rows]
    known = set()
    for start in range(0, len(hashes), CHUNK):
        known.update(session.scalars(select(Registration.token_hash).where(
            Registration.token_hash.in_(hashes[start:start + CHUNK]))))
    for row in rows:
        if row["token_hash"] in known:
            row["token"] = new_token()
            row["token_hash"] = token_digest(row["token"])
    return len(known)


def _audited_object(row: dict, new_ids: dict[str, dict[Any, int]]) -> str:
    """The entry's object_id, as the new id of the row it names; empty when that row
    is not in the file (deleted since), so that it names no other row here."""
    table = AUDITED_TABLES.get(row["object_type"])
    if table is None or row["object_id"] == "":
        return row["object_id"]
    try:
        old = int(row["object_id"])
    except ValueError:
        return row["object_id"]
    found = new_ids.get(table, {}).get(old)
    return "" if found is None else str(found)


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


def accounts_named(session: Session, emails: list[str]) -> list[User]:
    return list(session.scalars(
        select(User).where(User.email.in_(emails)).order_by(User.email))) if emails else []
