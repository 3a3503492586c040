"""Reminders before the event: the defaults, the organizers' changes, times in the
event's zone across summer time, and each reminder mailed once per attendee whatever
number of workers race for it, with the attendee's agenda, in their language."""

from __future__ import annotations

import re
import signal
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from sqlalchemy import select, update

from summit.backup.service import export_data, import_data
from summit.events.service import NewEvent, clone_event, create_event
from summit.extensions import db
from summit.mailings.reminders import moment_of, queue_due_reminders
from summit.models import (
    Event,
    EventStatus,
    Forum,
    ForumKind,
    MailMessage,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    Reminder,
    ReminderDelivery,
    ReminderState,
    Role,
)
from summit.outbox import deliver_due
from summit.registration import service
from summit.urls import serving_at

from .helpers.accounts import sign_in
from .helpers.concurrency import in_step
from .helpers.database import audit_entries, count_rows
from .helpers.mail import smtp_inbox, start_mail_worker, wait_for
from .helpers.pages import csrf_token, page_text
from .helpers.registrations import LINK_BASE, register_directly, set_capacity
from .helpers.reminders import (
    NEXT,
    due_reminder,
    forum_of,
    registered_earlier,
    upcoming_edition,
)

REMINDERS = f"/admin/{NEXT}/reminders"
SUBJECT = re.compile(r"^(Reminder: |提醒：)")


def reminder_mails(inbox) -> list:
    return [message for message in inbox.messages if SUBJECT.match(message["Subject"])]


def recipients(messages) -> Counter:
    return Counter(message["To"].addresses[0].addr_spec for message in messages)


def reminders_of(event_id: int) -> list[Reminder]:
    return list(db.session.scalars(select(Reminder).where(Reminder.event_id == event_id)
                                   .order_by(Reminder.days_before.desc())))


def when(reminder: Reminder) -> tuple[int, time]:
    return reminder.days_before, reminder.local_time


@pytest.fixture
def edition(app) -> int:
    with app.app_context():
        return upcoming_edition()


@pytest.fixture
def organizer_of_next(app, client, edition):
    sign_in(app, client, events=[edition])
    return client


@pytest.fixture
def smtp(app, monkeypatch):
    with smtp_inbox(app, monkeypatch) as (inbox, port):
        yield inbox, port


# --- defaults ------------------------------------------------------------------------


def test_new_demo_and_cloned_events_start_with_three_days_before_and_the_evening_before(
        app, organizer_of_next, edition):
    with app.app_context():
        new = create_event(db.session, None, NewEvent(
            slug="fresh-2027", name_zh="新会", name_en="Fresh", starts_on=date(2027, 5, 10),
            ends_on=date(2027, 5, 11), timezone="Asia/Shanghai"))
        demo = db.session.scalars(select(Event).where(Event.slug != NEXT,
                                                      Event.slug != "fresh-2027")).one()
        for event in (new, demo):
            assert [when(r) for r in reminders_of(event.id)] == [(3, time(10)), (1, time(19))]
            assert {(r.enabled, r.state) for r in reminders_of(event.id)} == {
                (True, ReminderState.SCHEDULED)}

    page = page_text(organizer_of_next.get(REMINDERS))
    assert "3 days before the first day at 10:00" in page
    assert "1 day before the first day at 19:00" in page
    assert "To be sent" in page and "Next reminder:" in page

    # The organizers' own settings go with a cloned edition, none of them sent.
    with app.app_context():
        first, evening = reminders_of(edition)
        evening.enabled = False
        evening.note_en = "Bring your badge."
        db.session.add(Reminder(event_id=edition, days_before=7, minute_of_day=9 * 60,
                                note_zh="请带好胸卡。"))
        first.state, first.recipient_count = ReminderState.SENT, 120
        db.session.commit()
        source = db.session.get(Event, edition)
        clone = clone_event(db.session, None, source, "next-after", date(2040, 11, 20))
        copied = reminders_of(clone.id)
        assert [(when(r), r.enabled, r.note_zh, r.note_en) for r in copied] == [
            ((7, time(9)), True, "请带好胸卡。", ""),
            ((3, time(10)), True, "", ""),
            ((1, time(19)), False, "", "Bring your badge.")]
        assert {(r.state, r.recipient_count, r.settled_at) for r in copied} == {
            (ReminderState.SCHEDULED, 0, None)}


