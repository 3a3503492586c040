"""The programme as CSV for spreadsheets: UTF-8 with a byte order mark, so that Excel
reads Chinese correctly, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from ..i18n import localized
from ..labels import SESSION_KINDS
from ..models import Event, ProgrammeSession
from .content import room_of, speaker_line, without_control_characters

# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Text that a spreadsheet shows as typed instead of running it (OWASP's advice:
    a leading apostrophe)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def to_csv(
    event: Event,
    sessions: Iterable[ProgrammeSession],
    *,
    lang: str,
    session_url: Callable[[ProgrammeSession], str],
) -> bytes:
    """One row per session, cancelled ones included and marked, in ``lang``.
    Call within ``force_locale`` of ``lang`` for the column names."""
    zone = ZoneInfo(event.timezone)
    kinds = {kind: str(label) for kind, label in SESSION_KINDS.items()}
    status = {True: _("Cancelled"), False: _("Scheduled")}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([
        _("Date"), _("Start"), _("End"), _("Forum"), _("Room"), _("Kind"), _("Title"),
        _("Speakers"), _("Status"), _("Abstract"), _("Web page"),
    ])
    for item in sessions:
        starts, ends = item.starts_at.astimezone(zone), item.ends_at.astimezone(zone)
        row = [
            starts.date().isoformat(),
            starts.strftime("%H:%M"),
            ends.strftime("%H:%M"),
            localized(item.forum, "name", lang),
            room_of(item, lang),
            kinds[item.kind],
            localized(item, "title", lang),
            "; ".join(speaker_line(speaker, lang) for speaker in item.speakers),
            status[item.cancelled],
            localized(item, "abstract", lang),
            session_url(item),
        ]
        writer.writerow([neutralise(without_control_characters(cell)) for cell in row])
    return ("\ufeff" + out.getvalue()).encode()
