"""The baseline of bench/badges.py: the same badges drawn with reportlab, as pretix and
Indico print theirs, in one process (as their print jobs run).

Each badge is laid out by Summit's own fit rule (``badge_view``: the same lines and type
sizes on the same design), then drawn on a reportlab canvas: texts, the coloured forum
markers and category band, the QR code's modules as rectangles. Latin text is set in
Liberation Sans, embedded and subset like Summit's; Chinese in reportlab's built-in
STSong-Light, a CID font that PDF viewers supply, which reportlab does not embed (it
cannot embed Noto Sans CJK's CFF outlines): less work than Summit does per badge.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

import segno
from reportlab.lib.colors import HexColor, white
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from summit.badges.fit import LINE_HEIGHT, Fitted, is_cjk
from summit.badges.layouts import Layout, Slot
from summit.badges.render import BadgeFacts, badge_view

LATIN, LATIN_BOLD, CJK = "LiberationSans", "LiberationSans-Bold", "STSong-Light"
LIBERATION = "/usr/share/fonts/truetype/liberation/"


def _register_fonts() -> None:
    if LATIN in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(LATIN, LIBERATION + "LiberationSans-Regular.ttf"))
    pdfmetrics.registerFont(TTFont(LATIN_BOLD, LIBERATION + "LiberationSans-Bold.ttf"))
    pdfmetrics.registerFont(UnicodeCIDFont(CJK))


def _runs(text: str) -> list[tuple[bool, str]]:
    """``text`` in runs of CJK and of other characters (each set in its own face)."""
    runs: list[tuple[bool, str]] = []
    for char in text:
        cjk = is_cjk(char)
        if runs and runs[-1][0] == cjk:
            runs[-1] = (cjk, runs[-1][1] + char)
        else:
            runs.append((cjk, char))
    return runs


def _line(canvas: Canvas, text: str, x: float, y: float, size: float, bold: bool,
          centre_width: float | None) -> None:
    latin = LATIN_BOLD if bold else LATIN
    runs = _runs(text)
    width = sum(pdfmetrics.stringWidth(run, CJK if cjk else latin, size) for cjk, run in runs)
    if centre_width is not None:
        x += (centre_width - width) / 2
    for cjk, run in runs:
        face = CJK if cjk else latin
        canvas.setFont(face, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, face, size)


def _text(canvas: Canvas, fitted: Fitted, slot: Slot, left: float, top: float,
          bold: bool = False, centred: bool = True, markers: Sequence[str] = ()) -> None:
    size = fitted.size_pt
    y = top - (slot.top + fitted.pad_top_mm) * mm - size
    for index, line in enumerate(fitted.lines):
        x = left + slot.left * mm
        if markers:
            if markers[index]:
                canvas.setFillColor(HexColor(markers[index]))
                canvas.rect(x, y, size * 0.7, size * 0.7, stroke=0, fill=1)
                canvas.setFillColor(HexColor("#222222"))
            x += size * 1.3
        _line(canvas, line, x, y, size, bold, slot.box.width_mm * mm if centred else None)
        y -= size * LINE_HEIGHT


def _qr(canvas: Canvas, code: str, x: float, y: float, size: float) -> None:
    matrix = segno.make_qr(code, error="m").matrix
    module = size / (len(matrix) + 8)
    canvas.setFillColor(HexColor("#000000"))
    for row_index, row in enumerate(matrix):
        for column, dark in enumerate(row):
            if dark:
                canvas.rect(x + (column + 4) * module, y + size - (row_index + 5) * module,
                            module, module, stroke=0, fill=1)


def write_badges(badges: Sequence[BadgeFacts], layout: Layout, target: BinaryIO) -> None:
    """One badge a page (single-badge layouts), as Summit's ``write_badges`` lays them out."""
    _register_fonts()
    design = layout.design
    width, height = layout.page_width * mm, layout.page_height * mm
    canvas = Canvas(target, pagesize=(width, height))
    for facts in badges:
        view = badge_view(facts, design)
        canvas.setFillColor(HexColor("#111111"))
        _text(canvas, view.event, design.event, 0, height, bold=True)
        if design.event_en:
            _text(canvas, view.event_en, design.event_en, 0, height)
        _text(canvas, view.dates, design.dates, 0, height)
        _text(canvas, view.full_name, design.full_name, 0, height, bold=True)
        _text(canvas, view.latin_name, design.latin_name, 0, height)
        _text(canvas, view.organisation, design.organisation, 0, height, bold=True)
        _text(canvas, view.forums, design.forums, 0, height, centred=False,
              markers=view.forum_colours)
        qr_size = design.qr_size * mm
        _qr(canvas, facts.checkin_code, design.qr_left * mm,
            height - design.qr_top * mm - qr_size, qr_size)
        canvas.setFillColor(HexColor("#222222"))
        _line(canvas, view.code_text, design.qr_left * mm, height - design.qr_top * mm
              - qr_size - design.code_pt, design.code_pt, False, qr_size)
        band = design.band_height * mm
        canvas.setFillColor(HexColor(view.band.colour))
        canvas.rect(0, 0, width, band, stroke=0, fill=1)
        canvas.setFillColor(white)
        _line(canvas, f"{view.band.zh}  {view.band.en.upper()}", 0,
              (band - design.band_zh_pt) / 2 + 2, design.band_zh_pt, True, width)
        canvas.showPage()
    canvas.save()
