"""/admin/ itself: the events the account may open (straight to the one when there is
only one); /admin/<event>/: the first page of that event the account may open. And
what every admin page shares: never cached, since it shows people's data and may be
opened on a shared computer at the desk; the event switcher; archived events refuse
changes."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, url_for
from flask_login import current_user

from ..auth.access import ArchivedEvent, current_roles, may_current_user_open, role_required
from ..auth.roles import EVENT_ROLES, events_open_to
from ..errors import error_response
from ..extensions import db
from ..models import Event, EventStatus
from . import bp
from .addresses import EVENT, addressed_event
from .navigation import current_section, entries_for_current_user, section_tabs

# In order of preference; whichever exist in this app and admit the account at the event.
LANDINGS = ("admin.dashboard", "admin.sessions", "admin.checkin", "admin.review")


def landing(event: Event) -> str | None:
    """The address of the first page of ``event`` the signed-in account may open."""
    for endpoint in LANDINGS:
        view = current_app.view_functions.get(endpoint)
        if view is not None and may_current_user_open(view.allowed_roles, event):
            return url_for(endpoint, event=event.slug)
    return None


def events_of_current_user() -> list[Event]:
    return events_open_to(db.session, current_user, current_roles())


@bp.get("/")
@role_required(*EVENT_ROLES)
def index():
    events = events_of_current_user()
    if len(events) == 1 and (target := landing(events[0])):
        return redirect(target)
    return render_template("admin/home.html", events=events)


@bp.get(f"{EVENT}/")
@role_required(*EVENT_ROLES)
def event_home():
    target = landing(addressed_event())
    if target is None:
        abort(403)
    return redirect(target)


@bp.app_context_processor
def admin_layout() -> dict:
    """What the admin header shows: the menu of the entries the signed-in account may
    open, and the event switcher (the login page uses this layout too)."""

    def switcher_events() -> list[Event]:
        return events_of_current_user() if current_user.is_authenticated else []

    return {"admin_nav": entries_for_current_user, "admin_tabs": section_tabs,
            "admin_current_section": current_section, "admin_events": switcher_events,
            "admin_event": addressed_event}


@bp.app_template_global("admin_read_only")
def read_only() -> bool:
    """Whether this page's event is archived: its forms are shown disabled, its buttons
    that would change it hidden (a global, so that imported macros see it too)."""
    event = addressed_event()
    return event is not None and event.status == EventStatus.ARCHIVED


@bp.errorhandler(ArchivedEvent)
def archived(error: ArchivedEvent):
    return error_response(409, str(error.description))


@bp.after_request
def never_cache(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response
