"""Group mails: whom each group reaches (through a real SMTP server on 127.0.0.1), each
attendee's language, hostile text, the worker killed or the mail server gone midway,
scheduled mailings with two workers, the send rate, CSRF and roles."""

from __future__ import annotations

import re
import signal
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from summit.audit import AuditAction
from summit.extensions import db
from summit.mailings import service
from summit.mailings.recipients import RecipientFilter
from summit.models import (
    Answer,
    Event,
    Forum,
    Mailing,
    MailingRecipient,
    MailingState,
    MailMessage,
    MailStatus,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    Role,
    User,
    utcnow,
)
from summit.outbox import deliver_due, run_worker
from summit.registration import service as registrations
from summit.urls import serving_at

from .helpers.accounts import sign_in
from .helpers.admin_pages import event_admin
from .helpers.database import audit_entries, database_url_of
from .helpers.mail import (
    HoldingInbox,
    addressees,
    mail_worker_process,
    smtp_server,
    stop_mail_worker,
    wait_for,
)
from .helpers.pages import csrf_token, page_text
from .helpers.questions import demo_question
from .helpers.registrations import (
    bulk_registrations,
    forum_id,
    register_directly,
    set_capacity,
)

ADMIN = event_admin("embedded-china-2020")
LINK_BASE = "http://summit.test"


@pytest.fixture
def smtp(app, monkeypatch):
    with smtp_server() as controller:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
        yield controller.handler


def _people(event_id: int) -> dict[str, int]:
    """Five attendees, one of each kind a group can pick out; name -> registration id.
    Forum "chip-machine" holds one seat: the second to choose it waits."""
    chip, five_g = forum_id("chip-machine"), forum_id("5g-ai-big-data")
    set_capacity(Forum, chip, 1)
    people = {
        "seated": register_directly(event_id, "seated@x.cn", [chip], "甲坐席"),
        "waiting": register_directly(event_id, "waiting@x.org", [chip], "Bob Waiting",
                                     locale="en"),
        "speaker": register_directly(event_id, "speaker@x.cn", [five_g], "丙讲者",
                                     category=RegistrationCategory.SPEAKER),
        "cancelled": register_directly(event_id, "cancelled@x.cn", [], "丁取消"),
        "event_waiting": register_directly(event_id, "later@x.cn", [], "戊候补"),
    }
    people["speaker"].checked_in_at = utcnow()
    people["cancelled"].status = RegistrationStatus.CANCELLED
    people["event_waiting"].status = RegistrationStatus.WAITLISTED
    invoice = demo_question(event_id, "Do you need an invoice")
    db.session.add(Answer(registration_id=people["seated"].id, question_id=invoice.id,
                          value=True))
    _forget_their_confirmations()
    return {name: registration.id for name, registration in people.items()}


def _forget_their_confirmations() -> None:
    """Registering queued confirmations: only group mails are looked for here."""
    db.session.execute(delete(MailMessage))
    db.session.commit()


def _mailing(event_id: int, group: RecipientFilter, **texts) -> Mailing:
    author = db.session.scalars(select(User)).first()
    plan = service.MailingPlan(**{"subject_zh": "通知 {name}", "body_zh": "您好，{name}。",
                                  "subject_en": "Notice {name}", "body_en": "Hello {name}.",
                                  **texts}, recipients=group)
    event = db.session.get(Event, event_id)
    return service.save_draft(db.session, author, event, None, plan)


def _drain(app, rounds: int = 50) -> None:
    with app.app_context():
        for _round in range(rounds):
            if deliver_due(db.session, 500) == (0, 0):
                return


def _invoice_yes(event_id: int) -> str:
    return f"q{demo_question(event_id, 'Do you need an invoice').id}:yes"


GROUPS = {
    # name: (the group, as the form fields say it; who is in it)
    "everyone": ({}, {"seated", "waiting", "speaker", "event_waiting"}),
    "confirmed": ({"status": "confirmed"}, {"seated", "waiting", "speaker"}),
    "waiting list": ({"status": "waitlisted"}, {"event_waiting"}),
    "cancelled": ({"status": "cancelled"}, {"cancelled"}),
    "a forum's waiting list": ({"forum": "chip-machine", "seat": "waitlisted"}, {"waiting"}),
    "a forum's seats": ({"forum": "chip-machine", "seat": "confirmed"}, {"seated"}),
    "a forum": ({"forum": "chip-machine"}, {"seated", "waiting"}),
    "speakers": ({"category": "speaker"}, {"speaker"}),
    "checked in": ({"checked_in": "yes"}, {"speaker"}),
    "not checked in": ({"checked_in": "no"}, {"seated", "waiting", "event_waiting"}),
    "an answer": ({"answer": "invoice"}, {"seated"}),
}


