"""Registrations as CSV: the export of a filtered list, and the import of invited guests.

The export speaks the organizer's language (参会代表, 已确认, the forums' names), or,
for a file to import again elsewhere, keeps the machine codes (delegate, confirmed,
the forums' slugs). It is UTF-8 with a byte-order mark (so that Excel reads Chinese right) and
every cell that a spreadsheet would take for a formula (=, +, -, @, tab, carriage
return at the start) is prefixed with an apostrophe.

The import reads a guest list (UTF-8, or GB18030 as Excel saves it on Chinese
Windows; comma, semicolon or tab separated), checks every row against the same
rules as the public form plus the file's own (duplicates, forums, categories,
addresses registered already), and writes either every row or none. It reads both
kinds of export: the column names, categories, forums and languages in codes or in
either language's words.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from ...audit import AuditAction
from ...checkin.sync import forums_attended
from ...database import begin_write
from ...i18n import LANGUAGES, current_language, localized, to_local
from ...labels import CATEGORIES, REGISTRATION_FIELDS, REGISTRATION_STATUSES
from ...models import (
    Event,
    Forum,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    SeatStatus,
    User,
)
from ...registration import listing, questions, seats, service
from ...registration.details import AttendeeDetails, normalise_email
from ...registration.forms import attendee_details
from ...registration.forum_times import describe_clashes, forum_spans, overlapping_pairs
from ...registration.organizer import enrol_and_record
from .forms import LOCALES, GuestRowForm

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_IMPORT_ROWS = 5000
PREVIEW_ROWS = 200
# A previewed file may be imported within this many seconds.
PREVIEW_LIFETIME = 3600
_SALT = "summit.admin.csv-import"

# The registration's own columns in the export: text first, then times.
EXPORTED_FIELDS = (
    "id",
    "full_name",
    "latin_name",
    "email",
    "phone",
    "organisation",
    "job_title",
    "category",
    "status",
    "checkin_code",
    "locale",
    "created_at",
    "checked_in_at",
    "badge_printed_at",
)
EXPORTED_TEXT = EXPORTED_FIELDS.index("created_at")
EXPORT_COLUMNS = (
    *EXPORTED_FIELDS[:EXPORTED_TEXT],
    "forums",
    "forums_waiting",
    "forums_attended",
    *EXPORTED_FIELDS[EXPORTED_TEXT:],
)

# Column names an import understands: ours, and what organizers' sheets tend to say.
IMPORT_COLUMNS = {
    "full_name": ("full_name", "name", "full name", "姓名"),
    "latin_name": ("latin_name", "latin name", "pinyin", "拼音", "英文名"),
    "email": ("email", "e-mail", "mail", "邮箱", "电子邮箱", "电子邮件"),
    "phone": ("phone", "mobile", "手机", "电话"),
    "organisation": ("organisation", "organization", "company", "单位", "机构"),
    "job_title": ("job_title", "job title", "title", "职务", "职位"),
    "category": ("category", "类别"),
    "forums": ("forums", "forum", "分论坛"),
    "locale": ("locale", "language", "语言"),
}
REQUIRED_COLUMNS = ("full_name", "email")
# Forums in a cell: "a; b" as exported, or "a, b" as people type; a name with a comma
# in it ("Main Forum: 5G, New Infrastructure") is found whole before commas split it.
_LIST_SEPARATORS = re.compile(r"[;；、|\n]+")
_COMMAS = re.compile(r"[,，]+")
_FORUM_SEPARATOR = {"zh": "；", "en": "; "}


def in_every_language(text) -> set[str]:
    """A lazy text as each language of the UI says it, case-folded."""
    said = set()
    for locale in LANGUAGES.values():
        with force_locale(locale):
            said.add(str(text).casefold())
    return said


# --- export ------------------------------------------------------------------


def neutralise(value: object) -> str:
    """A cell's text, made inert for spreadsheets that would evaluate it."""
    text = "" if value is None else str(value.value if isinstance(value, enum.Enum) else value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _local(moment: datetime | None, timezone: str) -> str:
    return to_local(moment, timezone).strftime("%Y-%m-%d %H:%M") if moment else ""


@dataclass(frozen=True)
class _Wording:
    """How an export says coded values: the column names, each coded field's words,
    the forums' names and what separates them. Empty mappings keep the codes."""

    header: list[str]
    words: dict[str, dict[str, str]]
    forums: dict[str, str]
    separator: str
    # Answers to the event's questions in words (options' labels, 是 / 否), else codes.
    answers_in_words: bool = False

    def say(self, name: str, value: object) -> object:
        code = value.value if isinstance(value, enum.Enum) else value
        return self.words.get(name, {}).get(code, code)

    def forum_list(self, slugs: list[str]) -> str:
        return self.separator.join(self.forums.get(slug, slug) for slug in slugs)


_CODES = _Wording(header=list(EXPORT_COLUMNS), words={}, forums={}, separator="; ")


def _organizers_wording(event: Event) -> _Wording:
    """The wording of the organizer's language (within its request or ``force_locale``)."""
    return _Wording(
        header=[str(REGISTRATION_FIELDS[name]) for name in EXPORT_COLUMNS],
        words={
            "category": {key.value: str(text) for key, text in CATEGORIES.items()},
            "status": {key.value: str(text) for key, text in REGISTRATION_STATUSES.items()},
            "locale": dict(LOCALES),
        },
        forums={forum.slug: str(localized(forum, "name")) for forum in event.forums},
        separator=_FORUM_SEPARATOR[current_language()],
        answers_in_words=True,
    )


def question_header(question, in_words: bool) -> str:
    """A question's column: its label in the organizer's language, or for an export in
    codes its English label (else its Chinese one). The import knows it by either."""
    if in_words:
        return str(localized(question, "label"))
    return question.label_en or question.label_zh


def export_csv(
    session: Session, event: Event, query: listing.RegistrationQuery, codes: bool = False
) -> bytes:
    """The registrations the query matches as CSV bytes: UTF-8 with BOM, CRLF line ends,
    a header row, every cell neutralised. In the organizer's language, or with
    ``codes`` in the codes an import reads back anywhere (slugs, "confirmed")."""
    wording = _CODES if codes else _organizers_wording(event)
    columns = [getattr(Registration, name) for name in EXPORTED_FIELDS]
    rows = listing.matching_rows(session, event, query, columns)
    seats = listing.matching_seats(session, event, query)
    # Every question, retired ones too: their answers stay part of the record.
    asked = questions.event_questions(session, event.id, retired=True)
    answers = listing.matching_answers(session, event, query)
    slugs = {forum.id: forum.slug for forum in event.forums}
    attended = forums_attended(session, event.id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*wording.header,
                     *(question_header(q, wording.answers_in_words) for q in asked)])
    lang = current_language()
    for row in rows:
        held = seats.get(row.id, [])
        values = [
            *(wording.say(name, value)
              for name, value in zip(EXPORTED_FIELDS[:EXPORTED_TEXT], row, strict=False)),
            wording.forum_list([slug for slug, status in held if status == SeatStatus.CONFIRMED]),
            wording.forum_list([slug for slug, status in held if status == SeatStatus.WAITLISTED]),
            wording.forum_list(sorted(slugs[forum_id] for forum_id in attended.get(row.id, []))),
            *(_local(moment, event.timezone) for moment in row[EXPORTED_TEXT:]),
        ]
        given = answers.get(row.id, {})
        values.extend(
            (questions.shown(q, given.get(q.id), lang, wording.separator)
             if wording.answers_in_words else questions.as_text(q, given.get(q.id)))
            for q in asked)
        writer.writerow([neutralise(value) for value in values])
    return buffer.getvalue().encode("utf-8-sig")


