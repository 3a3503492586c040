"""Editions: creating and cloning events (what a clone copies, and what it never does),
times kept on the event's clock across daylight saving, reserved slugs, publishing,
archiving and deleting, the default event, and the screens of /admin/events."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import func, inspect, select

from summit.checkin.service import Outcome
from summit.checkin.sync import scan_once
from summit.events import service
from summit.events.current import find_event
from summit.extensions import db
from summit.models import (
    AuditEntry,
    CoHost,
    Event,
    EventRole,
    EventStatus,
    Forum,
    MailMessage,
    ProgrammeSession,
    Registration,
    Role,
    Seat,
    SessionKind,
    Speaker,
    User,
)

from .helpers.accounts import sign_in
from .helpers.pages import csrf_token, page_text
from .helpers.registrations import CHIP, forum_id, register

SOURCE = "embedded-china-2020"
CLONE = "embedded-china-2021"
NEXT_YEAR = date(2021, 11, 24)


def columns(model) -> list[str]:
    return [column.key for column in inspect(model).column_attrs]


def values(obj, leave_out: set[str]) -> dict:
    return {key: getattr(obj, key) for key in columns(type(obj)) if key not in leave_out}


def clone_demo(with_programme: bool = False, starts_on: date = NEXT_YEAR) -> Event:
    source = find_event(db.session, SOURCE)
    return service.clone_event(db.session, None, source, CLONE, starts_on, with_programme)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def with_history(app, demo_event):
    """The demo with a registration holding a seat, its mails, a check-in and audit entries."""
    with app.app_context():
        registration_id = register(demo_event, "王小明", "wang@example.org",
                                   forums=[forum_id(CHIP)])
        user = User(email="desk@example.org", role=Role.CHECKIN, password_hash="x")
        db.session.add(user)
        db.session.flush()
        db.session.add(EventRole(user_id=user.id, event_id=demo_event, role=Role.CHECKIN))
        db.session.commit()
        code = db.session.get(Registration, registration_id).checkin_code
        assert scan_once(db.session, demo_event, code, user).admitted
    return registration_id


# --- cloning ------------------------------------------------------------------------------


def test_a_clone_copies_the_settings_co_hosts_and_forums_and_nothing_else(app, with_history):
    with app.app_context():
        source = find_event(db.session, SOURCE)
        source.registration_opens_at = datetime(2020, 10, 1, 1, 0, tzinfo=UTC)
        source.registration_closes_at = datetime(2020, 11, 20, 10, 0, tzinfo=UTC)
        db.session.commit()
        clone = clone_demo()
        source = find_event(db.session, SOURCE)
        days = timedelta(days=(NEXT_YEAR - source.starts_on).days)

        moved = {"id", "slug", "status", "name_zh", "name_en", "starts_on", "ends_on",
                 "registration_opens_at", "registration_closes_at", "programme_version",
                 "programme_updated_at"}
        assert values(clone, moved) == values(source, moved)
        assert (clone.slug, clone.status) == (CLONE, EventStatus.DRAFT)
        assert (clone.starts_on, clone.ends_on) == (NEXT_YEAR, source.ends_on + days)
        assert clone.name_zh == source.name_zh.replace("2020", "2021")
        assert clone.name_en.startswith("2021 China International Embedded Conference")
        # Shanghai has no daylight saving: the window moves by whole days.
        assert clone.registration_opens_at == source.registration_opens_at + days
        assert clone.registration_closes_at == source.registration_closes_at + days

        own = {"id", "event_id"}
        assert [values(co_host, own) for co_host in clone.co_hosts] == [
            values(co_host, own) for co_host in source.co_hosts]
        assert [values(forum, own) for forum in clone.forums] == [
            values(forum, own) for forum in source.forums]
        assert len(clone.forums) == 5 and {f.event_id for f in clone.forums} == {clone.id}

        # Without --with-programme: no speakers or sessions; never anyone's data.
        for model in (Speaker, ProgrammeSession, Registration, MailMessage, EventRole):
            assert count(model, model.event_id == clone.id) == 0, model
        assert count(Seat, Seat.forum_id.in_([forum.id for forum in clone.forums])) == 0
        # The source keeps everything; the clone's only trace is the site's audit entry.
        assert count(Registration, Registration.event_id == source.id) == 1
        assert count(AuditEntry, AuditEntry.event_id == clone.id) == 0
        (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "clone"))
        assert (entry.event_id, entry.object_type, entry.object_id) == (None, "event",
                                                                         str(clone.id))


def test_a_clone_with_its_programme_copies_speakers_and_sessions_field_by_field(
    app, demo_event
):
    with app.app_context():
        source = db.session.get(Event, demo_event)
        speaker = db.session.scalars(select(Speaker).order_by(Speaker.id)).first()
        speaker.photo, speaker.photo_type = b"\x89PNG fake", "image/png"
        db.session.commit()
        version = source.programme_version
        clone = clone_demo(with_programme=True)
        source = db.session.get(Event, demo_event)
        days = timedelta(days=(NEXT_YEAR - source.starts_on).days)

        own = {"id", "event_id"}
        assert [values(s, own) for s in clone.speakers] == [
            values(s, own) for s in sorted(source.speakers, key=lambda s: s.id)]
        forum_slugs = {forum.id: forum.slug for forum in (*source.forums, *clone.forums)}
        renewed = own | {"forum_id", "starts_at", "ends_at", "sequence", "created_at",
                         "updated_at"}
        assert len(clone.sessions) == len(source.sessions) > 20
        for copied, original in zip(clone.sessions, source.sessions, strict=True):
            assert values(copied, renewed) == values(original, renewed)
            assert forum_slugs[copied.forum_id] == forum_slugs[original.forum_id]
            assert copied.forum.event_id == clone.id
            assert (copied.starts_at, copied.ends_at) == (original.starts_at + days,
                                                          original.ends_at + days)
            assert copied.sequence == 0
            assert [(s.name_zh, s.event_id) for s in copied.speakers] == [
                (s.name_zh, clone.id) for s in original.speakers]
        # The originals were not touched: their calendars see no change.
        assert source.programme_version == version
        assert {s.sequence for s in source.sessions} == {0}


def test_a_clone_keeps_the_local_times_across_a_change_to_daylight_saving(app):
    """Berlin changes to summer time on 28 March 2021: a 09:00 session stays at 09:00."""
    berlin = ZoneInfo("Europe/Berlin")
    with app.app_context():
        source = Event(slug="spring-2021", name_en="Spring", starts_on=date(2021, 3, 20),
                       ends_on=date(2021, 3, 21), timezone="Europe/Berlin",
                       registration_closes_at=datetime(2021, 3, 19, 18, 0, tzinfo=berlin))
        forum = Forum(slug="main", name_en="Main", event=source)
        ProgrammeSession(event=source, forum=forum, kind=SessionKind.KEYNOTE, title_en="Opening",
                         starts_at=datetime(2021, 3, 20, 9, 0, tzinfo=berlin),
                         ends_at=datetime(2021, 3, 20, 10, 30, tzinfo=berlin))
        db.session.add(source)
        db.session.commit()
        assert source.sessions[0].starts_at.hour == 8  # 09:00 in winter is 08:00 UTC

        clone = service.clone_event(db.session, None, source, "spring-2021-b",
                                    date(2021, 4, 10), with_programme=True)
        (session,) = clone.sessions
        assert session.starts_at.astimezone(berlin) == datetime(2021, 4, 10, 9, 0, tzinfo=berlin)
        assert session.ends_at.astimezone(berlin) == datetime(2021, 4, 10, 10, 30, tzinfo=berlin)
        assert session.starts_at.hour == 7  # in summer, 07:00 UTC
        assert clone.registration_closes_at.astimezone(berlin) == datetime(
            2021, 4, 9, 18, 0, tzinfo=berlin)


# --- slugs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["admin", "r", "static", "api", "healthz", "register",
                                  "agenda", "speakers", "forums", "sessions", "calendar.ics",
                                  "schedule.xml", "schedule.json", "schedule.csv",
                                  "favicon.ico", "robots.txt", "proposals", "login", "logout"])
def test_the_sites_own_paths_are_refused_as_slugs(app, demo_event, slug):
    with app.app_context(), force_locale("en"):
        source = db.session.get(Event, demo_event)
        with pytest.raises(service.EventError, match="one of the site's own addresses"):
            service.clone_event(db.session, None, source, slug, NEXT_YEAR)
        assert count(Event) == 1


@pytest.mark.parametrize("slug", ["", "Embedded", "two words", "ends-", "-starts", "a--b",
                                  "x" * 65, "中文", SOURCE])
def test_malformed_or_taken_slugs_are_refused(app, demo_event, slug):
    with app.app_context(), pytest.raises(service.EventError):
        service.check_new_slug(db.session, slug)


def test_every_first_segment_of_the_sites_addresses_is_reserved(app):
    segments = {rule.rule.strip("/").split("/")[0] for rule in app.url_map.iter_rules()}
    segments = {segment for segment in segments if segment and "<" not in segment}
    assert segments <= service.RESERVED_SLUGS


# --- an event's life ----------------------------------------------------------------------


def test_an_event_with_registrations_is_archived_not_deleted(app, with_history):
    with app.app_context(), force_locale("en"):
        source = find_event(db.session, SOURCE)
        with pytest.raises(service.EventError, match="archive it instead"):
            service.delete_event(db.session, None, source)
        source = find_event(db.session, SOURCE)
        service.archive(db.session, None, source)
        assert find_event(db.session, SOURCE).status == EventStatus.ARCHIVED
        assert count(Registration) == 1
        service.publish(db.session, None, find_event(db.session, SOURCE))
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == "event").order_by(AuditEntry.id)).all()
        assert actions == ["archive", "publish"]


def test_deleting_an_event_without_registrations_takes_its_programme(app, demo_event):
    with app.app_context():
        clone = clone_demo(with_programme=True)
        clone_id = clone.id
        service.delete_event(db.session, None, clone)
        assert db.session.get(Event, clone_id) is None
        for model in (Forum, CoHost, Speaker, ProgrammeSession):
            assert count(model, model.event_id == clone_id) == 0
        assert count(ProgrammeSession, ProgrammeSession.event_id == demo_event) > 20
        (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "delete"))
        assert (entry.event_id, entry.summary) == (None, CLONE)


def test_the_default_event_is_the_next_published_one_else_the_latest(app, demo_event):
    with app.app_context():
        assert find_event(db.session).slug == SOURCE  # the only one, past as it is
        clone_demo()  # a draft in 2021: not shown by default
        assert find_event(db.session).slug == SOURCE
        today = datetime.now(UTC).date()
        coming = service.clone_event(db.session, None, find_event(db.session, SOURCE),
                                     "coming", today + timedelta(days=30))
        later = service.clone_event(db.session, None, find_event(db.session, SOURCE),
                                    "later", today + timedelta(days=300))
        for event in (coming, later):
            service.publish(db.session, None, event)
        assert find_event(db.session).slug == "coming"
        service.archive(db.session, None, find_event(db.session, "coming"))
        assert find_event(db.session).slug == "later"
        service.archive(db.session, None, find_event(db.session, "later"))
        assert find_event(db.session).slug == "later"  # none coming: the latest shown
        assert find_event(db.session, SOURCE).slug == SOURCE


# --- everything keyed by event -------------------------------------------------------------


def test_the_same_person_registers_in_two_editions_with_two_private_links(app, demo_event):
    with app.app_context():
        clone_id = clone_demo().id
        first = db.session.get(Registration, register(demo_event, "王小明", "wang@example.org"))
        second = db.session.get(Registration, register(clone_id, "王小明", "Wang@Example.org"))
        assert (first.event_id, second.event_id) == (demo_event, clone_id)
        assert first.token != second.token and first.email == second.email
        mails = db.session.execute(select(MailMessage.event_id, MailMessage.registration_id)
                                   .order_by(MailMessage.id)).all()
        assert mails == [(demo_event, first.id), (clone_id, second.id)]
        entries = db.session.execute(select(AuditEntry.event_id, AuditEntry.object_id).where(
            AuditEntry.action == "register").order_by(AuditEntry.id)).all()
        assert entries == [(demo_event, str(first.id)), (clone_id, str(second.id))]


def test_a_badge_of_another_event_is_named_at_the_desk(app, client, demo_event):
    with app.app_context():
        clone = clone_demo()
        clone_id = clone.id
        service.publish(db.session, None, clone)
        registration_id = register(demo_event, "王小明", "wang@example.org")
        code = db.session.get(Registration, registration_id).checkin_code
    sign_in(app, client, Role.ADMIN)
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        scan = scan_once(db.session, clone_id, code, user)
        assert scan.outcome is Outcome.OTHER_EVENT and scan.other_event.slug == SOURCE
        assert db.session.get(Registration, registration_id).checked_in_at is None
    # The 2021 edition's desk.
    answer = client.post(f"/admin/{CLONE}/checkin/scan.json", data={
        "csrf_token": csrf_token(client, f"/admin/{CLONE}/checkin"), "code": code,
    }, headers={"Accept": "application/json"}).get_json()
    assert (answer["ok"], answer["outcome"]) == (False, "other_event")
    assert answer["message"] == ("Not admitted: this badge is for 2020 China International "
                                 "Embedded Conference (Embedded China).")


# --- the command line ---------------------------------------------------------------------


def test_clone_event_command(app, demo_event):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["summit", "clone-event", SOURCE, CLONE, "--starts-on",
                                 "2021-11-24", "--with-programme"])
    assert result.exit_code == 0, result.output
    assert "Created the draft embedded-china-2021 (2021-11-24 to 2021-11-26)" in result.output
    with app.app_context():
        clone = find_event(db.session, CLONE)
        assert clone.status == EventStatus.DRAFT and len(clone.sessions) > 20
    for args, message in (
        ([SOURCE, "admin", "--starts-on", "2021-11-24"], "one of the site's own addresses"),
        ([SOURCE, CLONE, "--starts-on", "2021-11-24"], "Another event has the short name"),
        (["nothing", "other", "--starts-on", "2021-11-24"], "No event has the slug 'nothing'"),
        ([SOURCE, "other", "--starts-on", "24/11/2021"], "'24/11/2021' does not match"),
    ):
        refused = runner.invoke(args=["summit", "clone-event", *args])
        assert refused.exit_code == 2 and message in refused.output, refused.output


def test_create_admin_grants_a_role_at_one_event(app, demo_event, monkeypatch):
    monkeypatch.setenv("SUMMIT_ADMIN_PASSWORD", "from-the-environment")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["summit", "create-admin", "org@example.org", "--role",
                                 "organizer", "--event", SOURCE])
    assert result.exit_code == 0, result.output
    with app.app_context():
        clone_demo()
    again = runner.invoke(args=["summit", "create-admin", "org@example.org", "--role",
                                "checkin", "--event", CLONE])
    assert again.exit_code == 0 and "org@example.org is now checkin at" in again.output
    with app.app_context():
        held = db.session.execute(select(Event.slug, EventRole.role).join(EventRole.event)
                                  .order_by(Event.slug)).all()
        assert held == [(SOURCE, Role.ORGANIZER), (CLONE, Role.CHECKIN)]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.event_id.is_(None), AuditEntry.object_type == "user")) == 3
    for args, message in (
        (["--role", "organizer"], "--role organizer is held at one event"),
        (["--role", "admin", "--event", SOURCE], "leave out --event"),
        (["--role", "checkin", "--event", "nothing"], "No event has the slug 'nothing'"),
    ):
        refused = runner.invoke(args=["summit", "create-admin", "new@example.org", *args])
        assert refused.exit_code == 2 and message in refused.output, refused.output


# --- /admin/events --------------------------------------------------------------------------


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def test_admin_events_create_clone_archive_and_a_refused_delete(app, client, with_history):
    sign_in(app, client, Role.ADMIN)
    listing = page_text(client.get("/admin/events"))
    assert SOURCE in listing and "Published" in listing

    refused = post(client, "/admin/events/new", slug="Admin", name_en="Admin",
                   starts_on="2022-05-01", ends_on="2022-05-02", timezone="Europe/Berlin",
                   default_locale="en")
    assert refused.status_code == 422
    assert "“admin” is one of the site's own addresses" in page_text(refused)
    created = post(client, "/admin/events/new", slug="Spring-Meetup", name_en="Spring meetup",
                   starts_on="2022-05-01", ends_on="2022-05-02", timezone="Europe/Berlin",
                   default_locale="en")
    assert created.status_code == 302
    with app.app_context():
        spring = find_event(db.session, "spring-meetup")
        assert (spring.status, spring.timezone) == (EventStatus.DRAFT, "Europe/Berlin")
        source_id = find_event(db.session, SOURCE).id

    cloned = post(client, "/admin/events/clone", source=source_id, slug=CLONE,
                  starts_on="2021-11-24", with_programme="y")
    assert cloned.status_code == 302
    assert "embedded-china-2021 was created as a draft, from 2021-11-24 to 2021-11-26" in \
        page_text(client.get("/admin/events"))
    twice = post(client, "/admin/events/clone", source=source_id, slug=CLONE,
                 starts_on="2021-11-24")
    assert twice.status_code == 422 and "Another event has the short name" in page_text(twice)

    unconfirmed = post(client, f"/admin/events/{source_id}/archive")
    assert unconfirmed.status_code == 422 and "Tick the box" in page_text(unconfirmed)
    assert post(client, f"/admin/events/{source_id}/archive", confirm="y").status_code == 302
    with app.app_context():
        assert find_event(db.session, SOURCE).status == EventStatus.ARCHIVED

    deleting = post(client, f"/admin/events/{source_id}/delete", confirm="y")
    assert deleting.status_code == 302
    assert "cannot be deleted: archive it instead" in page_text(client.get("/admin/events"))
    with app.app_context():
        assert find_event(db.session, SOURCE) is not None
        spring_id = find_event(db.session, "spring-meetup").id
    assert post(client, f"/admin/events/{spring_id}/delete", confirm="y").status_code == 302
    with app.app_context():
        assert find_event(db.session, "spring-meetup") is None
        actions = db.session.execute(select(AuditEntry.action, AuditEntry.event_id).where(
            AuditEntry.object_type == "event").order_by(AuditEntry.id)).all()
        assert actions == [("create", None), ("clone", None), ("archive", None),
                           ("delete", None)]


def test_admin_events_is_for_site_administrators_only(app, client, demo_event):
    sign_in(app, client, Role.ORGANIZER)
    assert client.get("/admin/events").status_code == 403
    assert client.get(f"/admin/events/{demo_event}/delete").status_code == 403


def test_the_demo_desk_account_checks_in_at_the_demo_event(app, demo_event):
    result = app.test_cli_runner().invoke(args=["summit", "demo-accounts"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        held = db.session.execute(select(User.email, EventRole.event_id, EventRole.role)
                                  .join(EventRole.user)).all()
        assert held == [("desk@example.com", demo_event, Role.CHECKIN)]


# --- what the walk through a new edition found (tests/e2e/test_editions_walk.py) -----


FEEDS = ("calendar.ics", "schedule.xml", "schedule.json", "schedule.csv")


def test_archiving_or_publishing_leaves_the_feeds_byte_for_byte(app, client, demo_event):
    """Calendars subscribed to last year's edition see nothing change when it is archived
    (the same DTSTAMP, so the same bytes and ETag); its pages lose the register link."""
    before = {feed: client.get(f"/{SOURCE}/{feed}").get_data() for feed in FEEDS}
    home = client.get(f"/{SOURCE}/?lang=en")
    assert f'href="/{SOURCE}/register"' in home.get_data(as_text=True)
    with app.app_context():
        service.archive(db.session, None, find_event(db.session, SOURCE))
    for feed in FEEDS:
        assert client.get(f"/{SOURCE}/{feed}").get_data() == before[feed], feed
    archived = client.get(f"/{SOURCE}/?lang=en", headers={"If-None-Match": home.headers["ETag"]})
    assert archived.status_code == 200
    html = archived.get_data(as_text=True)
    assert f'href="/{SOURCE}/register"' not in html
    assert "A past edition" in page_text(archived) and 'href="/">All events</a>' in html
    with app.app_context():
        service.publish(db.session, None, find_event(db.session, SOURCE))
    for feed in FEEDS:
        assert client.get(f"/{SOURCE}/{feed}").get_data() == before[feed], feed


def settings_form(event: Event, **changes) -> dict:
    """The event settings form as the admin page fills it, with ``changes``."""
    from summit.admin.programme.forms import EventForm

    zone = ZoneInfo(event.timezone)
    data = {}
    for name in EventForm.model_fields:
        value = getattr(event, name)
        if isinstance(value, datetime):
            value = value.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
        if isinstance(value, bool):
            value = "y" if value else None
        if value is not None and name != "slug":
            data[name] = str(value)
    return {**data, **changes}


def session_times(slug: str) -> list[tuple[datetime, datetime]]:
    event = find_event(db.session, slug)
    return [(item.starts_at, item.ends_at) for item in db.session.scalars(
        select(ProgrammeSession).where(ProgrammeSession.event_id == event.id)
        .order_by(ProgrammeSession.id))]


def test_a_new_first_day_moves_the_sessions_when_asked(app, client, demo_event):
    """After cloning, the edition's dates move in its settings: with the box ticked every
    session moves by as many days at the same local times; without it, the dates that
    would strand sessions are refused as before."""
    with app.app_context():
        clone_demo(with_programme=True)
        before = session_times(CLONE)
        form = settings_form(find_event(db.session, CLONE), starts_on="2021-11-26",
                             ends_on="2021-11-28")
    sign_in(app, client, Role.ADMIN)
    path = f"/admin/{CLONE}/event"
    assert "Move every session by as many days" in page_text(client.get(path))
    refused = post(client, path, **form)
    assert refused.status_code == 422
    assert "sessions would fall outside these dates" in page_text(refused)
    moved = post(client, path, **form, move_sessions="y")
    assert moved.status_code == 302
    with app.app_context():
        event = find_event(db.session, CLONE)
        assert (event.starts_on, event.ends_on) == (date(2021, 11, 26), date(2021, 11, 28))
        assert session_times(CLONE) == [(start + timedelta(days=2), end + timedelta(days=2))
                                        for start, end in before]
        assert session_times(SOURCE)[0] != session_times(CLONE)[0]


def test_the_events_list_and_an_events_admin_pages_link_to_each_other_and_the_public(
    app, client, demo_event
):
    sign_in(app, client, Role.ADMIN)
    listing = client.get("/admin/events").get_data(as_text=True)
    assert f'href="/admin/{SOURCE}/"' in listing
    # A page of the site's own is no page of the default event: not its name, not its dates.
    assert '<a class="brand" href="/admin/">Summit</a>' in listing
    assert "Nanjing" not in listing
    assert f'href="/{SOURCE}/">Public pages</a>' in listing
    # The header has no room for the event's name beside its menu: the page names it.
    html = client.get(f"/admin/{SOURCE}/sessions").get_data(as_text=True)
    context = re.search(r'<p class="admin-event-context">(.*?)</p>', html, re.S).group(1)
    assert "2020 China International Embedded Conference" in context
    assert f'href="/{SOURCE}/">Public pages</a>' in context


def test_an_archived_editions_registrations_offer_no_additions(app, client, demo_event):
    """Adding or importing registrations is refused there: the buttons are not offered;
    the exports still are."""
    sign_in(app, client, Role.ADMIN)
    path = f"/admin/{SOURCE}/registrations"
    assert f'href="{path}/new"' in client.get(path).get_data(as_text=True)
    with app.app_context():
        service.archive(db.session, None, find_event(db.session, SOURCE))
    html = client.get(path).get_data(as_text=True)
    assert f'href="{path}/new"' not in html and f'href="{path}/import"' not in html
    assert "export.csv" in html


def test_an_archived_editions_programme_and_questions_offer_no_changes(app, client, demo_event):
    """The programme editor and the questions of an archived edition show what they hold,
    with no button that would be refused: no new, move or delete; forms disabled."""
    sign_in(app, client, Role.ADMIN)
    lists = {f"/admin/{SOURCE}/{page}": new for page, new in (
        ("forums", "forums/new"), ("co-hosts", "co-hosts/new"),
        ("sessions", "sessions/new"), ("speakers", "speakers/new"),
        ("questions", "questions/new"))}
    with app.app_context():
        forum_form = f"/admin/{SOURCE}/forums/{forum_id(CHIP)}/edit"
    before = {path: client.get(path).get_data(as_text=True) for path in lists}
    for path, new in lists.items():
        assert f'href="/admin/{SOURCE}/{new}"' in before[path]
    assert "/delete" in before[f"/admin/{SOURCE}/forums"]
    assert "<fieldset class=\"read-only\" disabled>" not in client.get(forum_form).get_data(
        as_text=True)
    with app.app_context():
        service.archive(db.session, None, find_event(db.session, SOURCE))
    for path, new in lists.items():
        html = client.get(path).get_data(as_text=True)
        assert f'href="/admin/{SOURCE}/{new}"' not in html
        assert "/delete" not in html and 'name="direction"' not in html
    assert ">View</a>" in client.get(f"/admin/{SOURCE}/forums").get_data(as_text=True)
    for form in (forum_form, f"/admin/{SOURCE}/event"):
        html = client.get(form).get_data(as_text=True)
        assert '<fieldset class="read-only" disabled>' in html
        assert "This edition is archived" in html
