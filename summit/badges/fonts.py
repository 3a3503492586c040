"""Which fonts badges are set in, found through fontconfig (never downloaded), and
whether the machine has what a good Chinese badge needs.

The stack puts a Latin face first, as Chinese web typography does: Latin letters and
digits come from it, every character it lacks (all of Chinese) falls through to the
CJK face, and what neither has (emoji) to the colour emoji face. Without any CJK face
the badge still renders, with a fallback face for Chinese, and the renderer logs a
warning that says what to install. A character that no face of the stack has would
print as an empty box: ``missing_glyphs`` finds it, and the renderer leaves it out.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from fontTools.ttLib import TTFont, TTLibError

log = logging.getLogger(__name__)

# Installed by `make run` from Debian's fonts-noto-cjk; the others are equivalents
# other systems ship under other names.
CJK_FACES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
)
# Liberation Sans (Arial's metrics) from Debian's fonts-liberation; DejaVu Sans is on
# every Debian with fontconfig.
LATIN_FACES = ("Liberation Sans", "Arimo", "DejaVu Sans")
# From Debian's fonts-noto-color-emoji, also installed by `make run`.
EMOJI_FACES = ("Noto Color Emoji",)
# The emoji face joins the stack under this name, for these characters only (as an
# @font-face with a unicode-range): named for every character, Pango would take the
# digits from it too (it has them, as keycap bases) and print them in colour.
EMOJI_FAMILY = "Badge Emoji"
EMOJI_RANGES = (
    (0x200D, 0x200D), (0x20E3, 0x20E3), (0x2600, 0x27BF), (0x2B00, 0x2BFF),
    (0xFE0F, 0xFE0F), (0x1F000, 0x1FAFF), (0xE0020, 0xE007F),
)
TEXT_FACES = (LATIN_FACES[0], LATIN_FACES[1], *CJK_FACES, LATIN_FACES[2])
FONT_STACK = (*TEXT_FACES, EMOJI_FAMILY, "sans-serif")

INSTALL_HINT = "install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk)"
EMOJI_INSTALL_HINT = ("install Debian's fonts-noto-color-emoji "
                      "(apt-get install fonts-noto-color-emoji)")


def css_font_family() -> str:
    """The stack as a CSS font-family value."""
    return ", ".join(f'"{face}"' if " " in face else face for face in FONT_STACK)


def css_emoji_font_faces() -> str:
    """The @font-face rules that bring the emoji face into the stack as EMOJI_FAMILY."""
    ranges = ", ".join(f"U+{start:X}" if start == end else f"U+{start:X}-{end:X}"
                       for start, end in EMOJI_RANGES)
    return "\n".join(f'@font-face {{ font-family: "{EMOJI_FAMILY}"; src: local("{face}"); '
                     f"unicode-range: {ranges}; }}" for face in EMOJI_FACES)


def _in_emoji_ranges(code: int) -> bool:
    return any(start <= code <= end for start, end in EMOJI_RANGES)


@dataclass(frozen=True)
class FontStatus:
    """What the admin dashboard and `flask summit doctor` report about badge fonts."""

    # The CJK-capable face badges will use, and its file; None when there is none.
    cjk_family: str | None
    cjk_file: str | None
    latin_family: str | None
    # HarfBuzz's subsetter: without it WeasyPrint subsets the 20 MB CJK fonts with
    # fontTools, several times slower.
    harfbuzz_subset: bool
    # False when fontconfig's fc-list is missing, so nothing could be checked.
    checked: bool = True
    emoji_family: str | None = None

    @property
    def cjk_ok(self) -> bool:
        return self.cjk_family is not None

    @property
    def message(self) -> str:
        if not self.checked:
            return "Cannot tell which fonts are installed: fontconfig's fc-list is missing."
        if not self.cjk_ok:
            return (
                "No CJK-capable font is installed: Chinese names on badges will not print "
                f"properly; {INSTALL_HINT}."
            )
        return f"Badges use {self.cjk_family} for Chinese and {self.latin_family} for Latin."


class FontFile(NamedTuple):
    family: str
    path: str
    # The face's place in a collection (.ttc); 0 for a single font.
    index: int


def _fc_list(pattern: str) -> list[FontFile] | None:
    """Every font fontconfig lists for ``pattern``, once per family it names; None
    without fc-list."""
    executable = shutil.which("fc-list")
    if executable is None:
        return None
    result = subprocess.run(
        [executable, "--format", "%{file}\t%{index}\t%{family}\n", pattern],
        capture_output=True, text=True, timeout=30, check=False,
    )
    fonts = []
    for line in result.stdout.splitlines():
        path, _, rest = line.partition("\t")
        index, _, families = rest.partition("\t")
        for family in families.split(","):
            # A variable font's named instances are numbered above the face's index.
            fonts.append(FontFile(family.strip(), path, int(index or 0) & 0xFFFF))
    return fonts


def _first_of(preferred: tuple[str, ...], fonts: list[FontFile]) -> tuple[str, str] | None:
    by_family = {font.family: font.path for font in fonts}
    for family in preferred:
        if family in by_family:
            return family, by_family[family]
    return None


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint found libharfbuzz-subset (and a HarfBuzz new enough to use it)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def check_fonts() -> FontStatus:
    """Ask fontconfig now (a subprocess); ``cjk_font_status`` remembers the answer."""
    chinese = _fc_list(":lang=zh-cn")
    every = _fc_list(":")
    if chinese is None or every is None:
        return FontStatus(None, None, None, harfbuzz_subset_available(), checked=False)
    cjk = _first_of(CJK_FACES, chinese) or (chinese[0][:2] if chinese else None)
    latin = _first_of(LATIN_FACES, every)
    emoji = _first_of(EMOJI_FACES, every)
    return FontStatus(
        cjk_family=cjk[0] if cjk else None,
        cjk_file=cjk[1] if cjk else None,
        latin_family=latin[0] if latin else None,
        harfbuzz_subset=harfbuzz_subset_available(),
        emoji_family=emoji[0] if emoji else None,
    )


@functools.cache
def cjk_font_status() -> FontStatus:
    """The badge fonts of this process, checked once (fonts installed later are seen
    after a restart, or by `flask summit doctor`, which checks afresh)."""
    return check_fonts()


@functools.cache
def installed_fonts() -> tuple[FontFile, ...]:
    """Every font fontconfig lists, once per family it names (none without fc-list)."""
    return tuple(_fc_list(":") or ())


@functools.cache
def emoji_font_files() -> frozenset[str]:
    """The files of the emoji face, which the badge renderer may read besides the
    static files."""
    return frozenset(font.path for font in _fc_list(":") or [] if font.family in EMOJI_FACES)


def _characters(path: str, index: int) -> set[int]:
    try:
        with TTFont(path, fontNumber=index, lazy=True) as font:
            return set(font.getBestCmap() or {})
    except (OSError, TTLibError, KeyError, AssertionError) as error:
        # Pango cannot use such a file either: what it would have printed is missing.
        log.warning("badge font %s (face %d) cannot be read: %s", path, index, error)
        return set()


@functools.cache
def badge_coverage() -> frozenset[str] | None:
    """Every character that some face of the badge's stack has a glyph for (the emoji
    face only within EMOJI_RANGES), read with fontTools from the files fontconfig lists
    for those faces, in every style: once per process. None when
    fontconfig cannot be asked."""
    fonts = _fc_list(":")
    if fonts is None:
        return None
    # A CJK face outside the stack is still what Pango falls back to for Chinese.
    text_faces = (*TEXT_FACES, cjk_font_status().cjk_family)
    covered: set[int] = set()
    for faces, wanted in ((text_faces, None), (EMOJI_FACES, _in_emoji_ranges)):
        for path, index in sorted({(font.path, font.index) for font in fonts
                                   if font.family in faces}):
            covered.update(filter(wanted, _characters(path, index)))
    return frozenset(map(chr, covered))


def _needs_glyph(char: str) -> bool:
    """Spaces, format characters (the joiner in an emoji sequence, soft hyphens,
    direction marks) and variation selectors take no glyph of their own."""
    return not (char.isspace() or unicodedata.category(char) == "Cf"
                or "VARIATION SELECTOR" in unicodedata.name(char, ""))


def missing_glyphs(text: str) -> str:
    """The characters of ``text`` (each once, in order) that no face of the badge's
    stack has, which would print as empty boxes; "" when fonts cannot be checked."""
    covered = badge_coverage()
    if covered is None or covered.issuperset(text):
        return ""
    return "".join(dict.fromkeys(char for char in text
                                 if char not in covered and _needs_glyph(char)))


def printable(text: str) -> str:
    """``text`` without the characters that ``missing_glyphs`` finds."""
    missing = missing_glyphs(text)
    return text.translate(dict.fromkeys(map(ord, missing))) if missing else text
