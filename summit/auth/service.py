"""Organizer accounts: creating them and checking their passwords."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import Role, User


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


def load_active_user(session: Session, user_id: str) -> User | None:
    """flask-login's user loader: a session cookie of a deactivated account logs nobody in."""
    if not user_id.isdigit():
        return None
    user = session.get(User, int(user_id))
    return user if user is not None and user.active else None
