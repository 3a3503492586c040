"""The rules of group mails: write a draft, count and preview its recipients, send a
test, send it now or at a set time, cancel a scheduled one, stop one that is sending;
queue its mails in the outbox in bulk; the history and progress of each. Each operation
owns its transaction and writes its audit entry in it.

A mailing leaves its draft (or its schedule) once: a conditional update on its state,
in the transaction that queues its mails, so two workers (or a worker and an organizer)
never queue it twice, and a crash before the commit leaves it to be queued again. Each
recipient has one row per mailing (unique), linked to its mail in the outbox, which
claims, sends and retries it (``outbox``).

Stopping withdraws, in one conditional update, the mails no sender has claimed; a sender
that holds one (its batch claimed, or handed back after an outage) finds the mailing
stopped when it comes to write it, and withdraws it then (``render``). So nothing is
sent that was not on its way when the stop committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, insert, select, update
from sqlalchemy.orm import Session, joinedload

from ..audit import AuditAction, record, snapshot
from ..database import begin_write
from ..models import (
    Event,
    Mailing,
    MailingRecipient,
    MailingState,
    MailKind,
    MailMessage,
    MailStatus,
    Registration,
    User,
    WithdrawnBecause,
    utcnow,
)
from ..outbox import WITHDRAWABLE, enqueue, enqueue_selected, register_scheduler
from ..paging import Page, page_number
from ..urls import serving_at, site_address
from . import recipients
from .recipients import RecipientFilter
from .render import UnknownPlaceholder, check_placeholders, register_renderers

FIELDS = ("subject_zh", "subject_en", "body_zh", "body_en", "recipients", "state", "send_at")
SUBJECT_MAX = 300
BODY_MAX = 20000


class MailingRejected(Exception):
    """What is wrong, as (form field, message) pairs; nothing was saved or sent."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(message for _field, message in problems))
        self.problems = problems


class NotADraft(Exception):
    """The mailing has left its draft meanwhile (sent, scheduled or cancelled)."""


@dataclass(frozen=True)
class MailingPlan:
    """What the organizer wrote and chose."""

    subject_zh: str = ""
    subject_en: str = ""
    body_zh: str = ""
    body_en: str = ""
    recipients: RecipientFilter = field(default_factory=RecipientFilter)


def _problems(plan: MailingPlan) -> list[tuple[str, str]]:
    problems = []
    written = 0
    for lang in ("zh", "en"):
        subject, body = getattr(plan, f"subject_{lang}"), getattr(plan, f"body_{lang}")
        if subject.strip() and not body.strip():
            problems.append((f"body_{lang}", _("Write the mail under this subject too.")))
        elif body.strip() and not subject.strip():
            problems.append((f"subject_{lang}", _("Give this mail a subject.")))
        elif subject.strip():
            written += 1
        for name, text in ((f"subject_{lang}", subject), (f"body_{lang}", body)):
            try:
                check_placeholders(text)
            except UnknownPlaceholder as unknown:
                problems.append((name, _(
                    "Unknown placeholder: %(names)s. Write {{ and }} for braces themselves.",
                    names=", ".join("{" + name + "}" for name in unknown.names))))
    if not written and not problems:
        problems.append(("subject_zh", _("Write the mail in Chinese, in English or in both.")))
    return problems


def save_draft(session: Session, actor: User, event: Event, mailing: Mailing | None,
               plan: MailingPlan) -> Mailing:
    """Create or change a draft. Raises MailingRejected (nothing saved), NotADraft."""
    problems = _problems(plan)
    if problems:
        raise MailingRejected(problems)
    begin_write(session)
    before = None
    if mailing is None:
        mailing = Mailing(event=event, created_by=actor, state=MailingState.DRAFT)
        session.add(mailing)
    else:
        if mailing.state != MailingState.DRAFT:
            session.rollback()
            raise NotADraft()
        before = snapshot(mailing, FIELDS)
    mailing.subject_zh, mailing.subject_en = plan.subject_zh, plan.subject_en
    mailing.body_zh, mailing.body_en = plan.body_zh, plan.body_en
    mailing.recipients = plan.recipients.as_data()
    session.flush()
    after = snapshot(mailing, FIELDS)
    if before != after:
        record(session, actor, AuditAction.CREATE if before is None else AuditAction.UPDATE,
               "mailing", mailing.id, _subject_line(mailing), before, after,
               event_id=event.id)
    session.commit()
    return mailing


