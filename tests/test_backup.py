"""Backup and restore: `flask summit export` → `flask summit import` into an empty
database gives back the same event, registrations, seats, check-ins, mails' metadata,
audit log and accounts (without passwords), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from summit import audit
from summit.auth.service import create_user, password_matches
from summit.backup import FORMAT_VERSION
from summit.extensions import db
from summit.models import (
    Event,
    Forum,
    MailMessage,
    MailStatus,
    Registration,
    Role,
    Speaker,
    User,
    utcnow,
)

from .conftest import fresh_database_url, make_app
from .test_program import page_text
from .test_registration import forum_id, post_registration, register_directly, set_capacity

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


@pytest.fixture
def empty_app(backend, tmp_path) -> Iterator[Flask]:
    """A second database of the same backend, at the latest schema, with no rows."""
    url = fresh_database_url(backend, tmp_path, name="summit_restored")
    application = make_app(url, INSTANCE_PATH=str(tmp_path / "restored"))
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def fill_with_a_running_event(event_id: int) -> None:
    """Everything an export must carry: seats held and waited for, a check-in, mails in
    every state, audit entries, accounts of each role, a speaker's photo."""
    chip = forum_id("chip-machine")
    set_capacity(Event, event_id, None)
    set_capacity(Forum, chip, 1)
    first = register_directly(event_id, "first@backup.example.cn", [chip], name="王一")
    second = register_directly(event_id, "second@backup.example.cn", [chip], name="李二")
    assert [seat.status.value for seat in second.seats] == ["waitlisted"]
    admin = create_user(db.session, "admin@backup.example.cn", "a-long-password", Role.ADMIN,
                        "管理员")
    create_user(db.session, "desk@backup.example.cn", "another-password", Role.CHECKIN, "前台")
    db.session.flush()
    first.checked_in_at = utcnow()
    audit.record(db.session, admin, "check_in", "registration", first.id, "王一")
    mail = db.session.scalars(select(MailMessage).order_by(MailMessage.id)).first()
    mail.status, mail.sent_at, mail.message = MailStatus.SENT, utcnow(), b"Subject: hi\r\n\r\n"
    failed = db.session.scalars(select(MailMessage).order_by(MailMessage.id.desc())).first()
    failed.status, failed.attempts, failed.last_error = MailStatus.FAILED, 2, "SMTP down"
    failed.next_attempt_at = utcnow() + timedelta(minutes=5)
    speaker = db.session.scalars(select(Speaker).order_by(Speaker.id)).first()
    speaker.photo, speaker.photo_type = PHOTO, "image/png"
    db.session.commit()


def export(app: Flask, path) -> dict:
    result = app.test_cli_runner().invoke(args=["summit", "export", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text(encoding="utf-8"))


def import_file(app: Flask, path):
    return app.test_cli_runner().invoke(args=["summit", "import", str(path)])


def test_export_then_import_into_an_empty_database_gives_back_the_same_data(
    app, demo_event, empty_app, tmp_path
):
    with app.app_context():
        fill_with_a_running_event(demo_event)
        token = db.session.scalars(select(Registration.token).where(
            Registration.email == "second@backup.example.cn")).one()
        version = db.session.get(Event, demo_event).programme_version
    original = export(app, tmp_path / "backup.json")
    assert original["format_version"] == FORMAT_VERSION
    assert stat.S_IMODE(os.stat(tmp_path / "backup.json").st_mode) == 0o600

    result = import_file(empty_app, tmp_path / "backup.json")
    assert result.exit_code == 0, result.output
    assert "2 account(s) have no password" in result.output
    assert "flask summit create-admin desk@backup.example.cn --update --role checkin" \
        in result.output

    restored = export(empty_app, tmp_path / "again.json")
    for data in (original, restored):
        del data["exported_at"]  # the one thing that differs, by design
    assert restored == original

    with empty_app.app_context():
        # Nothing secret left the first database, and nothing was invented in the second.
        for user in db.session.scalars(select(User)):
            assert not password_matches(user, "a-long-password")
            assert not password_matches(user, "another-password")
        assert db.session.get(Event, demo_event).programme_version == version
        assert db.session.scalars(select(Speaker.photo).where(Speaker.photo_type != "")
                                  ).one() == PHOTO
        assert db.session.scalars(select(MailMessage.message)).all() == [None] * len(
            original["tables"]["mail_message"])
    client = empty_app.test_client()
    page = client.get(f"/r/{token}?lang=en")
    assert page.status_code == 200
    assert "李二" in page_text(page) and "waiting list" in page_text(page).lower()
    # New rows continue after the restored ones.
    assert post_registration(client, email="after.restore@backup.example.cn").status_code == 302
    with empty_app.app_context():
        ids = db.session.scalars(select(Registration.id).order_by(Registration.id)).all()
        assert len(ids) == 3 and ids[-1] > max(ids[:-1])


def test_the_export_leaves_out_password_hashes_and_sent_mail_bodies(app, demo_event, tmp_path):
    with app.app_context():
        fill_with_a_running_event(demo_event)
        hashes = db.session.scalars(select(User.password_hash)).all()
    data = export(app, tmp_path / "backup.json")
    raw = (tmp_path / "backup.json").read_text(encoding="utf-8")
    assert all(password_hash not in raw for password_hash in hashes)
    assert all("password_hash" not in row for row in data["tables"]["user_account"])
    assert all("message" not in row for row in data["tables"]["mail_message"])
    assert "login_attempt" not in data["tables"]
    checked_in = [row for row in data["tables"]["registration"] if row["checked_in_at"]]
    assert [row["full_name"] for row in checked_in] == ["王一"]
    assert {row["action"] for row in data["tables"]["audit_entry"]} >= {"check_in"}


def test_import_refuses_a_database_that_is_not_empty(app, demo_event, tmp_path):
    export(app, tmp_path / "backup.json")
    result = import_file(app, tmp_path / "backup.json")
    assert result.exit_code != 0
    assert "This database is not empty" in result.output
    assert "event: 1" in result.output


def test_import_refuses_another_format_or_schema_with_a_clear_message(
    app, demo_event, empty_app, tmp_path
):
    data = export(app, tmp_path / "backup.json")
    for change, message in [
        ({"format_version": 99}, "format_version 99"),
        ({"schema_revision": "0001"}, "flask db upgrade 0001"),
        ({"application": "other"}, "not a Summit export"),
    ]:
        path = tmp_path / "changed.json"
        path.write_text(json.dumps({**data, **change}), encoding="utf-8")
        result = import_file(empty_app, path)
        assert result.exit_code != 0
        assert message in result.output
    path.write_text("{not json", encoding="utf-8")
    assert "is not JSON" in import_file(empty_app, path).output
    with empty_app.app_context():
        assert db.session.scalars(select(Event)).first() is None


def test_the_events_choice_of_overlapping_forums_survives_a_backup(
    app, demo_event, empty_app, tmp_path
):
    with app.app_context():
        db.session.get(Event, demo_event).allow_overlapping_forums = True
        db.session.commit()
    data = export(app, tmp_path / "backup.json")
    assert [row["allow_overlapping_forums"] for row in data["tables"]["event"]] == [True]
    assert import_file(empty_app, tmp_path / "backup.json").exit_code == 0
    # Thursday afternoon's two forums, both chosen, are accepted on the restored site.
    with empty_app.app_context():
        thursday = [forum_id("5g-ai-big-data"), forum_id("chip-machine")]
    client = empty_app.test_client()
    assert post_registration(client, forums=thursday).status_code == 302
