"""Pages rendered beforehand, one per registration and kind (a single-badge layout, or the
certificate of attendance), and batch prints assembled from those pages (issue 24: a
batch at reportlab's speed). The badges' side is here; the certificates' in
summit/badges/certificate_pages.py.

Laying a badge out in WeasyPrint costs about 15–20 ms of CPU; assembling a page kept
from before, well under 2 ms (bench/badges.py). So the mail workers render each
registration's badge in the background, in its event's badge layout, soon after what it
shows changes (``refresh_badge_pages``), and a batch on a single-badge layout takes the
pages it finds and renders only the others (``write_registrations_badges``), keeping
them for the next time. The fonts are shared by the whole batch (summit/badges/pages.py).

A kept page is used only when its digest is the page's digest now: the digest covers
everything the page shows (``BadgeFacts``, ``CertificateFacts``), its kind, and the
renderer that drew it (its template, stylesheet, code and font files). So a name fixed
a second ago, a seat given up, a forum renamed, a new door scan or a new version of the
design can never print from an old page: the old page simply no longer matches,
whether or not the background has caught up.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
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
    badge_facts,
    render_pages,
    without_missing_glyphs,
    write_badges,
)
from .service import PRINTABLE_STATUSES, BadgeFilter, badge_registrations

log = logging.getLogger(__name__)

# What the background renders per turn of a mail worker, at most (one chunk).
REFRESH_BADGES = CHUNK_BADGES
# How often a mail worker looks for pages missing or out of date, when the last look
# found none: it reads every concerned event's registrations.
REFRESH_INTERVAL_SECONDS = 30.0
# When each kind of page is looked at next (monotonic seconds), by name.
_next_looks: dict[str, float] = {}

# The code every kind of page is drawn with.
RENDERER_FILES = tuple(Path(__file__).parent / name for name in
                       ("render.py", "fit.py", "qr.py", "fonts.py", "pages.py"))
_BADGE_FILES = (TEMPLATES / "badges" / "sheet.html", STATIC / "css" / "badge.css",
                Path(__file__).parent / "layouts.py", *RENDERER_FILES)


@dataclass(frozen=True)
class PageKind:
    """A kind of page kept per registration: its ``key`` (``BadgePage.layout``), the
    template, stylesheet and code that draw it, and ``render(facts, *arguments)``, which
    renders a chunk of facts to a ``Page`` each (a module's function: workers call it)."""

    key: str
    files: tuple[Path, ...]
    render: Callable[..., list[Page]]
    arguments: tuple = ()
    chunk_items: int = CHUNK_BADGES
    in_process: int = IN_PROCESS_BADGES


def badge_kind(layout: Layout) -> PageKind:
    return PageKind(layout.key, _BADGE_FILES, render_pages, (layout.key, "Badge"),
                    CHUNK_BADGES, IN_PROCESS_BADGES)


@functools.cache
def renderer_fingerprint(files: tuple[Path, ...]) -> str:
    """What pages look like beyond their facts: the template, stylesheet and code that
    draw them, and the font files they may use (a font upgrade renumbers glyphs)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    for font in sorted({(font.path, font.index) for font in installed_fonts()}):
        stat = Path(font[0]).stat()
        digest.update(f"{font[0]}:{font[1]}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update(repr(cjk_font_status()).encode())
    return digest.hexdigest()


def page_digest(kind: PageKind, facts) -> str:
    """The digest of the page of ``kind`` that prints ``facts`` (a dataclass, as printed:
    without missing glyphs)."""
    material = json.dumps([renderer_fingerprint(kind.files), kind.key, asdict(facts)],
                          ensure_ascii=False, default=str)
    return hashlib.sha256(material.encode()).hexdigest()


def kept_digests(session: Session, kind: PageKind, event: Event) -> dict[int, str]:
    """The digests of the pages of ``kind`` kept for ``event``'s registrations, by id."""
    return dict(session.execute(
        select(BadgePage.registration_id, BadgePage.digest)
        .join(Registration, Registration.id == BadgePage.registration_id)
        .where(Registration.event_id == event.id, BadgePage.layout == kind.key)).all())


def _kept_pages(session: Session, kind: PageKind, digests: dict[int, str]) -> dict[int, Page]:
    """The kept pages of these registrations (id → digest) whose digest still matches."""
    found: dict[int, Page] = {}
    ids = list(digests)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(BadgePage.registration_id, BadgePage.digest, BadgePage.pdf, BadgePage.fonts)
            .where(BadgePage.layout == kind.key,
                   BadgePage.registration_id.in_(ids[start : start + 500]))
        )
        found.update((row.registration_id, Page(row.pdf, row.fonts)) for row in rows
                     if row.digest == digests[row.registration_id])
    return found