def _fields(app, event_id: int, group: dict) -> dict:
    fields = dict(group)
    with app.app_context():
        if "forum" in fields:
            fields["forum_id"] = str(forum_id(fields.pop("forum")))
        if fields.get("answer") == "invoice":
            fields["answer"] = _invoice_yes(event_id)
    return fields


@pytest.mark.parametrize("group_name", list(GROUPS))
def test_each_group_is_counted_and_mailed_exactly(app, organizer, demo_event, smtp,
                                                  group_name):
    group, members = GROUPS[group_name]
    with app.app_context(), serving_at(LINK_BASE):
        people = _people(demo_event)
        emails = {name: db.session.get(Registration, rid).email for name, rid in people.items()}
    fields = _fields(app, demo_event, group)

    counted = organizer.get(f"{ADMIN}/mailings/count", query_string=fields).get_json()
    assert counted["count"] == len(members)

    response = organizer.post(f"{ADMIN}/mailings/new", data={
        "csrf_token": csrf_token(organizer, f"{ADMIN}/mailings/new"), "action": "send",
        "subject_zh": "通知", "body_zh": "您好 {name}", "subject_en": "Notice",
        "body_en": "Hello {name}", **fields})
    assert response.status_code == 302
    page = organizer.get(response.headers["Location"])
    assert f"Sending to {len(members)} recipient" in page_text(page)
    _drain(app)
    assert addressees(smtp.messages) == {emails[name]: 1 for name in members}
    with app.app_context():
        mailing = db.session.scalars(select(Mailing)).one()
        progress = service.progress(db.session, [mailing.id])[mailing.id]
        assert (progress.sent, progress.queued, progress.failed) == (len(members), 0, 0)
        service.queue_due_mailings(db.session)
        assert db.session.get(Mailing, mailing.id).state == MailingState.SENT
    listed = page_text(organizer.get(f"{ADMIN}/mailings"))
    assert f"Notice Sent {len(members)} 0 {len(members)} 0 organizer@" in listed, listed


def test_each_attendee_reads_their_own_language_and_the_other_when_theirs_is_empty(
        app, demo_event, smtp):
    with app.app_context(), serving_at(LINK_BASE):
        people = _people(demo_event)
        author = db.session.scalars(select(User)).first() or _author()
        both = _mailing(demo_event, RecipientFilter(forum_id=forum_id("chip-machine")))
        service.send_now(db.session, author, both)
    _drain(app)
    subjects = {m["To"].addresses[0].addr_spec: m["Subject"] for m in smtp.messages}
    assert subjects == {"seated@x.cn": "通知 甲坐席", "waiting@x.org": "Notice Bob Waiting"}
    english = next(m for m in smtp.messages if m["Subject"].startswith("Notice"))
    assert "Hello Bob Waiting." in english.get_body(("plain",)).get_content()
    assert "Hello Bob Waiting." in english.get_body(("html",)).get_content()

    smtp.messages.clear()
    with app.app_context(), serving_at(LINK_BASE):
        only_english = _mailing(demo_event, RecipientFilter(forum_id=forum_id("chip-machine")),
                                subject_zh="", body_zh="")
        service.send_now(db.session, db.session.scalars(select(User)).one(), only_english)
        assert people
    _drain(app)
    assert sorted(m["Subject"] for m in smtp.messages) == ["Notice Bob Waiting", "Notice 甲坐席"]


def _author() -> User:
    from summit.auth.service import create_user

    user = create_user(db.session, "author@summit.example.org", "correct horse battery", Role.ADMIN)
    db.session.commit()
    return user


