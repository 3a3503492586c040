"""Security headers on every response, set in one place (installed by create_app), and
a bound on the messages waiting in the session cookie.

The Content-Security-Policy allows scripts only from our own files (static/js, loaded
with ``<script src=… defer>``): no inline script, no ``on…=`` attribute, no eval.
Styles may be inline because templates colour forums with ``style="--forum-colour: …"``
(the risk a CSP guards against is script; CSS3's finer ``style-src-attr`` would let us
say so more narrowly, but browsers in WeChat and older phones do not all know it).

A view that sets a header itself keeps its own value: the attendee's pages send
``Referrer-Policy: no-referrer`` and their own Cache-Control.
"""

from __future__ import annotations

from flask import Flask, Response, session

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    # Speakers' photos are served by us; QR codes may be inline data: images.
    "img-src 'self' data:",
    "object-src 'none'",
    # The check-in desk installs as an app: its manifest and service worker are ours.
    "manifest-src 'self'",
    "worker-src 'self'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Chromium shows a PDF inside a page of its own, which a document policy (object-src
# above all) would block: badges only keep others from framing them.
PDF_POLICY = "frame-ancestors 'none'"
# A file to save (a session's slides): should a browser render it after all, it runs
# nothing and loads nothing.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"
HSTS = "max-age=31536000; includeSubDomains"
# The check-in desk reads badges with the camera; nothing else needs a device.
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=()"
# A flashed message waits in the session cookie until a page shows it. A client that
# never follows the redirects (a script posting /register again and again) would grow
# the cookie past the 4 KB a browser keeps, and with it lose its session: only the
# newest few wait.
UNREAD_MESSAGES_KEPT = 3


# Every response's headers unless its view set them (Content-Security-Policy and
# Strict-Transport-Security are added below).
DEFAULTS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    # What a view did not declare cacheable is nobody's to keep: forms carry CSRF
    # tokens, admin pages and attendees' pages private data.
    ("Cache-Control", "private, no-store"),
)


def secure_headers(response: Response, production: bool) -> Response:
    headers = response.headers
    policy = PDF_POLICY if response.mimetype == "application/pdf" else CONTENT_SECURITY_POLICY
    defaults = [("Content-Security-Policy", policy), *DEFAULTS]
    if production:
        # Only over HTTPS does a browser take it to heart; production runs behind TLS.
        defaults.append(("Strict-Transport-Security", HSTS))
    # One pass over the response's headers (Headers.setdefault would scan them per name).
    present = {name.lower() for name, _value in headers.items()}
    for name, value in defaults:
        if name.lower() not in present:
            headers.add(name, value)
    return response


def install(app: Flask) -> None:
    production = app.config["SUMMIT_ENV"] == "production"

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        return secure_headers(response, production)

    @app.after_request
    def bound_unread_messages(response: Response) -> Response:
        unread = session.get("_flashes")
        if unread and len(unread) > UNREAD_MESSAGES_KEPT:
            session["_flashes"] = unread[-UNREAD_MESSAGES_KEPT:]
        return response