def keep_pages(session: Session, kind: PageKind, pages: dict[int, tuple[str, Page]]) -> None:
    """Keep these pages (registration id → digest and page) in place of older ones: on a
    connection of its own beside the session's transaction (the bookkeeping of a cache,
    which a GET, READ ONLY on PostgreSQL, may do too). When another process keeps a page
    of the same registration at the same moment, its pages win and these are dropped."""
    if not pages:
        return
    ids = list(pages)
    now = utcnow()
    try:
        bind = session.get_bind().connect().execution_options(**{BOOKKEEPING: True})
        with bind as connection, connection.begin():
            for start in range(0, len(ids), 500):
                connection.execute(delete(BadgePage).where(
                    BadgePage.layout == kind.key,
                    BadgePage.registration_id.in_(ids[start : start + 500])))
            connection.execute(insert(BadgePage), [
                {"registration_id": registration_id, "layout": kind.key, "digest": digest,
                 "pdf": page.pdf, "fonts": page.fonts, "rendered_at": now}
                for registration_id, (digest, page) in pages.items()])
    except IntegrityError:
        log.info("%s: pages kept by another process at the same time; these dropped",
                 kind.key)


def _render(kind: PageKind, facts: Sequence) -> list[Page]:
    return pdf.map_run(kind.render, list(facts), kind.arguments,
                       chunk_items=kind.chunk_items, in_process=kind.in_process)


def write_kept_pages(session: Session, kind: PageKind, printed: Sequence[tuple[int, object]],
                     target: BinaryIO, *, title: str) -> None:
    """The batch print: the pages of ``printed`` (registration id and facts, as printed),
    in that order, to ``target`` as one PDF: the pages kept from before whose digest
    matches are assembled, the others rendered now and kept."""
    digests = {registration_id: page_digest(kind, facts)
               for registration_id, facts in printed}
    pages = _kept_pages(session, kind, digests)
    missing = [(registration_id, facts) for registration_id, facts in printed
               if registration_id not in pages]
    rendered = _render(kind, [facts for _, facts in missing]) if missing else []
    fresh = {registration_id: page
             for (registration_id, _), page in zip(missing, rendered, strict=True)}
    assemble([pages.get(registration_id) or fresh[registration_id]
              for registration_id, _ in printed], target, title=title)
    keep_pages(session, kind, {registration_id: (digests[registration_id], page)
                               for registration_id, page in fresh.items()})


def render_and_keep(session: Session, kind: PageKind,
                    stale: Sequence[tuple[int, object, str]]) -> None:
    """Render the pages of ``stale`` (registration id, facts as printed, digest) in this
    process and keep them: what the background does."""
    rendered = kind.render([facts for _, facts, _ in stale], *kind.arguments)
    keep_pages(session, kind, {registration_id: (digest, page) for
                               (registration_id, _, digest), page in
                               zip(stale, rendered, strict=True)})


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
    write_kept_pages(session, badge_kind(layout),
                     [(registration.id, without_missing_glyphs(one))
                      for registration, one in zip(registrations, facts, strict=True)],
                     target, title=title)
    return len(registrations)


def stale_badges(session: Session, today: date) -> list[tuple[Layout, int, object, str]]:
    """The badges of events not yet over whose page, in the event's badge layout, is
    missing or out of date: (layout, registration id, facts as printed, digest)."""
    stale = []
    events = session.scalars(select(Event).where(Event.ends_on >= today))
    for event in events:
        layout = LAYOUTS.get(event.badge_layout)
        if layout is None or layout.per_page != 1:
            continue
        kind = badge_kind(layout)
        registrations = [registration for status in PRINTABLE_STATUSES
                         for registration in badge_registrations(
                             session, event, BadgeFilter(layout=layout, status=status))]
        kept = kept_digests(session, kind, event)
        for registration in registrations:
            facts = without_missing_glyphs(badge_facts(registration))
            digest = page_digest(kind, facts)
            if kept.get(registration.id) != digest:
                stale.append((layout, registration.id, facts, digest))
    return stale


def render_stale_badges(session: Session, today: date, most: int = REFRESH_BADGES) -> int:
    """Render up to ``most`` badges of events not over by ``today`` whose kept page is
    missing or out of date, and keep them; returns how many were stale (0: all kept).
    Ends the session's transaction."""
    stale = stale_badges(session, today)[:most]
    for layout in {layout for layout, *_ in stale}:
        render_and_keep(session, badge_kind(layout),
                        [page for on, *page in stale if on is layout])
    # It only read: ending the transaction lets the next look see the pages kept beside it
    # (SQLite reads from the transaction's first snapshot).
    session.commit()
    return len(stale)


def refresh_pages(name: str, render_stale: Callable[[], int]) -> int:
    """What the mail workers run beside scheduled mail (``outbox.register_scheduler``):
    ``render_stale()`` now, and again at the next turn while it finds some; once none
    is stale, at most every REFRESH_INTERVAL_SECONDS. It queues no mail: says 0."""
    if time.monotonic() < _next_looks.get(name, 0.0):
        return 0
    rendered = render_stale()
    _next_looks[name] = time.monotonic() + (0 if rendered else REFRESH_INTERVAL_SECONDS)
    if rendered:
        log.info("%s: %d page(s) rendered beforehand", name, rendered)
    return 0


def refresh_badge_pages(session: Session) -> int:
    return refresh_pages("badges", lambda: render_stale_badges(session, utcnow().date()))


def register_badge_pages(app: Flask) -> None:
    """The mail workers keep the coming events' badges rendered."""
    register_scheduler(app, refresh_badge_pages)
