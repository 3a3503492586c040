"""/api/v1/…: parse (flask-smorest checks each request against its schema), call
``service``, answer JSON. The programme is public; registrations, questions, check-in
and the status of group mails need a token of the event with the scope each operation
names (``access``)."""

from __future__ import annotations

import hashlib
import json

from flask import Response, abort, render_template, request, url_for
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import Conflict, Forbidden, UnprocessableEntity

from ..caching import programme_validators
from ..events.current import find_event, use_event
from ..extensions import csrf, db, limiter
from ..models import ApiScope, Event, Registration, RegistrationCategory
from ..outbox import deliver_after_response
from ..programme.service import programme_sessions, speakers_of
from ..registration.details import AttendeeDetails
from ..registration.errors import (
    OverlappingForums,
    RegistrationCancelled,
    RegistrationClosed,
    UnknownForum,
)
from ..registration.forms import RegistrationForm
from ..registration.forum_times import describe_clashes
from ..urls import external_url
from ..web import cache_control, conditional
from . import service
from .access import (
    InvalidToken,
    check_bearer,
    note_this_use,
    presented_bearer,
    rate_limit,
    rate_limit_key,
)
from .problems import KINDS, MEDIA_TYPE, problem
from .schemas import (
    CreatedRegistrationOut,
    EventOut,
    ForumOut,
    ForumsIn,
    MailCountsOut,
    MailingOut,
    Problem,
    QuestionOut,
    RegistrationIn,
    RegistrationOut,
    RegistrationPageOut,
    RegistrationQuery,
    ScanIn,
    ScanOut,
    SessionOut,
    SpeakerOut,
)
from .tokens import Bearer


