"""Secrets that registrations carry: the private link's token and the badge's check-in code."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

# Crockford's base32: no I, L, O or U, so a code read off a badge is typed right.
CHECKIN_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECKIN_CODE_LENGTH = 12  # 60 bits
_CHECKIN_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def new_token() -> str:
    """256 random bits, URL-safe: the key of an attendee's private link."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plausible_token(token: str) -> bool:
    return bool(_TOKEN_SHAPE.fullmatch(token))


def same_token(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())


def new_checkin_code() -> str:
    return "".join(secrets.choice(CHECKIN_ALPHABET) for _ in range(CHECKIN_CODE_LENGTH))


def normalise_checkin_code(typed: str) -> str:
    """What a scanner or a person typed, as stored: upper case, no spaces or dashes,
    O read as 0 and I or L as 1."""
    compact = re.sub(r"[\s-]", "", typed).upper()
    return compact.translate(_CHECKIN_LOOKALIKES)
