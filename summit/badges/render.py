"""The one badge renderer: the attendee's download, the organizers' batch print and the
CLI all come here.

Registrations become ``BadgeFacts`` (plain strings, read from the database in the
calling process); everything after that (fitting the text to the layout, the QR
code, the Jinja template templates/badges/sheet.html, WeasyPrint) runs on plain data,
so a long run is split into chunks rendered on every core and merged in order.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import BinaryIO

from babel.dates import format_interval
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..config import PROJECT_ROOT
from ..i18n import LANGUAGES, localized
from ..models import Registration, RegistrationCategory, SeatStatus
from ..web import safe_colour
from . import pdf
from .fit import Fitted, fit, fit_list
from .fonts import (
    cjk_font_status,
    css_emoji_font_faces,
    css_font_family,
    emoji_font_files,
    printable,
)
from .layouts import CATEGORY_BANDS, LAYOUTS, Band, Design, Layout
from .pages import Page, split_pages
from .qr import qr_svg

log = logging.getLogger(__name__)

TEMPLATES = PROJECT_ROOT / "templates"
STATIC = PROJECT_ROOT / "static"
# The most badges in one chunk of a long run. Each chunk is a WeasyPrint document that
# subsets the CJK fonts anew, so chunks are not small; a worker's memory grows with its
# chunk (bench/badges.py, bench/FINDINGS.md).
CHUNK_BADGES = 96
# Runs up to this size render in the calling process: starting workers costs more.
IN_PROCESS_BADGES = 48
FORUM_MARKER = "■"


@dataclass(frozen=True)
class BadgeFacts:
    """What one badge says, in the attendee's language, before any typesetting."""

    lang: str
    event_name: str
    event_name_en: str
    dates: str
    full_name: str
    latin_name: str
    organisation: str
    category: RegistrationCategory
    # (name, #rrggbb) of each forum the attendee holds a confirmed seat in.
    forums: tuple[tuple[str, str], ...]
    checkin_code: str


@functools.cache
def _event_dates(starts_on, ends_on, city: str, lang: str) -> str:
    days = format_interval(starts_on, ends_on, "yMMMd", locale=LANGUAGES[lang])
    return f"{days} · {city}" if city else days


def badge_facts(registration: Registration) -> BadgeFacts:
    """Read from a registration (with its event, seats and their forums loaded)."""
    event = registration.event
    lang = next(
        (code for code in (registration.locale, event.default_locale) if code in LANGUAGES), "zh"
    )
    forums = sorted(
        (seat.forum for seat in registration.seats if seat.status == SeatStatus.CONFIRMED),
        key=lambda forum: (forum.position, forum.id),
    )
    first, second = (event.name_zh, event.name_en) if event.name_zh else (event.name_en, "")
    return BadgeFacts(
        lang=lang,
        event_name=first,
        event_name_en=second,
        dates=_event_dates(event.starts_on, event.ends_on, str(localized(event, "city", lang)),
                           lang),
        full_name=registration.full_name,
        latin_name="" if registration.latin_name == registration.full_name
        else registration.latin_name,
        organisation=registration.organisation,
        category=registration.category,
        forums=tuple((str(localized(forum, "name", lang)), safe_colour(forum.colour))
                     for forum in forums),
        checkin_code=registration.checkin_code,
    )


def without_missing_glyphs(facts: BadgeFacts) -> BadgeFacts:
    """``facts`` without the characters no badge font has, which would print as empty
    boxes (the printing screen lists the attendees who lose some)."""
    return replace(
        facts,
        event_name=printable(facts.event_name),
        event_name_en=printable(facts.event_name_en),
        dates=printable(facts.dates),
        full_name=printable(facts.full_name),
        latin_name=printable(facts.latin_name),
        organisation=printable(facts.organisation),
        forums=tuple((printable(name), colour) for name, colour in facts.forums),
    )


@dataclass(frozen=True)
class BadgeView:
    """One badge's facts fitted to its design, as the template prints them."""

    lang: str
    event: Fitted
    event_en: Fitted
    dates: Fitted
    full_name: Fitted
    latin_name: Fitted
    organisation: Fitted
    forums: Fitted
    # Per line of ``forums``: the forum's colour on its first line, "" on the others.
    forum_colours: tuple[str, ...]
    band: Band
    qr: Markup
    code_text: str


