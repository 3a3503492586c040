"""The organizers' admin UI under /admin: the site's own pages (accounts, the site's
audit log) and each event's pages under /admin/<event>/. Each module adds its views to
``bp`` and its entry to the navigation."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import addresses  # noqa: E402,F401  (the event of an address; before any view)

# isort: split
from . import accounts, audit_log, events, home, programme  # noqa: E402,F401  (register their views)

# isort: split
from . import (  # noqa: E402,F401
    api_tokens,
    checkin,
    dashboard,
    mailings,
    poster,
    printing,
    proposals,
    questions,
    registrations,
    reminders,
    webhooks,
)

# isort: split
from . import certificates, desk_badges  # noqa: E402,F401  (desk_badges reuses checkin's roles)
