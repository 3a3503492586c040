"""The dashboard's charts: their tables say what the database holds (days and hours in the
event's time zone), each table downloads as the same CSV, the drawings carry no script,
and the queries do not grow with the registrations."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from summit.admin.dashboard_charts import CHART_BUILDERS, Chart, Row, Series, dashboard_chart
from summit.auth.service import create_user
from summit.checkin.service import check_in_registration
from summit.extensions import db
from summit.models import (
    Event,
    Forum,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    Role,
    Seat,
    SeatStatus,
)
from summit.registration import service
from summit.urls import serving_at

from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN, load_edition
from .helpers.database import statements_of
from .helpers.questions import field
from .helpers.registrations import (
    AI,
    CHIP,
    LINK_BASE,
    bulk_registrations,
    forum_id,
    post_registration,
    register,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2 Nov 00:00 in Shanghai is 1 Nov 16:00 UTC.
SHANGHAI_MIDNIGHT = datetime(2020, 11, 1, 16, 0, tzinfo=UTC)
CHARTS = ["registrations-per-day", "seats-per-forum", "categories", "check-ins-per-hour"]


def heading(slug: str) -> str:
    return f"chart-{slug}-heading"


def chart_table(html: str, slug: str) -> list[list[str]]:
    """The header and body rows of the table beside the chart ``slug``."""
    section = html[html.index(f'id="{heading(slug)}"'):]
    table = section[section.index("<table"):section.index("</table>")]
    return [[re.sub(r"<[^>]+>", "", cell).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]


def chart_svg(html: str, slug: str) -> str:
    section = html[html.index(f'id="{heading(slug)}"'):]
    return section[section.index("<svg"):section.index("</svg>") + len("</svg>")]


def seed(demo_event: int) -> dict[str, int]:
    """Nine registrations made on four days in Shanghai (two of them on the same UTC day
    but different Shanghai days), a waiting list for the event (capacity 6) and for a
    forum (one seat), two cancellations and six arrivals in five hours over two days."""
    event = db.session.get(Event, demo_event)
    event.capacity = 6
    event.allow_overlapping_forums = True
    db.session.get(Forum, forum_id(CHIP)).capacity = 1
    db.session.commit()
    chip, ai = forum_id(CHIP), forum_id(AI)
    at = SHANGHAI_MIDNIGHT
    delegate, hour = RegistrationCategory.DELEGATE, timedelta(hours=1)
    people = [  # name, forums, category, made (UTC)
        ("甲", [chip, ai], delegate, at - timedelta(minutes=1)),
        ("乙", [chip], RegistrationCategory.SPEAKER, at),
        ("丙", [ai], RegistrationCategory.VIP, at + 8 * hour - timedelta(minutes=1)),
        ("丁", [], RegistrationCategory.PRESS, at + 8 * hour),
        ("戊", [ai], delegate, at + 8 * hour + timedelta(minutes=30)),
        ("己", [chip], RegistrationCategory.STUDENT, at + timedelta(days=3)),
        ("庚", [], delegate, at + timedelta(days=3) + hour),
        ("辛", [ai], RegistrationCategory.STAFF, at + timedelta(days=3) + 2 * hour),
        ("壬", [], delegate, at + timedelta(days=3) + 3 * hour),
    ]
    ids = {}
    for number, (name, forums, category, made) in enumerate(people):
        ids[name] = register(demo_event, name, f"p{number}@example.org", forums=forums,
                             category=category)
        db.session.get(Registration, ids[name]).created_at = made
    db.session.commit()
    # 乙 cancels on 4 Nov in Shanghai (3 Nov in UTC): 庚 moves up; 庚 cancels on 5 Nov:
    # 辛 moves up. 壬 waits.
    with serving_at(LINK_BASE):
        service.cancel(db.session, db.session.get(Registration, ids["乙"]),
                       now=datetime(2020, 11, 3, 17, 0, tzinfo=UTC))
        service.cancel(db.session, db.session.get(Registration, ids["庚"]),
                       now=datetime(2020, 11, 4, 23, 0, tzinfo=UTC))
    desk = create_user(db.session, "desk@example.org", "desk password 123", Role.ADMIN)
    db.session.commit()
    arrivals = {
        "甲": datetime(2020, 11, 26, 0, 10, tzinfo=UTC),   # 08:10 on Thu 26 Nov
        "丙": datetime(2020, 11, 26, 0, 50, tzinfo=UTC),   # 08:50
        "丁": datetime(2020, 11, 26, 1, 5, tzinfo=UTC),    # 09:05
        "戊": datetime(2020, 11, 26, 3, 59, tzinfo=UTC),   # 11:59
        "己": datetime(2020, 11, 26, 15, 30, tzinfo=UTC),  # 23:30
        "辛": datetime(2020, 11, 26, 16, 20, tzinfo=UTC),  # 00:20 on Fri 27 Nov
    }
    for name, moment in arrivals.items():
        assert db.session.get(Registration, ids[name]).status == RegistrationStatus.CONFIRMED
        check_in_registration(db.session, demo_event, ids[name], desk, now=moment)
    return ids


def local(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)


def test_the_charts_figures_equal_the_databases_counts(app, client, demo_event):
    sign_in(app, client)
    with app.app_context():
        seed(demo_event)
        every = list(db.session.scalars(select(Registration)))
        made = Counter(local(r.created_at).date() for r in every)
        cancelled = Counter(local(r.cancelled_at).date() for r in every
                            if r.status == RegistrationStatus.CANCELLED)
        standing = sum(r.status != RegistrationStatus.CANCELLED for r in every)
        by_category = Counter((r.category.value, r.status) for r in every)
        arrived = Counter(local(r.checked_in_at).strftime("%Y-%m-%d %H") for r in every
                          if r.checked_in_at and r.status == RegistrationStatus.CONFIRMED)
        seats = Counter((seat.forum.slug, seat.status) for seat in db.session.scalars(
            select(Seat).join(Registration)
            .where(Registration.status == RegistrationStatus.CONFIRMED)))
    html = client.get(f"{ADMIN}/dashboard?lang=en").get_data(as_text=True)

    days = chart_table(html, "registrations-per-day")
    assert days[0] == ["Day", "New registrations", "Cancelled",
                       "Registered, less cancellations", "Capacity"]
    assert days[1:] == [
        ["Sun 1 Nov", "1", "0", "1", "6"],
        ["Mon 2 Nov", "4", "0", "5", "6"],   # 00:00, 07:59, 08:00 and 08:30 in Shanghai
        ["Tue 3 Nov", "0", "0", "5", "6"],
        ["Wed 4 Nov", "0", "1", "4", "6"],   # 乙 cancelled at 01:00 in Shanghai
        ["Thu 5 Nov", "4", "1", "7", "6"],
    ]
    span = [date(2020, 11, 1) + timedelta(days=offset) for offset in range(5)]
    assert [int(row[1]) for row in days[1:]] == [made[day] for day in span]
    assert [int(row[2]) for row in days[1:]] == [cancelled[day] for day in span]
    assert sum(int(row[1]) for row in days[1:]) == len(every)
    assert sum(int(row[2]) for row in days[1:]) == sum(cancelled.values()) == 2
    assert int(days[-1][3]) == standing

    forums = {row[0]: row[1:] for row in chart_table(html, "seats-per-forum")[1:]}
    assert forums["Chip–Machine Co-design"] == [
        str(seats[CHIP, SeatStatus.CONFIRMED]), str(seats[CHIP, SeatStatus.WAITLISTED]), "1"]
    assert forums["Chip–Machine Co-design"] == ["1", "1", "1"]  # 甲 sits, 己 waits
    assert forums["Convergence of 5G, AI and Big Data"][:2] == [
        str(seats[AI, SeatStatus.CONFIRMED]), str(seats[AI, SeatStatus.WAITLISTED])]

    categories = {row[0]: row[1:] for row in chart_table(html, "categories")[1:]}
    for category, name in (("delegate", "Delegate"), ("speaker", "Speaker"), ("vip", "VIP"),
                           ("press", "Press"), ("student", "Student"), ("staff", "Staff")):
        assert categories[name] == [str(by_category[category, RegistrationStatus.CONFIRMED]),
                                    str(by_category[category, RegistrationStatus.WAITLISTED])]
    assert categories["Delegate"] == ["2", "1"]  # 甲 and 戊 in, 壬 waits; 庚 cancelled
    assert categories["Staff"] == ["1", "0"]  # 辛, moved up

    hours = chart_table(html, "check-ins-per-hour")
    assert hours[0] == ["Hour", "Check-ins"]
    rows = dict((label, int(count)) for label, count in hours[1:])
    assert list(rows)[0] == "Thu 26 Nov 08:00" and list(rows)[-1] == "Fri 27 Nov 00:00"
    assert len(rows) == 16 + 1  # 08:00 to 23:00 on Thursday, midnight on Friday
    assert {label: count for label, count in rows.items() if count} == {
        "Thu 26 Nov 08:00": 2, "Thu 26 Nov 09:00": 1, "Thu 26 Nov 11:00": 1,
        "Thu 26 Nov 23:00": 1, "Fri 27 Nov 00:00": 1}
    assert sorted(rows[label] for label in rows if rows[label]) == sorted(arrived.values())


def test_each_charts_csv_is_its_table(app, client, demo_event):
    sign_in(app, client)
    with app.app_context():
        seed(demo_event)
    html = client.get(f"{ADMIN}/dashboard?lang=en").get_data(as_text=True)
    linked = re.findall(r'href="/admin/[^/]+/dashboard/([\w-]+)\.csv"', html)
    assert linked == CHARTS
    for slug in CHARTS:
        response = client.get(f"{ADMIN}/dashboard/{slug}.csv?lang=en")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert f'filename="{slug}-' in response.headers["Content-Disposition"]
        assert response.data.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
        table = chart_table(html, slug)
        assert rows[0] == table[0]
        assert [row[1:] for row in rows[1:]] == [row[1:] for row in table[1:]], slug
        if slug == "registrations-per-day":  # dates a spreadsheet reads as dates
            assert [row[0] for row in rows[1:]] == [
                "2020-11-01", "2020-11-02", "2020-11-03", "2020-11-04", "2020-11-05"]
        elif slug == "check-ins-per-hour":
            assert rows[1][0] == "2020-11-26 08:00" and rows[-1][0] == "2020-11-27 00:00"
        else:
            assert [row[0] for row in rows[1:]] == [row[0] for row in table[1:]]
    assert client.get(f"{ADMIN}/dashboard/no-such-chart.csv").status_code == 404


def test_the_charts_speak_chinese_and_carry_no_script(app, client, demo_event):
    sign_in(app, client)
    with app.app_context():
        seed(demo_event)
    html = client.get(f"{ADMIN}/dashboard?lang=zh").get_data(as_text=True)
    for slug in CHARTS:
        svg = chart_svg(html, slug)
        assert 'role="img"' in svg and f'aria-labelledby="{heading(slug)}"' in svg
        assert "<script" not in svg and "xml-stylesheet" not in svg
        # Nothing is fetched from elsewhere: the only address is the SVG namespace's.
        assert set(re.findall(r"https?://[^\s\"'<)]+", svg)) <= {"http://www.w3.org/2000/svg"}
        assert not re.search(r"\s(?:href|src)=", svg)
    assert "芯机联动专题" in chart_svg(html, "seats-per-forum")
    assert "代表" in chart_svg(html, "categories")
    assert "11月1日" in chart_svg(html, "registrations-per-day")
    assert "每日报名" in html
    csv_text = client.get(f"{ADMIN}/dashboard/seats-per-forum.csv?lang=zh").data.decode(
        "utf-8-sig")
    assert "芯机联动专题" in csv_text and csv_text.startswith("论坛,已占座位,候补人数,座位总数")


def test_the_charts_wait_for_their_figures(app, client, demo_event):
    sign_in(app, client)
    html = client.get(f"{ADMIN}/dashboard?lang=en").get_data(as_text=True)
    # The forums have no one yet, but their seats are worth a chart.
    assert re.findall(r"/dashboard/([\w-]+)\.csv", html) == ["seats-per-forum"]
    assert client.get(f"{ADMIN}/dashboard/check-ins-per-hour.csv").status_code == 404


def test_the_dashboard_asks_as_many_questions_for_ten_registrations_as_for_a_thousand(
        app, client, demo_event):
    sign_in(app, client)
    with app.app_context():
        seed(demo_event)
    few, response = statements_of(app, client, f"{ADMIN}/dashboard")
    assert response.status_code == 200
    with app.app_context():
        bulk_registrations(demo_event, 1000, [forum_id(AI)])
        # Spread over a month and checked in over a day's hours.
        for number, registration in enumerate(db.session.scalars(
                select(Registration).where(Registration.email.like("%@bulk.example.org")))):
            registration.created_at = SHANGHAI_MIDNIGHT - timedelta(hours=number % 700)
            if number % 3 == 0:
                registration.checked_in_at = datetime(2020, 11, 26, number % 12, tzinfo=UTC)
        db.session.commit()
    many, response = statements_of(app, client, f"{ADMIN}/dashboard")
    assert response.status_code == 200
    assert len(many) == len(few)
    assert len(few) < 30


def test_another_events_organizer_cannot_download_this_events_charts(app, client, demo_event):
    with app.app_context():
        seed(demo_event)
        other = load_edition("edition-b")
    sign_in(app, client, events=[other])
    assert client.get(f"{ADMIN}/dashboard/registrations-per-day.csv").status_code == 403
    assert client.get(f"{ADMIN}/dashboard").status_code == 403
    # Their own event's charts are theirs.
    assert client.get("/admin/edition-b/dashboard/seats-per-forum.csv").status_code == 200


def test_a_chart_is_one_function(app, client, demo_event, monkeypatch):
    """A chart registered with @dashboard_chart is drawn, tabled and downloadable; a
    builder may draw several (one per question, say)."""
    monkeypatch.setattr(CHART_BUILDERS, "entries", list(CHART_BUILDERS.entries))

    @dashboard_chart("answers", order=35)
    def answers(session, event):
        return [Chart(slug=f"answers-{number}", title=f"Question {number}", row_heading="Answer",
                      rows=[Row("Yes"), Row("=No")], series=[Series("Registrations", [3, 1])])
                for number in (1, 2)]

    sign_in(app, client)
    html = client.get(f"{ADMIN}/dashboard?lang=en").get_data(as_text=True)
    assert re.findall(r"/dashboard/([\w-]+)\.csv", html) == [
        "seats-per-forum", "answers-1", "answers-2"]
    assert chart_table(html, "answers-2") == [
        ["Answer", "Registrations"], ["Yes", "3"], ["=No", "1"]]
    assert "<svg" in chart_svg(html, "answers-1")
    data = client.get(f"{ADMIN}/dashboard/answers-2.csv").data.decode("utf-8-sig")
    assert data.splitlines() == ["Answer,Registrations", "Yes,3", "'=No,1"]


def test_answers_to_choice_questions_are_counted_per_option(app, client, demo_event):
    with app.app_context():
        dietary, hotel = field(demo_event, "Dietary"), field(demo_event, "Shall we")
    given = [(["vegetarian", "halal"], "yes"), (["vegetarian"], "no"), (["vegetarian"], "yes")]
    for index, (diet, room) in enumerate(given):
        assert post_registration(client, email=f"answers{index}@example.cn",
                                 **{dietary: diet, hotel: room}).status_code == 302
    # A cancelled registration's answers no longer count.
    with app.app_context(), serving_at(LINK_BASE):
        service.cancel(db.session, db.session.scalars(select(Registration).where(
            Registration.email == "answers2@example.cn")).one())
    sign_in(app, client)
    html = client.get(f"{ADMIN}/dashboard?lang=en").get_data(as_text=True)
    diet_slug, hotel_slug = f"answers-{dietary[1:]}", f"answers-{hotel[1:]}"
    assert chart_table(html, diet_slug) == [
        ["Answer", "Registrations"], ["Vegetarian", "2"], ["Halal", "1"], ["Nut allergy", "0"]]
    assert chart_table(html, hotel_slug) == [["Answer", "Registrations"], ["Yes", "1"],
                                              ["No", "1"]]
    # Each row leads to the registrations list filtered by that answer.
    link = re.search(rf'href="([^"]+answer={dietary}(?::|%3A)halal[^"]*)"', html).group(1)
    listed = client.get(link.replace("&amp;", "&") + "&lang=en").get_data(as_text=True)
    assert "answers0@example.cn" in listed and "answers1@example.cn" not in listed
    rows = list(csv.reader(io.StringIO(client.get(
        f"{ADMIN}/dashboard/{hotel_slug}.csv?lang=en").data.decode("utf-8-sig"))))
    assert rows == [["Answer", "Registrations"], ["Yes", "1"], ["No", "1"]]
