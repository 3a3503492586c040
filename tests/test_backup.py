"""Backup and restore: `flask summit export` → `flask summit import` into an empty
database gives back the same event, registrations, seats, check-ins, mails' metadata,
audit log and accounts (without passwords), on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from summit import audit
from summit.auth.roles import grant_event_role
from summit.auth.service import create_user, password_matches
from summit.backup import service as backup
from summit.backup.service import FORMAT_VERSION
from summit.events.service import clone_event
from summit.extensions import db
from summit.models import (
    Event,
    EventRole,
    Forum,
    MailMessage,
    MailStatus,
    MaterialKind,
    ProgrammeSession,
    Registration,
    Role,
    SessionMaterial,
    SessionStar,
    Speaker,
    User,
    utcnow,
)

from .conftest import fresh_database_url, make_app
from .helpers.accounts import sign_in
from .helpers.admin_pages import load_edition
from .helpers.pages import page_text
from .helpers.pdfs import plain_pdf
from .helpers.registrations import (
    count_registrations,
    forum_id,
    post_registration,
    register_directly,
    set_capacity,
)

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
SLIDES = plain_pdf()


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
    every state, audit entries, accounts of each role, a speaker's photo, a starred
    session, slides and a recording's link."""
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
    audit.record(db.session, admin, "check_in", "registration", first.id, "王一",
                 event_id=event_id)
    mail = db.session.scalars(select(MailMessage).order_by(MailMessage.id)).first()
    mail.status, mail.sent_at, mail.message = MailStatus.SENT, utcnow(), b"Subject: hi\r\n\r\n"
    failed = db.session.scalars(select(MailMessage).order_by(MailMessage.id.desc())).first()
    failed.status, failed.attempts, failed.last_error = MailStatus.FAILED, 2, "SMTP down"
    failed.next_attempt_at = utcnow() + timedelta(minutes=5)
    speaker = db.session.scalars(select(Speaker).order_by(Speaker.id)).first()
    speaker.photo, speaker.photo_type = PHOTO, "image/png"
    keynote = db.session.scalars(select(ProgrammeSession).order_by(ProgrammeSession.id)).first()
    first.stars.append(SessionStar(session=keynote))
    keynote.materials += [
        SessionMaterial(kind=MaterialKind.SLIDES, title="讲稿", filename="讲稿.pdf",
                        content_type="application/pdf", size=len(SLIDES), content=SLIDES),
        SessionMaterial(kind=MaterialKind.RECORDING, url="https://video.example.cn/k1"),
    ]
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
        assert db.session.scalars(select(SessionMaterial.content).where(
            SessionMaterial.kind == MaterialKind.SLIDES)).one() == SLIDES
        assert [star.registration.email for star in db.session.scalars(select(SessionStar))] \
            == ["first@backup.example.cn"]
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


def test_a_whole_backup_of_several_events_is_refused_by_a_database_that_is_not_empty(
    app, demo_event, tmp_path
):
    two_editions(app, demo_event)
    export(app, tmp_path / "backup.json")
    before = counts_of(app)
    result = import_file(app, tmp_path / "backup.json")
    assert result.exit_code != 0
    assert "This database is not empty" in result.output
    assert "event: 2" in result.output
    assert "name it with --event SLUG" in result.output
    assert counts_of(app) == before


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


# --- hostile files: refused whole, with the place named, nothing written ---------------


def forum_row(data: dict) -> dict:
    return data["tables"]["forum"][0]


def deeply_nested(levels: int) -> list:
    nested: list = []
    for _ in range(levels):
        nested = [nested]
    return nested


