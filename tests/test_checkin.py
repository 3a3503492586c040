"""The check-in desk: scans answered at a glance, idempotent, undoable, audited, and one
check-in for a badge scanned at two desks at once."""

from __future__ import annotations

import re
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from summit.checkin.service import Outcome
from summit.checkin.sync import scan_once
from summit.extensions import db
from summit.models import Event, Registration, RegistrationStatus, Role, User
from summit.registration import service
from summit.urls import serving_at

from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN, hold_role_at_every_event
from .helpers.database import audit_entries
from .helpers.desk import queued, scan_online, send_queue
from .helpers.pages import csrf_token, page_text
from .helpers.registrations import LINK_BASE, register

CLOCK = re.compile(r"Already checked in on .+ at (\d\d:\d\d)\.")


@pytest.fixture
def desk(app, client, demo_event):
    sign_in(app, client, Role.CHECKIN)
    return client


def code_of(registration_id: int) -> str:
    return db.session.get(Registration, registration_id).checkin_code


def scan(client, code: str) -> dict:
    return scan_online(client, code)


def test_a_valid_code_checks_in_once_and_a_repeat_says_when(app, desk, demo_event):
    with app.app_context():
        registration_id = register(demo_event, "刘韵洁", "liu@pml.example.cn",
                                   "紫金山实验室", "Liu Yunjie")
        code = code_of(registration_id)
    # As a person might type it off the badge: lower case, in groups, O for 0 and l for 1.
    typed = "-".join(code[i:i + 4] for i in range(0, 12, 4)).lower()
    typed = typed.replace("0", "o").replace("1", "l")
    answer = scan(desk, typed)
    assert answer["ok"] is True and answer["outcome"] == "checked_in"
    assert (answer["name"], answer["latin_name"], answer["category"]) == (
        "刘韵洁", "Liu Yunjie", "Delegate")
    # The desk's count follows each scan without reloading the page.
    assert answer["progress"] == "1 of 1 checked in"
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        assert registration.checked_in_at is not None
        (entry,) = audit_entries("check_in")
        assert entry.actor == "checkin@summit.example.org"
        assert entry.before == {"checked_in_at": None}
        checked_in_at = registration.checked_in_at

    repeat = scan(desk, code)
    assert repeat["ok"] is False and repeat["outcome"] == "already"
    shanghai = checked_in_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert CLOCK.search(repeat["message"]).group(1) == shanghai.strftime("%H:%M")
    with app.app_context():
        assert db.session.get(Registration, registration_id).checked_in_at == checked_in_at
        assert len(audit_entries("check_in")) == 1


def test_cancelled_waitlisted_and_unknown_codes_are_refused_with_the_reason(
    app, desk, demo_event
):
    with app.app_context():
        db.session.get(Event, demo_event).capacity = 1
        db.session.commit()
        register(demo_event, "甲", "jia@example.org")
        waiting = register(demo_event, "乙", "yi@example.org")
        cancelled = register(demo_event, "丙", "bing@example.org")
        with serving_at(LINK_BASE):
            service.cancel(db.session, db.session.get(Registration, cancelled))
        assert db.session.get(Registration, waiting).status == RegistrationStatus.WAITLISTED
        codes = {"cancelled": code_of(cancelled), "waitlisted": code_of(waiting)}

    refused = scan(desk, codes["cancelled"])
    assert (refused["ok"], refused["outcome"], refused["name"]) == (False, "cancelled", "丙")
    assert "cancelled" in refused["message"]
    waitlisted = scan(desk, codes["waitlisted"])
    assert (waitlisted["ok"], waitlisted["outcome"]) == (False, "waitlisted")
    assert "waiting list" in waitlisted["message"]
    for unknown in ("ZZZZZZZZZZZZ", "https://example.org/?x=<script>", "!!"):
        answer = scan(desk, unknown)
        assert (answer["ok"], answer["outcome"]) == (False, "unknown")
        assert "name" not in answer
    empty = scan(desk, "   ")
    assert (empty["ok"], empty["outcome"]) == (False, "unknown")
    with app.app_context():
        assert audit_entries("check_in") == []
        assert db.session.scalars(select(Registration.checked_in_at)).all() == [None] * 3


