"""The audit log: every change an organizer makes, every check-in, and what attendees
do on their own pages (register, change forums, cancel, ask for their link again)."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from .models import AuditEntry, User, utcnow


class AuditAction(enum.StrEnum):
    """What an entry says was done; stored as its value, named on screen by
    ``labels.AUDIT_ACTIONS``."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    MOVE = "move"
    IMPORT = "import"
    REGISTER = "register"
    CHANGE_FORUMS = "change_forums"
    CANCEL = "cancel"
    PROMOTE = "promote"
    RESEND_LINK = "resend_link"
    CHECK_IN = "check_in"
    UNDO_CHECK_IN = "undo_check_in"
    BADGE_PRINTED = "badge_printed"
    BADGE_REPRINTED = "badge_reprinted"
    MAIL_CERTIFICATES = "mail_certificates"
    RETRY = "retry"
    RESET_PASSWORD = "reset_password"
    ACTIVATE = "activate"
    DEACTIVATE = "deactivate"
    GRANT_ROLE = "grant_role"
    REMOVE_ROLE = "remove_role"
    CLONE = "clone"
    PUBLISH = "publish"
    ARCHIVE = "archive"
    RETIRE = "retire"
    CHANGE_ANSWERS = "change_answers"
    REVOKE = "revoke"
    # A request to the REST API with a token (reads: at most one entry a minute per token).
    API_REQUEST = "api_request"
    SEND = "send"
    SCHEDULE = "schedule"
    SEND_TEST = "send_test"
    CANCEL_MAILING = "cancel_mailing"
    STOP_MAILING = "stop_mailing"


# One statement for every entry: the ORM's unit of work costs more than the insert itself
# on paths as hot as registering.
_INSERT = insert(AuditEntry)

_ATTENDEE = re.compile(r"attendee <(?P<email>.*)>")


def attendee(email: str) -> str:
    """The actor of an attendee's own action: they have no account, only an address."""
    return f"attendee <{email}>"


def api_token(name: str) -> str:
    """The actor of what another system did with an event's API token."""
    return f"API token «{name}»"


def attendee_email(actor: str) -> str | None:
    """The address in an actor written by ``attendee``, else None (an account)."""
    found = _ATTENDEE.fullmatch(actor or "")
    return found["email"] if found else None


def record(
    session: Session,
    actor: User | str | None,
    action: AuditAction,
    object_type: str,
    object_id: object = "",
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    *,
    event_id: int | None,
) -> None:
    """Add an entry in the caller's transaction, so it commits or rolls back with the change.
    ``actor`` is an account, or someone without one such as ``attendee(email)``, or
    None for the system. ``event_id`` is the event whose data changed, None for the
    site's own (accounts, events): always said, so that no entry lands in the wrong log."""
    session.execute(_INSERT, entry(actor, action, object_type, object_id, summary, before,
                                   after, event_id=event_id))


def record_all(session: Session, entries: list[dict[str, Any]]) -> None:
    """Add the ``entry``s in one statement, in the caller's transaction (a desk's queue
    of check-ins)."""
    if entries:
        session.execute(_INSERT, entries)


def entry(
    actor: User | str | None,
    action: AuditAction,
    object_type: str,
    object_id: object = "",
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    *,
    event_id: int | None,
) -> dict[str, Any]:
    """One entry as ``record`` writes it (the arguments are ``record``'s)."""
    account = actor if isinstance(actor, User) else None
    return {
        "event_id": event_id,
        "at": utcnow(),
        "user_id": account.id if account is not None else None,
        "actor": (account.email if account is not None else actor or "")[:254],
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "summary": summary[:500],
        "before": before,
        "after": after,
    }


def _plain(value: Any) -> Any:
    """A value as JSON can hold it: enums by value, dates and times in ISO 8601."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def snapshot(obj: object, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The named attributes of ``obj``, ready for ``before``/``after``."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def changes(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields whose value differs, as (before, after)."""
    changed = [name for name in after if before.get(name) != after[name]]
    return {name: before.get(name) for name in changed}, {name: after[name] for name in changed}
