"""The programme editor's forms. Content comes in pairs, Chinese and English side by
side; times are typed in the event's time zone and handed on in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields import ColorField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ...badges.layouts import DEFAULT_LAYOUT, LAYOUTS, SINGLE_BADGE_LAYOUTS
from ...events.current import current_event
from ...forms import clean_block, clean_text, printable, printable_lines, within_the_calendar
from ...i18n import localized
from ...labels import CO_HOST_ROLES, FORUM_KINDS, SESSION_KINDS
from ...models import CoHostRole, Event, ForumKind, SessionKind
from ...user_input import MAX_DATABASE_INTEGER
from ...web import DEFAULT_FORUM_COLOUR, HEX_COLOUR

TIMEZONES = sorted(available_timezones())
# The name of an event, a forum or an institution (名称), not of a person (姓名).
THING_NAME = lazy_pgettext("thing", "Name")
# Empty speaker places offered below the chosen ones.
SPARE_SPEAKER_PLACES = 3


def capacity_field(label) -> IntegerField:
    """How many people fit: none or more, and a number the database can hold."""
    return IntegerField(label, validators=[
        Optional(), NumberRange(min=0, message=_l("Zero or more.")),
        NumberRange(max=MAX_DATABASE_INTEGER, message=_l("At most %(max)d."))])


def labelled(labels: dict) -> list[SelectChoice]:
    """An enum's members as choices, each with its label from summit.labels."""
    return [SelectChoice(member, label) for member, label in labels.items()]


def http_url(form, field) -> None:
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_l("Enter a web address starting with https:// or http://."))


def _max(length: int) -> Length:
    return Length(max=length, message=_l("At most %(max)d characters."))


def pair(label, length: int | None = None, block: bool = False) -> tuple:
    """A content field in Chinese and in English: two fields that the form shows side
    by side under ``label`` (kept as their description)."""
    field_class = TextAreaField if block else StringField
    validators = [_max(length)] if length else []
    validators.append(printable_lines if block else printable)
    options = {"description": label, "validators": validators,
               "filters": [clean_block if block else clean_text]}
    return (field_class("中文", render_kw={"lang": "zh-Hans"}, **options),
            field_class("English", render_kw={"lang": "en"}, **options))


def event_zone() -> tzinfo | None:
    """The zone in which the admin types times: the current event's."""
    event = current_event()
    return ZoneInfo(event.timezone) if event is not None else None


def local_time(label, required: bool = True) -> DateTimeLocalField:
    validators = ([InputRequired(message=_l("Enter a date and time."))] if required
                  else [Optional()])
    return DateTimeLocalField(label, format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                              tz=event_zone, validators=validators)