# --- import ------------------------------------------------------------------


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is for the organizer."""


@dataclass
class GuestRow:
    line: int
    values: dict[str, str]
    details: AttendeeDetails | None = None
    forum_ids: list[int] = field(default_factory=list)
    # Question id → answer, for the questions the file has a column of.
    answers: dict[int, object] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    # Imported all the same: forums that run at the same time, with the organizer's override.
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    rows: list[GuestRow]
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def rows_with_errors(self) -> list[GuestRow]:
        return [row for row in self.rows if row.errors]

    @property
    def valid(self) -> bool:
        return bool(self.rows) and not self.rows_with_errors

    @property
    def preview_rows(self) -> list[GuestRow]:
        """What the preview shows: rows with problems first, at most PREVIEW_ROWS."""
        return sorted(self.rows, key=lambda row: not row.errors)[:PREVIEW_ROWS]


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), else GB18030 (Excel on Chinese Windows)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text. Save it as CSV UTF-8."))


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each non-blank record, the header included."""
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield reader.line_num, cells
    except csv.Error as error:
        raise ImportFileError(
            _("Line %(line)d cannot be read as CSV: %(error)s", line=reader.line_num,
              error=str(error))
        ) from error


def _header(cells: list[str], asked: list | None = None) -> tuple[dict[int, str], list[str]]:
    """Which column holds which field (a question's: ``q<id>``), and the columns that
    are ignored."""
    known = {}
    for question in asked or []:
        for label in (question.label_zh, question.label_en):
            if label.strip():
                known[label.strip().casefold()] = questions.field_name(question)
    known.update({alias.casefold(): name for name, aliases in IMPORT_COLUMNS.items()
                  for alias in aliases})
    for name in IMPORT_COLUMNS:
        known.update(dict.fromkeys(in_every_language(REGISTRATION_FIELDS[name]), name))
    positions: dict[int, str] = {}
    ignored = []
    for position, cell in enumerate(cells):
        name = known.get(cell.strip().casefold())
        if name is None:
            if cell.strip():
                ignored.append(cell.strip())
        elif name in positions.values():
            raise ImportFileError(_("The column %(column)s appears twice.", column=cell.strip()))
        else:
            positions[position] = name
    missing = [name for name in REQUIRED_COLUMNS if name not in positions.values()]
    if missing:
        raise ImportFileError(
            _("The first row must name the columns; missing: %(columns)s.",
              columns=", ".join(missing))
        )
    return positions, ignored


