"""API tokens: made by a site administrator for one event with some scopes, shown once,
stored as the SHA-256 of their secret, revoked at will; and what each use leaves behind.

A secret is ``summit_`` and 43 URL-safe characters (256 random bits): the prefix lets
secret scanners and people recognise one in a log or a repository.

Every use is noted in the audit log. A write (a registration made, changed or
cancelled, a badge scanned) gets an entry of its own. Reads get at most one entry a
minute per token, written together with ``last_used_at``: a hall display that polls
the programme every few seconds would otherwise bury the event's log under lines that
say nothing new, and the minute's entry already says which token read and when.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .. import audit
from ..audit import AuditAction
from ..database import BOOKKEEPING
from ..models import ApiScope, ApiToken, AuditEntry, User, utcnow

PREFIX = "summit_"
SECRET_BYTES = 32
_SHAPE = re.compile(re.escape(PREFIX) + r"[A-Za-z0-9_-]{43}")
# How often a token's last use is written down (and, for reads, audited).
USE_NOTED_EVERY = timedelta(minutes=1)
OBJECT_TYPE = "api_token"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Bearer:
    """The token a request presented, copied out of the session: what the API's checks
    and ``note_use`` need, without the ORM object."""

    id: int
    event_id: int
    name: str
    scopes: frozenset[ApiScope]
    last_used_at: datetime | None

    @property
    def actor(self) -> str:
        return audit.api_token(self.name)


def find_bearer(session: Session, secret: str) -> Bearer | None:
    """The active token whose secret this is; None for a revoked, unknown or malformed
    one. Looked up by hash (no timing tells the secret) and compared in constant time."""
    if not _SHAPE.fullmatch(secret):
        return None
    wanted = digest(secret)
    row = session.execute(
        select(ApiToken.id, ApiToken.event_id, ApiToken.name, ApiToken.scopes,
               ApiToken.last_used_at, ApiToken.token_hash)
        .where(ApiToken.token_hash == wanted, ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not hmac.compare_digest(row.token_hash, wanted):
        return None
    known = {scope.value: scope for scope in ApiScope}
    scopes = frozenset(known[value] for value in row.scopes if value in known)
    return Bearer(row.id, row.event_id, row.name, scopes, row.last_used_at)


def due_for_noting(bearer: Bearer, now: datetime) -> bool:
    """Whether the token's last use is more than a minute old (as its request read it)."""
    return bearer.last_used_at is None or now - bearer.last_used_at >= USE_NOTED_EVERY


def note_use(engine: Engine, bearer: Bearer, method: str, path: str, status: int,
             *, write: bool, now: datetime) -> None:
    """Write down that ``bearer`` was used (see the module's docstring): on a connection
    of its own, beside the request's transaction, so that a GET (READ ONLY on
    PostgreSQL) can note it too. The caller has ended its own transaction, which on
    SQLite could hold the write lock this needs."""
    due = due_for_noting(bearer, now)
    with engine.connect().execution_options(**{BOOKKEEPING: True}) as connection:
        noted = connection.execute(
            update(ApiToken)
            .where(ApiToken.id == bearer.id, or_(ApiToken.last_used_at.is_(None),
                                                  ApiToken.last_used_at <= now - USE_NOTED_EVERY))
            .values(last_used_at=now)
        ).rowcount if due else 0
        if write or noted:
            summary = f"{method} {path} → {status}"
            if not write:
                summary += " (reads noted once a minute)"
            connection.execute(insert(AuditEntry), {
                "event_id": bearer.event_id, "at": now, "user_id": None,
                "actor": bearer.actor[:254], "action": AuditAction.API_REQUEST,
                "object_type": OBJECT_TYPE, "object_id": str(bearer.id),
                "summary": summary[:500], "before": None, "after": None,
            })
        connection.commit()


# --- the administrators' page --------------------------------------------------------


def event_tokens(session: Session, event_id: int) -> list[ApiToken]:
    """The event's tokens, the newest first, revoked ones included."""
    return list(session.scalars(select(ApiToken).where(ApiToken.event_id == event_id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create_token(session: Session, actor: User, event_id: int, name: str,
                 scopes: Collection[ApiScope]) -> tuple[ApiToken, str]:
    """A new token and its secret, which is shown once and never stored. Commits."""
    secret = PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    chosen = [scope.value for scope in ApiScope if scope in scopes]
    token = ApiToken(event_id=event_id, name=name, scopes=chosen, token_hash=digest(secret),
                     created_by_id=actor.id)
    session.add(token)
    session.flush()
    audit.record(session, actor, AuditAction.CREATE, OBJECT_TYPE, token.id, summary=name,
                 after={"name": name, "scopes": chosen}, event_id=event_id)
    session.commit()
    return token, secret


def revoke_token(session: Session, actor: User, event_id: int, token_id: int) -> ApiToken | None:
    """Revoke the event's token (its next request is refused); None when the event has no
    such token. Revoking twice changes nothing the second time. Commits."""
    now = utcnow()
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.event_id == event_id,
               ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    token = session.scalars(select(ApiToken).where(ApiToken.id == token_id,
                                                   ApiToken.event_id == event_id)
                            .execution_options(populate_existing=True)).first()
    if token is not None and revoked:
        audit.record(session, actor, AuditAction.REVOKE, OBJECT_TYPE, token.id,
                     summary=token.name, before={"revoked_at": None},
                     after={"revoked_at": now.isoformat()}, event_id=event_id)
    session.commit()
    return token