def test_placeholders_give_each_attendee_their_links_forums_and_seats(app, demo_event, smtp,
                                                                       client):
    with app.app_context(), serving_at(LINK_BASE):
        _people(demo_event)
        author = _author()
        mailing = _mailing(demo_event, RecipientFilter(forum_id=forum_id("chip-machine"),
                                                       seat="waitlisted"),
                           body_en="Your page: [open it]({private_link}) or {private_link}\n\n"
                                   "Badge: {badge_link}\n\nForums: {forums}\n\n"
                                   "Seats: {seat_status}\n\nStatus: {registration_status}\n\n"
                                   "{event} · {organisation} · {{name}}")
        service.send_now(db.session, author, mailing)
    _drain(app)
    (mail,) = smtp.messages
    text = mail.get_body(("plain",)).get_content()
    link = re.search(r"Your page: \[open it\]\((http://summit\.test/r/[\w-]+)\) or \1", text)
    assert link, text
    assert client.get(link.group(1).removeprefix(LINK_BASE) + "?lang=en").status_code == 200
    assert f"Badge: {link.group(1)}/badge.pdf" in text
    assert "Forums: Chip and Machine Forum" in text or "Forums: " in text
    assert "Seats: " in text and "waiting list, number 1" in text
    assert "Status: Confirmed" in text
    assert "· 东南大学 · {name}" in text
    html = mail.get_body(("html",)).get_content()
    assert f'<a href="{link.group(1)}" rel="noopener noreferrer">open it</a>' in html
    assert f'<a href="{link.group(1)}">{link.group(1)}</a>' in html


HOSTILE_NAME = '<script>alert(1)</script> *{private_link}* [x](javascript:alert(1)) {{name}}'


def test_hostile_text_is_neutralised_in_every_part(app, demo_event, smtp):
    with app.app_context(), serving_at(LINK_BASE):
        register_directly(demo_event, "hostile@x.cn", [], HOSTILE_NAME, locale="en",
                          organisation="<img src=x onerror=alert(1)>")
        _forget_their_confirmations()
        author = _author()
        mailing = _mailing(
            demo_event, RecipientFilter(),
            subject_en="Hi {name}\r\nBcc: victim@example.org",
            body_en='<script>alert("organizer")</script>\n\n[click](javascript:alert(2)) '
                    '<img src=x onerror=alert(3)> **{name}** from {organisation}\n\n'
                    '<a href="https://evil.example" onclick="x()">raw</a>')
        service.send_now(db.session, author, mailing)
    _drain(app)
    (mail,) = smtp.messages
    assert mail["Bcc"] is None and "victim" not in str(mail["To"])
    assert "\n" not in mail["Subject"] and mail["Subject"].startswith("Hi <script>")
    html = mail.get_body(("html",)).get_content()
    tags = re.findall(r"<([a-z][a-z0-9]*)([^>]*)>", html)
    assert {name for name, _attributes in tags} <= {
        "html", "head", "meta", "title", "body", "p", "strong", "a"}
    assert not [attributes for _name, attributes in tags
                if re.search(r"\son\w+=|javascript:", attributes)]
    # What the organizer wrote as HTML shows as text.
    assert '&lt;script&gt;alert("organizer")&lt;/script&gt;' in html.replace("&quot;", '"')
    # The attendee's name shows as the text it is: escaped, never a link or a placeholder.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; *{private_link}* [x](javascript:alert(1)) " \
           "{{name}}" in html
    assert "/r/" not in html
    text = mail.get_body(("plain",)).get_content()
    assert f"**{HOSTILE_NAME}** from <img src=x onerror=alert(1)>" in text
    assert "/r/" not in text


def test_an_unknown_placeholder_is_refused_on_the_page_and_a_subject_kept_to_one_line(
        app, organizer, demo_event):
    token = csrf_token(organizer, f"{ADMIN}/mailings/new")
    response = organizer.post(f"{ADMIN}/mailings/new", data={
        "csrf_token": token, "action": "save", "subject_en": "Hi {name.__class__} {password}",
        "body_en": "Dear {0}, {name}"})
    assert response.status_code == 422
    text = page_text(response)
    assert "Unknown placeholder: {password}" in text
    assert "Unknown placeholder: {0}" in text
    response = organizer.post(f"{ADMIN}/mailings/new", data={
        "csrf_token": token, "action": "save", "subject_en": "Hi\r\nBcc: victim@example.org",
        "body_en": "Hello"})
    # A subject is one line: the form joins what a hostile post splits.
    assert response.status_code == 302
    with app.app_context():
        (mailing,) = db.session.scalars(select(Mailing)).all()
        assert mailing.subject_en == "Hi Bcc: victim@example.org"


