"""What badges look like and how they sit on paper, as data.

A ``Design`` places every part of one badge (in mm from its top left corner) and says
how large each text may be; a ``Layout`` puts badges of one design in a grid on a
page and marks where to cut. Adding a format means adding a row to ``LAYOUTS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..models import RegistrationCategory
from .fit import LINE_BOX, PT_PER_MM, Box

# Edges closer than this to each other are the same line.
EPSILON_MM = 0.5
# Crop marks stop this far from the badges they frame.
MARK_GAP_MM = 1.0


@dataclass(frozen=True)
class Slot:
    """A text's place on the badge."""

    top: float
    left: float
    box: Box


@dataclass(frozen=True)
class Design:
    name: str
    width: float
    height: float
    # "portrait" or "landscape": the stylesheet's class for what CSS cannot take from here.
    orientation: str
    event: Slot
    event_en: Slot | None
    dates: Slot
    full_name: Slot
    latin_name: Slot
    organisation: Slot
    forums: Slot
    qr_top: float
    qr_left: float
    qr_size: float
    code_pt: float
    band_height: float
    band_zh_pt: float
    band_en_pt: float

    @property
    def band_padding(self) -> float:
        """Centres the band's line (its Chinese, the larger type) vertically."""
        return max(self.band_height - self.band_zh_pt * LINE_BOX / PT_PER_MM, 0) / 2

    def slots(self) -> list[tuple[str, Slot]]:
        """The texts' places by their class in the badge template."""
        named = [
            ("event", self.event), ("event-en", self.event_en), ("dates", self.dates),
            ("name", self.full_name), ("latin-name", self.latin_name),
            ("organisation", self.organisation), ("forums", self.forums),
        ]
        return [(name, slot) for name, slot in named if slot is not None]


A6_PORTRAIT = Design(
    name="A6 portrait",
    width=105, height=148, orientation="portrait",
    event=Slot(7, 7, Box(91, 10, 11, max_lines=2)),
    event_en=Slot(17.5, 7, Box(91, 5.5, 7, max_lines=2)),
    dates=Slot(23.5, 7, Box(91, 4.5, 8.5)),
    full_name=Slot(33, 7, Box(91, 33, 44, max_lines=3, spaced_name=True)),
    latin_name=Slot(67, 7, Box(91, 9, 16, max_lines=2)),
    organisation=Slot(77, 7, Box(91, 15, 14, max_lines=2)),
    forums=Slot(97, 7, Box(56, 28, 9, max_lines=8)),
    qr_top=95, qr_left=68, qr_size=30, code_pt=7,
    band_height=18, band_zh_pt=18, band_en_pt=10,
)

A7_LANDSCAPE = Design(
    name="A7 landscape",
    width=100, height=70, orientation="landscape",
    event=Slot(3.5, 4.5, Box(91, 4.5, 7.5)),
    event_en=None,
    dates=Slot(8, 4.5, Box(91, 3.5, 6.5)),
    full_name=Slot(13, 4.5, Box(62, 17, 28, max_lines=2, spaced_name=True)),
    latin_name=Slot(30.5, 4.5, Box(62, 5.5, 11)),
    organisation=Slot(36.5, 4.5, Box(62, 8, 9, max_lines=2)),
    forums=Slot(45.5, 4.5, Box(62, 12, 7, max_lines=6)),
    qr_top=13.5, qr_left=71, qr_size=25, code_pt=6.5,
    band_height=10, band_zh_pt=11, band_en_pt=8,
)


# Badge-label printers (Brother, Zebra, Dymo…) print one label per page, on rolls of
# business-card labels or 4 × 3 inch ones.
LABEL_90_54 = Design(
    name="90 × 54 mm label",
    width=90, height=54, orientation="landscape",
    event=Slot(2.5, 3.5, Box(83, 4, 7)),
    event_en=None,
    dates=Slot(6.5, 3.5, Box(83, 3, 5.5)),
    full_name=Slot(10.5, 3.5, Box(56, 13, 24, max_lines=2, spaced_name=True)),
    latin_name=Slot(24, 3.5, Box(56, 4.5, 9)),
    organisation=Slot(29, 3.5, Box(56, 7, 8, max_lines=2)),
    forums=Slot(36.5, 3.5, Box(56, 8.5, 6, max_lines=4)),
    qr_top=11, qr_left=63, qr_size=23, code_pt=5.5,
    band_height=7.5, band_zh_pt=9.5, band_en_pt=7,
)

