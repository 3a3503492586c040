"""Reviewing the call's proposals: anonymised review hides every trace of the speakers,
others' reviews show once one's own is given, the next proposal to review, the scale,
and the bounds of a reviewer's reach (their event, their forums, no organizer pages)."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from summit.database import begin_write
from summit.extensions import db
from summit.models import (
    Event,
    EventRole,
    ProposalSpeaker,
    ProposalState,
    Review,
    Role,
    User,
)

from .helpers.accounts import sign_in, sign_in_with_the_form
from .helpers.admin_pages import ADMIN, load_edition
from .helpers.pages import csrf_token, page_text, post_form
from .helpers.proposals import (
    AI,
    CHIP,
    REVIEWER_PASSWORD,
    change_call,
    forum_id_of,
    make_reviewer,
    open_call,
    proposal_of,
    submit_proposal,
    token_of,
)

SPEAKER = {
    "name": "欧阳明月",
    "affiliation": "紫金山实验室芯片研究所",
    "bio": "欧阳明月长期从事片上网络研究。",
    "email": "ouyang.mingyue@pml.example.cn",
}
CO_SPEAKER = "co.speaker.secret@example.org"


@pytest.fixture
def proposals(app, client, demo_event):
    """Two proposals at the open call: one in the chip forum by 欧阳明月 with a co-speaker,
    one in the AI forum; returns their ids (chip, ai)."""
    with app.app_context():
        open_call(demo_event)
    submit_proposal(app, client, **SPEAKER, co_speakers=CO_SPEAKER)
    with app.app_context():
        ai = forum_id_of(AI)
    submit_proposal(app, client, email="other@example.org", name="其他人",
                    title_zh="大模型推理", title_en="Inference at the edge", forum_id=str(ai))
    with app.app_context():
        return proposal_of(SPEAKER["email"]).id, proposal_of("other@example.org").id


def reviewer_client(app, event_id: int, email: str, forums=()):
    with app.app_context():
        make_reviewer(event_id, email, forums)
    reviewer = app.test_client()
    reviewer.set_cookie("lang", "en")
    assert sign_in_with_the_form(reviewer, email, REVIEWER_PASSWORD).status_code == 302
    return reviewer


def review(client, proposal_id: int, score, comment: str = ""):
    page = f"{ADMIN}/review/{proposal_id}"
    return client.post(page, data={"csrf_token": csrf_token(client, page), "score": str(score),
                                   "comment": comment})


def reachable_pages(client, start: str) -> dict[str, str]:
    """Every page of the admin that ``client`` reaches from ``start`` by following links
    (GET only), with its HTML."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue:
        path = queue.pop()
        if path in seen or path.startswith("/admin/logout"):
            continue
        response = client.get(path, follow_redirects=True)
        html = response.get_data(as_text=True)
        seen[path] = html
        for link in re.findall(r'href="(/admin/[^"#?]*)', html):
            queue.append(link.replace("&amp;", "&"))
    return seen


def test_an_anonymised_reviewer_never_sees_who_the_speakers_are(app, client, demo_event,
                                                                 proposals):
    reviewer = reviewer_client(app, demo_event, "anon.reviewer@example.org")
    pages = reachable_pages(reviewer, "/admin/")
    assert f"{ADMIN}/review/{proposals[0]}" in pages
    assert f"{ADMIN}/review/next" in pages
    for path, html in pages.items():
        for secret in (*SPEAKER.values(), CO_SPEAKER, "ouyang.mingyue"):
            assert secret not in html, (path, secret)
    # Not after reviewing either, nor on the page a review leads to.
    saved = review(reviewer, proposals[0], 4, "扎实")
    assert saved.status_code == 302
    after = reviewer.get(saved.headers["Location"]).get_data(as_text=True)
    for secret in (*SPEAKER.values(), CO_SPEAKER):
        assert secret not in after


def test_a_reviewer_of_a_call_that_is_not_anonymised_sees_the_speakers(app, client, demo_event,
                                                                      proposals):
    with app.app_context():
        change_call(demo_event, anonymised=False)
    reviewer = reviewer_client(app, demo_event, "open.reviewer@example.org")
    page = page_text(reviewer.get(f"{ADMIN}/review/{proposals[0]}"))
    assert SPEAKER["name"] in page and SPEAKER["affiliation"] in page
    assert SPEAKER["email"] not in page  # names, not addresses


def test_others_reviews_show_once_one_s_own_is_given(app, client, demo_event, proposals):
    first = reviewer_client(app, demo_event, "first@example.org")
    second = reviewer_client(app, demo_event, "second@example.org")
    assert review(first, proposals[0], 5, "非常好的选题").status_code == 302
    before = page_text(second.get(f"{ADMIN}/review/{proposals[0]}"))
    assert "非常好的选题" not in before
    assert "You see the other reviews once you have given yours." in before
    assert review(second, proposals[0], 2, "太泛").status_code == 302
    after = page_text(second.get(f"{ADMIN}/review/{proposals[0]}"))
    assert "非常好的选题" in after and "first@example.org" in after
    with app.app_context():
        assert proposal_of(SPEAKER["email"]).state is ProposalState.IN_REVIEW
        assert sorted(r.score for r in db.session.scalars(select(Review))) == [2, 5]