HOSTILE_CHANGES = [
    ("a wrong type", lambda data: forum_row(data).update(capacity="lots"),
     "tables.forum[0].capacity: 'lots' is not of type 'integer'"),
    ("a missing key", lambda data: forum_row(data).pop("slug"),
     "tables.forum[0]: 'slug' is a required property"),
    ("a string too long", lambda data: forum_row(data).update(slug="x" * 65),
     "tables.forum[0].slug: 'xxxxxxxx"),
    ("a negative capacity", lambda data: forum_row(data).update(capacity=-1),
     "tables.forum[0].capacity: -1 is less than the minimum of 0"),
    ("an integer beyond the column", lambda data: forum_row(data).update(capacity=2**31),
     "tables.forum[0].capacity: 2147483648 is greater than the maximum of 2147483647"),
    ("a NUL character", lambda data: forum_row(data).update(name_zh="芯片\x00"),
     "tables.forum[0].name_zh: '芯片\\x00' does not match"),
    ("a value outside the enum", lambda data: forum_row(data).update(kind="plenary"),
     "tables.forum[0].kind: 'plenary' is not one of ['main', 'parallel']"),
    ("a time without a zone", lambda data: data["tables"]["programme_session"][0].update(
        starts_at="2020-11-05T09:00:00"),
     "tables.programme_session[0].starts_at: '2020-11-05T09:00:00' is not a "
     "'date-time-with-zone'"),
    ("a nested value", lambda data: data["tables"]["audit_entry"].append(
        {**data["tables"]["audit_entry"][0], "id": 99, "after": deeply_nested(40)}),
     "nested more than 16 levels deep"),
    ("an unknown table", lambda data: data["tables"].update(hacks=[]),
     "tables: Additional properties are not allowed ('hacks' was unexpected)"),
    ("an unknown column", lambda data: forum_row(data).update(owner="me"),
     "tables.forum[0]: Additional properties are not allowed ('owner' was unexpected)"),
    ("rows that are no list", lambda data: data["tables"].update(forum={"0": {}}),
     "tables.forum: {'0': {}} is not of type 'array'"),
]


def counts_of(app: Flask) -> dict[str, int]:
    with app.app_context():
        return backup.row_counts(db.session)


def assert_refused_and_nothing_written(app: Flask, path, message: str) -> None:
    result = import_file(app, path)
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert {name: count for name, count in backup.row_counts(db.session).items()
                if count} == {}


@pytest.mark.parametrize(("kind", "change", "message"), HOSTILE_CHANGES,
                         ids=[kind for kind, _change, _message in HOSTILE_CHANGES])
def test_a_hostile_file_is_refused_whole_with_its_first_bad_place_named(
    app, demo_event, empty_app, tmp_path, kind, change, message
):
    with app.app_context():
        audit.record(db.session, None, "update", "event", demo_event, "demo",
                     before={"capacity": 1}, after={"capacity": 2}, event_id=demo_event)
        db.session.commit()
    data = export(app, tmp_path / "backup.json")
    change(data)
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert_refused_and_nothing_written(empty_app, path, message)


@pytest.mark.parametrize(("content", "message"), [
    (b"\xff\xfe not text at all", "is not JSON that an export writes"),
    (b"{not json", "is not JSON that an export writes"),
    (b"[" * 100_000 + b"]" * 100_000, "it is nested too deeply"),
    (b'{"tables": {"forum": [{"capacity": NaN}]}}', "NaN is not a number JSON allows"),
    (b"1" * 5000, "is not JSON that an export writes"),
    (b"[]", "not a Summit export"),
    (b'"summit"', "not a Summit export"),
    (b"null", "not a Summit export"),
])
def test_a_file_that_is_not_an_export_is_refused_with_a_message(
    empty_app, tmp_path, content, message
):
    path = tmp_path / "hostile.json"
    path.write_bytes(content)
    assert_refused_and_nothing_written(empty_app, path, message)


def test_a_file_with_the_wrong_header_types_is_refused(app, demo_event, empty_app, tmp_path):
    data = export(app, tmp_path / "backup.json")
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({**data, "tables": []}), encoding="utf-8")
    assert_refused_and_nothing_written(empty_app, path, 'The file has no "tables".')


# --- one event or all -------------------------------------------------------------------------


def two_editions(app, demo_event) -> None:
    """The demo with its history, a 2021 edition with a registration and an organizer of
    its own, and a site-level audit entry."""
    with app.app_context():
        fill_with_a_running_event(demo_event)
        source = db.session.get(Event, demo_event)
        clone = clone_event(db.session, None, source, "embedded-china-2021", date(2021, 11, 24),
                            with_programme=True)
        register_directly(clone.id, "first@backup.example.cn", [], name="王一")
        organizer = create_user(db.session, "org2021@backup.example.cn", "a-long-password",
                                Role.ORGANIZER)
        db.session.flush()
        grant_event_role(db.session, None, organizer, clone, Role.ORGANIZER)
        db.session.commit()


