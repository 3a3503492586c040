"""Certificates of attendance to PDF: A4 landscape, Chinese and English on one page,
through the badges' renderer (their fonts, fitting, QR codes, URL fetcher, and long
runs in chunks on every core), or to pages kept beforehand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import BinaryIO

from markupsafe import Markup

from . import pdf
from .certificates import CertificateFacts
from .fit import Box, Fitted, fit, fit_list
from .fonts import css_emoji_font_faces, css_font_family, emoji_font_files, printable
from .pages import Page, split_pages
from .qr import qr_svg
from .render import FORUM_MARKER, STATIC, VaryingStyles, template_environment

# A certificate is one page with few texts: chunks as large as the badges'.
CHUNK_CERTIFICATES = 96
IN_PROCESS_CERTIFICATES = 48

NAME_BOX = Box(237, 24, 40, max_lines=2, spaced_name=True)
LATIN_NAME_BOX = Box(237, 9, 18)
EVENT_BOX = Box(237, 11, 20, max_lines=2)
EVENT_EN_BOX = Box(237, 9, 14, max_lines=2)
FORUMS_BOX = Box(237, 34, 11, max_lines=8)


@dataclass(frozen=True)
class CertificateView:
    full_name: Fitted
    latin_name: Fitted
    event: Fitted
    event_en: Fitted
    forums: Fitted
    facts: CertificateFacts
    qr: Markup


def without_missing_glyphs(facts: CertificateFacts) -> CertificateFacts:
    """Without the characters no font has (they would print as empty boxes)."""
    return replace(
        facts, full_name=printable(facts.full_name), latin_name=printable(facts.latin_name),
        event_zh=printable(facts.event_zh), event_en=printable(facts.event_en),
        forums=tuple((printable(zh), printable(en)) for zh, en in facts.forums))


def _view(facts: CertificateFacts) -> CertificateView:
    forums = [zh if zh == en else f"{zh} · {en}" for zh, en in facts.forums]
    return CertificateView(
        full_name=fit(facts.full_name, NAME_BOX),
        latin_name=fit(facts.latin_name, LATIN_NAME_BOX),
        event=fit(facts.event_zh, EVENT_BOX),
        event_en=fit(facts.event_en, EVENT_EN_BOX) if facts.event_en != facts.event_zh
        else Fitted((), 0),
        forums=fit_list(forums, FORUMS_BOX, FORUM_MARKER),
        facts=facts,
        qr=qr_svg(facts.verify_url),
    )


def certificates_html(certificates: Sequence[CertificateFacts]) -> str:
    """One HTML document with a page per certificate."""
    return template_environment().get_template("badges/certificate.html").render(
        certificates=[_view(facts) for facts in certificates],
        font_family=Markup(css_font_family()),
        font_faces=Markup(css_emoji_font_faces()),
        css=VaryingStyles(),
    )


def render_chunk(certificates: Sequence[CertificateFacts]) -> bytes:
    """Certificates to PDF bytes, one a page: what each worker does with its chunk."""
    return pdf.html_to_pdf(certificates_html(certificates), str(STATIC),
                           font_files=emoji_font_files())


def render_certificate_pages(certificates: Sequence[CertificateFacts]) -> list[Page]:
    """Certificates (as printed) to a ``Page`` each: what each worker does with its chunk
    when pages are kept (summit/badges/certificate_pages.py)."""
    document = pdf.html_to_document(certificates_html(certificates), str(STATIC),
                                    font_files=emoji_font_files())
    return split_pages(document, document.write_pdf())


def write_certificates(certificates: Sequence[CertificateFacts], target: BinaryIO, *,
                       workers: int | None = None) -> None:
    """Write ``certificates``, in order, one a page, to ``target`` as one PDF."""
    if not certificates:
        raise ValueError("no certificates to render")
    printed = [without_missing_glyphs(facts) for facts in certificates]
    pdf.write_run(render_chunk, printed, (), target, per_page=1, chunk_items=CHUNK_CERTIFICATES,
                  in_process=IN_PROCESS_CERTIFICATES, workers=workers)
