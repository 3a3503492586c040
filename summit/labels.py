"""What each enum value is called on screen, in mails, feeds and badges."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from .models import (
    CoHostRole,
    ForumKind,
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
