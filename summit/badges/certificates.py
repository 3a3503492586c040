"""Certificates of attendance: who may have one and when, what it says, the code that
proves it genuine, and mailing them.

An attendee who was checked in gets a certificate once the event's
``certificates_from`` has passed. Its verification code is the registration's id and
an HMAC of the event and registration under the site's secret key (128 bits): nothing
is stored, nobody without the key can make one, and a code stops verifying when the
check-in is undone or the registration cancelled. (Changing SECRET_KEY changes every
code: printed certificates would then no longer verify.)
"""

from __future__ import annotations

import base64
import enum
import functools
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_interval
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import audit
from ..audit import AuditAction
from ..collation import name_key
from ..database import begin_write
from ..models import (
    DeskScan,
    Event,
    Forum,
    ForumKind,
    MailKind,
    MailMessage,
    Registration,
    RegistrationStatus,
    SeatStatus,
    User,
    utcnow,
)
from ..outbox import enqueue
from ..urls import url_builder

_KEY_SALT = b"summit-certificate-of-attendance"
_CODE = re.compile(r"(?P<id>[1-9][0-9]{0,18})-(?P<mac>[A-Z2-7]{26})")


class Availability(enum.StrEnum):
    READY = "ready"
    NOT_CHECKED_IN = "not_checked_in"
    NOT_YET = "not_yet"
    # The organizers have set no time: this event gives no certificates.
    NONE = "none"


def availability(registration: Registration, now: datetime | None = None) -> Availability:
    event = registration.event
    if event.certificates_from is None:
        return Availability.NONE
    if registration.status != RegistrationStatus.CONFIRMED or registration.checked_in_at is None:
        return Availability.NOT_CHECKED_IN
    if (now or utcnow()) < event.certificates_from:
        return Availability.NOT_YET
    return Availability.READY


# DeskScan.outcome of an admission (summit.checkin.service.Outcome.CHECKED_IN; the desk's
# area is a sibling this one does not import).
ADMITTED = "checked_in"


def _doors_entered(session: Session, registrations: list[Registration]) -> dict[int, set[int]]:
    """The forums whose door admitted each of ``registrations``, by registration id."""
    ids = [registration.id for registration in registrations
           if registration.checked_in_at is not None]
    entered: dict[int, set[int]] = {}
    for start in range(0, len(ids), 500):
        for registration_id, forum_id in session.execute(
                select(DeskScan.registration_id, DeskScan.forum_id)
                .where(DeskScan.registration_id.in_(ids[start : start + 500]),
                       DeskScan.forum_id.is_not(None), DeskScan.outcome == ADMITTED)):
            entered.setdefault(registration_id, set()).add(forum_id)
    return entered


def _attended(registration: Registration, at_doors: set[int]) -> list[Forum]:
    """The forums a checked-in attendee attended, in the programme's order: those whose
    door let them in (``at_doors``), where the desks scanned them at forums' doors;
    otherwise the main forums and the parallel forums where they held a confirmed seat."""
    if registration.checked_in_at is None:
        return []
    if at_doors:
        return [forum for forum in registration.event.forums if forum.id in at_doors]
    seated = {seat.forum_id for seat in registration.seats if seat.status == SeatStatus.CONFIRMED}
    return [forum for forum in registration.event.forums
            if forum.kind == ForumKind.MAIN or forum.id in seated]


