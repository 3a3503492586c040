"""The audit log: every change an organizer makes and every check-in."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .models import AuditEntry, User


def record(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object = "",
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry in the caller's transaction, so it commits or rolls back with the change."""
    entry = AuditEntry(
        user_id=actor.id if actor is not None else None,
        actor=actor.email if actor is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:500],
        before=before,
        after=after,
    )
    session.add(entry)
    return entry
