"""The outbox: outgoing mail queued in the database with the change it reports, sent
after the commit. It knows nothing of what a mail says: each area registers, by the
mail's kind, the renderer that writes it (``register_renderer``).

A mail is a row in ``mail_message`` written in the same transaction as the
change it reports (so a crash between "seat taken" and "mail sent" loses nothing),
then rendered and delivered by a short-lived thread that the request starts once
it has committed, beside its response. The first mails a request queues are held
for that thread from the start; should it never send them (a process killed), they
fall due a minute later. Due mails are sent by ``flask summit mail-worker`` (a
service beside gunicorn in production), by ``flask summit send-mail`` (cron's
fallback, every minute) and by the next request that sends mail (in each process,
one such request every few seconds looks). A delivery that fails is retried with
growing pauses; the admin dashboard shows what is queued, stuck and failed.

The workers claim due mails a batch at a time (``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL, SQLite's write lock), send them over one SMTP connection and mark each sent
in its own commit as soon as the server took it; a worker that dies leaves its claims to
be taken again when their lease (MAIL_SENDING_LEASE_SECONDS) runs out. They send at most
MAIL_RATE_PER_SECOND together (a token bucket in the database), and when the mail server
cannot be reached they put the batch back for MAIL_OUTAGE_PAUSE_SECONDS instead of
failing it mail by mail. Group mails are queued in bulk (``enqueue_selected``).

A mail whose reason to go has gone by the time it is sent (its registration cancelled
since, its mailing stopped) is withdrawn: its renderer raises ``Withdrawn`` and the mail
is kept, never sent, with the reason. Withdrawing mails still in the queue is the
caller's conditional update on ``WITHDRAWABLE``: a mail a sender has claimed is not one.

Mail that is due at a set time rather than after a change (an event's reminders, a
scheduled group mail) is queued by the schedulers that areas register
(``register_scheduler``): the mail worker runs them every few seconds, ``send-mail``
once per run.

While a mail worker runs (each renews its row in ``mail_worker`` every few seconds),
requests leave all their mail to the workers: the app servers' CPU goes to pages, and the
worker picks a new mail up within a second. Without one (``make run``, or the workers
stopped), requests send beside their response as above.

With ``MAIL_SERVER`` set, mail goes through SMTP; without it, each message is
written as an ``.eml`` file to ``instance/outbox/`` and the log says where.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import secrets
import smtplib
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from email.charset import BASE64, Charset
from email.header import Header
from email.message import Message
from email.policy import compat32
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import Any, NoReturn

from flask import Flask, current_app, has_request_context
from sqlalchemy import Select, bindparam, delete, insert, inspect, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.sql.base import ExecutableOption

from .database import begin_write, release_session
from .extensions import db
from .models import MailMessage, MailSendRate, MailStatus, MailWorker, utcnow
from .urls import serving_at, site_address

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 10
# Lines end in CRLF, as SMTP wants them (smtplib leaves bytes as they are).
WIRE_FORMAT = compat32.clone(linesep="\r\n")
# Headers in UTF-8 as base64 words: left to choose the shorter of base64 and
# quoted-printable, the email package measures both for every way of folding a long
# Chinese subject, which cost more than all the rest of writing a mail.
HEADER_CHARSET = Charset("utf-8")
HEADER_CHARSET.header_encoding = BASE64
# Where ``enqueue`` notes the mails of this session, for ``deliver_after_response``.
QUEUED_IN_SESSION = "summit_queued_mails"
# After a failure, wait this long before the next try (the last pause repeats).
RETRY_PAUSES = [timedelta(minutes=m) for m in (1, 5, 15, 60)]
# The first few mails a request queues are held this long for its own send after the
# response; more (a bulk import, a forum's new seats) are claimed one by one as they go.
OWN_SEND_LEASE = timedelta(minutes=1)
HELD_PER_REQUEST = 3
# A request that sends mail also sends a few others that are due: one such request in
# DUE_CHECK_INTERVAL per process looks for them (under load, the look would cost every
# registration a query that finds nothing).
DUE_PER_REQUEST = 5
DUE_CHECK_INTERVAL = 5.0
NEXT_DUE_CHECK = "summit_mail_next_due_check"
# The mail worker's pause when nothing is due, and how many it takes at once.
WORKER_IDLE_SECONDS = 1.0
WORKER_BATCH = 20
# The name of the threads that send a request's mails after its commit.
SENDER_THREAD = "summit-mail-after-commit"
# Where an app keeps its renderers (``register_renderer``).
RENDERERS = "summit.outbox"
# Where an app keeps its schedulers (``register_scheduler``), and how often a mail worker
# runs them.
SCHEDULERS = "summit.outbox.schedulers"
SCHEDULE_INTERVAL = 2.0
# A worker renews its sign of life every SCHEDULE_INTERVAL; one silent for longer than
# WORKER_SILENT_AFTER (killed, its machine gone) is taken for stopped. Each process looks
# at most every WORKER_CHECK_INTERVAL whether one runs, not once per mail.
WORKER_SILENT_AFTER = timedelta(seconds=10)
WORKER_CHECK_INTERVAL = 5.0
MAIL_WORKERS_SEEN = "summit_mail_workers_seen"


def enqueue(session: Session, mail: MailMessage, *, event_id: int | None) -> MailMessage:
    """Queue a mail (its kind, recipient and what it is about set) in the caller's
    transaction, as the event's (None: the site's own), to be written at the site's
    address of this unit of work. While serving a request, the first few are held for
    that request's ``deliver_after_response``: no other sender takes them unless that
    send never happens. Others are due at once."""
    now = utcnow()
    mail.event_id = event_id
    mail.link_base = site_address()
    session.add(mail)
    if not has_request_context() or mail_workers_running(session):
        mail.status, mail.attempts, mail.next_attempt_at = MailStatus.PENDING, 0, now
        return mail
    queued = session.info.setdefault(QUEUED_IN_SESSION, [])
    held = len(queued) < HELD_PER_REQUEST
    mail.status = MailStatus.SENDING if held else MailStatus.PENDING
    mail.attempts = 1 if held else 0
    mail.next_attempt_at = now + OWN_SEND_LEASE if held else now
    mail.claimed_at = now if held else None
    queued.append((mail, held))
    return mail


def enqueue_selected(session: Session, kind: str, recipients: Select, *,
                     event_id: int | None) -> list[tuple[int, int | None]]:
    """Queue one mail of ``kind`` to each row of ``recipients`` (a SELECT of a registration
    id and an address), due now, in the caller's transaction, in one INSERT … SELECT: a
    group mail to thousands sends no row through Python. Returns (mail id, registration
    id) of each. The workers claim them a batch at a time."""
    chosen = recipients.subquery()
    table = MailMessage.__table__
    now, link_base = utcnow(), site_address()
    values = {
        "event_id": event_id, "registration_id": chosen.c[0], "kind": kind,
        "recipient": chosen.c[1], "link_base": link_base, "subject": "",
        "status": MailStatus.PENDING, "attempts": 0, "last_error": "", "created_at": now,
        "next_attempt_at": now,
    }
    columns = [value if name in ("registration_id", "recipient")
               else literal(value, table.c[name].type) for name, value in values.items()]
    return [tuple(row) for row in session.execute(
        insert(table).from_select(list(values), select(*columns))
        .returning(table.c.id, table.c.registration_id))]


# --- rendering -------------------------------------------------------------


class Withdrawn(Exception):
    """Raised by a renderer: this mail is not to be sent after all. ``reason``, a short
    code of the area that queued it, is kept in the mail's ``last_error``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Rendered:
    """What a renderer writes: the outbox adds the sender, the date and the message id."""

    subject: str
    # The MIME content, attachments included.
    message: Message
    # Shown beside the recipient's address.
    recipient_name: str


