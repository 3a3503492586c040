"""The one lookup of a private link (``/r/<token>…``): the registration its token names,
or 404. The token knows its event, which the request then serves."""

from __future__ import annotations

from flask import abort

from ..events.current import use_event
from ..extensions import db
from ..models import Registration
from .service import find_by_token


def registration_or_404(token: str) -> Registration:
    registration = find_by_token(db.session, token)
    if registration is None:
        abort(404)
    use_event(registration.event)
    return registration
