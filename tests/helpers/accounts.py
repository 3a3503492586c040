"""Organizers' accounts: one per role, and signing in through the form or straight into
the session."""

from __future__ import annotations

import functools

from werkzeug.security import generate_password_hash

from summit.auth.service import create_user
from summit.extensions import db
from summit.models import EventRole, Role, User

from .admin_pages import hold_role_at_every_event
from .pages import csrf_token, page_text

PASSWORDS = {
    Role.ADMIN: "admin-password-1",
    Role.ORGANIZER: "organizer-password-1",
    Role.CHECKIN: "checkin-password-1",
}


def email_of(role: Role) -> str:
    return f"{role.value}@example.org"


@functools.cache
def password_hash(password: str) -> str:
    """scrypt with small work factors, so that each sign-in in a test is quick; the
    app's own hashes use werkzeug's default (see the test of create_user in test_auth)."""
    return generate_password_hash(password, method="scrypt:1024:8:1")


def make_accounts(app) -> dict[Role, int]:
    """One active account per role, with the passwords of PASSWORDS, the organizer and
    check-in staff holding their role at every event there is; returns their ids."""
    with app.app_context():
        users = {role: hold_role_at_every_event(db.session, User(
                     email=email_of(role), role=role, password_hash=password_hash(password)))
                 for role, password in PASSWORDS.items()}
        db.session.add_all(users.values())
        db.session.commit()
        return {role: user.id for role, user in users.items()}


def sign_in_with_the_form(client, email: str, password: str, *, remember: bool = False,
                          next_url=None):
    """Fill in the login form as a person would; returns the response to the POST."""
    path = "/admin/login?lang=en" + (f"&next={next_url}" if next_url is not None else "")
    data = {"csrf_token": csrf_token(client, path), "email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post(path, data=data)


def sign_in_as(client, role: Role):
    """Sign in through the form as the account of ``role`` that make_accounts made."""
    response = sign_in_with_the_form(client, email_of(role), PASSWORDS[role])
    assert response.status_code == 302, page_text(response)
    return response


def sign_in(app, client, role: Role = Role.ORGANIZER, email: str | None = None, *,
            events: list[int] | None = None) -> int:
    """Create an account and log the client in as it (flask-login's session keys), reading
    English; returns the account's id. Its role is held at every event, or at ``events``."""
    with app.app_context():
        user = create_user(db.session, email or f"{role.value}@summit.example.org",
                           "correct horse battery staple", role)
        if events is None:
            hold_role_at_every_event(db.session, user)
        else:
            user.event_roles = [EventRole(event_id=event_id, role=role) for event_id in events]
        db.session.commit()
        user_id, session_id = user.id, user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    client.set_cookie("lang", "en")  # the messages the tests look for are the English ones
    return user_id