def _category(value: str, default: RegistrationCategory) -> RegistrationCategory | None:
    if not value.strip():
        return default
    wanted = value.strip().casefold()
    for category in RegistrationCategory:
        if wanted == category.value or wanted in in_every_language(CATEGORIES[category]):
            return category
    return None


def _locale(value: str, default: str) -> str:
    """A language's code from its code or its name (中文, English)."""
    wanted = value.strip().casefold()
    names = {name.casefold(): code for code, name in LOCALES}
    return names.get(wanted, wanted) or default


def _forum_names(cell: str, forums: dict[str, int]) -> Iterator[str]:
    for part in _LIST_SEPARATORS.split(cell):
        if part.strip().casefold() in forums:
            yield part.strip()
        else:
            yield from (name.strip() for name in _COMMAS.split(part) if name.strip())


def _forum_lookup(forums: list[Forum]) -> dict[str, int]:
    lookup = {}
    for forum in forums:
        for key in (forum.slug, forum.name_zh, forum.name_en):
            if key.strip():
                lookup[key.strip().casefold()] = forum.id
    return lookup


def _check_answers(row: GuestRow, asked: list) -> None:
    """The answers in the row's question columns, checked as the form checks them (a
    blank required one is allowed: organizers import what they know). An answer to a
    question whose condition the row's answers do not meet is dropped, as the form
    drops it."""
    for question in asked:
        name = questions.field_name(question)
        if name not in row.values:
            continue
        text = row.values[name]
        if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
            text = text[1:]  # what the export added to keep a spreadsheet from evaluating it
        try:
            value = questions.from_text(question, text)
        except questions.AnswerRejected as rejected:
            label = localized(question, "label")
            row.errors.append(f"{label}: {rejected}")
            continue
        if value is not None and questions.condition_met(question, row.answers):
            row.answers[question.id] = value


def _check_row(row: GuestRow, default_category: RegistrationCategory, default_locale: str,
               forums: dict[str, int]) -> None:
    form = GuestRowForm(MultiDict(row.values))
    if not form.validate():
        for name, messages in form.errors.items():
            label = form[name].label.text
            row.errors.extend(f"{label}: {message}" for message in messages)
    category = _category(row.values.get("category", ""), default_category)
    if category is None:
        row.errors.append(_("Unknown category “%(value)s”.", value=row.values["category"]))
    locale = _locale(row.values.get("locale", ""), default_locale)
    if locale not in dict(LOCALES):
        row.errors.append(_("Unknown language “%(value)s” (use zh or en).", value=locale))
    for name in _forum_names(row.values.get("forums", ""), forums):
        forum_id = forums.get(name.casefold())
        if forum_id is None:
            row.errors.append(_("Unknown forum “%(value)s”.", value=name))
        elif forum_id not in row.forum_ids:
            row.forum_ids.append(forum_id)
    if not row.errors:
        row.details = attendee_details(form, category, locale)


