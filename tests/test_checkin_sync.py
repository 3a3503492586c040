"""The offline desk's endpoints: the list kept on the device (whole with an ETag, or what
changed since a cursor), the queue of scans taken in once each by its own id, conflicts
kept for the staff, forum doors, and who may use any of it."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from summit.checkin.service import Outcome
from summit.checkin.sync import read_queue, sync_queue
from summit.extensions import db
from summit.models import (
    ApiScope,
    DeskScan,
    Event,
    Forum,
    Registration,
    Role,
    Seat,
    SeatStatus,
    User,
    utcnow,
)

from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN, event_admin, load_edition
from .helpers.api import API, bearer, make_token
from .helpers.concurrency import all_at_once
from .helpers.database import audit_entries
from .helpers.desk import desk_token, queued, send_queue
from .helpers.pages import DEMO
from .helpers.registrations import AI, CHIP, forum_id, register

EVENT = DEMO.strip("/")


@pytest.fixture
def desk(app, client, demo_event):
    sign_in(app, client, Role.CHECKIN)
    return client


def code_of(registration_id: int) -> str:
    return db.session.get(Registration, registration_id).checkin_code


def people(app, demo_event, count: int) -> list[str]:
    with app.app_context():
        return [code_of(register(demo_event, f"来宾{number}", f"guest{number}@example.org"))
                for number in range(count)]


def sync(client, scans: list[dict]) -> dict:
    response = send_queue(client, scans, desk_token(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    return {answer["id"]: answer for answer in response.get_json()["scans"]}


def test_a_queue_sent_twice_admits_each_person_once(app, desk, demo_event):
    codes = people(app, demo_event, 3)
    scans = [queued(code, told="checked_in") for code in codes]
    scans.append(queued(codes[0], told="already"))  # the desk's own repeat, offline
    first = sync(desk, scans)
    # The answer to the first send was lost: the desk sends the same queue again.
    again = sync(desk, scans)
    assert [first[scan["id"]]["outcome"] for scan in scans] == \
        ["checked_in"] * 3 + ["already"]
    assert [again[scan["id"]]["outcome"] for scan in scans] == \
        [first[scan["id"]]["outcome"] for scan in scans]
    assert not any(answer["conflict"] for answer in first.values())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DeskScan)) == 4
        assert len(audit_entries("check_in")) == 3
        assert db.session.scalar(select(func.count(Registration.checked_in_at))) == 3


def test_the_device_time_is_the_check_in_time_and_the_desk_is_recorded(app, desk, demo_event):
    (code,) = people(app, demo_event, 1)
    ten_minutes_ago = time.time() - 600
    sync(desk, [queued(code, at=ten_minutes_ago, desk="东门 1")])
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        assert abs(registration.checked_in_at.timestamp() - ten_minutes_ago) < 1
        row = db.session.scalars(select(DeskScan)).one()
        assert row.desk == "东门 1" and abs(row.scanned_at.timestamp() - ten_minutes_ago) < 1


def test_two_offline_desks_admitting_one_person_make_a_conflict_shown_to_every_desk(
    app, desk, demo_event
):
    (code,) = people(app, demo_event, 1)
    first = queued(code, told="checked_in", desk="Desk A", at=time.time() - 120)
    second = queued(code, told="checked_in", desk="Desk B", at=time.time() - 60)
    assert sync(desk, [first])[first["id"]]["conflict"] is False
    answer = sync(desk, [second])[second["id"]]
    assert (answer["outcome"], answer["conflict"]) == ("already", True)
    state = desk.get(f"{ADMIN}/checkin/desk.json?since=1").get_json()
    (conflict,) = state["conflicts"]
    assert conflict["desk"] == "Desk B" and conflict["name"] == "来宾0"
    assert "Desk A" in conflict["first"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(DeskScan.conflict)) == 1
        assert len(audit_entries("check_in")) == 1


def test_a_scan_through_the_api_shows_at_every_desk_under_the_tokens_name(
    app, desk, demo_event
):
    first, second = people(app, demo_event, 2)
    secret = make_token(app, demo_event, ApiScope.CHECK_IN, name="Door scanner app")
    for code in (first, "UNKNWN42"):
        scanned = desk.post(f"{API}/{EVENT}/check-ins", headers=bearer(secret),
                            json={"code": code})
        assert scanned.status_code == 200
    sync(desk, [queued(second, desk="Desk A")])
    state = desk.get(f"{ADMIN}/checkin/desk.json?since=1&lang=en").get_json()
    assert [(scan["desk"], scan["name"], scan["outcome"]) for scan in state["recent"]] == [
        ("Desk A", "来宾1", "checked_in"),
        ("API · Door scanner app", "UNKNWN42", "unknown"),
        ("API · Door scanner app", "来宾0", "checked_in"),
    ]
    # The same rules as a desk's: the person is in, and a desk's scan says so.
    answer = sync(desk, [queued(first, desk="Desk A")])
    assert [scan["outcome"] for scan in answer.values()] == ["already"]
    with app.app_context():
        assert [entry.actor for entry in audit_entries("check_in")] == [
            "API token «Door scanner app»", "checkin@summit.example.org"]


def test_scans_without_the_desks_script_and_through_scan_json_show_at_every_desk(
    app, client, demo_event
):
    first, second = people(app, demo_event, 2)
    sign_in(app, client, Role.CHECKIN)
    with app.app_context():
        db.session.scalars(select(User).where(User.email == "checkin@summit.example.org")
                           ).one().name = "王芳"
        db.session.commit()
    token = desk_token(client)
    # The desk's page without JavaScript: a plain form POST.
    page = client.post(f"{ADMIN}/checkin", data={"csrf_token": token, "code": first})
    assert "Welcome! Checked in." in page.get_data(as_text=True)
    # A scanner that keeps no list, naming its desk, then one that does not.
    for code, desk_name in ((second, "North door"), (first, ""), ("UNKNWN42", "")):
        assert client.post(f"{ADMIN}/checkin/scan.json",
                           data={"csrf_token": token, "code": code, "desk": desk_name},
                           ).status_code == 200
    other_desk = app.test_client()
    sign_in(app, other_desk, Role.ORGANIZER)
    state = other_desk.get(f"{ADMIN}/checkin/desk.json?since=1").get_json()
    assert [(scan["desk"], scan["name"], scan["outcome"]) for scan in state["recent"]] == [
        ("王芳", "UNKNWN42", "unknown"),
        ("王芳", "来宾0", "already"),
        ("North door", "来宾1", "checked_in"),
        ("王芳", "来宾0", "checked_in"),
    ]
    with app.app_context():
        assert len(audit_entries("check_in")) == 2
        assert db.session.scalar(select(func.count(Registration.checked_in_at))) == 2


def test_hostile_and_broken_items_are_answered_and_never_block_the_queue(app, desk, demo_event):
    (code,) = people(app, demo_event, 1)
    good = queued(code)
    hostile = [
        {"id": "<script>alert(1)</script>", "code": code},
        {"id": "' OR 1=1 --", "code": code},
        {"id": str(uuid.uuid4()), "code": ["not", "text"]},
        {"id": str(uuid.uuid4()), "code": code, "forum": "1; DROP TABLE seat"},
        {"id": str(uuid.uuid4()), "code": code, "forum": 999999},
        {"id": str(uuid.uuid4()), "code": "x" * 5000},
        "just a string",
        {**queued(code), "at": 1e300, "desk": "<b>" * 50},
    ]
    response = send_queue(desk, [*hostile, good], desk_token(desk))
    assert response.status_code == 200
    answers = response.get_json()["scans"]
    assert [answer["outcome"] for answer in answers[:7]] == ["unknown"] * 7
    assert answers[0]["id"] == "<script>alert(1)</scr"[:36] or answers[0]["problem"] == "id"
    assert answers[7]["outcome"] == "checked_in" and answers[8]["outcome"] == "already"
    for body in (None, {"scans": "no"}, {"scans": [queued(code)] * 501}, [1, 2]):
        refused = desk.post(f"{ADMIN}/checkin/sync.json", json=body,
                            headers={"X-CSRFToken": desk_token(desk)})
        assert refused.status_code == 422
        assert refused.mimetype == "application/problem+json"
    with app.app_context():
        rows = db.session.scalars(select(DeskScan)).all()
        assert len(rows) == 2
        # A far-future device time is not believed; the desk's name is kept as text.
        assert all(row.scanned_at.year < 3000 for row in rows)


def test_json_endpoints_want_the_csrf_token_and_the_role_at_this_event(app, client, demo_event):
    (code,) = people(app, demo_event, 1)
    assert client.get(f"{ADMIN}/checkin/desk.json").status_code == 302  # to sign in
    with app.app_context():
        other = load_edition("other-2021")
        db.session.commit()
    sign_in(app, client, Role.CHECKIN, events=[other])
    for path in ("desk.json", "manifest.webmanifest", "sw.js"):
        assert client.get(f"{ADMIN}/checkin/{path}").status_code == 403, path
    assert client.post(f"{ADMIN}/checkin/sync.json", json={"scans": [queued(code)]},
                       headers={"X-CSRFToken": desk_token(client, event_admin("other-2021"))}
                       ).status_code == 403
    # At its own event the same account works, but not without the token.
    other_admin = event_admin("other-2021")
    assert send_queue(client, [queued(code)], admin=other_admin).status_code == 400
    answer = send_queue(client, [queued(code)], desk_token(client, other_admin),
                        admin=other_admin).get_json()["scans"][0]
    # Another event's badge is not admitted here, nor does it leak who it is.
    assert answer["outcome"] == "other_event" and "name" not in answer
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.checked_in_at))) == 0


def test_the_list_is_private_conditional_and_incremental(app, desk, demo_event):
    codes = people(app, demo_event, 3)
    whole = desk.get(f"{ADMIN}/checkin/desk.json")
    assert whole.headers["Cache-Control"] == "private, no-store"
    body = whole.get_json()
    assert body["full"] is True and sorted(p["code"] for p in body["people"]) == sorted(codes)
    assert set(body["people"][0]) == {"id", "code", "name", "latin_name", "organisation",
                                      "category", "status", "checked_in_at", "seats"}
    etag = whole.headers["ETag"]
    assert desk.get(f"{ADMIN}/checkin/desk.json",
                    headers={"If-None-Match": etag}).status_code == 304
    cursor = body["cursor"]
    # Long enough after the cursor for the look-back not to reach the others.
    time.sleep(0.05)
    with app.app_context():
        changed_at = db.session.scalar(select(func.max(Registration.updated_at)))
    sync(desk, [queued(codes[1])])
    changes = desk.get(f"{ADMIN}/checkin/desk.json?since={cursor}").get_json()
    assert changes["full"] is False
    changed = {p["code"]: p for p in changes["people"]}
    assert changed[codes[1]]["checked_in_at"] is not None
    assert changes["progress"] == "1 of 3 checked in"
    assert changes["recent"][0]["name"] == "来宾1"
    # The whole list changed, so the old ETag no longer answers 304.
    assert desk.get(f"{ADMIN}/checkin/desk.json",
                    headers={"If-None-Match": etag}).status_code == 200
    assert changed_at is not None


def seat_waiting_with_a_free_seat(app, demo_event) -> tuple[str, str, str, int, int]:
    """One seated in CHIP, one waiting for it while a seat is free (the venue added
    chairs), one without a seat in it: their codes, the forum's id, the waiting one's id."""
    with app.app_context():
        chip = forum_id(CHIP)
        db.session.get(Forum, chip).capacity = 1
        db.session.commit()
        seated = register(demo_event, "甲", "jia@example.org", forums=[chip])
        waiting = register(demo_event, "乙", "yi@example.org", forums=[chip])
        elsewhere = register(demo_event, "丙", "bing@example.org", forums=[forum_id(AI)])
        assert db.session.scalars(select(Seat.status).where(
            Seat.registration_id == waiting)).one() == SeatStatus.WAITLISTED
        db.session.get(Forum, chip).capacity = 2
        db.session.commit()
        return code_of(seated), code_of(waiting), code_of(elsewhere), chip, waiting


def test_a_forum_door_admits_the_seated_and_tells_the_others(app, desk, demo_event):
    seated, waiting, elsewhere, chip, _waiting_id = seat_waiting_with_a_free_seat(app, demo_event)
    scans = [queued(code, forum=chip) for code in (seated, waiting, elsewhere, seated)]
    answers = sync(desk, scans)
    assert [answers[scan["id"]]["outcome"] for scan in scans] == \
        ["checked_in", "seat_waiting", "not_seated", "checked_in"]
    assert "Welcome to" in answers[scans[0]["id"]]["message"]
    door = desk.get(f"{ADMIN}/checkin/desk.json?since=1&door={chip}").get_json()["door"]
    assert (door["attended"], door["free"]) == (1, 1)
    with app.app_context():
        # Admitted at a door, the person is checked in at the event too.
        assert db.session.scalar(select(func.count(Registration.checked_in_at))) == 1


def test_one_tap_seats_from_the_waiting_list_while_seats_are_free_never_beyond(
    app, desk, demo_event
):
    _seated, _waiting, _elsewhere, chip, waiting_id = seat_waiting_with_a_free_seat(
        app, demo_event)
    tap = {"id": str(uuid.uuid4()), "forum": chip, "registration": waiting_id,
           "desk": "Door", "at": int(time.time() * 1000)}
    headers = {"X-CSRFToken": desk_token(desk)}
    admitted = desk.post(f"{ADMIN}/checkin/door-admit.json", json=tap, headers=headers)
    assert admitted.status_code == 200 and admitted.get_json()["outcome"] == "checked_in"
    # The same tap sent again changes nothing.
    assert desk.post(f"{ADMIN}/checkin/door-admit.json", json=tap,
                     headers=headers).get_json()["outcome"] == "checked_in"
    with app.app_context():
        late = register(demo_event, "丁", "ding@example.org", forums=[chip])
    full = desk.post(f"{ADMIN}/checkin/door-admit.json", headers=headers, json={
        **tap, "id": str(uuid.uuid4()), "registration": late})
    assert full.status_code == 409 and "No free seat" in full.get_json()["title"]
    assert desk.post(f"{ADMIN}/checkin/door-admit.json", json=tap).status_code == 400
    with app.app_context():
        taken = db.session.scalar(select(func.count()).where(
            Seat.forum_id == chip, Seat.status == SeatStatus.CONFIRMED))
        assert taken == db.session.get(Forum, chip).capacity == 2
        assert len(audit_entries("promote")) == 1


def test_the_desk_page_installs_as_an_app(app, desk, demo_event):
    page = desk.get(f"{ADMIN}/checkin").get_data(as_text=True)
    assert 'rel="manifest"' in page
    manifest = desk.get(f"{ADMIN}/checkin/manifest.webmanifest")
    assert manifest.get_json()["scope"] == f"{ADMIN}/checkin"
    worker = desk.get(f"{ADMIN}/checkin/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == f"{ADMIN}/checkin"
    assert worker.mimetype == "text/javascript"
    assert "worker-src 'self'" in worker.headers["Content-Security-Policy"]


def test_signing_out_clears_what_the_device_kept(app, desk, demo_event):
    response = desk.post("/admin/logout", data={"csrf_token": desk_token(desk)})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_event_from_other_edition_is_not_listed(app, desk, demo_event):
    with app.app_context():
        other = load_edition("other-2021")
        register(other, "外人", "outsider@example.org")
        db.session.commit()
        assert db.session.get(Event, other) is not None
    listed = desk.get(f"{ADMIN}/checkin/desk.json").get_json()["people"]
    assert "外人" not in {person["name"] for person in listed}


def test_attendance_per_forum_and_session_on_the_dashboard_and_in_the_export(
    app, client, demo_event
):
    seated, _waiting, _elsewhere, chip, _waiting_id = seat_waiting_with_a_free_seat(
        app, demo_event)
    sign_in(app, client, Role.ORGANIZER)
    response = send_queue(client, [queued(seated, forum=chip)], desk_token(client))
    assert response.get_json()["scans"][0]["outcome"] == "checked_in"
    with app.app_context():
        # The demo took place in 2020, beyond what a device's clock is believed: the scan
        # is moved to ten minutes into the forum's first session.
        first, second = db.session.get(Forum, chip).sessions[:2]
        db.session.scalars(select(DeskScan)).one().scanned_at = \
            first.starts_at + timedelta(minutes=10)
        db.session.commit()
        first_title, second_title = first.title_en, second.title_en
    forums_csv = client.get(f"{ADMIN}/dashboard/attendance-forums.csv").get_data(as_text=True)
    chip_row = next(line for line in forums_csv.splitlines() if "芯片" in line or "Chip" in line)
    assert chip_row.split(",")[1] == "1"
    export = client.get(f"{ADMIN}/registrations/export.csv?codes=1").get_data(as_text=True)
    header, *rows = export.lstrip("\ufeff").splitlines()
    column = header.split(",").index("forums_attended")
    attended = {row.split(",")[1]: row.split(",")[column] for row in rows}
    assert attended["甲"] == CHIP and attended["乙"] == ""
    sessions_csv = client.get(f"{ADMIN}/dashboard/attendance-sessions.csv").get_data(
        as_text=True)
    counts = {title: line.rsplit(",", 1)[1] for line in sessions_csv.splitlines()
              for title in (first_title, second_title) if title in line}
    assert counts == {first_title: "1", second_title: "0"}


def test_one_queue_sent_by_three_desks_at_once_is_taken_in_once(app, demo_event):
    """The same queue racing itself (a desk retrying while its first send is still being
    taken in): the losers' commits fail on the unique id and are answered from the winner."""
    codes = people(app, demo_event, 5)
    actor_id = sign_in(app, app.test_client(), Role.CHECKIN)
    with app.app_context():
        queue = read_queue({"scans": [queued(code, told="checked_in") for code in codes]},
                           utcnow())

    def desk():
        def send():
            with app.app_context():
                try:
                    return [synced.scan.outcome for synced in sync_queue(
                        db.session, demo_event, queue, db.session.get(User, actor_id))]
                finally:
                    db.session.remove()
        return lambda: send  # nothing to prepare

    results = all_at_once([desk() for _ in range(3)])
    assert results == [[Outcome.CHECKED_IN] * 5] * 3
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DeskScan)) == 5
        assert len(audit_entries("check_in")) == 5
