"""Where the admin pages of the tests' events are (/admin/<event>/…), and accounts that
may open them."""

from sqlalchemy import select

from summit.demo.seed import SLUG
from summit.models import Event, EventRole, Role, User

# The demo event's admin pages: f"{ADMIN}/registrations".
ADMIN = f"/admin/{SLUG}"


def event_admin(slug: str) -> str:
    """The start of the admin pages of the event with ``slug``."""
    return f"/admin/{slug}"


def hold_role_at_every_event(session, user: User) -> User:
    """An organizer or check-in account holds its role at every event there is (an
    administrator needs none)."""
    if user.role != Role.ADMIN:
        user.event_roles = [EventRole(event=event, role=user.role)
                            for event in session.scalars(select(Event))]
    return user