def _registered_already(session: Session, event: Event, emails: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(emails), 500):
        found.update(
            session.scalars(
                select(Registration.email).where(
                    Registration.event_id == event.id,
                    Registration.email.in_(emails[start:start + 500]),
                    Registration.status != RegistrationStatus.CANCELLED,
                )
            )
        )
    return found


def _check_overlaps(
    session: Session, event: Event, forums: list[Forum], rows: list[GuestRow],
    overlap_allowed: bool,
) -> None:
    """Rows that choose forums running at the same time: an error, or with the organizer's
    override (or an event that allows it) a warning. One query, for all rows."""
    if event.allow_overlapping_forums:
        return
    by_id = {forum.id: forum for forum in forums}
    spans = forum_spans(session, list(by_id), event.timezone)
    for row in rows:
        pairs = overlapping_pairs(row.forum_ids, spans) if len(row.forum_ids) > 1 else []
        clashing = [(by_id[a], by_id[b]) for a, b in pairs]
        if not clashing:
            continue
        if overlap_allowed:
            row.warnings.append(describe_clashes(clashing))
        else:
            row.errors.append(describe_clashes(clashing, _(
                "To import them anyway, tick “Hold both anyway” and check the file again.")))


def plan_import(
    session: Session, event: Event, text: str, default_category: RegistrationCategory,
    overlap_allowed: bool = False,
) -> ImportPlan:
    """Read and check a guest list without writing anything. Raises ImportFileError
    when the file as a whole is unusable; row problems are on the rows. Forums that run
    at the same time are a row's problem unless ``overlap_allowed`` (then a warning)."""
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    asked = questions.event_questions(session, event.id)
    positions, ignored = _header(first[1], asked)
    rows = []
    for line, cells in records:
        if len(rows) == MAX_IMPORT_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)d guests; split it.", max=MAX_IMPORT_ROWS)
            )
        values = {name: cells[position].strip() if position < len(cells) else ""
                  for position, name in positions.items()}
        rows.append(GuestRow(line=line, values=values))
    if not rows:
        raise ImportFileError(_("The file names its columns but holds no guest."))

    choosable = service.choosable_forums(session, event)
    forums = _forum_lookup(choosable)
    default_locale = event.default_locale if event.default_locale in dict(LOCALES) else "zh"
    first_line_of: dict[str, int] = {}
    for row in rows:
        _check_row(row, default_category, default_locale, forums)
        _check_answers(row, asked)
        if row.details is None:
            continue
        email = normalise_email(row.details.email)
        if email in first_line_of:
            row.errors.append(_("The same email as line %(line)d.", line=first_line_of[email]))
        else:
            first_line_of[email] = row.line
    known = _registered_already(session, event, list(first_line_of))
    for row in rows:
        if not row.errors and normalise_email(row.details.email) in known:
            row.errors.append(_("This address is registered already."))
    _check_overlaps(session, event, choosable, rows, overlap_allowed)
    return ImportPlan(rows=rows, ignored_columns=ignored)


def import_guests(
    session: Session,
    actor: User,
    event: Event,
    text: str,
    default_category: RegistrationCategory,
    beyond_capacity: bool = False,
    overlap_allowed: bool = False,
) -> tuple[ImportPlan, list[Registration]]:
    """Check the list again under the event's lock and register every guest in one
    transaction, each with its audit entry and confirmation mail; when any row fails,
    write nothing and return the plan with its errors."""
    begin_write(session)
    locked = seats.lock_event(session, event.id)
    try:
        plan = plan_import(session, locked.event, text, default_category, overlap_allowed)
    except ImportFileError:
        session.rollback()
        raise
    if not plan.valid:
        session.rollback()
        return plan, []
    registrations = []
    for row in plan.rows:
        registration = enrol_and_record(session, actor, locked, row.details, row.forum_ids,
                                        beyond_capacity, AuditAction.IMPORT, overlap_allowed)
        if row.answers:
            questions.replace_answers(session, registration, row.answers, row.answers)
        registrations.append(registration)
    session.commit()
    return plan, registrations


# --- carrying a previewed file to the import, across workers ---------------------


def seal(secret_key: str, payload: dict) -> str:
    """The payload signed (and compressed) for a hidden form field."""
    return URLSafeTimedSerializer(secret_key, salt=_SALT).dumps(payload)


def unseal(secret_key: str, sealed: str) -> dict | None:
    """The payload if it was signed by us within PREVIEW_LIFETIME, else None."""
    try:
        serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
        return serializer.loads(sealed, max_age=PREVIEW_LIFETIME)
    except BadSignature:
        return None
