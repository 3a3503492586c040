"""Shrink-to-fit for badge text, decided in Python because WeasyPrint has no auto-fit.

Each character has a width class (in em, measured from the bold faces of Liberation
Sans and of Noto Sans CJK's Latin, and from Noto Color Emoji, rounded up, so an
estimate is never narrower than the printed text). A text is split into at most
``max_lines`` lines, only at spaces, after a hyphen and between CJK characters, never
inside a Latin word, and set at the largest size at which its widest line fits the
box's width and all its lines fit the box's height. The lines are printed with
``white-space: pre``, exactly as split here.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from dataclasses import dataclass, replace

PT_PER_MM = 72 / 25.4
LINE_HEIGHT = 1.2  # the badge stylesheet's line-height for fitted text
# What a line may take: where Latin and CJK faces meet on one line, their different
# ascents make the line box up to 0.1 em taller than its line-height.
LINE_BOX = LINE_HEIGHT + 0.1
SAFETY = 0.97  # of the box's width, for rounding in the PDF

NARROW = frozenset("iljtfrI.,:;'!|()[]-/·`")
WIDE = frozenset("mwMW@%")
WIDTHS = {"narrow": 0.44, "space": 0.28, "wide": 1.02, "upper": 0.78, "other": 0.64, "cjk": 1.0,
          "emoji": 1.25}
# Pictographs from here on print from the emoji face, wider than a CJK character.
EMOJI_START = 0x1F000

# A Chinese name of two or three characters is spaced out, as on name cards: 王 伟.
CJK_NAME_SPACING = {2: 0.6, 3: 0.3}

OPENING = frozenset("（《「『【〔“‘([")
CLOSING = frozenset("）》」』】〕”’，。、：；！？)],.:;!?")


def is_cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


@functools.cache
def char_width(char: str) -> float:
    """The width of one character in em, by its class."""
    if ord(char) >= EMOJI_START and unicodedata.category(char) == "So":
        return WIDTHS["emoji"]
    if is_cjk(char) or (ord(char) >= 0x2000 and unicodedata.east_asian_width(char) == "A"):
        # Symbols of ambiguous width (■, ※, …) come from the CJK face, a full em wide.
        return WIDTHS["cjk"]
    if char.isspace():
        return WIDTHS["space"]
    if char in NARROW:
        return WIDTHS["narrow"]
    if char in WIDE:
        return WIDTHS["wide"]
    if char.isupper():
        return WIDTHS["upper"]
    return WIDTHS["other"]


def text_width(text: str) -> float:
    """The estimated width of ``text`` in em."""
    return sum(char_width(char) for char in text)


def _tokens(text: str) -> list[str]:
    """Pieces that stay on one line: a Latin word (with the space after it, or up to its
    hyphen) or one CJK character. A line may break after any piece. Closing punctuation
    stays with what it closes and opening punctuation with what it opens, as Chinese
    typesetting wants."""
    pieces: list[str] = []
    word = opening = ""
    for char in text:
        if char == " ":
            if word:
                pieces.append(word)
                word = ""
            if pieces:
                pieces[-1] += " "
        elif char in CLOSING and (word or pieces):
            if word:
                word += char
            else:
                pieces[-1] = pieces[-1].rstrip() + char
        elif char in OPENING:
            opening += char
        elif is_cjk(char):
            if word:
                pieces.append(word)
                word = ""
            pieces.append(opening + char)
            opening = ""
        else:
            word += opening + char
            opening = ""
            if char == "-" and len(word) > 1:
                # A hyphenated name may break after its hyphen.
                pieces.append(word)
                word = ""
    if word or opening:
        pieces.append(word + opening)
    return pieces


def _width(pieces: list[str]) -> float:
    return text_width("".join(pieces).strip())


def _split(pieces: list[str], lines: int) -> list[str]:
    """``pieces`` in ``lines`` lines (or fewer) whose widest line is as narrow as it can be."""
    if lines == 1 or len(pieces) <= 1:
        return ["".join(pieces).strip()]
    best: tuple[float, list[str]] | None = None
    for cut in range(1, len(pieces)):
        head = _width(pieces[:cut])
        if best is not None and head >= best[0]:
            break
        rest = _split(pieces[cut:], lines - 1)
        widest = max(head, *(text_width(line) for line in rest))
        if best is None or widest < best[0]:
            best = (widest, ["".join(pieces[:cut]).strip(), *rest])
    return best[1]


@dataclass(frozen=True)
class Box:
    """Where a text goes: its size and the largest type it may be set in."""

    width_mm: float
    height_mm: float
    max_pt: float
    max_lines: int = 1
    # Space out short Chinese names (only for the attendee's name).
    spaced_name: bool = False


@dataclass(frozen=True)
class Fitted:
    lines: tuple[str, ...]
    size_pt: float
    letter_spacing_em: float = 0.0
    # Centres the lines vertically in the box.
    pad_top_mm: float = 0.0
    # For a list: whether each line starts an item (the others continue one).
    firsts: tuple[bool, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def _size_for(width_em: float, lines: int, box: Box) -> float:
    by_width = box.width_mm * PT_PER_MM * SAFETY / width_em if width_em else box.max_pt
    by_height = box.height_mm * PT_PER_MM / (lines * LINE_BOX)
    return min(box.max_pt, by_width, by_height)


def _finish(lines: list[str], size: float, box: Box, spacing: float = 0.0) -> Fitted:
    size = math.floor(size * 10 + 1e-9) / 10  # rounded down, so it never grows wider
    used_mm = len(lines) * size * LINE_BOX / PT_PER_MM
    return Fitted(tuple(lines), size, spacing, round(max(box.height_mm - used_mm, 0) / 2, 2))


def fit(text: str, box: Box) -> Fitted:
    """The lines and the type size at which ``text`` fits ``box``."""
    text = " ".join(text.split())
    if not text:
        return Fitted((), box.max_pt)
    spacing = CJK_NAME_SPACING.get(len(text), 0.0) if box.spaced_name else 0.0
    if spacing and all(is_cjk(char) for char in text):
        # letter-spacing follows every character, the last one too; the same space
        # again before the first keeps the name centred.
        width = text_width(text) + spacing * (len(text) + 1)
        return _finish([text], _size_for(width, 1, box), box, spacing)
    pieces = _tokens(text)
    best: tuple[float, list[str]] | None = None
    for count in range(1, box.max_lines + 1):
        lines = _split(pieces, count)
        size = _size_for(max(text_width(line) for line in lines), len(lines), box)
        if best is None or size > best[0] + 0.01:
            best = (size, lines)
        if size >= box.max_pt or len(lines) < count:
            break
    return _finish(best[1], best[0], box)


def fit_list(items: list[str], box: Box, marker: str = "", lines_per_item: int = 2) -> Fitted:
    """Several texts (the forums) at one size, each starting a new line led by ``marker``
    and a space, each split over up to ``lines_per_item`` lines when that lets them be
    set larger. ``Fitted.firsts`` tells which lines start an item."""
    texts = [" ".join(item.split()) for item in items]
    if not texts:
        return Fitted((), box.max_pt)
    lead = text_width(marker + " ") if marker else 0.0
    best: tuple[float, list[list[str]]] | None = None
    for count in range(1, lines_per_item + 1):
        split = [_split(_tokens(text), count) for text in texts]
        widest = max(text_width(line) for lines in split for line in lines)
        # An item that fits the widest line whole stays on one line.
        split = [[text] if text_width(text) <= widest else lines
                 for text, lines in zip(texts, split, strict=True)]
        total = sum(len(lines) for lines in split)
        if best is not None and total > box.max_lines:
            break
        size = _size_for(lead + widest, total, box)
        if best is None or size > best[0] + 0.01:
            best = (size, split)
    size, split = best
    fitted = _finish([line for lines in split for line in lines], size, box)
    firsts = tuple(index == 0 for lines in split for index in range(len(lines)))
    return replace(fitted, firsts=firsts)
