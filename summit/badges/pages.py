"""Badges kept one page each, and batches assembled from those pages with one copy of
each font.

WeasyPrint embeds, in every document, a subset of each face it used. Its subsets keep
the font's own glyph numbers, so a page's text means the same glyphs whatever subset
comes with it. A ``Page`` is therefore one rendered page without its fonts (its
content and other resources, a small PDF) plus, for each face it uses, the glyphs it
needs and where the face's file is. ``assemble`` writes many such pages as one PDF
with, per face, a single subset holding every glyph of the batch, made by HarfBuzz
from the file: the file is as small as a batch rendered at once, where the same pages
assembled with each page's own subsets were 28 times larger (bench/FINDINGS.md).

A face that cannot be shared (a colour or bitmap face such as emoji's, one lacking a
glyph, one whose file cannot be found) stays in the page as WeasyPrint embedded it.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import cffi
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from .fonts import installed_fonts


@dataclass(frozen=True)
class Page:
    """One rendered page: ``pdf`` is a one-page PDF whose fonts are left out, ``fonts``
    (JSON) says which faces its text uses and which of their glyphs."""

    pdf: bytes
    fonts: str


# --- HarfBuzz's subsetter, on a face read from its file ---------------------------------

_ffi = cffi.FFI()
_ffi.cdef("""
    typedef struct hb_blob_t hb_blob_t;
    typedef struct hb_face_t hb_face_t;
    typedef struct hb_set_t hb_set_t;
    typedef struct hb_subset_input_t hb_subset_input_t;
    typedef uint32_t hb_codepoint_t;
    hb_blob_t *hb_blob_create_from_file_or_fail (const char *file_name);
    void hb_blob_destroy (hb_blob_t *blob);
    const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
    hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
    void hb_face_destroy (hb_face_t *face);
    hb_blob_t *hb_face_reference_blob (hb_face_t *face);
    void hb_set_add (hb_set_t *set, hb_codepoint_t codepoint);
    hb_subset_input_t *hb_subset_input_create_or_fail (void);
    void hb_subset_input_destroy (hb_subset_input_t *input);
    hb_set_t *hb_subset_input_glyph_set (hb_subset_input_t *input);
    hb_set_t *hb_subset_input_set (hb_subset_input_t *input, int set_type);
    void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned int value);
    hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
    uint32_t hb_tag_from_string (const char *str, int len);
""")
# hb-subset.h's flags, as WeasyPrint sets them for the fonts it embeds.
_NO_HINTING, _RETAIN_GIDS, _DESUBROUTINIZE, _PASSTHROUGH_UNRECOGNIZED = 0x1, 0x2, 0x4, 0x20
_DROP_TABLE_TAG = 3
# What WeasyPrint drops from the fonts it embeds.
_DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF",
                   b"LTSH", b"PCLT", b"SVG ")


@functools.cache
def _harfbuzz():
    return _ffi.dlopen("libharfbuzz.so.0"), _ffi.dlopen("libharfbuzz-subset.so.0")


@functools.cache
def _face(path: str, index: int):
    """The face, kept for the process (reading a CJK collection costs more than subsetting)."""
    harfbuzz, _ = _harfbuzz()
    blob = harfbuzz.hb_blob_create_from_file_or_fail(path.encode())
    if blob == _ffi.NULL:
        raise OSError(f"cannot read the font {path}")
    face = harfbuzz.hb_face_create(blob, index)
    harfbuzz.hb_blob_destroy(blob)
    return face


def subset_font(path: str, index: int, glyphs: Iterable[int]) -> bytes:
    """The face's font program with only ``glyphs`` drawn, each at its own number."""
    harfbuzz, subset = _harfbuzz()
    wanted = subset.hb_subset_input_create_or_fail()
    try:
        glyph_set = subset.hb_subset_input_glyph_set(wanted)
        for glyph in glyphs:
            harfbuzz.hb_set_add(glyph_set, glyph)
        dropped = subset.hb_subset_input_set(wanted, _DROP_TABLE_TAG)
        for tag in _DROPPED_TABLES:
            harfbuzz.hb_set_add(dropped, harfbuzz.hb_tag_from_string(tag, 4))
        subset.hb_subset_input_set_flags(
            wanted, _RETAIN_GIDS | _NO_HINTING | _PASSTHROUGH_UNRECOGNIZED | _DESUBROUTINIZE)
        result = subset.hb_subset_or_fail(_face(path, index), wanted)
    finally:
        subset.hb_subset_input_destroy(wanted)
    if result == _ffi.NULL:
        raise OSError(f"HarfBuzz could not subset {path}")
    blob = harfbuzz.hb_face_reference_blob(result)
    try:
        length = _ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(blob, length)
        return bytes(_ffi.buffer(data, length[0]))
    finally:
        harfbuzz.hb_blob_destroy(blob)
        harfbuzz.hb_face_destroy(result)