def in_utc(value: datetime | None, zone: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(UTC)


class ProgrammeForm(FlaskForm):
    """Rows of fields to show (a name, or a Chinese/English pair), which of the
    model's fields it edits, and which pairs need at least one language."""

    layout: tuple = ()
    model_fields: tuple[str, ...] = ()
    required_pairs: tuple[str, ...] = ()

    def load(self, obj: object) -> None:
        """Fill the fields from a saved object (to show it for editing)."""
        for name in self.model_fields:
            self[name].data = getattr(obj, name)

    def prepare(self, event: Event, session) -> None:
        """Offer the event's choices (forums, speakers) before validation."""

    def values(self, event: Event | None) -> dict[str, Any]:
        return {name: self[name].data for name in self.model_fields}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for stem in self.required_pairs:
            if not (self[f"{stem}_zh"].data or self[f"{stem}_en"].data):
                self[f"{stem}_zh"].errors.append(_l("Fill in at least one language."))
                valid = False
        return valid


def _bilingual_rows(*stems: str) -> tuple:
    return tuple((f"{stem}_zh", f"{stem}_en") for stem in stems)


class EventForm(ProgrammeForm):
    slug = StringField(
        _l("Short name for addresses"),
        filters=[clean_text],
        validators=[InputRequired(message=_l("Please fill this in.")), _max(64),
                    Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                           message=_l("Lower-case letters, digits and hyphens only."))],
    )
    name_zh, name_en = pair(THING_NAME, 300)
    theme_zh, theme_en = pair(_l("Theme"), 300)
    city_zh, city_en = pair(_l("City"), 100)
    venue_zh, venue_en = pair(_l("Venue"), 300)
    description_zh, description_en = pair(_l("Description"), block=True)
    starts_on = DateField(_l("First day"),
                          validators=[InputRequired(message=_l("Enter a date.")),
                                      within_the_calendar])
    ends_on = DateField(_l("Last day"), validators=[InputRequired(message=_l("Enter a date.")),
                                                    within_the_calendar])
    timezone = SelectField(_l("Time zone"), choices=TIMEZONES, default="Asia/Shanghai")
    default_locale = SelectField(
        _l("Default language"), choices=[SelectChoice("zh", "中文"), SelectChoice("en", "English")])
    website = URLField(_l("Website"), filters=[clean_text], validators=[_max(500), http_url])
    contact_email = EmailField(
        _l("Contact email"), filters=[clean_text],
        validators=[Optional(), _max(254),
                    Email(message=_l("Enter a valid email address."),
                          check_deliverability=False)])
    registration_opens_at = local_time(_l("Registration opens"), required=False)
    registration_closes_at = local_time(_l("Registration closes"), required=False)
    capacity = capacity_field(_l("Capacity (people)"))
    show_both_languages = BooleanField(_l("Show titles in both languages on the agenda"))
    allow_overlapping_forums = BooleanField(
        _l("Let attendees choose parallel forums that run at the same time"))
    badge_layout = SelectField(
        _l("Badge printed at the desk"),
        choices=lambda: [SelectChoice(key, LAYOUTS[key].label) for key in SINGLE_BADGE_LAYOUTS],
        default=DEFAULT_LAYOUT)
    certificates_from = local_time(_l("Certificates of attendance from"), required=False)

    layout = (
        "slug", *_bilingual_rows("name", "theme", "city", "venue", "description"),
        ("starts_on", "ends_on"), ("timezone", "default_locale"), ("website", "contact_email"),
        ("registration_opens_at", "registration_closes_at"), "capacity",
        "show_both_languages", "allow_overlapping_forums",
        ("badge_layout", "certificates_from"),
    )
    # Not a column: asks save_event to move the programme with a new first day.
    move_sessions = BooleanField(
        _l("Move every session by as many days as the first day moves (same times)"))
    model_fields = (
        "slug", "name_zh", "name_en", "theme_zh", "theme_en", "city_zh", "city_en", "venue_zh",
        "venue_en", "description_zh", "description_en", "starts_on", "ends_on", "timezone",
        "default_locale", "website", "contact_email", "registration_opens_at",
        "registration_closes_at", "capacity", "show_both_languages", "allow_overlapping_forums",
        "badge_layout", "certificates_from",
    )
    required_pairs = ("name",)

    def for_existing_event(self) -> None:
        """The slug names the event in settings and addresses; it is fixed once created."""
        del self.slug
        self.model_fields = tuple(name for name in self.model_fields if name != "slug")
        layout = [row for row in self.layout if row != "slug"]
        layout.insert(layout.index(("starts_on", "ends_on")) + 1, "move_sessions")
        self.layout = tuple(layout)

    def values(self, event: Event | None) -> dict[str, Any]:
        values = super().values(event)
        for name in ("registration_opens_at", "registration_closes_at", "certificates_from"):
            values[name] = in_utc(values[name], self.timezone.data)
        values["website"] = values["website"] or ""
        values["contact_email"] = values["contact_email"] or ""
        return values

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot come before the first."))

    def validate_registration_closes_at(self, field) -> None:
        opens = self.registration_opens_at.data
        if opens and field.data and field.data <= opens:
            raise ValidationError(_l("Registration must close after it opens."))


class CoHostForm(ProgrammeForm):
    name_zh, name_en = pair(THING_NAME, 300)
    role = SelectField(_l("Role"), choices=labelled(CO_HOST_ROLES), coerce=CoHostRole,
                       default=CoHostRole.CO_HOST)
    website = URLField(_l("Website"), filters=[clean_text], validators=[_max(500), http_url])

    layout = (("name_zh", "name_en"), ("role", "website"))
    model_fields = ("name_zh", "name_en", "role", "website")
    required_pairs = ("name",)

    def values(self, event: Event | None) -> dict[str, Any]:
        return {**super().values(event), "website": self.website.data or ""}


class ForumForm(ProgrammeForm):
    name_zh, name_en = pair(THING_NAME, 300)
    slug = StringField(
        _l("Short name for addresses"),
        filters=[clean_text],
        validators=[InputRequired(message=_l("Please fill this in.")), _max(64),
                    Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                           message=_l("Lower-case letters, digits and hyphens only."))],
    )
    kind = SelectField(_l("Kind"), choices=labelled(FORUM_KINDS), coerce=ForumKind,
                       default=ForumKind.PARALLEL)
    room_zh, room_en = pair(_l("Room"), 200)
    capacity = capacity_field(_l("Seats"))
    colour = ColorField(
        _l("Colour"), default=DEFAULT_FORUM_COLOUR,
        filters=[lambda value: value and value.lower()],
        validators=[InputRequired(message=_l("Choose a colour.")),
                    Regexp(HEX_COLOUR, message=_l("A colour like #1f6feb."))])
    description_zh, description_en = pair(_l("Description"), block=True)

    layout = (("name_zh", "name_en"), ("slug", "kind"), ("room_zh", "room_en"),
              ("capacity", "colour"), ("description_zh", "description_en"))
    model_fields = ("name_zh", "name_en", "slug", "kind", "room_zh", "room_en", "capacity",
                    "colour", "description_zh", "description_en")
    required_pairs = ("name",)