def test_a_test_goes_to_the_organizer_alone_as_the_chosen_attendee_would_read_it(
        app, organizer, demo_event, smtp):
    with app.app_context(), serving_at(LINK_BASE):
        _people(demo_event)
    response = organizer.post(f"{ADMIN}/mailings/new", data={
        "csrf_token": csrf_token(organizer, f"{ADMIN}/mailings/new"), "action": "test",
        "subject_en": "Notice {name}", "body_en": "Hello {name}", "subject_zh": "",
        "body_zh": "", "preview_email": "Waiting@X.org"})
    assert response.status_code == 302
    response.close()
    assert wait_for(lambda: smtp.messages)
    (mail,) = smtp.messages
    assert mail["To"].addresses[0].addr_spec == "organizer@summit.example.org"
    assert mail["Subject"] == "Notice Bob Waiting"
    page = page_text(organizer.get(response.headers["Location"]))
    assert "As Bob Waiting (waiting@x.org) would read it" in page
    with app.app_context():
        mailing = db.session.scalars(select(Mailing)).one()
        assert mailing.state == MailingState.DRAFT
        assert service.progress(db.session, [mailing.id])[mailing.id].sent == 0
        assert [entry.summary for entry in audit_entries(AuditAction.SEND_TEST)] == [
            "Notice {name} → organizer@summit.example.org (waiting@x.org)"]


def test_the_preview_shows_each_language_for_a_real_recipient(app, organizer, demo_event):
    with app.app_context(), serving_at(LINK_BASE):
        _people(demo_event)
    response = organizer.post(f"{ADMIN}/mailings/new", data={
        "csrf_token": csrf_token(organizer, f"{ADMIN}/mailings/new"), "action": "save",
        "subject_zh": "通知", "body_zh": "**您好** {name}", "subject_en": "",
        "body_en": "", "status": "confirmed"})
    page = organizer.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "<strong>您好</strong> 甲坐席" in html
    assert "in the other language: this one is empty" in page_text(page)
    assert "3 recipients" in page_text(page)


def _queue_mailing(app, event_id: int, count: int) -> int:
    with app.app_context(), serving_at(LINK_BASE):
        event = db.session.get(Event, event_id)
        for number in range(count):
            register_directly(event_id, f"guest{number:03d}@x.cn", [], f"来宾{number}")
        _forget_their_confirmations()
        author = _author()
        mailing = _mailing(event.id, RecipientFilter())
        assert service.send_now(db.session, author, mailing) == count
        return mailing.id


def test_a_worker_killed_midway_and_started_again_mails_everyone_exactly_once(
        app, demo_event, tmp_path):
    count = 45
    mailing_id = _queue_mailing(app, demo_event, count)
    inbox = HoldingInbox(hold_after=7)
    url = database_url_of(app)
    with smtp_server(inbox=inbox) as controller:
        worker = mail_worker_process(url, str(tmp_path), controller.port,
                                   MAIL_SENDING_LEASE_SECONDS="2")
        try:
            assert inbox.holding.wait(60), worker.stderr.read1().decode()
            # Killed while the server has not yet taken the eighth mail; the rest of its
            # batch claimed.
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        finally:
            if worker.poll() is None:
                worker.kill()
        inbox.hold_after = None
        with app.app_context():
            statuses = [mail.status for mail in db.session.scalars(select(MailMessage))]
            assert statuses.count(MailStatus.SENT) == 7
            assert MailStatus.SENDING in statuses
        assert len(inbox.messages) == 7
        again = mail_worker_process(url, str(tmp_path), controller.port,
                                  MAIL_SENDING_LEASE_SECONDS="2")
        try:
            assert wait_for(lambda: len(inbox.messages) >= count, 60)
            time.sleep(1)  # nothing more arrives
        finally:
            stop_mail_worker(again)
    received = addressees(inbox.messages)
    assert received == {f"guest{number:03d}@x.cn": 1 for number in range(count)}
    with app.app_context():
        counts = service.progress(db.session, [mailing_id])[mailing_id]
        assert (counts.sent, counts.queued, counts.failed) == (count, 0, 0)


