"""What each enum value is called on screen, in mails, feeds and badges."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from .mail import MailKind
from .models import (
    CoHostRole,
    ForumKind,
    MailStatus,
    RegistrationCategory,
    RegistrationStatus,
    Role,
    SeatStatus,
    SessionKind,
)

SESSION_KINDS = {
    SessionKind.OPENING: _l("Opening"),
    SessionKind.KEYNOTE: _l("Keynote"),
    SessionKind.TALK: _l("Talk"),
    SessionKind.PANEL: _l("Panel"),
    SessionKind.CEREMONY: _l("Ceremony"),
    SessionKind.BREAK: _l("Break"),
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

CATEGORIES = {
    RegistrationCategory.DELEGATE: _l("Delegate"),
    RegistrationCategory.SPEAKER: _l("Speaker"),
    RegistrationCategory.VIP: _l("VIP"),
    RegistrationCategory.PRESS: _l("Press"),
    RegistrationCategory.STUDENT: _l("Student"),
    RegistrationCategory.STAFF: _l("Staff"),
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

ROLES = {
    Role.ADMIN: _l("Administrator"),
    Role.ORGANIZER: _l("Organizer"),
    Role.CHECKIN: _l("Check-in staff"),
}

MAIL_KINDS = {
    MailKind.CONFIRMATION: _l("Confirmation"),
    MailKind.LINK: _l("Private link"),
    MailKind.PROMOTION: _l("Moved up from the waiting list"),
    MailKind.CANCELLATION: _l("Cancellation"),
    MailKind.REGISTER_AGAIN: _l("Link to register again"),
}

MAIL_STATUSES = {
    MailStatus.PENDING: _l("Waiting to be sent"),
    MailStatus.SENDING: _l("Sending"),
    MailStatus.SENT: _l("Sent"),
    MailStatus.FAILED: _l("Failed"),
}

# The audit log stores its actions and kinds of object as codes (summit.audit.record);
# these are their names on screen. A code missing here is shown as it is stored.
AUDIT_ACTIONS = {
    "create": lazy_pgettext("audit action", "Created"),
    "update": lazy_pgettext("audit action", "Changed"),
    "delete": lazy_pgettext("audit action", "Deleted"),
    "move": lazy_pgettext("audit action", "Moved"),
    "import": lazy_pgettext("audit action", "Imported"),
    "cancel": lazy_pgettext("audit action", "Registration cancelled"),
    "promote": lazy_pgettext("audit action", "Moved up from the waiting list"),
    "resend_link": lazy_pgettext("audit action", "Private link sent again"),
    "check_in": lazy_pgettext("audit action", "Checked in"),
    "undo_check_in": lazy_pgettext("audit action", "Check-in undone"),
    "badge_printed": lazy_pgettext("audit action", "Badge printed"),
    "retry": lazy_pgettext("audit action", "Mail sent again"),
    "reset_password": lazy_pgettext("audit action", "Password set"),
    "activate": lazy_pgettext("audit action", "Account reactivated"),
    "deactivate": lazy_pgettext("audit action", "Account deactivated"),
}

AUDIT_OBJECTS = {
    "registration": lazy_pgettext("audit object", "Registration"),
    "event": lazy_pgettext("audit object", "Event"),
    "co_host": lazy_pgettext("audit object", "Co-host"),
    "forum": lazy_pgettext("audit object", "Forum"),
    "speaker": lazy_pgettext("audit object", "Speaker"),
    "session": lazy_pgettext("audit object", "Session"),
    "user": lazy_pgettext("audit object", "Account"),
    "mail": lazy_pgettext("audit object", "Mail"),
}
