"""What an export file's tables must hold before an import writes any of it: a JSON Schema
built from the tables themselves, so that it follows every migration.

Each row must have every column the export writes and no other; each value must fit
its column as PostgreSQL would take it, on SQLite too (which would store "lots" in an
integer column, or a string longer than its VARCHAR): integers within the column's
range and above a check's minimum, strings within their length and without a NUL
character, the values of an enum, ISO dates and times with a time zone, base64 bytes.
The first value that does not fit is named by its place in the file, such as
``tables.forum[2].capacity: 'lots' is not of type 'integer'``.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Enum,
    Integer,
    LargeBinary,
    String,
    Table,
)

from ..models import UTCDateTime

# Deeper than any export (the audit log's before/after values are flat): refused
# before anything else looks at the file.
MAX_NESTING = 16
# Neither PostgreSQL nor SQLite's UTF-8 stores these in text.
STORABLE_TEXT = "^[^\\x00\\ud800-\\udfff]*$"
INTEGER_RANGES = {
    BigInteger: (-(2**63), 2**63 - 1),
    Integer: (-(2**31), 2**31 - 1),
}
# "capacity IS NULL OR capacity >= 0" and the like: the column's minimum.
AT_LEAST = re.compile(r"^(?:(\w+) IS NULL OR )?(\w+) >= (-?\d+)$")
LONGEST_MESSAGE = 300

formats = FormatChecker(formats=())


@formats.checks("date-time-with-zone", raises=ValueError)
def _is_aware_datetime(text: Any) -> bool:
    # Formats say nothing about other types ("type" does): null passes here.
    return not isinstance(text, str) or datetime.fromisoformat(text).tzinfo is not None


@formats.checks("iso-date", raises=ValueError)
def _is_date(text: Any) -> bool:
    return not isinstance(text, str) or bool(date.fromisoformat(text))


@formats.checks("base64", raises=binascii.Error)
def _is_base64(text: Any) -> bool:
    return not isinstance(text, str) or base64.b64decode(text, validate=True) is not None


class FileError(ValueError):
    """The file does not fit the schema; the message names the first place that does not."""


def _minimums(table: Table) -> dict[str, int]:
    found = {}
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint):
            match = AT_LEAST.match(str(constraint.sqltext))
            if match and match.group(1) in (None, match.group(2)):
                found[match.group(2)] = int(match.group(3))
    return found


def _value_schema(column: Column, minimum: int | None) -> dict[str, Any]:
    column_type = column.type
    if isinstance(column_type, JSON):
        return {}
    if isinstance(column_type, Enum):
        values = list(column_type.enums)
        return {"enum": values + [None] if column.nullable else values}
    if isinstance(column_type, Boolean):
        schema: dict[str, Any] = {"type": "boolean"}
    elif isinstance(column_type, Integer):
        low, high = next(bounds for kind, bounds in INTEGER_RANGES.items()
                         if isinstance(column_type, kind))
        schema = {"type": "integer", "minimum": max(low, minimum if minimum is not None else low),
                  "maximum": high}
    elif isinstance(column_type, UTCDateTime):
        schema = {"type": "string", "format": "date-time-with-zone"}
    elif isinstance(column_type, Date):
        schema = {"type": "string", "format": "iso-date"}
    elif isinstance(column_type, LargeBinary):
        schema = {"type": "string", "format": "base64"}
    elif isinstance(column_type, String):
        schema = {"type": "string", "pattern": STORABLE_TEXT}
        if column_type.length:
            schema["maxLength"] = column_type.length
    else:
        raise TypeError(f"no schema for {column.table.name}.{column.name}: {column_type!r}")
    if column.nullable:
        schema["type"] = [schema["type"], "null"]
    return schema


def row_schema(table: Table, left_out: set[str]) -> dict[str, Any]:
    columns = [column for column in table.columns if column.name not in left_out]
    minimums = _minimums(table)
    return {
        "type": "object",
        "properties": {column.name: _value_schema(column, minimums.get(column.name))
                       for column in columns},
        "required": [column.name for column in columns],
        "additionalProperties": False,
    }


def tables_schema(tables: list[Table], left_out: set[tuple[str, str]]) -> dict[str, Any]:
    """The schema of an export's "tables": each table a list of rows."""
    return {
        "type": "object",
        "properties": {
            table.name: {
                "type": "array",
                "items": row_schema(table, {column for name, column in left_out
                                            if name == table.name}),
            }
            for table in tables
        },
        "additionalProperties": False,
    }


def place(path) -> str:
    """A place in the file as one would write it: ``tables.forum[2].capacity``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "the file"


def _deepest(data: Any) -> tuple[int, list]:
    """The nesting depth of ``data`` up to MAX_NESTING + 1, and the place where it stops."""
    stack = [(data, 0, [])]
    while stack:
        value, depth, path = stack.pop()
        if depth > MAX_NESTING:
            return depth, path
        if isinstance(value, dict):
            stack += [(item, depth + 1, [*path, key]) for key, item in value.items()]
        elif isinstance(value, list):
            stack += [(item, depth + 1, [*path, index]) for index, item in enumerate(value)]
    return 0, []


def check_tables(data: dict, schema: dict[str, Any]) -> None:
    """Raise FileError naming the first place in ``data["tables"]`` that does not fit."""
    depth, path = _deepest(data)
    if depth:
        raise FileError(f"{place(path)}: nested more than {MAX_NESTING} levels deep.")
    validator = Draft202012Validator(schema, format_checker=formats)
    error: ValidationError | None = next(validator.iter_errors(data["tables"]), None)
    if error is None:
        return
    message = error.message
    if len(message) > LONGEST_MESSAGE:
        message = message[:LONGEST_MESSAGE] + "…"
    raise FileError(f"{place(['tables', *error.absolute_path])}: {message}")
