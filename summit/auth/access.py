"""The one role check that guards every admin view, and who is acting in one."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from ..extensions import login_manager
from ..models import Role, User

# The role of most admin screens (administrators may do everything anyway).
ORGANIZERS = (Role.ORGANIZER,)


def acting_user() -> User:
    """The signed-in account itself (not Flask-Login's proxy), for the audit log."""
    return current_user._get_current_object()


def role_required(*roles: Role) -> Callable:
    """Anonymous visitors go to the login page; signed-in accounts without one of
    ``roles`` get 403. Administrators may do everything."""
    allowed = {Role.ADMIN, *roles}

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        guarded.allowed_roles = frozenset(allowed)
        return guarded

    return decorate
