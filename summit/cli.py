"""`flask summit …`: the group of Summit's own commands, and the mail commands. The
areas add theirs (create_app imports them): auth/commands.py, badges/commands.py,
backup_commands.py, demo_commands.py."""

from __future__ import annotations

import signal
import threading

import click
from flask.cli import AppGroup

from .extensions import db
from .outbox import deliver_due, make_failed_due, queue_scheduled, run_worker

summit_cli = AppGroup("summit", help="Summit's own commands.")


@summit_cli.command("send-mail")
@click.option("--limit", default=500, show_default=True, help="Most mails to send in this run.")
@click.option("--retry-now", is_flag=True, help="Retry failed mails without waiting.")
def send_mail(limit: int, retry_now: bool) -> None:
    """Queue the mails whose time has come (reminders), send queued mails and retry
    failed ones whose pause is over (run it from cron)."""
    queued = queue_scheduled(db.session)
    if queued:
        click.echo(f"Queued {queued} scheduled mail(s).")
    if retry_now:
        make_failed_due(db.session)
        db.session.commit()
    sent, failed = deliver_due(db.session, limit=limit)
    click.echo(f"Sent {sent} mail(s); {failed} failed and will be retried.")
    if failed:
        raise SystemExit(1)


@summit_cli.command("mail-worker")
def mail_worker() -> None:
    """Queue scheduled mails (reminders) and send mails as they fall due, until stopped
    (SIGTERM or Ctrl-C): run it as a service beside gunicorn. Several may run at once."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    click.echo("Mail worker started; stop it with SIGTERM or Ctrl-C.")
    sent = run_worker(db.session, stop)
    click.echo(f"Mail worker stopped after sending {sent} mail(s).")
