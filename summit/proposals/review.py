"""Reviewing: which proposals a reviewer may see (their forums), what they may see of
them (no speaker when the call is anonymised; others' reviews once they gave their own),
the next proposal to review, and scoring."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from .. import audit
from ..audit import AuditAction
from ..database import begin_write
from ..models import (
    UNDECIDED,
    Event,
    EventRole,
    Forum,
    Proposal,
    ProposalCall,
    ProposalSpeaker,
    ProposalState,
    Review,
    ReviewerForum,
    Role,
    User,
)
from .service import ProposalRefused


@dataclass(frozen=True)
class ReviewerScope:
    """What one account sees when reviewing at one event."""

    event_id: int
    user_id: int
    # None: every forum.
    forum_ids: frozenset[int] | None
    # The speakers' names, affiliations, emails and bios are hidden from this account.
    anonymised: bool
    # An organizer (or administrator): sees every review, reviewed or not.
    organizer: bool = False


def scope_of(session: Session, user: User, event: Event,
             call: ProposalCall | None) -> ReviewerScope:
    """Organizers and administrators see every proposal with its speakers; a reviewer
    sees their forums' proposals (every forum's when they are given none), anonymised
    when the call says so."""
    role = session.scalar(select(EventRole.role).where(
        EventRole.user_id == user.id, EventRole.event_id == event.id))
    if user.role is Role.ADMIN or role is Role.ORGANIZER:
        return ReviewerScope(event.id, user.id, None, anonymised=False, organizer=True)
    forums = frozenset(session.scalars(select(ReviewerForum.forum_id).where(
        ReviewerForum.user_id == user.id, ReviewerForum.event_id == event.id)))
    return ReviewerScope(event.id, user.id, forums or None,
                         call.anonymised if call is not None else True)


def _in_scope(query: Select, scope: ReviewerScope) -> Select:
    query = query.where(Proposal.event_id == scope.event_id,
                        Proposal.state != ProposalState.WITHDRAWN)
    if scope.forum_ids is not None:
        query = query.where(Proposal.forum_id.in_(scope.forum_ids))
    return query


def _reviewed_by(user_id: int):
    return exists().where(Review.proposal_id == Proposal.id, Review.user_id == user_id)


_REVIEW_COUNT = (select(func.count(Review.id)).where(Review.proposal_id == Proposal.id)
                 .correlate(Proposal).scalar_subquery())


def next_to_review(session: Session, scope: ReviewerScope) -> int | None:
    """The id of the undecided proposal in the scope that this reviewer has not scored
    and that has the fewest reviews (the oldest first among equals)."""
    query = _in_scope(select(Proposal.id), scope).where(
        Proposal.state.in_(UNDECIDED), ~_reviewed_by(scope.user_id),
    ).order_by(_REVIEW_COUNT, Proposal.id).limit(1)
    return session.scalar(query)


@dataclass(frozen=True)
class ReviewRow:
    proposal: Proposal
    reviews: int
    own_score: int | None


def review_list(session: Session, scope: ReviewerScope) -> list[ReviewRow]:
    """The proposals in the scope, with their number of reviews and this reviewer's score."""
    own = (select(Review.score).where(Review.proposal_id == Proposal.id,
                                      Review.user_id == scope.user_id)
           .correlate(Proposal).scalar_subquery())
    query = _in_scope(select(Proposal, _REVIEW_COUNT, own), scope).options(
        joinedload(Proposal.forum)).order_by(Proposal.id)
    return [ReviewRow(*row) for row in session.execute(query)]


def proposal_in_scope(session: Session, scope: ReviewerScope, proposal_id: int) -> Proposal | None:
    query = _in_scope(select(Proposal).where(Proposal.id == proposal_id), scope).options(
        joinedload(Proposal.forum))
    return session.scalar(query)


