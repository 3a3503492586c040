"""The whole domain as SQLAlchemy 2 typed models, one module per area: column types
(``columns``), the event and its programme (``programme``), registrations, questions
and mail (``registration``), an event's reminders (``reminders``), group mails
(``mailings``), accounts and the audit log (``accounts``), API tokens (``api``), the desks'
scans (``checkin``), the call for speakers and its review (``proposals``).

Every text a visitor reads comes in pairs, ``<field>_zh`` and ``<field>_en``;
``summit.i18n.localized`` picks one by locale and falls back to the other.
Times are timezone-aware UTC in Python and in the database.
"""

from .accounts import (
    AuditEntry,
    EventRole,
    LoginAttempt,
    ReviewerForum,
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
from .mailings import Mailing, MailingRecipient, MailingState, WithdrawnBecause
from .programme import (
    NOT_PROGRAMME,
    PROGRAMME_TYPES,
    SCHEDULED,
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
from .proposals import (
    UNDECIDED,
    Decision,
    Proposal,
    ProposalCall,
    ProposalMailKind,
    ProposalSpeaker,
    ProposalState,
    Review,
    SpeakerAvailability,
    proposal_call_forum,
)
from .registration import (
    Answer,
    BadgePage,
    MailKind,
    MailMessage,
    MailSendRate,
    MailStatus,
    MailWorker,
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
    "BadgePage",
    "ApiScope",
    "ApiToken",
    "Webhook",
    "WebhookDelivery",
    "WebhookKind",
    "AuditEntry",
    "CoHost",
    "CoHostRole",
    "Decision",
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
    "MailSendRate",
    "MailWorker",
    "MailStatus",
    "Mailing",
    "MailingRecipient",
    "MailingState",
    "WithdrawnBecause",
    "NOT_PROGRAMME",
    "PROGRAMME_TYPES",
    "ProgrammeSession",
    "Proposal",
    "proposal_call_forum",
    "ProposalCall",
    "ProposalMailKind",
    "ProposalSpeaker",
    "ProposalState",
    "Question",
    "QuestionChoice",
    "QuestionKind",
    "Registration",
    "RegistrationCategory",
    "RegistrationStatus",
    "Reminder",
    "ReminderDelivery",
    "ReminderState",
    "Review",
    "SpeakerAvailability",
    "ReviewerForum",
    "Role",
    "SCHEDULED",
    "Seat",
    "SeatStatus",
    "SessionKind",
    "SessionMaterial",
    "SessionSpeaker",
    "SessionStar",
    "Speaker",
    "UNDECIDED",
    "User",
    "UTCDateTime",
    "default_reminders",
    "enum_column",
    "utcnow",
]
