"""A secret shown once, on the page its creation redirects to (Post/Redirect/Get): a
reload of that page shows it no more and creates nothing.

It waits for that one page in the signed session cookie (HttpOnly, and Secure in
production), never in the URL where logs and the browser's history would keep it; the
page that shows it takes it out, so the cookie that comes back no longer holds it. It is
kept per kind and event: another event's page never shows it."""

from __future__ import annotations

from flask import session

_KEY = "shown_once:{kind}:{event_id}"


def keep_for_next_page(kind: str, event_id: int, secret: str) -> None:
    session[_KEY.format(kind=kind, event_id=event_id)] = secret


def take(kind: str, event_id: int) -> str | None:
    """The secret kept for this page, once; None afterwards."""
    return session.pop(_KEY.format(kind=kind, event_id=event_id), None)
