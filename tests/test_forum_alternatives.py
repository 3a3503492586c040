"""Parallel forums that run at the same time are alternatives: a registration holds a
seat (or a place in line) in one of them only, unless the event allows more. In the
demo, two forums run on Thursday afternoon and two on Friday morning."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from summit.extensions import db
from summit.models import Event, MailMessage, Registration, SeatStatus

from .test_program import page_text
from .test_registration import (
    csrf_token,
    forum_id,
    post_registration,
    register_directly,
    registrations,
)

# Thursday 26 November, 13:30–17:00 in Nanjing.
AI, CHIP = "5g-ai-big-data", "chip-machine"
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
    english = client.get("/register?lang=en").get_data(as_text=True)
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

    chinese = page_text(client.get("/register?lang=zh"))
    assert "周四下午：任选其一" in chinese and "周五上午：任选其一" in chinese
    assert "11月26日 周四 13:30–17:00" in chinese


def test_two_forums_at_the_same_time_are_refused_on_the_form_and_nothing_is_saved(
    app, client, demo_event
):
    client.get("/register?lang=en")
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
    client.get("/register?lang=zh")
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
    from summit.models import ProgrammeSession

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
    assert "Thursday afternoon: at the same time" in page_text(client.get("/register?lang=en"))
    response = post_registration(client, forums=chosen)
    assert response.status_code == 302
    with app.app_context():
        (registration,) = registrations()
        assert seats_of(registration.id) == {chosen[0]: SeatStatus.CONFIRMED,
                                             chosen[1]: SeatStatus.CONFIRMED}
