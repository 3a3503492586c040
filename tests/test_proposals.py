"""The call for speakers: the public call and form, a speaker's private link, co-speakers,
withdrawal, the organizers' settings, decisions released at once, accepted proposals
as unscheduled sessions placed in the programme, and hostile input."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from summit.database import begin_write
from summit.extensions import db
from summit.models import (
    AuditEntry,
    Event,
    MailMessage,
    ProgrammeSession,
    Proposal,
    ProposalCall,
    ProposalState,
    Review,
    utcnow,
)
from summit.proposals import decisions

from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN
from .helpers.mail import wait_for
from .helpers.pages import DEMO, csrf_token, page_text, post_form, table_rows
from .helpers.programme import local, session_fields
from .helpers.proposals import (
    AI,
    CFP,
    CHIP,
    change_call,
    forum_id_of,
    mails_to,
    make_reviewer,
    open_call,
    proposal_fields,
    proposal_of,
    submit_proposal,
    token_of,
)
from .helpers.registrations import outbox_mails

SUBMITTER = "wang.fang@nju.example.cn"
TITLE = "面向RISC-V的嵌入式实时操作系统"


@pytest.fixture(autouse=True)
def reading_english(client):
    """The messages the tests look for are the English ones (the demo's pages are in
    Chinese by default)."""
    client.set_cookie("lang", "en")


@pytest.fixture
def call_open(app, demo_event):
    with app.app_context():
        open_call(demo_event)
    return demo_event


def set_call(app, event_id: int, **values) -> None:
    with app.app_context():
        change_call(event_id, **values)


def test_the_call_shows_its_guidelines_and_a_submission_mails_a_private_link(
        app, client, call_open):
    set_call(app, call_open, guidelines_zh="请提交原创报告。", guidelines_en="Original talks only.")
    page = client.get(f"{CFP}?lang=zh")
    assert page.status_code == 200
    assert "请提交原创报告。" in page_text(page)
    client.set_cookie("lang", "en")

    response = submit_proposal(app, client)
    assert response.status_code == 302
    link = response.headers["Location"]
    assert link.startswith("/proposals/")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"

    own = client.get(link)
    assert own.status_code == 200
    assert own.headers["Cache-Control"] == "private, no-store"
    assert own.headers["X-Robots-Tag"] == "noindex"
    assert "面向RISC-V的嵌入式实时操作系统" in page_text(own)
    assert "Submitted" in page_text(own)
    with app.app_context():
        token = token_of(SUBMITTER)
    assert len(token) >= 43  # 256 bits, URL-safe
    assert link == f"/proposals/{token}"
    assert wait_for(lambda: outbox_mails(app))
    (mail,) = outbox_mails(app)
    assert mail["To"].addresses[0].addr_spec == SUBMITTER
    assert link in mail.get_body(("plain",)).get_content()


def test_a_token_that_is_not_a_proposal_s_is_404(client, call_open):
    assert client.get("/proposals/" + "A" * 43).status_code == 404
    assert client.get("/proposals/short").status_code == 404


def test_a_title_and_an_abstract_in_one_language_are_enough_but_one_is_needed(
        app, client, call_open):
    assert submit_proposal(app, client, title_zh="", abstract_zh="").status_code == 302
    refused = submit_proposal(app, client, email="b@example.org", title_zh="", title_en="",
                              abstract_zh="", abstract_en="")
    assert refused.status_code == 422
    text = page_text(refused)
    assert "Give a title in Chinese, in English, or both." in text
    assert "Give an abstract in Chinese, in English, or both." in text


def test_a_forum_kind_or_duration_the_call_does_not_offer_is_refused(app, client, call_open):
    with app.app_context():
        main = forum_id_of("main")
    for wrong in ({"forum_id": str(main)}, {"kind": "ceremony"}, {"duration_minutes": "90"}):
        assert submit_proposal(app, client, **wrong).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Proposal.id)) is None


@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_closed_call_refuses_politely(app, client, call_open, moment):
    token = csrf_token(client, CFP)  # a form opened while the call was open
    if moment == "before":
        set_call(app, call_open, opens_at=utcnow() + timedelta(days=2))
    else:
        set_call(app, call_open, closes_at=utcnow() - timedelta(minutes=1))
    said = "opens on" if moment == "before" else "closed on"
    page = client.get(CFP)
    assert page.status_code == 200
    assert said in page_text(page)
    assert 'name="title_zh"' not in page.get_data(as_text=True)
    with app.app_context():
        fields = proposal_fields(forum_id_of(CHIP))
    refused = client.post(CFP, data={"csrf_token": token, **fields})
    assert refused.status_code == 403
    assert said in page_text(refused)
    with app.app_context():
        assert db.session.scalar(select(Proposal.id)) is None


def test_an_event_without_a_call_says_so(client, demo_event):
    page = client.get(CFP)
    assert page.status_code == 200
    assert "no call for proposals" in page_text(page)


def test_each_co_speaker_gets_their_own_link_and_fills_in_their_details(app, client, call_open):
    submit_proposal(app, client, co_speakers="li.lei@seu.example.cn\nZhao.Min@example.org")
    with app.app_context():
        proposal = proposal_of(SUBMITTER)
        assert [s.email for s in proposal.speakers] == [
            SUBMITTER, "li.lei@seu.example.cn", "zhao.min@example.org"]
        tokens = {s.email: s.token for s in proposal.speakers}
    assert len(set(tokens.values())) == 3
    assert wait_for(lambda: len(outbox_mails(app)) == 3)
    co_mail = next(m for m in outbox_mails(app)
                   if m["To"].addresses[0].addr_spec == "li.lei@seu.example.cn")
    text = co_mail.get_body(("plain",)).get_content()
    assert f"/proposals/{tokens['li.lei@seu.example.cn']}" in text
    assert "王芳" in text

    co_page = f"/proposals/{tokens['li.lei@seu.example.cn']}"
    page = client.get(co_page)
    assert page.status_code == 200
    # A co-speaker cannot change the proposal itself, only their own details.
    assert 'name="title_zh"' not in page.get_data(as_text=True)
    saved = post_form(client, f"{co_page}/details", page=co_page, name="李雷",
                      affiliation_zh="东南大学", bio_zh="")
    assert saved.status_code == 302
    with app.app_context():
        fields = proposal_fields(forum_id_of(CHIP), title_zh="改了")
    del fields["email"]
    refused = post_form(client, f"{co_page}/edit", page=co_page, **fields)
    assert refused.status_code == 422
    assert "Only the submitter can change the proposal." in page_text(refused)
    with app.app_context():
        proposal = proposal_of(SUBMITTER)
        assert proposal.speakers[1].name == "李雷"
        assert proposal.title_zh == "面向RISC-V的嵌入式实时操作系统"


def test_the_submitter_edits_until_the_deadline_then_no_more(app, client, call_open):
    link = submit_proposal(app, client).headers["Location"]
    with app.app_context():
        fields = proposal_fields(forum_id_of(CHIP))
    del fields["email"]
    changed = post_form(client, f"{link}/edit", page=link, **{
        **fields, "title_en": "A better title", "co_speakers": "new.one@example.org"})
    assert changed.status_code == 302
    with app.app_context():
        proposal = proposal_of(SUBMITTER)
        assert proposal.title_en == "A better title"
        assert [s.email for s in proposal.speakers][1:] == ["new.one@example.org"]
        assert len(mails_to("new.one@example.org")) == 1
    token = csrf_token(client, link)
    set_call(app, call_open, closes_at=utcnow() - timedelta(seconds=1))
    page = client.get(link)
    assert 'name="title_zh"' not in page.get_data(as_text=True)
    own_details = post_form(client, f"{link}/details", page=link, name="王芳",
                            affiliation_zh="南京大学")
    assert own_details.status_code == 302  # one's own details stay open
    refused = client.post(f"{link}/edit", data={"csrf_token": token, **fields,
                                                "title_en": "After the deadline"})
    assert refused.status_code == 422
    assert "can no longer be changed" in page_text(refused)
    with app.app_context():
        assert proposal_of(SUBMITTER).title_en == "A better title"


def test_a_speaker_withdraws_their_proposal(app, client, call_open):
    link = submit_proposal(app, client).headers["Location"]
    assert client.post(f"{link}/withdraw", data={}).status_code == 400  # no CSRF token
    withdrawn = post_form(client, f"{link}/withdraw", page=link)
    assert withdrawn.status_code == 302
    page = client.get(link)
    assert "Withdrawn" in page_text(page)
    assert f'action="{link}/withdraw"' not in page.get_data(as_text=True)
    with app.app_context():
        assert proposal_of(SUBMITTER).state is ProposalState.WITHDRAWN


def test_the_organizer_sets_up_the_call_in_the_event_s_time_zone(app, client, demo_event):
    sign_in(app, client)
    with app.app_context():
        chip, ai = forum_id_of(CHIP), forum_id_of(AI)
    page = f"{ADMIN}/cfp"
    saved = post_form(client, page, opens_at="2020-09-01T09:00", closes_at="2020-10-15T18:00",
                      forum_ids=[str(chip), str(ai)], session_kinds=["talk", "panel"],
                      durations="30, 15", guidelines_zh="欢迎投稿", guidelines_en="Welcome",
                      anonymised="y", score_min="0", score_max="10",
                      accept_subject_zh="录用：{title}", accept_subject_en="Accepted: {title}",
                      accept_body_zh="{name}您好", accept_body_en="Dear {name}",
                      reject_subject_zh="未录用", reject_subject_en="Not accepted",
                      reject_body_zh="抱歉", reject_body_en="Sorry")
    assert saved.status_code == 302, page_text(saved)
    with app.app_context():
        call = db.session.get(ProposalCall, demo_event)
        assert call.closes_at.isoformat() == "2020-10-15T10:00:00+00:00"  # Asia/Shanghai
        assert call.durations == [15, 30]
        assert call.session_kinds == ["talk", "panel"]
        assert (call.score_min, call.score_max, call.anonymised) == (0, 10, True)
        assert sorted(f.slug for f in call.forums) == sorted([CHIP, AI])
    refused = post_form(client, page, durations="twenty", score_min="5", score_max="3",
                        forum_ids=[str(chip)], session_kinds=["talk"])
    assert refused.status_code == 422
    assert "The highest score must be above the lowest." in page_text(refused)


def test_an_organizer_of_another_event_gets_403(
        app, client, demo_event):
    with app.app_context():
        other = Event(slug="other-2021", name_en="Other", starts_on=utcnow().date(),
                      ends_on=utcnow().date(), timezone="UTC")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    sign_in(app, client, events=[other_id])
    for page in ("cfp", "proposals", "proposals/decisions", "reviewers", "review"):
        assert client.get(f"{ADMIN}/{page}").status_code == 403, page
    client.get("/admin/logout")


def test_settings_and_decisions_need_csrf(app, client, call_open):
    sign_in(app, client)
    submit_proposal(app, client)
    with app.app_context():
        proposal_id = proposal_of(SUBMITTER).id
    assert client.post(f"{ADMIN}/cfp", data={"durations": "20"}).status_code == 400
    assert client.post(f"{ADMIN}/proposals/{proposal_id}",
                       data={"decision": "accept"}).status_code == 400
    assert client.post(f"{ADMIN}/proposals/decisions", data={"expected": "0"}).status_code \
        == 400
    with app.app_context():
        assert proposal_of(SUBMITTER).pending_decision is None
        assert db.session.get(ProposalCall, call_open).durations == [20, 40]


# --- decisions, released at once ------------------------------------------------------


def decide(client, proposal_id: int, decision: str):
    page = f"{ADMIN}/proposals/{proposal_id}"
    return post_form(client, page, decision=decision)


def release(client, expected: int):
    page = f"{ADMIN}/proposals/decisions"
    return post_form(client, page, expected=str(expected))


def test_decisions_wait_until_released_then_mail_and_an_accepted_proposal_is_placed(
        app, client, call_open):
    speakers = app.test_client()
    speakers.set_cookie("lang", "zh")  # the speakers write in Chinese: so do their mails
    accepted_link = submit_proposal(app, speakers, co_speakers="li.lei@seu.example.cn").headers[
        "Location"]
    submit_proposal(app, speakers, email="zhou.jie@example.org", name="周杰",
                    title_zh="被拒的报告", title_en="A rejected talk")
    with app.app_context():
        accepted = proposal_of(SUBMITTER).id
        rejected = proposal_of("zhou.jie@example.org").id
        mails_before = db.session.scalar(select(func.count(MailMessage.id)))
    sign_in(app, client)
    assert decide(client, accepted, "accept").status_code == 302
    assert decide(client, rejected, "reject").status_code == 302
    listing = client.get(f"{ADMIN}/proposals")
    assert "Send decisions (2)" in page_text(listing)
    with app.app_context():
        # Nobody has been told anything yet.
        assert db.session.scalar(select(func.count(MailMessage.id))) == mails_before
        assert proposal_of(SUBMITTER).state is ProposalState.SUBMITTED
    assert "Submitted" in page_text(client.get(accepted_link))

    confirm_page = client.get(f"{ADMIN}/proposals/decisions")
    assert "1 proposal accepted" in page_text(confirm_page)
    assert "Send 2 decisions" in page_text(confirm_page)
    stale = release(client, 1)  # the page said 1, but 2 are waiting now
    assert stale.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(MailMessage.id))) == mails_before
    released = release(client, 2)
    assert released.status_code == 302
    assert wait_for(lambda: len(outbox_mails(app)) >= 6)
    decision_mails = {m["To"].addresses[0].addr_spec: m for m in outbox_mails(app)
                      if "录用" in str(m["Subject"]) or "投稿" in str(m["Subject"])}
    accept_mail = decision_mails[SUBMITTER]
    assert str(accept_mail["Subject"]) == "您的报告已被录用：面向RISC-V的嵌入式实时操作系统"
    body = accept_mail.get_body(("plain",)).get_content()
    assert "王芳，您好" in body and accepted_link in body
    assert "li.lei@seu.example.cn" in decision_mails
    reject_body = decision_mails["zhou.jie@example.org"].get_body(("plain",)).get_content()
    assert "被拒的报告" in reject_body and "未能入选" in reject_body

    with app.app_context():
        proposal = proposal_of(SUBMITTER)
        assert proposal.state is ProposalState.ACCEPTED
        item = proposal.session
        assert item is not None and item.starts_at is None
        assert [link.speaker.name_zh for link in item.speaker_links] == ["王芳"]
        session_id = item.id
        assert proposal_of("zhou.jie@example.org").state is ProposalState.REJECTED
    assert "被拒的报告" not in page_text(client.get(f"{ADMIN}/sessions"))
    programme = client.get(f"{ADMIN}/sessions")
    assert "To place" in page_text(programme)
    assert "面向RISC-V的嵌入式实时操作系统" in page_text(programme)
    # Not on any public page or feed until placed.
    assert client.get(f"{DEMO}/sessions/{session_id}").status_code == 404
    for public in ("agenda", "speakers", "schedule.json", "calendar.ics"):
        assert TITLE not in client.get(f"{DEMO}/{public}?lang=zh").get_data(as_text=True), public
    assert "王芳" not in page_text(client.get(f"{DEMO}/speakers"))
    client.set_cookie("lang", "en")  # ?lang=zh chose Chinese for the next pages

    # The co-speaker's details make them a speaker of the session too.
    with app.app_context():
        co_token = token_of("li.lei@seu.example.cn")
    co_page = f"/proposals/{co_token}"
    post_form(client, f"{co_page}/details", page=co_page, name="李雷", affiliation_zh="东南大学")
    with app.app_context():
        item = db.session.get(ProgrammeSession, session_id)
        assert [link.speaker.name_zh for link in item.speaker_links] == ["王芳", "李雷"]
        keynote = db.session.scalars(select(ProgrammeSession).where(
            ProgrammeSession.event_id == call_open, ProgrammeSession.forum_id ==
            forum_id_of(CHIP), ProgrammeSession.starts_at.is_not(None))).first()
        clash = session_fields(item, starts_at=local(keynote.starts_at),
                               ends_at=local(keynote.ends_at))
        free = keynote.ends_at.replace(hour=keynote.ends_at.hour) + timedelta(hours=3)
        placed = session_fields(item, starts_at=local(free),
                                ends_at=local(free + timedelta(minutes=20)))
    edit = f"{ADMIN}/sessions/{session_id}/edit"
    refused = post_form(client, edit, **clash)
    assert refused.status_code == 422
    assert "is taken at that time" in page_text(refused)
    assert post_form(client, edit, **placed).status_code == 302
    assert TITLE in client.get(f"{DEMO}/agenda?lang=zh").get_data(as_text=True)
    assert "王芳" in page_text(client.get(f"{DEMO}/speakers"))
    assert client.get(f"{DEMO}/sessions/{session_id}").status_code == 200
    assert TITLE in client.get(f"{DEMO}/schedule.json").get_data(as_text=True)

    # The speaker confirms through their link.
    confirmed = post_form(speakers, f"{accepted_link}/confirm", page=accepted_link)
    assert confirmed.status_code == 302
    assert "已确认" in page_text(speakers.get(accepted_link))
    with app.app_context():
        assert proposal_of(SUBMITTER).state is ProposalState.CONFIRMED
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.object_type == "proposal")) >= 6


def test_a_decision_cannot_be_taken_on_a_withdrawn_proposal_nor_confirmed_before_acceptance(
        app, client, call_open):
    link = submit_proposal(app, client).headers["Location"]
    refused = post_form(client, f"{link}/confirm", page=link)
    assert refused.status_code == 302
    assert "Only an accepted proposal can be confirmed." in page_text(client.get(link))
    post_form(client, f"{link}/withdraw", page=link)
    with app.app_context():
        proposal_id = proposal_of(SUBMITTER).id
    sign_in(app, client)
    refused = decide(client, proposal_id, "accept")
    assert refused.status_code == 409
    assert "no longer waiting for a decision" in page_text(refused)
    with app.app_context():
        assert proposal_of(SUBMITTER).pending_decision is None


def test_the_organizers_list_shows_mean_spread_and_reviews_and_filters(app, client, call_open):
    submit_proposal(app, client)
    submit_proposal(app, client, email="b@example.org", title_zh="第二个", title_en="Second")
    with app.app_context():
        reviewers = [make_reviewer(call_open, f"r{n}@example.org") for n in range(3)]
        first, second = proposal_of(SUBMITTER).id, proposal_of("b@example.org").id
        begin_write(db.session)  # the submissions' mails may be being marked sent
        for user_id, score in zip(reviewers, (2, 4, 5), strict=True):
            db.session.add(Review(proposal_id=first, user_id=user_id, score=score))
        db.session.add(Review(proposal_id=second, user_id=reviewers[0], score=5))
        db.session.commit()
    sign_in(app, client)
    rows = table_rows(client.get(f"{ADMIN}/proposals").get_data(as_text=True),
                      "proposals-count")
    # By mean score: 5.0 (one review, no spread), then 3.7 (2, 4, 5: spread 1.2).
    assert [(r[4], r[5], r[6]) for r in rows] == [("5.0", "0.0", "1"), ("3.7", "1.2", "3")]
    assert rows[0][0].startswith("第二个") and rows[1][0].startswith(TITLE)
    by_spread = table_rows(client.get(f"{ADMIN}/proposals?order=spread").get_data(
        as_text=True), "proposals-count")
    assert by_spread[0][0].startswith("面向RISC-V")
    at_least_4 = client.get(f"{ADMIN}/proposals?min_mean=4")
    assert "第二个" in page_text(at_least_4) and TITLE not in page_text(at_least_4)
    with app.app_context():
        ai = forum_id_of(AI)
    assert "No proposals." in page_text(client.get(f"{ADMIN}/proposals?forum={ai}"))
    assert "No proposals." in page_text(client.get(f"{ADMIN}/proposals?state=accepted"))
    # A value that is no choice is ignored, never a 500.
    assert client.get(f"{ADMIN}/proposals?forum=abc&min_mean=x&order=';--").status_code == 200


# --- hostile input ------------------------------------------------------------------------

SCRIPT = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def test_html_and_scripts_in_every_field_are_shown_as_text_in_pages_and_mails(
        app, client, call_open):
    hostile = {name: f"{name} {SCRIPT}" for name in (
        "title_zh", "title_en", "abstract_zh", "abstract_en", "notes", "name", "affiliation",
        "bio")}
    link = submit_proposal(app, client, **hostile).headers["Location"]
    with app.app_context():
        proposal_id = proposal_of(SUBMITTER).id
        change_call(call_open, anonymised=False)
        reviewer_id = make_reviewer(call_open, "reader@example.org")
    pages = {"speaker": client.get(link)}
    sign_in(app, client)
    pages["list"] = client.get(f"{ADMIN}/proposals")
    pages["detail"] = client.get(f"{ADMIN}/proposals/{proposal_id}")
    pages["review"] = client.get(f"{ADMIN}/review/{proposal_id}")
    assert decide(client, proposal_id, "accept").status_code == 302
    assert release(client, 1).status_code == 302
    with app.app_context():
        session_id = proposal_of(SUBMITTER).session_id
    pages["programme"] = client.get(f"{ADMIN}/sessions")
    for where, page in pages.items():
        html = page.get_data(as_text=True)
        assert page.status_code == 200, where
        assert "<script>alert" not in html and "<img src=x" not in html, where
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, where
    assert reviewer_id and session_id
    assert wait_for(lambda: len(outbox_mails(app)) >= 2)
    for mail in outbox_mails(app):
        html = mail.get_body(("html",)).get_content()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert mail["To"].addresses[0].addr_spec == SUBMITTER


@pytest.mark.parametrize("field, value", [
    ("email", "wang@example.org\r\nBcc: everyone@example.org"),
    ("email", "wang@example.org>, everyone@example.org"),
    ("co_speakers", "friend@example.org\r\nBcc: everyone@example.org"),
    ("co_speakers", "<script>@example.org"),
    ("title_zh", "标题\x00"),
])
def test_header_injection_and_control_characters_are_refused_with_a_message(
        app, client, call_open, field, value):
    refused = submit_proposal(app, client, **{field: value})
    assert refused.status_code == 422
    assert 'class="error"' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Proposal.id)) is None
        assert db.session.scalar(select(func.count(MailMessage.id))) == 0


def test_a_line_break_in_a_name_is_folded_away_and_adds_no_header(app, client, call_open):
    link = submit_proposal(app, client, name="王芳\r\nBcc: everyone@example.org").headers[
        "Location"]
    assert link.startswith("/proposals/")
    with app.app_context():
        assert proposal_of(SUBMITTER).submitter.name == "王芳 Bcc: everyone@example.org"
    assert wait_for(lambda: outbox_mails(app))
    (mail,) = outbox_mails(app)
    assert mail["Bcc"] is None
    assert [a.addr_spec for a in mail["To"].addresses] == [SUBMITTER]


def test_the_organizers_list_pages_through_in_its_order(app, client, call_open, monkeypatch):
    monkeypatch.setattr(decisions, "PAGE_SIZE", 2)
    for number in range(3):
        submit_proposal(app, client, email=f"s{number}@example.org", title_zh=f"报告{number}")
    sign_in(app, client)
    first = client.get(f"{ADMIN}/proposals?order=newest&forum=")
    assert [r[0] for r in table_rows(first.get_data(as_text=True), "proposals-count")][0] \
        .startswith("报告2")
    assert "3 proposals · 1–2 shown" in page_text(first)
    assert re.search(r'href="/admin/embedded-china-2020/proposals\?[^"]*page=2"[^>]*rel="next"',
                     first.get_data(as_text=True))
    second = client.get(f"{ADMIN}/proposals?order=newest&page=2")
    rows = table_rows(second.get_data(as_text=True), "proposals-count")
    assert len(rows) == 1 and rows[0][0].startswith("报告0")
    assert client.get(f"{ADMIN}/proposals?page=99").status_code == 200
