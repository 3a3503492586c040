"""An event's share picture: 1200×630 (the size Open Graph and Twitter's large card
want), its names in both languages and its dates and city, drawn with Pillow in the
badges' fonts (a Chinese face where one is installed)."""

from __future__ import annotations

import functools
import io
import re

from PIL import Image, ImageDraw, ImageFont

from ..badges.fonts import cjk_font_status
from ..i18n import format_day, localized
from ..models import Event

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
BACKGROUND = (22, 44, 84)
ACCENT = (238, 170, 52)
TEXT = (255, 255, 255)
MUTED = (200, 212, 230)


@functools.cache
def _font_file() -> tuple[str, int] | None:
    """The Chinese face's file and its index in a collection (a .ttc holds the Japanese,
    Korean and Chinese faces: pick the one fontconfig named)."""
    status = cjk_font_status()
    if status.cjk_file is None:
        return None
    for index in range(16):
        try:
            face = ImageFont.truetype(status.cjk_file, 10, index=index)
        except OSError:
            break
        if face.getname()[0] == status.cjk_family:
            return status.cjk_file, index
    return status.cjk_file, 0


def _font(size: int) -> ImageFont.FreeTypeFont:
    found = _font_file()
    if found is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(found[0], size, index=found[1])


# Where a line may break: after a Latin word (with its spaces) or any other character
# (Chinese breaks between any two), never after an opening bracket or before a closing
# one or a comma.
OPENING, CLOSING = "（“「《", "）”」》，。、！？：；"
BREAKS = re.compile(rf"[{OPENING}]?[^\s\u2E80-\uFFEF]+[{CLOSING}]*\s*|\s+"
                    rf"|[{OPENING}]?.[{CLOSING}]*")


def _lines(draw: ImageDraw.ImageDraw, text: str, font, width: int, most: int) -> list[str]:
    """``text`` broken to ``width``, at most ``most`` lines, the last one ended with …
    when cut."""
    lines, line = [], ""
    for piece in BREAKS.findall(text):
        if line and draw.textlength((line + piece).rstrip(), font=font) > width:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    lines.append(line.rstrip())
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def share_card_png(event: Event) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 24, HEIGHT), fill=ACCENT)
    width = WIDTH - 2 * MARGIN
    y = MARGIN
    title, subtitle = _font(64), _font(36)
    for line in _lines(draw, localized(event, "name", "zh"), title, width, 2):
        draw.text((MARGIN, y), line, font=title, fill=TEXT)
        y += 80
    english = localized(event, "name", "en")
    if english.lang == "en":
        for line in _lines(draw, english, subtitle, width, 2):
            draw.text((MARGIN, y + 8), line, font=subtitle, fill=MUTED)
            y += 48
    facts = _font(40)
    for lang, bottom in (("zh", HEIGHT - MARGIN - 112), ("en", HEIGHT - MARGIN - 52)):
        days = f"{format_day(event.starts_on, lang=lang)} – {format_day(event.ends_on, lang=lang)}"
        city = localized(event, "city", lang)
        line = f"{days} · {city}" if city else days
        draw.text((MARGIN, bottom), _lines(draw, line, facts, width, 1)[0], font=facts,
                  fill=ACCENT if lang == "zh" else TEXT)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
