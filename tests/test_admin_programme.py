"""The programme editor: conflict checks, times in the event's zone, ordered speakers,
capacities and the waiting list, photos, deleting, reordering, and the audit log."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import select

from summit import audit
from summit.extensions import db
from summit.models import (
    AuditEntry,
    CoHost,
    Event,
    Forum,
    MailMessage,
    ProgrammeSession,
    Role,
    Seat,
    SeatStatus,
    Speaker,
    User,
)

from .helpers.accounts import email_of, make_accounts, sign_in_as
from .helpers.admin_pages import ADMIN, load_edition
from .helpers.database import count_rows
from .helpers.pages import DEMO, csrf_token, page_text
from .helpers.programme import (
    event_fields,
    forum_by_slug,
    session_by_title,
    session_fields,
    speaker_by_name,
)
from .helpers.registrations import register_directly

KEYNOTE_HE = "Trusted embedded software: a cornerstone of new infrastructure"
NANODET = "NanoDet: a 1.8 MB anchor-free detector at 97 fps on a mobile ARM CPU"


@pytest.fixture
def organizer(app, client, demo_event, accounts):
    """A client signed in through the form as the organizer of ``accounts``, reading
    English, over the demo event (the audit entries below name that account)."""
    sign_in_as(client, Role.ORGANIZER)
    return client


def post(client, path: str, data: dict, page: str | None = None, **options):
    token = csrf_token(client, page or path)
    return client.post(path, data={"csrf_token": token, **data}, **options)


def audit_entries(object_type: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    return list(db.session.scalars(query))


# --- conflict checks ---------------------------------------------------------------------


def test_moving_a_keynote_into_a_taken_room_shows_the_conflict_and_saves_nothing(
    app, organizer, app_context
):
    keynote = session_by_title(KEYNOTE_HE)
    before = (keynote.starts_at, keynote.room_en, keynote.sequence)
    path = f"{ADMIN}/sessions/{keynote.id}/edit"
    response = post(organizer, path, session_fields(
        keynote, room_zh="分会场A", room_en="Room A",
        starts_at="2020-11-26T13:45", ends_at="2020-11-26T14:30"))

    assert response.status_code == 422
    text = page_text(response)
    assert f"分会场A / Room A is taken at that time by “{NANODET}”" in text
    assert "13:30–14:15" in text
    db.session.expire_all()
    keynote = db.session.get(ProgrammeSession, keynote.id)
    assert (keynote.starts_at, keynote.room_en, keynote.sequence) == before
    assert audit_entries() == []


def test_a_forums_room_is_the_room_of_its_sessions_and_names_match_in_either_language(
    app, organizer, app_context
):
    ai_forum, chip_forum = forum_by_slug("5g-ai-big-data"), forum_by_slug("chip-machine")
    sessions_before = count_rows(ProgrammeSession)
    in_forum_room = post(organizer, f"{ADMIN}/sessions/new", session_fields(
        title_en="Extra talk", forum_id=ai_forum.id,
        starts_at="2020-11-26T14:00", ends_at="2020-11-26T14:30"))
    assert in_forum_room.status_code == 422
    assert "Room A is taken at that time" in page_text(in_forum_room)

    # Another forum's session that names the same room (in English, other case) clashes too.
    same_name = post(organizer, f"{ADMIN}/sessions/new", session_fields(
        title_zh="加场", forum_id=chip_forum.id, room_en="room a",
        starts_at="2020-11-26T13:00", ends_at="2020-11-26T13:45"))
    assert same_name.status_code == 422
    assert f"room a is taken at that time by “{NANODET}”" in page_text(same_name)
    assert count_rows(ProgrammeSession) == sessions_before

    # Back to back is no clash.
    adjacent = post(organizer, f"{ADMIN}/sessions/new", session_fields(
        title_en="Before NanoDet", forum_id=ai_forum.id,
        starts_at="2020-11-26T13:00", ends_at="2020-11-26T13:30"))
    assert adjacent.status_code == 302
    assert count_rows(ProgrammeSession) == sessions_before + 1


def test_one_speaker_in_two_overlapping_sessions_is_refused(app, organizer, app_context):
    demo_a = speaker_by_name("Demo Speaker A")
    sessions_before = count_rows(ProgrammeSession)
    response = post(organizer, f"{ADMIN}/sessions/new", session_fields(
        title_en="Second talk", forum_id=forum_by_slug("chip-machine").id,
        room_en="Studio 9", starts_at="2020-11-26T14:00", ends_at="2020-11-26T14:30",
        speakers=[demo_a.id]))
    assert response.status_code == 422
    assert f"Demo Speaker A speaks at that time in “{NANODET}”" in page_text(response)
    assert count_rows(ProgrammeSession) == sessions_before
    assert audit_entries() == []


@pytest.mark.parametrize(("starts", "ends", "message"), [
    ("2020-11-26T10:00", "2020-11-26T09:00", "The session must end after it starts."),
    ("2020-11-26T10:00", "2020-11-26T10:00", "The session must end after it starts."),
    ("2020-11-28T09:00", "2020-11-28T10:00", "this start is outside it"),
    ("2020-11-24T23:00", "2020-11-25T01:00", "this start is outside it"),
    ("2020-11-27T23:00", "2020-11-28T01:00", "this end is outside it"),
])
def test_sessions_happen_during_the_event_and_end_after_they_start(
    app, organizer, app_context, starts, ends, message
):
    sessions_before = count_rows(ProgrammeSession)
    response = post(organizer, f"{ADMIN}/sessions/new", session_fields(
        title_en="Misplaced", forum_id=forum_by_slug("chip-machine").id, room_en="Studio 9",
        starts_at=starts, ends_at=ends))
    assert response.status_code == 422
    assert message in page_text(response)
    assert count_rows(ProgrammeSession) == sessions_before


def test_ending_at_midnight_of_the_last_day_is_within_the_event(app, organizer, app_context):
    response = post(organizer, f"{ADMIN}/sessions/new", session_fields(
        title_en="Late show", forum_id=forum_by_slug("chip-machine").id, room_en="Studio 9",
        starts_at="2020-11-27T23:00", ends_at="2020-11-28T00:00"))
    assert response.status_code == 302


def test_cancelled_sessions_do_not_clash(app, organizer, app_context):
    nanodet = session_by_title(NANODET)
    # A cancelled session may stay where it is, whatever else is there.
    cancelled_copy = post(organizer, f"{ADMIN}/sessions/new", session_fields(
        nanodet, title_en="Old slot", cancelled="y"))
    assert cancelled_copy.status_code == 302
    # And once NanoDet is cancelled, its room is free for the keynote.
    assert post(organizer, f"{ADMIN}/sessions/{nanodet.id}/edit",
                session_fields(nanodet, cancelled="y")).status_code == 302
    keynote = session_by_title(KEYNOTE_HE)
    moved = post(organizer, f"{ADMIN}/sessions/{keynote.id}/edit", session_fields(
        keynote, room_en="Room A", starts_at="2020-11-26T13:30", ends_at="2020-11-26T14:15"))
    assert moved.status_code == 302


# --- saving sessions ---------------------------------------------------------------------------


def test_an_edit_is_stored_in_utc_raises_the_sequence_and_is_audited(app, organizer, app_context):
    nanodet = session_by_title(NANODET)
    sequence, version = nanodet.sequence, nanodet.event.programme_version
    old_start, old_end = nanodet.starts_at.isoformat(), nanodet.ends_at.isoformat()
    response = post(organizer, f"{ADMIN}/sessions/{nanodet.id}/edit", session_fields(
        nanodet, title_en="NanoDet, updated", starts_at="2020-11-26T17:00",
        ends_at="2020-11-26T17:45"))
    assert response.status_code == 302 and response.location == f"{ADMIN}/sessions"

    db.session.expire_all()
    nanodet = db.session.get(ProgrammeSession, nanodet.id)
    assert nanodet.starts_at == datetime(2020, 11, 26, 9, 0, tzinfo=UTC)
    assert nanodet.ends_at == datetime(2020, 11, 26, 9, 45, tzinfo=UTC)
    assert nanodet.sequence > sequence
    assert nanodet.event.programme_version > version
    (entry,) = audit_entries("session")
    assert (entry.action, entry.object_id, entry.actor) == (
        "update", str(nanodet.id), email_of(Role.ORGANIZER))
    assert entry.before == {"title_en": NANODET, "starts_at": old_start, "ends_at": old_end}
    assert entry.after == {"title_en": "NanoDet, updated",
                           "starts_at": "2020-11-26T09:00:00+00:00",
                           "ends_at": "2020-11-26T09:45:00+00:00"}
    # The form shows the time back in Nanjing time.
    page = organizer.get(f"{ADMIN}/sessions/{nanodet.id}/edit").get_data(as_text=True)
    assert 'value="2020-11-26T17:00"' in page


def test_speakers_are_chosen_and_ordered(app, organizer, app_context):
    panel = session_by_title("Panel: 5G, new infrastructure, new ecosystem")
    he, liu, demo_a = (speaker_by_name(name) for name in
                       ("He Jifeng", "Liu Yunjie", "Demo Speaker A"))
    assert [link.speaker_id for link in panel.speaker_links] == [he.id, liu.id, demo_a.id]
    sequence = panel.sequence

    response = post(organizer, f"{ADMIN}/sessions/{panel.id}/edit",
                    session_fields(panel, speakers=[demo_a.id, 0, he.id]))
    assert response.status_code == 302
    db.session.expire_all()
    panel = db.session.get(ProgrammeSession, panel.id)
    assert [link.speaker_id for link in panel.speaker_links] == [demo_a.id, he.id]
    assert [link.position for link in panel.speaker_links] == [0, 1]
    assert panel.sequence > sequence
    (entry,) = audit_entries("session")
    assert entry.before == {"speakers": ["何积丰", "刘韵洁", "示例讲者A"]}
    assert entry.after == {"speakers": ["示例讲者A", "何积丰"]}
    assert [s.name_en for s in panel.speakers] == ["Demo Speaker A", "He Jifeng"]

    twice = post(organizer, f"{ADMIN}/sessions/{panel.id}/edit",
                 session_fields(panel, speakers=[he.id, he.id]))
    assert twice.status_code == 422 and "A speaker is listed twice." in page_text(twice)


def test_a_session_needs_a_title_in_one_language_and_valid_times(app, organizer, app_context):
    response = post(organizer, f"{ADMIN}/sessions/new", session_fields(
        forum_id=forum_by_slug("main").id, starts_at="tomorrow", ends_at=""))
    assert response.status_code == 422
    text = page_text(response)
    assert "Fill in at least one language." in text
    assert "Enter a date and time." in text


# --- forums and capacity -------------------------------------------------------------------------


def register(event_id: int, forum: Forum, number: int) -> None:
    register_directly(event_id, f"delegate{number}@example.org", [forum.id], f"代表{number}",
                      organisation="示例单位")


def forum_fields(forum: Forum, **changes) -> dict:
    fields = {name: getattr(forum, name) or "" for name in (
        "name_zh", "name_en", "slug", "room_zh", "room_en", "colour", "description_zh",
        "description_en")}
    fields.update(kind=forum.kind.value, capacity="" if forum.capacity is None else forum.capacity)
    fields.update(changes)
    return fields


def test_raising_a_forums_capacity_seats_the_first_waiting_and_mails_them(
    app, organizer, app_context, demo_event
):
    forum = forum_by_slug("chip-machine")
    forum.capacity = 1
    db.session.commit()
    for number in range(3):
        register(demo_event, forum, number)
    statuses = lambda: [seat.status for seat in db.session.scalars(  # noqa: E731
        select(Seat).where(Seat.forum_id == forum.id).order_by(Seat.id))]
    assert statuses() == [SeatStatus.CONFIRMED, SeatStatus.WAITLISTED, SeatStatus.WAITLISTED]

    response = post(organizer, f"{ADMIN}/forums/{forum.id}/edit", forum_fields(forum, capacity=2))
    assert response.status_code == 302
    db.session.expire_all()
    assert statuses() == [SeatStatus.CONFIRMED, SeatStatus.CONFIRMED, SeatStatus.WAITLISTED]
    promotions = db.session.scalars(select(MailMessage.recipient).where(
        MailMessage.kind == "promotion")).all()
    assert promotions == ["delegate1@example.org"]
    (entry,) = audit_entries("forum")
    assert (entry.before, entry.after) == ({"capacity": 1}, {"capacity": 2})

    lowered = post(organizer, f"{ADMIN}/forums/{forum.id}/edit?lang=en",
                   forum_fields(forum, capacity=1))
    assert lowered.status_code == 422
    assert "2 places are taken already; the capacity cannot be lower." in page_text(lowered)
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).capacity == 2
    assert len(audit_entries("forum")) == 1

    # No limit: everyone waiting is seated.
    assert post(organizer, f"{ADMIN}/forums/{forum.id}/edit",
                forum_fields(forum, capacity="")).status_code == 302
    db.session.expire_all()
    assert statuses() == [SeatStatus.CONFIRMED] * 3


@pytest.mark.parametrize(("changes", "message"), [
    ({"colour": "red"}, "A colour like #1f6feb."),
    ({"colour": "#12345"}, "A colour like #1f6feb."),
    ({"slug": "Chip Machine"}, "Lower-case letters, digits and hyphens only."),
    ({"slug": "main"}, "Another forum has this short name."),
    ({"capacity": "-1"}, "Zero or more."),
    # More than PostgreSQL's INTEGER holds: refused here, not by the database (a 500).
    ({"capacity": "2147483648"}, "At most 2147483647."),
    ({"name_zh": "", "name_en": ""}, "Fill in at least one language."),
])
def test_forum_values_are_checked(app, organizer, app_context, changes, message):
    forum = forum_by_slug("chip-machine")
    before = forum_fields(forum)
    response = post(organizer, f"{ADMIN}/forums/{forum.id}/edit", forum_fields(forum, **changes))
    assert response.status_code == 422
    assert message in page_text(response)
    db.session.expire_all()
    assert forum_fields(db.session.get(Forum, forum.id)) == before


def test_a_new_forum_goes_last_and_forums_reorder(app, organizer, app_context, demo_event):
    response = post(organizer, f"{ADMIN}/forums/new", {
        "name_zh": "新论坛", "name_en": "New forum", "slug": "new-forum", "kind": "parallel",
        "room_en": "Room E", "capacity": "50", "colour": "#AA00cc"})
    assert response.status_code == 302
    new = forum_by_slug("new-forum")
    assert new.colour == "#aa00cc" and new.capacity == 50
    assert [f.slug for f in db.session.get(Event, demo_event).forums][-1] == "new-forum"

    moved = post(organizer, f"{ADMIN}/forums/{new.id}/move", {"direction": "up"},
                 page=f"{ADMIN}/forums")
    assert moved.status_code == 302
    db.session.expire_all()
    slugs = [f.slug for f in db.session.get(Event, demo_event).forums]
    assert slugs[-2:] == ["new-forum", "yrd-education-talent"]
    assert [e.action for e in audit_entries("forum")] == ["create", "move"]


# --- co-hosts, speakers, deleting --------------------------------------------------------------


def test_co_hosts_take_only_web_addresses_and_reorder(app, organizer, app_context, demo_event):
    bad = post(organizer, f"{ADMIN}/co-hosts/new", {
        "name_zh": "某单位", "role": "supporter", "website": "javascript:alert(1)"})
    assert bad.status_code == 422
    assert "Enter a web address starting with https:// or http://." in page_text(bad)
    good = post(organizer, f"{ADMIN}/co-hosts/new", {
        "name_zh": "某单位", "role": "supporter", "website": "https://example.org/"})
    assert good.status_code == 302

    hosts = db.session.get(Event, demo_event).co_hosts
    second = hosts[1]
    old_position = second.position
    assert post(organizer, f"{ADMIN}/co-hosts/{second.id}/move", {"direction": "up"},
                page=f"{ADMIN}/co-hosts").status_code == 302
    db.session.expire_all()
    hosts = db.session.get(Event, demo_event).co_hosts
    assert hosts[0].id == second.id and hosts[-1].name_zh == "某单位"
    assert [host.position for host in hosts] == list(range(len(hosts)))
    move = audit_entries("co_host")[-1]
    assert (move.action, move.before, move.after) == ("move", {"position": old_position},
                                                  {"position": 0})


def test_deleting_asks_first_and_is_audited(app, organizer, app_context):
    speaker = speaker_by_name("Demo Speaker A")
    path = f"{ADMIN}/speakers/{speaker.id}/delete"
    confirmation = organizer.get(path)
    assert confirmation.status_code == 200
    assert "They are taken off 3 sessions." in page_text(confirmation)
    assert db.session.get(Speaker, speaker.id) is not None

    response = post(organizer, path, {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Speaker, speaker.id) is None
    (entry,) = audit_entries("speaker")
    assert entry.action == "delete" and entry.after is None
    assert entry.before["name_en"] == "Demo Speaker A"

    forum = forum_by_slug("chip-machine")
    page = page_text(organizer.get(f"{ADMIN}/forums/{forum.id}/delete"))
    assert "Its 4 sessions are deleted with it." in page


def test_another_events_rows_are_not_found(app, organizer, app_context, demo_event):
    # An earlier edition: the demo stays the event the admin serves.
    other = Event(slug="other", name_en="Other", starts_on=date(2019, 1, 1),
                  ends_on=date(2019, 1, 2), timezone="UTC")
    other.co_hosts = [CoHost(name_en="Theirs")]
    db.session.add(other)
    db.session.commit()
    assert organizer.get(f"{ADMIN}/co-hosts/{other.co_hosts[0].id}/edit").status_code == 404


# --- speaker photos -------------------------------------------------------------------------------


def image_bytes(image_format: str, size=(1200, 900), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=image_format, **options)
    return out.getvalue()


def speaker_fields(speaker: Speaker, **changes) -> dict:
    fields = {name: getattr(speaker, name) for name in (
        "name_zh", "name_en", "honorific_zh", "honorific_en", "affiliation_zh",
        "affiliation_en", "bio_zh", "bio_en")}
    fields.update(changes)
    return fields


def upload(client, speaker: Speaker, data: bytes, filename: str, content_type: str):
    path = f"{ADMIN}/speakers/{speaker.id}/edit"
    fields = speaker_fields(speaker, photo=(io.BytesIO(data), filename, content_type))
    return post(client, path, fields, content_type="multipart/form-data")


def test_a_real_photo_is_stored_shrunk_and_without_its_metadata(app, organizer, app_context):
    speaker = speaker_by_name("He Jifeng")
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    response = upload(organizer, speaker, image_bytes("JPEG", exif=exif.tobytes()),
                      "he.jpg", "image/jpeg")
    assert response.status_code == 302
    db.session.expire_all()
    speaker = db.session.get(Speaker, speaker.id)
    assert speaker.photo_type == "image/jpeg"
    stored = Image.open(io.BytesIO(speaker.photo))
    assert stored.format == "JPEG" and max(stored.size) == 800
    assert not stored.getexif()
    served = organizer.get(f"{DEMO}/speakers/{speaker.id}/photo")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    (entry,) = audit_entries("speaker")
    assert (entry.before, entry.after) == ({"photo_type": ""}, {"photo_type": "image/jpeg"})

    removed = post(organizer, f"{ADMIN}/speakers/{speaker.id}/edit",
                   speaker_fields(speaker, remove_photo="y"))
    assert removed.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Speaker, speaker.id).has_photo


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.png",
     "This is not a PNG, JPEG or WebP image."),
    (b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10, "x.png",
     "This is not a PNG, JPEG or WebP image."),
    (image_bytes("GIF"), "x.gif", "This is not a PNG, JPEG or WebP image."),
    (image_bytes("PNG", size=(40, 40)) + b"\0" * (2 * 1024 * 1024), "big.png",
     "The photo is larger than 2 MB."),
])
def test_anything_but_a_real_png_jpeg_or_webp_is_refused(
    app, organizer, app_context, data, filename, message
):
    speaker = speaker_by_name("He Jifeng")
    response = upload(organizer, speaker, data, filename, "image/png")
    assert response.status_code == 422
    assert message in page_text(response)
    db.session.expire_all()
    assert not db.session.get(Speaker, speaker.id).has_photo


def test_webp_and_png_photos_are_accepted(app, organizer, app_context):
    for image_format, media_type in (("WEBP", "image/webp"), ("PNG", "image/png")):
        speaker = speaker_by_name("Liu Yunjie")
        assert upload(organizer, speaker, image_bytes(image_format, size=(300, 300)),
                      "photo", "application/octet-stream").status_code == 302
        db.session.expire_all()
        assert db.session.get(Speaker, speaker.id).photo_type == media_type


# --- the event's settings ------------------------------------------------------------------


def test_event_settings_take_local_times_and_keep_sessions_inside_the_dates(
    app, organizer, app_context, demo_event
):
    event = db.session.get(Event, demo_event)
    response = post(organizer, f"{ADMIN}/event", event_fields(
        event, registration_opens_at="2020-10-01T09:00",
        registration_closes_at="2020-11-20T18:00"))
    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, demo_event)
    assert event.registration_opens_at == datetime(2020, 10, 1, 1, 0, tzinfo=UTC)
    assert event.registration_closes_at == datetime(2020, 11, 20, 10, 0, tzinfo=UTC)
    (entry,) = audit_entries("event")
    assert entry.after == {"registration_opens_at": "2020-10-01T01:00:00+00:00",
                           "registration_closes_at": "2020-11-20T10:00:00+00:00"}

    shorter = post(organizer, f"{ADMIN}/event", event_fields(event, ends_on="2020-11-26"))
    assert shorter.status_code == 422
    assert "sessions would fall outside these dates" in page_text(shorter)
    backwards = post(organizer, f"{ADMIN}/event", event_fields(event, ends_on="2020-11-01"))
    assert "The last day cannot come before the first." in page_text(backwards)
    db.session.expire_all()
    assert db.session.get(Event, demo_event).ends_on == date(2020, 11, 27)


def test_the_event_capacity_cannot_drop_below_the_confirmed(
    app, organizer, app_context, demo_event
):
    forum = forum_by_slug("chip-machine")
    for number in range(3):
        register(demo_event, forum, number)
    event = db.session.get(Event, demo_event)
    response = post(organizer, f"{ADMIN}/event", event_fields(event, capacity=2))
    assert response.status_code == 422
    assert "3 places are taken already" in page_text(response)


def test_without_an_event_the_admin_says_so(app, client):
    make_accounts(app)
    sign_in_as(client, Role.ADMIN)
    assert "There is no event yet." in page_text(client.get("/admin/?lang=en"))
    assert client.get(f"{ADMIN}/forums").status_code == 404
    assert client.get("/admin/forums").status_code == 404  # no default event to lead to


# --- the audit log view --------------------------------------------------------------------


def test_the_audit_log_filters_and_pages(app, organizer, demo_event, app_context):
    admin = db.session.scalars(select(User).where(User.role == Role.ADMIN)).one()
    for number in range(60):
        audit.record(db.session, admin, "update", "forum", number, f"forum {number}",
                     before={"capacity": number}, after={"capacity": number + 1},
                     event_id=demo_event)
    audit.record(db.session, admin, "delete", "forum", 99, "forum elsewhere",
                 event_id=load_edition("edition-b"))
    audit.record(db.session, None, "create", "user", 1, "by the command line", event_id=None)
    db.session.commit()

    # The event's log: its entries only.
    everything = page_text(organizer.get(f"{ADMIN}/audit"))
    assert "60 entries" in everything and "Page 1 of 2" in everything
    assert "elsewhere" not in everything and "command line" not in everything
    second = page_text(organizer.get(f"{ADMIN}/audit?page=2"))
    assert "Page 2 of 2" in second and "forum 0 " in second and "forum 59 " not in second

    by_admin = page_text(organizer.get(f"{ADMIN}/audit?actor={admin.email}&action=update"))
    assert "60 entries" in by_admin
    none_yet = page_text(organizer.get(f"{ADMIN}/audit?until=2019-01-01"))
    assert "0 entries" in none_yet and "Nothing recorded for this filter." in none_yet
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert "60 entries" in page_text(organizer.get(f"{ADMIN}/audit?since={today}&until={today}"))
    bogus = organizer.get(f"{ADMIN}/audit?object_type=nonsense&page=99")
    assert bogus.status_code == 200
    assert organizer.get("/admin/audit").status_code == 403  # the site's, below


def test_the_sites_audit_log_holds_the_sites_own_changes_for_administrators(
    app, client, demo_event, accounts
):
    with app.app_context():
        admin = db.session.get(User, accounts[Role.ADMIN])
        audit.record(db.session, admin, "delete", "forum", 99, "a forum", event_id=demo_event)
        audit.record(db.session, None, "create", "user", 1, "by the command line",
                     event_id=None)
        db.session.commit()
    sign_in_as(client, Role.ADMIN)
    site = page_text(client.get("/admin/audit?lang=en"))
    assert "Site audit log" in site and "1 entry" in site and "by the command line" in site
    assert "a forum" not in site
