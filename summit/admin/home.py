"""/admin/ itself: each role lands on the first page it may open. And what every
admin page shares: never cached, since it shows people's data and may be opened
on a shared computer at the desk."""

from __future__ import annotations

from flask import abort, current_app, redirect, url_for
from flask_login import current_user

from ..auth.access import role_required
from ..models import Role
from . import bp

# In order of preference; whichever exist in this app and admit the role.
LANDINGS = ("admin.dashboard", "admin.sessions", "admin.checkin")


@bp.get("/")
@role_required(Role.ORGANIZER, Role.CHECKIN)
def index():
    for endpoint in LANDINGS:
        view = current_app.view_functions.get(endpoint)
        if view is not None and current_user.role in getattr(view, "allowed_roles", ()):
            return redirect(url_for(endpoint))
    abort(403)


@bp.after_request
def never_cache(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response