def test_a_mail_server_outage_pauses_the_mailing_and_it_resumes_where_it_stopped(
        app, demo_event, monkeypatch):
    count = 30
    _queue_mailing(app, demo_event, count)
    monkeypatch.setitem(app.config, "MAIL_OUTAGE_PAUSE_SECONDS", 0.3)
    with smtp_server() as first:
        port, inbox = first.port, first.handler
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        with app.app_context():
            assert deliver_due(db.session, 10) == (10, 0)
    # The server is gone: nothing is lost, nothing fails, the mailing waits.
    with app.app_context():
        assert deliver_due(db.session, 10) == (0, 0)
        mails = db.session.scalars(select(MailMessage)).all()
        assert sum(mail.status == MailStatus.SENT for mail in mails) == 10
        assert sum(mail.status == MailStatus.PENDING for mail in mails) == 20
        # The batch in hand waits for the pause, saying why.
        assert sum("mail server unavailable" in mail.last_error for mail in mails) == 10
    stop = threading.Event()

    def work():
        with app.app_context():
            run_worker(db.session, stop, idle_seconds=0.1)

    worker = threading.Thread(target=work)
    worker.start()
    try:
        time.sleep(0.5)  # the worker meets the outage too
        with smtp_server(port=port, inbox=inbox):
            assert wait_for(lambda: len(inbox.messages) >= count, 30)
            time.sleep(0.5)
    finally:
        stop.set()
        worker.join(30)
    assert addressees(inbox.messages) == {f"guest{n:03d}@x.cn": 1 for n in range(count)}


def test_a_scheduled_mailing_is_queued_once_by_two_workers(app, demo_event, tmp_path):
    with app.app_context(), serving_at(LINK_BASE):
        for number in range(12):
            register_directly(demo_event, f"guest{number:03d}@x.cn", [], f"来宾{number}")
        _forget_their_confirmations()
        author = _author()
        mailing = _mailing(demo_event, RecipientFilter())
        service.schedule(db.session, author, mailing, utcnow() + timedelta(seconds=3))
        mailing_id = mailing.id
    url = database_url_of(app)
    with smtp_server() as controller:
        workers = [mail_worker_process(url, str(tmp_path), controller.port) for _ in range(2)]
        try:
            assert wait_for(lambda: len(controller.handler.messages) >= 12, 60)
            time.sleep(2)  # both workers looked again meanwhile
        finally:
            for worker in workers:
                stop_mail_worker(worker)
        assert addressees(controller.handler.messages) == {
            f"guest{number:03d}@x.cn": 1 for number in range(12)}
    with app.app_context():
        assert db.session.get(Mailing, mailing_id).state == MailingState.SENT
        assert len(db.session.scalars(select(MailingRecipient)).all()) == 12
        assert len(audit_entries(AuditAction.SEND)) == 1


def test_two_workers_racing_for_a_due_mailing_queue_it_once(app, demo_event):
    with app.app_context(), serving_at(LINK_BASE):
        register_directly(demo_event, "one@x.cn", [], "一")
        _forget_their_confirmations()
        author = _author()
        mailing = _mailing(demo_event, RecipientFilter())
        service.schedule(db.session, author, mailing, utcnow() + timedelta(seconds=1))
    time.sleep(1.1)
    queued = []
    barrier = threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait()
            queued.append(service.queue_due_mailings(db.session))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(queued) == [0, 1]
    with app.app_context():
        assert len(db.session.scalars(select(MailMessage)).all()) == 1


def test_a_cancelled_scheduled_mailing_sends_nothing(app, organizer, demo_event, smtp):
    with app.app_context(), serving_at(LINK_BASE):
        _people(demo_event)
    response = organizer.post(f"{ADMIN}/mailings/new", data={
        "csrf_token": csrf_token(organizer, f"{ADMIN}/mailings/new"), "action": "schedule",
        "subject_en": "Later", "body_en": "Soon", "send_at": "2030-01-01T09:00"})
    assert response.status_code == 302
    page = organizer.get(response.headers["Location"])
    assert "Scheduled" in page_text(page) and "Cancel this mailing" in page_text(page)
    with app.app_context():
        mailing = db.session.scalars(select(Mailing)).one()
        # 09:00 on the event's clock (China) is 01:00 UTC.
        assert mailing.send_at == datetime(2030, 1, 1, 1, 0, tzinfo=UTC)
        mailing.send_at = utcnow()
        db.session.commit()
        mailing_id = mailing.id
    response = organizer.post(f"{ADMIN}/mailings/{mailing_id}/cancel", data={
        "csrf_token": csrf_token(organizer, f"{ADMIN}/mailings/{mailing_id}")})
    assert response.status_code == 302
    with app.app_context():
        assert service.queue_due_mailings(db.session) == 0
        assert db.session.get(Mailing, mailing_id).state == MailingState.CANCELLED
        assert len(audit_entries(AuditAction.CANCEL_MAILING)) == 1
    _drain(app)
    assert smtp.messages == []


