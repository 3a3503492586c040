"""Webhooks: a real receiver on 127.0.0.1 gets the changes it asked for, signed, from
every path that makes them; failures are retried; private addresses refused; the
organizers' page and its delivery log."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from summit import webhooks
from summit.admin.programme import service as programme
from summit.checkin.sync import QueuedScan, scan_once, seat_at_door
from summit.extensions import db
from summit.models import (
    ApiScope,
    Event,
    Forum,
    MailStatus,
    ProgrammeSession,
    Registration,
    Role,
    User,
    WebhookDelivery,
    WebhookKind,
    utcnow,
)
from summit.registration import service
from summit.registration.details import AttendeeDetails
from summit.registration.seats import enrol, lock_event
from summit.urls import serving_at

from .helpers.accounts import sign_in
from .helpers.api import API, api_person, bearer, make_token
from .helpers.pages import DEMO, csrf_token, page_text
from .helpers.registrations import (
    CHIP,
    LINK_BASE,
    forum_id,
    post_registration,
    register_directly,
    set_capacity,
)
from .helpers.webhooks import Receiver, make_webhook, verified

EVENT = DEMO.strip("/")


@pytest.fixture
def receiver(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    running = Receiver()
    yield running
    running.close()


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def run_worker_turn(app) -> int:
    with app.app_context():
        try:
            return webhooks.deliver_due(db.session)
        finally:
            db.session.remove()


def test_a_registration_through_the_form_and_the_api_arrives_signed_and_filtered(
        app, client, demo_event, receiver):
    hook_id, secret = make_webhook(app, demo_event, receiver.url, WebhookKind.REGISTRATION_CREATED)
    make_webhook(app, demo_event, receiver.url + "?checked-in-only",
                 WebhookKind.CHECKED_IN)
    assert post_registration(client).status_code == 302
    token = make_token(app, demo_event, ApiScope.WRITE_REGISTRATIONS)
    response = client.post(f"{API}/{EVENT}/registrations", headers=bearer(token),
                           json=api_person(email="zhang@example.cn"))
    assert response.status_code == 201, response.get_data(as_text=True)
    response.close()

    assert len(receiver.received) == 2
    for headers, body in receiver.received:
        assert verified(secret, headers, body)
        assert not verified("whsec_wrong", headers, body)
    bodies = receiver.bodies()
    assert [b["type"] for b in bodies] == ["registration.created"] * 2
    assert [b["data"]["registration"]["email"] for b in bodies] == [
        "liu.yunjie@pml.example.cn", "zhang@example.cn"]
    assert {b["event"] for b in bodies} == {EVENT}
    assert {d.webhook_id for d in deliveries(app)} == {hook_id}
    assert {d.status for d in deliveries(app)} == {MailStatus.SENT}


def test_a_receiver_that_answers_500_is_tried_again_later(app, client, demo_event, receiver):
    make_webhook(app, demo_event, receiver.url)
    receiver.answers = [500]
    post_registration(client)
    [delivery] = deliveries(app)
    assert delivery.status == MailStatus.FAILED and delivery.last_status_code == 500
    assert delivery.next_attempt_at > utcnow() + timedelta(seconds=50)
    assert run_worker_turn(app) == 0  # not due yet
    with app.app_context():
        db.session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
        db.session.commit()
    assert run_worker_turn(app) == 1
    [delivery] = deliveries(app)
    assert delivery.status == MailStatus.SENT and delivery.attempts == 2
    assert len(receiver.received) == 2
    assert receiver.received[0][1] == receiver.received[1][1]  # the same body, signed anew


def test_private_addresses_are_refused_without_the_setting(app, demo_event, receiver,
                                                           monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    for url in (receiver.url, "https://127.0.0.1/hook", "https://localhost/hook",
                "https://169.254.169.254/latest", "https://[::1]/hook", "https://10.1.2.3/",
                "ftp://example.org/", "https://user:pw@example.org/"):
        with pytest.raises(webhooks.RefusedAddress):
            webhooks.checked_address(url, allow_private=False)
    # A webhook saved while allowed is refused when sent once the setting is off.
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    make_webhook(app, demo_event, receiver.url)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    post_registration(app.test_client())
    [delivery] = deliveries(app)
    assert delivery.status == MailStatus.FAILED and delivery.last_status_code is None
    assert "RefusedAddress" in delivery.last_response
    assert receiver.received == []


def test_a_rolled_back_change_sends_nothing(app, demo_event, receiver):
    make_webhook(app, demo_event, receiver.url)
    with app.app_context(), serving_at(LINK_BASE):
        locked = lock_event(db.session, demo_event)
        enrol(db.session, locked, _details("rollback@example.cn"), [])
        db.session.flush()
        assert db.session.scalars(select(WebhookDelivery)).all()  # queued with it
        db.session.rollback()
        db.session.remove()
    with app.app_context():
        assert db.session.scalars(select(Registration)).all() == []
    assert deliveries(app) == []
    assert run_worker_turn(app) == 0
    assert receiver.received == []


def test_two_workers_deliver_each_change_once(app, demo_event, receiver):
    make_webhook(app, demo_event, receiver.url)
    with app.app_context(), serving_at(LINK_BASE):
        for number in range(6):
            service.register(db.session, db.session.get(Event, demo_event),
                             _details(f"worker{number}@example.cn"), [])
        db.session.remove()
    barrier = threading.Barrier(2)

    def work():
        barrier.wait()
        run_worker_turn(app)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    ids = sorted(body["id"] for body in receiver.bodies())
    assert ids == sorted(d.id for d in deliveries(app)) and len(ids) == 6


def _details(email: str) -> AttendeeDetails:
    return AttendeeDetails(full_name="并发", latin_name="", email=email, phone="",
                           organisation="", job_title="", category="delegate", locale="zh")


def test_the_page_is_for_organizers_and_admins_and_wants_its_csrf_token(app, client,
                                                                       demo_event, receiver):
    page = f"/admin/{EVENT}/webhooks"
    sign_in(app, client, Role.CHECKIN)
    assert client.get(page).status_code == 403
    token = csrf_token(client, f"/admin/{EVENT}/checkin")
    assert client.post(page, data={"csrf_token": token, "url": receiver.url,
                                   "kinds": [WebhookKind.CHECKED_IN.value]}).status_code == 403
    organizer = app.test_client()
    sign_in(app, organizer, Role.ORGANIZER, "org@example.org")
    assert organizer.get(page).status_code == 200
    refused = organizer.post(page, data={"url": receiver.url,
                                         "kinds": [WebhookKind.CHECKED_IN.value]})
    assert refused.status_code == 400
    assert "127.0.0.1" not in organizer.get(page).get_data(as_text=True)
    created = organizer.post(page, data={"csrf_token": csrf_token(organizer, page),
                                         "url": receiver.url,
                                         "kinds": [WebhookKind.CHECKED_IN.value]})
    assert created.status_code == 303 and "whsec_" not in created.headers["Location"]
    shown = organizer.get(created.headers["Location"])
    secret = page_text(shown).split("shown only this once):")[1].split()[0]
    assert secret.startswith("whsec_")
    # A reload of the page that showed it shows it no more and makes no second webhook.
    again = organizer.get(created.headers["Location"]).get_data(as_text=True)
    assert secret not in again and "shown only this once" not in again
    with app.app_context():
        assert [hook.url for hook in webhooks.event_webhooks(db.session, demo_event)] == [
            receiver.url]
    admin = app.test_client()
    sign_in(app, admin, Role.ADMIN, "admin@example.org")
    assert receiver.url in admin.get(page).get_data(as_text=True)


def test_a_private_address_gets_a_message_on_the_page(app, organizer, demo_event):
    page = f"/admin/{EVENT}/webhooks"
    response = organizer.post(page, data={"csrf_token": csrf_token(organizer, page),
                                          "url": "https://127.0.0.1/x",
                                          "kinds": [WebhookKind.CHECKED_IN.value]})
    assert response.status_code == 422
    assert "cannot receive webhooks" in page_text(response)


def test_hostile_answers_are_escaped_in_the_log(app, client, organizer, demo_event, receiver):
    hook_id, _secret = make_webhook(app, demo_event, receiver.url)
    receiver.answers = [502]
    receiver.answer_body = b"<script>alert(1)</script>"
    post_registration(app.test_client())
    html = organizer.get(f"/admin/{EVENT}/webhooks/{hook_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "502" in html


def test_changes_made_anywhere_are_told(app, demo_event, receiver):
    """The attendee's own cancellation moves the next one up; the desk checks someone
    in; an organizer cancels a session: each is told to the webhook, in order."""
    make_webhook(app, demo_event, receiver.url)
    with app.app_context():
        chip = forum_id(CHIP)
        set_capacity(Forum, chip, 1)
        first = register_directly(demo_event, "first@example.cn", [chip])
        second = register_directly(demo_event, "second@example.cn", [chip])
        second_id, code = second.id, second.checkin_code
        with serving_at(LINK_BASE):
            service.cancel(db.session, db.session.get(Registration, first.id))
        actor = db.session.scalars(select(User)).first()
        scan_once(db.session, demo_event, code, actor)
        programme.delete(db.session, actor, db.session.scalars(
            select(ProgrammeSession).where(ProgrammeSession.event_id == demo_event)).first())
        db.session.remove()
    assert run_worker_turn(app) == 6
    told = [(body["type"], body["data"].get("registration", {}).get("email"))
            for body in sorted(receiver.bodies(), key=lambda body: body["id"])]
    assert told == [
        ("registration.created", "first@example.cn"),
        ("registration.created", "second@example.cn"),
        ("registration.seat_confirmed", "second@example.cn"),
        ("registration.cancelled", "first@example.cn"),
        ("registration.checked_in", "second@example.cn"),
        ("session.cancelled", None),
    ]
    checked_in = [body for body in receiver.bodies() if body["type"] == "registration.checked_in"]
    assert checked_in[0]["data"]["registration"]["id"] == second_id


def test_a_webhook_turned_off_is_told_nothing_more(app, organizer, demo_event, receiver):
    hook_id, _secret = make_webhook(app, demo_event, receiver.url)
    page = f"/admin/{EVENT}/webhooks"
    response = organizer.post(f"{page}/{hook_id}/disable",
                              data={"csrf_token": csrf_token(organizer, page)})
    assert response.status_code == 302
    assert "turned off" in page_text(organizer.get(page))
    post_registration(app.test_client())
    assert deliveries(app) == [] and receiver.received == []


def test_send_mail_delivers_what_is_due(app, demo_event, receiver):
    make_webhook(app, demo_event, receiver.url)
    with app.app_context():
        register_directly(demo_event, "cron@example.cn", [])
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["summit", "send-mail"])
    assert result.exit_code == 0, result.output
    assert [body["type"] for body in receiver.bodies()] == ["registration.created"]


def answered(response) -> dict:
    """The response's JSON, once the deliveries it queued went out (closing a response
    waits for what it sends beside it): the next request cannot overtake them."""
    body = response.get_json()
    response.close()
    return body


def test_each_kind_of_change_carries_what_the_receiver_needs_signed(
        app, client, demo_event, receiver):
    """Registration created, changed, seat confirmed, cancelled, checked in; session
    changed and cancelled: each body is signed and says the kind, the event, when, and
    the registration as the API's own GET shows it (or the session as the API lists it),
    so the receiver need not call back."""
    _hook, secret = make_webhook(app, demo_event, receiver.url)
    token = make_token(app, demo_event)
    with app.app_context():
        set_capacity(Forum, forum_id(CHIP), 1)
    made = [answered(client.post(f"{API}/{EVENT}/registrations", headers=bearer(token),
                                 json=api_person(email=email, forums=[CHIP])))
            for email in ("first@example.cn", "second@example.cn")]
    first, second = (person["id"] for person in made)
    client.put(f"{API}/{EVENT}/registrations/{first}/forums", headers=bearer(token),
               json={"forums": []}).close()  # changed: the seat goes to the second
    client.post(f"{API}/{EVENT}/registrations/{first}/cancel", headers=bearer(token)).close()
    client.post(f"{API}/{EVENT}/check-ins", headers=bearer(token),
                json={"code": made[1]["checkin_code"]}).close()
    with app.app_context():
        actor = db.session.scalars(select(User)).first()
        event = db.session.get(Event, demo_event)
        item = db.session.scalars(select(ProgrammeSession).where(
            ProgrammeSession.event_id == demo_event).order_by(ProgrammeSession.id)).first()
        item_id, speaker_ids = item.id, [link.speaker_id for link in item.speaker_links]
        values = {name: getattr(item, name) for name in (
            "forum_id", "starts_at", "ends_at", "room_zh", "room_en", "cancelled")}
        programme.save_session(db.session, actor, event, item,
                               {**values, "title_en": "Retitled"}, speaker_ids)
        db.session.remove()
    run_worker_turn(app)
    with app.app_context():
        programme.delete(db.session, db.session.scalars(select(User)).first(),
                         db.session.get(ProgrammeSession, item_id))
        db.session.remove()
    run_worker_turn(app)

    for headers, body in receiver.received:
        assert verified(secret, headers, body)
    bodies = sorted(receiver.bodies(), key=lambda body: body["id"])
    assert [body["type"] for body in bodies] == [
        "registration.created", "registration.created", "registration.seat_confirmed",
        "registration.changed", "registration.cancelled",
        "registration.checked_in", "session.changed", "session.cancelled"]
    assert {body["event"] for body in bodies} == {EVENT}
    assert all(body["created_at"].startswith(str(utcnow().year)) for body in bodies)
    now = {person: client.get(f"{API}/{EVENT}/registrations/{person}",
                              headers=bearer(token)).get_json() for person in (first, second)}
    told = [body["data"]["registration"] for body in bodies[:6]]
    assert [person["id"] for person in told] == [first, second, second, first, first, second]
    # The API's own fields, each as the registration stood when its change was sent.
    assert all(set(person) == set(now[first]) for person in told)
    assert {"email", "phone", "organisation", "category", "checkin_code", "answers",
            "seats"} <= set(now[first])
    assert told[0]["seats"] == [{"forum": CHIP, "status": "confirmed"}]
    assert told[2]["seats"] == [{"forum": CHIP, "status": "confirmed"}]
    assert told[2]["status"] == "confirmed" and told[2]["checked_in_at"] is None
    assert (told[4], told[5]) == (now[first], now[second])
    assert told[4]["status"] == "cancelled" and told[5]["checked_in_at"]
    changed, cancelled = bodies[6]["data"], bodies[7]["data"]
    assert changed["session"]["title_en"] == "Retitled" and changed["session"]["id"] == item_id
    assert (cancelled["session_id"], cancelled["session"]) == (item_id, None)


def test_a_seat_given_at_a_forums_door_names_the_forum(app, demo_event, receiver):
    with app.app_context():
        chip = forum_id(CHIP)
        set_capacity(Forum, chip, 1)
        register_directly(demo_event, "seated@example.cn", [chip])
        waiting = register_directly(demo_event, "waiting@example.cn", [chip]).id
        set_capacity(Forum, chip, 2)  # the venue added a chair
        db.session.remove()
    make_webhook(app, demo_event, receiver.url, WebhookKind.SEAT_CONFIRMED)
    with app.app_context():
        actor = db.session.scalars(select(User)).first()
        tap = QueuedScan(str(uuid.uuid4()), desk="Door", forum_id=chip)
        seat_at_door(db.session, demo_event, db.session.get(Forum, chip), waiting, tap, actor)
        db.session.remove()
    assert run_worker_turn(app) == 1
    (body,) = receiver.bodies()
    assert body["type"] == "registration.seat_confirmed"
    assert (body["data"]["forum_id"], body["data"]["forum"]) == (chip, CHIP)
    assert body["data"]["registration"]["seats"] == [{"forum": CHIP, "status": "confirmed"}]