def test_backup_carries_the_reminders_and_whom_they_mailed(app, edition):
    with app.app_context():
        register_directly(edition, "early@x.cn", [], "早")
        registered_earlier(edition)
        due_reminder(edition, note_en="Doors open at 8.")
        assert queue_due_reminders(db.session) == 1
        data = export_data(db.session, NEXT)
        import_data(db.session, data, new_slug="restored")
        restored = db.session.scalars(select(Event).where(Event.slug == "restored")).one()
        copies = reminders_of(restored.id)
        assert len(copies) == 3
        (sent,) = [r for r in copies if r.note_en == "Doors open at 8."]
        assert (sent.state, sent.recipient_count) == (ReminderState.SENT, 1)
        assert db.session.scalar(select(ReminderDelivery.registration_id).where(
            ReminderDelivery.reminder_id == sent.id)) == db.session.scalar(
            select(Registration.id).where(Registration.event_id == restored.id))


# --- the event's time zone -----------------------------------------------------------


def test_times_are_on_the_event_wall_clock_across_summer_time():
    spring = Event(starts_on=date(2027, 3, 29), timezone="Europe/Berlin")  # CEST from 28 March
    assert moment_of(spring, 1, time(19)) == datetime(2027, 3, 28, 17, tzinfo=UTC)
    assert moment_of(spring, 3, time(10)) == datetime(2027, 3, 26, 9, tzinfo=UTC)
    # 02:30 does not exist on 28 March: the clocks jump from 02:00 to 03:00.
    assert moment_of(spring, 1, time(2, 30)) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    autumn = Event(starts_on=date(2027, 11, 1), timezone="Europe/Berlin")  # CET from 31 Oct
    assert moment_of(autumn, 1, time(19)) == datetime(2027, 10, 31, 18, tzinfo=UTC)
    assert moment_of(autumn, 3, time(10)) == datetime(2027, 10, 29, 8, tzinfo=UTC)
    shanghai = Event(starts_on=date(2027, 3, 29), timezone="Asia/Shanghai")
    assert moment_of(shanghai, 1, time(19)) == datetime(2027, 3, 28, 11, tzinfo=UTC)


def test_the_admin_shows_each_reminder_at_its_local_time_in_summer_and_winter(app, client):
    with app.app_context():
        event = create_event(db.session, None, NewEvent(
            slug="berlin-2027", name_zh="柏林", name_en="Berlin", starts_on=date(2027, 3, 29),
            ends_on=date(2027, 3, 30), timezone="Europe/Berlin"))
        event_id = event.id
    sign_in(app, client, events=[event_id])
    page = page_text(client.get("/admin/berlin-2027/reminders"))
    assert "Fri 26 Mar 2027, 10:00" in page  # CET
    assert "Sun 28 Mar 2027, 19:00" in page  # CEST


# --- the organizers' changes ---------------------------------------------------------


