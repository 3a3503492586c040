"""`flask summit create-admin EMAIL`: an account for an operator, from the shell."""

from __future__ import annotations

import os

import click
from werkzeug.security import generate_password_hash

from .. import audit
from ..audit import AuditAction
from ..cli import summit_cli
from ..extensions import db
from ..models import Role
from .service import PASSWORD_MIN_LENGTH, create_user, end_sessions, find_user

PASSWORD_VARIABLE = "SUMMIT_ADMIN_PASSWORD"


@summit_cli.command("create-admin")
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), default=Role.ADMIN.value,
              show_default=True, help="What the account may do.")
@click.option("--name", default="", help="The person's name, shown in the audit log.")
@click.option("--update", is_flag=True,
              help="If the account exists, set its password and role and reactivate it.")
def create_admin(email: str, role: str, name: str, update: bool) -> None:
    """Create an account. The password is asked for, or read from $SUMMIT_ADMIN_PASSWORD
    for scripts; it is stored only as a scrypt hash."""
    existing = find_user(db.session, email)
    if existing is not None and not update:
        raise click.ClickException(f"An account for {existing.email} exists already "
                                   "(use --update to set its password and role).")
    password = os.environ.get(PASSWORD_VARIABLE) or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    if len(password) < PASSWORD_MIN_LENGTH:
        raise click.ClickException(
            f"The password must have at least {PASSWORD_MIN_LENGTH} characters.")
    if existing is None:
        user = create_user(db.session, email, password, Role(role), name)
        verb = "Created"
    else:
        user = existing
        user.password_hash = generate_password_hash(password)
        end_sessions(db.session, user)
        user.role, user.active = Role(role), True
        user.name = name or user.name
        verb = "Updated"
    db.session.flush()
    action = AuditAction.CREATE if existing is None else AuditAction.UPDATE
    audit.record(db.session, None, action, "user", user.id,
                 f"{user.email} (flask summit create-admin)",
                 after={"email": user.email, "role": user.role.value, "active": user.active})
    db.session.commit()
    click.echo(f"{verb} the {user.role.value} account {user.email}.")
