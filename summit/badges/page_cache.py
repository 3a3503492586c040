"""Badges rendered beforehand, one page per registration, and batch prints assembled from
those pages (issue 24: a batch at reportlab's speed).

Laying a badge out in WeasyPrint costs about 15–20 ms of CPU; assembling a page kept
from before, well under 2 ms (bench/badges.py). So the mail workers render each
registration's badge in the background, in its event's badge layout, soon after what it
shows changes (``refresh_badge_pages``), and a batch on a single-badge layout takes the
pages it finds and renders only the others (``write_registrations_badges``), keeping
them for the next time. The fonts are shared by the whole batch (summit/badges/pages.py).

A kept page is used only when its digest is the badge's digest now: the digest covers
everything the badge shows (``BadgeFacts``), the layout, and the renderer that drew it
(its template, stylesheet, code and font files). So a name fixed a second ago, a seat
given up, a forum renamed or a new version of the badge's design can never print from
an old page: the old page simply no longer matches, whether or not the background has
caught up.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import BinaryIO

from flask import Flask
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..database import BOOKKEEPING
from ..models import BadgePage, Event, Registration, utcnow
from ..outbox import register_scheduler
from . import pdf
from .fonts import cjk_font_status, installed_fonts
from .layouts import LAYOUTS, Layout
from .pages import Page, assemble
from .render import (
    CHUNK_BADGES,
    IN_PROCESS_BADGES,
    STATIC,
    TEMPLATES,
    BadgeFacts,
    badge_facts,
    render_pages,
    without_missing_glyphs,
    write_badges,
)
from .service import PRINTABLE_STATUSES, BadgeFilter, badge_registrations

log = logging.getLogger(__name__)

# What the background renders per turn of a mail worker, at most (one chunk).
REFRESH_BADGES = CHUNK_BADGES
# How often a mail worker looks for badges whose page is missing or out of date, when
# the last look found none: it reads every coming event's registrations.
REFRESH_INTERVAL_SECONDS = 30.0
_next_look = 0.0

_RENDERER_FILES = (
    TEMPLATES / "badges" / "sheet.html", STATIC / "css" / "badge.css",
    *(Path(__file__).parent / name for name in
      ("render.py", "fit.py", "layouts.py", "qr.py", "fonts.py", "pages.py")),
)


@functools.cache
def renderer_fingerprint() -> str:
    """What the badges look like beyond their facts: the template, stylesheet and code
    that draw them, and the font files they may use (a font upgrade renumbers glyphs)."""
    digest = hashlib.sha256()
    for path in _RENDERER_FILES:
        digest.update(path.read_bytes())
    for font in sorted({(font.path, font.index) for font in installed_fonts()}):
        stat = Path(font[0]).stat()
        digest.update(f"{font[0]}:{font[1]}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update(repr(cjk_font_status()).encode())
    return digest.hexdigest()


def page_digest(facts: BadgeFacts, layout: Layout) -> str:
    """The digest of the page that prints ``facts`` (as printed, without missing glyphs)
    on ``layout``."""
    material = json.dumps([renderer_fingerprint(), layout.key, asdict(facts)],
                          ensure_ascii=False, default=str)
    return hashlib.sha256(material.encode()).hexdigest()


def _kept_pages(session: Session, layout: Layout, digests: dict[int, str]) -> dict[int, Page]:
    """The kept pages of these registrations (id → digest) whose digest still matches."""
    found: dict[int, Page] = {}
    ids = list(digests)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(BadgePage.registration_id, BadgePage.digest, BadgePage.pdf, BadgePage.fonts)
            .where(BadgePage.layout == layout.key,
                   BadgePage.registration_id.in_(ids[start : start + 500]))
        )
        found.update((row.registration_id, Page(row.pdf, row.fonts)) for row in rows
                     if row.digest == digests[row.registration_id])
    return found


def keep_pages(session: Session, layout: Layout, pages: dict[int, tuple[str, Page]]) -> None:
    """Keep these pages (registration id → digest and page) in place of older ones: on a
    connection of its own beside the session's transaction (the bookkeeping of a cache,
    which a GET, READ ONLY on PostgreSQL, may do too). When another process keeps a page
    of the same badge at the same moment, its pages win and these are dropped."""
    if not pages:
        return
    ids = list(pages)
    now = utcnow()
    try:
        bind = session.get_bind().connect().execution_options(**{BOOKKEEPING: True})
        with bind as connection, connection.begin():
            for start in range(0, len(ids), 500):
                connection.execute(delete(BadgePage).where(
                    BadgePage.layout == layout.key,
                    BadgePage.registration_id.in_(ids[start : start + 500])))
            connection.execute(insert(BadgePage), [
                {"registration_id": registration_id, "layout": layout.key, "digest": digest,
                 "pdf": page.pdf, "fonts": page.fonts, "rendered_at": now}
                for registration_id, (digest, page) in pages.items()])
    except IntegrityError:
        log.info("badges: pages kept by another process at the same time; these dropped")


def _render(facts: Sequence[BadgeFacts], layout: Layout, title: str) -> list[Page]:
    return pdf.map_run(render_pages, list(facts), (layout.key, title),
                       chunk_items=CHUNK_BADGES, in_process=IN_PROCESS_BADGES)


def write_registrations_badges(session: Session, registrations: Sequence[Registration],
                               layout: Layout, target: BinaryIO, *,
                               title: str = "Badges") -> int:
    """The batch print: the badges of ``registrations`` (seats and event loaded), in that
    order, to ``target`` as one PDF; returns the number of pages. On a single-badge layout
    the pages kept from before are assembled, the others rendered now and kept; other
    layouts render as ``write_badges`` does."""
    facts = [badge_facts(registration) for registration in registrations]
    if layout.per_page != 1:
        return write_badges(facts, layout, target, title=title)
    printed = [without_missing_glyphs(one) for one in facts]
    digests = {registration.id: page_digest(one, layout)
               for registration, one in zip(registrations, printed, strict=True)}
    pages = _kept_pages(session, layout, digests)
    missing = [(registration.id, one) for registration, one in zip(registrations, printed,
                                                                   strict=True)
               if registration.id not in pages]
    rendered = _render([one for _, one in missing], layout, title) if missing else []
    fresh = {registration_id: page
             for (registration_id, _), page in zip(missing, rendered, strict=True)}
    assemble([pages.get(registration.id) or fresh[registration.id]
              for registration in registrations], target, title=title)
    keep_pages(session, layout, {registration_id: (digests[registration_id], page)
                                            for registration_id, page in fresh.items()})
    return len(registrations)


def stale_badges(session: Session, today: date) -> list[tuple[Registration, Layout, str]]:
    """The badges of events not yet over whose page, in the event's badge layout, is
    missing or out of date: (registration, layout, digest)."""
    stale = []
    events = session.scalars(select(Event).where(Event.ends_on >= today))
    for event in events:
        layout = LAYOUTS.get(event.badge_layout)
        if layout is None or layout.per_page != 1:
            continue
        registrations = [registration for status in PRINTABLE_STATUSES
                         for registration in badge_registrations(
                             session, event, BadgeFilter(layout=layout, status=status))]
        kept = dict(session.execute(
            select(BadgePage.registration_id, BadgePage.digest)
            .join(Registration, Registration.id == BadgePage.registration_id)
            .where(Registration.event_id == event.id, BadgePage.layout == layout.key)).all())
        for registration in registrations:
            digest = page_digest(without_missing_glyphs(badge_facts(registration)), layout)
            if kept.get(registration.id) != digest:
                stale.append((registration, layout, digest))
    return stale


def render_stale_badges(session: Session, today: date, most: int = REFRESH_BADGES) -> int:
    """Render up to ``most`` badges of events not over by ``today`` whose kept page is
    missing or out of date, and keep them; returns how many were stale (0: all kept).
    Ends the session's transaction."""
    stale = stale_badges(session, today)[:most]
    for layout in {layout for _, layout, _ in stale}:
        these = [(registration, digest) for registration, on, digest in stale if on is layout]
        rendered = render_pages([without_missing_glyphs(badge_facts(registration))
                                 for registration, _ in these], layout.key, "Badge")
        keep_pages(session, layout, {
            registration.id: (digest, page)
            for (registration, digest), page in zip(these, rendered, strict=True)})
    # It only read: ending the transaction lets the next look see the pages kept beside it
    # (SQLite reads from the transaction's first snapshot).
    session.commit()
    return len(stale)


def refresh_badge_pages(session: Session) -> int:
    """What the mail workers run beside scheduled mail (``outbox.register_scheduler``):
    ``render_stale_badges`` now, and again at the next turn while it finds some; once
    none is stale, at most every REFRESH_INTERVAL_SECONDS. It queues no mail: says 0."""
    global _next_look
    if time.monotonic() < _next_look:
        return 0
    rendered = render_stale_badges(session, utcnow().date())
    _next_look = time.monotonic() + (0 if rendered else REFRESH_INTERVAL_SECONDS)
    if rendered:
        log.info("badges: %d page(s) rendered beforehand", rendered)
    return 0


def register_badge_pages(app: Flask) -> None:
    """The mail workers keep the coming events' badges rendered."""
    register_scheduler(app, refresh_badge_pages)