def test_the_next_proposal_button_goes_through_the_unreviewed_ones_then_says_done(
        app, client, demo_event, proposals):
    other = reviewer_client(app, demo_event, "other.reviewer@example.org")
    review(other, proposals[0], 3)
    reviewer = reviewer_client(app, demo_event, "busy@example.org")
    # The one with the fewest reviews first.
    first = reviewer.get(f"{ADMIN}/review/next")
    assert first.headers["Location"].endswith(f"/review/{proposals[1]}")
    review(reviewer, proposals[1], 4)
    second = reviewer.get(f"{ADMIN}/review/next")
    assert second.headers["Location"].endswith(f"/review/{proposals[0]}")
    review(reviewer, proposals[0], 1)
    done = reviewer.get(f"{ADMIN}/review/next", follow_redirects=True)
    assert "You have reviewed every proposal you can." in page_text(done)
    # Changing one's review keeps one review.
    assert review(reviewer, proposals[0], 2).status_code == 302
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "busy@example.org"))
        assert [r.score for r in db.session.scalars(
            select(Review).where(Review.user_id == user_id).order_by(Review.proposal_id))] \
            == [2, 4]


def test_a_score_off_the_scale_or_a_post_without_csrf_is_refused(app, client, demo_event,
                                                                  proposals):
    with app.app_context():
        change_call(demo_event, score_min=0, score_max=10)
    reviewer = reviewer_client(app, demo_event, "scale@example.org")
    page = page_text(reviewer.get(f"{ADMIN}/review/{proposals[0]}"))
    assert "0 1 2 3 4 5 6 7 8 9 10" in page
    assert review(reviewer, proposals[0], 11).status_code == 422
    assert review(reviewer, proposals[0], "x").status_code == 422
    assert reviewer.post(f"{ADMIN}/review/{proposals[0]}", data={"score": "5"}).status_code \
        == 400
    assert review(reviewer, proposals[0], 10).status_code == 302
    with app.app_context():
        assert [r.score for r in db.session.scalars(select(Review))] == [10]


def test_a_reviewer_limited_to_a_forum_reaches_no_other_forum_s_proposal(
        app, client, demo_event, proposals):
    reviewer = reviewer_client(app, demo_event, "ai.only@example.org", forums=(AI,))
    listing = page_text(reviewer.get(f"{ADMIN}/review"))
    assert "大模型推理" in listing and "RISC-V" not in listing
    assert reviewer.get(f"{ADMIN}/review/{proposals[0]}").status_code == 404
    assert review(reviewer, proposals[1], 3).status_code == 302
    assert reviewer.post(f"{ADMIN}/review/{proposals[0]}", data={
        "csrf_token": csrf_token(reviewer, f"{ADMIN}/review/{proposals[1]}"),
        "score": "5"}).status_code == 404
    done = reviewer.get(f"{ADMIN}/review/next", follow_redirects=True)
    assert "You have reviewed every proposal you can." in page_text(done)
    with app.app_context():
        assert db.session.scalar(select(Review.proposal_id)) == proposals[1]


def test_the_organizer_limits_a_reviewer_to_forums(app, client, demo_event, proposals):
    reviewer = reviewer_client(app, demo_event, "to.limit@example.org")
    organizer = app.test_client()
    sign_in(app, organizer)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "to.limit@example.org"))
        chip = forum_id_of(CHIP)
    page = f"{ADMIN}/reviewers"
    assert "to.limit@example.org" in page_text(organizer.get(page))
    saved = organizer.post(f"{page}?user={user_id}", data={
        "csrf_token": csrf_token(organizer, page), "forum_ids": [str(chip)]})
    assert saved.status_code == 302
    assert reviewer.get(f"{ADMIN}/review/{proposals[1]}").status_code == 404
    assert reviewer.get(f"{ADMIN}/review/{proposals[0]}").status_code == 200


def test_a_reviewer_reaches_neither_another_event_nor_the_organizers_pages(
        app, client, demo_event, proposals):
    with app.app_context():
        begin_write(db.session)  # the proposals' mails may be being marked sent
        other_id = load_edition("review-b")
        other_slug = db.session.get(Event, other_id).slug
        open_call(other_id)
    reviewer = reviewer_client(app, other_id, "elsewhere@example.org")
    # This event's review pages are not theirs; nor is this event's proposal through theirs.
    assert reviewer.get(f"{ADMIN}/review").status_code == 403
    assert reviewer.get(f"{ADMIN}/review/{proposals[0]}").status_code == 403
    assert reviewer.get(f"/admin/{other_slug}/review/{proposals[0]}").status_code == 404
    assert reviewer.get(f"/admin/{other_slug}/review").status_code == 200
    for page in ("cfp", "proposals", f"proposals/{proposals[0]}", "proposals/decisions",
                 "reviewers", "registrations", "sessions"):
        assert reviewer.get(f"/admin/{other_slug}/{page}").status_code == 403, page


