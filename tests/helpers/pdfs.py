"""Small PDF files written byte by byte, so that a test says exactly what a file holds:
a plain one-page document, or one whose catalog carries extra entries (a script that
runs on opening, a name spelled with #xx escapes, an embedded file)."""

from __future__ import annotations

import io

from pypdf import PdfWriter


def pdf_with(catalog_extra: str = "", extra_objects: tuple[str, ...] = (),
             padding: int = 0) -> bytes:
    """A one-page PDF whose catalog (object 1) also holds ``catalog_extra``; objects 4,
    5, … are ``extra_objects``, in order, for the catalog to refer to. ``padding``
    bytes of comment make it as large as a test needs."""
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        *extra_objects,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    if padding:
        out.write(b"%" + b"x" * padding + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
              f"startxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def plain_pdf(size: int = 0) -> bytes:
    """A harmless one-page PDF; of about ``size`` bytes when given."""
    return pdf_with(padding=max(0, size - len(pdf_with())))


def pdf_running_javascript() -> bytes:
    """Opens with a script, through the document's names (as Acrobat's "document
    JavaScript" does)."""
    return pdf_with("/Names << /JavaScript 4 0 R >>",
                    ("<< /Names [(x) 5 0 R] >>", "<< /S /JavaScript /JS (app.alert(1)) >>"))


def pdf_with_escaped_script_action() -> bytes:
    """The same script as an open action, its names spelled with #xx escapes."""
    return pdf_with("/OpenAction 4 0 R", ("<< /S /J#61vaScript /J#53 (app.alert(1)) >>",))


def pdf_opening_at_first_page() -> bytes:
    """An open action that only shows page 1 (presentation programs write it): harmless."""
    return pdf_with("/OpenAction [3 0 R /Fit]")


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
