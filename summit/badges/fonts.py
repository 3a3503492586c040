"""Which fonts badges are set in, found through fontconfig (never downloaded), and
whether the machine has what a good Chinese badge needs.

The stack puts a Latin face first, as Chinese web typography does: Latin letters and
digits come from it, every character it lacks (all of Chinese) falls through to the
CJK face. Without any CJK face the badge still renders, with boxes or a fallback face
for Chinese, and the renderer logs a warning that says what to install.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass

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
FONT_STACK = (LATIN_FACES[0], LATIN_FACES[1], *CJK_FACES, LATIN_FACES[2], "sans-serif")

INSTALL_HINT = "install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk)"


def css_font_family() -> str:
    """The stack as a CSS font-family value."""
    return ", ".join(f'"{face}"' if " " in face else face for face in FONT_STACK)


@dataclass(frozen=True)
class FontStatus:
    """What the admin dashboard and `flask summit doctor` report about badge fonts."""

    # The CJK-capable face badges will use, and its file; None when there is none.
    cjk_family: str | None
    cjk_file: str | None
    latin_family: str | None
    # HarfBuzz's subsetter: without it WeasyPrint subsets the 20 MB CJK fonts with
    # fontTools, about five times slower.
    harfbuzz_subset: bool
    # False when fontconfig's fc-list is missing, so nothing could be checked.
    checked: bool = True

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


def _fc_list(pattern: str) -> list[tuple[str, str]] | None:
    """(family, file) of every font fontconfig lists for ``pattern``; None without fc-list."""
    executable = shutil.which("fc-list")
    if executable is None:
        return None
    result = subprocess.run(
        [executable, pattern, "family", "file"],
        capture_output=True, text=True, timeout=30, check=False,
    )
    fonts = []
    for line in result.stdout.splitlines():
        path, _, families = line.partition(": ")
        for family in families.split(","):
            fonts.append((family.strip(), path.strip()))
    return fonts


def _first_of(preferred: tuple[str, ...], fonts: list[tuple[str, str]]) -> tuple[str, str] | None:
    by_family = {family: path for family, path in fonts}
    for family in preferred:
        if family in by_family:
            return family, by_family[family]
    return None


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint found libharfbuzz-subset (and a HarfBuzz new enough to use it)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def check_fonts() -> FontStatus:
    """Ask fontconfig now (about 50 ms); ``cjk_font_status`` remembers the answer."""
    chinese = _fc_list(":lang=zh-cn")
    every = _fc_list(":")
    if chinese is None or every is None:
        return FontStatus(None, None, None, harfbuzz_subset_available(), checked=False)
    cjk = _first_of(CJK_FACES, chinese) or (chinese[0] if chinese else None)
    latin = _first_of(LATIN_FACES, every)
    return FontStatus(
        cjk_family=cjk[0] if cjk else None,
        cjk_file=cjk[1] if cjk else None,
        latin_family=latin[0] if latin else None,
        harfbuzz_subset=harfbuzz_subset_available(),
    )


@functools.cache
def cjk_font_status() -> FontStatus:
    """The badge fonts of this process, checked once (fonts installed later are seen
    after a restart, or by `flask summit doctor`, which checks afresh)."""
    return check_fonts()
