"""The QR code of an event's registration page, for posters: SVG to print at any size,
PNG for whatever takes only pictures."""

from __future__ import annotations

import io

import segno

# The quiet zone the QR standard asks for, in modules.
QUIET_ZONE = 4
# A PNG module this many pixels wide: ~1000 px for a typical address, sharp on A3.
PNG_SCALE = 20


def _code(address: str) -> segno.QRCode:
    # Error correction Q: a poster gets folded, scuffed and photographed askew.
    return segno.make_qr(address, error="q")


def registration_qr_svg(address: str) -> bytes:
    out = io.BytesIO()
    _code(address).save(out, kind="svg", scale=10, border=QUIET_ZONE, xmldecl=True,
                        title=address)
    return out.getvalue()


def registration_qr_png(address: str) -> bytes:
    out = io.BytesIO()
    _code(address).save(out, kind="png", scale=PNG_SCALE, border=QUIET_ZONE)
    return out.getvalue()