Renderer = Callable[[Session, MailMessage], Rendered]


@dataclass
class _Renderers:
    by_kind: dict[str, Renderer] = field(default_factory=dict)
    # A mail by id with what its renderer reads (the registration, its event's forums):
    # one query, not one lazy query at a time. This and _MARK_SENT are built once, as
    # every registration sends a mail: building them anew cost as much Python as
    # running them.
    load_mail: Select = field(default_factory=lambda: _LOAD_MAIL)
    # The same with what one kind's renderer reads alone, for a mail whose kind is known
    # (a group mail has no need of the event's forums).
    load_by_kind: dict[str, Select] = field(default_factory=dict)


_LOAD_MAIL = select(MailMessage).where(MailMessage.id == bindparam("mail_id"))


def register_renderer(
    app: Flask, kinds: Iterable[str], render: Renderer, *reads: ExecutableOption
) -> None:
    """Have ``render`` write this app's mails of these kinds, from the mail as it stands
    when it is sent, in the recipient's language; it raises ``Withdrawn`` when what the
    mail is about no longer calls for it. ``reads`` are loader options on
    ``MailMessage`` for what rendering reads, loaded with the mail in one query."""
    renderers = app.extensions.setdefault(RENDERERS, _Renderers())
    for kind in kinds:
        renderers.by_kind[kind] = render
        renderers.load_by_kind[kind] = _LOAD_MAIL.options(*reads)
    if reads:
        renderers.load_mail = renderers.load_mail.options(*reads)