# --- splitting a rendered document into pages -------------------------------------------


@functools.cache
def _font_files() -> dict[tuple[str, int], list[str]]:
    """The font files fontconfig lists, by family and face index."""
    found: dict[tuple[str, int], list[str]] = {}
    for font in installed_fonts():
        found.setdefault((font.family, font.index), []).append(font.path)
    return found


@functools.cache
def _font_file(family: str, index: int, size: int) -> str | None:
    """The file a face WeasyPrint used came from: fontconfig's file of that family and
    index whose size is the size of the face's data, when exactly one is."""
    candidates = {path for path in _font_files().get((family, index), [])
                  if Path(path).stat().st_size == size}
    return candidates.pop() if len(candidates) == 1 else None


def _face_size(font) -> int:
    from weasyprint.text.ffi import harfbuzz

    blob = harfbuzz.hb_face_reference_blob(font.hb_face)
    try:
        return harfbuzz.hb_blob_get_length(blob)
    finally:
        harfbuzz.hb_blob_destroy(blob)


def _shareable(font) -> dict | None:
    """What a page needs to know of a WeasyPrint font to share it, or None."""
    # Colour faces (emoji) are drawn as pictures beside glyphs WeasyPrint empties first.
    if (font.bitmap or font.png or font.svg or font.colr or font.missing
            or font.used_in_forms or font.variations):
        return None
    path = _font_file(font.family, font.index, _face_size(font))
    if path is None:
        return None
    return {"base": font.name.decode()[1:], "path": path, "index": font.index,
            "kind": font.type, "flags": font.flags, "ascent": font.ascent,
            "descent": font.descent, "italic_angle": font.italic_angle,
            "stemv": font.stemv, "stemh": font.stemh, "family": font.family}


_SET_FONT = re.compile(rb"/(\w+) [-+\d.eE]+ Tf\n")
_GLYPHS = re.compile(rb"<([0-9a-f]*)>")


def _glyphs_by_font(content: bytes) -> dict[str, set[int]] | None:
    """The glyph numbers each font resource of a page's content shows: WeasyPrint
    writes each run of text as ``BT``, the font's ``Tf``, 4-digit hex glyph numbers,
    ``ET``. None when some text is not written so (then nothing is known of it)."""
    used: dict[str, set[int]] = {}
    pieces = _SET_FONT.split(content)
    runs = 0
    for name, text in zip(pieces[1::2], pieces[2::2], strict=True):
        glyphs = used.setdefault(name.decode(), set())
        for run in _GLYPHS.findall(text.split(b"ET", 1)[0]):
            runs += 1
            glyphs.update(int(run[i:i + 4], 16) for i in range(0, len(run), 4))
    if runs != len(_GLYPHS.findall(content)) or content.count(b" Tf") != len(pieces) // 2:
        return None
    return used


def split_pages(document, rendered: bytes) -> list[Page]:
    """``rendered`` (the PDF of a WeasyPrint ``document``, just written) as ``Page``s."""
    by_name = {font.hash: font for font in document.fonts.values()}
    shareable = {name: _shareable(font) for name, font in by_name.items()}
    reader = PdfReader(io.BytesIO(rendered))
    pages: list[Page] = []
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        content = page.get_contents().get_data()
        used = _glyphs_by_font(content)
        # Text this reading does not follow: the page keeps every font to itself.
        followed = used is not None
        used = used or {}
        shared = {name: glyphs for name, glyphs in used.items() if shareable.get(name)}
        page_fonts = {
            name: {**shareable[name],
                   "glyphs": {glyph: [by_name[name].widths.get(glyph, 0),
                                      by_name[name].to_unicode.get(glyph, "")]
                              for glyph in sorted(glyphs)}}
            for name, glyphs in shared.items()}
        # The document's pages share one resources dictionary: this page gets its own,
        # with only the fonts it keeps to itself.
        own = DictionaryObject((key, font) for key, font in resources.get("/Font", {}).items()
                               if key[1:] not in shared and (not followed or key[1:] in used))
        page[NameObject("/Resources")] = DictionaryObject(
            (key, value) for key, value in resources.items() if key != "/Font")
        if own:
            page["/Resources"][NameObject("/Font")] = own
        writer = PdfWriter()
        writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
        pages.append(Page(out.getvalue(), json.dumps(page_fonts, ensure_ascii=False)))
    return pages


# --- assembling pages with shared fonts --------------------------------------------------