class SpeakerForm(ProgrammeForm):
    name_zh, name_en = pair(_l("Name"), 200)
    honorific_zh, honorific_en = pair(_l("Honorific (academician, professor…)"), 100)
    affiliation_zh, affiliation_en = pair(_l("Affiliation"), 300)
    bio_zh, bio_en = pair(_l("Biography"), block=True)
    photo = FileField(_l("Photo (PNG, JPEG or WebP, at most 2 MB)"),
                      render_kw={"accept": "image/png,image/jpeg,image/webp"})
    remove_photo = BooleanField(_l("Remove the photo"))

    layout = (*_bilingual_rows("name", "honorific", "affiliation", "bio"), "photo")
    model_fields = ("name_zh", "name_en", "honorific_zh", "honorific_en", "affiliation_zh",
                    "affiliation_en", "bio_zh", "bio_en")
    required_pairs = ("name",)


class SessionForm(ProgrammeForm):
    title_zh, title_en = pair(_l("Title"), 300)
    forum_id = SelectField(_l("Forum"), coerce=int, choices=[])
    kind = SelectField(_l("Kind"), choices=labelled(SESSION_KINDS), coerce=SessionKind,
                       default=SessionKind.TALK)
    starts_at = local_time(_l("Starts"))
    ends_at = local_time(_l("Ends"))
    room_zh, room_en = pair(_l("Room (empty: the forum's room)"), 200)
    abstract_zh, abstract_en = pair(_l("Abstract"), block=True)
    cancelled = BooleanField(_l("Cancelled (stays on the agenda, struck through)"))
    # Speakers in order; 0 leaves a place empty.
    speakers = FieldList(SelectField(_l("Speaker"), coerce=int, choices=[], default=0),
                         label=_l("Speakers, in this order"), min_entries=SPARE_SPEAKER_PLACES)

    layout = (("title_zh", "title_en"), ("forum_id", "kind"), ("starts_at", "ends_at"),
              ("room_zh", "room_en"), ("abstract_zh", "abstract_en"), "cancelled")
    model_fields = ("title_zh", "title_en", "forum_id", "kind", "starts_at", "ends_at",
                    "room_zh", "room_en", "abstract_zh", "abstract_en", "cancelled")
    required_pairs = ("title",)

    def load(self, obj) -> None:
        super().load(obj)
        while self.speakers.entries:
            self.speakers.pop_entry()
        for link in obj.speaker_links:
            self.speakers.append_entry(link.speaker_id)
        for _ in range(SPARE_SPEAKER_PLACES):
            self.speakers.append_entry(0)

    def prepare(self, event: Event, session) -> None:
        self.forum_id.choices = [SelectChoice(forum.id, localized(forum, "name"))
                                for forum in event.forums]
        speakers = sorted(event.speakers, key=lambda s: (s.name_zh or s.name_en).casefold())
        choices = [SelectChoice(0, "—")] + [SelectChoice(speaker.id, _speaker_choice(speaker))
                                            for speaker in speakers]
        for entry in self.speakers:
            entry.choices = choices

    def speaker_ids(self) -> list[int]:
        return [entry.data for entry in self.speakers if entry.data]

    def speaker_list_errors(self) -> list[str]:
        """Errors about the list as a whole (one place's own errors are lists)."""
        return [str(error) for error in self.speakers.errors if not isinstance(error, list)]

    def validate_speakers(self, field) -> None:
        chosen = self.speaker_ids()
        if len(chosen) != len(set(chosen)):
            raise ValidationError(_l("A speaker is listed twice."))

    def values(self, event: Event | None) -> dict[str, Any]:
        values = super().values(event)
        for name in ("starts_at", "ends_at"):
            values[name] = in_utc(values[name], event.timezone)
        return values


def _speaker_choice(speaker) -> str:
    names = " / ".join(name for name in (speaker.name_zh, speaker.name_en) if name)
    affiliation = localized(speaker, "affiliation")
    return f"{names} ({affiliation})" if affiliation else names


class ShareImageForm(FlaskForm):
    """The event's own picture for shared links; without a file, Remove goes back to the
    drawn one."""

    image = FileField(_l("Picture (PNG, JPEG or WebP, at most 2 MB; cropped to 1200×630)"),
                      render_kw={"accept": "image/png,image/jpeg,image/webp"})