def mime_boundary() -> str:
    """A MIME boundary that cannot occur in our parts: they are all base64 (utf-8 text),
    whose alphabet has no "_". Given one, the generator skips searching the whole
    message for a collision with a boundary of its own."""
    return f"=_{secrets.token_hex(16)}"


def _render(session: Session, mail_id: int, kind: str | None = None
            ) -> tuple[MailMessage, str, Message]:
    """The mail (of ``kind``, when known), its subject and its full message. Built with the
    email package's compat32 classes: its modern API re-parses every header and cost more
    than the rest of the mail together."""
    renderers: _Renderers = current_app.extensions[RENDERERS]
    load = renderers.load_by_kind.get(kind, renderers.load_mail)
    mail = session.execute(load, {"mail_id": mail_id}).unique().scalar_one()
    with serving_at(mail.link_base):
        rendered = renderers.by_kind[mail.kind](session, mail)
    message = rendered.message
    sender_name, sender_address = parseaddr(current_app.config["MAIL_FROM"])
    message["Subject"] = Header(rendered.subject, HEADER_CHARSET)
    message["From"] = formataddr((sender_name, sender_address), HEADER_CHARSET)
    message["To"] = formataddr((rendered.recipient_name, mail.recipient), HEADER_CHARSET)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=sender_address.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    return mail, rendered.subject, message


# --- mail queued at its time --------------------------------------------------


Scheduler = Callable[[Session], int]


def register_scheduler(app: Flask, queue_due: Scheduler) -> None:
    """Have the mail workers call ``queue_due(session)``: it queues the mails whose time
    has come, commits, and returns how many it queued. Several workers call it at the
    same moment, so it must queue each mail once whoever calls it."""
    schedulers = app.extensions.setdefault(SCHEDULERS, [])
    if queue_due not in schedulers:
        schedulers.append(queue_due)


def queue_scheduled(session: Session) -> int:
    """Run every scheduler of the app; returns how many mails they queued. A scheduler
    that fails is logged and rolled back: it never stops the delivery of other mail."""
    queued = 0
    for queue_due in current_app.extensions.get(SCHEDULERS, []):
        try:
            queued += queue_due(session)
        except Exception:  # noqa: BLE001 - the mail already queued must still go out
            session.rollback()
            log.exception("scheduled mail: %s failed", queue_due.__qualname__)
    return queued


# --- delivery --------------------------------------------------------------


UNSENT = (MailStatus.PENDING, MailStatus.SENDING, MailStatus.FAILED)
# Unsent and claimed by no sender: a mail that may still be withdrawn before it goes.
WITHDRAWABLE = (MailStatus.PENDING, MailStatus.FAILED)


def deliver_due(session: Session, limit: int = 20) -> tuple[int, int]:
    """Send mails that are due: new ones, and failed ones whose pause is over, as many as
    the send rate allows now. They are claimed together and sent over one connection to
    the mail server. Returns (sent, failed)."""
    sent, failed, _withdrawn = _deliver_due(session, limit)
    return sent, failed


def _deliver_due(session: Session, limit: int) -> tuple[int, int, int]:
    """``deliver_due``, also counting the mails withdrawn: (sent, failed, withdrawn)."""
    if not due_ids(session, MailMessage, 1):
        # Nothing due: no write transaction, no token taken.
        return 0, 0, 0
    granted = take_sending_tokens(session, limit)
    if granted == 0:
        return 0, 0, 0
    return _deliver_claimed(session, _claim_due(session, granted))


# A queue's rows: MailMessage, and any table with its columns id, status (MailStatus),
# attempts, next_attempt_at and claimed_at (the webhooks' deliveries), share the
# discipline below.
QueueRow = Any


