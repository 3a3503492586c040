"""Each event's admin pages live under /admin/<event>/: the address names the event,
``url_for`` inside such a page keeps it, and the first version's addresses
(/admin/registrations…) lead to the default event's."""

from __future__ import annotations

from flask import abort, current_app, g, redirect, request
from werkzeug.routing import BaseConverter

from ..events.current import current_event, find_event, use_event
from ..extensions import db
from ..models import Event
from ..web import with_this_query
from . import bp

# The site's own admin pages, /admin/<word>: no event's address.
SITE_PAGES = ("login", "logout", "accounts", "audit", "events")


class AdminEventConverter(BaseConverter):
    """An event's slug in an admin address (EventForm's rule: lower-case letters, digits
    and hyphens), never one of the site's own pages, so that /admin/logout stays
    itself. Anything else names no event and never reaches the database."""

    regex = (r"(?!(?:" + "|".join(SITE_PAGES) + r")(?![a-z0-9-]))"
             r"[a-z0-9]{1,64}(?:-[a-z0-9]+){0,31}")


# Before any rule of the blueprint is added to the app's map.
bp.record_once(lambda state: state.app.url_map.converters.setdefault(
    "admin_event", AdminEventConverter))

# The start of every per-event admin rule: /admin/<event>/…
EVENT = "/<admin_event:event>"
# Addresses whose first part was a page of the only event, before there were several.
FIRST_VERSION_PAGES = ("dashboard", "registrations", "checkin", "printing", "badges.pdf",
                       "sessions", "speakers", "forums", "co-hosts", "event")


def addressed_event() -> Event | None:
    """The event this admin page's address names; None on the site's own pages."""
    return g.get("admin_event")


@bp.url_value_preprocessor
def take_the_event(endpoint: str | None, values: dict | None) -> None:
    """/admin/<event>/…: the view's ``event`` argument becomes the event itself (for the
    role check), and the event every lookup and template of this request serves."""
    if not values or "event" not in values:
        g.admin_event = None  # a page of the site's own
        return
    slug = values["event"]
    event = find_event(db.session, slug) if len(slug) <= 64 else None
    if event is None:
        abort(404)
    values["event"] = g.admin_event = event
    use_event(event)


@bp.url_defaults
def keep_the_event(endpoint: str, values: dict) -> None:
    """``url_for`` of a per-event page from a page of that event needs no ``event``."""
    event = addressed_event()
    if event is not None and "event" not in values \
            and current_app.url_map.is_endpoint_expecting(endpoint, "event"):
        values["event"] = event.slug


def _first_version_address(page: str, rest: str = ""):
    """An address of the first version: the same page of the default event (307 keeps a
    form's POST a POST)."""
    event = current_event()
    if event is None:
        abort(404)
    target = f"{bp.url_prefix}/{event.slug}/{page}" + (f"/{rest}" if rest else "")
    return redirect(with_this_query(target), 302 if request.method in ("GET", "HEAD") else 307)


_PAGES = "any(" + ", ".join(f'"{page}"' for page in FIRST_VERSION_PAGES) + "):page"
bp.add_url_rule(f"/<{_PAGES}>", "first_version_page", _first_version_address,
                methods=["GET", "POST"])
bp.add_url_rule(f"/<{_PAGES}>/<path:rest>", "first_version_page", _first_version_address,
                methods=["GET", "POST"])
