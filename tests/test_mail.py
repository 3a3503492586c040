"""Mail through a real SMTP server on 127.0.0.1, and what happens when it is down."""

from __future__ import annotations

import re
import signal
from datetime import timedelta
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from summit.extensions import db
from summit.models import MailMessage, MailStatus, MailWorker, utcnow
from summit.outbox import (
    MAIL_WORKERS_SEEN,
    NEXT_DUE_CHECK,
    WORKER_SILENT_AFTER,
    deliver_due,
    mail_workers_running,
    show_sign_of_life,
)
from summit.urls import serving_at

from .helpers.admin_pages import ADMIN
from .helpers.mail import (
    Inbox,
    addressees,
    smtp_inbox,
    start_mail_worker,
    stop_mail_worker,
    wait_for,
)
from .helpers.pages import DEMO, page_text
from .helpers.registrations import forum_id, post_registration, register_directly
from .servers import free_port


@pytest.fixture
def smtp_server(app, monkeypatch):
    with smtp_inbox(app, monkeypatch) as (inbox, _port):
        yield inbox


def test_the_confirmation_arrives_by_smtp_with_a_working_private_link(
    app, client, demo_event, smtp_server
):
    with app.app_context():
        chosen = [forum_id("chip-machine")]
    client.get(f"{DEMO}/register?lang=zh")
    assert post_registration(client, forums=chosen).status_code == 302
    assert wait_for(lambda: smtp_server.messages)
    (message,) = smtp_server.messages
    assert message["To"].addresses[0].addr_spec == "liu.yunjie@pml.example.cn"
    assert "2020中国国际嵌入式大会" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"http://localhost(/r/[A-Za-z0-9_-]+)", body).group(1)
    page = client.get(link + "?lang=en")
    assert page.status_code == 200
    assert "刘韵洁" in page_text(page)
    html = message.get_body(("html",)).get_content()
    assert f'href="http://localhost{link}"' in html
    with app.app_context():
        kept = db.session.scalars(select(MailMessage)).one()
        assert kept.status == MailStatus.SENT
        # The record of what went out: the message itself, its subject, and when.
        sent = message_from_bytes(kept.message, policy=policy.default)
        assert sent["Message-ID"] == message["Message-ID"]
        assert kept.subject == message["Subject"]
        assert timedelta(0) <= utcnow() - kept.sent_at < timedelta(minutes=1)


def test_a_dead_smtp_server_never_costs_a_registration_and_the_mail_is_retried(
    app, client, demo_event, monkeypatch
):
    dead_port = free_port()  # nothing listens here
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", dead_port)
    client.get(f"{DEMO}/register?lang=en")
    response = post_registration(client)
    assert response.status_code == 302
    with app.app_context():
        (mail,) = db.session.scalars(select(MailMessage)).all()
        assert mail.status == MailStatus.FAILED
        assert mail.attempts == 1
        assert "Connection refused" in mail.last_error or "Errno" in mail.last_error
        assert mail.registration.email == "liu.yunjie@pml.example.cn"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=dead_port)
    controller.start()
    try:
        runner = app.test_cli_runner()
        result = runner.invoke(args=["summit", "send-mail", "--retry-now"])
        assert "Sent 1 mail(s)" in result.output, result.output
        assert len(inbox.messages) == 1
    finally:
        controller.stop()
    with app.app_context():
        (mail,) = db.session.scalars(select(MailMessage)).all()
        assert mail.status == MailStatus.SENT and mail.attempts == 2


def test_a_mail_is_sent_once_even_when_two_senders_run(app, demo_event, smtp_server):
    from summit.models import Event
    from summit.registration import service
    from summit.registration.service import AttendeeDetails

    with app.app_context(), serving_at("http://summit.test"):
        event = db.session.get(Event, demo_event)
        service.register(db.session, event, AttendeeDetails(full_name="一次", email="once@x.cn"),
                         [])
        first = deliver_due(db.session)
        second = deliver_due(db.session)
    assert (first, second) == ((1, 0), (0, 0))
    assert len(smtp_server.messages) == 1


