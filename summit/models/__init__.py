"""The whole domain as SQLAlchemy 2 typed models, one module per area: column types
(``columns``), the event and its programme (``programme``), registrations, questions
and mail (``registration``), an event's reminders (``reminders``), accounts and the
audit log (``accounts``), API tokens (``api``), the desks' scans (``checkin``).

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
from .api import ApiScope, ApiToken, Webhook, WebhookDelivery, WebhookKind
from .checkin import DeskScan
from .columns import (
    UTCDateTime,
    enum_column,
    utcnow,
)
from .programme import (
    NOT_PROGRAMME,
    PROGRAMME_TYPES,
    CoHost,
    CoHostRole,
    Event,
    EventStatus,
    Forum,
    ForumKind,
    MaterialKind,
    ProgrammeSession,
    SessionKind,
    SessionMaterial,
    SessionSpeaker,
    Speaker,
)
from .registration import (
    Answer,
    MailKind,
    MailMessage,
    MailStatus,
    Question,
    QuestionChoice,
    QuestionKind,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    Seat,
    SeatStatus,
    SessionStar,
)
from .reminders import (
    Reminder,
    ReminderDelivery,
    ReminderState,
    default_reminders,
)

__all__ = [
    "Answer",
    "ApiScope",
    "ApiToken",
    "Webhook",
    "WebhookDelivery",
    "WebhookKind",
    "AuditEntry",
    "CoHost",
    "CoHostRole",
    "DeskScan",
    "Event",
    "EventRole",
    "EventStatus",
    "Forum",
    "ForumKind",
    "LoginAttempt",
    "MaterialKind",
    "MailKind",
    "MailMessage",
    "MailStatus",
    "NOT_PROGRAMME",
    "PROGRAMME_TYPES",
    "ProgrammeSession",
    "Question",
    "QuestionChoice",
    "QuestionKind",
    "Registration",
    "RegistrationCategory",
    "RegistrationStatus",
    "Reminder",
    "ReminderDelivery",
    "ReminderState",
    "Role",
    "Seat",
    "SeatStatus",
    "SessionKind",
    "SessionMaterial",
    "SessionSpeaker",
    "SessionStar",
    "Speaker",
    "UTCDateTime",
    "User",
    "default_reminders",
    "enum_column",
    "utcnow",
]
