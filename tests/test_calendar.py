"""Calendar feeds and schedule exports, read back the way calendar and schedule clients
read them: two independent iCalendar parsers, the frab XSD and JSON schema, a CSV reader."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import UTC, datetime

import icalendar
import jsonschema
import vobject
import xmlschema
from sqlalchemy import select

from summit.caching import LRUCache
from summit.calendar.ical import fold
from summit.extensions import db
from summit.models import Event, Forum, ProgrammeSession, Registration
from summit.outbox import deliver_due
from summit.registration import service as registration_service
from summit.registration.service import AttendeeDetails
from summit.urls import serving_at

from .helpers.conformance import CONFORMANCE, needs_conformance
from .helpers.database import statements_of
from .helpers.pages import DEMO
from .helpers.programme import forum_by_slug, session_by_title
from .helpers.registrations import outbox_mails

LINK_BASE = "http://localhost"


# --- helpers ------------------------------------------------------------------


def get_feed(client, path: str, **headers):
    """The response, and the feed parsed by icalendar and by vobject."""
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.get_data()
    return response, icalendar.Calendar.from_ical(body), vobject.readOne(body.decode())


def vevents(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(item["UID"]): item for item in calendar.walk("VEVENT")}


def summaries(calendar: icalendar.Calendar) -> list[str]:
    return sorted(str(item["SUMMARY"]) for item in calendar.walk("VEVENT"))


def vobject_summaries(parsed) -> list[str]:
    return sorted(item.summary.value for item in parsed.vevent_list)


def set_title(session_id: int, title_zh: str) -> None:
    db.session.get(ProgrammeSession, session_id).title_zh = title_zh
    db.session.commit()


def register(email: str, forum_slugs: list[str], locale: str = "zh") -> Registration:
    event = db.session.scalars(select(Event)).first()
    with serving_at(LINK_BASE):
        result = registration_service.register(
            db.session,
            event,
            AttendeeDetails(full_name="测试者", email=email, organisation="东南大学",
                            locale=locale),
            [forum_by_slug(slug).id for slug in forum_slugs],
        )
    return result.registration


def titles_of_forums(slugs: set[str]) -> list[str]:
    return sorted(
        item.title_zh
        for item in db.session.scalars(select(ProgrammeSession))
        if item.forum.slug in slugs
    )


# --- the feeds read back ----------------------------------------------------------


def test_every_feed_parses_with_both_parsers_and_holds_its_sessions(app, client, demo_event):
    with app.app_context():
        everything = titles_of_forums({f.slug for f in db.session.scalars(select(Forum))})
        chip_machine = titles_of_forums({"chip-machine"})
        keynote = session_by_title("Future networks and 5G new infrastructure")
        keynote_id, keynote_title = keynote.id, keynote.title_zh
        token = register("feeds@example.cn", ["chip-machine"]).token
        attendee = titles_of_forums({"main", "chip-machine"})

    for path, expected in [
        (f"{DEMO}/calendar.ics?lang=zh", everything),
        (f"{DEMO}/forums/chip-machine/calendar.ics?lang=zh", chip_machine),
        (f"{DEMO}/sessions/{keynote_id}.ics?lang=zh", [keynote_title]),
        (f"/r/{token}/calendar.ics?lang=zh", attendee),
    ]:
        _, calendar, parsed = get_feed(client, path)
        assert summaries(calendar) == expected, path
        assert vobject_summaries(parsed) == expected, path
        assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"
        assert calendar["X-WR-CALNAME"].startswith("2020中国国际嵌入式大会")
        assert str(calendar["X-PUBLISHED-TTL"].to_ical().decode()) == "PT1H"
        assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"


def test_a_session_carries_what_a_calendar_shows(app, client, demo_event):
    title = "Trusted embedded software: a cornerstone of new infrastructure"
    with app.app_context():
        keynote_id = session_by_title(title).id
    _, calendar, _ = get_feed(client, f"{DEMO}/sessions/{keynote_id}.ics?lang=en")
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == title
    assert "Academician He Jifeng" in str(vevent["DESCRIPTION"])
    assert "Keynote (title invented for the demo)." in str(vevent["DESCRIPTION"])
    assert str(vevent["LOCATION"]) == "Main Hall, Nanjing International Expo Convention Center"
    assert str(vevent["URL"]) == f"http://localhost{DEMO}/sessions/{keynote_id}?lang=en"
    assert vevent.categories == ["Main Forum: 5G, New Infrastructure, New Ecosystem"]
    assert str(vevent["STATUS"]) == "CONFIRMED"
    for name in ("DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "UID"):
        assert name in vevent
    assert vevent["DTSTART"].params["TZID"] == "Asia/Shanghai"


def test_the_language_follows_lang_and_the_uid_does_not(app, client, demo_event):
    _, chinese, _ = get_feed(client, f"{DEMO}/calendar.ics?lang=zh")
    _, english, _ = get_feed(client, f"{DEMO}/calendar.ics?lang=en")
    assert "开幕式" in summaries(chinese) and "Opening ceremony" in summaries(english)
    assert vevents(chinese).keys() == vevents(english).keys()
    assert len(vevents(chinese)) == len(chinese.walk("VEVENT"))  # one UID per session
    # Without ?lang= the event's own language, whatever the client's preferences say.
    _, default, _ = get_feed(client, f"{DEMO}/calendar.ics", **{"Accept-Language": "en"})
    assert summaries(default) == summaries(chinese)


def test_nine_in_the_morning_in_nanjing_is_one_oclock_utc_by_the_vtimezone(
    app, client, demo_event
):
    response, calendar, parsed = get_feed(client, f"{DEMO}/calendar.ics?lang=en")
    (timezone,) = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Asia/Shanghai"
    # The real rules: +0800 now, and the summer time China kept from 1986 to 1991.
    offsets = {str(part["TZOFFSETTO"].to_ical()) for part in timezone.walk()
               if part.name in ("STANDARD", "DAYLIGHT")}
    assert offsets == {"+0800", "+0900"}
    assert len(timezone.walk("DAYLIGHT")) == 1
    assert b"DTSTART;TZID=Asia/Shanghai:20201126T090000" in response.get_data()

    rules = timezone.to_tz()  # a tzinfo built from the VTIMEZONE itself, not from zoneinfo
    assert datetime(2020, 11, 26, 9, 0, tzinfo=rules).astimezone(UTC) == datetime(
        2020, 11, 26, 1, 0, tzinfo=UTC
    )
    opening = next(item for item in parsed.vevent_list
                   if item.summary.value == "Opening ceremony")
    assert opening.dtstart.value.astimezone(UTC) == datetime(2020, 11, 26, 1, 0, tzinfo=UTC)


# --- escaping and folding -------------------------------------------------------


def test_a_long_chinese_title_is_folded_between_characters_and_round_trips(
    app, client, demo_event
):
    title = ("2020第三届全国大学生嵌入式芯片与系统设计竞赛暨第五届智能互联创新大赛总决赛颁奖典礼"
             "：边缘智能🚀与5G新基建的融合创新实践及产业生态展望")
    assert len(title.encode()) > 2 * 75
    with app.app_context():
        session_id = session_by_title("Opening ceremony").id
        set_title(session_id, title)
    response, calendar, parsed = get_feed(client, f"{DEMO}/sessions/{session_id}.ics?lang=zh")
    for line in response.get_data().split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # no character cut in two
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == title
    assert parsed.vevent.summary.value == title


def test_commas_semicolons_backslashes_and_line_breaks_round_trip(app, client, demo_event):
    title = '圆桌；问答, Q&A; "C:\\temp" \\ 路径\n第二行, second line'
    with app.app_context():
        session_id = session_by_title("Opening ceremony").id
        set_title(session_id, title)
    response, calendar, parsed = get_feed(client, f"{DEMO}/sessions/{session_id}.ics?lang=zh")
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == title
    assert parsed.vevent.summary.value == title
    assert "SUMMARY:圆桌；问答\\, Q&A\\; \"C:\\\\temp\" \\\\ 路径\\n第二行\\, second line" in (
        response.get_data(as_text=True).replace("\r\n ", "")
    )


def test_a_backslash_before_n_stays_a_backslash(app, client, demo_event):
    """icalendar 7.3 would write C:\\New as a line break; our escaping keeps it."""
    with app.app_context():
        session_id = session_by_title("Opening ceremony").id
        set_title(session_id, "C:\\New 文件夹")
    response, _, parsed = get_feed(client, f"{DEMO}/sessions/{session_id}.ics?lang=zh")
    assert "SUMMARY:C:\\\\New 文件夹\r\n" in response.get_data(as_text=True)
    assert parsed.vevent.summary.value == "C:\\New 文件夹"


def test_folding_never_splits_a_character_or_an_escape_at_any_offset():
    for shift in range(80):
        for tail in ("\\,", "\\\\x", "汉", "🚀", "\\n"):
            line = ("SUMMARY:" + "a" * shift + (tail + "字") * 30).encode()
            folded = fold(line)
            physical = folded.split(b"\r\n")[:-1]
            assert all(len(piece) <= 75 for piece in physical)
            for piece in physical:
                piece.decode("utf-8")
                run = len(piece) - len(piece.rstrip(b"\\"))
                assert run % 2 == 0, (shift, tail, piece)
            assert folded.replace(b"\r\n ", b"") == line + b"\r\n"


# --- updates ------------------------------------------------------------------


def test_an_edit_raises_the_sequence_and_gives_a_new_etag_and_fresh_content(
    app, client, demo_event
):
    with app.app_context():
        session_id = session_by_title("Opening ceremony").id
    first, calendar, _ = get_feed(client, f"{DEMO}/calendar.ics?lang=zh")
    before = {str(e["SUMMARY"]): int(e["SEQUENCE"]) for e in calendar.walk("VEVENT")}

    with app.app_context():
        item = db.session.get(ProgrammeSession, session_id)
        item.starts_at = datetime(2020, 11, 26, 1, 10, tzinfo=UTC)
        item.title_zh = "开幕式（推迟十分钟）"
        db.session.commit()

    second, calendar, _ = get_feed(client, f"{DEMO}/calendar.ics?lang=zh")
    after = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert int(after["开幕式（推迟十分钟）"]["SEQUENCE"]) > before["开幕式"]
    assert after["开幕式（推迟十分钟）"]["DTSTART"].dt.astimezone(UTC) == datetime(
        2020, 11, 26, 1, 10, tzinfo=UTC
    )
    assert int(after["代表报到注册"]["SEQUENCE"]) == before["代表报到注册"]
    assert second.headers["ETag"] != first.headers["ETag"]


def test_a_cancelled_session_stays_in_the_feed_as_cancelled(app, client, demo_event):
    with app.app_context():
        item = session_by_title("Coffee break")
        item.cancelled = True
        db.session.commit()
        session_id = item.id
    _, calendar, parsed = get_feed(client, f"{DEMO}/calendar.ics?lang=en")
    cancelled = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "Coffee break"]
    assert [str(e["STATUS"]) for e in cancelled] == ["CANCELLED"]
    assert str(cancelled[0]["TRANSP"]) == "TRANSPARENT"
    assert [e.status.value for e in parsed.vevent_list if e.summary.value == "Coffee break"] == [
        "CANCELLED"
    ]
    # Schedule apps have no such status: the session leaves their schedule.
    schedule = client.get(f"{DEMO}/schedule.xml").get_data(as_text=True)
    assert f'<event id="{session_id}"' not in schedule


# --- HTTP -------------------------------------------------------------------------


def test_conditional_requests_get_304_until_the_programme_changes(app, client, demo_event):
    first = client.get(f"{DEMO}/calendar.ics?lang=zh")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, max-age=300"

    again = client.get(f"{DEMO}/calendar.ics?lang=zh", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    by_date = client.get(f"{DEMO}/calendar.ics?lang=zh", headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    # Another language is another representation.
    assert client.get(f"{DEMO}/calendar.ics?lang=en",
                      headers={"If-None-Match": etag}).status_code == 200

    with app.app_context():
        set_title(session_by_title("Lunch").id, "午餐（自助）")
    changed = client.get(f"{DEMO}/calendar.ics?lang=zh", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "午餐（自助）" in changed.get_data(as_text=True)


def test_clients_that_accept_gzip_get_the_same_feed_compressed(client, demo_event):
    plain = client.get(f"{DEMO}/calendar.ics?lang=zh")
    packed = client.get(f"{DEMO}/calendar.ics?lang=zh",
                        headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip"
    for response in (plain, packed):
        assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 3
    # Each encoding has its own entity tag, as HTTP asks of different bytes.
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = client.get(f"{DEMO}/calendar.ics?lang=zh", headers={
        "Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304


def test_validators_and_encodings_are_read_as_http_has_them(client, demo_event):
    feed = f"{DEMO}/calendar.ics?lang=zh"
    first = client.get(feed, headers={"Accept-Encoding": "gzip"})
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    for if_none_match in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        answer = client.get(feed, headers={"Accept-Encoding": "gzip",
                                           "If-None-Match": if_none_match})
        assert answer.status_code == 304, if_none_match
    # A stale entity tag outweighs a current date.
    assert client.get(feed, headers={"Accept-Encoding": "gzip", "If-None-Match": '"other"',
                                     "If-Modified-Since": modified}).status_code == 200
    assert client.get(feed, headers={"Accept-Encoding": "gzip"}).headers == first.headers
    # Refused or unnamed, gzip is not what the client gets.
    for refusing in ("gzip;q=0", "br", "identity"):
        answer = client.get(feed, headers={"Accept-Encoding": refusing})
        assert "Content-Encoding" not in answer.headers, refusing
        assert answer.headers["ETag"] != etag
    assert client.get(feed, headers={"Accept-Encoding": "deflate, gzip;q=0.5"}
                      ).headers["ETag"] == etag


def test_a_feed_asked_for_again_is_the_same_answer_for_one_statement(app, client, demo_event):
    for encoding in ("identity", "gzip"):
        headers = {"Accept-Encoding": encoding}
        first = client.get(f"{DEMO}/schedule.xml?lang=en", headers=headers)
        statements, again = statements_of(app, client, f"{DEMO}/schedule.xml?lang=en",
                                          headers=headers)
        # The event's programme version (and SQLite's BEGIN): the rest was kept.
        queries = [statement for statement in statements if statement != "BEGIN"]
        assert len(queries) == 1 and "programme_version" in queries[0]
        assert again.get_data() == first.get_data()
        assert again.headers == first.headers


def test_exports_answer_conditional_requests_too(client, demo_event):
    for path in (f"{DEMO}/schedule.xml", f"{DEMO}/schedule.json", f"{DEMO}/schedule.csv",
                 f"{DEMO}/forums/main/calendar.ics"):
        etag = client.get(path).headers["ETag"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304, path


def test_unknown_forums_and_sessions_are_404(client, demo_event):
    assert client.get(f"{DEMO}/forums/no-such-forum/calendar.ics").status_code == 404
    assert client.get(f"{DEMO}/sessions/999999.ics").status_code == 404


# --- the attendee's own feed ---------------------------------------------------------


def test_a_personal_feed_holds_exactly_that_attendees_sessions(app, client, demo_event):
    with app.app_context():
        db.session.get(Forum, forum_by_slug("chip-machine").id).capacity = 1
        db.session.commit()
        first = register("first@example.cn", ["chip-machine", "yrd-education-talent"])
        second = register("second@example.cn", ["chip-machine", "yrd-embedded-innovation"])
        tokens = first.token, second.token
        expected_first = titles_of_forums({"main", "chip-machine", "yrd-education-talent"})
        # The second waits for chip-machine: that forum stays out of their calendar.
        expected_second = titles_of_forums({"main", "yrd-embedded-innovation"})

    for token, expected in zip(tokens, (expected_first, expected_second), strict=True):
        response, calendar, parsed = get_feed(client, f"/r/{token}/calendar.ics")
        assert summaries(calendar) == expected
        assert vobject_summaries(parsed) == expected
        assert response.headers["Cache-Control"] == "private, no-cache"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        not_modified = client.get(f"/r/{token}/calendar.ics",
                                  headers={"If-None-Match": response.headers["ETag"]})
        assert not_modified.status_code == 304
        assert not_modified.headers["Cache-Control"] == "private, no-cache"
        assert not_modified.headers["Referrer-Policy"] == "no-referrer"

    with app.app_context():
        registration = registration_service.find_by_token(db.session, tokens[0])
        with serving_at(LINK_BASE):
            registration_service.cancel(db.session, registration)
        promoted = titles_of_forums({"main", "yrd-embedded-innovation", "chip-machine"})
    _, calendar, _ = get_feed(client, f"/r/{tokens[1]}/calendar.ics")
    # The seat freed by the cancellation went to the second attendee.
    assert summaries(calendar) == promoted
    _, calendar, _ = get_feed(client, f"/r/{tokens[0]}/calendar.ics")
    assert summaries(calendar) == []


def test_attendees_with_the_same_forums_share_one_build_and_keep_their_own_dates(
    app, client, demo_event
):
    with app.app_context():
        first = register("same-1@example.cn", ["chip-machine"]).token
        second = register("same-2@example.cn", ["chip-machine"])
        # The second changed their registration later: their feed says so.
        second.updated_at = datetime(2030, 1, 1, tzinfo=UTC)
        db.session.commit()
        tokens = first, second.token
    one = client.get(f"/r/{tokens[0]}/calendar.ics")
    statements, other = statements_of(app, client, f"/r/{tokens[1]}/calendar.ics")
    assert other.get_data() == one.get_data()
    # Kept from the first attendee's build: the programme was not read again.
    assert not any("programme_session" in statement for statement in statements)
    assert other.headers["Last-Modified"] == "Tue, 01 Jan 2030 00:00:00 GMT"
    assert other.headers["Last-Modified"] != one.headers["Last-Modified"]
    assert other.headers["ETag"] != one.headers["ETag"]
    assert client.get(f"/r/{tokens[1]}/calendar.ics",
                      headers={"If-None-Match": other.headers["ETag"]}).status_code == 304


def test_a_personal_feed_speaks_the_attendees_language_unless_asked(app, client, demo_event):
    with app.app_context():
        token = register("english@example.cn", [], locale="en").token
        main = [item for item in db.session.scalars(select(ProgrammeSession))
                if item.forum.slug == "main"]
        english, chinese = sorted(i.title_en for i in main), sorted(i.title_zh for i in main)
    assert summaries(get_feed(client, f"/r/{token}/calendar.ics")[1]) == english
    assert summaries(get_feed(client, f"/r/{token}/calendar.ics?lang=zh")[1]) == chinese


def test_a_token_serves_its_own_events_agenda_and_bad_tokens_get_404(app, client, demo_event):
    with app.app_context():
        # An earlier edition: the demo stays the served event.
        other = Event(slug="other-2019", name_en="Other", starts_on=datetime(2019, 5, 1).date(),
                      ends_on=datetime(2019, 5, 1).date(), timezone="Asia/Shanghai")
        db.session.add(other)
        db.session.commit()
        with serving_at(LINK_BASE):
            elsewhere = registration_service.register(
                db.session, other, AttendeeDetails(full_name="别处", email="x@example.cn"), [],
            ).registration.token
        mine = register("mine@example.cn", []).token
    assert client.get(f"/r/{mine}/calendar.ics").status_code == 200
    # The token knows its event, whichever the site's default.
    elsewhere_feed = client.get(f"/r/{elsewhere}/calendar.ics?lang=en").get_data(as_text=True)
    assert "X-WR-CALNAME:Other · My agenda" in elsewhere_feed
    for token in (mine[:-1] + ("A" if mine[-1] != "A" else "B"), "short", "../x"):
        assert client.get(f"/r/{token}/calendar.ics").status_code == 404, token


def test_the_confirmation_and_the_promotion_mails_attach_the_attendees_ics(
    app, demo_event
):
    with app.app_context():
        db.session.get(Forum, forum_by_slug("chip-machine").id).capacity = 1
        db.session.commit()
        first = register("first@example.cn", ["chip-machine"], locale="en")
        register("second@example.cn", ["chip-machine"])
        deliver_due(db.session)
        with serving_at(LINK_BASE):
            registration_service.change_forums(
                db.session, registration_service.find_by_token(db.session, first.token), [],
            )
        deliver_due(db.session)
        english = sorted(item.title_en for item in db.session.scalars(select(ProgrammeSession))
                         if item.forum.slug in {"main", "chip-machine"})
        chinese = titles_of_forums({"main", "chip-machine"})
        main_only = titles_of_forums({"main"})

    mails = outbox_mails(app)
    attached = {}
    for message in mails:
        for part in message.iter_attachments():
            if part.get_content_type() == "text/calendar":
                attached.setdefault(message["To"].addresses[0].addr_spec, []).append(part)
    first_ics, second_ics = attached["first@example.cn"], attached["second@example.cn"]
    # The first: one confirmation (in English). The second: a confirmation while
    # waiting (main forum only), then the promotion with chip-machine added.
    assert len(first_ics) == 1 and len(second_ics) == 2
    assert first_ics[0].get_filename() == "embedded-china-2020.ics"
    assert summaries(icalendar.Calendar.from_ical(first_ics[0].get_content())) == english
    waiting, promoted = (icalendar.Calendar.from_ical(part.get_content()) for part in second_ics)
    assert summaries(waiting) == main_only
    assert summaries(promoted) == chinese


# --- frab schedule exports -------------------------------------------------------------


@needs_conformance
def test_schedule_xml_validates_against_the_frab_xsd(app, client, demo_event):
    response = client.get(f"{DEMO}/schedule.xml?lang=zh")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    schema = xmlschema.XMLSchema(str(CONFORMANCE / "schedule.xml.xsd"))
    schema.validate(response.get_data())
    document = schema.to_dict(response.get_data())
    days = document["day"]
    assert [day["@date"] for day in days] == ["2020-11-25", "2020-11-26", "2020-11-27"]
    events = [event for day in days for room in day["room"] for event in room["event"]]
    with app.app_context():
        assert len(events) == len(db.session.scalars(select(ProgrammeSession)).all())
    opening = next(event for event in events if event["title"] == "开幕式")
    assert opening["date"] == "2020-11-26T09:00:00+08:00" and opening["start"] == "09:00"
    assert document["conference"]["time_zone_name"] == ["Asia/Shanghai"]
    panel = next(event for event in events if event["title"] == "圆桌：5G，新基建创造新生态")
    speakers = [person["$"] for person in panel["persons"]["person"]]
    assert speakers == ["何积丰", "刘韵洁", "示例讲者A"]
    assert {track["@name"] for track in document["conference"]["track"]} == {
        event["track"] for event in events
    }


@needs_conformance
def test_schedule_json_validates_against_the_frab_schema(app, client, demo_event):
    schema = json.loads((CONFORMANCE / "schedule.schema.json").read_text())
    validator = jsonschema.Draft6Validator(
        schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER
    )
    chinese = client.get(f"{DEMO}/schedule.json?lang=zh").get_json()
    english = client.get(f"{DEMO}/schedule.json?lang=en").get_json()
    for document in (chinese, english):
        errors = sorted(validator.iter_errors(document), key=str)
        assert errors == [], "\n".join(str(error) for error in errors)

    def talks(document):
        return [talk for day in document["schedule"]["conference"]["days"]
                for room in day["rooms"].values() for talk in room]

    # The same guids in both languages and in the XML, so clients keep their favourites.
    assert [t["guid"] for t in talks(chinese)] == [t["guid"] for t in talks(english)]
    xml = client.get(f"{DEMO}/schedule.xml").get_data(as_text=True)
    assert all(f'guid="{t["guid"]}"' in xml for t in talks(chinese))
    keynote = next(t for t in talks(english) if t["title"].startswith("Future networks"))
    assert keynote["date"] == "2020-11-26T10:15:00+08:00" and keynote["duration"] == "00:45"
    assert keynote["persons"][0]["name"] == "Liu Yunjie"
    assert keynote["track"] == "Main Forum: 5G, New Infrastructure, New Ecosystem"
    assert keynote["type"] == "Keynote"


def all_talks(document: dict) -> list[dict]:
    return [talk for day in document["schedule"]["conference"]["days"]
            for room in day["rooms"].values() for talk in room]


def set_abstracts(title_en: str, abstract_zh: str, abstract_en: str) -> None:
    item = session_by_title(title_en)
    item.abstract_zh, item.abstract_en = abstract_zh, abstract_en
    db.session.commit()


@needs_conformance
def test_every_exported_event_carries_a_description_and_what_pretalx_always_sends(
    app, client, demo_event
):
    """Some schedule clients read these fields unconditionally and crash without them."""
    with app.app_context():
        set_abstracts("Lunch", "", "")
        set_abstracts("Opening ceremony", "致辞与开幕。", "Welcome and opening.")
    document = client.get(f"{DEMO}/schedule.json?lang=en").get_json()
    talks = all_talks(document)
    with app.app_context():
        assert len(talks) == len(db.session.scalars(select(ProgrammeSession)).all())
    for talk in talks:
        assert talk["description"] == talk["abstract"], talk["title"]
        assert talk["logo"] == "" and talk["recording_license"] == ""
        assert talk["do_not_record"] is False
        assert talk["links"] == [] and talk["attachments"] == []
    by_title = {talk["title"]: talk for talk in talks}
    assert by_title["Lunch"]["description"] == ""
    assert by_title["Opening ceremony"]["description"] == "Welcome and opening."
    schema = json.loads((CONFORMANCE / "schedule.schema.json").read_text())
    jsonschema.Draft6Validator(schema).validate(document)

    xml = client.get(f"{DEMO}/schedule.xml?lang=zh").get_data()
    xsd = xmlschema.XMLSchema(str(CONFORMANCE / "schedule.xml.xsd"))
    xsd.validate(xml)
    events = [event for day in xsd.to_dict(xml)["day"] for room in day["room"]
              for event in room["event"]]
    assert len(events) == len(talks)
    for event in events:
        # An empty element reads back as None.
        assert "description" in event and event["description"] == event["abstract"]
        assert event["recording"] == {"license": None, "optout": False}
    by_title = {event["title"]: event for event in events}
    assert by_title["午餐"]["description"] is None
    assert by_title["开幕式"]["description"] == "致辞与开幕。"


def test_control_characters_are_absent_from_the_json_and_the_csv(app, client, demo_event):
    """The iCal and XML writers always left them out; JSON and CSV now do too."""
    with app.app_context():
        panel = session_by_title("Panel: 5G, new infrastructure, new ecosystem")
        panel.title_zh = "圆桌\x07：5G\x1b新生态\x01"  # PostgreSQL stores no NUL
        panel.abstract_zh = "对话\x0b与\x0c交流\x7f。\ufffe"
        panel.speakers[0].name_zh = "何\x08积\x1f丰"
        db.session.commit()
    controls = [chr(code) for code in (*range(0x20), 0x7F, 0xFFFE) if chr(code) not in "\t\n\r"]

    body = client.get(f"{DEMO}/schedule.json?lang=zh").get_data(as_text=True)
    assert not any(char in body for char in controls)
    assert not any(f"\\u{ord(char):04x}" in body.lower() for char in controls)
    talk = next(t for t in all_talks(json.loads(body)) if t["title"] == "圆桌：5G新生态")
    assert talk["abstract"] == talk["description"] == "对话与交流。"
    assert talk["persons"][0]["name"] == "何积丰"

    sheet = client.get(f"{DEMO}/schedule.csv?lang=zh").get_data().decode("utf-8-sig")
    assert not any(char in sheet for char in controls)
    row = next(row for row in csv.reader(io.StringIO(sheet)) if row[6] == "圆桌：5G新生态")
    assert row[9] == "对话与交流。" and row[7].startswith("何积丰")


def test_the_csv_opens_in_excel_and_runs_no_formula(app, client, demo_event):
    with app.app_context():
        set_title(session_by_title("Lunch").id, '=HYPERLINK("http://evil.example","点我")')
    response = client.get(f"{DEMO}/schedule.csv?lang=zh")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    titles = [row[6] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"点我\")" in titles
    assert "开幕式" in titles
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


# --- links on the pages --------------------------------------------------------------


def test_pages_offer_subscribe_download_and_google_links(app, client, demo_event):
    agenda = client.get(f"{DEMO}/agenda?lang=en").get_data(as_text=True)
    assert f'href="webcal://localhost{DEMO}/calendar.ics?lang=en"' in agenda
    assert f'href="http://localhost{DEMO}/calendar.ics?lang=en" download' in agenda
    assert "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Flocalhost" in agenda
    one_forum = client.get(f"{DEMO}/agenda?forum=chip-machine&lang=en").get_data(as_text=True)
    assert f"webcal://localhost{DEMO}/forums/chip-machine/calendar.ics?lang=en" in one_forum
    forum_page = client.get(f"{DEMO}/forums/chip-machine?lang=zh").get_data(as_text=True)
    assert f"webcal://localhost{DEMO}/forums/chip-machine/calendar.ics?lang=zh" in forum_page
    with app.app_context():
        session_id = session_by_title("Opening ceremony").id
    session_page = client.get(f"{DEMO}/sessions/{session_id}?lang=en").get_data(as_text=True)
    assert f"webcal://localhost{DEMO}/sessions/{session_id}.ics?lang=en" in session_page
    assert "dates=20201126T010000Z%2F20201126T013000Z" in session_page
    with app.app_context():
        token = register("links@example.cn", []).token
    attendee = client.get(f"/r/{token}?lang=en").get_data(as_text=True)
    assert "Add my agenda to my calendar" in attendee
    assert f"webcal://localhost/r/{token}/calendar.ics?lang=en" in attendee


# --- the cache ------------------------------------------------------------------------


def test_the_build_cache_is_bounded_by_size_and_forgets_the_oldest():
    cache = LRUCache(max_size=10)
    builds = []

    def build(value: bytes):
        return lambda: builds.append(value) or value

    assert cache.get_or_build("a", build(b"aaaa")) == b"aaaa"
    assert cache.get_or_build("b", build(b"bbbb")) == b"bbbb"
    assert cache.get_or_build("a", build(b"xxxx")) == b"aaaa"  # a hit: not built again
    cache.get_or_build("c", build(b"cccc"))  # 12 bytes > 10: b, the least recent, goes
    assert "b" not in cache and "a" in cache and "c" in cache
    assert cache.size == 8
    assert builds == [b"aaaa", b"bbbb", b"cccc"]
    assert cache.get_or_build("huge", build(b"h" * 11)) == b"h" * 11
    assert "huge" not in cache and cache.size == 8


def test_feeds_in_a_language_set_no_cookie_so_proxies_may_cache_them(client, demo_event):
    for path in (f"{DEMO}/calendar.ics?lang=en", f"{DEMO}/schedule.json?lang=en"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, path
    assert "lang=en" in client.get(f"{DEMO}/agenda?lang=en").headers["Set-Cookie"]