def grouped_code(code: str) -> str:
    """ABCD EFGH JKMN: easier to read out at the desk (spaces are ignored when typed)."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def badge_view(facts: BadgeFacts, design: Design) -> BadgeView:
    forums = fit_list([name for name, _ in facts.forums], design.forums.box, FORUM_MARKER)
    colours = iter(colour for _, colour in facts.forums)
    return BadgeView(
        lang="zh-Hans" if facts.lang == "zh" else "en",
        event=fit(facts.event_name, design.event.box),
        event_en=fit(facts.event_name_en, design.event_en.box) if design.event_en
        else Fitted((), 0),
        dates=fit(facts.dates, design.dates.box),
        full_name=fit(facts.full_name, design.full_name.box),
        latin_name=fit(facts.latin_name, design.latin_name.box),
        organisation=fit(facts.organisation, design.organisation.box),
        forums=forums,
        forum_colours=tuple(next(colours) if first else "" for first in forums.firsts),
        band=CATEGORY_BANDS[facts.category],
        qr=qr_svg(facts.checkin_code),
        code_text=grouped_code(facts.checkin_code),
    )


@functools.cache
def template_environment() -> Environment:
    """The badge template's own Jinja environment: it needs nothing of Flask's, so
    worker processes render it without an app."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
        trim_blocks=False, auto_reload=False,
    )


class VaryingStyles:
    """What varies between badges (type sizes, colours) as classes: WeasyPrint parses
    every style attribute on its own, about a millisecond each, and a class once.
    Called with declarations, returns their class; ``rules`` then holds them all."""

    def __init__(self) -> None:
        self.rules: dict[str, str] = {}

    def __call__(self, declarations: str) -> str:
        return self.rules.setdefault(declarations, f"v{len(self.rules)}")


def badges_html(badges: Sequence[BadgeFacts], layout: Layout, title: str) -> str:
    """One HTML document with a page per sheet (per badge for single badges)."""
    design = layout.design
    views = [badge_view(facts, design) for facts in badges]
    return template_environment().get_template("badges/sheet.html").render(
        title=title,
        layout=layout,
        design=design,
        slots=design.slots(),
        cells=layout.cells(),
        marks=layout.marks(),
        pages=[views[start : start + layout.per_page]
               for start in range(0, len(views), layout.per_page)],
        font_family=Markup(css_font_family()),
        font_faces=Markup(css_emoji_font_faces()),
        css=VaryingStyles(),
    )


def render_chunk(badges: Sequence[BadgeFacts], layout_key: str, title: str) -> bytes:
    """Badges to PDF bytes: what each worker process does with its chunk."""
    return pdf.html_to_pdf(badges_html(badges, LAYOUTS[layout_key], title), str(STATIC),
                           font_files=emoji_font_files())


def render_pages(badges: Sequence[BadgeFacts], layout_key: str, title: str) -> list[Page]:
    """Single badges to a ``Page`` each: what each worker does with its chunk when pages
    are kept (summit/badges/page_cache.py)."""
    document = pdf.html_to_document(badges_html(badges, LAYOUTS[layout_key], title), str(STATIC),
                                    font_files=emoji_font_files())
    return split_pages(document, document.write_pdf())


def write_badges(
    badges: Sequence[BadgeFacts],
    layout: Layout,
    target: BinaryIO,
    *,
    title: str = "Badges",
    workers: int | None = None,
    chunk_badges: int = CHUNK_BADGES,
) -> int:
    """Write ``badges``, in that order, to ``target`` as one PDF; returns the number of
    pages. A short run renders in this process; a longer one in chunks of at most
    ``chunk_badges`` on ``workers`` processes (every core by default), merged in order."""
    if not badges:
        raise ValueError("no badges to render")
    status = cjk_font_status()
    if not status.cjk_ok:
        log.warning("Badges are rendered without a CJK font. %s", status.message)
    # Here, in the calling process, so that workers need not read the fonts' coverage.
    badges = [without_missing_glyphs(facts) for facts in badges]
    pdf.write_run(render_chunk, badges, (layout.key, title), target, per_page=layout.per_page,
                  chunk_items=chunk_badges, in_process=IN_PROCESS_BADGES, workers=workers)
    return layout.pages_for(len(badges))
