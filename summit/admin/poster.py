"""/admin/<event>/poster-qr.svg and .png: the QR code of the event's registration page,
to print on posters; linked from the event's settings page, for its organizers."""

from __future__ import annotations

from flask import Response

from ..auth.access import role_required
from ..events.current import require_event
from ..models import Role
from ..sharing.poster import registration_qr_png, registration_qr_svg
from ..urls import external_url
from . import bp
from .addresses import EVENT


def _download(render, media_type: str, kind: str):
    event = require_event()
    # The site's address, never the Host of this request: the poster outlives it.
    address = external_url("registration.register", event_slug=event.slug)
    response = Response(render(address), mimetype=media_type)
    response.headers.set("Content-Disposition", "attachment",
                         filename=f"{event.slug}-registration-qr.{kind}")
    return response


@bp.get(f"{EVENT}/poster-qr.svg")
@role_required(Role.ORGANIZER)
def poster_qr_svg():
    return _download(registration_qr_svg, "image/svg+xml", "svg")


@bp.get(f"{EVENT}/poster-qr.png")
@role_required(Role.ORGANIZER)
def poster_qr_png():
    return _download(registration_qr_png, "image/png", "png")
