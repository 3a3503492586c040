"""The organizers' admin UI under /admin. Each module adds its views to ``bp`` and
its entry to the navigation."""

from flask import Blueprint

from .navigation import entries_for_current_user

bp = Blueprint("admin", __name__, url_prefix="/admin")
# The menu of every admin page: the entries the signed-in account may open.
bp.add_app_template_global(entries_for_current_user, "admin_nav")

from . import accounts, audit_log, events, home, programme  # noqa: E402,F401  (register their views)

# isort: split
from . import checkin, dashboard, printing, registrations  # noqa: E402,F401  (their views)
