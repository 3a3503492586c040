"""The secrets of private links (an attendee's ``/r/<token>``, a speaker's
``/proposals/<token>``): 256 random bits, stored with their SHA-256, by which they are
looked up, and compared in constant time. Every area that hands out a link uses these."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")

Holder = TypeVar("Holder")


def new_token() -> str:
    """256 random bits, URL-safe: the key of a private link."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plausible_token(token: str) -> bool:
    return bool(_TOKEN_SHAPE.fullmatch(token))


def same_token(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())


def find_by_token(session: Session, model: type[Holder], token: str,
                  *options) -> Holder | None:
    """The row of ``model`` (with ``token`` and ``token_hash`` columns) whose private link
    carries ``token``: looked up by the token's hash, compared in constant time, so
    neither the lookup's timing nor a malformed token says anything about a real one."""
    if not plausible_token(token):
        return None
    found = session.scalars(
        select(model).where(model.token_hash == token_digest(token)).options(*options)
    ).first()
    if found is None or not same_token(found.token, token):
        return None
    return found
