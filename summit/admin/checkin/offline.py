"""The desk as an app that works offline: its manifest and service worker, the list it
keeps on the device (``desk.json``), and the queue of scans it sends back (``sync.json``).

Every answer here is for the event's check-in staff and organizers only, and private:
``Cache-Control: private, no-store`` (the house default; the desk keeps its own copy in
IndexedDB and asks with ``If-None-Match``). The POSTs are JSON with the page's CSRF token
in ``X-CSRFToken``: another site can neither send JSON here without a preflight nor
know the token.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, request, url_for
from flask_babel import gettext as _

from ...auth.access import acting_user, role_required
from ...checkin import sync
from ...checkin.doors import door_forum
from ...checkin.sync import BadBatch, QueuedScan
from ...events.current import require_event
from ...extensions import db
from ...i18n import current_language, format_clock, localized
from ...models import utcnow
from ...registration.errors import ForumFull, NotWaiting
from .. import bp
from ..addresses import EVENT
from .views import DESK, answer, progress

# Served from the desk's own address, so that its scope can be the desk.
SERVICE_WORKER = Path("js/desk-sw.js")


def _millis(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def _cursor(text: str | None) -> datetime | None:
    """The desk's cursor back (milliseconds since 1970), or None for the whole list."""
    try:
        return datetime.fromtimestamp(int(text) / 1000, UTC) if text else None
    except (ValueError, OverflowError, OSError):
        return None


@bp.get(f"{EVENT}/checkin/desk.json")
@role_required(*DESK)
def desk_list():
    """The whole list (``304`` when the desk's copy is current), or with ``?since=`` what
    changed since; with either, the count, the newest scans at every desk, the conflicts,
    and at ``?door=`` the door's figures."""
    event = require_event()
    since = _cursor(request.args.get("since"))
    if since is None:
        version = (*sync.list_version(db.session, event.id), current_language())
        etag = hashlib.sha256(repr(version).encode()).hexdigest()[:32]
        if request.if_none_match.contains(etag):
            return "", 304, {"ETag": f'"{etag}"'}
    entries, cursor = sync.desk_entries(db.session, event.id, since)
    door_id = request.args.get("door", type=int)
    door = door_forum(db.session, event.id, door_id) if door_id else None
    body = {
        "full": since is None,
        "cursor": _millis(cursor),
        "people": [{
            "id": entry.id, "code": entry.code, "name": entry.name,
            "latin_name": entry.latin_name, "organisation": entry.organisation,
            "category": entry.category, "status": entry.status,
            "checked_in_at": _millis(entry.checked_in_at),
            "seats": {str(forum_id): status for forum_id, status in entry.seats.items()},
        } for entry in entries],
        **_desk_state(event, door),
    }
    headers = {"ETag": f'"{etag}"'} if since is None else {}
    return body, 200, headers


def _desk_state(event, door) -> dict:
    """What every desk refreshes every few seconds: the count, the newest scans, the
    conflicts, and the door's figures."""
    def seen(scan: sync.SeenScan) -> dict:
        return {
            "name": scan.name, "outcome": scan.outcome,
            "desk": _("API · %(token)s", token=scan.desk) if scan.through_api else scan.desk,
            "time": format_clock(scan.scanned_at, event.timezone),
            "conflict": scan.conflict,
            "first": _("first let in at %(time)s at %(desk)s",
                       time=format_clock(scan.first_at, event.timezone),
                       desk=scan.first_desk or _("the desk"))
            if scan.conflict and scan.first_at else "",
        }
    state = {
        "progress": progress(event),
        "recent": [seen(scan) for scan in sync.recent_scans(
            db.session, event.id, door.id if door else None)],
        "conflicts": [seen(scan) for scan in sync.conflicts(db.session, event.id)],
        "door": None,
    }
    if door is not None:
        count = sync.door_count(db.session, door)
        state["door"] = {
            "id": door.id, "attended": count.attended, "free": count.free,
            "summary": _("%(attended)d came in · seats without limit", attended=count.attended)
            if count.free is None else
            _("%(attended)d came in · %(free)d free seats", attended=count.attended,
              free=count.free),
        }
    return state


def _problem(message: str, status: int = 422):
    return {"title": message, "status": status}, status, {
        "Content-Type": "application/problem+json"}


@bp.post(f"{EVENT}/checkin/sync.json")
@role_required(*DESK)
def desk_sync():
    """A desk's queue of scans, each taken in once (by its id), each answered."""
    event = require_event()
    try:
        queue = sync.read_queue(request.get_json(silent=True), utcnow())
    except BadBatch as error:
        return _problem(str(error))
    doors = {forum.id: forum for forum in event.forums}
    answers = []
    for synced in sync.sync_queue(db.session, event.id, queue, acting_user()):
        item = answer(synced.scan, event, doors.get(synced.queued.forum_id))
        item.update(id=synced.queued.scan_id, conflict=synced.conflict,
                    problem=synced.queued.problem or None)
        answers.append(item)
    return {"scans": answers, "progress": progress(event)}


@bp.post(f"{EVENT}/checkin/door-admit.json")
@role_required(*DESK)
def door_admit():
    """One tap at a forum's door: seat someone from its waiting list while seats are free."""
    event = require_event()
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _problem(_("Send the person and the door."))
    (queued,) = sync.read_queue({"scans": [{**data, "code": ""}]}, utcnow())
    forum = door_forum(db.session, event.id, queued.forum_id) if queued.forum_id else None
    registration_id = data.get("registration")
    if queued.problem or forum is None or not isinstance(registration_id, int):
        return _problem(_("Send the person and the door."))
    queued = QueuedScan(queued.scan_id, scanned_at=queued.scanned_at, desk=queued.desk,
                        forum_id=forum.id)
    try:
        scan = sync.seat_at_door(db.session, event.id, forum, registration_id, queued,
                                 acting_user())
    except ForumFull:
        db.session.rollback()
        return _problem(_("No free seat in %(forum)s: not admitted.",
                          forum=localized(forum, "name")), 409)
    except NotWaiting:
        db.session.rollback()
        return _problem(_("This person is not on the forum’s waiting list."), 409)
    if scan is None:
        return _problem(_("Unknown person."), 404)
    return {**answer(scan, event, forum), "id": queued.scan_id, "progress": progress(event)}


@bp.get(f"{EVENT}/checkin/manifest.webmanifest")
@role_required(*DESK)
def desk_manifest():
    event = require_event()
    desk = url_for(".checkin")
    body = {
        "name": f"{localized(event, 'name')} · {_('Check-in desk')}",
        "short_name": _("Check-in desk"),
        "start_url": desk,
        "scope": desk,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f6feb",
        "icons": [{"src": url_for("static", filename="img/favicon.svg"),
                   "sizes": "any", "type": "image/svg+xml"}],
    }
    return body, 200, {"Content-Type": "application/manifest+json"}


@bp.get(f"{EVENT}/checkin/sw.js")
@role_required(*DESK)
def desk_service_worker():
    """static/js/desk-sw.js, from the desk's address: its scope is the desk and what is
    under it (``Service-Worker-Allowed``), and the browser checks it for a new version
    on every visit (``no-cache``)."""
    require_event()
    source = Path(current_app.static_folder, SERVICE_WORKER).read_bytes()
    return source, 200, {
        "Content-Type": "text/javascript; charset=utf-8",
        "Service-Worker-Allowed": url_for(".checkin"),
        "Cache-Control": "no-cache",
    }
