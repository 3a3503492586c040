"""What the API reads and writes, as marshmallow schemas: flask-smorest checks requests
against them and builds the OpenAPI document from them. Texts come in pairs
(``…_zh``, ``…_en``) as in the models; times are ISO 8601 in UTC."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate

from ..models import MailingState, RegistrationCategory, RegistrationStatus
from ..registration.forms import SELF_SERVICE_CATEGORIES

LANGUAGES = ("zh", "en")


class Problem(Schema):
    """An error, as RFC 9457 problem details (``application/problem+json``)."""

    type = fields.String(metadata={"description": "A URI naming the kind of problem; "
                                   "about:blank when the status says it all"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String(metadata={"description": "The path that was asked for"})
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "Per field of the request: what is wrong with it"})


class EventOut(Schema):
    slug = fields.String()
    status = fields.String(metadata={"description": "published or archived (a draft never shows)"})
    name_zh = fields.String()
    name_en = fields.String()
    theme_zh = fields.String()
    theme_en = fields.String()
    description_zh = fields.String()
    description_en = fields.String()
    city_zh = fields.String()
    city_en = fields.String()
    venue_zh = fields.String()
    venue_en = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    timezone = fields.String()
    website = fields.String()
    registration_opens_at = fields.DateTime(allow_none=True)
    registration_closes_at = fields.DateTime(allow_none=True)
    capacity = fields.Integer(allow_none=True)


class ForumOut(Schema):
    slug = fields.String()
    kind = fields.String(metadata={"description": "main (everyone) or parallel (chosen)"})
    name_zh = fields.String()
    name_en = fields.String()
    description_zh = fields.String()
    description_en = fields.String()
    room_zh = fields.String()
    room_en = fields.String()
    colour = fields.String()
    capacity = fields.Integer(allow_none=True)
    seats_left = fields.Integer(allow_none=True,
                                metadata={"description": "Free seats now; null: no limit"})


class _Id(Schema):
    id = fields.Integer()


class SessionOut(Schema):
    id = fields.Integer()
    forum = fields.String(attribute="forum.slug")
    kind = fields.String()
    title_zh = fields.String()
    title_en = fields.String()
    abstract_zh = fields.String()
    abstract_en = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    room_zh = fields.String(attribute="room_zh_or_forum")
    room_en = fields.String(attribute="room_en_or_forum")
    cancelled = fields.Boolean()
    sequence = fields.Integer()
    speakers = fields.Pluck(_Id, "id", many=True, metadata={"description": "Speaker ids, in order"})


class SpeakerOut(Schema):
    id = fields.Integer()
    name_zh = fields.String()
    name_en = fields.String()
    honorific_zh = fields.String()
    honorific_en = fields.String()
    affiliation_zh = fields.String()
    affiliation_en = fields.String()
    bio_zh = fields.String()
    bio_en = fields.String()


class OptionOut(Schema):
    key = fields.String()
    label_zh = fields.String()
    label_en = fields.String()


class QuestionOut(Schema):
    id = fields.Integer(metadata={"description": "The key of its answer in `answers`"})
    kind = fields.String(metadata={"description": "short_text, long_text, choice, multiple, "
                                   "yes_no, number or date"})
    label_zh = fields.String()
    label_en = fields.String()
    help_zh = fields.String()
    help_en = fields.String()
    required = fields.Boolean()
    categories = fields.List(fields.String(), metadata={
        "description": "The categories it is asked of; empty: everyone"})
    options = fields.Method("active_options", metadata={"type": "array", "items": {
        "type": "object", "properties": {"key": {"type": "string"}, "label_zh": {
            "type": "string"}, "label_en": {"type": "string"}}}})
    condition_question_id = fields.Integer(allow_none=True, metadata={
        "description": "Asked only when that question's answer is `condition_value`"})
    condition_value = fields.String()

    def active_options(self, question) -> list[dict]:
        return OptionOut(many=True).dump([c for c in question.choices if not c.retired])


class SeatOut(Schema):
    forum = fields.String(attribute="forum.slug")
    status = fields.String(metadata={"description": "confirmed, waitlisted or cancelled"})


class RegistrationOut(Schema):
    id = fields.Integer()
    full_name = fields.String()
    latin_name = fields.String()
    email = fields.String()
    phone = fields.String()
    organisation = fields.String()
    job_title = fields.String()
    category = fields.String()
    status = fields.String(metadata={"description": "confirmed, waitlisted or cancelled"})
    locale = fields.String()
    checkin_code = fields.String(metadata={"description": "What the badge's QR code carries"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    cancelled_at = fields.DateTime(allow_none=True)
    checked_in_at = fields.DateTime(allow_none=True)
    seats = fields.List(fields.Nested(SeatOut))
    answers = fields.Method("answers_by_question", metadata={
        "type": "object", "additionalProperties": True,
        "description": "Question id → answer (string, number, boolean, list of keys)"})

    def answers_by_question(self, registration) -> dict:
        return {str(answer.question_id): answer.value for answer in registration.answers}


class CreatedRegistrationOut(RegistrationOut):
    private_link = fields.String(metadata={
        "description": "The attendee's own page, as the form shows it to whoever registered"})


class RegistrationPageOut(Schema):
    items = fields.List(fields.Nested(RegistrationOut))
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "Pass as `cursor` for the next page; null on the last one"})


class RegistrationQuery(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in RegistrationStatus]))
    category = fields.String(validate=validate.OneOf([c.value for c in RegistrationCategory]))
    forum = fields.String(validate=validate.Length(max=64),
                          metadata={"description": "A forum's slug: a seat held or waited for"})
    email = fields.String(validate=validate.Length(max=254))
    updated_since = fields.AwareDateTime(default_timezone=UTC, metadata={
        "description": "Changed at or after this time (ISO 8601; UTC when no offset), "
                       "and up to 30 s before it: a change is seen a moment after the time "
                       "it carries, so polling with the last poll's time misses nothing "
                       "(keep what you have by id)"})
    cursor = fields.String(validate=validate.Length(max=100))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class RegistrationIn(Schema):
    full_name = fields.String(required=True)
    email = fields.String(required=True)
    organisation = fields.String(required=True)
    latin_name = fields.String(load_default="")
    phone = fields.String(load_default="")
    job_title = fields.String(load_default="")
    category = fields.String(
        load_default=RegistrationCategory.DELEGATE.value,
        validate=validate.OneOf([c.value for c in SELF_SERVICE_CATEGORIES]))
    locale = fields.String(load_default="zh", validate=validate.OneOf(LANGUAGES),
                           metadata={"description": "The language of the attendee's mails"})
    consent = fields.Boolean(required=True, metadata={
        "description": "The attendee agreed that the organizers keep these details"})
    forums = fields.List(fields.String(), load_default=list, validate=validate.Length(max=100),
                         metadata={"description": "Slugs of parallel forums"})
    answers = fields.Dict(keys=fields.String(validate=validate.Regexp(r"\d{1,18}\Z")),
                          values=fields.Raw(allow_none=True), load_default=dict, metadata={
                              "description": "Question id → answer, as `questions` lists them"})


class ForumsIn(Schema):
    forums = fields.List(fields.String(), required=True, validate=validate.Length(max=100),
                         metadata={"description": "Slugs of parallel forums"})


class ScanIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"description": "What the badge's QR code carries"})


class AttendeeOut(Schema):
    id = fields.Integer()
    full_name = fields.String()
    latin_name = fields.String()
    organisation = fields.String()
    category = fields.String()
    status = fields.String()
    checked_in_at = fields.DateTime(allow_none=True)


class ScanOut(Schema):
    outcome = fields.String(metadata={"description": "checked_in, already, cancelled, "
                                      "waitlisted, unknown or other_event"})
    admitted = fields.Boolean()
    attendee = fields.Nested(AttendeeOut, allow_none=True)
    other_event = fields.String(allow_none=True, attribute="other_event.slug",
                                metadata={"description": "For other_event: that event's slug"})



class MailCountsOut(Schema):
    queued = fields.Integer(metadata={"description": "Queued, not sent yet"})
    sent = fields.Integer(metadata={"description": "Accepted by the mail server"})
    failed = fields.Integer(metadata={
        "description": "Their last try failed; tried again with growing pauses"})


class MailingOut(Schema):
    """A group mail to some of the event's registrations, and how far its sending is."""

    id = fields.Integer()
    subject_zh = fields.String()
    subject_en = fields.String()
    state = fields.String(metadata={"description": ", ".join(s.value for s in MailingState)})
    created_at = fields.DateTime()
    send_at = fields.DateTime(allow_none=True, metadata={
        "description": "When it is scheduled to go out, or when it was sent; null for a "
                       "draft"})
    queued_at = fields.DateTime(allow_none=True, metadata={
        "description": "When its mails were queued for sending; null before"})
    finished_at = fields.DateTime(allow_none=True, metadata={
        "description": "When its last mail was sent or failed; null before"})
    recipient_count = fields.Integer(metadata={
        "description": "How many registrations it was queued for"})
    mails = fields.Nested(MailCountsOut, metadata={
        "description": "Its mails by how far they are (tests to organizers not counted)"})
