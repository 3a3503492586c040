"""Webhooks: an event tells other systems of its changes, by a signed JSON POST to the
addresses its organizers registered for those kinds of change (``WebhookKind``).

Each area's service calls ``queue_change`` where the change happens, in the change's
own transaction: a delivery row per webhook that wants it, so nothing is lost after a
commit and nothing is sent for a change that rolled back. Deliveries go through the
outbox's discipline (``outbox.claim``, ``outbox.retry_pause``): sent after the response
of the request that made them, else by the mail workers (``flask summit mail-worker``,
``send-mail``), each claimed before it is sent, retried with growing pauses.

A body is signed with HMAC-SHA256 over ``"<timestamp>.<body>"`` with the webhook's
secret, sent as ``Summit-Signature: t=<unix seconds>,v1=<hex>``. It says the kind of
change (``type``), the event's slug, when the change was made (``created_at``) and, in
``data``, what it is about as the REST API's own schemas show it (``show_with``, which
the API registers: this module imports no area): the registration as it stands when
the body is sent, the session (null once deleted), a seat's forum by its slug. A
receiver can act on it without calling back.

Addresses are HTTPS and must resolve to public addresses only, checked when saved and
again when sent, and the connection goes to the address that was checked (a name that
resolves elsewhere a moment later cannot redirect it); redirects are not followed.
WEBHOOK_ALLOW_PRIVATE (a site setting, off by default) allows private, loopback and
link-local addresses and plain HTTP, for a receiver on the organizers' own network.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session, joinedload

from . import audit
from .audit import AuditAction
from .database import begin_write
from .extensions import db
from .models import (
    Event,
    Forum,
    MailStatus,
    ProgrammeSession,
    Registration,
    User,
    Webhook,
    WebhookDelivery,
    WebhookKind,
    utcnow,
)
from .outbox import claim, due_ids, register_scheduler, retry_pause, send_beside_response

SIGNATURE_HEADER = "Summit-Signature"
TIMEOUT_SECONDS = 5
# How much of a receiver's answer the delivery log keeps.
RESPONSE_EXCERPT = 500
LOG_SIZE = 30
OBJECT_TYPE = "webhook"
SECRET_PREFIX = "whsec_"
# Where ``queue_change`` notes this session's deliveries, for ``deliver_after_response``.
QUEUED_IN_SESSION = "summit_queued_webhooks"
WORKER_BATCH = 20
# Where an app keeps how its bodies show what a change is about (``show_with``).
SHOWN_WITH = "summit.webhooks.shown_with"


class RefusedAddress(ValueError):
    """An address a webhook may not be sent to; the message says why (for the log)."""


# --- queueing, in the change's transaction -------------------------------------------


def queue_change(session: Session, event_id: int, kind: WebhookKind,
                 registration: Registration | None = None, **data: int) -> None:
    """Queue a delivery of this change to each of the event's webhooks that wants its
    kind, in the caller's transaction. ``data``: ids of what else it is about
    (``session_id``, ``forum_id``)."""
    queue_changes(session, event_id, kind, [registration], **data)


def queue_changes(session: Session, event_id: int, kind: WebhookKind,
                  registrations: Iterable[Registration | None], **data: int) -> None:
    """``queue_change`` for the same change of several registrations (a desk's queue of
    check-ins), with one look at the event's webhooks."""
    wanted = [webhook_id for webhook_id, kinds in session.execute(
        select(Webhook.id, Webhook.kinds)
        .where(Webhook.event_id == event_id, Webhook.disabled_at.is_(None))) if kind in kinds]
    if not wanted:
        return
    queued = session.info.setdefault(QUEUED_IN_SESSION, [])
    for registration in registrations:
        for webhook_id in wanted:
            delivery = WebhookDelivery(webhook_id=webhook_id, kind=kind.value,
                                       registration=registration, data=data,
                                       next_attempt_at=utcnow())
            session.add(delivery)
            queued.append(delivery)


def deliver_after_response(response):
    """Send the deliveries this request queued and committed, beside its response."""
    committed = [inspect(delivery).identity[0]
                 for delivery in db.session.info.pop(QUEUED_IN_SESSION, [])
                 if inspect(delivery).identity]
    if not committed:
        return response
    return send_beside_response(response, lambda session: deliver(session, committed),
                                "webhook")


# --- sending ----------------------------------------------------------------------------


def deliver_due(session: Session, limit: int = WORKER_BATCH) -> int:
    """Send the deliveries that are due; returns how many went through."""
    return deliver(session, due_ids(session, WebhookDelivery, limit))


def _mail_workers_turn(session: Session) -> int:
    """What the mail workers run beside scheduled mail (``outbox.register_scheduler``):
    the due deliveries. It queues no mail, so it says 0."""
    accepted = deliver_due(session)
    if accepted:
        current_app.logger.info("webhooks: %s delivered", accepted)
    return 0


def deliver(session: Session, delivery_ids: list[int]) -> int:
    """Send these deliveries, each claimed first (never two senders at once); returns
    how many the receivers accepted."""
    accepted = 0
    for delivery_id in delivery_ids:
        if claim(session, WebhookDelivery, delivery_id):
            accepted += _send_claimed(session, delivery_id)
    return accepted


