"""The badge's QR code: exactly the registration's check-in code, as vector SVG."""

from __future__ import annotations

import segno
from markupsafe import Markup

# The quiet zone the QR standard asks for, in modules.
QUIET_ZONE = 4


def qr_svg(checkin_code: str) -> Markup:
    """An inline <svg> that scales to any size: a regular QR code (never a Micro QR,
    which phones do not read), error correction at least M."""
    code = segno.make_qr(checkin_code, error="m")
    # The SVG holds only path data made by segno, never the text it encodes.
    return Markup(code.svg_inline(scale=1, border=QUIET_ZONE, omitsize=True, dark="#000",
                                  svgclass="qr", lineclass=None))
