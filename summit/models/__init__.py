"""The whole domain as SQLAlchemy 2 typed models, one module per area: column types
(``columns``), the event and its programme (``programme``), registrations, questions
and mail (``registration``), group mails (``mailings``), accounts and the audit log (``accounts``).

Every text a visitor reads comes in pairs, ``<field>_zh`` and ``<field>_en``;
``summit.i18n.localized`` picks one by locale and falls back to the other.
Times are timezone-aware UTC in Python and in the database.
"""

from .accounts import (
    AuditEntry,
    EventRole,
    LoginAttempt,
    Role,
    User,
)
from .columns import (
    UTCDateTime,
    enum_column,
    utcnow,
)
from .mailings import Mailing, MailingRecipient, MailingState
from .programme import (
    NOT_PROGRAMME,
    PROGRAMME_TYPES,
    CoHost,
    CoHostRole,
    Event,
    EventStatus,
    Forum,
    ForumKind,
    ProgrammeSession,
    SessionKind,
    SessionSpeaker,
    Speaker,
)
from .registration import (
    Answer,
    MailKind,
    MailMessage,
    MailSendRate,
    MailStatus,
    Question,
    QuestionChoice,
    QuestionKind,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    Seat,
    SeatStatus,
)

__all__ = [
    "Answer",
    "AuditEntry",
    "CoHost",
    "CoHostRole",
    "Event",
    "EventRole",
    "EventStatus",
    "Forum",
    "ForumKind",
    "LoginAttempt",
    "MailKind",
    "MailMessage",
    "MailSendRate",
    "MailStatus",
    "Mailing",
    "MailingRecipient",
    "MailingState",
    "NOT_PROGRAMME",
    "PROGRAMME_TYPES",
    "ProgrammeSession",
    "Question",
    "QuestionChoice",
    "QuestionKind",
    "Registration",
    "RegistrationCategory",
    "RegistrationStatus",
    "Role",
    "Seat",
    "SeatStatus",
    "SessionKind",
    "SessionSpeaker",
    "Speaker",
    "UTCDateTime",
    "User",
    "enum_column",
    "utcnow",
]
