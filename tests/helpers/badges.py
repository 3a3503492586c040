"""What a badge shows, as the renderer takes it; QR codes read back from a PDF page, as
a phone's camera sees them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import zxingcpp
from PIL import Image

from summit.badges.render import BadgeFacts
from summit.models import RegistrationCategory


def facts(**overrides) -> BadgeFacts:
    """刘韵洁's speaker badge at Embedded China 2020, then ``overrides``."""
    values = {
        "lang": "zh",
        "event_name": "2020中国国际嵌入式大会（Embedded China）",
        "event_name_en": "2020 China International Embedded Conference (Embedded China)",
        "dates": "2020年11月25日至27日 · 南京",
        "full_name": "刘韵洁",
        "latin_name": "Liu Yunjie",
        "organisation": "紫金山实验室",
        "category": RegistrationCategory.SPEAKER,
        "forums": (("5G与人工智能及大数据融合", "#0b57d0"),),
        "checkin_code": "7Q4M2X9KD0HT",
        **overrides,
    }
    return BadgeFacts(**values)


def decode_qr_codes(data: bytes, tmp_path: Path) -> list[zxingcpp.Barcode]:
    """Rasterise the first page with poppler's pdftoppm, as a phone camera would see it."""
    source = tmp_path / "badge.pdf"
    source.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(source),
                    str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png")))
    return zxingcpp.read_barcodes(image)
