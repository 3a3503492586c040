"""What each enum value is called on screen, in mails, feeds and badges."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from .audit import AuditAction
from .models import (
    CoHostRole,
    Decision,
    EventStatus,
    ForumKind,
    MailingState,
    MailKind,
    MailStatus,
    MaterialKind,
    ProposalMailKind,
    ProposalState,
    QuestionKind,
    RegistrationCategory,
    RegistrationStatus,
    Role,
    SeatStatus,
    SessionKind,
    WithdrawnBecause,
)

SESSION_KINDS = {
    SessionKind.OPENING: _l("Opening"),
    SessionKind.KEYNOTE: _l("Keynote"),
    SessionKind.TALK: _l("Talk"),
    SessionKind.PANEL: _l("Panel"),
    SessionKind.CEREMONY: _l("Ceremony"),
    SessionKind.BREAK: _l("Break"),
}

MATERIAL_KINDS = {
    MaterialKind.SLIDES: _l("Slides"),
    MaterialKind.VIDEO: _l("Video"),
    MaterialKind.RECORDING: _l("Recording"),
}

FORUM_KINDS = {
    ForumKind.MAIN: _l("Main forum"),
    ForumKind.PARALLEL: _l("Parallel forum"),
}

CO_HOST_ROLES = {
    CoHostRole.HOST: _l("Host"),
    CoHostRole.CO_HOST: _l("Co-host"),
    # The organizing institution (承办单位), not an organizer's account role below.
    CoHostRole.ORGANIZER: lazy_pgettext("co-host role", "Organizer"),
    CoHostRole.SUPPORTER: _l("Supporter"),
}

# A page lists co-hosts under their role, as Chinese programmes do (联合主办单位：…), so that
# nobody is called a host (主办) who co-hosts (联合主办).
CO_HOST_GROUPS = {
    CoHostRole.HOST: lazy_pgettext("co-host group", "Hosts"),
    CoHostRole.CO_HOST: lazy_pgettext("co-host group", "Co-hosts"),
    CoHostRole.ORGANIZER: lazy_pgettext("co-host group", "Organizers"),
    CoHostRole.SUPPORTER: lazy_pgettext("co-host group", "Supporters"),
}

CATEGORIES = {
    RegistrationCategory.DELEGATE: _l("Delegate"),
    RegistrationCategory.SPEAKER: _l("Speaker"),
    RegistrationCategory.VIP: _l("VIP"),
    RegistrationCategory.PRESS: _l("Press"),
    RegistrationCategory.STUDENT: _l("Student"),
    RegistrationCategory.STAFF: _l("Staff"),
}

QUESTION_KINDS = {
    QuestionKind.SHORT_TEXT: _l("Short text"),
    QuestionKind.LONG_TEXT: _l("Long text"),
    QuestionKind.CHOICE: _l("One choice"),
    QuestionKind.MULTIPLE: _l("Several choices"),
    QuestionKind.YES_NO: _l("Yes or no"),
    QuestionKind.NUMBER: _l("Number"),
    QuestionKind.DATE: _l("Date"),
}

# A registration's fields as the CSV export's columns and the audit log name them.
REGISTRATION_FIELDS = {
    "id": lazy_pgettext("export column", "No."),
    "full_name": lazy_pgettext("export column", "Name"),
    "latin_name": lazy_pgettext("export column", "Latin name"),
    "email": lazy_pgettext("export column", "Email"),
    "phone": lazy_pgettext("export column", "Phone"),
    "organisation": lazy_pgettext("export column", "Organisation"),
    "job_title": lazy_pgettext("export column", "Job title"),
    "category": lazy_pgettext("export column", "Category"),
    "status": lazy_pgettext("export column", "Status"),
    "forums": lazy_pgettext("export column", "Forums (seat confirmed)"),
    "forums_waiting": lazy_pgettext("export column", "Forums (waiting list)"),
    "forums_attended": lazy_pgettext("export column", "Forums attended (door scans)"),
    "checkin_code": lazy_pgettext("export column", "Check-in code"),
    "locale": lazy_pgettext("export column", "Language"),
    "created_at": lazy_pgettext("export column", "Registered at"),
    "checked_in_at": lazy_pgettext("export column", "Checked in at"),
    "badge_printed_at": lazy_pgettext("export column", "Badge printed at"),
}

REGISTRATION_STATUSES = {
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.WAITLISTED: _l("On the waiting list"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}

SEAT_STATUSES = {
    SeatStatus.CONFIRMED: _l("Seat confirmed"),
    SeatStatus.WAITLISTED: _l("On the waiting list"),
    SeatStatus.CANCELLED: _l("Dropped"),
}

EVENT_STATUSES = {
    EventStatus.DRAFT: lazy_pgettext("event status", "Draft"),
    EventStatus.PUBLISHED: lazy_pgettext("event status", "Published"),
    EventStatus.ARCHIVED: lazy_pgettext("event status", "Archived"),
}

ROLES = {
    Role.ADMIN: _l("Administrator"),
    Role.ORGANIZER: _l("Organizer"),
    Role.CHECKIN: _l("Check-in staff"),
    Role.REVIEWER: _l("Reviewer"),
}

PROPOSAL_STATES = {
    ProposalState.SUBMITTED: _l("Submitted"),
    ProposalState.IN_REVIEW: _l("In review"),
    ProposalState.ACCEPTED: _l("Accepted"),
    ProposalState.REJECTED: _l("Rejected"),
    ProposalState.CONFIRMED: _l("Confirmed"),
    ProposalState.WITHDRAWN: _l("Withdrawn"),
}

CALL_STATES = {
    "none": _l("No call: choose at least one forum, kind and duration"),
    "not_yet_open": _l("Not open yet"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    "archived": _l("Archived"),
}

DECISIONS = {
    Decision.ACCEPT: _l("Accept"),
    Decision.REJECT: _l("Reject"),
}

MAIL_KINDS = {
    MailKind.CONFIRMATION: _l("Confirmation"),
    MailKind.LINK: _l("Private link"),
    MailKind.PROMOTION: _l("Moved up from the waiting list"),
    MailKind.CANCELLATION: _l("Cancellation"),
    MailKind.REGISTER_AGAIN: _l("Link to register again"),
    MailKind.REMINDER: _l("Reminder before the event"),
    MailKind.GROUP_MAIL: _l("Group mail"),
    MailKind.CERTIFICATE: _l("Certificate of attendance"),
    ProposalMailKind.RECEIVED: _l("Proposal received"),
    ProposalMailKind.CO_SPEAKER: _l("Co-speaker's link"),
    ProposalMailKind.ACCEPTED: _l("Proposal accepted"),
    ProposalMailKind.REJECTED: _l("Proposal not accepted"),
}

EVENT_STATUSES = {
    EventStatus.DRAFT: _l("Draft"),
    EventStatus.PUBLISHED: _l("Published"),
    EventStatus.ARCHIVED: _l("Archived"),
}

MAIL_STATUSES = {
    MailStatus.PENDING: _l("Waiting to be sent"),
    MailStatus.SENDING: _l("Sending"),
    MailStatus.SENT: _l("Sent"),
    MailStatus.FAILED: _l("Failed"),
    MailStatus.WITHDRAWN: _l("Not sent"),
}

# Why a mail was withdrawn (``MailMessage.last_error`` of a withdrawn mail).
WITHDRAWN_BECAUSE = {
    WithdrawnBecause.REGISTRATION_CANCELLED:
        _l("the registration was cancelled before it went out"),
    WithdrawnBecause.MAILING_STOPPED: _l("the mailing was stopped"),
}

MAILING_STATES = {
    MailingState.DRAFT: lazy_pgettext("mailing state", "Draft"),
    MailingState.SCHEDULED: lazy_pgettext("mailing state", "Scheduled"),
    MailingState.SENDING: lazy_pgettext("mailing state", "Sending"),
    MailingState.SENT: lazy_pgettext("mailing state", "Sent"),
    MailingState.CANCELLED: lazy_pgettext("mailing state", "Cancelled"),
    MailingState.STOPPED: lazy_pgettext("mailing state", "Stopped"),
}

# The audit log stores its actions and kinds of object as codes (summit.audit.record);
# these are their names on screen. An object's code missing here is shown as it is stored.
AUDIT_ACTIONS = {
    AuditAction.CREATE: lazy_pgettext("audit action", "Created"),
    AuditAction.UPDATE: lazy_pgettext("audit action", "Changed"),
    AuditAction.DELETE: lazy_pgettext("audit action", "Deleted"),
    AuditAction.MOVE: lazy_pgettext("audit action", "Moved"),
    AuditAction.IMPORT: lazy_pgettext("audit action", "Imported"),
    AuditAction.REGISTER: lazy_pgettext("audit action", "Registered"),
    AuditAction.CHANGE_FORUMS: lazy_pgettext("audit action", "Forums changed"),
    AuditAction.CANCEL: lazy_pgettext("audit action", "Registration cancelled"),
    AuditAction.PROMOTE: lazy_pgettext("audit action", "Moved up from the waiting list"),
    AuditAction.RESEND_LINK: lazy_pgettext("audit action", "Private link sent again"),
    AuditAction.CHECK_IN: lazy_pgettext("audit action", "Checked in"),
    AuditAction.UNDO_CHECK_IN: lazy_pgettext("audit action", "Check-in undone"),
    AuditAction.BADGE_PRINTED: lazy_pgettext("audit action", "Badge printed"),
    AuditAction.BADGE_REPRINTED: lazy_pgettext("audit action", "Badge printed again"),
    AuditAction.MAIL_CERTIFICATES: lazy_pgettext("audit action", "Certificates mailed"),
    AuditAction.RETRY: lazy_pgettext("audit action", "Mail sent again"),
    AuditAction.RESET_PASSWORD: lazy_pgettext("audit action", "Password set"),
    AuditAction.ACTIVATE: lazy_pgettext("audit action", "Account reactivated"),
    AuditAction.DEACTIVATE: lazy_pgettext("audit action", "Account deactivated"),
    AuditAction.GRANT_ROLE: lazy_pgettext("audit action", "Role at an event given"),
    AuditAction.REMOVE_ROLE: lazy_pgettext("audit action", "Role at an event taken away"),
    AuditAction.CLONE: lazy_pgettext("audit action", "Cloned"),
    AuditAction.PUBLISH: lazy_pgettext("audit action", "Published"),
    AuditAction.ARCHIVE: lazy_pgettext("audit action", "Archived"),
    AuditAction.REVOKE: lazy_pgettext("audit action", "Revoked"),
    AuditAction.API_REQUEST: lazy_pgettext("audit action", "Used the API"),
    AuditAction.RETIRE: lazy_pgettext("audit action", "Retired"),
    AuditAction.CHANGE_ANSWERS: lazy_pgettext("audit action", "Answers changed"),
    AuditAction.SEND: lazy_pgettext("audit action", "Mailing sent"),
    AuditAction.SCHEDULE: lazy_pgettext("audit action", "Mailing scheduled"),
    AuditAction.SEND_TEST: lazy_pgettext("audit action", "Test mail sent"),
    AuditAction.CANCEL_MAILING: lazy_pgettext("audit action", "Mailing cancelled"),
    AuditAction.STOP_MAILING: lazy_pgettext("audit action", "Mailing stopped"),
}

# The fields of an entry's before and after; a field missing here is shown as stored.
AUDIT_FIELDS = {
    **REGISTRATION_FIELDS,
    "seats": lazy_pgettext("audit field", "Forums"),
    "name": lazy_pgettext("audit field", "Name"),
    "role": lazy_pgettext("audit field", "Role"),
    "active": lazy_pgettext("audit field", "Active"),
    "days_before": lazy_pgettext("audit field", "Days before"),
    "at": lazy_pgettext("audit field", "At"),
    "enabled": lazy_pgettext("audit field", "On"),
    "note_zh": lazy_pgettext("audit field", "Note (Chinese)"),
    "note_en": lazy_pgettext("audit field", "Note (English)"),
    "scopes": lazy_pgettext("audit field", "Scopes"),
    "revoked_at": lazy_pgettext("audit field", "Revoked"),
}

AUDIT_OBJECTS = {
    "registration": lazy_pgettext("audit object", "Registration"),
    "mailing": lazy_pgettext("audit object", "Mailing"),
    "event": lazy_pgettext("audit object", "Event"),
    "co_host": lazy_pgettext("audit object", "Co-host"),
    "forum": lazy_pgettext("audit object", "Forum"),
    "speaker": lazy_pgettext("audit object", "Speaker"),
    "session": lazy_pgettext("audit object", "Session"),
    "user": lazy_pgettext("audit object", "Account"),
    "mail": lazy_pgettext("audit object", "Mail"),
    "api_token": lazy_pgettext("audit object", "API token"),
    "question": lazy_pgettext("audit object", "Question"),
    "reminder": lazy_pgettext("audit object", "Reminder"),
    "material": lazy_pgettext("audit object", "Material"),
}