def test_one_event_is_exported_alone_and_restores_alone(app, demo_event, empty_app, tmp_path):
    two_editions(app, demo_event)
    result = app.test_cli_runner().invoke(args=["summit", "export", str(tmp_path / "2021.json"),
                                                "--event", "embedded-china-2021"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "2021.json").read_text(encoding="utf-8"))
    assert data["events"] == ["embedded-china-2021"]
    tables = data["tables"]
    (event,) = tables["event"]
    assert [row["email"] for row in tables["registration"]] == ["first@backup.example.cn"]
    assert {row["event_id"] for name in ("forum", "programme_session", "mail_message",
                                         "audit_entry", "event_role", "registration")
            for row in tables[name]} == {event["id"]}
    assert len(tables["session_speaker"]) > 20
    # The accounts the event needs: its organizer; not the other edition's, nor the site's.
    assert [row["email"] for row in tables["user_account"]] == ["org2021@backup.example.cn"]

    assert import_file(empty_app, tmp_path / "2021.json").exit_code == 0
    with empty_app.app_context():
        assert db.session.scalars(select(Event.slug)).all() == ["embedded-china-2021"]
        assert db.session.scalars(select(Registration.email)).all() == [
            "first@backup.example.cn"]


def test_one_event_of_a_whole_backup_is_imported_with_event(app, demo_event, empty_app,
                                                             tmp_path):
    two_editions(app, demo_event)
    whole = export(app, tmp_path / "all.json")
    assert whole["events"] == ["embedded-china-2020", "embedded-china-2021"]
    runner = empty_app.test_cli_runner()
    unknown = runner.invoke(args=["summit", "import", str(tmp_path / "all.json"),
                                  "--event", "nothing"])
    assert unknown.exit_code != 0
    assert "There is no event 'nothing' here (events: embedded-china-2020, " \
           "embedded-china-2021)" in unknown.output
    result = runner.invoke(args=["summit", "import", str(tmp_path / "all.json"),
                                 "--event", "embedded-china-2020"])
    assert result.exit_code == 0, result.output
    with empty_app.app_context():
        assert db.session.scalars(select(Event.slug)).all() == ["embedded-china-2020"]
        assert sorted(db.session.scalars(select(Registration.email))) == [
            "first@backup.example.cn", "second@backup.example.cn"]
        # The account that checked someone in came with the entry it wrote.
        assert db.session.scalars(select(User.email)).all() == ["admin@backup.example.cn"]


def test_a_file_of_format_1_still_imports(app, demo_event, empty_app, tmp_path):
    with app.app_context():
        fill_with_a_running_event(demo_event)
    data = export(app, tmp_path / "backup.json")
    del data["events"]
    data["format_version"] = 1
    (tmp_path / "old.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = import_file(empty_app, tmp_path / "old.json")
    assert result.exit_code == 0, result.output
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 2


# --- one event added to a site that holds others -------------------------------------------

SLUG_2020 = "embedded-china-2020"


def export_event(app: Flask, path, slug: str = SLUG_2020) -> dict:
    result = app.test_cli_runner().invoke(args=["summit", "export", str(path), "--event", slug])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text(encoding="utf-8"))


def import_event(app: Flask, path, *options: str):
    return app.test_cli_runner().invoke(args=["summit", "import", str(path), *options])


def a_site_with_another_event(app: Flask) -> None:
    """Another full event with a registration, and an account that the demo's file names
    too, with a password and a name of this site's own."""
    with app.app_context():
        other = load_edition("edition-b")
        register_directly(other, "here@site-b.example.cn", [], name="本站")
        create_user(db.session, "shared@backup.example.cn", "site-b-password", Role.ADMIN,
                    "B站的名字")
        db.session.commit()


