"""`flask summit …`: commands for operators and for `make run`."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from . import demo
from .auth.service import create_user, find_user, has_any_user, password_matches
from .extensions import db
from .models import Event, Role
from .outbox import deliver_due, retry_failed_now, run_worker

summit_cli = AppGroup("summit", help="Summit's own commands.")

# Printed by `make run`; created only in a database that has no account at all.
DEMO_ACCOUNTS = [
    ("organizer@example.com", "summit-demo", Role.ADMIN, "Demo organizer"),
    ("desk@example.com", "summit-desk", Role.CHECKIN, "Demo check-in desk"),
]


@summit_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Only when the database holds no event yet.")
def seed(if_empty: bool) -> None:
    """Load the Embedded China 2020 demo event (running it again changes nothing)."""
    if if_empty and db.session.query(Event.id).first() is not None:
        click.echo("The database already holds an event; the demo was not loaded.")
        return
    event = demo.load_demo(db.session)
    db.session.commit()
    if event is None:
        click.echo(f"The demo event {demo.SLUG!r} is already loaded.")
    else:
        click.echo(f"Loaded the demo event {demo.SLUG!r}.")


@summit_cli.command("send-mail")
@click.option("--limit", default=500, show_default=True, help="Most mails to send in this run.")
@click.option("--retry-now", is_flag=True, help="Retry failed mails without waiting.")
def send_mail(limit: int, retry_now: bool) -> None:
    """Send queued mails and retry failed ones whose pause is over (run it from cron)."""
    if retry_now:
        retry_failed_now(db.session)
    sent, failed = deliver_due(db.session, limit=limit)
    click.echo(f"Sent {sent} mail(s); {failed} failed and will be retried.")
    if failed:
        raise SystemExit(1)


@summit_cli.command("mail-worker")
def mail_worker() -> None:
    """Send mails as they fall due, until stopped (SIGTERM or Ctrl-C): run it as a
    service beside gunicorn. Several may run at once."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    click.echo("Mail worker started; stop it with SIGTERM or Ctrl-C.")
    sent = run_worker(db.session, stop)
    click.echo(f"Mail worker stopped after sending {sent} mail(s).")


@summit_cli.command("demo-accounts")
def demo_accounts() -> None:
    """Create the demo organizer and check-in accounts in a database without accounts,
    and print their logins while they still have the demo passwords."""
    if current_app.config["SUMMIT_ENV"] == "production":
        raise click.ClickException("Demo accounts are never created in production.")
    if not has_any_user(db.session):
        for email, password, role, name in DEMO_ACCOUNTS:
            create_user(db.session, email, password, role, name)
        db.session.commit()
    for email, password, role, _name in DEMO_ACCOUNTS:
        user = find_user(db.session, email)
        if user is not None and password_matches(user, password):
            click.echo(f"  {role.value:<10} {email} / {password}")


from . import backup_commands as _backup_commands  # noqa: E402,F401  (export, import)
from .auth import commands as _auth_commands  # noqa: E402,F401  (create-admin)
from .badges import commands as _badge_commands  # noqa: E402,F401  (badges, doctor)
