"""The organizers' dashboard: its numbers match the data, and failed mail can be retried."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select

from summit.admin import dashboard as dashboard_view
from summit.badges.fonts import FontStatus
from summit.extensions import db
from summit.models import Event, Forum, MailMessage, MailStatus, Registration, utcnow

from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN, load_edition
from .helpers.database import audit_entries
from .helpers.pages import page_text, table_rows
from .helpers.registrations import AI, CHIP, forum_id, register

SHANGHAI_MIDNIGHT = datetime(2020, 11, 1, 16, 0, tzinfo=UTC)  # 2 Nov 00:00 in Shanghai


def test_the_dashboard_numbers_match_the_data(app, client, demo_event):
    sign_in(app, client)
    with app.app_context():
        event = db.session.get(Event, demo_event)
        event.capacity = 4
        event.allow_overlapping_forums = True  # 甲 holds both of Thursday's forums
        db.session.get(Forum, forum_id(CHIP)).capacity = 1
        db.session.commit()
        chip, ai = forum_id(CHIP), forum_id(AI)
        ids = [
            register(demo_event, "甲", "a@example.org", forums=[chip, ai]),
            register(demo_event, "乙", "b@example.org", forums=[chip]),  # waits for chip
            register(demo_event, "丙", "c@example.org", forums=[ai]),
            register(demo_event, "丁", "d@example.org"),
            register(demo_event, "戊", "e@example.org", forums=[ai]),  # waits for the event
            register(demo_event, "己", "f@example.org"),  # waits for the event
        ]
        # Made on three days in Shanghai time: 1 Nov (23:59), 2 Nov (00:00 and later), 4 Nov.
        made = [SHANGHAI_MIDNIGHT - timedelta(minutes=1), SHANGHAI_MIDNIGHT,
                SHANGHAI_MIDNIGHT + timedelta(hours=23), SHANGHAI_MIDNIGHT + timedelta(days=2),
                SHANGHAI_MIDNIGHT + timedelta(days=2, hours=1),
                SHANGHAI_MIDNIGHT + timedelta(days=2, hours=2)]
        for registration_id, moment in zip(ids, made, strict=True):
            db.session.get(Registration, registration_id).created_at = moment
        for registration_id in ids[:2]:
            db.session.get(Registration, registration_id).checked_in_at = utcnow()
        db.session.add(MailMessage(registration_id=ids[0], event_id=demo_event, kind="link",
                                   recipient="a@example.org",
                                   status=MailStatus.FAILED, attempts=3,
                                   last_error="SMTPServerDisconnected: Connection unexpectedly "
                                              "closed",
                                   next_attempt_at=utcnow() + timedelta(hours=1)))
        db.session.commit()

    response = client.get(f"{ADMIN}/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert re.search(r"Places 4 / 4 confirmed", text)
    assert "2 on the waiting list" in text and "0 cancelled" in text
    assert re.search(r"Check-in 2 / 4", text)
    # Day, new, cancelled, registered less cancellations, capacity.
    assert table_rows(html, "chart-registrations-per-day-heading") == [
        ["Sun 1 Nov", "1", "0", "1", "4"], ["Mon 2 Nov", "2", "0", "3", "4"],
        ["Tue 3 Nov", "0", "0", "3", "4"], ["Wed 4 Nov", "3", "0", "6", "4"]]
    # Seats taken, waiting, capacity.
    loads = {row[0]: row[1:4] for row in table_rows(html, "chart-seats-per-forum-heading")}
    assert loads["Chip–Machine Co-design"] == ["1", "1", "1"]
    assert loads["Convergence of 5G, AI and Big Data"] == ["2", "0", "120"]
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in text
    assert "1 mail failed" in text


def test_retry_now_sends_a_failed_mail_and_is_audited(app, client, demo_event):
    sign_in(app, client)
    with app.app_context():
        registration_id = register(demo_event, "甲", "a@example.org")
        mail = db.session.scalars(select(MailMessage)).one()
        mail.status, mail.attempts = MailStatus.FAILED, 1
        mail.last_error = "ConnectionRefusedError: [Errno 111] Connection refused"
        mail.next_attempt_at = utcnow() + timedelta(minutes=5)
        db.session.commit()
        mail_id = mail.id
    page = client.get(f"{ADMIN}/dashboard").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"{ADMIN}/dashboard/mails/{mail_id}/retry",
                           data={"csrf_token": token}, follow_redirects=True)
    assert "Sent 1 mail(s); 0 failed again." in page_text(response)
    assert "No mail has failed." in page_text(response)
    with app.app_context():
        mail = db.session.get(MailMessage, mail_id)
        assert mail.status == MailStatus.SENT and mail.registration_id == registration_id
        (entry,) = audit_entries("retry")
        assert entry.object_type == "mail" and entry.object_id == str(mail_id)


def test_another_events_mail_is_neither_shown_nor_retried_here(app, client, demo_event):
    sign_in(app, client)
    with app.app_context():
        other = db.session.get(Event, load_edition("edition-b"))
        register(other.id, "乙", "b@example.org")
        mail = db.session.scalars(select(MailMessage)).one()
        assert mail.event_id == other.id
        mail.status, mail.last_error = MailStatus.FAILED, "SMTPDataError: elsewhere"
        db.session.commit()
        mail_id = mail.id
    page = client.get(f"{ADMIN}/dashboard?lang=en")
    assert "No mail has failed." in page_text(page) and "elsewhere" not in page_text(page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    for retry in (f"{ADMIN}/dashboard/mails/{mail_id}/retry", f"{ADMIN}/dashboard/mails/retry"):
        response = client.post(retry, data={"csrf_token": token}, follow_redirects=True)
        assert "There was no failed mail to send again." in page_text(response)
    with app.app_context():
        assert db.session.get(MailMessage, mail_id).status == MailStatus.FAILED
        assert audit_entries("retry") == []
    # Nor is that event's dashboard this organizer's.
    assert client.get("/admin/edition-b/dashboard").status_code == 403


def test_a_missing_chinese_font_is_pointed_out(app, client, demo_event, monkeypatch):
    sign_in(app, client)
    found = FontStatus("Noto Sans CJK SC", "/usr/share/fonts/NotoSansCJK.ttc", "DejaVu Sans", True)
    missing = FontStatus(None, None, "DejaVu Sans", True)
    monkeypatch.setattr(dashboard_view, "cjk_font_status", lambda: found)
    assert "No Chinese font" not in page_text(client.get(f"{ADMIN}/dashboard"))
    monkeypatch.setattr(dashboard_view, "cjk_font_status", lambda: missing)
    assert "No Chinese font is installed" in page_text(client.get(f"{ADMIN}/dashboard"))


def test_the_dashboard_counts_queued_stuck_and_failed_mail(app, client, demo_event):
    sign_in(app, client)
    now = utcnow()
    with app.app_context():
        registration_id = register(demo_event, "甲", "a@example.org")
        db.session.execute(delete(MailMessage))  # the confirmation: not part of this count
        states = [
            (MailStatus.PENDING, None), (MailStatus.PENDING, None),
            (MailStatus.SENDING, now - timedelta(seconds=5)),  # in hand: still queued
            (MailStatus.SENDING, now - timedelta(minutes=5)),  # its sender died
            (MailStatus.FAILED, now - timedelta(minutes=3)),
            (MailStatus.SENT, now - timedelta(minutes=7)),
        ]
        for status, claimed_at in states:
            db.session.add(MailMessage(registration_id=registration_id, event_id=demo_event,
                                       kind="link",
                                       recipient="a@example.org", status=status,
                                       claimed_at=claimed_at,
                                       next_attempt_at=now + timedelta(minutes=5)))
        # Another event's mails are that event's dashboard's.
        other = Event(slug="other", name_en="Other", starts_on=date(2019, 5, 1),
                      ends_on=date(2019, 5, 1))
        db.session.add(other)
        db.session.flush()
        for status in (MailStatus.PENDING, MailStatus.FAILED):
            db.session.add(MailMessage(event_id=other.id, kind="link", recipient="z@example.org",
                                       status=status))
        db.session.commit()
    text = page_text(client.get(f"{ADMIN}/dashboard?lang=en"))
    assert "In the queue 3" in text
    assert "Stuck (sending for over a minute) 1" in text
    assert "Failed 1" in text
    assert "check that the mail worker" in text