LABEL_4_3_IN = Design(
    name="4 × 3 in label",
    width=101.6, height=76.2, orientation="landscape",
    event=Slot(3.5, 4.5, Box(92.6, 4.5, 7.5)),
    event_en=None,
    dates=Slot(8, 4.5, Box(92.6, 3.5, 6.5)),
    full_name=Slot(13, 4.5, Box(63, 18, 30, max_lines=2, spaced_name=True)),
    latin_name=Slot(31.5, 4.5, Box(63, 5.5, 11)),
    organisation=Slot(37.5, 4.5, Box(63, 8.5, 9, max_lines=2)),
    forums=Slot(47, 4.5, Box(63, 17, 7, max_lines=7)),
    qr_top=14, qr_left=72, qr_size=25, code_pt=6.5,
    band_height=11, band_zh_pt=12, band_en_pt=8,
)


@dataclass(frozen=True)
class Cell:
    left: float
    top: float


@dataclass(frozen=True)
class Mark:
    """A hairline on a cut line, in mm on the page."""

    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    page_width: float
    page_height: float
    design: Design
    columns: int
    rows: int
    # Length of the crop marks; 0: none (a single badge is cut by the printer's paper size).
    mark_length: float = 0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def margin_x(self) -> float:
        return (self.page_width - self.columns * self.design.width) / 2

    @property
    def margin_y(self) -> float:
        return (self.page_height - self.rows * self.design.height) / 2

    def pages_for(self, badges: int) -> int:
        return -(-badges // self.per_page)

    def cells(self) -> list[Cell]:
        """Where the badges of one page go, row by row."""
        width, height = self.design.width, self.design.height
        return [
            Cell(self.margin_x + column * width, self.margin_y + row * height)
            for row in range(self.rows)
            for column in range(self.columns)
        ]

    def marks(self) -> list[Mark]:
        """Ticks at both ends of every cut line that is not the paper's own edge. They sit
        in the margin, short of the badges; where the badges fill the paper they run from
        the paper's edge along the cut line, so the guillotine cuts them away."""
        if not self.mark_length:
            return []
        hairline = 0.2
        length = self.mark_length
        found: list[Mark] = []
        xs = [self.margin_x + i * self.design.width for i in range(self.columns + 1)]
        ys = [self.margin_y + i * self.design.height for i in range(self.rows + 1)]
        start_y = max(self.margin_y - MARK_GAP_MM - length, 0)
        start_x = max(self.margin_x - MARK_GAP_MM - length, 0)
        for x in xs:
            if EPSILON_MM < x < self.page_width - EPSILON_MM:
                found.append(Mark(x - hairline / 2, start_y, hairline, length))
                found.append(
                    Mark(x - hairline / 2, self.page_height - start_y - length, hairline, length)
                )
        for y in ys:
            if EPSILON_MM < y < self.page_height - EPSILON_MM:
                found.append(Mark(start_x, y - hairline / 2, length, hairline))
                found.append(
                    Mark(self.page_width - start_x - length, y - hairline / 2, length, hairline)
                )
        return found


LAYOUTS = {
    layout.key: layout
    for layout in (
        Layout("a6", _l("Single badge, A6 portrait"), 105, 148, A6_PORTRAIT, 1, 1),
        Layout("a4-4up", _l("4 A6 badges on A4, with crop marks"), 210, 297, A6_PORTRAIT, 2, 2,
               mark_length=8),
        Layout("a4-8up", _l("8 A7 landscape badges on A4, with crop marks"), 210, 297,
               A7_LANDSCAPE, 2, 4, mark_length=4),
        Layout("label-90x54", _l("Badge label, 90 × 54 mm"), 90, 54, LABEL_90_54, 1, 1),
        Layout("label-4x3in", _l("Badge label, 4 × 3 in"), 101.6, 76.2, LABEL_4_3_IN, 1, 1),
    )
}
DEFAULT_LAYOUT = "a6"
# What the desk may print one badge on (the event's ``badge_layout``): one badge a page.
SINGLE_BADGE_LAYOUTS = [key for key, layout in LAYOUTS.items() if layout.per_page == 1]


@dataclass(frozen=True)
class Band:
    colour: str
    zh: str
    en: str


# The coloured band: a badge prints both languages whatever the reader's language, so
# these are printed content pairs (like the models' _zh/_en fields), not UI strings.
CATEGORY_BANDS = {
    RegistrationCategory.DELEGATE: Band("#1f5fbf", "代表", "Delegate"),
    RegistrationCategory.SPEAKER: Band("#c0392b", "演讲嘉宾", "Speaker"),
    RegistrationCategory.VIP: Band("#7a5c00", "贵宾", "VIP"),
    RegistrationCategory.PRESS: Band("#2e7d32", "媒体", "Press"),
    RegistrationCategory.STUDENT: Band("#d35400", "学生", "Student"),
    RegistrationCategory.STAFF: Band("#37474f", "工作人员", "Staff"),
}
