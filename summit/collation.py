"""Names in the order Chinese readers expect: by pinyin, with Latin names among them.

李明 sorts as "li3 ming2", 欧阳修 as "ou1 yang2 xiu1", "Li Lei" as "li lei": so Latin
names fall in alphabetically beside the Chinese names that sound alike, and the same
syllable sorts by tone. pypinyin knows words (欧阳, 长江), not surnames, so the few
common surnames that read differently from the everyday character are given here.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Surnames whose reading differs from the character's usual one (曾 zēng, not céng).
_SURNAMES = {
    "尉迟": ["yu4", "chi2"],
    "万俟": ["mo4", "qi2"],
    "曾": ["zeng1"],
    "单": ["shan4"],
    "解": ["xie4"],
    "仇": ["qiu2"],
    "朴": ["piao2"],
    "区": ["ou1"],
    "查": ["zha1"],
    "覃": ["qin2"],
    "盖": ["ge3"],
    "缪": ["miao4"],
    "翟": ["zhai2"],
    "乐": ["yue4"],
    "种": ["chong2"],
}


def _latin(text: str) -> list[str]:
    """Words of non-Chinese text, lower case and without accents (Émile → emile)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return plain.split()


def _syllables(text: str, person: bool) -> list[str]:
    if person:
        for surname, reading in _SURNAMES.items():
            if text.startswith(surname):
                return reading + _syllables(text[len(surname):], person=False)
    words: list[str] = []
    for piece in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True):
        words.extend(_latin(piece))
    return words


@lru_cache(maxsize=65536)
def sort_key(text: str | None, person: bool = False) -> tuple[str, str]:
    """The sort key of a name (``person``: read its first characters as a surname) or
    of any other text, such as an organisation; empty text sorts last."""
    text = (text or "").strip()
    if not text:
        return ("\uffff", "")
    # The syllables decide; the text itself only orders homophones (李明, 黎明) the same
    # way every time.
    return (" ".join(_syllables(text, person)), text)


def name_key(name: str | None) -> tuple[str, str]:
    """The sort key of a person's name."""
    return sort_key(name, person=True)
