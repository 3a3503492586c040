"""Speaker photos: only real PNG, JPEG or WebP images, judged by their content (not
their name or the browser's claim), of a bounded size. Each is decoded and encoded
again, which drops whatever else the file carried (EXIF with GPS positions,
appended data) and shrinks it to what a speaker page shows."""

from __future__ import annotations

import io
import warnings

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Longest side of the stored photo.
MAX_SIDE = 800
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class PhotoRejected(Exception):
    """The message is for whoever sent the photo."""


def prepare(data: bytes, fit_to: tuple[int, int] | None = None) -> tuple[bytes, str]:
    """The photo to store and its media type; raises PhotoRejected. ``fit_to``: cropped
    to exactly that size (an event's share picture) instead of fitted within MAX_SIDE."""
    if len(data) > MAX_BYTES:
        raise PhotoRejected(_("The photo is larger than %(size)d MB.",
                              size=MAX_BYTES // (1024 * 1024)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise PhotoRejected(_("The photo has too many pixels."))
                image_format = image.format
                image.load()
                picture = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PhotoRejected(_("This is not a PNG, JPEG or WebP image.")) from error
    if fit_to:
        picture = ImageOps.fit(picture, fit_to)
    else:
        picture.thumbnail((MAX_SIDE, MAX_SIDE))
    if image_format == "JPEG" and picture.mode not in ("RGB", "L"):
        picture = picture.convert("RGB")
    out = io.BytesIO()
    picture.save(out, format=image_format, **({"quality": 88} if image_format != "PNG" else {}))
    return out.getvalue(), FORMATS[image_format]