def test_a_request_holds_its_first_mails_for_itself_and_sends_a_bulk_of_them_too(
    app, demo_event, smtp_server
):
    from flask import Response

    from summit.models import Event
    from summit.outbox import HELD_PER_REQUEST, deliver_after_response
    from summit.registration import service
    from summit.registration.service import AttendeeDetails

    count = HELD_PER_REQUEST + 2
    with app.test_request_context(f"{ADMIN}/registrations/import", method="POST"):
        event = db.session.get(Event, demo_event)
        for number in range(count):
            details = AttendeeDetails(full_name="批量", email=f"bulk{number}@x.cn")
            service.register(db.session, event, details, [])
        statuses = db.session.scalars(select(MailMessage.status).order_by(MailMessage.id)).all()
        # Past the first few, cron may take them at once: they are not held for this request.
        assert statuses == ([MailStatus.SENDING] * HELD_PER_REQUEST + [MailStatus.PENDING] * 2)
        response = deliver_after_response(Response("imported"))
    response.close()  # the server is done with the response: it waits for the mails' thread

    assert wait_for(lambda: len(smtp_server.messages) == count)
    with app.app_context():
        assert db.session.scalars(select(MailMessage.status)).all() == [MailStatus.SENT] * count
    assert sorted(message["To"].addresses[0].addr_spec for message in smtp_server.messages) == [
        f"bulk{number}@x.cn" for number in range(count)]


def test_the_next_request_that_sends_mail_also_sends_one_whose_own_send_was_lost(
    app, client, demo_event
):
    from datetime import timedelta

    from summit.models import Event, utcnow
    from summit.registration import service
    from summit.registration.service import AttendeeDetails

    with app.test_request_context(f"{DEMO}/register", method="POST"):
        event = db.session.get(Event, demo_event)
        # Registered, but the worker died before its after-response send.
        details = AttendeeDetails(full_name="丢失", email="lost@x.cn")
        service.register(db.session, event, details, [])
        lost = db.session.execute(select(MailMessage)).scalars().one()
        # Held for that send, no other sender takes it (cron's `send-mail` neither) ...
        assert lost.status == MailStatus.SENDING
        assert deliver_due(db.session) == (0, 0)
        # ... until the hold is over.
        lost.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    # No request of this process has looked for due mails lately (other tests' have).
    app.extensions.pop(NEXT_DUE_CHECK, None)

    client.get(f"{DEMO}/register?lang=en")
    assert post_registration(client).status_code == 302
    with app.app_context():
        statuses = db.session.execute(
            select(MailMessage.recipient, MailMessage.status).order_by(MailMessage.id)).all()
    assert statuses == [("lost@x.cn", MailStatus.SENT),
                        ("liu.yunjie@pml.example.cn", MailStatus.SENT)]


