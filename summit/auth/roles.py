"""Roles per event: what an account may open. Site administrators (``User.role`` ADMIN)
may open everything; any other account only what its roles at an event (``EventRole``)
allow there. ``User.role`` of a non-administrator grants nothing by itself."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from .. import audit
from ..audit import AuditAction
from ..database import begin_write
from ..models import Event, EventRole, Role, User

# What may be held at one event (the site's administrators hold every event).
EVENT_ROLES = (Role.ORGANIZER, Role.CHECKIN, Role.REVIEWER)


def roles_held(session: Session, user: User) -> dict[int, Role]:
    """The account's role at each event, by event id."""
    rows = session.execute(select(EventRole.event_id, EventRole.role)
                           .where(EventRole.user_id == user.id))
    return {event_id: role for event_id, role in rows}


def may_open(user: User, held: Mapping[int, Role], roles: Collection[Role],
             event: Event | None) -> bool:
    """The one role check: may ``user``, holding ``held``, open a page for ``roles`` at
    ``event``? Without an event (a page of the site's own) a role held at any event
    counts; a page for no role is for administrators only."""
    if user.role == Role.ADMIN:
        return True
    if event is None:
        return any(role in roles for role in held.values())
    return held.get(event.id) in roles


def events_open_to(session: Session, user: User, held: Mapping[int, Role]) -> list[Event]:
    """The events whose admin ``user`` may open, the latest first."""
    if user.role == Role.ADMIN:
        return all_events(session)
    return list(session.scalars(select(Event).where(Event.id.in_(list(held)))
                                .order_by(Event.starts_on.desc(), Event.id.desc())))


def _record(session: Session, actor: User, action: str, user: User, event: Event,
            before: dict | None, after: dict | None) -> None:
    # In the site's log, with the accounts' other changes.
    audit.record(session, actor, action, "user", user.id, f"{user.email} @ {event.slug}",
                 before=before, after=after, event_id=None)


def _lock_roles_of(session: Session, user: User) -> None:
    """Start a write that holds ``user``'s account row until it commits (PostgreSQL:
    ``FOR UPDATE``; SQLite: the database's write lock), so that two administrators
    changing its roles at once take turns. Commits a transaction the session had open
    on SQLite."""
    begin_write(session)
    session.execute(select(User.id).where(User.id == user.id).with_for_update())


def _held_at(session: Session, user: User, event: Event) -> EventRole | None:
    # Read again, not taken from the session: another transaction may have changed it.
    return session.scalar(select(EventRole)
                          .where(EventRole.user_id == user.id, EventRole.event_id == event.id)
                          .execution_options(populate_existing=True))


def grant_event_role(session: Session, actor: User, user: User, event: Event, role: Role) -> None:
    """Give ``user`` ``role`` at ``event``, instead of the role it held there. Commits.
    Grants to one account at the same time take turns: the last one wins, and each
    change (none when the role was held already) leaves one audit entry."""
    if role not in EVENT_ROLES:
        raise ValueError(f"not a role held at an event: {role}")
    _lock_roles_of(session, user)
    held = _held_at(session, user, event)
    if held is not None and held.role == role:
        session.commit()
        return
    before = {"event": event.slug, "role": held.role.value} if held else None
    if held is None:
        session.add(EventRole(user_id=user.id, event_id=event.id, role=role))
    else:
        held.role = role
    _record(session, actor, AuditAction.GRANT_ROLE, user, event, before,
            {"event": event.slug, "role": role.value})
    session.commit()


def remove_event_role(session: Session, actor: User, user: User, event: Event) -> None:
    """Take away what ``user`` held at ``event`` (nothing happens if it held nothing, as
    when another administrator took it away a moment before). Commits."""
    _lock_roles_of(session, user)
    held = _held_at(session, user, event)
    if held is None:
        session.commit()
        return
    _record(session, actor, AuditAction.REMOVE_ROLE, user, event,
            {"event": event.slug, "role": held.role.value}, None)
    session.delete(held)
    session.commit()


def roles_by_account(session: Session) -> dict[int, list[EventRole]]:
    """Every account's roles at events (with the events loaded), by account id, the
    latest event first."""
    found: dict[int, list[EventRole]] = {}
    for held in session.scalars(select(EventRole).join(EventRole.event)
                                .options(contains_eager(EventRole.event))
                                .order_by(Event.starts_on.desc(), Event.id.desc())):
        found.setdefault(held.user_id, []).append(held)
    return found


def all_events(session: Session) -> list[Event]:
    """Every event, the latest first: what a role can be given at."""
    return list(session.scalars(select(Event).order_by(Event.starts_on.desc(), Event.id.desc())))
