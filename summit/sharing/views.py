"""/<event>/share.png: the picture a chat shows beside a link to the event's pages."""

from __future__ import annotations

from flask import Blueprint, Response

from ..caching import programme_validators
from ..events.current import EVENT_PREFIX, require_event, serve_under_event_slug
from ..web import cache_control, conditional
from .card import share_card_png

bp = Blueprint("sharing", __name__, url_prefix=EVENT_PREFIX)
serve_under_event_slug(bp)


@bp.get("/share.png")
def share_image():
    event = require_event()
    # Drawn once per programme version (its name and dates are part of the programme).
    return conditional(programme_validators(event, "share.png", event.status.value),
                       lambda: Response(share_card_png(event), mimetype="image/png"),
                       cache_control(max_age=300))
