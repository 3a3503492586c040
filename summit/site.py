"""The site's own addresses, which no event's slug can take: the list of events at `/`,
the health check, the favicon and robots.txt; and the addresses of the first version
(one event per site), kept for the default event."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .events.current import EVENT_PREFIX, require_event, use_event, viewer
from .events.public import site_events
from .extensions import db
from .models import utcnow
from .web import with_this_query

bp = Blueprint("site", __name__)

# Blueprints whose addresses are an event's feeds and exports, not its pages.
FEED_BLUEPRINTS = ("calendar",)


@bp.get("/")
def index():
    """Current and coming events, past editions below; the event itself when there is
    only one to show."""
    listed = site_events(db.session, viewer(), utcnow())
    if (only := listed.only_one) is not None:
        return redirect(with_this_query(url_for("programme.home", event_slug=only.slug)))
    use_event(None)  # the site's page, no event's
    return render_template("site/index.html", listed=listed)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok"}


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "img/favicon.svg",
                               mimetype="image/svg+xml", max_age=24 * 3600)


@bp.get("/robots.txt")
def robots():
    # Private links and the back office are nobody's search result.
    return Response("User-agent: *\nDisallow: /admin/\nDisallow: /r/\n", mimetype="text/plain")


def keep_first_version_addresses(app: Flask) -> None:
    """The first version's addresses (``/agenda``, ``/calendar.ics``, …) keep working for
    the default event: its pages moved for good (301, 308 for a form's POST); its feeds
    and exports answer there as at the event's address, with the same bytes and UIDs,
    since calendar apps that subscribed do not follow a move. Call once every event's
    blueprint is registered: the old addresses are theirs without the event's slug."""
    first_version = Blueprint("first_version", __name__)
    for rule in list(app.url_map.iter_rules()):
        if not rule.rule.startswith(EVENT_PREFIX + "/") or rule.rule == EVENT_PREFIX + "/":
            continue
        is_feed = rule.endpoint.partition(".")[0] in FEED_BLUEPRINTS
        view = app.view_functions[rule.endpoint] if is_feed else _moved_for_good(rule.endpoint)
        first_version.add_url_rule(
            rule.rule.removeprefix(EVENT_PREFIX), rule.endpoint.replace(".", "_"), view,
            methods=sorted(rule.methods - {"HEAD", "OPTIONS"}),
        )
    app.register_blueprint(first_version)


def _moved_for_good(endpoint: str) -> Callable[..., Response]:
    def moved(**values) -> Response:
        target = url_for(endpoint, event_slug=require_event().slug, **values)
        return redirect(with_this_query(target), 308 if request.method == "POST" else 301)

    return moved
