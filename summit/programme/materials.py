"""A session's materials: slides as a PDF file, links to a video or a recording.

The one way to add or remove them, whoever does it: an organizer in the programme
editor, a speaker through their own link (the actor is then a text such as
``speaker <address>``). Each call checks what it is given, writes its audit entry and
commits, or raises ``MaterialRejected`` and changes nothing.

Slides are judged by their content, never by their name or the browser's claim: a PDF
header, a document pypdf can read, not encrypted (nobody could open it), and without
active content. A PDF that carries JavaScript, launch or form-submitting actions,
embedded files, Flash or XFA forms is refused rather than cleaned: taking such parts
out of a file changes what its author made without them knowing, and a slide deck
needs none of them (exporting it again from the presentation program gives a plain one).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import defaultdict
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import AuditAction
from ..models import Event, MaterialKind, ProgrammeSession, SessionMaterial, User
from .material_store import MaterialStore, configured_store, store_of

PDF = "application/pdf"
LINK_KINDS = (MaterialKind.VIDEO, MaterialKind.RECORDING)
MAX_FILENAME = 120
MAX_TITLE = 200
MAX_URL = 2000
# What a multipart form adds around the file: its boundaries, the title and the token.
FORM_OVERHEAD = 64 * 1024
# A slide deck has a few thousand objects; past this the file is refused rather than
# walked for ever.
MAX_PDF_OBJECTS = 200_000
# Names that make a PDF do something when opened or clicked, rather than show pages.
ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/RichMedia",
                         "/RichMediaContent", "/XFA"})
ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ImportData",
                            "/RichMediaExecute", "/GoToE"})
UNSAFE_FILENAME_CHARACTERS = re.compile(r"[^\w.()\-（）]+")


class MaterialRejected(Exception):
    """What is wrong, for the person who sent it; ``field`` names the form's field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def max_upload_bytes() -> int:
    return current_app.config["MATERIAL_MAX_BYTES"]


def max_upload_request_bytes() -> int:
    """How large a request that uploads slides may be: the file's limit and the form
    around it (a larger request is answered 413 before the form is read)."""
    return max_upload_bytes() + FORM_OVERHEAD


# --- reading -----------------------------------------------------------------------


def materials_of(session: Session, item: ProgrammeSession) -> list[SessionMaterial]:
    return list(session.scalars(
        select(SessionMaterial).where(SessionMaterial.session_id == item.id)
        .order_by(SessionMaterial.id)))


def materials_by_session(session: Session, event: Event) -> dict[int, list[SessionMaterial]]:
    """Every session's materials in one query (their files not loaded)."""
    found: dict[int, list[SessionMaterial]] = defaultdict(list)
    for material in session.scalars(
        select(SessionMaterial).join(ProgrammeSession)
        .where(ProgrammeSession.event_id == event.id)
        .order_by(SessionMaterial.id)
    ):
        found[material.session_id].append(material)
    return found


def find_material(session: Session, event: Event, session_id: int,
                  material_id: int) -> SessionMaterial | None:
    return session.scalars(
        select(SessionMaterial).join(ProgrammeSession).where(
            SessionMaterial.id == material_id,
            SessionMaterial.session_id == session_id,
            ProgrammeSession.event_id == event.id,
        )
    ).first()


def read_file(material: SessionMaterial, store: MaterialStore | None = None) -> bytes:
    return (store or store_of(material)).read(material)


# --- checking ----------------------------------------------------------------------


def check_pdf(data: bytes, limit: int) -> None:
    """Raises MaterialRejected unless ``data`` is a plain PDF of at most ``limit`` bytes."""
    if len(data) > limit:
        raise MaterialRejected("file", _("The file is larger than %(size)s MB.",
                                         size=f"{limit / (1024 * 1024):g}"))
    if not data.startswith(b"%PDF-"):
        raise MaterialRejected("file", _("This is not a PDF file."))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise MaterialRejected("file", _(
                "This PDF is encrypted or password-protected: upload one that anybody can open."))
        if not reader.pages:
            raise MaterialRejected("file", _("This PDF has no pages."))
        active = _has_active_content(reader)
    except MaterialRejected:
        raise
    except Exception as error:  # pypdf raises many kinds of error on a broken file
        raise MaterialRejected("file", _("This PDF cannot be read.")) from error
    if active:
        raise MaterialRejected("file", _(
            "This PDF contains scripts, embedded files or form actions, which slides do not "
            "need. Export it again from your presentation program as a plain PDF."))