def _mac(secret_key: str, event_id: int, registration_id: int) -> str:
    key = hashlib.sha256(_KEY_SALT + secret_key.encode()).digest()
    digest = hmac.new(key, f"{event_id}:{registration_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:16]).decode().rstrip("=")


def verification_code(secret_key: str, registration: Registration) -> str:
    return f"{registration.id}-{_mac(secret_key, registration.event_id, registration.id)}"


def verified_registration(session: Session, secret_key: str, event: Event,
                          code: str) -> Registration | None:
    """The registration whose certificate of ``event`` carries ``code``, if that
    certificate is genuine and still stands; None for anything else."""
    found = _CODE.fullmatch(code.strip().upper())
    if found is None:
        return None
    registration_id = int(found["id"])
    if not hmac.compare_digest(found["mac"], _mac(secret_key, event.id, registration_id)):
        return None
    registration = session.scalars(
        select(Registration).where(Registration.event_id == event.id,
                                   Registration.id == registration_id)
    ).first()
    if registration is None or availability(registration) is not Availability.READY:
        return None
    return registration


@dataclass(frozen=True)
class CertificateFacts:
    """What one certificate says, in both languages, as plain data for the renderer."""

    full_name: str
    latin_name: str
    event_zh: str
    event_en: str
    dates_zh: str
    dates_en: str
    city_zh: str
    city_en: str
    # (Chinese, English) name of each forum attended.
    forums: tuple[tuple[str, str], ...]
    code: str
    verify_url: str


@functools.cache
def _dates(starts_on: date, ends_on: date, lang: str) -> str:
    # Once per event and language: Babel formats an interval slowly (bench/FINDINGS.md).
    return format_interval(starts_on, ends_on, "yMMMd",
                           locale="zh_Hans_CN" if lang == "zh" else "en")


def certificate_facts(registration: Registration, forums: list[Forum], code: str,
                      verify_url: str) -> CertificateFacts:
    event = registration.event
    return CertificateFacts(
        full_name=registration.full_name,
        latin_name="" if registration.latin_name == registration.full_name
        else registration.latin_name,
        event_zh=event.name_zh or event.name_en,
        event_en=event.name_en or event.name_zh,
        dates_zh=_dates(event.starts_on, event.ends_on, "zh"),
        dates_en=_dates(event.starts_on, event.ends_on, "en"),
        city_zh=event.city_zh or event.city_en,
        city_en=event.city_en or event.city_zh,
        forums=tuple((forum.name_zh or forum.name_en, forum.name_en or forum.name_zh)
                     for forum in forums),
        code=code,
        verify_url=verify_url,
    )


def certified_registrations(session: Session, event: Event) -> list[Registration]:
    """Everyone of ``event`` who gets a certificate (confirmed and checked in), in
    pinyin order of their names, with what ``certificates_of`` reads loaded."""
    registrations = session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id,
               Registration.status == RegistrationStatus.CONFIRMED,
               Registration.checked_in_at.is_not(None))
        .options(selectinload(Registration.seats),
                 selectinload(Registration.event).selectinload(Event.forums))
    )
    return sorted(registrations, key=lambda r: (name_key(r.full_name), r.id))


def certificates_of(session: Session, secret_key: str,
                    registrations: list[Registration]) -> list[CertificateFacts]:
    """The certificates of ``registrations``, each with its code and the address that
    verifies it (under the site's address of this unit of work); the door scans are
    read in one query for all of them."""
    link = url_builder()
    entered = _doors_entered(session, registrations)
    found = []
    for registration in registrations:
        code = verification_code(secret_key, registration)
        found.append(certificate_facts(
            registration, _attended(registration, entered.get(registration.id, set())), code,
            link("certificates.verify", event_slug=registration.event.slug, code=code)))
    return found


class CertificatesNotOpen(Exception):
    """The organizers' time for certificates has not come (or is not set)."""


def queue_certificate_mails(session: Session, actor: User, event: Event) -> int:
    """Queue a mail with the certificate attached to everyone who gets one and has not
    been mailed it before; returns how many. Raises CertificatesNotOpen before their
    time. Commits."""
    if event.certificates_from is None or utcnow() < event.certificates_from:
        raise CertificatesNotOpen
    begin_write(session)
    mailed = set(session.scalars(select(MailMessage.registration_id).where(
        MailMessage.event_id == event.id, MailMessage.kind == MailKind.CERTIFICATE.value)))
    registrations = [registration for registration in certified_registrations(session, event)
                     if registration.id not in mailed]
    for registration in registrations:
        enqueue(session, MailMessage(kind=MailKind.CERTIFICATE.value,
                                     registration_id=registration.id,
                                     recipient=registration.email), event_id=event.id)
    if registrations:
        audit.record(session, actor, AuditAction.MAIL_CERTIFICATES, "event", event.id,
                     summary=str(len(registrations)), after={"mails": len(registrations)},
                     event_id=event.id)
    session.commit()
    return len(registrations)
