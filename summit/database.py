"""Database behaviour that the models alone do not give: SQLite's settings and
write transactions that serialise on SQLite as row locks do on PostgreSQL."""

from __future__ import annotations

import sqlite3

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, scoped_session

IMMEDIATE = "summit_sqlite_immediate"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
def _begin_sqlite(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    immediate = connection.get_execution_options().get(IMMEDIATE)
    if immediate is None:
        immediate = _writing_request()
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


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
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={IMMEDIATE: True})


def read_before_writing(session: Session) -> None:
    """Open a writing request's first transaction as a read, for a view whose writes all
    go through ``begin_write``: on SQLite its reads (the event, the form's choices) then
    do not hold the write lock that every other writer is queueing for."""
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={IMMEDIATE: False})


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
