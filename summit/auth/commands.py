"""`flask summit create-admin EMAIL`: an account for an operator, from the shell."""

from __future__ import annotations

import os

import click
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from .. import audit
from ..audit import AuditAction
from ..cli import summit_cli
from ..extensions import db
from ..models import Event, Role
from .roles import EVENT_ROLES, grant_event_role
from .service import PASSWORD_MIN_LENGTH, create_user, end_sessions, find_user

PASSWORD_VARIABLE = "SUMMIT_ADMIN_PASSWORD"


@summit_cli.command("create-admin")
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), default=Role.ADMIN.value,
              show_default=True, help="admin: the site's administrator (every event, the "
              "accounts); organizer, checkin or reviewer: at the event --event names.")
@click.option("--event", "event_slug", default=None,
              help="The event (its slug) an organizer, check-in or reviewer account works at.")
@click.option("--name", default="", help="The person's name, shown in the audit log.")
@click.option("--update", is_flag=True,
              help="If the account exists, set its password and role and reactivate it.")
def create_admin(email: str, role: str, event_slug: str | None, name: str, update: bool) -> None:
    """Create an account, or give an existing one a role at one more event. The password
    is asked for, or read from $SUMMIT_ADMIN_PASSWORD for scripts; it is stored only as
    a scrypt hash."""
    role = Role(role)
    existing = find_user(db.session, email)
    event = _event_for(role, event_slug, new_account=existing is None)
    if existing is not None and not update:
        if event is None:
            raise click.ClickException(f"An account for {existing.email} exists already "
                                       "(use --update to set its password and role).")
        grant_event_role(db.session, None, existing, event, role)
        db.session.commit()
        click.echo(f"{existing.email} is now {role.value} at {event.slug}.")
        return
    password = os.environ.get(PASSWORD_VARIABLE) or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    if len(password) < PASSWORD_MIN_LENGTH:
        raise click.ClickException(
            f"The password must have at least {PASSWORD_MIN_LENGTH} characters.")
    if existing is None:
        user = create_user(db.session, email, password, role, name)
        verb = "Created"
    else:
        user = existing
        user.password_hash = generate_password_hash(password)
        end_sessions(db.session, user)
        user.role, user.active = role, True
        user.name = name or user.name
        verb = "Updated"
    db.session.flush()
    action = AuditAction.CREATE if existing is None else AuditAction.UPDATE
    audit.record(db.session, None, action, "user", user.id,
                 f"{user.email} (flask summit create-admin)",
                 after={"email": user.email, "role": user.role.value, "active": user.active},
                 event_id=None)
    if event is not None:
        grant_event_role(db.session, None, user, event, role)
    db.session.commit()
    where = f" at {event.slug}" if event is not None else ""
    click.echo(f"{verb} the {user.role.value} account {user.email}{where}.")


def _event_for(role: Role, slug: str | None, new_account: bool) -> Event | None:
    """The event named by --event: a site administrator's role refuses one, a new
    organizer or check-in account needs one."""
    if role not in EVENT_ROLES and slug:
        raise click.UsageError("--role admin is the site's administrator, at every event: "
                               "leave out --event.")
    if not slug:
        if new_account and role in EVENT_ROLES:
            raise click.UsageError(f"--role {role.value} is held at one event: name it with "
                                   "--event SLUG.")
        return None
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        known = ", ".join(db.session.scalars(select(Event.slug).order_by(Event.slug))) or "none"
        raise click.UsageError(f"No event has the slug {slug!r} (events: {known}).")
    return event