def test_without_javascript_the_form_posts_and_the_page_answers(app, desk, demo_event):
    with app.app_context():
        code = code_of(register(demo_event, "何积丰", "he@ecnu.example.cn"))
    page = desk.get(f"{ADMIN}/checkin")
    assert 'src="/static/js/checkin.js"' in page.get_data(as_text=True)
    assert "0 of 1 checked in" in page_text(page)
    response = desk.post(f"{ADMIN}/checkin",
                         data={"csrf_token": csrf_token(desk, f"{ADMIN}/checkin"), "code": code})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "scan-result--ok" in html
    assert "Welcome! Checked in." in page_text(response) and "何积丰" in page_text(response)
    assert "1 of 1 checked in" in page_text(response)
    again = desk.post(f"{ADMIN}/checkin", data={"csrf_token": csrf_token(desk, f"{ADMIN}/checkin"),
                                               "code": code})
    assert "scan-result--already" in again.get_data(as_text=True)
    assert "Already checked in on" in page_text(again)


def test_a_scan_without_csrf_token_is_refused(app, desk, demo_event):
    with app.app_context():
        code = code_of(register(demo_event, "甲", "jia@example.org"))
    response = send_queue(desk, [queued(code)])
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Registration.checked_in_at)).one() is None


def test_undo_takes_the_check_in_back_and_is_audited(app, desk, demo_event):
    with app.app_context():
        registration_id = register(demo_event, "甲", "jia@example.org")
        code = code_of(registration_id)
    answer = scan(desk, code)
    assert answer["undo_url"] == f"{ADMIN}/checkin/{registration_id}/undo"
    response = desk.post(answer["undo_url"], data={
        "csrf_token": csrf_token(desk, f"{ADMIN}/checkin"), "back": "desk"})
    assert response.status_code == 302 and response.location.endswith(f"{ADMIN}/checkin")
    with app.app_context():
        assert db.session.get(Registration, registration_id).checked_in_at is None
        (entry,) = audit_entries("undo_check_in")
        assert entry.after == {"checked_in_at": None} and entry.before["checked_in_at"]
    twice = desk.post(answer["undo_url"], data={
        "csrf_token": csrf_token(desk, f"{ADMIN}/checkin"), "back": "desk"}, follow_redirects=True)
    assert "甲 was not checked in." in page_text(twice)
    assert scan(desk, code)["outcome"] == "checked_in"
    with app.app_context():
        assert len(audit_entries("check_in")) == 2
        assert len(audit_entries("undo_check_in")) == 1


def test_manual_search_by_name_and_check_in(app, desk, demo_event):
    with app.app_context():
        registration_id = register(demo_event, "刘韵洁", "liu@pml.example.cn",
                                   latin_name="Liu Yunjie")
        register(demo_event, "何积丰", "he@ecnu.example.cn")
    found = desk.get(f"{ADMIN}/checkin", query_string={"q": "韵洁"})
    assert "刘韵洁" in page_text(found) and "何积丰" not in page_text(found)
    assert "Liu Yunjie" in page_text(desk.get(f"{ADMIN}/checkin?q=yunjie"))
    assert "Nobody found." in page_text(desk.get(f"{ADMIN}/checkin?q=nobody"))
    response = desk.post(f"{ADMIN}/checkin/{registration_id}",
                         data={"csrf_token": csrf_token(desk, f"{ADMIN}/checkin")})
    assert "Welcome! Checked in." in page_text(response)
    with app.app_context():
        assert db.session.get(Registration, registration_id).checked_in_at is not None


def test_check_in_staff_cannot_open_the_rest_of_the_admin(app, desk, demo_event):
    assert desk.get(f"{ADMIN}/checkin").status_code == 200
    for path in (f"{ADMIN}/dashboard", f"{ADMIN}/registrations", f"{ADMIN}/registrations/new"):
        assert desk.get(path).status_code == 403, path


def test_concurrent_scans_of_one_badge_record_one_check_in(app, demo_event):
    with app.app_context():
        code = code_of(register(demo_event, "甲", "jia@example.org"))
        user = hold_role_at_every_event(db.session, User(
            email="desk@example.org", password_hash="x", role=Role.CHECKIN))
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    desks = 6
    start = threading.Barrier(desks)
    outcomes: list[Outcome] = []
    errors: list[BaseException] = []

    def scan_at_a_desk() -> None:
        # Each desk is its own app context, so its own database session and connection.
        with app.app_context():
            try:
                actor = db.session.get(User, user_id)
                start.wait(timeout=30)
                outcomes.append(scan_once(db.session, demo_event, code, actor).outcome)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=scan_at_a_desk) for _ in range(desks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(outcomes) == sorted([Outcome.CHECKED_IN] + [Outcome.ALREADY] * (desks - 1))
    with app.app_context():
        assert len(audit_entries("check_in")) == 1
