"""Certificates of attendance rendered beforehand, one page per attendee, and the
organizers' "all certificates" PDF assembled from those pages, with the badges'
machinery (summit/badges/page_cache.py): a page is printed only while its digest, over
everything the certificate shows (name, event, dates, forums attended, verification
code and its address) and the renderer that drew it, is the certificate's digest now.

When the mail workers render them: for an event whose ``certificates_from`` has come,
and for CERTIFICATE_PAGES_DAYS after, every attendee who gets one (confirmed and checked
in). Not from the check-in on: until the doors close, every door scan changes the
forums a certificate names, so pages rendered during the event would mostly be
rendered again, on the cores the desks need that day. From the organizers' time on,
attendance is settled; the first turn of the workers after it starts on the pages, and
a batch printed before they are done renders what is missing, as before, and keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Event, Registration, utcnow
from ..outbox import register_scheduler
from ..urls import NoSiteAddress
from .certificate_pdf import (
    CHUNK_CERTIFICATES,
    IN_PROCESS_CERTIFICATES,
    render_certificate_pages,
    without_missing_glyphs,
)
from .certificates import certificates_of, certified_registrations
from .page_cache import (
    RENDERER_FILES,
    PageKind,
    kept_digests,
    page_digest,
    refresh_pages,
    render_and_keep,
    write_kept_pages,
)
from .render import STATIC, TEMPLATES

# How long after the organizers' time the background keeps an event's certificates.
CERTIFICATE_PAGES_DAYS = 30
# What the background renders per turn of a mail worker, at most (one chunk).
REFRESH_CERTIFICATES = CHUNK_CERTIFICATES

CERTIFICATES = PageKind(
    "certificate",
    (TEMPLATES / "badges" / "certificate.html", STATIC / "css" / "certificate.css",
     Path(__file__).parent / "certificate_pdf.py", *RENDERER_FILES),
    render_certificate_pages, (), CHUNK_CERTIFICATES, IN_PROCESS_CERTIFICATES)


def _as_printed(session: Session, secret_key: str,
                registrations: Sequence[Registration]) -> list[tuple[int, object]]:
    return [(registration.id, without_missing_glyphs(facts)) for registration, facts in
            zip(registrations, certificates_of(session, secret_key, list(registrations)),
                strict=True)]


def write_registrations_certificates(session: Session, secret_key: str,
                                     registrations: Sequence[Registration],
                                     target: BinaryIO) -> None:
    """The certificates of ``registrations`` (as ``certified_registrations`` loads them),
    in that order, one a page, to ``target`` as one PDF: the pages kept from before are
    assembled, the others rendered now and kept."""
    if not registrations:
        raise ValueError("no certificates to render")
    write_kept_pages(session, CERTIFICATES, _as_printed(session, secret_key, registrations),
                     target, title="参会证明 Certificate of Attendance")


def stale_certificates(session: Session, secret_key: str,
                       now: datetime) -> list[tuple[int, object, str]]:
    """The certificates of events whose time for them came within CERTIFICATE_PAGES_DAYS
    before ``now`` whose kept page is missing or out of date: (registration id, facts as
    printed, digest)."""
    stale = []
    events = session.scalars(select(Event).where(
        Event.certificates_from <= now,
        Event.certificates_from > now - timedelta(days=CERTIFICATE_PAGES_DAYS)))
    for event in events:
        kept = kept_digests(session, CERTIFICATES, event)
        printed = _as_printed(session, secret_key, certified_registrations(session, event))
        for registration_id, facts in printed:
            digest = page_digest(CERTIFICATES, facts)
            if kept.get(registration_id) != digest:
                stale.append((registration_id, facts, digest))
    return stale


def render_stale_certificates(session: Session, secret_key: str, now: datetime,
                              most: int = REFRESH_CERTIFICATES) -> int:
    """Render up to ``most`` certificates (see ``stale_certificates``) and keep them;
    returns how many were stale (0: all kept). Without the site's address (BASE_URL)
    the verification links are unknown: none is rendered. Ends the session's transaction."""
    try:
        stale = stale_certificates(session, secret_key, now)[:most]
    except NoSiteAddress:
        stale = []
    if stale:
        render_and_keep(session, CERTIFICATES, stale)
    # It only read: the next look sees the pages kept beside it (see render_stale_badges).
    session.commit()
    return len(stale)


def refresh_certificate_pages(session: Session) -> int:
    return refresh_pages("certificates", lambda: render_stale_certificates(
        session, current_app.secret_key, utcnow()))


def register_certificate_pages(app: Flask) -> None:
    """The mail workers keep the certificates of attendance rendered once their time has come."""
    register_scheduler(app, refresh_certificate_pages)