def test_the_send_rate_holds_across_two_workers(app, demo_event, smtp, monkeypatch):
    count = 30
    _queue_mailing(app, demo_event, count)
    monkeypatch.setitem(app.config, "MAIL_RATE_PER_SECOND", 10.0)
    stop = threading.Event()

    def work():
        with app.app_context():
            run_worker(db.session, stop, idle_seconds=0.05)

    started = time.monotonic()
    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        assert wait_for(lambda: len(smtp.messages) >= count, 30)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        for worker in workers:
            worker.join(30)
    # A second's worth at once, then ten a second: 30 mails take two seconds at least.
    assert elapsed >= 1.8, elapsed
    assert addressees(smtp.messages) == {f"guest{n:03d}@x.cn": 1 for n in range(count)}


def test_check_in_staff_anonymous_visitors_and_other_events_organizers_are_kept_out(
        app, client, demo_event):
    sign_in(app, client, Role.CHECKIN)
    for path in ("/mailings", "/mailings/new", "/mailings/count"):
        assert client.get(ADMIN + path).status_code == 403
    assert client.post(f"{ADMIN}/mailings/new", data={"subject_en": "x"}).status_code in (
        400, 403)
    other = app.test_client()
    sign_in(app, other, Role.ORGANIZER, "elsewhere@summit.example.org", events=[])
    assert other.get(f"{ADMIN}/mailings").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get(f"{ADMIN}/mailings").status_code == 302


def test_a_post_without_its_csrf_token_changes_nothing(app, organizer, demo_event):
    response = organizer.post(f"{ADMIN}/mailings/new", data={
        "action": "send", "subject_en": "x", "body_en": "y"})
    assert response.status_code in (400, 422)
    with app.app_context():
        assert db.session.scalars(select(Mailing)).all() == []


def test_the_menu_offers_mailings_to_organizers(app, organizer, demo_event):
    page = organizer.get(f"{ADMIN}/mailings").get_data(as_text=True)
    assert f'href="{ADMIN}/mailings" aria-current="page">Mailings</a>' in page


def test_a_page_left_open_after_the_mailing_was_sent_changes_nothing(app, organizer,
                                                                     demo_event, smtp):
    with app.app_context(), serving_at(LINK_BASE):
        _people(demo_event)
    token = csrf_token(organizer, f"{ADMIN}/mailings/new")
    response = organizer.post(f"{ADMIN}/mailings/new", data={
        "csrf_token": token, "action": "save", "subject_en": "Once", "body_en": "Hello"})
    draft = response.headers["Location"]
    fields = {"csrf_token": token, "subject_en": "Once", "body_en": "Hello"}
    assert organizer.post(draft, data={**fields, "action": "send"}).status_code == 302
    again = organizer.post(draft, data={**fields, "action": "send", "body_en": "Changed"},
                           follow_redirects=True)
    assert "sent or scheduled meanwhile: nothing was changed" in page_text(again)
    _drain(app)
    assert len(smtp.messages) == 4
    with app.app_context():
        assert db.session.scalars(select(Mailing)).one().body_en == "Hello"


# --- withdrawn before they go: a registration cancelled since, a mailing stopped ---------


def _group_mails(inbox) -> list:
    """The group mails among what the server received (a cancellation sends its own)."""
    return [message for message in inbox.messages
            if message["Subject"].startswith(("通知", "Notice"))]


def _drain_with_a_worker(app, tmp_path, port: int, expected: int, inbox) -> None:
    """A real `flask summit mail-worker` sends until ``expected`` group mails have come
    and nothing is left to send, then stops."""
    worker = mail_worker_process(database_url_of(app), str(tmp_path), port)
    try:
        assert wait_for(lambda: len(_group_mails(inbox)) >= expected, 60)

        def settled():
            with app.app_context():
                return not db.session.scalars(select(MailMessage.id).where(
                    MailMessage.status.in_((MailStatus.PENDING, MailStatus.SENDING)))).all()
        assert wait_for(settled, 30)
    finally:
        stop_mail_worker(worker)


