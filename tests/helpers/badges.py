"""What a badge shows, as the renderer takes it; reading a badge or certificate PDF back
as a person or a phone camera would."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import zxingcpp
from PIL import Image
from pypdf import PdfReader

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


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, whitespace removed (CJK text has none to keep)."""
    return ["".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def squeeze(text: str) -> str:
    return "".join(text.split())


def pdf_text(data: bytes) -> str:
    """The PDF's text as poppler reads it back, whitespace removed."""
    return squeeze(subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                                  check=True).stdout.decode())


def decode_qr_codes(data: bytes, tmp_path: Path) -> list[zxingcpp.Barcode]:
    """Rasterise the first page with poppler's pdftoppm, as a phone camera would see it."""
    source = tmp_path / "badge.pdf"
    source.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(source),
                    str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png")))
    return zxingcpp.read_barcodes(image)


def images(data: bytes, tmp_path, name: str) -> list[Image.Image]:
    (tmp_path / f"{name}.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(tmp_path / f"{name}.pdf"),
                    str(tmp_path / name)], check=True)
    return [Image.open(path).convert("RGB") for path in sorted(tmp_path.glob(f"{name}-*.png"))]


def embedded_font_programs(data: bytes) -> list[str]:
    """The BaseFont of every font program the PDF holds, once per program."""
    reader = PdfReader(io.BytesIO(data))
    programs = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            key = next(key for key in descriptor if key.startswith("/FontFile"))
            programs[descriptor.raw_get(key).idnum] = str(descendant["/BaseFont"])
    return sorted(programs.values())
