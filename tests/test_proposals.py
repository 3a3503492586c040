"""The call for speakers: the public call and form, a speaker's private link, co-speakers,
withdrawal, the organizers' settings, decisions released at once, accepted proposals
as unscheduled sessions placed in the programme, and hostile input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from summit.extensions import db
from summit.models import (
    AuditEntry,
    Event,
    ProgrammeSession,
    Proposal,
    ProposalCall,
    ProposalState,
    Role,
    utcnow,
)

from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN
from .helpers.pages import DEMO, csrf_token, page_text, post_form
from .helpers.proposals import (
    AI,
    CFP,
    CHIP,
    forum_id_of,
    mails_to,
    open_call,
    proposal_fields,
    proposal_of,
    submit_proposal,
    token_of,
)
from .helpers.mail import wait_for
from .helpers.registrations import outbox_mails

SUBMITTER = "wang.fang@nju.example.cn"


@pytest.fixture
def call_open(app, demo_event):
    with app.app_context():
        open_call(demo_event)
    return demo_event


def set_call(app, event_id: int, **values) -> None:
    with app.app_context():
        call = db.session.get(ProposalCall, event_id)
        for name, value in values.items():
            setattr(call, name, value)
        db.session.commit()


def test_the_call_shows_its_guidelines_and_a_submission_mails_a_private_link(
        app, client, call_open):
    set_call(app, call_open, guidelines_zh="请提交原创报告。", guidelines_en="Original talks only.")
    page = client.get(f"{CFP}?lang=zh")
    assert page.status_code == 200
    assert "请提交原创报告。" in page_text(page)

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
                      affiliation="东南大学", bio="")
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
                            affiliation="南京大学")
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