def the_demo_with_its_team(app: Flask, demo_event: int) -> None:
    """The running demo, an organizer of it, and a check-in account that site B has too."""
    with app.app_context():
        fill_with_a_running_event(demo_event)
        event = db.session.get(Event, demo_event)
        organizer = create_user(db.session, "org@backup.example.cn", "a-long-password",
                                Role.ORGANIZER, "组织者")
        shared = create_user(db.session, "shared@backup.example.cn", "site-a-password",
                             Role.CHECKIN, "A站的名字")
        db.session.flush()
        grant_event_role(db.session, None, organizer, event, Role.ORGANIZER)
        grant_event_role(db.session, None, shared, event, Role.CHECKIN)
        first = db.session.scalars(select(Registration).where(
            Registration.email == "first@backup.example.cn")).one()
        audit.record(db.session, organizer, "update", "registration", first.id, "王一",
                     event_id=demo_event)
        db.session.commit()


def comparable(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """An event's rows with every id replaced by its row's place in its table (accounts by
    their email), references and audited objects too: what two databases can compare."""
    places: dict[str, dict] = {}
    for table in backup.backed_up_tables():
        if list(table.primary_key.columns.keys()) == ["id"]:
            places[table.name] = {row["id"]: index
                                  for index, row in enumerate(tables.get(table.name, []))}
    places[User.__tablename__] = {row["id"]: row["email"]
                                  for row in tables[User.__tablename__]}
    result = {}
    for table in backup.backed_up_tables():
        if table.name == User.__tablename__:
            continue
        rows = []
        for row in tables.get(table.name, []):
            row = dict(row)
            if "id" in places.get(table.name, {}) or table.name in places:
                row.pop("id", None)
            for column in table.columns:
                for key in column.foreign_keys:
                    if row.get(column.name) is not None:
                        row[column.name] = places[key.column.table.name].get(row[column.name])
            if table.name == "audit_entry":
                audited = backup.AUDITED_TABLES.get(row["object_type"])
                if audited and row["object_id"]:
                    row["object_id"] = places[audited].get(int(row["object_id"]))
                row.pop("user_id")  # the actor's email says who
            rows.append(row)
        result[table.name] = sorted(
            rows, key=lambda row: json.dumps(row, sort_keys=True, ensure_ascii=False))
    return result


def without_ids(value):
    """A frab schedule without the ids and guids that number its talks and people (a
    talk's slug holds its id too)."""
    if isinstance(value, dict):
        return {key: re.sub(r"-\d+-", "-", item, count=1) if key == "slug" else without_ids(item)
                for key, item in value.items() if key not in ("id", "guid", "url")}
    if isinstance(value, list):
        return [without_ids(item) for item in value]
    return value


def admin_csv(app: Flask, slug: str) -> list[list[str]]:
    """The organizers' CSV export of the event's registrations, without its id column."""
    client = app.test_client()
    sign_in(app, client, Role.ADMIN, email=f"reader-{slug}@example.org")
    response = client.get(f"/admin/{slug}/registrations/export.csv?codes=1")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0].lstrip("\ufeff") == "id"
    return [row[1:] for row in rows]


