"""A speaker's own page (``/proposals/<token>``): their details in Chinese and English and
their photo, before and after acceptance (then on the programme's speaker, audited);
the times they can speak, and the programme editor's warning of a session placed
outside them; slides and links added to their session once accepted, with the
organizers' checks. Hostile input, other people's links, CSRF and private headers."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import select

from summit.database import begin_write
from summit.extensions import db
from summit.models import (
    AuditEntry,
    ProgrammeSession,
    ProposalSpeaker,
    SessionMaterial,
    Speaker,
    SpeakerAvailability,
)

from .helpers.admin_pages import ADMIN
from .helpers.pages import DEMO, csrf_token, page_text, post_form
from .helpers.pdfs import pdf_running_javascript, plain_pdf
from .helpers.programme import session_fields
from .helpers.proposals import CFP, accept, open_call, proposal_of, submit_proposal, token_of

SUBMITTER = "wang.fang@nju.example.cn"
CO_SPEAKER = "li.lei@seu.example.cn"
SCRIPT = '<script>alert(1)</script><img src=x onerror="alert(2)">'
# The demo runs 25–27 November 2020 in Asia/Shanghai (UTC+8).
FIRST_DAY = "2020-11-25"


@pytest.fixture(autouse=True)
def reading_english(client):
    client.set_cookie("lang", "en")


@pytest.fixture
def proposed(app, client, demo_event) -> str:
    """王芳's proposal with 李雷 as co-speaker, at the demo's open call; her page."""
    with app.app_context():
        open_call(demo_event)
    return submit_proposal(app, client, co_speakers=CO_SPEAKER).headers["Location"]


@pytest.fixture
def accepted(app, proposed, demo_event) -> str:
    """The same proposal, accepted: an unscheduled session with 王芳 as its speaker."""
    with app.app_context():
        accept(demo_event, proposal_of(SUBMITTER).id)
    return proposed


def own_speaker(email: str = SUBMITTER) -> ProposalSpeaker:
    db.session.expire_all()
    return db.session.scalars(select(ProposalSpeaker).where(ProposalSpeaker.email == email)
                              .order_by(ProposalSpeaker.id.desc())).first()


def save_details(client, link: str, **changes):
    fields = {"name": "王芳", "affiliation_zh": "南京大学",
              "affiliation_en": "Nanjing University", "bio_zh": "王芳，南京大学副教授。",
              "bio_en": "Wang Fang teaches at Nanjing University."}
    return post_form(client, f"{link}/details", page=link, **{**fields, **changes})


def image_bytes(image_format: str = "JPEG", size=(1200, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format=image_format)
    return out.getvalue()


def send_file(client, link: str, action: str, field: str, data: bytes, filename: str,
              content_type: str = "application/octet-stream", **fields):
    return client.post(f"{link}/{action}", data={
        "csrf_token": csrf_token(client, link), **fields,
        field: (io.BytesIO(data), filename, content_type)}, content_type="multipart/form-data")


def upload_slides(client, link: str, data: bytes, filename: str = "slides.pdf", title: str = ""):
    return send_file(client, link, "slides", "slides-file", data, filename, "application/pdf",
                     **{"slides-csrf_token": csrf_token(client, link), "slides-title": title})


def add_link(client, link: str, url: str, kind: str = "video", title: str = ""):
    return client.post(f"{link}/links", data={
        "link-csrf_token": csrf_token(client, link), "link-kind": kind, "link-title": title,
        "link-url": url})


def add_time(client, link: str, day: str = FIRST_DAY, starts: str = "09:00",
             ends: str = "12:00"):
    return post_form(client, f"{link}/availability", page=link, day=day, starts=starts,
                     ends=ends)


def the_session() -> ProgrammeSession:
    db.session.expire_all()
    return db.session.get(ProgrammeSession, proposal_of(SUBMITTER).session_id)


def place(client, app, starts_at: str, ends_at: str):
    """The organizer places the accepted session (Nanjing time)."""
    with app.app_context():
        fields = session_fields(the_session(), starts_at=starts_at, ends_at=ends_at)
        session_id = the_session().id
    return post_form(client, f"{ADMIN}/sessions/{session_id}/edit", **fields)


# --- details and photo ----------------------------------------------------------------------


def test_before_acceptance_details_in_both_languages_stay_with_the_proposal(
        app, client, proposed):
    page = client.get(proposed)
    assert 'name="affiliation_en"' in page.get_data(as_text=True)
    assert save_details(client, proposed).status_code == 302
    with app.app_context():
        speaker = own_speaker()
        assert (speaker.affiliation_zh, speaker.affiliation_en) == (
            "南京大学", "Nanjing University")
        assert speaker.bio_en == "Wang Fang teaches at Nanjing University."
        assert speaker.speaker is None
    missing = save_details(client, proposed, affiliation_zh="", affiliation_en="")
    assert missing.status_code == 422
    assert "Give your affiliation in Chinese, in English, or both." in page_text(missing)


def test_the_call_s_form_files_what_was_typed_under_its_language(app, client, demo_event):
    with app.app_context():
        open_call(demo_event)
    submit_proposal(app, client, affiliation="Nanjing University", bio="王芳，副教授。")
    with app.app_context():
        speaker = own_speaker()
        assert (speaker.affiliation_zh, speaker.affiliation_en) == ("", "Nanjing University")
        assert (speaker.bio_zh, speaker.bio_en) == ("王芳，副教授。", "")


def test_after_acceptance_details_go_to_the_programme_s_speaker_audited(
        app, client, accepted, organizer):
    assert place(client, app, "2020-11-26T17:30", "2020-11-26T17:50").status_code == 302
    assert save_details(client, accepted, bio_en="Now also a reviewer.").status_code == 302
    with app.app_context():
        programme_speaker = own_speaker().speaker
        assert programme_speaker.bio_en == "Now also a reviewer."
        assert programme_speaker.affiliation_en == "Nanjing University"
        speaker_id = programme_speaker.id
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "speaker", AuditEntry.object_id == str(speaker_id))
            .order_by(AuditEntry.id.desc())).first()
        assert entry.actor == f"attendee <{SUBMITTER}>"
        assert entry.after["bio_en"] == "Now also a reviewer."
    public = client.get(f"{DEMO}/speakers/{speaker_id}?lang=en")
    assert "Now also a reviewer." in page_text(public)


def test_html_in_details_is_shown_as_text(app, client, accepted, organizer):
    assert place(client, app, "2020-11-26T17:30", "2020-11-26T17:50").status_code == 302
    assert save_details(client, accepted, bio_zh=f"简介{SCRIPT}",
                        affiliation_en=f"Lab {SCRIPT}").status_code == 302
    with app.app_context():
        speaker_id = own_speaker().speaker_id
    for page in (client.get(accepted), client.get(f"{DEMO}/speakers/{speaker_id}?lang=zh"),
                 client.get(f"{DEMO}/speakers/{speaker_id}?lang=en")):
        html = page.get_data(as_text=True)
        assert "<script>alert(1)" not in html and 'onerror="alert' not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_photo_is_checked_by_content_and_follows_the_speaker_to_the_programme(
        app, client, proposed, demo_event):
    saved = send_file(client, proposed, "photo", "photo", image_bytes(), "me.png", "image/png")
    assert saved.status_code == 302
    own = client.get(f"{proposed}/photo")
    assert own.status_code == 200 and own.mimetype == "image/jpeg"
    assert own.headers["Cache-Control"] == "private, no-store"
    assert max(Image.open(io.BytesIO(own.data)).size) == 800  # encoded again, shrunk
    with app.app_context():
        accept(demo_event, proposal_of(SUBMITTER).id)
        assert own_speaker().speaker.photo_type == "image/jpeg"
    removed = post_form(client, f"{proposed}/photo/remove", page=proposed)
    assert removed.status_code == 302
    with app.app_context():
        assert not own_speaker().speaker.has_photo
    assert client.get(f"{proposed}/photo").status_code == 404


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "me.jpg",
     "This is not a PNG, JPEG or WebP image."),
    (plain_pdf(), "me.png", "This is not a PNG, JPEG or WebP image."),
    (image_bytes("PNG", size=(40, 40)) + b"\0" * (2 * 1024 * 1024), "big.png",
     "The photo is larger than 2 MB."),
])
def test_anything_but_a_small_real_image_is_refused_as_a_photo(
        app, client, proposed, data, filename, message):
    refused = send_file(client, proposed, "photo", "photo", data, filename, "image/jpeg")
    assert refused.status_code == 422
    assert message in page_text(refused)
    with app.app_context():
        assert not own_speaker().has_photo


# --- availability -------------------------------------------------------------------------------


def test_times_are_kept_on_the_event_s_clock_and_removed_by_their_speaker_only(
        app, client, proposed):
    assert add_time(client, proposed).status_code == 302
    page = client.get(proposed)
    assert "09:00" in page_text(page) and "12:00" in page_text(page)
    with app.app_context():
        (available,) = own_speaker().availability
        assert available.starts_at == datetime(2020, 11, 25, 1, 0, tzinfo=UTC)  # Nanjing
        assert available.ends_at == datetime(2020, 11, 25, 4, 0, tzinfo=UTC)
        availability_id = available.id
        co_link = f"/proposals/{token_of(CO_SPEAKER)}"
    # Another speaker's link cannot remove it.
    assert post_form(client, f"{co_link}/availability/{availability_id}/delete",
                     page=co_link).status_code == 404
    assert post_form(client, f"{proposed}/availability/{availability_id}/delete",
                     page=proposed).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(SpeakerAvailability)) is None


@pytest.mark.parametrize(("day", "starts", "ends", "message"), [
    ("2020-11-28", "09:00", "12:00", "Not a valid choice"),
    ("2020-11-24", "09:00", "12:00", "Not a valid choice"),
    (FIRST_DAY, "12:00", "09:00", "The end must be after the start."),
    (FIRST_DAY, "9 o'clock", "12:00", "Not a valid time value"),
])
def test_a_time_outside_the_event_or_backwards_is_refused(
        app, client, proposed, day, starts, ends, message):
    refused = add_time(client, proposed, day, starts, ends)
    assert refused.status_code == 422
    assert message in page_text(refused)
    with app.app_context():
        assert own_speaker().availability == []


def test_the_programme_editor_warns_of_a_session_outside_its_speakers_times(
        app, client, accepted, organizer):
    speaker = app.test_client()
    speaker.set_cookie("lang", "en")
    assert add_time(speaker, accepted, "2020-11-26", "17:00", "19:00").status_code == 302
    waiting = page_text(client.get(f"{ADMIN}/sessions"))
    assert "王芳 can speak: " in waiting and "17:00–19:00" in waiting

    outside = place(client, app, "2020-11-26T10:00", "2020-11-26T10:20")
    assert outside.status_code == 302  # a warning, not a refusal
    listing = client.get(f"{ADMIN}/sessions")
    text = page_text(listing)
    assert "is outside the times 王芳 can speak" in text  # the flash after saving
    assert "Outside the times 王芳 can speak" in text  # the list's own mark
    inside = place(client, app, "2020-11-26T17:30", "2020-11-26T17:50")
    assert inside.status_code == 302
    text = page_text(client.get(f"{ADMIN}/sessions"))
    assert "Outside the times 王芳 can speak" not in text
    assert "can speak:" not in text  # placed: no longer to place


def test_a_speaker_who_gave_no_times_raises_no_warning(app, client, accepted, organizer):
    assert place(client, app, "2020-11-26T10:00", "2020-11-26T10:20").status_code == 302
    assert "can speak" not in page_text(client.get(f"{ADMIN}/sessions"))


# --- materials ---------------------------------------------------------------------------------


def test_before_acceptance_there_is_nothing_to_add_materials_to(app, client, proposed):
    assert 'action="' + proposed + '/slides"' not in client.get(proposed).get_data(as_text=True)
    refused = upload_slides(client, proposed, plain_pdf())
    assert refused.status_code == 403
    assert "once the proposal is accepted" in page_text(refused)
    refused = add_link(client, proposed, "https://video.example.cn/talk")
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(SessionMaterial)) is None


def test_the_speaker_s_slides_and_links_show_on_the_session_page_and_in_the_schedule(
        app, client, accepted, organizer):
    assert place(client, app, "2020-11-26T17:30", "2020-11-26T17:50").status_code == 302
    uploaded = upload_slides(client, accepted, plain_pdf(), "/home/王芳/../报告 终稿.pdf",
                             title="报告幻灯片")
    assert uploaded.status_code == 302
    assert add_link(client, accepted, "https://video.example.cn/rtos", "recording",
                    "Recording").status_code == 302
    with app.app_context():
        slides, recording = db.session.scalars(
            select(SessionMaterial).order_by(SessionMaterial.id)).all()
        assert slides.uploaded_by == f"speaker <{SUBMITTER}>"
        assert slides.filename == "报告_终稿.pdf"
        session_id = slides.session_id
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "material")).first()
        assert entry.actor == f"speaker <{SUBMITTER}>"
    session_page = client.get(f"{DEMO}/sessions/{session_id}?lang=zh")
    assert "报告幻灯片" in page_text(session_page)
    assert "https://video.example.cn/rtos" in session_page.get_data(as_text=True)
    download = client.get(f"{DEMO}/sessions/{session_id}/materials/{slides.id}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    schedule = client.get(f"{DEMO}/schedule.json").get_json()
    talk = next(talk for day in schedule["schedule"]["conference"]["days"]
                for room in day["rooms"].values() for talk in room if talk["id"] == session_id)
    assert [a["title"] for a in talk["attachments"]] == ["报告幻灯片"]
    assert [link["url"] for link in talk["links"]] == ["https://video.example.cn/rtos"]


@pytest.mark.parametrize(("data", "filename", "message"), [
    (pdf_running_javascript(), "slides.pdf", "contains scripts"),
    (image_bytes("PNG", size=(40, 40)), "slides.pdf", "This is not a PDF file."),
    (b"<html><script>alert(1)</script></html>", "slides.pdf", "This is not a PDF file."),
    (plain_pdf(size=20_000), "big.pdf", "The file is larger than"),
])
def test_hostile_or_oversize_slides_are_refused_with_a_message(
        app, client, accepted, data, filename, message):
    app.config["MATERIAL_MAX_BYTES"] = 10_000
    refused = upload_slides(client, accepted, data, filename)
    assert refused.status_code == 422
    assert message in page_text(refused)
    assert refused.headers["Cache-Control"] == "private, no-store"
    with app.app_context():
        assert db.session.scalar(select(SessionMaterial)) is None


def test_slides_far_over_the_limit_are_answered_not_crashed(app, client, accepted):
    app.config["MATERIAL_MAX_BYTES"] = 10_000
    refused = upload_slides(client, accepted, plain_pdf(size=200_000))
    assert refused.status_code == 413
    assert "too large" in page_text(refused)


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,<script>",
    "ftp://files.example.cn/talk.mp4", "//video.example.cn/talk", "https://exa mple.cn/",
])
def test_links_other_than_http_or_https_are_refused(app, client, accepted, url):
    refused = add_link(client, accepted, url)
    assert refused.status_code == 422
    assert "Give an address that starts with https:// or http://." in page_text(refused)
    with app.app_context():
        assert db.session.scalar(select(SessionMaterial)) is None


def test_a_speaker_removes_their_own_materials_only(app, client, accepted, organizer):
    assert place(client, app, "2020-11-26T17:30", "2020-11-26T17:50").status_code == 302
    assert upload_slides(client, accepted, plain_pdf()).status_code == 302
    with app.app_context():
        session_id = the_session().id
    admin_page = f"{ADMIN}/sessions/{session_id}/materials"
    assert client.post(f"{admin_page}/link", data={
        "csrf_token": csrf_token(client, admin_page), "kind": "video", "title": "",
        "url": "https://video.example.cn/organizers"}).status_code == 302
    with app.app_context():
        own, organizers = db.session.scalars(
            select(SessionMaterial).order_by(SessionMaterial.id)).all()
        co_link = f"/proposals/{token_of(CO_SPEAKER)}"
    page = client.get(accepted).get_data(as_text=True)
    assert f"/materials/{own.id}/delete" in page
    assert f"/materials/{organizers.id}/delete" not in page
    # Not the organizers' link, and not through the co-speaker's link.
    assert post_form(client, f"{accepted}/materials/{organizers.id}/delete",
                     page=accepted).status_code == 404
    assert post_form(client, f"{co_link}/materials/{own.id}/delete",
                     page=co_link).status_code == 404
    assert post_form(client, f"{accepted}/materials/{own.id}/delete",
                     page=accepted).status_code == 302
    with app.app_context():
        assert [m.id for m in db.session.scalars(select(SessionMaterial))] == [organizers.id]


@pytest.mark.parametrize("state", ["rejected", "withdrawn"])
def test_a_rejected_or_withdrawn_proposal_takes_no_materials_or_changes(
        app, client, proposed, demo_event, state):
    with app.app_context():
        proposal_id = proposal_of(SUBMITTER).id
        if state == "rejected":
            accept(demo_event, reject=(proposal_id,))
    if state == "withdrawn":
        assert post_form(client, f"{proposed}/withdraw", page=proposed).status_code == 302
    page = client.get(proposed).get_data(as_text=True)
    assert f'action="{proposed}/details"' not in page
    # Posted anyway, with a valid token from another page.
    token = csrf_token(client, CFP)
    slides = client.post(f"{proposed}/slides", data={
        "slides-csrf_token": token, "slides-file": (io.BytesIO(plain_pdf()), "s.pdf")},
        content_type="multipart/form-data")
    assert slides.status_code == 403
    assert "once the proposal is accepted" in page_text(slides)
    assert client.post(f"{proposed}/links", data={
        "link-csrf_token": token, "link-kind": "video",
        "link-url": "https://video.example.cn/x"}).status_code == 403
    details = client.post(f"{proposed}/details", data={
        "csrf_token": token, "name": "王芳", "affiliation_zh": "南京大学", "bio_en": "Changed"})
    assert details.status_code == 403
    assert "can no longer be changed" in page_text(details)
    assert client.post(f"{proposed}/availability", data={
        "csrf_token": token, "day": FIRST_DAY, "starts": "09:00",
        "ends": "10:00"}).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(SessionMaterial)) is None
        assert own_speaker().availability == []
        assert own_speaker().bio_en == ""


# --- the link itself -------------------------------------------------------------------------


def test_without_the_csrf_token_nothing_changes(app, client, accepted):
    posts = {
        "details": {"name": "X", "affiliation_zh": "Y"},
        "availability": {"day": FIRST_DAY, "starts": "09:00", "ends": "10:00"},
        "links": {"link-kind": "video", "link-url": "https://video.example.cn/x"},
    }
    for action, data in posts.items():
        assert client.post(f"{accepted}/{action}", data=data).status_code in (400, 422), action
    assert client.post(f"{accepted}/slides", data={
        "slides-file": (io.BytesIO(plain_pdf()), "s.pdf")},
        content_type="multipart/form-data").status_code in (400, 422)
    assert client.post(f"{accepted}/photo/remove", data={}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(SessionMaterial)) is None
        assert own_speaker().availability == []
        assert own_speaker().name == "王芳"


def test_a_wrong_token_is_404_and_every_answer_is_private(app, client, accepted):
    for path in ("/proposals/" + "A" * 43, "/proposals/" + "A" * 43 + "/photo"):
        assert client.get(path).status_code == 404
    assert client.post("/proposals/" + "A" * 43 + "/slides").status_code in (400, 404)
    for answer in (client.get(accepted), add_link(client, accepted, "javascript:x"),
                   add_link(client, accepted, "https://video.example.cn/ok")):
        assert answer.headers["Cache-Control"] == "private, no-store"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert client.get(accepted).headers["X-Robots-Tag"] == "noindex"


def test_a_programme_speaker_s_other_language_name_stays_when_the_speaker_saves(
        app, client, accepted):
    with app.app_context():
        begin_write(db.session)  # the mails of earlier requests may be being marked sent
        programme_speaker = own_speaker().speaker
        programme_speaker.name_en = "Wang Fang"
        db.session.commit()
    assert save_details(client, accepted).status_code == 302
    with app.app_context():
        assert db.session.get(Speaker, own_speaker().speaker_id).name_en == "Wang Fang"