def test_every_mail_carries_date_and_message_id(app, client, demo_event, smtp_server,
                                                monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FROM", "Embedded China <noreply@summit.example.org>")
    client.get(f"{DEMO}/register?lang=en")
    post_registration(client)
    assert wait_for(lambda: smtp_server.messages)
    (message,) = smtp_server.messages
    assert abs(parsedate_to_datetime(message["Date"]) - utcnow()) < timedelta(minutes=1)
    assert re.fullmatch(r"<[^@<>\s]+@summit\.example\.org>", message["Message-ID"])


def queue_mails(app, event_id: int, addresses: list[str]) -> None:
    """Registrations made outside a request: their confirmations wait in the queue."""
    with app.app_context():
        for address in addresses:
            register_directly(event_id, address, [], "排队", organisation="")
        db.session.remove()


def test_mail_workers_send_the_queue_as_it_grows_and_stop_on_sigterm(app, demo_event):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    queue_mails(app, demo_event, [f"queued{number}@x.cn" for number in range(3)])
    workers = [start_mail_worker(app, controller.port) for _ in range(2)]
    try:
        for worker in workers:  # each says so once it listens for SIGTERM
            assert worker.stdout.readline().startswith("Mail worker started")
        assert wait_for(lambda: len(inbox.messages) == 3, seconds=60), inbox.messages
        # A mail queued while they run goes out within seconds, without anyone asking.
        queue_mails(app, demo_event, ["later@x.cn"])
        assert wait_for(lambda: len(inbox.messages) == 4, seconds=10)
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        outputs = [worker.communicate(timeout=20) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        controller.stop()
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    sent = [int(re.search(r"after sending (\d+)", out).group(1)) for out, _err in outputs]
    assert sum(sent) == 4  # each mail once, whichever worker took it
    assert sorted(m["To"].addresses[0].addr_spec for m in inbox.messages) == [
        "later@x.cn", "queued0@x.cn", "queued1@x.cn", "queued2@x.cn"]
    with app.app_context():
        assert set(db.session.scalars(select(MailMessage.status))) == {MailStatus.SENT}


def running_workers(app) -> list[str]:
    with app.app_context():
        names = list(db.session.scalars(select(MailWorker.name)))
        db.session.remove()
    return names


def test_while_a_mail_worker_runs_requests_leave_their_mail_to_it(
        app, client, demo_event, smtp_server):
    """The worker sends through one mail server, the app's requests through another: who
    sent a confirmation shows in which inbox it lands."""
    worker_inbox = Inbox()
    controller = Controller(worker_inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    worker = start_mail_worker(app, controller.port)
    try:
        assert worker.stdout.readline().startswith("Mail worker started")
        assert wait_for(lambda: running_workers(app))
        client.get(f"{DEMO}/register?lang=en")
        assert post_registration(client, email="while.running@x.cn").status_code == 302
        assert wait_for(lambda: addressees(worker_inbox.messages)["while.running@x.cn"] == 1)
        assert smtp_server.messages == []
        stop_mail_worker(worker)
        assert running_workers(app) == []  # gone as it stopped
        app.extensions.pop(MAIL_WORKERS_SEEN)  # as another WORKER_CHECK_INTERVAL later
        assert post_registration(client, email="after.stop@x.cn").status_code == 302
        assert wait_for(lambda: addressees(smtp_server.messages)["after.stop@x.cn"] == 1)
    finally:
        if worker.poll() is None:
            worker.kill()
        controller.stop()
    assert addressees(worker_inbox.messages) == {"while.running@x.cn": 1}


def test_a_mail_worker_killed_without_a_word_is_taken_for_stopped_after_a_silence(
        app, demo_event):
    with app.app_context():
        show_sign_of_life(db.session, "gone-machine:4242")
        assert mail_workers_running(db.session)
        db.session.execute(update(MailWorker).values(
            seen_at=utcnow() - WORKER_SILENT_AFTER - timedelta(seconds=1)))
        db.session.commit()
        app.extensions.pop(MAIL_WORKERS_SEEN)
        assert not mail_workers_running(db.session)


def test_a_registration_cancelled_before_its_confirmation_went_out_gets_both_mails(
    app, demo_event, smtp_server
):
    """The confirmation is written when it is sent: by then the registration may be
    cancelled, and has no place on any waiting list to report."""
    from summit.registration import service

    with app.app_context():
        registration = register_directly(demo_event, "early.leaver@example.org", [])
        with serving_at("http://localhost"):
            service.cancel(db.session, registration)
        assert deliver_due(db.session) == (2, 0)
        mails = db.session.scalars(select(MailMessage).order_by(MailMessage.id)).all()
        assert [mail.status for mail in mails] == [MailStatus.SENT, MailStatus.SENT]
    confirmation = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "thank you for registering" in confirmation or "感谢" in confirmation
    assert "waiting list" not in confirmation and "候补" not in confirmation
