"""The UI's message catalogs as the tests need them: compiled, and extracted from the sources.

`make catalogs` compiles the .po files for `make run` and `make test`; a plain
`pytest` after editing a .po would otherwise test a stale .mo, so the tests
compile a catalog whose .mo is missing or older than its .po.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = PROJECT_ROOT / "summit" / "translations"
CHINESE_PO = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
SOURCE_FOLDERS = ("summit", "templates")


def read_catalog(po: Path = CHINESE_PO):
    with po.open("rb") as file:
        return read_po(file, locale=po.parent.parent.name)


def ensure_compiled() -> None:
    """Compile each catalog whose .mo is missing or older than its .po (as `make catalogs`,
    fuzzy entries left out)."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = read_catalog(po)
        partial = mo.with_suffix(".mo.part")
        with partial.open("wb") as file:
            write_mo(file, catalog, use_fuzzy=False)
        partial.replace(mo)  # atomic: a test running alongside never reads half a file


def extracted_messages() -> dict[tuple[str | None, str | tuple[str, ...]], list[str]]:
    """Every UI message in the sources, extracted with summit/translations/babel.cfg:
    (context, msgid) -> where it is used."""
    with (TRANSLATIONS / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    found: dict[tuple[str | None, str | tuple[str, ...]], list[str]] = {}
    for folder in SOURCE_FOLDERS:
        for filename, lineno, message, _comments, context in extract_from_dir(
            PROJECT_ROOT / folder, method_map, options_map
        ):
            found.setdefault((context, message), []).append(f"{folder}/{filename}:{lineno}")
    return found
