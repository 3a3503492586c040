"""Which language a visitor reads, and the one helper that picks a content field's value.

The UI's own strings go through Flask-Babel's catalogs; the event's content
(names, titles, abstracts) is stored in both languages on the models and
picked here, falling back to the other language when one is missing.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time, get_timezone_name
from babel.lists import format_list
from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _

# The short codes of ?lang= and of the content fields, and the Babel locale of each.
LANGUAGES = {"zh": "zh_Hans_CN", "en": "en"}
LANGUAGE_COOKIE = "lang"
FALLBACK = {"zh": "en", "en": "zh"}

# Patterns that read naturally in each language: 2020年11月26日 星期四 / Thu 26 Nov 2020.
DATE_PATTERNS = {"zh": "y年M月d日 EEEE", "en": "EEE d MMM y"}
SHORT_DATE_PATTERNS = {"zh": "M月d日 EEE", "en": "EEE d MMM"}
# A day within the week of an event: 周四 / Thursday.
WEEKDAY_PATTERNS = {"zh": "EEE", "en": "EEEE"}
# Where the afternoon and the evening begin, in local hours.
AFTERNOON, EVENING = 12, 18
TIME_PATTERN = "HH:mm"


class LocalizedText(str):
    """A content value that remembers its language, so a fallback can be marked up
    with the right ``lang`` attribute (and styled as such)."""

    lang: str
    is_fallback: bool

    def __new__(cls, value: str, lang: str, is_fallback: bool = False) -> LocalizedText:
        text = super().__new__(cls, value)
        text.lang = lang
        text.is_fallback = is_fallback
        return text


def requested_language(event_default: str | None = None) -> str:
    """?lang=, then the cookie, then Accept-Language, then the event's default."""
    for candidate in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    accepted = request.accept_languages.best_match(list(LANGUAGES))
    if accepted:
        return accepted
    return event_default if event_default in LANGUAGES else "zh"


def current_language() -> str:
    """'zh' or 'en': the request's language, or the one set by ``force_locale``."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else "zh"


def localized(obj: object, field: str, lang: str | None = None) -> LocalizedText:
    """The ``field_zh`` or ``field_en`` value of ``obj`` in the reader's language,
    or the other language's value when that one is empty."""
    lang = lang or current_language()
    value = getattr(obj, f"{field}_{lang}", "") or ""
    if value.strip():
        return LocalizedText(value, lang)
    other = FALLBACK[lang]
    other_value = getattr(obj, f"{field}_{other}", "") or ""
    return LocalizedText(other_value, other, is_fallback=bool(other_value))


def localized_pair(obj: object, field: str) -> tuple[LocalizedText, LocalizedText | None]:
    """The value in the reader's language and, when it differs, the other language's
    value: for showing both languages at once."""
    first = localized(obj, field)
    other_lang = FALLBACK[first.lang]
    other = getattr(obj, f"{field}_{other_lang}", "") or ""
    if first.is_fallback or not other.strip() or other == first:
        return first, None
    return first, LocalizedText(other, other_lang)


def to_local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def format_day(day: date | datetime, timezone: str | None = None, lang: str | None = None) -> str:
    lang = lang or current_language()
    if isinstance(day, datetime):
        day = to_local(day, timezone or "UTC").date()
    return format_date(day, DATE_PATTERNS[lang], locale=LANGUAGES[lang])


def format_short_day(day: date, lang: str | None = None) -> str:
    lang = lang or current_language()
    return format_date(day, SHORT_DATE_PATTERNS[lang], locale=LANGUAGES[lang])


def format_clock(moment: datetime, timezone: str, lang: str | None = None) -> str:
    lang = lang or current_language()
    return format_time(to_local(moment, timezone), TIME_PATTERN, locale=LANGUAGES[lang])


def format_part_of_day(
    moment: datetime, timezone: str, with_date: bool = False, lang: str | None = None
) -> str:
    """周四下午 / Thursday afternoon; with the date (11月26日 周四下午 / Thu 26 Nov
    afternoon) where the weekday alone could mean two days."""
    lang = lang or current_language()
    local = to_local(moment, timezone)
    patterns = SHORT_DATE_PATTERNS if with_date else WEEKDAY_PATTERNS
    day = format_date(local.date(), patterns[lang], locale=LANGUAGES[lang])
    if local.hour < AFTERNOON:
        return _("%(day)s morning", day=day)
    if local.hour < EVENING:
        return _("%(day)s afternoon", day=day)
    return _("%(day)s evening", day=day)


def format_sequence(items: list[str], lang: str | None = None) -> str:
    """A、B和C / A, B and C."""
    lang = lang or current_language()
    return format_list(items, locale=LANGUAGES[lang]) if items else ""


def format_moment(moment: datetime, timezone: str, lang: str | None = None) -> str:
    """2020年11月26日 星期四 09:00 / Thu 26 Nov 2020, 09:00, in the event's time zone."""
    lang = lang or current_language()
    separator = " " if lang == "zh" else ", "
    pattern = DATE_PATTERNS[lang] + separator + TIME_PATTERN
    return format_datetime(to_local(moment, timezone), pattern, locale=LANGUAGES[lang])


def format_zone(timezone: str, lang: str | None = None) -> str:
    """The time zone's everyday name: 中国时间 / China Time for Asia/Shanghai."""
    lang = lang or current_language()
    return get_timezone_name(ZoneInfo(timezone), locale=LANGUAGES[lang])