def test_a_registration_cancelled_after_queueing_is_not_mailed_and_the_page_says_why(
        app, organizer, demo_event, tmp_path):
    with app.app_context(), serving_at(LINK_BASE):
        people = {name: register_directly(demo_event, f"{name}@x.cn", [], name)
                  for name in ("stays", "leaves", "also-stays")}
        _forget_their_confirmations()
        mailing = _mailing(demo_event, RecipientFilter())
        assert service.send_now(db.session, _author(), mailing) == 3
        mailing_id = mailing.id
        # Cancelled after its mail was queued, before any worker ran.
        registrations.cancel(db.session, people["leaves"])
    with smtp_server() as controller:
        _drain_with_a_worker(app, tmp_path, controller.port, 2, controller.handler)
        received = addressees(_group_mails(controller.handler))
        # Their cancellation's own mail reached them; the group mail did not.
        assert addressees(controller.handler.messages)["leaves@x.cn"] == 1
    assert received == {"stays@x.cn": 1, "also-stays@x.cn": 1}
    with app.app_context():
        counts = service.progress(db.session, [mailing_id])[mailing_id]
        assert (counts.sent, counts.cancelled_since, counts.queued, counts.failed) == (
            2, 1, 0, 0)
        service.queue_due_mailings(db.session)
        assert db.session.get(Mailing, mailing_id).state == MailingState.SENT
    page = page_text(organizer.get(f"{ADMIN}/mailings/{mailing_id}"))
    assert "Not sent: registration cancelled since 1" in page
    assert "leaves@x.cn Not sent the registration was cancelled before it went out" in page


def test_a_mailing_to_cancelled_registrations_still_reaches_them(app, demo_event, tmp_path):
    with app.app_context(), serving_at(LINK_BASE):
        people = {name: register_directly(demo_event, f"{name}@x.cn", [], name)
                  for name in ("gone", "here")}
        registrations.cancel(db.session, people["gone"])
        _forget_their_confirmations()
        mailing = _mailing(demo_event, RecipientFilter(status="cancelled"))
        assert service.send_now(db.session, _author(), mailing) == 1
    with smtp_server() as controller:
        _drain_with_a_worker(app, tmp_path, controller.port, 1, controller.handler)
        assert addressees(_group_mails(controller.handler)) == {"gone@x.cn": 1}


def test_stop_sending_withdraws_what_no_worker_has_taken_while_two_workers_race(
        app, organizer, demo_event, tmp_path):
    count = 40
    mailing_id = _queue_mailing(app, demo_event, count)
    page = organizer.get(f"{ADMIN}/mailings/{mailing_id}")
    assert "Stop sending" in page_text(page)
    inbox = HoldingInbox(hold_after=5)
    url = database_url_of(app)
    with smtp_server(inbox=inbox) as controller:
        workers = [mail_worker_process(url, str(tmp_path), controller.port) for _ in range(2)]
        try:
            # Five taken by the server; the next held in the middle of its conversation,
            # the rest of both workers' batches claimed.
            assert inbox.holding.wait(60)
            time.sleep(0.5)
            response = organizer.post(f"{ADMIN}/mailings/{mailing_id}/stop", data={
                "csrf_token": csrf_token(organizer, f"{ADMIN}/mailings/{mailing_id}")})
            assert response.status_code == 302
            assert "mails withdrawn, never to be sent" in page_text(
                organizer.get(response.headers["Location"]))
            inbox.hold_after = None

            def settled():
                with app.app_context():
                    return not db.session.scalars(select(MailMessage.id).where(
                        MailMessage.status.in_((MailStatus.PENDING, MailStatus.SENDING)))).all()
            assert wait_for(settled, 30)
            time.sleep(1.5)  # both workers looked again meanwhile
        finally:
            for worker in workers:
                stop_mail_worker(worker)
    received = addressees(inbox.messages)
    with app.app_context():
        mails = db.session.scalars(select(MailMessage)).all()
        sent = {mail.recipient for mail in mails if mail.status == MailStatus.SENT}
        withdrawn = {mail.recipient for mail in mails if mail.status == MailStatus.WITHDRAWN}
        counts = service.progress(db.session, [mailing_id])[mailing_id]
        assert db.session.get(Mailing, mailing_id).state == MailingState.STOPPED
        (entry,) = audit_entries(AuditAction.STOP_MAILING)
        assert entry.after["withdrawn"] >= count - 2 * 20
    # What the server took is what counts as sent, each once: the five before the stop
    # and the mails the server was holding for each worker, nothing withdrawn.
    assert received == dict.fromkeys(sent, 1)
    assert 5 <= len(sent) <= 5 + 2
    assert sent | withdrawn == {f"guest{n:03d}@x.cn" for n in range(count)}
    assert (counts.sent, counts.stopped, counts.queued) == (len(sent), count - len(sent), 0)
    page = page_text(organizer.get(f"{ADMIN}/mailings/{mailing_id}"))
    assert f"Sent {len(sent)} Failed 0 Stopped (not sent) {count - len(sent)}" in page
    assert "Stop sending" not in page and "Stopped" in page


