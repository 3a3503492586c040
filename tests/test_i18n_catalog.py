"""Catalog completeness: every UI string in the code and templates has a checked Chinese
translation. When this fails: `make translations`, translate what it lists, `make catalogs`."""

from __future__ import annotations

from .catalogs import extracted_messages, read_catalog


def state_of(entry) -> str:
    if entry is None:
        return "missing"
    if entry.fuzzy:
        return "fuzzy"
    strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
    return "translated" if all(strings) else "untranslated"


def test_every_ui_string_has_a_chinese_translation():
    catalog = read_catalog()
    problems = [
        f"{state}: {msgid!r} ({places[0]})"
        for (context, msgid), places in sorted(extracted_messages().items(), key=str)
        if (state := state_of(catalog.get(msgid, context=context))) != "translated"
    ]
    assert problems == [], "\n".join(problems)