def due_ids(session: Session, queue: QueueRow, limit: int) -> list[int]:
    """The ids of ``queue``'s rows that are due: new ones, and failed ones whose pause is
    over, the longest due first."""
    return session.scalars(
        select(queue.id)
        .where(queue.status.in_(UNSENT), queue.next_attempt_at <= utcnow())
        .order_by(queue.next_attempt_at, queue.id)
        .limit(limit)
    ).all()


def claim(session: Session, queue: QueueRow, row_id: int) -> bool:
    """Take a due row of ``queue`` for this sender with a conditional update (commits):
    True for the one sender that gets it. Its sender has the lease
    (MAIL_SENDING_LEASE_SECONDS) to record how the try went; should it die, the row falls
    due again then."""
    begin_write(session)
    now = utcnow()
    claimed = session.execute(
        update(queue)
        .where(queue.id == row_id, queue.next_attempt_at <= now, queue.status.in_(UNSENT))
        .values(status=MailStatus.SENDING, attempts=queue.attempts + 1,
                next_attempt_at=now + _lease(), claimed_at=now)
    ).rowcount
    session.commit()
    return claimed == 1


def retry_pause(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th try failed."""
    return RETRY_PAUSES[min(attempts, len(RETRY_PAUSES)) - 1]


def deliver(session: Session, mail_ids: list[int]) -> tuple[int, int]:
    """Send these mails over one connection. Each is claimed with a conditional update
    first, so two senders never send the same one. Returns (sent, failed)."""
    sent = failed = 0
    with _Transport() as transport:
        for mail_id in mail_ids:
            if not claim(session, MailMessage, mail_id):
                continue
            outcome = _send_claimed(session, mail_id, transport)
            if outcome is _Outcome.SERVER_UNAVAILABLE:
                _record_failure(session, mail_id, transport.error)
                return sent, failed + 1
            sent += outcome is _Outcome.SENT
            failed += outcome is _Outcome.FAILED
    return sent, failed


def _deliver_claimed(session: Session, claimed: list[tuple[int, str]]
                     ) -> tuple[int, int, int]:
    """Send mails this sender claimed, in order, over one connection; returns (sent,
    failed, withdrawn). The mail server gone, the mail in hand and the rest go back to
    the queue (see ``_release``)."""
    sent = failed = withdrawn = 0
    with _Transport() as transport:
        for index, (mail_id, kind) in enumerate(claimed):
            outcome = _send_claimed(session, mail_id, transport, kind)
            if outcome is _Outcome.SERVER_UNAVAILABLE:
                _release(session, [mail_id for mail_id, _kind in claimed[index:]],
                         transport.error)
                break
            sent += outcome is _Outcome.SENT
            failed += outcome is _Outcome.FAILED
            withdrawn += outcome is _Outcome.WITHDRAWN
    return sent, failed, withdrawn


_MARK_SENT = (
    update(MailMessage)
    .where(MailMessage.id == bindparam("mail_id"))
    .values(subject=bindparam("sent_subject"), message=bindparam("sent_message"),
            status=MailStatus.SENT, sent_at=bindparam("sent_now"), last_error="")
)


class _Outcome(enum.Enum):
    SENT = "sent"
    FAILED = "failed"
    # The mail server could not be reached or dropped the connection: not this mail's fault.
    SERVER_UNAVAILABLE = "server unavailable"
    WITHDRAWN = "withdrawn"


def _send_claimed(session: Session, mail_id: int, transport: _Transport | None = None,
                  kind: str | None = None) -> _Outcome:
    """Render and send a mail this sender holds the claim for, and record how that went.
    Commits. Marked sent in its own transaction right after the server took it: a
    sender killed in between (a moment) is the only way a mail goes out twice."""
    try:
        mail, subject, message = _render(session, mail_id, kind)
        data = message.as_bytes(policy=WIRE_FORMAT)
        if transport is None:
            with _Transport() as own:
                own.send(data, mail.recipient, mail_id)
        else:
            transport.send(data, mail.recipient, mail_id)
    except MailServerUnavailable:
        session.rollback()
        return _Outcome.SERVER_UNAVAILABLE
    except Withdrawn as withdrawn:
        session.rollback()
        _record_withdrawn(session, mail_id, withdrawn.reason)
        return _Outcome.WITHDRAWN
    except Exception as error:  # noqa: BLE001 - any failure is recorded and retried
        session.rollback()
        _record_failure(session, mail_id, error)
        return _Outcome.FAILED
    begin_write(session)
    if session.get_bind().dialect.name == "postgresql":
        # The worker may die after this commit (it then stands); only a crash of the
        # database server itself within a moment could lose it. Waiting for the disk on
        # every mail would halve the rate.
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    session.execute(
        _MARK_SENT,
        {"mail_id": mail_id, "sent_subject": subject[:300], "sent_message": data,
         "sent_now": utcnow()},
    )
    session.commit()
    return _Outcome.SENT


def make_failed_due(session: Session, mail_id: int | None = None,
                    event_id: int | None = None) -> int:
    """Make failed mails (all, the event's with ``event_id``, or the one with ``mail_id``)
    due now, in the caller's transaction, so that the next delivery run tries them again;
    returns how many."""
    condition = [MailMessage.status == MailStatus.FAILED]
    if event_id is not None:
        condition.append(MailMessage.event_id == event_id)
    if mail_id is not None:
        condition.append(MailMessage.id == mail_id)
    return session.execute(
        update(MailMessage)
        .where(*condition)
        .values(next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["MAIL_SENDING_LEASE_SECONDS"])


def _claim_due(session: Session, limit: int) -> list[tuple[int, str]]:
    """Claim up to ``limit`` due mails in one transaction, in the order they fell due.
    On PostgreSQL the rows another sender is claiming are skipped, not waited for; SQLite
    lets one writer at a time claim. A claimed mail is sent by this sender, or after the
    lease by another should this one die."""
    begin_write(session)
    now = utcnow()
    due = session.execute(
        select(MailMessage.id, MailMessage.kind)
        .where(MailMessage.status.in_(UNSENT), MailMessage.next_attempt_at <= now)
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    ids = [mail_id for mail_id, _kind in due]
    if ids:
        session.execute(
            update(MailMessage)
            .where(MailMessage.id.in_(ids))
            .values(status=MailStatus.SENDING, attempts=MailMessage.attempts + 1,
                    next_attempt_at=now + _lease(), claimed_at=now)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return [(mail_id, kind) for mail_id, kind in due]


def _release(session: Session, mail_ids: list[int], error: BaseException | None) -> None:
    """The mail server is unreachable: give these claimed mails back to the queue for the
    outage's pause, not as failures, so that a mailing waits and resumes where it stopped
    (rather than every mail of it failing in turn, each with its growing pause). A
    request's own mails still fail, to be seen on the dashboard at once."""
    begin_write(session)
    pause = timedelta(seconds=current_app.config["MAIL_OUTAGE_PAUSE_SECONDS"])
    session.execute(
        update(MailMessage)
        .where(MailMessage.id.in_(mail_ids), MailMessage.status == MailStatus.SENDING)
        .values(status=MailStatus.PENDING, next_attempt_at=utcnow() + pause,
                last_error=f"mail server unavailable: {error.__class__.__name__}: {error}"[:2000])
        .execution_options(synchronize_session=False)
    )
    session.commit()
    log.warning("the mail server is unavailable (%s): %s mail(s) wait %s s",
                type(error).__name__, len(mail_ids), pause.total_seconds())


def _record_withdrawn(session: Session, mail_id: int, reason: str) -> None:
    """A mail this sender claimed is not to be sent: never tried again."""
    begin_write(session)
    session.execute(
        update(MailMessage).where(MailMessage.id == mail_id)
        .values(status=MailStatus.WITHDRAWN, last_error=reason[:2000])
        .execution_options(synchronize_session=False))
    session.commit()
    log.info("mail %s withdrawn: %s", mail_id, reason)


def _record_failure(session: Session, mail_id: int, error: Exception) -> None:
    begin_write(session)
    mail = session.get(MailMessage, mail_id)
    if mail is None:  # gone meanwhile (its database emptied): nothing left to retry
        session.rollback()
        return
    pause = retry_pause(mail.attempts)
    mail.status = MailStatus.FAILED
    mail.last_error = f"{error.__class__.__name__}: {error}"[:2000]
    mail.next_attempt_at = utcnow() + pause
    session.commit()
    current_app.logger.warning(
        "mail %s (%s) to registration %s failed, attempt %s: %s",
        mail.id, mail.kind, mail.registration_id, mail.attempts, mail.last_error,
    )


# --- the send rate -----------------------------------------------------------

RATE_BUCKET = "outbox"


def take_sending_tokens(session: Session, wanted: int) -> int:
    """How many of ``wanted`` mails may be sent now under MAIL_RATE_PER_SECOND, taken
    from the token bucket that every worker shares: one row, locked while it is read and
    written (``SELECT … FOR UPDATE``; SQLite's write lock), refilled at the rate for the
    time since it was last taken from, holding at most a second's worth. Commits."""
    rate = current_app.config["MAIL_RATE_PER_SECOND"]
    if not rate:
        return wanted
    begin_write(session)
    now = utcnow()
    capacity = max(rate, 1.0)
    bucket = session.scalar(
        select(MailSendRate).where(MailSendRate.name == RATE_BUCKET).with_for_update())
    if bucket is None:
        session.execute(_insert_new(session, MailSendRate)
                        .values(name=RATE_BUCKET, tokens=capacity, refilled_at=now)
                        .on_conflict_do_nothing())
        bucket = session.scalar(
            select(MailSendRate).where(MailSendRate.name == RATE_BUCKET).with_for_update())
    elapsed = max((now - bucket.refilled_at).total_seconds(), 0.0)
    tokens = min(capacity, bucket.tokens + elapsed * rate)
    granted = min(wanted, int(tokens))
    bucket.tokens = tokens - granted
    bucket.refilled_at = now
    session.commit()
    return granted


# --- the mail server -----------------------------------------------------------


class MailServerUnavailable(Exception):
    """The mail server refused the connection, dropped it or did not answer."""


SMTP_SERVICE_NOT_AVAILABLE = 421
# A connection unused this long is closed rather than reused (servers drop idle ones).
SMTP_IDLE_SECONDS = 10.0


class _Transport:
    """One connection to the mail server for a run of mails (opened at the first, reused
    by the next), or the outbox folder without MAIL_SERVER."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None
        self.last_used = 0.0
        self.error: BaseException | None = None

    def __enter__(self) -> _Transport:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            self.smtp = None

    def send(self, data: bytes, recipient: str, mail_id: int) -> None:
        config = current_app.config
        if not config.get("MAIL_SERVER"):
            path = _write_to_outbox(data, mail_id)
            current_app.logger.info("no MAIL_SERVER set: mail %s written to %s", mail_id, path)
            return
        if self.smtp is not None and time.monotonic() - self.last_used > SMTP_IDLE_SECONDS:
            self.close()
        try:
            if self.smtp is None:
                self.smtp = _connect(config)
            self.smtp.sendmail(parseaddr(config["MAIL_FROM"])[1], [recipient], data)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as error:
            self._unavailable(error)
        except smtplib.SMTPResponseException as error:
            if error.smtp_code != SMTP_SERVICE_NOT_AVAILABLE:
                raise
            self._unavailable(error)
        except smtplib.SMTPException:
            raise  # this mail's own refusal (a recipient refused…)
        except OSError as error:  # refused, reset, timed out
            self._unavailable(error)
        self.last_used = time.monotonic()

    def _unavailable(self, error: BaseException) -> NoReturn:
        """No answer, or the connection went: the server took nothing from this mail
        (it had not said 250), whether it is down or restarting."""
        self.smtp = None
        self.error = error
        raise MailServerUnavailable(str(error)) from error


def _connect(config) -> smtplib.SMTP:
    smtp_class = smtplib.SMTP_SSL if config.get("MAIL_PORT") == 465 else smtplib.SMTP
    smtp = smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS)
    if config.get("MAIL_USE_TLS") and smtp_class is smtplib.SMTP:
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def outbox_path() -> Path:
    return Path(current_app.instance_path) / "outbox"


def _write_to_outbox(data: bytes, mail_id: int) -> Path:
    folder = outbox_path()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    path = folder / f"{stamp}-{mail_id:06d}.eml"
    path.write_bytes(data)
    return path


def deliver_after_response(response):
    """Send the mails this request queued (and committed) in a thread of their own,
    started now: the visitor never waits for the mail server (a slow or failing one
    never costs them their answer), and the mail leaves whether or not the server ever
    closes the response (werkzeug's development server, which `make run` uses, may not
    while the browser keeps its connection). Where the server does close it (gunicorn
    always does), that waits for the thread, so a process never has more senders than
    request threads. Failures are retried (see the module's docstring)."""
    committed = [
        (inspect(mail).identity[0], held)
        for mail, held in db.session.info.pop(QUEUED_IN_SESSION, [])
        if inspect(mail).identity
    ]
    if not committed:
        return response
    held_ids = [mail_id for mail_id, held in committed if held]
    other_ids = [mail_id for mail_id, held in committed if not held]
    app = current_app._get_current_object()

    def send(session: Session) -> None:
        # A few others that are due, read in the transaction that sends the first mail
        # held for this request.
        due = due_ids(session, MailMessage, DUE_PER_REQUEST) if _time_to_look(app) else []
        with _Transport() as transport:
            for mail_id in held_ids:
                if _send_claimed(session, mail_id, transport) is _Outcome.SERVER_UNAVAILABLE:
                    _record_failure(session, mail_id, transport.error)
        deliver(session, list(dict.fromkeys(other_ids + due)))

    return send_beside_response(response, send, "mail")


def send_beside_response(response, send: Callable[[Session], None], what: str):
    """Run ``send(session)`` in a thread of its own, started now, which the response
    waits for when it is closed (see ``deliver_after_response``). A database that is
    unavailable postpones the sending: what was queued stays queued for the workers."""
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                send(db.session)
            except SQLAlchemyError as error:
                log.warning("%s delivery postponed, the database is unavailable: %s",
                            what, type(error).__name__)
            finally:
                release_session(db.session)

    sender = threading.Thread(target=run, name=SENDER_THREAD)
    sender.start()
    response.call_on_close(sender.join)
    return response


def _time_to_look(app: Flask) -> bool:
    """Whether this request looks for other due mails (see DUE_CHECK_INTERVAL)."""
    now = time.monotonic()
    if now < app.extensions.get(NEXT_DUE_CHECK, 0.0):
        return False
    app.extensions[NEXT_DUE_CHECK] = now + DUE_CHECK_INTERVAL
    return True


# --- the workers' signs of life ---------------------------------------------------


def mail_workers_running(session: Session) -> bool:
    """Whether a mail worker has shown a sign of life lately (looked up at most every
    WORKER_CHECK_INTERVAL in this process)."""
    app = current_app._get_current_object()
    now = time.monotonic()
    looked_until, running = app.extensions.get(MAIL_WORKERS_SEEN, (0.0, False))
    if now < looked_until:
        return running
    running = session.scalar(select(MailWorker.name).where(
        MailWorker.seen_at > utcnow() - WORKER_SILENT_AFTER).limit(1)) is not None
    app.extensions[MAIL_WORKERS_SEEN] = (now + WORKER_CHECK_INTERVAL, running)
    return running


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def show_sign_of_life(session: Session, name: str) -> None:
    """Note that the worker ``name`` runs now. Commits."""
    begin_write(session)
    now = utcnow()
    session.execute(_insert_new(session, MailWorker).values(name=name, seen_at=now)
                    .on_conflict_do_update(index_elements=[MailWorker.name],
                                           set_={"seen_at": now}))
    session.commit()


def stopped(session: Session, name: str) -> None:
    """The worker ``name`` stops: requests send their own mail again. Commits."""
    session.execute(delete(MailWorker).where(MailWorker.name == name))
    session.commit()


def _insert_new(session: Session, table):
    """An INSERT that can say what to do when the row exists (both dialects have it)."""
    insert_new = (postgresql_insert if session.get_bind().dialect.name == "postgresql"
                  else sqlite_insert)
    return insert_new(table)


def run_worker(
    session: scoped_session, stop: threading.Event, idle_seconds: float = WORKER_IDLE_SECONDS
) -> int:
    """``flask summit mail-worker``: queue scheduled mail every SCHEDULE_INTERVAL
    seconds and send due mails until ``stop`` is set, pausing ``idle_seconds`` whenever
    none is due. Several may run at once (each mail is claimed before it is sent). A
    stop lets the mail in hand finish. Returns how many were sent."""
    total = 0
    next_schedule = 0.0
    name = worker_name()
    while not stop.is_set():
        try:
            if time.monotonic() >= next_schedule:
                next_schedule = time.monotonic() + SCHEDULE_INTERVAL
                show_sign_of_life(session, name)
                queue_scheduled(session)
            sent, failed, withdrawn = _deliver_due(session, WORKER_BATCH)
        except SQLAlchemyError as error:
            # The database restarts or is briefly gone: try again after the pause.
            log.warning("mail worker: the database is unavailable: %s", type(error).__name__)
            sent = failed = withdrawn = 0
        total += sent
        if sent + failed + withdrawn == 0:
            # No transaction or connection held while idle.
            release_session(session)
            stop.wait(idle_seconds)
    with contextlib.suppress(SQLAlchemyError):
        stopped(session, name)
    return total
