"""The call for speakers and what speakers do: the call's settings, submitting a
proposal, and, through each speaker's private link, editing it until the deadline,
filling in one's own details, withdrawing, confirming an accepted talk. Each operation
owns its transaction: it commits, or raises ``ProposalRefused`` having changed nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from .. import audit, private_links
from ..audit import AuditAction
from ..database import begin_write
from ..models import (
    UNDECIDED,
    Event,
    EventStatus,
    Forum,
    MailMessage,
    ProgrammeSession,
    Proposal,
    ProposalCall,
    ProposalMailKind,
    ProposalSpeaker,
    ProposalState,
    SessionKind,
    SessionMaterial,
    SessionSpeaker,
    Speaker,
    User,
    utcnow,
)
from ..outbox import enqueue

# How many co-speakers one proposal may name.
MAX_CO_SPEAKERS = 5
# A speaker's own details, in both languages, as the programme's speaker has them too.
DETAIL_FIELDS = ("affiliation_zh", "affiliation_en", "bio_zh", "bio_en")
# What the audit log records of a programme speaker a speaker changes (photos: only
# whether there is one).
PROGRAMME_SPEAKER_FIELDS = ("name_zh", "name_en", *DETAIL_FIELDS, "photo_type")
# A proposal in these states is over: its speakers change nothing more.
CLOSED_STATES = (ProposalState.WITHDRAWN, ProposalState.REJECTED)
# A proposal in these states has a session, which its speakers add materials to.
ACCEPTED_STATES = (ProposalState.ACCEPTED, ProposalState.CONFIRMED)
# What the organizers' audit log records of a call.
CALL_FIELDS = (
    "opens_at", "closes_at", "guidelines_zh", "guidelines_en", "session_kinds", "durations",
    "anonymised", "score_min", "score_max", "accept_subject_zh", "accept_subject_en",
    "accept_body_zh", "accept_body_en", "reject_subject_zh", "reject_subject_en",
    "reject_body_zh", "reject_body_en",
)
# The decision mails a new call starts with; organizers edit them. {name}, {title},
# {event} and {link} are filled in for each speaker.
DEFAULT_MAILS = {
    "accept_subject_zh": "您的报告已被录用：{title}",
    "accept_subject_en": "Your proposal has been accepted: {title}",
    "accept_body_zh": "{name}，您好：\n\n感谢您向{event}投稿。我们很高兴地通知您，您的报告"
                      "“{title}”已被录用。请通过下面的链接确认您将出席并作报告：\n\n{link}\n",
    "accept_body_en": "Dear {name},\n\nThank you for your proposal to {event}. We are glad to "
                      "tell you that “{title}” has been accepted. Please confirm that you will "
                      "give it through your link:\n\n{link}\n",
    "reject_subject_zh": "关于您的投稿：{title}",
    "reject_subject_en": "About your proposal: {title}",
    "reject_body_zh": "{name}，您好：\n\n感谢您向{event}投稿。很遗憾，您的报告“{title}”"
                      "此次未能入选。欢迎您参加大会。\n\n{link}\n",
    "reject_body_en": "Dear {name},\n\nThank you for your proposal to {event}. We are sorry "
                      "that “{title}” could not be accepted this time. We hope to see you at "
                      "the conference.\n\n{link}\n",
}


class CallState(enum.StrEnum):
    NONE = "none"  # the event has no call (or offers no forum)
    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class ProposalRefused(Exception):
    """Why an operation changed nothing: a message for the page, and the form field it
    concerns (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- the call ------------------------------------------------------------------


def call_of(session: Session, event: Event) -> ProposalCall | None:
    return session.scalar(select(ProposalCall).where(ProposalCall.event_id == event.id)
                          .options(selectinload(ProposalCall.forums)))


def call_state(event: Event, call: ProposalCall | None, now: datetime | None = None) -> CallState:
    if event.status is EventStatus.ARCHIVED:
        return CallState.ARCHIVED
    if call is None or not call.forums or not call.durations or not call.session_kinds:
        return CallState.NONE
    now = now or utcnow()
    if call.opens_at is not None and now < call.opens_at:
        return CallState.NOT_YET_OPEN
    if call.closes_at is not None and now >= call.closes_at:
        return CallState.CLOSED
    return CallState.OPEN


def new_call(event: Event) -> ProposalCall:
    """A call as an organizer first sees it: closed until they open it, anonymised, 1–5."""
    return ProposalCall(event_id=event.id, session_kinds=[SessionKind.TALK.value],
                        durations=[20, 40], anonymised=True, score_min=1, score_max=5,
                        guidelines_zh="", guidelines_en="", **DEFAULT_MAILS)


def save_call(session: Session, actor: User, event: Event, values: dict[str, Any],
              forum_ids: list[int]) -> ProposalCall:
    """The call's settings and the forums that take proposals. Commits."""
    begin_write(session)
    call = call_of(session, event)
    before = None
    if call is None:
        call = new_call(event)
        session.add(call)
    else:
        before = audit.snapshot(call, CALL_FIELDS)
    forums = list(session.scalars(select(Forum).where(Forum.event_id == event.id,
                                                     Forum.id.in_(forum_ids))))
    for name, value in values.items():
        setattr(call, name, value)
    call.forums = forums
    session.flush()
    after = audit.snapshot(call, CALL_FIELDS)
    after["forums"] = sorted(forum.slug for forum in forums)
    changed_before, changed_after = audit.changes(before, after) if before else (None, after)
    if changed_after:
        audit.record(session, actor, AuditAction.UPDATE if before else AuditAction.CREATE,
                     "proposal_call", event.id, event.slug, before=changed_before,
                     after=changed_after, event_id=event.id)
    session.commit()
    return call


# --- submitting -------------------------------------------------------------------


@dataclass(frozen=True)
class SpeakerDetails:
    """What the programme shows of a speaker: their name (in the script they write it),
    affiliation and biography in Chinese and in English."""

    name: str
    affiliation_zh: str = ""
    affiliation_en: str = ""
    bio_zh: str = ""
    bio_en: str = ""

    @classmethod
    def as_typed(cls, name: str, affiliation: str, bio: str) -> SpeakerDetails:
        """Details typed once, in one language (the call's form): each under Chinese or
        English by what it is written in."""
        texts = {}
        for stem, value in (("affiliation", affiliation), ("bio", bio)):
            texts[f"{stem}_{'zh' if has_chinese(value) else 'en'}"] = value
        return cls(name, **texts)


@dataclass(frozen=True)
class ProposalDraft:
    """A proposal as the form sent it (text cleaned, emails lower case)."""

    title_zh: str
    title_en: str
    abstract_zh: str
    abstract_en: str
    forum_id: int
    kind: str
    duration_minutes: int
    notes: str
    co_speaker_emails: list[str] = field(default_factory=list)

    def content(self) -> dict[str, Any]:
        return {"title_zh": self.title_zh, "title_en": self.title_en,
                "abstract_zh": self.abstract_zh, "abstract_en": self.abstract_en,
                "forum_id": self.forum_id, "kind": SessionKind(self.kind),
                "duration_minutes": self.duration_minutes, "notes": self.notes}


@dataclass(frozen=True)
class Submitted:
    proposal: Proposal
    token: str


def _check_offer(call: ProposalCall, draft: ProposalDraft, submitter_email: str) -> None:
    """The draft asks for what the call offers."""
    if draft.forum_id not in {forum.id for forum in call.forums}:
        raise ProposalRefused(_("Choose one of the forums of this call."), "forum_id")
    if draft.kind not in call.session_kinds:
        raise ProposalRefused(_("Choose one of the kinds of session offered."), "kind")
    if draft.duration_minutes not in call.durations:
        raise ProposalRefused(_("Choose one of the durations offered."), "duration_minutes")
    if not (draft.title_zh or draft.title_en):
        raise ProposalRefused(_("Give a title in Chinese or in English."), "title_zh")
    if submitter_email in draft.co_speaker_emails:
        raise ProposalRefused(_("You are the submitter: list only the other speakers."),
                              "co_speakers")
    if len(draft.co_speaker_emails) > MAX_CO_SPEAKERS:
        raise ProposalRefused(_("At most %(max)d co-speakers.", max=MAX_CO_SPEAKERS),
                              "co_speakers")


def _open_call(session: Session, event: Event) -> ProposalCall:
    call = call_of(session, event)
    if call_state(event, call) is not CallState.OPEN:
        raise ProposalRefused(_("The call for proposals is closed."))
    return call


def _new_speaker(proposal: Proposal, email: str, locale: str, position: int,
                 details: SpeakerDetails | None = None) -> tuple[ProposalSpeaker, str]:
    token = private_links.new_token()
    speaker = ProposalSpeaker(email=email, locale=locale, position=position, token=token,
                              token_hash=private_links.token_digest(token))
    if details is not None:
        _set_details(speaker, details)
    proposal.speakers.append(speaker)
    return speaker, token


def mail_speaker(session: Session, event: Event, speaker: ProposalSpeaker,
          kind: ProposalMailKind) -> None:
    enqueue(session, MailMessage(kind=kind.value, recipient=speaker.email,
                                 proposal_speaker=speaker), event_id=event.id)


def submit(session: Session, event: Event, draft: ProposalDraft, email: str,
           details: SpeakerDetails, locale: str) -> Submitted:
    """A new proposal from the public form: the submitter and each co-speaker get their
    own private link by mail. Commits."""
    begin_write(session)
    call = _open_call(session, event)
    _check_offer(call, draft, email)
    proposal = Proposal(event_id=event.id, state=ProposalState.SUBMITTED, **draft.content())
    session.add(proposal)
    submitter, token = _new_speaker(proposal, email, locale, 0, details)
    mail_speaker(session, event, submitter, ProposalMailKind.RECEIVED)
    for position, co_email in enumerate(draft.co_speaker_emails, start=1):
        co_speaker, _token = _new_speaker(proposal, co_email, locale, position)
        mail_speaker(session, event, co_speaker, ProposalMailKind.CO_SPEAKER)
    session.flush()
    audit.record(session, audit.attendee(email), AuditAction.CREATE, "proposal", proposal.id,
                 proposal.title_zh or proposal.title_en, event_id=event.id)
    session.commit()
    return Submitted(proposal, token)


# --- through a speaker's private link --------------------------------------------------


def find_by_token(session: Session, token: str) -> ProposalSpeaker | None:
    """The speaker whose private link carries ``token``, with the proposal, its event
    and its speakers."""
    return private_links.find_by_token(
        session, ProposalSpeaker, token,
        joinedload(ProposalSpeaker.proposal).options(
            joinedload(Proposal.event), joinedload(Proposal.forum),
            selectinload(Proposal.speakers)))


def may_edit(session: Session, proposal: Proposal) -> bool:
    """A proposal can be changed until the call closes and while no decision is out."""
    return (proposal.state in UNDECIDED
            and call_state(proposal.event, call_of(session, proposal.event)) is CallState.OPEN)


def co_speaker_emails(proposal: Proposal) -> list[str]:
    return [speaker.email for speaker in proposal.speakers if not speaker.is_submitter]


def update(session: Session, speaker: ProposalSpeaker, draft: ProposalDraft) -> None:
    """The submitter changes the proposal; a co-speaker added gets a link by mail, one
    taken off loses theirs. Commits."""
    begin_write(session)
    proposal = speaker.proposal
    if not speaker.is_submitter:
        raise ProposalRefused(_("Only the submitter can change the proposal."))
    if not may_edit(session, proposal):
        raise ProposalRefused(_("This proposal can no longer be changed."))
    call = call_of(session, proposal.event)
    _check_offer(call, draft, speaker.email)
    before = audit.snapshot(proposal, list(draft.content()))
    for name, value in draft.content().items():
        setattr(proposal, name, value)
    wanted = draft.co_speaker_emails
    for co_speaker in [s for s in proposal.speakers if not s.is_submitter]:
        if co_speaker.email not in wanted:
            proposal.speakers.remove(co_speaker)
    known = set(co_speaker_emails(proposal))
    position = max(s.position for s in proposal.speakers) + 1
    for co_email in wanted:
        if co_email not in known:
            co_speaker, _token = _new_speaker(proposal, co_email, speaker.locale, position)
            position += 1
            session.flush()
            mail_speaker(session, proposal.event, co_speaker, ProposalMailKind.CO_SPEAKER)
    session.flush()
    changed_before, changed_after = audit.changes(
        before, audit.snapshot(proposal, list(draft.content())))
    audit.record(session, audit.attendee(speaker.email), AuditAction.UPDATE, "proposal",
                 proposal.id, proposal.title_zh or proposal.title_en, before=changed_before,
                 after=changed_after, event_id=proposal.event_id)
    session.commit()


def _set_details(speaker: ProposalSpeaker, details: SpeakerDetails) -> None:
    speaker.name = details.name
    for name in DETAIL_FIELDS:
        setattr(speaker, name, getattr(details, name))


def _check_still_open(speaker: ProposalSpeaker) -> None:
    if speaker.proposal.state in CLOSED_STATES:
        raise ProposalRefused(_("This proposal can no longer be changed."))


def update_details(session: Session, speaker: ProposalSpeaker, details: SpeakerDetails) -> None:
    """A speaker's own name, affiliation and bio (what the programme will show), until
    the proposal is withdrawn or rejected; once accepted, the programme's speaker shows
    them at once. Commits."""
    begin_write(session)
    _check_still_open(speaker)
    _set_details(speaker, details)
    _to_programme(session, speaker, with_photo=False)
    session.commit()


def set_photo(session: Session, speaker: ProposalSpeaker, photo: tuple[bytes, str] | None) -> None:
    """A speaker's photo (``photo``: checked by ``programme.photos.prepare``, and its media
    type), or none; once accepted, the programme's speaker shows it. Commits."""
    begin_write(session)
    _check_still_open(speaker)
    speaker.photo, speaker.photo_type = photo if photo is not None else (None, "")
    _to_programme(session, speaker, with_photo=True)
    session.commit()


def _to_programme(session: Session, speaker: ProposalSpeaker, with_photo: bool) -> None:
    """Carry a speaker's details (``with_photo``: and their photo) to the programme's
    speaker they became (or become now, on their accepted proposal's session), with an
    audit entry of what changed there."""
    programme_speaker = speaker.speaker
    if programme_speaker is None:
        if speaker.proposal.session is not None:
            put_on_session(speaker.proposal.session, speaker)
        return
    before = audit.snapshot(programme_speaker, PROGRAMME_SPEAKER_FIELDS)
    set_speaker_texts(programme_speaker, speaker)
    if with_photo:
        programme_speaker.photo, programme_speaker.photo_type = speaker.photo, speaker.photo_type
    changed_before, changed_after = audit.changes(
        before, audit.snapshot(programme_speaker, PROGRAMME_SPEAKER_FIELDS))
    if changed_after:
        audit.record(session, audit.attendee(speaker.email), AuditAction.UPDATE, "speaker",
                     programme_speaker.id, programme_speaker.name_zh or programme_speaker.name_en,
                     before=changed_before, after=changed_after,
                     event_id=programme_speaker.event_id)


def withdraw(session: Session, speaker: ProposalSpeaker) -> None:
    """Any of its speakers may withdraw a proposal on which no decision is out. Commits."""
    begin_write(session)
    proposal = speaker.proposal
    if proposal.state not in UNDECIDED:
        raise ProposalRefused(_("A decision has been made on this proposal: please write to "
                                "the organizers to withdraw it."))
    proposal.state = ProposalState.WITHDRAWN
    proposal.pending_decision = None
    audit.record(session, audit.attendee(speaker.email), AuditAction.CANCEL, "proposal",
                 proposal.id, proposal.title_zh or proposal.title_en, event_id=proposal.event_id)
    session.commit()


def confirm(session: Session, speaker: ProposalSpeaker) -> None:
    """A speaker of an accepted proposal confirms that it will be given. Commits."""
    begin_write(session)
    proposal = speaker.proposal
    if proposal.state is ProposalState.CONFIRMED:
        return
    if proposal.state is not ProposalState.ACCEPTED:
        raise ProposalRefused(_("Only an accepted proposal can be confirmed."))
    proposal.state = ProposalState.CONFIRMED
    audit.record(session, audit.attendee(speaker.email), AuditAction.UPDATE, "proposal",
                 proposal.id, proposal.title_zh or proposal.title_en,
                 before={"state": ProposalState.ACCEPTED.value},
                 after={"state": ProposalState.CONFIRMED.value}, event_id=proposal.event_id)
    session.commit()


# --- a speaker's materials ------------------------------------------------------------


def material_actor(speaker: ProposalSpeaker) -> str:
    """Who added a material, as ``programme.materials`` records it."""
    return f"speaker <{speaker.email}>"


def session_for_materials(speaker: ProposalSpeaker) -> ProgrammeSession:
    """The session whose materials a speaker adds: their accepted (or confirmed)
    proposal's; raises ProposalRefused before then, and after a withdrawal."""
    proposal = speaker.proposal
    if proposal.state not in ACCEPTED_STATES or proposal.session is None:
        raise ProposalRefused(_("Slides and links can be added once the proposal is accepted."))
    return proposal.session


def own_material(session: Session, speaker: ProposalSpeaker,
                 material_id: int) -> SessionMaterial | None:
    """One of the materials this speaker added to their session, else None."""
    proposal = speaker.proposal
    if proposal.session_id is None:
        return None
    return session.scalar(select(SessionMaterial).where(
        SessionMaterial.id == material_id, SessionMaterial.session_id == proposal.session_id,
        SessionMaterial.uploaded_by == material_actor(speaker)))


# --- a proposal's speaker on the programme ---------------------------------------------


def put_on_session(item: ProgrammeSession, speaker: ProposalSpeaker) -> None:
    """The speaker, once they have given their name, becomes one of the programme's
    speakers of ``item`` (the session their accepted proposal became)."""
    if not speaker.name:
        return
    programme_speaker = Speaker(event_id=item.event_id)
    set_speaker_texts(programme_speaker, speaker)
    if speaker.has_photo:
        programme_speaker.photo, programme_speaker.photo_type = speaker.photo, speaker.photo_type
    speaker.speaker = programme_speaker
    item.speaker_links.append(SessionSpeaker(programme_speaker))


def has_chinese(text: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in text)


def set_speaker_texts(programme_speaker: Speaker, speaker: ProposalSpeaker) -> None:
    """Copy a speaker's details to the programme's speaker: the name, typed once, under
    Chinese or English by what it is written in (the other language's name, which an
    organizer may have added, stays)."""
    name = "name_zh" if has_chinese(speaker.name) else "name_en"
    setattr(programme_speaker, name, speaker.name)
    for field_name in DETAIL_FIELDS:
        setattr(programme_speaker, field_name, getattr(speaker, field_name))