def reminder_fields(client, path: str, **fields) -> dict:
    data = {"csrf_token": csrf_token(client, path), "days_before": "2", "at": "08:30",
            "enabled": "y", "note_zh": "", "note_en": ""}
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def test_an_organizer_adds_changes_turns_off_and_removes_a_reminder_all_audited(
        app, organizer_of_next, edition):
    client = organizer_of_next
    new = f"{REMINDERS}/new"
    response = client.post(new, data=reminder_fields(client, new, note_zh="带好身份证。",
                                                     note_en="Bring your ID."))
    assert response.status_code == 302
    with app.app_context():
        added = reminders_of(edition)[1]
        assert (when(added), added.note_zh, added.note_en) == ((2, time(8, 30)),
                                                              "带好身份证。", "Bring your ID.")
        reminder_id = added.id
    page = page_text(client.get(REMINDERS))
    assert "2 days before the first day at 08:30" in page
    assert "带好身份证。" in page and "organizer@summit.example.org" in page

    edit = f"{REMINDERS}/{reminder_id}/edit"
    assert client.post(edit, data=reminder_fields(
        client, edit, days_before="4", at="18:45", enabled=None, note_en="Bring your ID."
    )).status_code == 302
    with app.app_context():
        changed = db.session.get(Reminder, reminder_id)
        assert (when(changed), changed.enabled, changed.note_zh) == ((4, time(18, 45)),
                                                                    False, "")
    assert "Off" in page_text(client.get(REMINDERS))

    remove = f"{REMINDERS}/{reminder_id}/remove"
    assert client.post(remove, data={"csrf_token": csrf_token(client, remove)}
                       ).status_code == 302
    with app.app_context():
        assert reminder_id not in [r.id for r in reminders_of(edition)]
        created, updated, deleted = (audit_entries(action) for action in
                                     ("create", "update", "delete"))
        reminder_entries = [e for e in created + updated + deleted
                            if e.object_type == "reminder"]
        assert [(e.action, e.actor, e.event_id) for e in reminder_entries] == [
            ("create", "organizer@summit.example.org", edition),
            ("update", "organizer@summit.example.org", edition),
            ("delete", "organizer@summit.example.org", edition)]
        assert reminder_entries[1].before == {"days_before": 2, "at": "08:30",
                                              "enabled": True, "note_zh": "带好身份证。"}
        assert reminder_entries[1].after == {"days_before": 4, "at": "18:45",
                                             "enabled": False, "note_zh": ""}


@pytest.mark.parametrize(("fields", "message"), [
    ({"days_before": "1", "at": "19:00"}, "Another reminder goes out at that time."),
    ({"days_before": "61"}, "From 0 to 60 days."),
    ({"days_before": "-1"}, "From 0 to 60 days."),
    ({"days_before": "eleven"}, "Not a valid integer value."),
    ({"at": "25:00"}, "Not a valid time value."),
    ({"days_before": "60", "at": "00:00"}, "That time has passed"),
    ({"note_en": "x" * 2001}, "2000"),
    ({"note_zh": "响\x07铃"}, "cannot be printed"),
])
def test_a_reminder_the_rules_refuse_is_explained_on_the_same_page(
        app, organizer_of_next, edition, fields, message):
    client = organizer_of_next
    new = f"{REMINDERS}/new"
    response = client.post(new, data=reminder_fields(client, new, **fields))
    assert response.status_code == 422
    assert message in page_text(response)
    with app.app_context():
        assert len(reminders_of(edition)) == 2


def test_a_sent_reminder_stays_as_it_went_out(app, organizer_of_next, edition):
    client = organizer_of_next
    with app.app_context():
        reminder_id = due_reminder(edition)
        assert queue_due_reminders(db.session) == 0  # nobody registered
    page = page_text(client.get(REMINDERS))
    assert "Sent" in page and "to 0 people" in page
    edit = f"{REMINDERS}/{reminder_id}/edit"
    html = client.get(REMINDERS).get_data(as_text=True)
    assert edit not in html and f"{REMINDERS}/{reminder_id}/remove" not in html
    response = client.post(edit, data=reminder_fields(client, edit, days_before="5"))
    assert response.status_code == 422 and "Add a new one instead" in page_text(response)
    remove = f"{REMINDERS}/{reminder_id}/remove"
    response = client.post(remove, data={"csrf_token": csrf_token(client, remove)})
    assert response.status_code == 422 and "stays as the record" in page_text(response)
    with app.app_context():
        kept = db.session.get(Reminder, reminder_id)
        assert kept is not None and kept.state == ReminderState.SENT