def _subject_line(mailing: Mailing) -> str:
    return mailing.subject_zh or mailing.subject_en


def group_of(mailing: Mailing) -> RecipientFilter:
    return RecipientFilter.from_data(mailing.recipients)


def recipient_count(session: Session, event: Event, group: RecipientFilter) -> int:
    return recipients.count(session, event, group)


def preview_recipient(session: Session, mailing: Mailing, email: str = "") -> Registration | None:
    return recipients.first(session, mailing.event, group_of(mailing), email)


def send_test(session: Session, actor: User, mailing: Mailing, registration: Registration
              ) -> None:
    """Queue the mailing, as ``registration`` would read it, to the organizer's own address
    (nothing is sent to the attendee). Commits."""
    summary = f"{_subject_line(mailing)} → {actor.email} ({registration.email})"
    registration_id, address = registration.id, actor.email
    begin_write(session)
    mail = enqueue(session, MailMessage(registration_id=registration_id,
                                        kind=MailKind.GROUP_MAIL.value, recipient=address),
                   event_id=mailing.event_id)
    session.add(MailingRecipient(mailing_id=mailing.id, mail=mail, test=True))
    record(session, actor, AuditAction.SEND_TEST, "mailing", mailing.id, summary,
           event_id=mailing.event_id)
    session.commit()