def test_one_event_moves_to_a_site_that_holds_another_with_the_same_content(
    app, demo_event, empty_app, tmp_path
):
    the_demo_with_its_team(app, demo_event)
    a_site_with_another_event(empty_app)
    data = export_event(app, tmp_path / "2020.json")
    schedule = json.loads(app.test_client().get(f"/{SLUG_2020}/schedule.json").get_data())
    registrations_csv = admin_csv(app, SLUG_2020)
    with app.app_context():
        tokens = dict(db.session.execute(select(Registration.email, Registration.token)).all())
        codes = dict(db.session.execute(
            select(Registration.email, Registration.checkin_code)).all())
    before = counts_of(empty_app)

    result = import_event(empty_app, tmp_path / "2020.json")
    assert result.exit_code == 0, result.output
    assert f"Added the event {SLUG_2020}:" in result.output
    assert "1 account(s) of this site kept as they were: shared@backup.example.cn" \
        in result.output
    assert "flask summit create-admin org@backup.example.cn --update --role organizer " \
           f"--event {SLUG_2020}" in result.output
    after = counts_of(empty_app)
    for table in ("event", "forum", "programme_session", "session_speaker", "speaker",
                  "co_host", "registration", "seat", "mail_message", "audit_entry",
                  "event_role"):
        assert after[table] == before[table] + len(data["tables"][table]), table

    # The same rows, under new ids, the references between them kept.
    moved = export_event(empty_app, tmp_path / "moved.json")
    assert comparable(moved["tables"]) == comparable(data["tables"])
    # The public feed and the organizers' export say the same.
    client = empty_app.test_client()
    assert without_ids(json.loads(client.get(f"/{SLUG_2020}/schedule.json").get_data())) == \
        without_ids(schedule)
    assert admin_csv(empty_app, SLUG_2020) == registrations_csv

    with empty_app.app_context():
        # Site B's account is used as it is: its name, role and password are B's.
        shared = db.session.scalars(select(User).where(
            User.email == "shared@backup.example.cn")).one()
        assert (shared.name, shared.role) == ("B站的名字", Role.ADMIN)
        assert password_matches(shared, "site-b-password")
        organizer = db.session.scalars(select(User).where(
            User.email == "org@backup.example.cn")).one()
        assert not password_matches(organizer, "a-long-password")
        assert organizer.role == Role.ORGANIZER
        event = db.session.scalars(select(Event).where(Event.slug == SLUG_2020)).one()
        assert {(role.user.email, role.role) for role in db.session.scalars(
            select(EventRole).where(EventRole.event_id == event.id))} == {
            ("org@backup.example.cn", Role.ORGANIZER),
            ("shared@backup.example.cn", Role.CHECKIN)}
        # The administrator who checked someone in has no account here: the entry keeps
        # the address, links to no account, and no account was made for it.
        assert db.session.scalar(select(func.count()).select_from(User).where(
            User.email == "admin@backup.example.cn")) == 0
        # A badge's code is still unique in its event, and the same as before.
        for _event, count, distinct in db.session.execute(
            select(Registration.event_id, func.count(),
                   func.count(Registration.checkin_code.distinct()))
            .group_by(Registration.event_id)
        ):
            assert count == distinct
        assert dict(db.session.execute(
            select(Registration.email, Registration.checkin_code)
            .where(Registration.event_id == event.id)).all()) == codes
        other = db.session.scalars(select(Event).where(Event.slug == "edition-b")).one()
        assert db.session.scalars(select(Registration.email).where(
            Registration.event_id == other.id)).all() == ["here@site-b.example.cn"]

    # Private links keep opening their pages, now on site B.
    for email in ("first@backup.example.cn", "second@backup.example.cn"):
        page = client.get(f"/r/{tokens[email]}?lang=en")
        assert page.status_code == 200
        assert ("王一" if email.startswith("first") else "李二") in page_text(page)
    # New registrations get free ids, in the imported event and in the other one.
    assert post_registration(client, email="after.move@backup.example.cn").status_code == 302
    with empty_app.app_context():
        other = db.session.scalars(select(Event).where(Event.slug == "edition-b")).one().id
        register_directly(other, "after.move@site-b.example.cn", [])
        ids = db.session.scalars(select(Registration.id)).all()
        assert len(ids) == len(set(ids)) == before["registration"] + 2 + 2


def test_an_event_whose_slug_is_taken_is_refused_and_comes_in_under_as(
    app, demo_event, tmp_path
):
    with app.app_context():
        fill_with_a_running_event(demo_event)
        original = dict(db.session.execute(select(Registration.email, Registration.token)
                                           ).all())
    export_event(app, tmp_path / "2020.json")
    before = counts_of(app)

    refused = import_event(app, tmp_path / "2020.json")
    assert refused.exit_code != 0
    assert f"This site already has an event '{SLUG_2020}'" in refused.output
    assert "--as NEW_SLUG" in refused.output
    assert counts_of(app) == before
    bad = import_event(app, tmp_path / "2020.json", "--as", "Not A Slug")
    assert bad.exit_code != 0 and "lower-case letters" in bad.output
    assert counts_of(app) == before

    result = import_event(app, tmp_path / "2020.json", "--as", "embedded-china-2020-copy")
    assert result.exit_code == 0, result.output
    assert "Added the event embedded-china-2020-copy" in result.output
    assert "2 registration(s) got a new private link" in result.output
    with app.app_context():
        copy = db.session.scalars(select(Event).where(
            Event.slug == "embedded-china-2020-copy")).one()
        copied = dict(db.session.execute(select(Registration.email, Registration.token)
                                         .where(Registration.event_id == copy.id)).all())
        assert copied.keys() == original.keys()
        assert set(copied.values()).isdisjoint(original.values())
        assert len(copy.forums) == len(db.session.get(Event, demo_event).forums)
    client = app.test_client()
    # Each link opens its own event's registration.
    assert SLUG_2020 + "-copy" not in client.get(
        f"/r/{original['first@backup.example.cn']}?lang=en").get_data(as_text=True)
    assert client.get(f"/r/{copied['first@backup.example.cn']}?lang=en").status_code == 200
    assert client.get("/embedded-china-2020-copy/schedule.json").status_code == 200