def _to_unicode(glyphs: dict[int, str]) -> bytes:
    """A ToUnicode CMap as WeasyPrint writes it."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0",
             b">> def", b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    items = [(glyph, text) for glyph, text in sorted(glyphs.items()) if text]
    for start in range(0, len(items), 100):
        batch = items[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>".encode()
                  for glyph, text in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _stream(writer: PdfWriter, data: bytes, **entries) -> object:
    stream = DecodedStreamObject()
    stream.set_data(data)
    stream.update({NameObject(f"/{key}"): value for key, value in entries.items()})
    return writer._add_object(stream.flate_encode())


def _number(value: float) -> NumberObject | FloatObject:
    return NumberObject(value) if float(value).is_integer() else FloatObject(round(value, 3))


def _shared_font(writer: PdfWriter, face: dict, glyphs: dict[int, tuple[float, str]]):
    """The Type0 font of ``face`` with ``glyphs``, added to ``writer``."""
    program = subset_font(face["path"], face["index"], glyphs)
    otf = face["kind"] == "otf"
    file_entries = ({"Subtype": NameObject("/OpenType")} if otf
                    else {"Length1": NumberObject(len(program))})
    widths = {glyph: width for glyph, (width, _) in glyphs.items()}
    flags = face["flags"] + (1 if len(widths) > 1 and len(set(widths.values())) == 1 else 0)
    name = NameObject("/" + face["base"])
    descriptor = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/FontDescriptor"),
        NameObject("/FontName"): name,
        NameObject("/FontFamily"): TextStringObject(face["family"]),
        NameObject("/Flags"): NumberObject(flags),
        NameObject("/FontBBox"): ArrayObject(
            _number(value) for value in (0, face["descent"], max(widths.values(), default=0),
                                         face["ascent"])),
        NameObject("/ItalicAngle"): _number(face["italic_angle"]),
        NameObject("/Ascent"): _number(face["ascent"]),
        NameObject("/Descent"): _number(face["descent"]),
        NameObject("/CapHeight"): _number(face["ascent"]),
        NameObject("/StemV"): _number(face["stemv"]),
        NameObject("/StemH"): _number(face["stemh"]),
        NameObject(f"/FontFile{3 if otf else 2}"): _stream(writer, program, **file_entries),
    }))
    runs = ArrayObject()
    for glyph in sorted(widths):
        if glyph - 1 not in widths:
            runs += [NumberObject(glyph), ArrayObject()]
        runs[-1].append(_number(widths[glyph]))
    system = DictionaryObject({NameObject("/Registry"): TextStringObject("Adobe"),
                               NameObject("/Ordering"): TextStringObject("Identity"),
                               NameObject("/Supplement"): NumberObject(0)})
    descendant = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject(f"/CIDFontType{0 if otf else 2}"),
        NameObject("/BaseFont"): name,
        NameObject("/CIDSystemInfo"): system,
        NameObject("/CIDToGIDMap"): NameObject("/Identity"),
        NameObject("/W"): runs,
        NameObject("/FontDescriptor"): descriptor,
    }))
    texts = {glyph: text for glyph, (_, text) in glyphs.items()}
    return writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type0"),
        NameObject("/BaseFont"): name,
        NameObject("/Encoding"): NameObject("/Identity-H"),
        NameObject("/DescendantFonts"): ArrayObject([descendant]),
        NameObject("/ToUnicode"): _stream(writer, _to_unicode(texts)),
    }))


def assemble(pages: Sequence[Page], target: BinaryIO, *, title: str = "") -> None:
    """Write ``pages``, in order, to ``target`` as one PDF with one subset per face."""
    page_fonts = [json.loads(page.fonts) for page in pages]
    faces: dict[str, dict] = {}
    glyphs: dict[str, dict[int, tuple[float, str]]] = {}
    for fonts in page_fonts:
        for name, font in fonts.items():
            faces.setdefault(name, font)
            glyphs.setdefault(name, {}).update(
                (int(glyph), (width, text)) for glyph, (width, text) in font["glyphs"].items())
    writer = PdfWriter()
    shared = {name: _shared_font(writer, face, glyphs[name]) for name, face in faces.items()}
    for page, fonts in zip(pages, page_fonts, strict=True):
        one = PdfReader(io.BytesIO(page.pdf)).pages[0]
        resources = one["/Resources"].get_object()
        resources[NameObject("/Font")] = DictionaryObject(
            {**resources.get("/Font", {}),
             **{NameObject("/" + name): shared[name] for name in fonts}})
        writer.add_page(one)
    if title:
        writer.add_metadata({"/Title": title})
    writer.write(target)

