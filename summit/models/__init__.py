"""The whole domain as SQLAlchemy 2 typed models, one module per area: column types
(``columns``), the event and its programme (``programme``), registrations, questions
and mail (``registration``), accounts and the audit log (``accounts``), the call for
speakers and its review (``proposals``).

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
from .columns import (
    UTCDateTime,
    enum_column,
    utcnow,
)
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
    ProgrammeSession,
    SessionKind,
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
    proposal_call_forum,
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
)

__all__ = [
    "Answer",
    "AuditEntry",
    "CoHost",
    "CoHostRole",
    "Decision",
    "enum_column",
    "Event",
    "EventRole",
    "EventStatus",
    "Forum",
    "ForumKind",
    "LoginAttempt",
    "MailKind",
    "MailMessage",
    "MailStatus",
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
    "Review",
    "ReviewerForum",
    "Role",
    "SCHEDULED",
    "Seat",
    "SeatStatus",
    "SessionKind",
    "SessionSpeaker",
    "Speaker",
    "UNDECIDED",
    "User",
    "UTCDateTime",
    "utcnow",
]