# A file's ids name its own rows only (a seat's forum_id of 3 is the file's forum 3, never
# this site's): one that names no row of the file is refused.
MERGE_HOSTILE = [
    ("a reference to a row outside the file",
     lambda data, app: data["tables"]["seat"][0].update(forum_id=10**6),
     "tables.seat[0].forum_id: 1000000 names no forum row of the event in the file"),
    ("an id twice", lambda data, app: data["tables"]["forum"].append(
        {**data["tables"]["forum"][0], "slug": "twice"}),
     "tables.forum: the id"),
    ("a value too long for the audit log",
     lambda data, app: data["tables"]["audit_entry"][-1].update(action="x" * 41),
     "tables.audit_entry"),
    ("a registration the database refuses, after the programme",
     lambda data, app: data["tables"]["registration"][-1].update(email="UPPER@EXAMPLE.CN"),
     "cannot be stored"),
    ("a wrong type", lambda data, app: forum_row(data).update(capacity="lots"),
     "tables.forum[0].capacity: 'lots' is not of type 'integer'"),
]


@pytest.mark.parametrize(("kind", "change", "message"), MERGE_HOSTILE,
                         ids=[kind for kind, _change, _message in MERGE_HOSTILE])
def test_a_hostile_event_file_leaves_a_site_that_holds_others_untouched(
    app, demo_event, empty_app, tmp_path, kind, change, message
):
    with app.app_context():
        fill_with_a_running_event(demo_event)
    a_site_with_another_event(empty_app)
    data = export_event(app, tmp_path / "2020.json")
    change(data, empty_app)
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = counts_of(empty_app)
    result = import_event(empty_app, path)
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert counts_of(empty_app) == before
    with empty_app.app_context():
        other = db.session.scalars(select(Event.id).where(Event.slug == "edition-b")).one()
        register_directly(other, "still.works@site-b.example.cn", [])
        assert count_registrations() == before["registration"] + 1


def test_questions_and_answers_survive_a_backup_retired_ones_included(
    app, demo_event, empty_app, tmp_path
):
    from summit.models import Answer, Question, QuestionKind
    from summit.registration.question_setup import retire_question

    from .helpers.questions import add_question, answers_of, field

    with app.app_context():
        dietary, hotel = field(demo_event, "Dietary"), field(demo_event, "Shall we")
        remarks = add_question(demo_event, QuestionKind.LONG_TEXT, "Remarks")
        remarks_field = f"q{remarks.id}"
    client = app.test_client()
    assert post_registration(client, email="q@backup.example.cn", **{
        dietary: ["vegetarian", "no-nuts"], hotel: "yes",
        remarks_field: "=1+1\n<script>x</script>"}).status_code == 302
    with app.app_context():
        retire_question(db.session, None, db.session.get(Question, remarks.id))
    original = export(app, tmp_path / "backup.json")
    assert len(original["tables"]["answer"]) == 3
    assert import_file(empty_app, tmp_path / "backup.json").exit_code == 0
    restored = export(empty_app, tmp_path / "again.json")
    assert restored["tables"]["question"] == original["tables"]["question"]
    assert restored["tables"]["question_choice"] == original["tables"]["question_choice"]
    assert restored["tables"]["answer"] == original["tables"]["answer"]
    with empty_app.app_context():
        assert answers_of("q@backup.example.cn") == {
            "Dietary needs": ["vegetarian", "no-nuts"],
            "Shall we book you a hotel room?": True,
            "Remarks": "=1+1\n<script>x</script>"}
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 3

    # An answer that its question's kind cannot hold is refused, and nothing written.
    bad = json.loads((tmp_path / "backup.json").read_text(encoding="utf-8"))
    bad["tables"]["answer"][0]["value"] = {"not": "an answer"}
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    with empty_app.app_context():
        db.session.remove()
    url = fresh_database_url(
        "postgresql" if "postgresql" in str(empty_app.config["SQLALCHEMY_DATABASE_URI"])
        else "sqlite", tmp_path, name="summit_third")
    third = make_app(url, INSTANCE_PATH=str(tmp_path / "third"))
    with third.app_context():
        upgrade()
    result = import_file(third, tmp_path / "bad.json")
    assert result.exit_code != 0 and "tables.answer[0]" in result.output
    with third.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
        db.session.remove()
        db.engine.dispose()


