"""The one role check that guards every admin view, with the event of its address, and
who is acting in one."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import Conflict

from ..extensions import db, login_manager
from ..models import Event, EventStatus, Role, User
from .roles import may_open, roles_held

# Methods that change nothing.
READING = frozenset({"GET", "HEAD", "OPTIONS"})
# The role of most admin screens (administrators may do everything anyway).
ORGANIZERS = (Role.ORGANIZER,)


def acting_user() -> User:
    """The signed-in account itself (not Flask-Login's proxy), for the audit log."""
    return current_user._get_current_object()


class ArchivedEvent(Conflict):
    """A change asked of an archived event, which is read-only."""

    description = _l("This event is archived: it can be looked at but no longer changed.")


def current_roles() -> dict[int, Role]:
    """The signed-in account's role at each event, read once per request."""
    if "summit_roles" not in g:
        g.summit_roles = roles_held(db.session, current_user) \
            if current_user.is_authenticated else {}
    return g.summit_roles


def may_current_user_open(roles, event: Event | None) -> bool:
    return current_user.is_authenticated and may_open(
        current_user, current_roles(), roles, event)


def role_required(*roles: Role) -> Callable:
    """Anonymous visitors go to the login page; signed-in accounts that may not open
    the page get 403. A page whose address names an event (the view's ``event``
    argument, taken here) is for administrators and whoever holds one of ``roles`` at
    that event; there, nothing but reading is allowed once the event is archived."""
    allowed = {Role.ADMIN, *roles}

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, event: Event | None = None, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not may_current_user_open(roles, event):
                abort(403)
            if event is not None and event.status is EventStatus.ARCHIVED \
                    and request.method not in READING:
                raise ArchivedEvent()
            return view(*args, **kwargs)

        guarded.allowed_roles = frozenset(allowed)
        return guarded

    return decorate
