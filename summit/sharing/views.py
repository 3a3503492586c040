"""/<event>/share.png: the picture a chat shows beside a link to the event's pages."""

from __future__ import annotations

from flask import Blueprint, Response

from ..caching import programme_validators
from ..events.current import EVENT_PREFIX, require_event, serve_under_event_slug
from ..web import cache_control, conditional
from .card import share_card_png
from .service import share_image_of

bp = Blueprint("sharing", __name__, url_prefix=EVENT_PREFIX)
serve_under_event_slug(bp)


@bp.get("/share.png")
def share_image():
    event = require_event()
    # Drawn (or read) once per programme version: its name, dates and the organizer's
    # own picture are part of the programme.
    def produce() -> Response:
        uploaded = share_image_of(event)
        if uploaded is not None:
            return Response(uploaded[0], mimetype=uploaded[1])
        return Response(share_card_png(event), mimetype="image/png")

    return conditional(programme_validators(event, "share.png", event.status.value), produce,
                       cache_control(max_age=300))