def a_question_conditioned_on_a_later_one(event_id: int) -> None:
    """The demo's first question (the lowest id) asked only after a question added later:
    in id order, a row that names a row not yet written."""
    from summit.models import Question, QuestionKind

    from .helpers.questions import add_question

    later = add_question(event_id, QuestionKind.YES_NO, "Travelling from abroad?")
    first = db.session.scalars(select(Question).where(Question.event_id == event_id)
                               .order_by(Question.id)).first()
    first.condition_question_id, first.condition_value = later.id, "yes"
    db.session.commit()


def test_a_question_conditioned_on_a_later_one_restores_and_moves(
    app, demo_event, empty_app, tmp_path
):
    with app.app_context():
        a_question_conditioned_on_a_later_one(demo_event)
    original = export(app, tmp_path / "backup.json")
    result = import_file(empty_app, tmp_path / "backup.json")
    assert result.exit_code == 0, result.output
    assert export(empty_app, tmp_path / "again.json")["tables"]["question"] == (
        original["tables"]["question"])
    # Added beside the event it came from, under new ids.
    moved = app.test_cli_runner().invoke(args=[
        "summit", "import", str(tmp_path / "backup.json"), "--as", "embedded-china-moved"])
    assert moved.exit_code == 0, moved.output


def test_questions_that_name_each_other_in_a_circle_are_refused(
    app, demo_event, empty_app, tmp_path
):
    with app.app_context():
        a_question_conditioned_on_a_later_one(demo_event)
    data = export(app, tmp_path / "backup.json")
    questions = data["tables"]["question"]
    later = max(questions, key=lambda row: row["id"])
    later["condition_question_id"], later["condition_value"] = min(
        row["id"] for row in questions), "yes"
    (tmp_path / "circle.json").write_text(json.dumps(data, ensure_ascii=False),
                                          encoding="utf-8")
    assert_refused_and_nothing_written(empty_app, tmp_path / "circle.json",
                                       "tables.question: some rows name each other in a circle")


def test_the_call_its_proposals_reviews_and_reviewers_move_with_their_event(
    app, demo_event, empty_app, tmp_path
):
    from summit.models import ProposalSpeaker, Review, ReviewerForum

    from .helpers.proposals import add_proposal, make_reviewer, open_call

    with app.app_context():
        open_call(demo_event)
        proposal_id = add_proposal(demo_event, "speaker@backup.example.cn")
        reviewer = make_reviewer(demo_event, "reviewer@backup.example.cn", ("chip-machine",))
        db.session.add(Review(proposal_id=proposal_id, user_id=reviewer, score=4, comment="好"))
        db.session.commit()
        token = db.session.scalar(select(ProposalSpeaker.token))
    a_site_with_another_event(empty_app)
    data = export_event(app, tmp_path / "2020.json")
    for table, rows in (("proposal_call", 1), ("proposal_call_forum", 2), ("proposal", 1),
                        ("proposal_speaker", 1), ("proposal_review", 1), ("reviewer_forum", 1)):
        assert len(data["tables"][table]) == rows, table
    result = import_event(empty_app, tmp_path / "2020.json")
    assert result.exit_code == 0, result.output
    moved = export_event(empty_app, tmp_path / "moved.json")
    assert comparable(moved["tables"]) == comparable(data["tables"])
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewerForum)) == 1
    page = empty_app.test_client().get(f"/proposals/{token}")
    assert page.status_code == 200
    assert "测试报告" in page_text(page)