def test_create_admin_makes_a_reviewer_at_an_event(app, demo_event, monkeypatch):
    monkeypatch.setenv("SUMMIT_ADMIN_PASSWORD", "a-long-reviewer-password")
    result = app.test_cli_runner().invoke(args=[
        "summit", "create-admin", "cli.reviewer@example.org", "--role", "reviewer",
        "--event", "embedded-china-2020"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        held = db.session.scalars(select(EventRole).join(User).where(
            User.email == "cli.reviewer@example.org")).one()
        assert (held.event_id, held.role) == (demo_event, Role.REVIEWER)


def test_a_reviewer_s_forums_go_with_their_role(app, demo_event):
    from summit.auth.roles import remove_event_role
    from summit.models import ReviewerForum

    with app.app_context():
        user_id = make_reviewer(demo_event, "leaving@example.org", (CHIP, AI))
        assert db.session.scalar(select(func.count()).select_from(ReviewerForum)) == 2
        remove_event_role(db.session, None, db.session.get(User, user_id),
                          db.session.get(Event, demo_event))
        assert db.session.scalar(select(func.count()).select_from(ReviewerForum)) == 0


# --- what a speaker gave on their own page -------------------------------------------------

# On the event's clock (Asia/Shanghai), on its first day: times nothing else on a page shows.
GIVEN_TIMES = "13:25–16:40"


def speaker_gives_photo_and_times(app, email: str) -> str:
    """The speaker, on their own page, uploads a photo and gives a time they can speak;
    the address of the photo for the organizers."""
    with app.app_context():
        link = f"/proposals/{token_of(email)}"
        speaker = db.session.scalars(select(ProposalSpeaker).where(ProposalSpeaker.email == email)
                                     ).one()
        photo = f"{ADMIN}/proposals/{speaker.proposal_id}/speakers/{speaker.id}/photo"
    own = app.test_client()
    image = io.BytesIO()
    Image.new("RGB", (300, 300), (30, 120, 200)).save(image, format="PNG")
    assert own.post(f"{link}/photo", data={
        "csrf_token": csrf_token(own, link), "photo": (io.BytesIO(image.getvalue()), "me.png",
                                                       "image/png"),
    }, content_type="multipart/form-data").status_code == 302
    assert post_form(own, f"{link}/availability", page=link, day="2020-11-25",
                     starts="13:25", ends="16:40").status_code == 302
    return photo


def test_the_organizers_see_the_speaker_s_photo_and_times_on_the_event_s_clock(
        app, client, demo_event, proposals):
    photo = speaker_gives_photo_and_times(app, SPEAKER["email"])
    organizer = app.test_client()
    sign_in(app, organizer)
    page = organizer.get(f"{ADMIN}/proposals/{proposals[0]}")
    assert f'src="{photo}"' in page.get_data(as_text=True)
    text = page_text(page)
    assert GIVEN_TIMES in text and "Asia/Shanghai" in text
    # The co-speaker gave none.
    assert "no times given: free throughout the event." in text
    shown = organizer.get(photo)
    assert (shown.status_code, shown.mimetype) == (200, "image/png")
    assert shown.headers["Cache-Control"] == "private, no-store"
    # A photo is reached through its own proposal only.
    assert organizer.get(photo.replace(f"/proposals/{proposals[0]}/",
                                       f"/proposals/{proposals[1]}/")).status_code == 404


def test_an_anonymised_reviewer_never_sees_the_speaker_s_photo_or_times(
        app, client, demo_event, proposals):
    photo = speaker_gives_photo_and_times(app, SPEAKER["email"])
    reviewer = reviewer_client(app, demo_event, "anon.reviewer@example.org")
    for path, html in reachable_pages(reviewer, "/admin/").items():
        assert "/photo" not in html and GIVEN_TIMES not in html, path
    assert reviewer.get(photo).status_code == 404
    assert reviewer.get(f"{ADMIN}/proposals/{proposals[0]}").status_code == 403
    # Once the call is not anonymised, a reviewer of the proposal's forum may see it.
    with app.app_context():
        change_call(demo_event, anonymised=False)
    assert reviewer.get(photo).status_code == 200
    elsewhere = reviewer_client(app, demo_event, "ai.reviewer@example.org", forums=(AI,))
    assert elsewhere.get(photo).status_code == 404


def test_another_event_s_organizer_reaches_neither_the_photo_nor_the_times(
        app, client, demo_event, proposals):
    photo = speaker_gives_photo_and_times(app, SPEAKER["email"])
    with app.app_context():
        begin_write(db.session)  # the proposals' mails may be being marked sent
        other_id = load_edition("photos-b")
        other_slug = db.session.get(Event, other_id).slug
        open_call(other_id)
    organizer = app.test_client()
    sign_in(app, organizer, events=[other_id])
    assert organizer.get(photo).status_code == 403
    assert organizer.get(f"{ADMIN}/proposals/{proposals[0]}").status_code == 403
    assert organizer.get(photo.replace(ADMIN, f"/admin/{other_slug}")).status_code == 404
    assert organizer.get(f"/admin/{other_slug}/proposals/{proposals[0]}").status_code == 404
