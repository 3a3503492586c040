"""`flask summit seed` and `flask summit demo-accounts`: the demo that `make run` shows."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from ..auth.roles import EVENT_ROLES, grant_event_role
from ..auth.service import create_user, find_user, has_any_user, password_matches
from ..cli import summit_cli
from ..extensions import db
from ..models import Event, Role
from . import seed as demo

# Printed by `make run`; created only in a database that has no account at all.
DEMO_ACCOUNTS = [
    ("organizer@example.com", "summit-demo", Role.ADMIN, "Demo organizer"),
    ("desk@example.com", "summit-desk", Role.CHECKIN, "Demo check-in desk"),
]


@summit_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Only when the database holds no event yet.")
def seed(if_empty: bool) -> None:
    """Load the Embedded China 2020 demo event and a draft of its 2021 edition (running it
    again changes nothing)."""
    if if_empty and db.session.query(Event.id).first() is not None:
        click.echo("The database already holds an event; the demo was not loaded.")
        return
    event = demo.load_demo(db.session)
    db.session.commit()
    if event is None:
        click.echo(f"The demo event {demo.SLUG!r} is already loaded.")
        return
    click.echo(f"Loaded the demo event {demo.SLUG!r}.")
    demo.start_next_edition(db.session, event)
    click.echo(f"Cloned it into {demo.NEXT_EDITION_SLUG!r}, a draft only administrators see.")


@summit_cli.command("demo-accounts")
def demo_accounts() -> None:
    """Create the demo organizer and check-in accounts in a database without accounts
    (the check-in desk's at the demo event), and print their logins while they
    still have the demo passwords."""
    if current_app.config["SUMMIT_ENV"] == "production":
        raise click.ClickException("Demo accounts are never created in production.")
    if not has_any_user(db.session):
        demo_event = db.session.scalar(select(Event).where(Event.slug == demo.SLUG))
        for email, password, role, name in DEMO_ACCOUNTS:
            user = create_user(db.session, email, password, role, name)
            if role in EVENT_ROLES and demo_event is not None:
                db.session.flush()
                grant_event_role(db.session, None, user, demo_event, role)
        db.session.commit()
    for email, password, role, _name in DEMO_ACCOUNTS:
        user = find_user(db.session, email)
        if user is not None and password_matches(user, password):
            click.echo(f"  {role.value:<10} {email} / {password}")