def send_now(session: Session, actor: User, mailing: Mailing) -> int:
    """Queue the draft's mails now; returns how many. Raises NotADraft when it left its
    draft meanwhile (another organizer sent it). Commits."""
    begin_write(session)
    taken = session.execute(
        update(Mailing)
        .where(Mailing.id == mailing.id, Mailing.state == MailingState.DRAFT)
        .values(state=MailingState.SENDING, sent_by_id=actor.id, link_base=site_address(),
                send_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        session.rollback()
        raise NotADraft()
    queued = _queue(session, mailing)
    record(session, actor, AuditAction.SEND, "mailing", mailing.id,
           _("%(subject)s: %(count)d recipient(s)", subject=_subject_line(mailing), count=queued),
           after={"recipients": mailing.recipients, "queued": queued},
           event_id=mailing.event_id)
    session.commit()
    return queued


def schedule(session: Session, actor: User, mailing: Mailing, send_at: datetime) -> None:
    """Have the mail worker queue the draft at ``send_at`` (aware). Raises
    MailingRejected for a time past, NotADraft. Commits."""
    if send_at <= utcnow():
        raise MailingRejected([("send_at", _("Choose a time still to come."))])
    begin_write(session)
    taken = session.execute(
        update(Mailing)
        .where(Mailing.id == mailing.id, Mailing.state == MailingState.DRAFT)
        .values(state=MailingState.SCHEDULED, sent_by_id=actor.id, send_at=send_at,
                link_base=site_address(), updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        session.rollback()
        raise NotADraft()
    record(session, actor, AuditAction.SCHEDULE, "mailing", mailing.id, _subject_line(mailing),
           after={"send_at": send_at.isoformat(), "recipients": mailing.recipients},
           event_id=mailing.event_id)
    session.commit()


def cancel(session: Session, actor: User, mailing: Mailing) -> bool:
    """Cancel a scheduled mailing (or drop a draft) before it is queued; False when it
    was queued meanwhile. Commits."""
    begin_write(session)
    cancelled = session.execute(
        update(Mailing)
        .where(Mailing.id == mailing.id,
               Mailing.state.in_((MailingState.SCHEDULED, MailingState.DRAFT)))
        .values(state=MailingState.CANCELLED, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if cancelled:
        record(session, actor, AuditAction.CANCEL_MAILING, "mailing", mailing.id,
               _subject_line(mailing), event_id=mailing.event_id)
    session.commit()
    return bool(cancelled)


def stop(session: Session, actor: User, mailing: Mailing) -> int | None:
    """Stop a mailing that is sending: its mails that no sender has claimed are
    withdrawn, never to be sent; those sent stay so (see the module's docstring).
    Returns how many were withdrawn; None when it was no longer sending (it finished
    meanwhile, or another organizer stopped it). Audited; commits."""
    begin_write(session)
    stopped = session.execute(
        update(Mailing)
        .where(Mailing.id == mailing.id, Mailing.state == MailingState.SENDING)
        .values(state=MailingState.STOPPED, finished_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if stopped != 1:
        session.rollback()
        return None
    its_mails = select(MailingRecipient.mail_id).where(
        MailingRecipient.mailing_id == mailing.id, MailingRecipient.test.is_(False))
    withdrawn = session.execute(
        update(MailMessage)
        .where(MailMessage.id.in_(its_mails), MailMessage.status.in_(WITHDRAWABLE))
        .values(status=MailStatus.WITHDRAWN, last_error=WithdrawnBecause.MAILING_STOPPED.value)
        .execution_options(synchronize_session=False)).rowcount
    record(session, actor, AuditAction.STOP_MAILING, "mailing", mailing.id,
           _("%(subject)s: %(count)d mail(s) withdrawn", subject=_subject_line(mailing),
             count=withdrawn),
           after={"withdrawn": withdrawn}, event_id=mailing.event_id)
    session.commit()
    return withdrawn


def _queue(session: Session, mailing: Mailing) -> int:
    """Queue one mail per recipient in the caller's transaction, in bulk."""
    event = session.get(Event, mailing.event_id)
    with serving_at(mailing.link_base or site_address()):
        queued = enqueue_selected(session, MailKind.GROUP_MAIL.value,
                                  recipients.addresses(session, event, group_of(mailing)),
                                  event_id=mailing.event_id)
    if queued:
        session.execute(insert(MailingRecipient.__table__), [
            {"mailing_id": mailing.id, "registration_id": registration_id, "mail_id": mail_id,
             "test": False}
            for mail_id, registration_id in queued])
    session.execute(
        update(Mailing).where(Mailing.id == mailing.id)
        .values(recipient_count=len(queued), queued_at=utcnow())
        .execution_options(synchronize_session=False))
    return len(queued)


# --- the mail worker's part ---------------------------------------------------------


def queue_due_mailings(session: Session) -> int:
    """Queue every scheduled mailing whose time has come, each in its own transaction,
    taken by a conditional update (another worker finds it taken); then mark mailings
    whose mails have all been tried as sent. Returns how many were queued. The outbox's
    due work, run by `flask summit mail-worker` and `send-mail`."""
    due = session.scalars(
        select(Mailing.id).where(Mailing.state == MailingState.SCHEDULED,
                                 Mailing.send_at <= utcnow()).order_by(Mailing.send_at)).all()
    session.rollback()
    queued = 0
    for mailing_id in due:
        begin_write(session)
        taken = session.execute(
            update(Mailing)
            .where(Mailing.id == mailing_id, Mailing.state == MailingState.SCHEDULED,
                   Mailing.send_at <= utcnow())
            .values(state=MailingState.SENDING, updated_at=utcnow())
            .execution_options(synchronize_session=False)).rowcount
        if taken != 1:
            session.rollback()
            continue
        mailing = session.get(Mailing, mailing_id)
        count = _queue(session, mailing)
        record(session, None, AuditAction.SEND, "mailing", mailing.id,
               _("%(subject)s: %(count)d recipient(s)", subject=_subject_line(mailing),
                 count=count),
               after={"recipients": mailing.recipients, "queued": count},
               event_id=mailing.event_id)
        session.commit()
        queued += 1
    _finish_sent(session)
    return queued


def _finish_sent(session: Session) -> None:
    """A mailing whose mails have all been sent or have failed (they are still retried)
    is sent."""
    if session.scalar(select(Mailing.id).where(Mailing.state == MailingState.SENDING)
                      .limit(1)) is None:
        session.rollback()
        return
    unsent = exists().where(
        MailingRecipient.mailing_id == Mailing.id, MailingRecipient.test.is_(False),
        MailMessage.id == MailingRecipient.mail_id,
        MailMessage.status.in_((MailStatus.PENDING, MailStatus.SENDING)))
    begin_write(session)
    session.execute(
        update(Mailing).where(Mailing.state == MailingState.SENDING, ~unsent)
        .values(state=MailingState.SENT, finished_at=utcnow())
        .execution_options(synchronize_session=False))
    session.commit()


# --- history and progress ------------------------------------------------------------


@dataclass
class Progress:
    queued: int = 0
    sent: int = 0
    failed: int = 0
    # Withdrawn, never to be sent: by the mailing's stop, and because the registration
    # was cancelled after the mail was queued.
    stopped: int = 0
    cancelled_since: int = 0


def progress(session: Session, mailing_ids: list[int]) -> dict[int, Progress]:
    """Mails queued (not yet sent), sent, failed and withdrawn, by mailing: one query."""
    found = {mailing_id: Progress() for mailing_id in mailing_ids}
    # A withdrawn mail's last error is why.
    rows = session.execute(
        select(MailingRecipient.mailing_id, MailMessage.status, MailMessage.last_error,
               func.count())
        .join(MailMessage, MailMessage.id == MailingRecipient.mail_id)
        .where(MailingRecipient.mailing_id.in_(mailing_ids), MailingRecipient.test.is_(False))
        .group_by(MailingRecipient.mailing_id, MailMessage.status, MailMessage.last_error))
    for mailing_id, status, because, number in rows:
        counts = found[mailing_id]
        if status == MailStatus.SENT:
            counts.sent += number
        elif status == MailStatus.FAILED:
            counts.failed += number
        elif status == MailStatus.WITHDRAWN:
            if because == WithdrawnBecause.REGISTRATION_CANCELLED:
                counts.cancelled_since += number
            else:
                counts.stopped += number
        else:
            counts.queued += number
    return found


def history(session: Session, event: Event) -> list[tuple[Mailing, Progress]]:
    """The event's mailings, newest first, with their progress."""
    mailings = session.scalars(
        select(Mailing).where(Mailing.event_id == event.id)
        .options(joinedload(Mailing.created_by), joinedload(Mailing.sent_by))
        .order_by(Mailing.created_at.desc(), Mailing.id.desc())).all()
    counts = progress(session, [mailing.id for mailing in mailings])
    return [(mailing, counts[mailing.id]) for mailing in mailings]


RECIPIENTS_PER_PAGE = 100


def recipient_page(session: Session, mailing: Mailing, page: int = 1) -> Page:
    """One page of (recipient, mail) of the mailing, tests sent first, then by id; a page
    past the end is the last."""
    total = session.scalar(select(func.count()).select_from(MailingRecipient)
                           .where(MailingRecipient.mailing_id == mailing.id))
    page = page_number(page, total, RECIPIENTS_PER_PAGE)
    rows = session.execute(
        select(MailingRecipient, MailMessage)
        .outerjoin(MailMessage, MailMessage.id == MailingRecipient.mail_id)
        .where(MailingRecipient.mailing_id == mailing.id)
        .options(joinedload(MailingRecipient.registration))
        .order_by(MailingRecipient.test.desc(), MailingRecipient.id)
        .limit(RECIPIENTS_PER_PAGE).offset((page - 1) * RECIPIENTS_PER_PAGE)).all()
    return Page(items=list(rows), total=total, page=page, per_page=RECIPIENTS_PER_PAGE)


def mailing_of_event(session: Session, event: Event, mailing_id: int) -> Mailing | None:
    return session.scalars(select(Mailing).where(
        and_(Mailing.id == mailing_id, Mailing.event_id == event.id))).first()


def register_with_outbox(app: Flask) -> None:
    """The outbox writes group mails with ``render``; its workers queue scheduled mailings."""
    register_renderers(app)
    register_scheduler(app, queue_due_mailings)
