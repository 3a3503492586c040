"""The migrations build the schema from nothing on every database, and agree with the models."""

from datetime import UTC, date, datetime, time, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from summit.events.current import find_event
from summit.events.service import clone_event
from summit.extensions import db
from summit.models import (
    AuditEntry,
    Event,
    EventRole,
    EventStatus,
    MailMessage,
    Registration,
    Reminder,
    Role,
    Seat,
    User,
)

from .conftest import fresh_database_url, make_app


def schema_drift() -> list:
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


def test_upgrade_from_empty_matches_the_models(backend, tmp_path):
    app = make_app(fresh_database_url(backend, tmp_path, "migration_check"))
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"event", "forum", "programme_session", "registration", "seat"} <= tables
        assert schema_drift() == []
        db.engine.dispose()


def test_downgrade_to_nothing_and_back(backend, tmp_path):
    app = make_app(fresh_database_url(backend, tmp_path, "migration_round_trip"))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert schema_drift() == []
        db.engine.dispose()


# --- upgrading a database of one event to editions (0005 → 0006 and on) ----------------------

AT = datetime(2020, 11, 1, 8, 0, tzinfo=UTC)


def insert_row(connection, table: str, **values) -> None:
    """A row written with SQL, as the schema of that revision has it (no models). Rows
    get their ids from the database, in the order they are written: 1, 2, 3…"""
    if connection.dialect.name == "sqlite":
        values = {name: value.replace(tzinfo=None) if isinstance(value, datetime) else value
                  for name, value in values.items()}
    names = ", ".join(f'"{name}"' for name in values)
    params = ", ".join(f":{name}" for name in values)
    connection.execute(text(f'INSERT INTO "{table}" ({names}) VALUES ({params})'), values)


def one_event_database(connection) -> None:
    """The event, two forums, three registrations (seats, a check-in), their mails and one
    not about anyone, audit entries of registrations, the programme and accounts, and
    an administrator, an organizer and a check-in account."""
    texts = dict.fromkeys(("name_zh", "name_en", "theme_zh", "theme_en", "description_zh",
                           "description_en", "city_zh", "city_en", "venue_zh", "venue_en",
                           "website", "contact_email"), "")
    insert_row(connection, "event", slug="embedded-china-2020", **texts,
               starts_on=date(2020, 11, 25), ends_on=date(2020, 11, 27),
               timezone="Asia/Shanghai", default_locale="zh", show_both_languages=False,
               programme_version=3, programme_updated_at=AT, allow_overlapping_forums=False)
    forum_texts = dict.fromkeys(("name_zh", "name_en", "description_zh", "description_en",
                                 "room_zh", "room_en"), "")
    for position, slug in enumerate(("main", "chip-machine")):
        insert_row(connection, "forum", event_id=1, slug=slug, kind="parallel",
                   **forum_texts, colour="#1f6feb", position=position)
    for number in (1, 2, 3):
        insert_row(connection, "registration", event_id=1,
                   full_name=f"参会者{number}", latin_name="", email=f"p{number}@example.org",
                   phone="", organisation="", job_title="", category="delegate",
                   status="cancelled" if number == 3 else "confirmed", token=f"token-{number}",
                   token_hash=f"hash-{number}", checkin_code=f"CODE{number}0000000",
                   locale="zh", queued_at=AT, created_at=AT, updated_at=AT,
                   checked_in_at=AT if number == 1 else None)
        insert_row(connection, "seat", registration_id=number, forum_id=2,
                   status="confirmed", queued_at=AT, updated_at=AT)
        insert_row(connection, "mail_message", registration_id=number,
                   kind="confirmation", recipient=f"p{number}@example.org", subject="",
                   status="sent", attempts=1, last_error="", created_at=AT,
                   next_attempt_at=AT, link_base="http://summit.example")
    insert_row(connection, "mail_message", registration_id=None, kind="link",
               recipient="gone@example.org", subject="", status="failed", attempts=3,
               last_error="", created_at=AT, next_attempt_at=AT, link_base="")
    for role in ("admin", "organizer", "checkin"):
        insert_row(connection, "user_account", email=f"{role}@example.org",
                   name="", password_hash="x", role=role, active=True, created_at=AT)
    for object_type, object_id, action in (
        ("registration", "1", "check_in"), ("registration", "3", "cancel"),
        ("forum", "2", "update"), ("mail", "", "retry"), ("user", "3", "create"),
    ):
        insert_row(connection, "audit_entry", at=AT, user_id=1,
                   actor="admin@example.org", action=action, object_type=object_type,
                   object_id=object_id, summary="")