def test_a_hostile_note_is_escaped_on_the_admin_page(app, organizer_of_next, edition):
    client = organizer_of_next
    new = f"{REMINDERS}/new"
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert client.post(new, data=reminder_fields(client, new, note_en=hostile)
                       ).status_code == 302
    html = client.get(REMINDERS).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_check_in_staff_and_another_events_organizers_may_not_touch_reminders(
        app, client, edition):
    with app.app_context():
        other = upcoming_edition(slug="another-edition")
        reminder_id = reminders_of(edition)[0].id
    for role, events in ((Role.CHECKIN, [edition]), (Role.ORGANIZER, [other])):
        visitor = app.test_client()
        sign_in(app, visitor, role, email=f"{role.value}.{events[0]}@x.org", events=events)
        for path in (REMINDERS, f"{REMINDERS}/new", f"{REMINDERS}/{reminder_id}/edit",
                     f"{REMINDERS}/{reminder_id}/remove"):
            assert visitor.get(path).status_code == 403, (role, path)
        token = csrf_token(visitor, "/admin/another-edition/reminders/new"
                           if role == Role.ORGANIZER else f"/admin/{NEXT}/checkin")
        assert visitor.post(f"{REMINDERS}/new", data={
            "csrf_token": token, "days_before": "2", "at": "08:00"}).status_code == 403
        assert visitor.post(f"{REMINDERS}/{reminder_id}/remove",
                            data={"csrf_token": token}).status_code == 403
    # Another event's reminder under this event's address is no reminder of it.
    sign_in(app, client, events=[edition, other])
    with app.app_context():
        others = reminders_of(other)[0].id
    assert client.get(f"{REMINDERS}/{others}/edit").status_code == 404
    with app.app_context():
        assert len(reminders_of(edition)) == 2 and len(reminders_of(other)) == 2


def test_a_post_without_the_csrf_token_changes_nothing(app, organizer_of_next, edition):
    client = organizer_of_next
    with app.app_context():
        reminder_id = reminders_of(edition)[0].id
    assert client.post(f"{REMINDERS}/new", data={"days_before": "2", "at": "08:00"}
                       ).status_code == 400
    assert client.post(f"{REMINDERS}/{reminder_id}/remove", data={}).status_code == 400
    assert client.post(f"{REMINDERS}/{reminder_id}/edit",
                       data={"csrf_token": "forged", "days_before": "9", "at": "08:00"}
                       ).status_code == 400
    with app.app_context():
        assert [when(r) for r in reminders_of(edition)] == [(3, time(10)), (1, time(19))]


# --- the mail -------------------------------------------------------------------------


def attendees(edition: int) -> dict[str, int]:
    """Who is registered, and how; returns email → registration id. All of them before
    the reminder's time, except late@."""
    chip, ai = forum_of(edition, "chip-machine"), forum_of(edition, "5g-ai-big-data")
    people = {
        "zh@x.cn": register_directly(edition, "zh@x.cn", [chip], "张三", locale="zh"),
        "en@x.cn": register_directly(edition, "en@x.cn", [ai], "Jane Roe", locale="en"),
        "gone@x.cn": register_directly(edition, "gone@x.cn", [chip], "退出"),
    }
    with serving_at(LINK_BASE):
        service.cancel(db.session, people["gone@x.cn"])
    set_capacity(Event, edition, 2)
    people["waiting@x.cn"] = register_directly(edition, "waiting@x.cn", [], "候补")
    assert people["waiting@x.cn"].status == RegistrationStatus.WAITLISTED
    registered_earlier(edition)
    set_capacity(Event, edition, None)
    people["late@x.cn"] = register_directly(edition, "late@x.cn", [chip], "晚到")
    return {address: registration.id for address, registration in people.items()}


def test_each_confirmed_attendee_gets_the_reminder_in_their_language_with_their_agenda(
        app, edition, smtp):
    inbox, _port = smtp
    hostile = '<script>alert(1)</script> & "quotes"\nsecond line'
    with app.app_context():
        people = attendees(edition)
        due_reminder(edition, note_zh="请提前到场。" + hostile, note_en="Come early. " + hostile)
        assert queue_due_reminders(db.session) == 2
        deliver_due(db.session, limit=100)
        sessions = {forum.slug: [item for item in db.session.scalars(
            select(ProgrammeSession).where(ProgrammeSession.forum_id == forum.id))]
            for forum in db.session.scalars(select(Forum).where(Forum.event_id == edition))}
        main = next(forum.slug for forum in db.session.scalars(
            select(Forum).where(Forum.event_id == edition, Forum.kind == ForumKind.MAIN)))
        tokens = dict(db.session.execute(select(Registration.email, Registration.token)
                                         .where(Registration.event_id == edition)).all())
    mails = {message["To"].addresses[0].addr_spec: message for message in reminder_mails(inbox)}
    # Not the cancelled registration, not the waiting list, not who registered later.
    assert sorted(mails) == ["en@x.cn", "zh@x.cn"]
    assert set(people) == {"zh@x.cn", "en@x.cn", "gone@x.cn", "waiting@x.cn", "late@x.cn"}

    for address, lang, forum in (("zh@x.cn", "zh", "chip-machine"),
                                 ("en@x.cn", "en", "5g-ai-big-data")):
        message = mails[address]
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        if lang == "zh":
            assert message["Subject"].startswith("提醒：")
            assert "请提前到场。" in text and "Come early" not in text
        else:
            assert message["Subject"].startswith("Reminder: ")
            assert "Come early." in text and "请提前到场" not in text
        # The note is plain text: as written in the text part, escaped in the HTML part.
        assert hostile in text
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34;" in html
        assert f"http://summit.test/r/{tokens[address]}/badge.pdf" in text
        assert f'href="http://summit.test/r/{tokens[address]}"' in html
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_content_type() == "text/calendar"
        calendar = icalendar.Calendar.from_ical(attachment.get_content())
        titles = sorted(str(item["SUMMARY"]) for item in calendar.walk("VEVENT"))
        expected = sorted(getattr(item, f"title_{lang}") for slug in (main, forum)
                          for item in sessions[slug])
        assert titles == expected and len(titles) > len(sessions[main])