def test_a_mailing_stopped_during_a_mail_server_outage_sends_nothing_when_it_is_back(
        app, demo_event, monkeypatch):
    mailing_id = _queue_mailing(app, demo_event, 3)
    monkeypatch.setitem(app.config, "MAIL_OUTAGE_PAUSE_SECONDS", 0)
    with smtp_server() as gone:
        port = gone.port
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    with app.app_context():
        # Claimed, then handed back as the server was away: pending again, with no sender.
        assert deliver_due(db.session, 10) == (0, 0)
        mailing = db.session.get(Mailing, mailing_id)
        assert service.stop(db.session, _author_of(mailing), mailing) == 3
        assert service.stop(db.session, _author_of(mailing), mailing) is None
    with smtp_server(port=port) as back:
        _drain(app)
        assert back.handler.messages == []
    with app.app_context():
        assert {mail.status for mail in db.session.scalars(select(MailMessage))} == {
            MailStatus.WITHDRAWN}


def _author_of(mailing: Mailing) -> User:
    return db.session.get(User, mailing.created_by_id)


def test_a_claimed_mail_is_withdrawn_when_it_comes_to_be_written_after_the_stop(
        app, demo_event, smtp):
    mailing_id = _queue_mailing(app, demo_event, 2)
    # The outbox's own steps, to stop between a worker's claim and its sending.
    from summit.outbox import _claim_due, _deliver_claimed

    with app.app_context():
        claimed = _claim_due(db.session, 10)
        assert len(claimed) == 2
        mailing = db.session.get(Mailing, mailing_id)
        # Nothing is left unclaimed to withdraw at once…
        assert service.stop(db.session, _author_of(mailing), mailing) == 0
        # …and the sender holding them withdraws them instead of sending.
        assert _deliver_claimed(db.session, claimed) == (0, 0, 2)
    assert smtp.messages == []


def test_only_an_organizer_with_the_token_stops_a_mailing(app, organizer, demo_event):
    mailing_id = _queue_mailing(app, demo_event, 2)
    stop = f"{ADMIN}/mailings/{mailing_id}/stop"
    assert organizer.post(stop).status_code == 400
    desk = app.test_client()
    sign_in(app, desk, Role.CHECKIN, "desk2@summit.example.org")
    assert desk.post(stop).status_code in (400, 403)
    other = app.test_client()
    sign_in(app, other, Role.ORGANIZER, "elsewhere@summit.example.org", events=[])
    assert other.post(stop).status_code in (400, 403)
    with app.app_context():
        assert db.session.get(Mailing, mailing_id).state == MailingState.SENDING
        assert audit_entries(AuditAction.STOP_MAILING) == []


def test_the_recipients_of_a_mailing_are_paged_with_their_total(app, organizer, demo_event):
    with app.app_context(), serving_at(LINK_BASE):
        bulk_registrations(demo_event, 250)
        mailing = _mailing(demo_event, RecipientFilter())
        assert service.send_now(db.session, _author(), mailing) == 250
        mailing_id = mailing.id
    shown = []
    for number, (first, last) in enumerate(((1, 100), (101, 200), (201, 250)), start=1):
        page = organizer.get(f"{ADMIN}/mailings/{mailing_id}?page={number}")
        text = page_text(page)
        assert f"{first}–{last} of 250" in text and f"Page {number} of 3" in text
        on_page = re.findall(r"guest\d{5}@bulk\.example\.org", text)
        assert len(on_page) == last - first + 1
        shown += on_page
    # Every recipient on one page and one only.
    assert sorted(shown) == [f"guest{n:05d}@bulk.example.org" for n in range(250)]
    assert f'href="{ADMIN}/mailings/{mailing_id}?page=2" rel="prev"' in page.get_data(
        as_text=True)
    # Past the end: the last page.
    assert "201–250 of 250" in page_text(organizer.get(f"{ADMIN}/mailings/{mailing_id}?page=9"))
