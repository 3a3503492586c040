"""The call for speakers in tests: a call opened at the demo event, the public form
filled in, the private links found in the mails, reviewers."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from summit.database import begin_write
from summit.extensions import db
from summit.models import (
    Decision,
    Event,
    EventRole,
    Forum,
    MailMessage,
    Proposal,
    ProposalCall,
    ProposalSpeaker,
    ReviewerForum,
    Role,
    User,
    utcnow,
)
from summit.proposals import decisions
from summit.proposals.service import ProposalDraft, SpeakerDetails, new_call, submit
from summit.urls import serving_at

from .accounts import password_hash
from .pages import DEMO, csrf_token
from .registrations import LINK_BASE

CFP = f"{DEMO}/cfp"
# Two of the demo's parallel forums.
CHIP, AI = "chip-machine", "5g-ai-big-data"
REVIEWER_PASSWORD = "reviewer-password-1"
# Who decides in tests that need no organizer's account.
ORGANIZER = "organizer@example.org"
PROPOSAL_LINK = re.compile(r"https?://[^/\s]+(/proposals/[A-Za-z0-9_-]+)")


def open_call(event_id: int, *, forums=(CHIP, AI), anonymised: bool = True,
              score_min: int = 1, score_max: int = 5, **settings) -> None:
    """The event's call, open since yesterday until next week, for ``forums``."""
    begin_write(db.session)
    event = db.session.get(Event, event_id)
    call = db.session.get(ProposalCall, event_id) or new_call(event)
    call.opens_at = utcnow() - timedelta(days=1)
    call.closes_at = utcnow() + timedelta(days=7)
    call.session_kinds, call.durations = ["talk", "keynote"], [20, 40]
    call.anonymised, call.score_min, call.score_max = anonymised, score_min, score_max
    call.forums = list(db.session.scalars(select(Forum).where(
        Forum.event_id == event_id, Forum.slug.in_(forums))))
    for name, value in settings.items():
        setattr(call, name, value)
    db.session.add(call)
    db.session.commit()


def change_call(event_id: int, **values) -> None:
    """Set the call's ``values`` (the caller's app context)."""
    begin_write(db.session)  # the mails of earlier requests may be being marked sent
    call = db.session.get(ProposalCall, event_id)
    for name, value in values.items():
        setattr(call, name, value)
    db.session.commit()


def forum_id_of(slug: str, event_id: int | None = None) -> int:
    query = select(Forum.id).where(Forum.slug == slug)
    if event_id is not None:
        query = query.where(Forum.event_id == event_id)
    return db.session.scalars(query).first()


def proposal_fields(forum: int, **overrides) -> dict:
    """The call's form as 王芳 fills it in (a talk in the forum with id ``forum``), then
    ``overrides``."""
    fields = {
        "title_zh": "面向RISC-V的嵌入式实时操作系统",
        "title_en": "An embedded real-time OS for RISC-V",
        "abstract_zh": "介绍一个面向RISC-V处理器的实时操作系统内核及其在工业控制中的应用。",
        "abstract_en": "A real-time kernel for RISC-V processors, used in industrial control.",
        "forum_id": str(forum),
        "kind": "talk",
        "duration_minutes": "20",
        "notes": "需要投影仪。",
        "name": "王芳",
        "affiliation": "南京大学计算机科学与技术系",
        "bio": "王芳，南京大学副教授，研究嵌入式系统。",
        "email": "wang.fang@nju.example.cn",
        "co_speakers": "",
    }
    fields.update(overrides)
    return fields


def submit_proposal(app, client, **overrides):
    """Post the call's form for a talk in the chip forum; returns the response."""
    with app.app_context():
        forum = forum_id_of(CHIP)
    data = {"csrf_token": csrf_token(client, CFP), **proposal_fields(forum, **overrides)}
    return client.post(CFP, data=data)


def token_of(email: str) -> str:
    """The private link's token of the speaker with ``email`` (the newest)."""
    return db.session.scalars(select(ProposalSpeaker.token).where(ProposalSpeaker.email == email)
                              .order_by(ProposalSpeaker.id.desc())).first()


def proposal_of(email: str) -> Proposal:
    speaker = db.session.scalars(select(ProposalSpeaker).where(ProposalSpeaker.email == email)
                                 .order_by(ProposalSpeaker.id.desc())).first()
    db.session.refresh(speaker.proposal)
    return speaker.proposal


def mails_to(address: str) -> list[MailMessage]:
    return list(db.session.scalars(select(MailMessage).where(MailMessage.recipient == address)
                                   .order_by(MailMessage.id)))


def make_reviewer(event_id: int, email: str, forums: tuple[str, ...] = ()) -> int:
    """An account that reviews at the event (at ``forums`` only, when given)."""
    begin_write(db.session)  # the mails of earlier requests may be being marked sent
    user = User(email=email, role=Role.REVIEWER, password_hash=password_hash(REVIEWER_PASSWORD))
    user.event_roles = [EventRole(event_id=event_id, role=Role.REVIEWER)]
    db.session.add(user)
    db.session.flush()
    for slug in forums:
        db.session.add(ReviewerForum(user_id=user.id, event_id=event_id,
                                     forum_id=forum_id_of(slug, event_id)))
    db.session.commit()
    return user.id


def add_proposal(event_id: int, email: str, forum: str = CHIP, **content) -> int:
    """A proposal at the event's open call, as the public form would make it; its id."""
    draft = ProposalDraft(**{
        "title_zh": "测试报告", "title_en": "A test talk", "abstract_zh": "摘要",
        "abstract_en": "", "forum_id": forum_id_of(forum, event_id), "kind": "talk",
        "duration_minutes": 20, "notes": "", **content})
    event = db.session.get(Event, event_id)
    with serving_at(LINK_BASE):
        return submit(db.session, event, draft, email, SpeakerDetails("测试者", "示例单位", ""),
                      "zh").proposal.id


def accept(event_id: int, *proposal_ids: int, reject: tuple[int, ...] = ()) -> None:
    """Decide on the proposals and release the decisions, as an organizer would (the
    caller's app context): accepted ones become unscheduled sessions."""
    event = db.session.get(Event, event_id)
    with serving_at(LINK_BASE):
        for proposal_id, decision in ([(one, Decision.ACCEPT) for one in proposal_ids]
                                      + [(one, Decision.REJECT) for one in reject]):
            decisions.decide(db.session, ORGANIZER, db.session.get(Proposal, proposal_id),
                             decision)
        decisions.release_decisions(db.session, ORGANIZER, event,
                                    len(proposal_ids) + len(reject))