def test_the_private_link_in_the_reminder_opens_the_attendees_page(app, client, edition, smtp):
    inbox, _port = smtp
    with app.app_context():
        register_directly(edition, "page@x.cn", [], "看页面", locale="en")
        registered_earlier(edition)
        due_reminder(edition)
        queue_due_reminders(db.session)
        deliver_due(db.session)
    (message,) = reminder_mails(inbox)
    path = re.search(r"http://summit\.test(/r/[A-Za-z0-9_-]+)\n",
                     message.get_body(("plain",)).get_content()).group(1)
    assert "看页面" in page_text(client.get(path))


# --- once, and not late ---------------------------------------------------------------


def test_two_workers_racing_queue_each_reminder_once(app, edition, smtp):
    inbox, _port = smtp
    with app.app_context():
        for number in range(6):
            register_directly(edition, f"race{number}@x.cn", [], f"赛{number}")
        registered_earlier(edition)
        reminder_id = due_reminder(edition)
    # Both have read the due reminder before either claims it.
    queued = in_step(app, [queue_due_reminders, queue_due_reminders], after_reading="reminder")
    assert sorted(queued) == [0, 6], queued
    with app.app_context():
        deliver_due(db.session, limit=100)
        assert count_rows(ReminderDelivery) == 6
        assert db.session.get(Reminder, reminder_id).recipient_count == 6
    assert recipients(reminder_mails(inbox)) == {f"race{n}@x.cn": 1 for n in range(6)}


