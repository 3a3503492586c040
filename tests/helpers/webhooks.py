"""A webhook receiver on 127.0.0.1 (http.server in a thread) that records what it is sent
and answers with the statuses it is told to, and the check a receiver makes of a
signature (as the README shows it)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from summit.extensions import db
from summit.models import Role, User, WebhookKind
from summit.webhooks import create_webhook


class Receiver:
    def __init__(self):
        self.received: list[tuple[dict[str, str], bytes]] = []
        # Statuses to answer, one per request, then 200.
        self.answers: list[int] = []
        self.answer_body = b"ok"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(receiver.answer_body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _headers, body in self.received]


def verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does: recompute the HMAC over "<t>.<body>" and compare."""
    fields = dict(part.split("=", 1) for part in headers["Summit-Signature"].split(","))
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def make_webhook(app, event_id: int, url: str, *kinds: WebhookKind) -> tuple[int, str]:
    """A webhook of the event for ``kinds`` (every kind when none), made by a site
    administrator; its id and secret."""
    with app.app_context():
        admin = db.session.scalars(db.select(User).where(User.role == Role.ADMIN)).first()
        if admin is None:
            admin = User(email="hook-maker@example.org", role=Role.ADMIN, password_hash="x")
            db.session.add(admin)
            db.session.commit()
        webhook, secret = create_webhook(db.session, admin, event_id, url,
                                         kinds or list(WebhookKind))
        return webhook.id, secret
