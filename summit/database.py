"""Database behaviour that the models alone do not give: SQLite's settings, write
transactions that serialise on SQLite as row locks do on PostgreSQL, and reading
requests' READ ONLY transactions on PostgreSQL."""

from __future__ import annotations

import contextlib
import functools
import sqlite3

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Compiled, Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction, scoped_session
from sqlalchemy.sql import Executable, Select

IMMEDIATE = "summit_sqlite_immediate"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A connection with this execution option may write during a GET (whose transactions are
# READ ONLY on PostgreSQL): for bookkeeping beside the request, such as noting an API
# token's use, never for the request's own data.
BOOKKEEPING = "summit_bookkeeping"


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself (see _begin_sqlite), as its pysqlite docs advise.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # A GET or HEAD only reads: its transactions are READ ONLY, so that a view
        # cannot change anything by mistake and ending them with COMMIT (see
        # end_reading_transaction) keeps nothing.
        connection.connection.dbapi_connection.read_only = (
            _reading_request() and not connection.get_execution_options().get(BOOKKEEPING))
        return
    if connection.dialect.name != "sqlite":
        return
    immediate = connection.get_execution_options().get(IMMEDIATE)
    if immediate is None:
        immediate = _writing_request()
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _reading_request() -> bool:
    return has_request_context() and request.method in SAFE_METHODS


def _writing_request() -> bool:
    """Every transaction of a request that may write (a POST …) takes SQLite's write lock
    up front, the ones after a commit in it too: a transaction that reads and then
    writes fails at once with "database is locked" when another writer committed in
    between, whatever the busy timeout."""
    return has_request_context() and request.method not in SAFE_METHODS


def begin_write(session: Session) -> None:
    """Start a transaction whose reads may decide its writes (seats left, places in a queue).

    PostgreSQL needs nothing here: the caller locks the rows it depends on with
    ``SELECT … FOR UPDATE``. SQLite has no row locks, so the transaction takes the
    database's write lock up front (BEGIN IMMEDIATE): writers queue one after another
    instead of reading the same count, and readers carry on (WAL).
    """
    session = _plain(session)
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={IMMEDIATE: True})


def commit_together(session: Session | scoped_session,
                    statements: list[tuple[Executable, dict]],
                    read: tuple[Select, dict] | None = None) -> list[tuple]:
    """Execute ``statements`` (whose results nobody reads), then ``read``, and commit, in
    one round trip to PostgreSQL (psycopg's pipeline mode): a lock taken by the first is
    then held for the time the server takes, not for this process's turns between
    statements, which a busy machine makes long. Elsewhere they simply run one by one.
    What the session had pending is written first. Returns the rows ``read`` found, or
    [] without one. In a pipeline the driver runs ``read`` itself: its bind parameters
    go as given (no expanding lists, no column type's processing) and its rows are the
    driver's values (an enum's stored value, not its member)."""
    session = _plain(session)
    session.flush()
    connection = session.connection()
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql" and hasattr(driver, "pipeline"):
        dbapi_error = connection.dialect.loaded_dbapi.Error
        try:
            with driver.pipeline():
                for statement, values in statements:
                    session.execute(statement, values)
                # SQLAlchemy cannot read a result that the pipeline has not brought back
                # yet: the driver's cursor can, once the pipeline has ended.
                cursor = driver.cursor() if read else None
                if cursor is not None:
                    compiled = _compiled(read[0], connection.dialect)
                    cursor.execute(compiled.string, compiled.construct_params(read[1]))
                # Committed inside the pipeline: the session's commit below finds
                # nothing left to do but hand the connection back (inside, another
                # thread could have taken it before the pipeline ended).
                driver.commit()
            rows = []
            if cursor is not None:
                with cursor:
                    rows = [tuple(row) for row in cursor.fetchall()]
        # A pipeline that failed may leave its connection in pipeline mode, where not
        # even a ROLLBACK can be sent: the connection is dropped either way, and what
        # comes straight from psycopg (at the pipeline's end) is wrapped as SQLAlchemy
        # wraps its own (a lost server is then a 503, not a 500).
        except DBAPIError as error:
            connection.invalidate(error.orig)
            raise
        except dbapi_error as error:
            connection.invalidate(error)
            raise DBAPIError.instance(None, None, error, dbapi_error,
                                      connection_invalidated=True,
                                      dialect=connection.dialect) from error
    else:
        for statement, values in statements:
            session.execute(statement, values)
        rows = [tuple(row) for row in session.execute(read[0], read[1])] if read else []
    session.commit()
    return rows


@functools.lru_cache(maxsize=32)
def _compiled(statement: Select, dialect: Dialect) -> Compiled:
    """A module's constant statement, compiled once per process (``commit_together``'s
    read bypasses SQLAlchemy's own cache of compiled statements)."""
    return statement.compile(dialect=dialect)


def current_transaction(session: Session | scoped_session) -> SessionTransaction | None:
    """The session's transaction now (None between transactions): a lock taken in one
    is held for as long as it is this."""
    return _plain(session).get_transaction()


def read_before_writing(session: Session) -> None:
    """Open a writing request's first transaction as a read, for a view whose writes all
    go through ``begin_write``: on SQLite its reads (the event, the form's choices) then
    do not hold the write lock that every other writer is queueing for."""
    session = _plain(session)
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={IMMEDIATE: False})


def end_reading_transaction(session: Session | scoped_session, error: BaseException | None) -> None:
    """End a GET's or HEAD's transaction on PostgreSQL with COMMIT. For its READ ONLY
    transaction COMMIT is the same as the ROLLBACK that closing the session sends, but
    psycopg forgets its prepared statements on every ROLLBACK: each request then had
    PostgreSQL plan its queries afresh, which for a cached feed's version query cost as
    much as the rest of its work there (bench/FINDINGS.md)."""
    if error is not None or not _reading_request():
        return
    session = _plain(session)
    if not session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    # When the transaction had failed, closing the session rolls it back instead.
    with contextlib.suppress(SQLAlchemyError):
        session.commit()


def _plain(session: Session | scoped_session) -> Session:
    """The request's own session behind Flask-SQLAlchemy's ``db.session``."""
    return session() if isinstance(session, scoped_session) else session


def release_session(session: scoped_session) -> None:
    """End a request's session. When its connection died after the response was made
    (the database restarted or dropped it), the rollback that closing does fails:
    throw the connection away instead of failing the finished response; the pool
    opens a new one for the next request."""
    try:
        session.remove()
    except DBAPIError:
        session().invalidate()
        session.remove()