def speaker_in_scope(session: Session, scope: ReviewerScope, proposal_id: int,
                     speaker_id: int) -> ProposalSpeaker | None:
    """One of a proposal's speakers, for whom ``scope`` may see who they are (their
    photo): none for an anonymised scope; an organizer's scope holds every proposal of
    the event, a reviewer's their forums' proposals."""
    if scope.anonymised:
        return None
    query = select(ProposalSpeaker).join(ProposalSpeaker.proposal).where(
        ProposalSpeaker.id == speaker_id, Proposal.id == proposal_id)
    if scope.organizer:
        return session.scalar(query.where(Proposal.event_id == scope.event_id))
    return session.scalar(_in_scope(query, scope))


@dataclass(frozen=True)
class ReviewsSeen:
    own: Review | None
    # Others' reviews: empty until the reviewer has given their own.
    others: list[Review]


def reviews_seen(session: Session, scope: ReviewerScope, proposal: Proposal) -> ReviewsSeen:
    reviews = list(session.scalars(select(Review).where(Review.proposal_id == proposal.id)
                                   .options(joinedload(Review.user)).order_by(Review.id)))
    own = next((review for review in reviews if review.user_id == scope.user_id), None)
    others = [review for review in reviews if review.user_id != scope.user_id]
    return ReviewsSeen(own, others if own is not None or scope.organizer else [])


def save_review(session: Session, user: User, proposal: Proposal, call: ProposalCall,
                score: int, comment: str) -> Review:
    """Score (on the call's scale) and comment, or change one's review while the
    proposal is undecided. The first review puts the proposal in review. Commits."""
    if proposal.state not in UNDECIDED:
        raise ProposalRefused(_("This proposal has been decided; reviews are closed."))
    if not call.score_min <= score <= call.score_max:
        raise ProposalRefused(_("Give a score from %(low)d to %(high)d.", low=call.score_min,
                                high=call.score_max), "score")
    proposal_id, user_id = proposal.id, user.id
    for _attempt in range(2):
        begin_write(session)
        review = session.scalar(select(Review).where(Review.proposal_id == proposal_id,
                                                     Review.user_id == user_id))
        if review is None:
            review = Review(proposal_id=proposal_id, user_id=user_id, score=score)
            session.add(review)
        review.score, review.comment = score, comment
        found = session.get(Proposal, proposal_id)
        if found.state is ProposalState.SUBMITTED:
            found.state = ProposalState.IN_REVIEW
        try:
            session.commit()
        except IntegrityError:
            # The same reviewer's other tab saved first: change that review instead.
            session.rollback()
            continue
        return review
    raise ProposalRefused(_("Please try again."))


# --- reviewers and their forums ------------------------------------------------------


@dataclass(frozen=True)
class Reviewer:
    user: User
    # Empty: every forum.
    forum_ids: list[int]


def reviewers_of(session: Session, event: Event) -> list[Reviewer]:
    """The accounts that review at ``event``, by email, with their forums."""
    held = session.scalars(
        select(EventRole).where(EventRole.event_id == event.id, EventRole.role == Role.REVIEWER)
        .options(joinedload(EventRole.user), selectinload(EventRole.reviewer_forums)))
    found = [Reviewer(role.user, sorted(link.forum_id for link in role.reviewer_forums))
             for role in held]
    return sorted(found, key=lambda reviewer: reviewer.user.email)


def set_reviewer_forums(session: Session, actor: User, event: Event, user_id: int,
                        forum_ids: list[int]) -> bool:
    """Limit a reviewer at ``event`` to these of its forums (none: every forum). False
    when the account does not review there. Commits."""
    begin_write(session)
    role = session.scalar(select(EventRole).where(
        EventRole.event_id == event.id, EventRole.user_id == user_id,
        EventRole.role == Role.REVIEWER).options(selectinload(EventRole.reviewer_forums)))
    if role is None:
        return False
    valid = set(session.scalars(select(Forum.id).where(Forum.event_id == event.id,
                                                       Forum.id.in_(forum_ids))))
    before = sorted(link.forum_id for link in role.reviewer_forums)
    role.reviewer_forums = [ReviewerForum(user_id=user_id, event_id=event.id, forum_id=forum_id)
                            for forum_id in sorted(valid)]
    audit.record(session, actor, AuditAction.UPDATE, "user", user_id,
                 f"{role.user.email} @ {event.slug}", before={"forums": before},
                 after={"forums": sorted(valid)}, event_id=event.id)
    session.commit()
    return True
