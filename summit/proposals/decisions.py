"""The organizers' side: every proposal with its mean score, spread and number of
reviews; deciding (held back, never mailed one by one); releasing every held decision
at once, which mails the speakers and turns each accepted proposal into an
unscheduled session with its speakers."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from .. import audit
from ..audit import AuditAction
from ..database import begin_write
from ..models import (
    UNDECIDED,
    Decision,
    Event,
    Forum,
    ProgrammeSession,
    Proposal,
    ProposalMailKind,
    ProposalSpeaker,
    ProposalState,
    Review,
    User,
    utcnow,
)
from ..paging import Page, page_number
from .service import ProposalRefused, mail_speaker, put_on_session


class ProposalOrder(enum.StrEnum):
    MEAN = "mean"
    SPREAD = "spread"
    REVIEWS = "reviews"
    NEWEST = "newest"


# Rows a page of the organizers' list shows: rendering a thousand cost more than the
# 300 ms that bench/proposals.py allows.
PAGE_SIZE = 100


@dataclass(frozen=True)
class ProposalFilter:
    forum_id: int | None = None
    state: ProposalState | None = None
    # Proposals whose mean score is at least this (unreviewed ones are left out).
    min_mean: float | None = None
    order: ProposalOrder = ProposalOrder.MEAN
    page: int = 1


@dataclass(frozen=True)
class ProposalRow:
    proposal: Proposal
    reviews: int
    mean: float | None
    # The population standard deviation of the scores.
    spread: float | None


_STATS = (
    select(Review.proposal_id,
           func.count(Review.id).label("reviews"),
           func.avg(Review.score).label("mean"),
           func.avg(Review.score * Review.score).label("mean_square"))
    .group_by(Review.proposal_id)
    .subquery("stats")
)


def _ordering(order: ProposalOrder) -> list[ColumnElement]:
    mean = func.coalesce(_STATS.c.mean, -1.0)
    variance = func.coalesce(_STATS.c.mean_square - _STATS.c.mean * _STATS.c.mean, -1.0)
    return {
        ProposalOrder.MEAN: [mean.desc()],
        ProposalOrder.SPREAD: [variance.desc()],
        ProposalOrder.REVIEWS: [func.coalesce(_STATS.c.reviews, 0)],
        ProposalOrder.NEWEST: [Proposal.created_at.desc()],
    }[order] + [Proposal.id]


def _conditions(event: Event, chosen: ProposalFilter) -> list[ColumnElement[bool]]:
    conditions = [Proposal.event_id == event.id]
    if chosen.forum_id is not None:
        conditions.append(Proposal.forum_id == chosen.forum_id)
    if chosen.state is not None:
        conditions.append(Proposal.state == chosen.state)
    if chosen.min_mean is not None:
        conditions.append(_STATS.c.mean >= chosen.min_mean)
    return conditions


def _listing(event: Event, chosen: ProposalFilter) -> Select:
    return (
        select(Proposal, _STATS.c.reviews, _STATS.c.mean, _STATS.c.mean_square)
        .outerjoin(_STATS, _STATS.c.proposal_id == Proposal.id)
        .where(*_conditions(event, chosen))
        # What the list shows, not the abstracts, notes and bios.
        .options(load_only(Proposal.id, Proposal.title_zh, Proposal.title_en,
                           Proposal.state, Proposal.pending_decision, Proposal.forum_id,
                           Proposal.created_at),
                 joinedload(Proposal.forum).load_only(Forum.name_zh, Forum.name_en),
                 selectinload(Proposal.speakers).load_only(
                     ProposalSpeaker.name, ProposalSpeaker.email, ProposalSpeaker.position))
        .order_by(*_ordering(chosen.order))
    )


def proposal_page(session: Session, event: Event, chosen: ProposalFilter) -> Page:
    """The page of ``ProposalRow`` the filter asks for, in its order: three statements
    whatever the number of proposals and reviews."""
    total = session.scalar(select(func.count(Proposal.id))
                           .outerjoin(_STATS, _STATS.c.proposal_id == Proposal.id)
                           .where(*_conditions(event, chosen)))
    page = page_number(chosen.page, total, PAGE_SIZE)
    statement = _listing(event, chosen).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    rows = []
    for proposal, reviews, mean, mean_square in session.execute(statement):
        spread = (math.sqrt(max(0.0, float(mean_square) - float(mean) ** 2))
                  if mean is not None else None)
        rows.append(ProposalRow(proposal, reviews or 0,
                                float(mean) if mean is not None else None, spread))
    return Page(items=rows, total=total, page=page, per_page=PAGE_SIZE)


def find_proposal(session: Session, event: Event, proposal_id: int) -> Proposal | None:
    return session.scalar(select(Proposal).where(Proposal.event_id == event.id,
                                                 Proposal.id == proposal_id)
                          .options(joinedload(Proposal.forum),
                                   selectinload(Proposal.speakers)
                                   .selectinload(ProposalSpeaker.availability)))


def _label(proposal: Proposal) -> str:
    return proposal.title_zh or proposal.title_en


def decide(session: Session, actor: User, proposal: Proposal, decision: Decision | None) -> None:
    """Hold ``decision`` (None: take it back) for the next release; nobody is told yet.
    Commits."""
    begin_write(session)
    if proposal.state not in UNDECIDED:
        raise ProposalRefused(_("This proposal is no longer waiting for a decision."))
    if decision is Decision.ACCEPT and proposal.forum_id is None:
        raise ProposalRefused(_("Its forum no longer exists: choose another before accepting."))
    before = proposal.pending_decision
    proposal.pending_decision = decision
    audit.record(session, actor, AuditAction.UPDATE, "proposal", proposal.id, _label(proposal),
                 before={"decision": before.value if before else None},
                 after={"decision": decision.value if decision else None},
                 event_id=proposal.event_id)
    session.commit()


_HELD = (Proposal.pending_decision.is_not(None), Proposal.state.in_(UNDECIDED))


def held_decisions(session: Session, event: Event) -> dict[Decision, int]:
    """How many decisions wait for release, by decision."""
    rows = session.execute(select(Proposal.pending_decision, func.count())
                           .where(Proposal.event_id == event.id, *_HELD)
                           .group_by(Proposal.pending_decision))
    return {decision: count for decision, count in rows}


def release_decisions(session: Session, actor: User, event: Event, expected: int) -> int:
    """Apply every held decision at once and queue the mails: each speaker of an
    accepted proposal is told and the proposal becomes an unscheduled session of its
    forum with its speakers; each speaker of a rejected one is told. ``expected`` is the
    number the organizer was shown: if it changed meanwhile, nothing happens. Commits;
    returns how many were released."""
    begin_write(session)
    held = list(session.scalars(
        select(Proposal).where(Proposal.event_id == event.id, *_HELD)
        .options(selectinload(Proposal.speakers)).order_by(Proposal.id).with_for_update(
            of=Proposal)))
    if len(held) != expected:
        session.rollback()
        raise ProposalRefused(_("The decisions waiting changed meanwhile: please look again."))
    now = utcnow()
    for proposal in held:
        accepted = proposal.pending_decision is Decision.ACCEPT
        before = proposal.state
        proposal.state = ProposalState.ACCEPTED if accepted else ProposalState.REJECTED
        proposal.pending_decision = None
        proposal.decided_at = now
        if accepted:
            proposal.session = _unscheduled_session(proposal)
            for speaker in proposal.speakers:
                put_on_session(proposal.session, speaker)
        for speaker in proposal.speakers:
            mail_speaker(session, event, speaker,
                  ProposalMailKind.ACCEPTED if accepted else ProposalMailKind.REJECTED)
        audit.record(session, actor, AuditAction.UPDATE, "proposal", proposal.id,
                     _label(proposal), before={"state": before.value},
                     after={"state": proposal.state.value}, event_id=event.id)
    session.commit()
    return len(held)


def _unscheduled_session(proposal: Proposal) -> ProgrammeSession:
    return ProgrammeSession(
        event_id=proposal.event_id, forum_id=proposal.forum_id, kind=proposal.kind,
        title_zh=proposal.title_zh, title_en=proposal.title_en,
        abstract_zh=proposal.abstract_zh, abstract_en=proposal.abstract_en,
        starts_at=None, ends_at=None)
