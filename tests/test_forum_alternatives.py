"""Parallel forums that run at the same time are alternatives: a registration holds a
seat (or a place in line) in one of them only, unless the event allows more. In the
demo, two forums run on Thursday afternoon and two on Friday morning."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from summit.extensions import db
from summit.models import Event, MailMessage, ProgrammeSession, Registration, SeatStatus

from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN
from .helpers.csv_import import confirm_import, upload
from .helpers.database import audit_entries
from .helpers.pages import DEMO, csrf_token, page_text, table_rows
from .helpers.programme import event_fields, session_fields
from .helpers.registrations import (
    AI,
    CHIP,
    bulk_registrations,
    forum_id,
    post_registration,
    register_directly,
    registrations,
)

# AI and CHIP run on Thursday 26 November, 13:30–17:00 in Nanjing; these two on
# Friday 27 November, 09:00–12:15.
INNOVATION, EDUCATION = "yrd-embedded-innovation", "yrd-education-talent"
AI_EN, CHIP_EN = "Convergence of 5G, AI and Big Data", "Chip–Machine Co-design"


def seats_of(registration_id: int) -> dict[int, SeatStatus]:
    registration = db.session.get(Registration, registration_id)
    return {seat.forum_id: seat.status for seat in registration.seats
            if seat.status != SeatStatus.CANCELLED}


def allow_overlap(event_id: int) -> None:
    db.session.get(Event, event_id).allow_overlapping_forums = True
    db.session.commit()


# --- the registration form ---------------------------------------------------------


def test_the_form_shows_when_each_forum_runs_and_groups_the_alternatives(client, demo_event):
    english = client.get(f"{DEMO}/register?lang=en").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", english))
    assert "Thursday afternoon: choose one" in text
    assert "Friday morning: choose one" in text
    assert "Thu 26 Nov 13:30–17:00" in text and "Fri 27 Nov 09:00–12:15" in text
    # Each group holds its two forums, Thursday's first.
    groups = re.findall(r'<fieldset class="forum-alternatives"[^>]*>(.*?)</fieldset>', english,
                        re.S)
    assert len(groups) == 2
    assert AI_EN in groups[0] and CHIP_EN in groups[0]
    assert "Yangtze River Delta" in groups[1] and AI_EN not in groups[1]

    chinese = page_text(client.get(f"{DEMO}/register?lang=zh"))
    assert "周四下午：任选其一" in chinese and "周五上午：任选其一" in chinese
    assert "11月26日 周四 13:30–17:00" in chinese


def test_two_forums_at_the_same_time_are_refused_on_the_form_and_nothing_is_saved(
    app, client, demo_event
):
    client.get(f"{DEMO}/register?lang=en")
    with app.app_context():
        chosen = [forum_id(AI), forum_id(CHIP)]
    response = post_registration(client, forums=chosen)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="forums-error">([^<]*)</p>', html).group(1)
    assert f"“{AI_EN}” and “{CHIP_EN}” run at the same time. Choose one of them." in error
    # The form comes back as it was sent, the two forums still ticked.
    assert len(re.findall(r'name="forums" value="\d+" checked', html)) == 2
    with app.app_context():
        assert registrations() == []
        assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 0


def test_the_refusal_reads_in_chinese(app, client, demo_event):
    client.get(f"{DEMO}/register?lang=zh")
    with app.app_context():
        chosen = [forum_id(INNOVATION), forum_id(EDUCATION)]
    response = post_registration(client, forums=chosen)
    assert response.status_code == 422
    assert ("“2020长三角嵌入式系统创新发展”与“长三角教育与专业人才培养”同时进行。请只选其一。"
            in page_text(response))


def test_one_forum_of_each_time_is_fine(app, client, demo_event):
    with app.app_context():
        chosen = [forum_id(CHIP), forum_id(EDUCATION)]
    response = post_registration(client, forums=chosen)
    assert response.status_code == 302
    with app.app_context():
        (registration,) = registrations()
        assert set(seats_of(registration.id)) == set(chosen)


def test_a_cancelled_session_does_not_count_towards_a_forums_time(app, client, demo_event):
    """Chip–Machine's afternoon reduced to its cancelled sessions no longer meets AI's."""
    with app.app_context():
        chip = forum_id(CHIP)
        for item in db.session.scalars(
            select(ProgrammeSession).where(ProgrammeSession.forum_id == chip)
        ):
            item.cancelled = True
        db.session.commit()
        chosen = [forum_id(AI), chip]
    assert post_registration(client, forums=chosen).status_code == 302


# --- the attendee's own page -----------------------------------------------------------


def test_the_attendee_cannot_add_a_forum_that_runs_at_the_same_time(app, client, demo_event):
    with app.app_context():
        ai, chip = forum_id(AI), forum_id(CHIP)
        registration = register_directly(demo_event, "me@summit.example.org", [ai])
        token, registration_id = registration.token, registration.id
    page = f"/r/{token}?lang=en"
    assert "Thursday afternoon: choose one" in page_text(client.get(page))
    response = client.post(f"/r/{token}/forums?lang=en", data={
        "csrf_token": csrf_token(client, page), "forums": [ai, chip]})
    assert response.status_code == 422
    assert f"“{AI_EN}” and “{CHIP_EN}” run at the same time. Choose one of them." in page_text(
        response)
    with app.app_context():
        assert seats_of(registration_id) == {ai: SeatStatus.CONFIRMED}
        assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 1


# --- the event's setting -----------------------------------------------------------------


def test_an_event_that_allows_overlap_seats_both(app, client, demo_event):
    with app.app_context():
        allow_overlap(demo_event)
        chosen = [forum_id(AI), forum_id(CHIP)]
    form = page_text(client.get(f"{DEMO}/register?lang=en"))
    assert "Thursday afternoon: at the same time" in form
    response = post_registration(client, forums=chosen)
    assert response.status_code == 302
    with app.app_context():
        (registration,) = registrations()
        assert seats_of(registration.id) == {chosen[0]: SeatStatus.CONFIRMED,
                                             chosen[1]: SeatStatus.CONFIRMED}


# --- the organizers' own editing: a warning they can override ------------------------------


def admin_fields(client, path: str, forums, **extra) -> dict:
    return {
        "csrf_token": csrf_token(client, path),
        "full_name": "张贵宾", "latin_name": "", "email": "vip@example.org", "phone": "",
        "organisation": "工业和信息化部", "job_title": "", "category": "vip", "locale": "zh",
        "forums": [str(forum) for forum in forums], **extra,
    }


def test_an_organizer_adding_someone_is_warned_and_may_hold_both_anyway(
    app, client, demo_event
):
    sign_in(app, client)
    with app.app_context():
        chosen = [forum_id(AI), forum_id(CHIP)]
    form = page_text(client.get(f"{ADMIN}/registrations/new"))
    assert "Thursday afternoon: choose one" in form and "Hold both anyway" in form

    warned = client.post(f"{ADMIN}/registrations/new",
                         data=admin_fields(client, f"{ADMIN}/registrations/new", chosen))
    assert warned.status_code == 422
    assert (f"“{AI_EN}” and “{CHIP_EN}” run at the same time. Tick “Hold both anyway” to "
            "keep them all.") in page_text(warned)
    with app.app_context():
        assert registrations() == []

    held = client.post(f"{ADMIN}/registrations/new", data=admin_fields(
        client, f"{ADMIN}/registrations/new", chosen, hold_overlapping="y"))
    assert held.status_code == 302
    with app.app_context():
        (registration,) = registrations()
        assert seats_of(registration.id) == {chosen[0]: SeatStatus.CONFIRMED,
                                             chosen[1]: SeatStatus.CONFIRMED}


def test_an_organizer_changing_forums_is_warned_and_may_hold_both_anyway(
    app, client, demo_event
):
    sign_in(app, client)
    with app.app_context():
        ai, chip = forum_id(AI), forum_id(CHIP)
        registration_id = register_directly(demo_event, "vip@example.org", [ai], name="张贵宾").id
    path = f"{ADMIN}/registrations/{registration_id}"
    warned = client.post(path, data=admin_fields(client, path, [ai, chip]))
    assert warned.status_code == 422
    assert f"“{AI_EN}” and “{CHIP_EN}” run at the same time." in page_text(warned)
    with app.app_context():
        assert seats_of(registration_id) == {ai: SeatStatus.CONFIRMED}
        assert audit_entries("update") == []

    held = client.post(path, data=admin_fields(client, path, [ai, chip], hold_overlapping="y"))
    assert held.status_code == 302
    with app.app_context():
        assert seats_of(registration_id) == {ai: SeatStatus.CONFIRMED, chip: SeatStatus.CONFIRMED}
        (entry,) = audit_entries("update")
        assert entry.after["seats"] == {AI: "confirmed", CHIP: "confirmed"}


# --- the CSV import: rows that break the rule are reported, then imported on request ---------


GUESTS_AT_ONCE = (
    "full_name,email,organisation,forums\n"
    f"王小明,wang@example.org,东南大学,{AI}; {CHIP}\n"
    f"李雷,li.lei@example.org,清华大学,{CHIP}; {EDUCATION}\n"
).encode()


def test_an_import_reports_rows_with_forums_at_the_same_time_and_imports_on_override(
    app, client, demo_event
):
    sign_in(app, client)
    refused = upload(client, GUESTS_AT_ONCE)
    assert refused.status_code == 422
    text = page_text(refused)
    assert "1 row has problems" in text
    assert f"“{AI_EN}” and “{CHIP_EN}” run at the same time." in text
    assert 'name="sealed"' not in refused.get_data(as_text=True)

    preview = upload(client, GUESTS_AT_ONCE, hold_overlapping="y")
    assert preview.status_code == 200
    assert "2 guests are ready to import" in page_text(preview)
    assert f"“{AI_EN}” and “{CHIP_EN}” run at the same time." in page_text(preview)
    imported = confirm_import(client, preview)
    assert imported.status_code == 302
    imported.close()
    with app.app_context():
        wang = db.session.scalars(
            select(Registration).where(Registration.email == "wang@example.org")).one()
        assert set(seats_of(wang.id)) == {forum_id(AI), forum_id(CHIP)}


# --- a session moves: nobody is changed, the dashboard lists who now holds both ------------


def test_after_a_session_moves_the_dashboard_lists_who_holds_both_and_nothing_changes(
    app, client, demo_event
):
    sign_in(app, client)
    with app.app_context():
        ai, innovation = forum_id(AI), forum_id(INNOVATION)
        both = register_directly(demo_event, "both@example.org", [ai, innovation], name="王两场")
        one = register_directly(demo_event, "one@example.org", [innovation], name="李一场")
        both_id, token, one_id = both.id, both.token, one.id
        tinygrad = db.session.scalars(select(ProgrammeSession).where(
            ProgrammeSession.title_en.like("tinygrad%"))).one()
        path = f"{ADMIN}/sessions/{tinygrad.id}/edit"
        fields = session_fields(tinygrad, starts_at="2020-11-26T14:15",
                                ends_at="2020-11-26T15:00")
    dashboard = page_text(client.get(f"{ADMIN}/dashboard"))
    assert "Attendees in forums that run at the same time" not in dashboard

    # Friday morning's tinygrad talk moves to Thursday afternoon, beside the AI forum.
    moved = client.post(path, data={"csrf_token": csrf_token(client, path), **fields})
    assert moved.status_code == 302

    html = client.get(f"{ADMIN}/dashboard").get_data(as_text=True)
    rows = table_rows(html, "together-heading")
    assert rows == [["王两场", "both@example.org",
                     f"{AI_EN} · 2020 Yangtze River Delta Embedded Systems Innovation and "
                     "Development"]]
    assert f'href="{ADMIN}/registrations/{both_id}"' in html
    with app.app_context():
        assert seats_of(both_id) == {ai: SeatStatus.CONFIRMED, innovation: SeatStatus.CONFIRMED}
        assert seats_of(one_id) == {innovation: SeatStatus.CONFIRMED}
    # The attendee is told on their own page, and keeps both until they choose.
    assert "The programme has changed since you chose them" in page_text(
        client.get(f"/r/{token}?lang=en"))


def test_an_event_that_allows_overlap_lists_nobody(app, client, demo_event):
    sign_in(app, client)
    with app.app_context():
        allow_overlap(demo_event)
        register_directly(demo_event, "both@example.org", [forum_id(AI), forum_id(CHIP)])
    assert "Attendees in forums that run at the same time" not in page_text(
        client.get(f"{ADMIN}/dashboard"))


def test_organizers_allow_overlap_in_the_events_settings(app, client, demo_event):
    sign_in(app, client)
    with app.app_context():
        fields = event_fields(db.session.get(Event, demo_event),
                              allow_overlapping_forums="y")
    form = page_text(client.get(f"{ADMIN}/event"))
    assert "Let attendees choose parallel forums that run at the same time" in form
    saved = client.post(f"{ADMIN}/event", data={"csrf_token": csrf_token(client, f"{ADMIN}/event"),
                                              **fields})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Event, demo_event).allow_overlapping_forums is True
        (entry,) = audit_entries("update")
        assert entry.after == {"allow_overlapping_forums": True}
    form = page_text(client.get(f"{DEMO}/register?lang=en"))
    assert "Thursday afternoon: at the same time" in form


def test_a_forum_on_two_days_is_timed_day_by_day(app, client, demo_event):
    """Innovation's tinygrad talk moved to Thursday afternoon: the forum now meets AI and
    Chip–Machine on Thursday and Education on Friday, yet AI and Education stay compatible."""
    with app.app_context():
        tinygrad = db.session.scalars(select(ProgrammeSession).where(
            ProgrammeSession.title_en.like("tinygrad%"))).one()
        tinygrad.starts_at -= timedelta(hours=19)  # Friday 09:00 → Thursday 14:00
        tinygrad.ends_at -= timedelta(hours=19)
        db.session.commit()
        ai, innovation, education = forum_id(AI), forum_id(INNOVATION), forum_id(EDUCATION)
    page = client.get(f"{DEMO}/register?lang=en")
    html, text = page.get_data(as_text=True), page_text(page)
    assert ("Thursday afternoon and Friday morning: some of these run at the same time, see "
            "their times") in text
    assert re.search(r"Thu 26 Nov 14:00–14:45\s*;\s*Fri 27 Nov 09:45–12:15", text)
    assert "data-choose-one" not in html  # not one choice of four: two can go together

    assert post_registration(client, forums=[ai, innovation]).status_code == 422
    assert post_registration(client, forums=[innovation, education]).status_code == 422
    assert post_registration(client, forums=[ai, education]).status_code == 302


def test_the_dashboard_shows_the_first_hundred_and_counts_them_all(app, client, demo_event):
    sign_in(app, client)
    with app.app_context():
        bulk_registrations(demo_event, 101, [forum_id(AI), forum_id(CHIP)])
    html = client.get(f"{ADMIN}/dashboard").get_data(as_text=True)
    assert len(table_rows(html, "together-heading")) == 100
    text = page_text(client.get(f"{ADMIN}/dashboard"))
    assert "101 attendees hold seats in forums that now run at the same time" in text
    assert "The first 100 are shown, by name." in text
