"""/admin/checkin: the check-in desk, for check-in staff and organizers.

A USB scanner types the badge's code and Enter into a field that keeps focus; a
phone or laptop camera reads the QR code where the browser has BarcodeDetector
(static/js/checkin.js); anyone can search by name. Without JavaScript each scan
is a plain form POST; with it, the desk answers from the list it keeps on the device
and sends its scans to ``desk_sync`` (offline.py). ``?door=<forum id>`` keeps a forum's
door instead of the entrance.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...auth.access import acting_user, may_current_user_open, role_required
from ...checkin.doors import door_forum
from ...checkin.service import (
    Outcome,
    Scan,
    check_in_registration,
    find_at_desk,
    undo_check_in,
)
from ...checkin.sync import scan_once
from ...events.current import require_event
from ...extensions import db
from ...i18n import format_clock, format_day, localized
from ...labels import CATEGORIES
from ...models import Role
from ...registration.listing import checked_in_progress
from .. import bp
from ..addresses import EVENT
from ..navigation import add_entry
from .forms import CheckInForm, DeskSearchForm, ScanForm, UndoForm

DESK = (Role.CHECKIN, Role.ORGANIZER)

add_entry("admin.checkin", _l("Check-in desk"), roles=DESK, order=40)


# How the answer looks besides its colour: a sign and a word the desk sees at a glance.
_TONES = {
    Outcome.CHECKED_IN: ("ok", "✓", _l("Admitted")),
    Outcome.ALREADY: ("already", "↻", _l("Already checked in")),
}
_REFUSED = ("bad", "✕", _l("Not admitted"))
# Lazy: a queue of a thousand scans translates only the messages it shows.
_MESSAGES = {
    Outcome.CHECKED_IN: _l("Welcome! Checked in."),
    Outcome.CANCELLED: _l("Not admitted: this registration is cancelled."),
    Outcome.WAITLISTED: _l("Not admitted: on the waiting list, no confirmed place. "
                           "Ask an organizer."),
    Outcome.UNKNOWN: _l("Unknown code. Check the badge, or find the person by name."),
    Outcome.NOT_SEATED: _l("Not admitted: not registered for this forum."),
    Outcome.SEAT_WAITING: _l("Not admitted: on this forum’s waiting list."),
}


def answer(scan: Scan, event, door=None) -> dict:
    """What the desk shows for a scan, for the page and for the JSON answer alike; at a
    forum's ``door``, the forum's name in the welcome."""
    person = scan.attendee
    if door is not None and scan.admitted:
        message = _("Welcome to %(forum)s!", forum=localized(door, "name"))
    elif scan.outcome is Outcome.ALREADY:
        message = _("Already checked in on %(day)s at %(time)s.",
                    day=format_day(person.checked_in_at, event.timezone),
                    time=format_clock(person.checked_in_at, event.timezone))
    elif scan.outcome is Outcome.OTHER_EVENT:
        message = _("Not admitted: this badge is for %(event)s.",
                    event=localized(scan.other_event, "name"))
    else:
        message = str(_MESSAGES[scan.outcome])
    tone, icon, verdict = _TONES.get(scan.outcome, _REFUSED)
    body = {"ok": scan.admitted, "outcome": scan.outcome.value, "message": message,
            "tone": tone, "icon": icon, "verdict": str(verdict)}
    if person is not None:
        body.update(
            registration_id=person.id,
            name=person.full_name,
            latin_name=person.latin_name,
            organisation=person.organisation,
            category=str(CATEGORIES[person.category]),
            checked_in_at=person.checked_in_at.isoformat() if person.checked_in_at else None,
            undo_url=url_for(".checkin_undo", registration_id=person.id)
            if person.checked_in_at else None,
        )
    return body


def progress(event) -> str:
    arrived, expected = checked_in_progress(db.session, event)
    return _("%(arrived)d of %(expected)d checked in", arrived=arrived, expected=expected)


def chosen_door(event):
    """The forum whose door this desk keeps (``?door=<forum id>``), or None: the entrance."""
    door_id = request.args.get("door", type=int)
    return door_forum(db.session, event.id, door_id) if door_id else None


def _desk_page(event, result: dict | None = None, scan_form: ScanForm | None = None,
               status: int = 200):
    search = DeskSearchForm(formdata=request.args)
    found = find_at_desk(db.session, event.id, search.q.data or "") if search.q.data else None
    door = chosen_door(event)
    page = render_template(
        "admin/checkin.html",
        event=event,
        door=door,
        doors=sorted(event.forums, key=lambda forum: (forum.position, forum.id)),
        categories={category.value: str(name) for category, name in CATEGORIES.items()},
        scan_form=scan_form or ScanForm(formdata=None),
        search=search,
        found=found,
        result=result,
        progress=progress(event),
        check_in_form=CheckInForm(),
        undo_form=UndoForm(),
    )
    return page, status



@bp.route(f"{EVENT}/checkin", methods=["GET", "POST"])
@role_required(*DESK)
def checkin():
    """The desk; a POST is a scan from a browser without JavaScript."""
    event = require_event()
    form = ScanForm()
    if not form.is_submitted():
        return _desk_page(event)
    if not form.validate():
        return _desk_page(event, scan_form=form, status=422)
    door = chosen_door(event)
    scan = scan_once(db.session, event.id, form.code.data, acting_user(), form.desk.data,
                     door)
    return _desk_page(event, result=answer(scan, event, door))


@bp.post(f"{EVENT}/checkin/scan.json")
@role_required(*DESK)
def checkin_scan():
    """One scan at the entrance, answered in JSON with the desk's count: for a scanner or
    script that keeps no list (and the load benches), which may name its ``desk``; the
    desk's own page sends its queue to ``desk_sync``."""
    event = require_event()
    form = ScanForm()
    if not form.validate():
        errors = [message for messages in form.errors.values() for message in messages]
        return {"ok": False, "outcome": "invalid", "message": " ".join(map(str, errors))}, 422
    scan = scan_once(db.session, event.id, form.code.data, acting_user(), form.desk.data)
    return {**answer(scan, event), "progress": progress(event)}


@bp.post(f"{EVENT}/checkin/<int:registration_id>")
@role_required(*DESK)
def checkin_registration(registration_id: int):
    """Check in a person found by name."""
    event = require_event()
    if not CheckInForm().validate_on_submit():
        abort(400)
    scan = check_in_registration(db.session, event.id, registration_id, acting_user())
    if scan.outcome is Outcome.UNKNOWN:
        abort(404)
    return _desk_page(event, result=answer(scan, event))


@bp.post(f"{EVENT}/checkin/<int:registration_id>/undo")
@role_required(*DESK)
def checkin_undo(registration_id: int):
    event = require_event()
    form = UndoForm()
    if not form.validate_on_submit():
        abort(400)
    undone = undo_check_in(db.session, event.id, registration_id, acting_user())
    if undone is None:
        abort(404)
    person, was_checked_in = undone
    if was_checked_in:
        flash(_("The check-in of %(name)s is undone.", name=person.full_name), "success")
    else:
        flash(_("%(name)s was not checked in.", name=person.full_name), "error")
    if form.back.data == "registration" and may_current_user_open((Role.ORGANIZER,), event):
        return redirect(url_for(".registration_detail", registration_id=registration_id))
    return redirect(url_for(".checkin"))