def sign(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Shown:
    """How a body shows a registration and a session: as JSON-ready dicts."""

    registration: Callable[[Registration], dict]
    session: Callable[[ProgrammeSession], dict]


def show_with(app: Flask, shown: Shown) -> None:
    """Have the app's bodies show registrations and sessions with ``shown`` (the REST
    API's schemas: a receiver reads the fields the API gives)."""
    app.extensions[SHOWN_WITH] = shown


def body_of(session: Session, delivery: WebhookDelivery) -> bytes:
    shown: Shown = current_app.extensions[SHOWN_WITH]
    event = session.get(Event, delivery.webhook.event_id)
    data: dict = dict(delivery.data)
    if delivery.registration is not None:
        data["registration"] = shown.registration(delivery.registration)
    if "session_id" in data:
        item = session.get(ProgrammeSession, data["session_id"])
        data["session"] = shown.session(item) if item is not None else None
    if "forum_id" in data:
        data["forum"] = session.scalar(select(Forum.slug).where(Forum.id == data["forum_id"]))
    return json.dumps({"id": delivery.id, "type": delivery.kind, "event": event.slug,
                       "created_at": delivery.created_at.isoformat(), "data": data},
                      ensure_ascii=False, separators=(",", ":")).encode()


def _send_claimed(session: Session, delivery_id: int) -> bool:
    delivery = session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
        .options(joinedload(WebhookDelivery.webhook), joinedload(WebhookDelivery.registration))
    ).one()
    url, secret = delivery.webhook.url, delivery.webhook.secret
    body = body_of(session, delivery)
    session.rollback()  # no transaction held while the receiver answers
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json; charset=utf-8",
               "User-Agent": "Summit-Webhooks",
               SIGNATURE_HEADER: f"t={timestamp},v1={sign(secret, timestamp, body)}"}
    try:
        status, excerpt = _post(url, body, headers)
    except (RefusedAddress, OSError, http.client.HTTPException) as error:
        status, excerpt = None, f"{error.__class__.__name__}: {error}"
    accepted = status is not None and 200 <= status < 300
    begin_write(session)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:  # its webhook was deleted meanwhile
        session.rollback()
        return False
    now = utcnow()
    delivery.last_attempt_at = now
    delivery.last_status_code = status
    delivery.last_response = excerpt[:RESPONSE_EXCERPT]
    if accepted:
        delivery.status, delivery.sent_at = MailStatus.SENT, now
    else:
        delivery.status = MailStatus.FAILED
        delivery.next_attempt_at = now + retry_pause(delivery.attempts)
    session.commit()
    return accepted


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to now."""

    def __init__(self, host: str, port: int | None, address: str):
        super().__init__(host, port, timeout=TIMEOUT_SECONDS)
        self.checked_address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.checked_address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int | None, address: str):
        super().__init__(host, port, timeout=TIMEOUT_SECONDS)
        self.checked_address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.checked_address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST once, no redirect followed; the status and the start of the answer."""
    parts, address = checked_address(url, current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, parts.port, address)
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT * 4).decode("utf-8", errors="replace")
        return response.status, excerpt
    finally:
        connection.close()


def checked_address(url: str, allow_private: bool):
    """The URL's parts and the one address to connect to; RefusedAddress when the URL is
    no HTTPS address (HTTP too with ``allow_private``) or any address its name resolves
    to is private, loopback, link-local or otherwise not public (unless ``allow_private``)."""
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes or not parts.hostname or parts.username or parts.password:
        raise RefusedAddress("not an https:// address" if not allow_private
                             else "not an http(s):// address")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError) as error:
        raise RefusedAddress(f"cannot resolve {parts.hostname}: {error}") from None
    addresses = [info[4][0] for info in found]
    if not allow_private:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                raise RefusedAddress(f"{parts.hostname} resolves to a non-public address")
    return parts, addresses[0]


# --- the organizers' page ----------------------------------------------------------------


def event_webhooks(session: Session, event_id: int) -> list[Webhook]:
    return list(session.scalars(select(Webhook).where(Webhook.event_id == event_id)
                                .order_by(Webhook.id)))


def create_webhook(session: Session, actor: User, event_id: int, url: str,
                   kinds: Collection[WebhookKind]) -> tuple[Webhook, str]:
    """A new webhook and its secret (shown once). Raises RefusedAddress. Commits."""
    checked_address(url, current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    chosen = [kind.value for kind in WebhookKind if kind in kinds]
    webhook = Webhook(event_id=event_id, url=url, kinds=chosen, secret=secret,
                      created_by_id=actor.id)
    session.add(webhook)
    session.flush()
    audit.record(session, actor, AuditAction.CREATE, OBJECT_TYPE, webhook.id, summary=url,
                 after={"url": url, "kinds": chosen}, event_id=event_id)
    session.commit()
    return webhook, secret


def disable_webhook(session: Session, actor: User, event_id: int,
                    webhook_id: int) -> Webhook | None:
    """Turn the event's webhook off: nothing more is queued for it, and what it has not
    been sent yet is dropped; its log stays. None when the event has no such webhook.
    Turning it off twice changes nothing the second time. Commits."""
    begin_write(session)
    webhook = find_webhook(session, event_id, webhook_id)
    if webhook is None:
        session.rollback()
        return None
    if webhook.active:
        webhook.disabled_at = utcnow()
        session.execute(delete(WebhookDelivery).where(
            WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status != MailStatus.SENT))
        audit.record(session, actor, AuditAction.REVOKE, OBJECT_TYPE, webhook_id,
                     summary=webhook.url, before={"active": True}, after={"active": False},
                     event_id=event_id)
    session.commit()
    return webhook


def find_webhook(session: Session, event_id: int, webhook_id: int) -> Webhook | None:
    return session.scalars(select(Webhook).where(
        Webhook.id == webhook_id, Webhook.event_id == event_id)).first()


def delivery_log(session: Session, webhook_id: int) -> list[WebhookDelivery]:
    """The webhook's last deliveries, the latest first."""
    return list(session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(LOG_SIZE)))


def init_app(app: Flask) -> None:
    app.config.setdefault("WEBHOOK_ALLOW_PRIVATE", False)
    app.after_request(deliver_after_response)
    register_scheduler(app, _mail_workers_turn)
