"""Organizer accounts: creating them, signing in (throttled), and changing them.

Every change to an account is written to the audit log in the same
transaction. Passwords exist only as werkzeug scrypt hashes and are never
logged or audited.
"""

from __future__ import annotations

import functools
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..audit import AuditAction
from ..models import Role, User, utcnow
from . import throttle

PASSWORD_MIN_LENGTH = 10
# The roles an account holds per event; an administrator's (Role.ADMIN) is the site's.


@functools.cache
def _nobody_hash() -> str:
    """Checked when no account has the email, so that a wrong email costs as long as
    a wrong password and timing does not tell which accounts exist."""
    return generate_password_hash("no account has this password")


class SignInRefused(Exception):
    """Too many failed attempts: try again at ``retry_at`` (the password was not looked at)."""

    def __init__(self, retry_at: datetime):
        super().__init__(retry_at.isoformat())
        self.retry_at = retry_at


class AccountError(Exception):
    """A rule about accounts says no; the message is for the administrator."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalise_email(email))).first()


def create_user(
    session: Session, email: str, password: str, role: Role = Role.ORGANIZER, name: str = ""
) -> User:
    """Add an account (the caller commits); the password is stored only as a scrypt hash."""
    user = User(
        email=normalise_email(email),
        name=name,
        role=role,
        password_hash=generate_password_hash(password),
    )
    session.add(user)
    return user


def password_matches(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def has_any_user(session: Session) -> bool:
    return session.scalars(select(User.id).limit(1)).first() is not None


def load_active_user(session: Session, session_id: str) -> User | None:
    """flask-login's user loader (``session_id`` is what ``User.get_id`` gave): a session
    of a deactivated account, or one its account has ended since (signing out, a new
    password, a deactivation), logs nobody in."""
    user_id, _, generation = session_id.partition(":")
    if not (user_id.isdecimal() and generation.isdecimal()):
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    return user if str(user.session_generation) == generation else None


def end_sessions(session: Session, user: User) -> None:
    """End every session and remember-me cookie of ``user``, on every device, at their
    next request (the caller commits). One statement, so that two at once both count."""
    session.execute(update(User).where(User.id == user.id)
                    .values(session_generation=User.session_generation + 1))
    session.refresh(user, ["session_generation"])


# --- signing in ----------------------------------------------------------------


def authenticate(
    session: Session, email: str, password: str, address: str, now: datetime | None = None
) -> User | None:
    """The active account with this email and password, or None. Raises
    ``SignInRefused`` while the account or the address is throttled, whatever the
    password. Commits the attempt either way."""
    now = now or utcnow()
    email = normalise_email(email)
    attempt = throttle.open_attempt(session, email, address, now)
    retry_at = throttle.refused_until(session, attempt)
    if retry_at is not None:
        throttle.withdraw(session, attempt)
        raise SignInRefused(retry_at)
    user = find_user(session, email)
    if user is None:
        check_password_hash(_nobody_hash(), password)
        session.commit()
        return None
    if not password_matches(user, password) or not user.active:
        session.commit()
        return None
    attempt.succeeded = True
    user.last_login_at = now
    session.commit()
    return user


def sign_out(session: Session, user: User) -> None:
    """End every session of ``user``: this one, copies of its cookies, other devices.
    Commits."""
    end_sessions(session, user)
    session.commit()


# --- managing accounts (administrators) ----------------------------------------


def _account_state(user: User) -> dict:
    return {"email": user.email, "name": user.name, "role": user.role.value,
            "active": user.active}


def site_role(administrator: bool) -> Role:
    """``User.role`` for an administrator of the site or not: an account that is not one
    holds its rights at events only (``EventRole``)."""
    return Role.ADMIN if administrator else Role.ORGANIZER


def add_account(
    session: Session, actor: User, email: str, password: str, administrator: bool,
    name: str = "",
) -> User:
    """Create an account. Commits."""
    if find_user(session, email) is not None:
        raise AccountError(_l("An account with this email exists already."))
    user = create_user(session, email, password, site_role(administrator), name)
    session.flush()
    audit.record(session, actor, AuditAction.CREATE, "user", user.id, user.email,
                 after=_account_state(user), event_id=None)
    session.commit()
    return user


def change_account(
    session: Session, actor: User, user: User, name: str, administrator: bool
) -> None:
    """Rename an account, make it an administrator of the site or no longer. Commits.
    Nobody demotes themselves (there must stay someone who can manage accounts)."""
    if administrator == (user.role == Role.ADMIN):
        _apply(session, actor, user, AuditAction.UPDATE, name=name)
        return
    if user.id == actor.id:
        raise AccountError(_l("You cannot change your own role."))
    _apply(session, actor, user, AuditAction.UPDATE, name=name, role=site_role(administrator))


def set_active(session: Session, actor: User, user: User, active: bool) -> None:
    """Deactivate (ends every session of the account at its next request) or reactivate.
    Commits. Nobody deactivates themselves."""
    if user.id == actor.id and not active:
        raise AccountError(_l("You cannot deactivate your own account."))
    if not active:
        end_sessions(session, user)
    action = AuditAction.ACTIVATE if active else AuditAction.DEACTIVATE
    _apply(session, actor, user, action, active=active)


def set_password(session: Session, actor: User, user: User, password: str) -> None:
    """Give an account a new password and end its sessions. Commits; the log says that
    it changed, not to what."""
    user.password_hash = generate_password_hash(password)
    end_sessions(session, user)
    audit.record(session, actor, AuditAction.RESET_PASSWORD, "user", user.id, user.email,
                 event_id=None)
    session.commit()


def _apply(session: Session, actor: User, user: User, action: audit.AuditAction,
           **values) -> None:
    before = _account_state(user)
    for name, value in values.items():
        setattr(user, name, value)
    changed_before, changed_after = audit.changes(before, _account_state(user))
    if changed_after:
        audit.record(session, actor, action, "user", user.id, user.email,
                     before=changed_before, after=changed_after, event_id=None)
    session.commit()
