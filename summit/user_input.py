"""What a visitor can type into an address, read so that no value can reach the database
or a response header it does not fit: ids and numbers within what the database holds,
and the local paths a page may send someone back to."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request
from werkzeug.routing import IntegerConverter, Map

# The largest value of an INTEGER column on PostgreSQL, which every id is (SQLite's
# reach further): PostgreSQL refuses to compare a larger number with one, SQLite
# refuses anything beyond 2**63 - 1, so no id or page number may exceed it.
MAX_DATABASE_INTEGER = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in every route: a whole number from 1 to ``MAX_DATABASE_INTEGER``; any
    other value matches no route (404) before a view runs."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = 1,
                 max: int | None = MAX_DATABASE_INTEGER, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def database_int(text: str) -> int:
    """A query argument as a whole number from 1 to ``MAX_DATABASE_INTEGER`` (an id, a page
    number). Raises ValueError otherwise, so ``request.args.get(name, default,
    type=database_int)`` gives the default for a blank, malformed or huge value."""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_DATABASE_INTEGER)):
        raise ValueError(f"not an id: {text!r}")
    number = int(text)
    if not 1 <= number <= MAX_DATABASE_INTEGER:
        raise ValueError(f"not an id: {text!r}")
    return number


def database_ids(text: str) -> list[int]:
    """Comma-separated ids ("3,5,8"). Raises ValueError if any is not one."""
    return [database_int(part) for part in text.split(",")]


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None: we never send anyone to
    another site (``//evil.example``, ``/\\evil.example``, ``https://…``) nor put a
    control character (a line break) into a Location header."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def refuse_nul_characters() -> None:
    """Run before every request: a NUL character (%00) in the address or its query is
    refused with 400. No address of ours holds one, and PostgreSQL cannot even compare
    text with one (a lookup would fail, not find nothing). Forms explain such a
    character next to their field instead."""
    if "\x00" in request.path:
        abort(400)
    for name, texts in request.args.lists():
        if "\x00" in name or any("\x00" in text for text in texts):
            abort(400)