def _has_active_content(reader: PdfReader) -> bool:
    """Whether any object reachable from the trailer (everything a viewer may use) has
    a script, an action that runs or sends something, or an embedded file."""
    seen: set[tuple[int, int]] = set()
    waiting: list = [reader.trailer]
    walked = 0
    while waiting:
        obj = waiting.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        walked += 1
        if walked > MAX_PDF_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(obj, DictionaryObject):
            if ACTIVE_KEYS.intersection(obj.keys()):
                return True
            action = obj.get("/S")
            if isinstance(action, NameObject) and action in ACTIVE_ACTIONS:
                return True
            if obj.get("/Type") == "/EmbeddedFile":
                return True
            waiting.extend(dict.values(obj))
        elif isinstance(obj, ArrayObject):
            waiting.extend(list.__iter__(obj))
    return False


def safe_filename(name: str) -> str:
    """The name to offer the file under: its last path component only, without control
    characters or anything a shell or file system reads specially, ending in .pdf."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = UNSAFE_FILENAME_CHARACTERS.sub("_", name).strip("._ ")
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    stem = stem.rstrip("._ ")[:MAX_FILENAME - 4] or "slides"
    return f"{stem}.pdf"


def ascii_filename(name: str) -> str:
    """The name for clients that read no UTF-8 one (``filename*``): ``name`` (a
    ``safe_filename``) if it is ASCII, else a plain one."""
    return name if name.isascii() else "slides.pdf"


def check_link(url: str) -> str:
    """The address, trimmed, if it is an absolute http(s) address; else MaterialRejected."""
    url = (url or "").strip()
    if len(url) > MAX_URL:
        raise MaterialRejected("url", _("The address is too long."))
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in url)):
        raise MaterialRejected("url", _("Give an address that starts with https:// or http://."))
    return url


def _title(title: str) -> str:
    return "".join(ch for ch in (title or "").strip()
                   if unicodedata.category(ch)[0] != "C")[:MAX_TITLE]


# --- changing ----------------------------------------------------------------------


def _actor_name(actor: User | str) -> str:
    return actor.email if isinstance(actor, User) else actor


def _record(session: Session, actor: User | str, action: AuditAction,
            material: SessionMaterial, item: ProgrammeSession) -> None:
    state = {"session": item.title_zh or item.title_en, "kind": material.kind.value,
             "title": material.title, "url": material.url, "filename": material.filename,
             "size": material.size}
    audit.record(session, actor, action, "material", material.id,
                 material.title or material.filename or material.url,
                 **({"after": state} if action is AuditAction.CREATE else {"before": state}),
                 event_id=item.event_id)


def add_slides(session: Session, actor: User | str, item: ProgrammeSession, *, title: str,
               filename: str, data: bytes, store: MaterialStore | None = None) -> SessionMaterial:
    """Check ``data`` and keep it as ``item``'s slides; the upload ``filename`` gives
    only the name offered for download."""
    check_pdf(data, max_upload_bytes())
    material = SessionMaterial(
        session=item, kind=MaterialKind.SLIDES, title=_title(title),
        filename=safe_filename(filename), content_type=PDF, size=len(data),
        uploaded_by=_actor_name(actor)[:300],
    )
    session.add(material)
    (store or configured_store()).put(material, data)
    session.flush()
    _record(session, actor, AuditAction.CREATE, material, item)
    session.commit()
    return material


def add_link(session: Session, actor: User | str, item: ProgrammeSession, *,
             kind: MaterialKind, title: str, url: str) -> SessionMaterial:
    """Add a link to a video or a recording of ``item``."""
    if kind not in LINK_KINDS:
        raise MaterialRejected("kind", _("Choose video or recording."))
    material = SessionMaterial(session=item, kind=kind, title=_title(title), url=check_link(url),
                               uploaded_by=_actor_name(actor)[:300])
    session.add(material)
    session.flush()
    _record(session, actor, AuditAction.CREATE, material, item)
    session.commit()
    return material


def remove(session: Session, actor: User | str, material: SessionMaterial,
           store: MaterialStore | None = None) -> None:
    item = material.session
    _record(session, actor, AuditAction.DELETE, material, item)
    if material.is_file:
        (store or store_of(material)).remove(material)
    session.delete(material)
    session.commit()
