"""Form pieces that several areas share: clean text, phone numbers, checkbox lists."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

PHONE_CHARACTERS = re.compile(r"\+?[0-9 ()./-]+")
LATIN_NAME = re.compile(r"[A-Za-zÀ-ɏ' .,-]+")


def clean_text(value: str | None) -> str | None:
    """A filter: Unicode NFC, runs of whitespace collapsed, ends trimmed."""
    if value is None:
        return None
    return " ".join(unicodedata.normalize("NFC", value).split())


def clean_block(value: str | None) -> str | None:
    """A filter for several lines: Unicode NFC, Unix line ends, no trailing spaces."""
    if value is None:
        return None
    lines = unicodedata.normalize("NFC", value).replace("\r\n", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _refuse_invisible(text: str | None, allowed: str = "") -> None:
    if text and any(unicodedata.category(char).startswith("C") and char not in allowed
                    for char in text):
        raise ValidationError(_l("This contains characters that cannot be printed."))


def printable(form, field) -> None:
    """Refuse control and other invisible characters (a text field is one line)."""
    _refuse_invisible(field.data)


def printable_lines(form, field) -> None:
    """Refuse control and other invisible characters but line breaks and tabs, in a
    text of several lines (a NUL, which PostgreSQL cannot store, above all)."""
    _refuse_invisible(field.data, allowed="\n\t")


def phone_number(form, field) -> None:
    """Loose: digits with the usual separators, 6 to 15 digits, an optional leading +
    (+86 138 0013 8000 and 13800138000 both pass)."""
    if not field.data:
        return
    digits = sum(char.isdigit() for char in field.data)
    if not PHONE_CHARACTERS.fullmatch(field.data) or not 6 <= digits <= 15:
        raise ValidationError(_l("Enter a phone number, for example +86 138 0013 8000."))


def latin_letters(form, field) -> None:
    if field.data and not LATIN_NAME.fullmatch(field.data):
        raise ValidationError(_l("Use Latin letters only, for example Liu Yunjie."))


def within_the_calendar(form, field) -> None:
    """Refuse the first and last days Python knows (0001-01-01, 9999-12-31): midnight
    on them in some time zone, or the day after, is no datetime at all."""
    if field.data and not date(1, 1, 2) <= field.data <= date(9999, 12, 30):
        raise ValidationError(field.gettext("Not a valid date value."))


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class QueryForm(FlaskForm):
    """A form read from the query string (filters, sorting, a page): it changes nothing,
    so it needs no CSRF token, and a value of spaces only is no value (a blank filter
    is ignored, never looked up)."""

    class Meta:
        csrf = False

        def bind_field(self, form, unbound_field, options):
            filters = [_stripped, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, filters=filters, **options)