def test_two_mail_worker_processes_send_each_attendee_one_reminder(app, edition, smtp):
    inbox, port = smtp
    with app.app_context():
        for number in range(5):
            register_directly(edition, f"worker{number}@x.cn", [], f"工{number}")
        registered_earlier(edition)
        due_reminder(edition)
    workers = [start_mail_worker(app, port, BASE_URL="http://summit.test") for _ in range(2)]
    try:
        for worker in workers:
            assert worker.stdout.readline().startswith("Mail worker started")
        assert wait_for(lambda: len(reminder_mails(inbox)) >= 5, seconds=60)
        # And no more come.
        assert not wait_for(lambda: len(reminder_mails(inbox)) > 5, seconds=3)
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        outputs = [worker.communicate(timeout=20) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    assert recipients(reminder_mails(inbox)) == {f"worker{n}@x.cn": 1 for n in range(5)}
    with app.app_context():
        assert db.session.scalar(select(MailMessage.link_base).where(
            MailMessage.kind == "reminder").limit(1)) == "http://summit.test"


def test_a_reminder_due_with_a_later_one_is_skipped_and_the_later_one_sent(app, edition, smtp):
    inbox, _port = smtp
    with app.app_context():
        register_directly(edition, "one@x.cn", [], "一")
        registered_earlier(edition, hours=3)
        older = due_reminder(edition, minutes_ago=120)
        newer = due_reminder(edition, minutes_ago=5)
        assert queue_due_reminders(db.session) == 1
        assert queue_due_reminders(db.session) == 0
        assert [db.session.get(Reminder, r).state for r in (older, newer)] == [
            ReminderState.SKIPPED, ReminderState.SENT]
        deliver_due(db.session)
    assert recipients(reminder_mails(inbox)) == {"one@x.cn": 1}


def test_a_reminder_whose_time_came_after_the_event_began_is_never_sent(
        app, organizer_of_next, edition, smtp):
    inbox, _port = smtp
    with app.app_context():
        register_directly(edition, "begun@x.cn", [], "已开始")
        registered_earlier(edition, hours=3)
        reminder_id = due_reminder(edition)
        # The first session was moved to an hour ago: the event has begun.
        first = db.session.scalars(select(ProgrammeSession).where(
            ProgrammeSession.event_id == edition).order_by(ProgrammeSession.starts_at)).first()
        first.starts_at = datetime.now(UTC) - timedelta(hours=1)
        db.session.commit()
        assert queue_due_reminders(db.session) == 0
        assert db.session.get(Reminder, reminder_id).state == ReminderState.SKIPPED
        deliver_due(db.session)
    assert reminder_mails(inbox) == []
    assert "Not sent: when its time came" in page_text(organizer_of_next.get(REMINDERS))


def test_drafts_and_reminders_turned_off_send_nothing(app, organizer_of_next, edition):
    with app.app_context():
        register_directly(edition, "quiet@x.cn", [], "安静")
        registered_earlier(edition)
        reminder_id = due_reminder(edition)
        db.session.execute(update(Event).where(Event.id == edition)
                           .values(status=EventStatus.DRAFT))
        db.session.commit()
        assert queue_due_reminders(db.session) == 0
    assert "no reminder goes out until it is" in page_text(organizer_of_next.get(REMINDERS))
    with app.app_context():
        db.session.execute(update(Event).where(Event.id == edition)
                           .values(status=EventStatus.PUBLISHED))
        db.session.get(Reminder, reminder_id).enabled = False
        db.session.commit()
        assert queue_due_reminders(db.session) == 0
        assert db.session.get(Reminder, reminder_id).state == ReminderState.SCHEDULED
        assert count_rows(ReminderDelivery) == 0


def test_cron_send_mail_queues_due_reminders_and_sends_them(app, edition, smtp, monkeypatch):
    inbox, _port = smtp
    monkeypatch.setitem(app.config, "BASE_URL", "https://summit.example.org")
    with app.app_context():
        register_directly(edition, "cron@x.cn", [], "定时", locale="en")
        registered_earlier(edition)
        due_reminder(edition)
    result = app.test_cli_runner().invoke(args=["summit", "send-mail"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 scheduled mail(s)." in result.output
    assert app.test_cli_runner().invoke(args=["summit", "send-mail"]).output.startswith("Sent 0")
    (message,) = reminder_mails(inbox)
    assert "https://summit.example.org/r/" in message.get_body(("plain",)).get_content()


def test_a_registration_cancelled_after_the_reminder_was_queued_is_not_sent_it(
        app, organizer_of_next, edition, smtp):
    inbox, port = smtp
    with app.app_context():
        people = {address: register_directly(edition, address, [], name)
                  for address, name in (("stays@x.cn", "留下"), ("leaves@x.cn", "离开"),
                                        ("too@x.cn", "也在"))}
        registered_earlier(edition)
        due_reminder(edition)
        assert queue_due_reminders(db.session) == 3
        # Cancelled after the reminder's mails were queued, before a worker sent them.
        with serving_at(LINK_BASE):
            service.cancel(db.session, people["leaves@x.cn"])
    worker = start_mail_worker(app, port, BASE_URL="http://summit.test")
    try:
        assert wait_for(lambda: len(reminder_mails(inbox)) >= 2, seconds=60)
        # The cancellation's own mail comes; no reminder for them.
        assert wait_for(lambda: "leaves@x.cn" in recipients(inbox.messages), seconds=30)
        assert not wait_for(lambda: len(reminder_mails(inbox)) > 2, seconds=3)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=20)
    assert recipients(reminder_mails(inbox)) == {"stays@x.cn": 1, "too@x.cn": 1}
    page = page_text(organizer_of_next.get(REMINDERS))
    assert "to 3 people" in page
    assert ("1 of them not sent: their registration was cancelled before it went out."
            in page)
