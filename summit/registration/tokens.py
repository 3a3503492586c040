"""The badge's check-in code (the private link's token: ``summit.private_links``)."""

from __future__ import annotations

import re
import secrets

# Crockford's base32: no I, L, O or U, so a code read off a badge is typed right.
CHECKIN_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECKIN_CODE_LENGTH = 12  # 60 bits
_CHECKIN_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_checkin_code() -> str:
    return "".join(secrets.choice(CHECKIN_ALPHABET) for _ in range(CHECKIN_CODE_LENGTH))


def normalise_checkin_code(typed: str) -> str:
    """What a scanner or a person typed, as stored: upper case, no spaces or dashes,
    O read as 0 and I or L as 1."""
    compact = re.sub(r"[\s-]", "", typed).upper()
    return compact.translate(_CHECKIN_LOOKALIKES)
