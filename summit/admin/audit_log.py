"""Who changed what and when, filterable and paginated: /admin/<event>/audit for an
event's data, /admin/audit for the site's own (accounts, events, roles)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import select
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from .. import audit as audit_trail
from .. import labels
from ..auth.access import role_required
from ..events.current import current_event, require_event
from ..extensions import db
from ..forms import QueryForm, within_the_calendar
from ..i18n import format_moment, localized
from ..models import AuditEntry, Event, Role
from ..user_input import database_int
from . import bp
from .addresses import EVENT
from .navigation import add_entry

PER_PAGE = 50
# The "By" filter's choice for every attendee's own actions (one choice, not one per person).
ATTENDEES = "attendees"

add_entry("admin.event_audit", _l("Audit log"), roles=(Role.ORGANIZER,), order=80)
add_entry("admin.audit", _l("Site audit log"), roles=(), order=90)


class AuditFilterForm(QueryForm):
    """Read from the query string."""

    object_type = SelectField(_l("Object"), validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()])
    actor = SelectField(_l("By"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional(), within_the_calendar])
    until = DateField(_l("Until"), validators=[Optional(), within_the_calendar])


def _distinct(column, names: dict | None = None, *conditions) -> list[tuple[str, str]]:
    """The values found in ``column``, each shown by its name in ``names`` if it has one."""
    names = names or {}
    values = db.session.scalars(
        select(column).where(*conditions).distinct().order_by(column)).all()
    return [SelectChoice("", "—")] + [
        SelectChoice(value, names.get(value, value)) for value in values if value
    ]


def _by_attendee():
    return AuditEntry.user_id.is_(None) & AuditEntry.actor.like("attendee <%")


# Coded values of the entries' fields, in words.
_VALUE_WORDS = {
    "status": labels.REGISTRATION_STATUSES,
    "category": labels.CATEGORIES,
    "role": labels.ROLES,
}


def describe(name: str, value: Any, timezone: str, forum_names: dict[str, str]) -> str:
    """A value of an entry's before or after as the organizer reads it: codes in words,
    times in the event's zone, forums by name."""
    if value is None or value == "" or value == {} or value == []:
        return "∅"
    if isinstance(value, bool):
        return pgettext("audit value", "yes") if value else pgettext("audit value", "no")
    if name == "seats" and isinstance(value, dict):
        return "; ".join(
            _("%(forum)s: %(seat)s", forum=forum_names.get(slug, slug),
              seat=labels.SEAT_STATUSES.get(status, status))
            for slug, status in value.items())
    if name in _VALUE_WORDS and isinstance(value, str):
        return str(_VALUE_WORDS[name].get(value, value))
    if name.endswith("_at") and isinstance(value, str):
        try:
            return format_moment(datetime.fromisoformat(value), timezone)
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    text = str(value)
    return text if len(text) <= 160 else text[:159] + "…"


@bp.app_template_global("audit_value")
def audit_value(name: str, value: Any, forum_names: dict[str, str] | None = None) -> str:
    """``describe`` for templates: in the current event's time zone."""
    event = current_event()
    return describe(name, value, event.timezone if event else "UTC", forum_names or {})


bp.add_app_template_global(audit_trail.attendee_email, "audit_attendee")


def _local_midnight(day, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone)


@bp.get("/audit")
@role_required()
def audit():
    """The site's own changes: accounts, events, roles."""
    return _audit_page(None, ".audit")


@bp.get(f"{EVENT}/audit")
@role_required(Role.ORGANIZER)
def event_audit():
    """The changes to one event's data."""
    return _audit_page(require_event(), ".event_audit")


def _audit_page(event: Event | None, endpoint: str):
    of_this_log = AuditEntry.event_id == event.id if event else AuditEntry.event_id.is_(None)
    form = AuditFilterForm(request.args)
    form.object_type.choices = _distinct(AuditEntry.object_type, labels.AUDIT_OBJECTS,
                                         of_this_log)
    form.action.choices = _distinct(AuditEntry.action, labels.AUDIT_ACTIONS, of_this_log)
    form.actor.choices = _distinct(AuditEntry.actor, None, of_this_log, ~_by_attendee()) + [
        SelectChoice(ATTENDEES, _l("Attendees (their own actions)"))]
    form.validate()
    zone = ZoneInfo(event.timezone if event else "UTC")

    query = select(AuditEntry).where(of_this_log).order_by(AuditEntry.at.desc(),
                                                           AuditEntry.id.desc())
    if form.actor.data == ATTENDEES:
        query = query.where(_by_attendee())
    for field, column in ((form.object_type, AuditEntry.object_type),
                          (form.action, AuditEntry.action), (form.actor, AuditEntry.actor)):
        if field.data and field.data != ATTENDEES and not field.errors:
            query = query.where(column == field.data)
    if form.since.data and not form.since.errors:
        query = query.where(AuditEntry.at >= _local_midnight(form.since.data, zone))
    if form.until.data and not form.until.errors:
        query = query.where(
            AuditEntry.at < _local_midnight(form.until.data + timedelta(days=1), zone))

    page = db.paginate(query, page=request.args.get("page", 1, type=database_int),
                       per_page=PER_PAGE, error_out=False)
    arguments = {key: value for key, value in request.args.items() if key != "page" and value}

    def page_url(number: int) -> str:
        return url_for(endpoint, page=number, **arguments)

    forum_names = {forum.slug: str(localized(forum, "name"))
                   for forum in (event.forums if event else [])}
    return render_template("admin/audit.html", form=form, page=page, page_url=page_url,
                           forum_names=forum_names, event=event, endpoint=endpoint)