class _JsonParser(FlaskParser):
    """webargs' parser, with a body Python's JSON reader refuses beyond its syntax (an
    integer of more than 4,300 digits) answered as invalid JSON, not a 500."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except ValueError as error:
            self._handle_invalid_json_error(json.JSONDecodeError(str(error), "-", 0), req)


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = _JsonParser()


blp = _Blueprint("api", __name__, url_prefix="/api/v1", description="Summit's REST API")
csrf.exempt(blp)  # tokens, never cookies: nothing for a forged form to ride on
limiter.limit(rate_limit, key_func=rate_limit_key)(blp)
blp.after_request(note_this_use)
PUBLIC = cache_control(max_age=0)
BEARER = [{"bearer": []}]

# Schemas made once: a schema is reusable, and making one costs more than what it dumps.
EVENT_OUT = EventOut()
FORUM_OUT = ForumOut()
CREATED_REGISTRATION_OUT = CreatedRegistrationOut()
REGISTRATION_OUT = RegistrationOut()
MAILING_OUT = MailingOut()
MAIL_COUNTS_OUT = MailCountsOut()


def refuse(error_class, detail: str, kind: str, **errors):
    """Raise ``error_class`` as a problem of ``kind`` (see problems.KINDS)."""
    error = error_class(detail)
    error.problem_kind = kind
    if errors:
        error.data = {"messages": {"json": errors}}
    raise error


def problems(*statuses: int):
    """Document the problem answers an operation may give; every one may give 400 (a
    NUL character in any address is refused before it is routed)."""
    def decorate(view):
        for status in (400, *statuses):
            view = blp.alt_response(status, schema=Problem, content_type=MEDIA_TYPE,
                                    description=_DESCRIPTIONS[status])(view)
        return view
    return decorate


_DESCRIPTIONS = {
    304: "Not modified: the client's copy (If-None-Match, If-Modified-Since) is current",
    400: "A NUL character (%00) in the address or its query; or a body that is not valid "
         "JSON",
    401: "No valid token (invalid-token)",
    403: "A token of another event (other-event), or without the scope (insufficient-scope); "
         "for a registration, registration-closed",
    404: "No such event (or a draft), or no such registration or mailing of the event",
    409: "already-registered, or registration-cancelled",
    413: "The body is larger than the site accepts",
    422: "Fields missing or wrong (invalid-fields, unknown-forum, overlapping-forums): "
         "see `errors`",
    429: "Too many requests for this token (or address); see Retry-After",
}


def needs(scope: ApiScope, *others: ApiScope):
    names = ", ".join(s.value for s in (scope, *others))
    return blp.doc(security=BEARER, description=f"Token scope: {names}.")


# --- the public programme ---------------------------------------------------------------


def _programme_reader(event_id: int | None) -> None:
    """Anyone may read the programme; a request that presents a token must present a
    valid one of this event with the read-programme scope."""
    bearer = presented_bearer()
    if bearer is not None:
        check_bearer(bearer, event_id, ApiScope.READ_PROGRAMME)


def _public_event(slug: str):
    version = service.public_event_version(db.session, slug)
    if version is None:
        abort(404)
    _programme_reader(version.id)
    return version


def _json(body) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    mimetype="application/json")


def _hashed(body) -> Response:
    """A JSON answer whose ETag is its content's hash: for what changes with more than
    the programme (seats left, an event's status); 304 when the client has it."""
    response = _json(body)
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers["Cache-Control"] = PUBLIC
    return response.make_conditional(request)


@blp.get("/events")
@blp.response(200, EventOut(many=True))
@problems(304, 401, 403, 429)
def events():
    """Published and archived events, the latest first (drafts never)."""
    _programme_reader(None)
    return _hashed(EventOut(many=True).dump(service.public_events(db.session)))


@blp.get("/events/<event_slug>")
@blp.response(200, EventOut)
@problems(304, 401, 403, 404, 429)
def event(event_slug: str):
    """One event."""
    version = _public_event(event_slug)
    validators = programme_validators(version, "api", "event", version.status)
    return conditional(validators, lambda: _json(EVENT_OUT.dump(find_event(
        db.session, version.slug))), PUBLIC)


@blp.get("/<event_slug>/forums")
@blp.response(200, ForumOut(many=True))
@problems(304, 401, 403, 404, 429)
def forums(event_slug: str):
    """The event's forums in their order, with the seats left in each."""
    version = _public_event(event_slug)
    rows = service.forums_with_seats_left(db.session, version.id)
    return _hashed([{**FORUM_OUT.dump(forum), "seats_left": left} for forum, left in rows])


@blp.get("/<event_slug>/sessions")
@blp.response(200, SessionOut(many=True))
@problems(304, 401, 403, 404, 429)
def sessions(event_slug: str):
    """Every session in time order, cancelled ones marked."""
    version = _public_event(event_slug)
    return conditional(programme_validators(version, "api", "sessions"), lambda: _json(
        SessionOut(many=True).dump(programme_sessions(db.session, version))), PUBLIC)


@blp.get("/<event_slug>/speakers")
@blp.response(200, SpeakerOut(many=True))
@problems(304, 401, 403, 404, 429)
def speakers(event_slug: str):
    """The event's speakers."""
    version = _public_event(event_slug)
    return conditional(programme_validators(version, "api", "speakers"), lambda: _json(
        SpeakerOut(many=True).dump(speakers_of(db.session, version))), PUBLIC)


# --- with a token -----------------------------------------------------------------------


def _token_event(slug: str, *scopes: ApiScope) -> tuple[Event, Bearer]:
    """The event of a token operation and the token: the token first (401), then the
    event (404), then whether the token may do this there (403)."""
    bearer = presented_bearer()
    if bearer is None:
        raise InvalidToken()
    found = find_event(db.session, slug) if len(slug) <= 64 else None
    if found is None:
        abort(404)
    check_bearer(bearer, found.id, *scopes)
    use_event(found)
    return found, bearer


def _registration(event: Event, registration_id: int) -> Registration:
    found = service.find_registration(db.session, event.id, registration_id)
    if found is None:
        abort(404)
    return found


def _forum_ids(event: Event, slugs: list[str]) -> list[int]:
    known = service.forum_ids_by_slug(db.session, event)
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        refuse(UnprocessableEntity, "Some fields are missing or wrong.", "invalid-fields",
               forums=[f"Not a parallel forum of this event: {', '.join(unknown)}"])
    return [known[slug] for slug in slugs]


def _refuse_forums(refused: Exception):
    if isinstance(refused, OverlappingForums):
        refuse(UnprocessableEntity, describe_clashes(refused.pairs), "overlapping-forums",
               forums=[describe_clashes(refused.pairs)])
    refuse(UnprocessableEntity, "One of the chosen forums no longer exists.", "unknown-forum")


@blp.get("/<event_slug>/questions")
@blp.response(200, QuestionOut(many=True))
@needs(ApiScope.READ_REGISTRATIONS, ApiScope.WRITE_REGISTRATIONS)
@problems(401, 403, 404, 429)
def questions(event_slug: str):
    """The event's questions on its registration form, in their order."""
    event, _bearer = _token_event(event_slug, ApiScope.READ_REGISTRATIONS,
                                  ApiScope.WRITE_REGISTRATIONS)
    return service.event_questions(db.session, event.id)


@blp.get("/<event_slug>/registrations")
@blp.arguments(RegistrationQuery(), location="query", as_kwargs=True)
@blp.response(200, RegistrationPageOut)
@needs(ApiScope.READ_REGISTRATIONS)
@problems(401, 403, 404, 422, 429)
def registrations(event_slug: str, cursor: str | None = None, limit: int = 50, **filters):
    """The event's registrations, oldest first, page by page: follow `next_cursor` (or
    the `Link: rel="next"` header) until it is null."""
    event, _bearer = _token_event(event_slug, ApiScope.READ_REGISTRATIONS)
    try:
        after = service.decode_cursor(cursor) if cursor else 0
    except service.BadCursor:
        refuse(UnprocessableEntity, "Some fields are missing or wrong.", "invalid-fields",
               cursor=["Not a cursor this API gave."])
    page = service.registration_page(db.session, event.id, service.RegistrationFilter(**filters),
                                     after, limit)
    headers = {}
    if page.next_cursor:
        query = {**request.args.to_dict(), "cursor": page.next_cursor}
        headers["Link"] = f'<{url_for(".registrations", event_slug=event.slug, **query)}>; ' \
                          'rel="next"'
    return {"items": page.items, "next_cursor": page.next_cursor}, 200, headers


@blp.get("/<event_slug>/registrations/<int:registration_id>")
@blp.response(200, RegistrationOut)
@needs(ApiScope.READ_REGISTRATIONS)
@problems(401, 403, 404, 429)
def registration(event_slug: str, registration_id: int):
    """One registration, with its seats and answers."""
    event, _bearer = _token_event(event_slug, ApiScope.READ_REGISTRATIONS)
    return _registration(event, registration_id)


@blp.post("/<event_slug>/registrations")
@blp.arguments(RegistrationIn())
@blp.response(201, CreatedRegistrationOut)
@needs(ApiScope.WRITE_REGISTRATIONS)
@problems(401, 403, 404, 409, 413, 422, 429)
def create_registration(body: dict, event_slug: str):
    """Register someone with the form's rules and mails: seats and waiting lists, forums
    that run at the same time, the questions asked of their category, a confirmation
    mail with their private link. An address registered already changes nothing (409)."""
    event, _bearer = _token_event(event_slug, ApiScope.WRITE_REGISTRATIONS)
    forum_ids = _forum_ids(event, body["forums"])
    form = RegistrationForm(formdata=MultiDict({
        **{name: body[name] for name in ("full_name", "email", "organisation", "latin_name",
                                         "phone", "job_title", "category")},
        "consent": "y" if body["consent"] else "",
    }), meta={"csrf": False})
    asked = service.asked_questions(db.session, event.id, body["category"])
    sheet = service.answer_sheet(asked, body["answers"])
    errors = {name: [str(message) for message in messages]
              for name, messages in form.errors.items()} if not form.validate() else {}
    asked_ids = {str(question.id) for question in asked}
    answer_errors = {str(qid): message for qid, message in sheet.errors.items()}
    answer_errors.update({key: "Not a question asked of this category."
                          for key in body["answers"] if key not in asked_ids})
    if answer_errors:
        errors["answers"] = answer_errors
    if errors:
        refuse(UnprocessableEntity, "Some fields are missing or wrong.", "invalid-fields",
               **errors)
    details = AttendeeDetails(
        full_name=form.full_name.data, email=form.email.data,
        latin_name=form.latin_name.data or "", phone=form.phone.data or "",
        organisation=form.organisation.data or "", job_title=form.job_title.data or "",
        category=RegistrationCategory(body["category"]), locale=body["locale"])
    try:
        result = service.register(db.session, event, details, forum_ids, sheet)
    except RegistrationClosed as closed:
        refuse(Forbidden, f"Registration is {closed.state.value.replace('_', ' ')}.",
               "registration-closed")
    except (UnknownForum, OverlappingForums) as refused:
        _refuse_forums(refused)
    if not result.created:
        # As the form: whoever sent a known address learns only that its owner was mailed.
        return deliver_after_response(problem(
            409 if result.mailed else 429,
            "This address is registered already; its owner has been mailed their link."
            if result.mailed else "This address is registered already and was mailed "
            "several times in the last hour.", kind="already-registered"))
    body = CREATED_REGISTRATION_OUT.dump(service.created_registration(
        result, dict(zip(forum_ids, body["forums"], strict=True)), sheet.values))
    body["private_link"] = external_url("attendee.page", token=result.token)
    response = _json(body)
    response.status_code = 201
    response.headers["Location"] = url_for(".registration", event_slug=event_slug,
                                           registration_id=result.registration_id)
    return deliver_after_response(response)


@blp.put("/<event_slug>/registrations/<int:registration_id>/forums")
@blp.arguments(ForumsIn())
@blp.response(200, RegistrationOut)
@needs(ApiScope.WRITE_REGISTRATIONS)
@problems(401, 403, 404, 409, 413, 422, 429)
def change_forums(body: dict, event_slug: str, registration_id: int):
    """Choose the registration's parallel forums: seats kept where still chosen, freed
    seats go to the next in line, new ones taken or waited for, as on the attendee's page."""
    event, _bearer = _token_event(event_slug, ApiScope.WRITE_REGISTRATIONS)
    found = _registration(event, registration_id)
    forum_ids = _forum_ids(event, body["forums"])
    try:
        service.change_forums(db.session, found, forum_ids)
    except RegistrationCancelled:
        refuse(Conflict, "This registration is cancelled.", "registration-cancelled")
    except (UnknownForum, OverlappingForums) as refused:
        _refuse_forums(refused)
    return deliver_after_response(_json(REGISTRATION_OUT.dump(
        _registration(event, registration_id))))


@blp.post("/<event_slug>/registrations/<int:registration_id>/cancel")
@blp.response(200, RegistrationOut)
@needs(ApiScope.WRITE_REGISTRATIONS)
@problems(401, 403, 404, 429)
def cancel(event_slug: str, registration_id: int):
    """Cancel the registration; its place and seats go to the first in line (mailed).
    Cancelling a cancelled registration changes nothing."""
    event, _bearer = _token_event(event_slug, ApiScope.WRITE_REGISTRATIONS)
    service.cancel(db.session, _registration(event, registration_id))
    return deliver_after_response(_json(REGISTRATION_OUT.dump(
        _registration(event, registration_id))))


@blp.post("/<event_slug>/check-ins")
@blp.arguments(ScanIn())
@blp.response(200, ScanOut)
@needs(ApiScope.CHECK_IN)
@problems(401, 403, 404, 413, 422, 429)
def check_in(body: dict, event_slug: str):
    """Scan a badge with the desk's rules: a confirmed registration is checked in once
    (`checked_in`); a second scan says when (`already`); a cancelled or waiting one, an
    unknown code or another event's badge is not admitted."""
    _event, bearer = _token_event(event_slug, ApiScope.CHECK_IN)
    return service.check_in(db.session, bearer, body["code"])


@blp.get("/<event_slug>/mailings")
@blp.response(200, MailingOut(many=True))
@needs(ApiScope.READ_REGISTRATIONS)
@problems(401, 403, 404, 429)
def mailings(event_slug: str):
    """The event's group mails, the newest first: each one's state, when it was or will be
    sent, and how many of its mails are queued, sent and failed."""
    event, _bearer = _token_event(event_slug, ApiScope.READ_REGISTRATIONS)
    return _json([_mailing_status(*found)
                  for found in service.event_mailings(db.session, event)])


@blp.get("/<event_slug>/mailings/<int:mailing_id>")
@blp.response(200, MailingOut)
@needs(ApiScope.READ_REGISTRATIONS)
@problems(401, 403, 404, 429)
def mailing(event_slug: str, mailing_id: int):
    """One group mail and how far its sending is."""
    event, _bearer = _token_event(event_slug, ApiScope.READ_REGISTRATIONS)
    found = service.find_mailing(db.session, event, mailing_id)
    if found is None:
        abort(404)
    return _json(_mailing_status(*found))


def _mailing_status(mailing, progress) -> dict:
    return {**MAILING_OUT.dump(mailing), "mails": MAIL_COUNTS_OUT.dump(progress)}


# --- the documentation --------------------------------------------------------------------


def docs_page(spec: dict):
    """/api/v1/docs: the OpenAPI document as a page, rendered on the server (no script)."""
    return render_template("api/docs.html", spec=spec, kinds=KINDS)