def test_upgrading_a_database_of_one_event_keeps_every_row_at_its_event(backend, tmp_path):
    app = make_app(fresh_database_url(backend, tmp_path, "upgrade_with_data"))
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as connection:
            one_event_database(connection)
        upgrade()
        assert schema_drift() == []

        event = db.session.get(Event, 1)
        assert (event.slug, event.status, event.programme_version) == (
            "embedded-china-2020", EventStatus.PUBLISHED, 3)
        assert find_event(db.session) == event  # the default event
        registrations = db.session.scalars(select(Registration).order_by(Registration.id)).all()
        assert [(r.event_id, r.email, r.status.value, r.checked_in_at) for r in registrations] == [
            (1, "p1@example.org", "confirmed", AT), (1, "p2@example.org", "confirmed", None),
            (1, "p3@example.org", "cancelled", None)]
        assert db.session.execute(select(Seat.registration_id, Seat.forum_id)
                                  .order_by(Seat.id)).all() == [(1, 2), (2, 2), (3, 2)]
        assert db.session.execute(select(MailMessage.id, MailMessage.event_id)
                                  .order_by(MailMessage.id)).all() == [
            (1, 1), (2, 1), (3, 1), (4, 1)]
        assert db.session.execute(select(AuditEntry.id, AuditEntry.event_id)
                                  .order_by(AuditEntry.id)).all() == [
            (1, 1), (2, 1), (3, 1), (4, 1), (5, None)]
        assert db.session.execute(select(User.email, EventRole.event_id, EventRole.role)
                                  .join(EventRole.user).order_by(User.email)).all() == [
            ("checkin@example.org", 1, Role.CHECKIN), ("organizer@example.org", 1, Role.ORGANIZER)]

        # Badge codes are unique per event now: next year's may repeat one.
        clone = clone_event(db.session, None, event, "embedded-china-2021", date(2021, 11, 24))
        db.session.add(Registration(event_id=clone.id, full_name="参会者1", email="p1@example.org",
                                    token="token-2021", token_hash="hash-2021",
                                    checkin_code="CODE10000000"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# --- reminders for the events a database holds (0008) ---------------------------------


def test_upgrading_gives_each_event_the_default_reminders_none_of_them_late(backend, tmp_path):
    app = make_app(fresh_database_url(backend, tmp_path, "upgrade_reminders"))
    today = datetime.now(UTC).date()
    texts = dict.fromkeys(("name_zh", "name_en", "theme_zh", "theme_en", "description_zh",
                           "description_en", "city_zh", "city_en", "venue_zh", "venue_en",
                           "website", "contact_email"), "")
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as connection:
            # Long past; in two days (three days before has passed); in ten days.
            for slug, starts_on in (("past", date(2020, 11, 25)),
                                    ("soon", today + timedelta(days=2)),
                                    ("later", today + timedelta(days=10))):
                insert_row(connection, "event", slug=slug, **texts, starts_on=starts_on,
                           ends_on=starts_on, timezone="Asia/Shanghai", default_locale="zh",
                           show_both_languages=False, programme_version=1,
                           programme_updated_at=AT, allow_overlapping_forums=False,
                           status="published")
        upgrade()
        assert schema_drift() == []
        rows = db.session.execute(
            select(Event.slug, Reminder).join(Reminder.event)
            .order_by(Event.id, Reminder.days_before.desc())).all()
        assert [(slug, r.days_before, r.local_time, r.state.value) for slug, r in rows] == [
            ("past", 3, time(10), "skipped"), ("past", 1, time(19), "skipped"),
            ("soon", 3, time(10), "skipped"), ("soon", 1, time(19), "scheduled"),
            ("later", 3, time(10), "scheduled"), ("later", 1, time(19), "scheduled")]
        db.session.remove()
        db.engine.dispose()


# --- a speaker's affiliation and bio in both languages (0017) ---------------------------


def test_upgrading_files_each_speaker_s_affiliation_and_bio_under_its_language(
        backend, tmp_path):
    app = make_app(fresh_database_url(backend, tmp_path, "upgrade_speaker_page"))
    texts = dict.fromkeys(("name_zh", "name_en", "theme_zh", "theme_en", "description_zh",
                           "description_en", "city_zh", "city_en", "venue_zh", "venue_en",
                           "website", "contact_email"), "")
    with app.app_context():
        upgrade(revision="0016")
        with db.engine.begin() as connection:
            insert_row(connection, "event", slug="embedded-china-2020", **texts,
                       starts_on=date(2020, 11, 25), ends_on=date(2020, 11, 27),
                       timezone="Asia/Shanghai", default_locale="zh",
                       show_both_languages=False, programme_version=1,
                       programme_updated_at=AT, allow_overlapping_forums=False,
                       status="published")
            insert_row(connection, "proposal", event_id=1, kind="talk", duration_minutes=20,
                       title_zh="报告", title_en="", abstract_zh="", abstract_en="", notes="",
                       state="submitted", created_at=AT, updated_at=AT)
            for number, (affiliation, bio) in enumerate((
                    ("南京大学", "Wang Fang teaches embedded systems."),
                    ("Purple Mountain Laboratories", "")), start=1):
                insert_row(connection, "proposal_speaker", proposal_id=1, position=number - 1,
                           email=f"s{number}@example.org", name=f"讲者{number}",
                           affiliation=affiliation, bio=bio, locale="zh",
                           token=f"token-{number}", token_hash=f"hash-{number}")
        upgrade()
        assert schema_drift() == []
        columns = ("affiliation_zh", "affiliation_en", "bio_zh", "bio_en")
        rows = db.session.execute(text(
            f"SELECT {', '.join(columns)} FROM proposal_speaker ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [
            ("南京大学", "", "", "Wang Fang teaches embedded systems."),
            ("", "Purple Mountain Laboratories", "", "")]
        db.session.remove()
        downgrade(revision="0016")
        with db.engine.connect() as connection:
            assert connection.execute(text(
                "SELECT affiliation, bio FROM proposal_speaker ORDER BY id")).all() == [
                ("南京大学", "Wang Fang teaches embedded systems."),
                ("Purple Mountain Laboratories", "")]


# --- withdrawn mails and stopped mailings (0020) -----------------------------------------


def test_withdrawn_mails_and_stopped_mailings_come_and_go_with_their_revision(backend, tmp_path):
    app = make_app(fresh_database_url(backend, tmp_path, "withdrawn_mails"))
    mail = dict(kind="group_mail", link_base="", subject="", attempts=1, last_error="",
                created_at=AT, next_attempt_at=AT)
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            insert_row(connection, "mail_message", recipient="sent@x.cn", status="sent", **mail)
            insert_row(connection, "mail_message", recipient="left@x.cn", status="withdrawn",
                       **{**mail, "last_error": "registration cancelled"})
            insert_row(connection, "event", slug="e", **dict.fromkeys((
                "name_zh", "name_en", "theme_zh", "theme_en", "description_zh",
                "description_en", "city_zh", "city_en", "venue_zh", "venue_en", "website",
                "contact_email", "share_image_type"), ""),
                starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 1),
                timezone="Asia/Shanghai", default_locale="zh", show_both_languages=False,
                programme_version=1, programme_updated_at=AT, allow_overlapping_forums=False,
                status="published")
            insert_row(connection, "mailing", event_id=1, subject_zh="", subject_en="",
                       body_zh="", body_en="", recipients="{}", state="stopped", link_base="",
                       created_at=AT, updated_at=AT, recipient_count=0)
        downgrade(revision="0018")
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT recipient, status FROM mail_message")
                                      ).all() == [("sent@x.cn", "sent")]
            assert connection.execute(text("SELECT state FROM mailing")).scalar() == "sent"
        upgrade()
        assert schema_drift() == []
        db.engine.dispose()
