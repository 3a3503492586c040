"""Where the admin pages of the tests' events are (/admin/<event>/…), and accounts that
may open them."""

from sqlalchemy import select

from summit.demo.seed import SLUG, load_demo
from summit.extensions import db
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


def load_edition(slug: str) -> int:
    """The demo event under another slug and name (ending in a letter or digit: "edition-b"
    is "Edition B"), a full event with its programme; returns its id. The demo event, if
    loaded, stays as it is."""
    demo = db.session.scalars(select(Event).where(Event.slug == SLUG)).first()
    if demo is not None:
        demo.slug = f"{slug}-aside"
        db.session.flush()
    event = load_demo(db.session)
    mark = slug[-1].upper()
    event.slug, event.name_en = slug, f"Edition {mark}"
    event.name_zh = f"{event.name_zh}（{mark}）"
    db.session.flush()
    if demo is not None:
        demo.slug = SLUG
    db.session.commit()
    return event.id
