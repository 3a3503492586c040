"""`flask summit export FILE` and `flask summit import FILE`: the whole database, or one
event's rows, as versioned JSON, and back into an empty database, or one event into a
site that holds others (see service.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from ..cli import summit_cli
from ..extensions import db
from . import service as backup


def event_options(command):
    """--event SLUG (one event) or --all (every event, the default)."""
    command = click.option("--all", "every_event", is_flag=True,
                           help="Every event, the site's accounts and audit log (the default).")(
        command)
    return click.option("--event", "event_slug", default=None,
                        help="Only this event (its slug), with the accounts it needs.")(command)


def _one_event(event_slug: str | None, every_event: bool) -> str | None:
    if event_slug and every_event:
        raise click.UsageError("Name one event with --event, or --all, not both.")
    return event_slug


@summit_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@event_options
def export_command(file: Path, event_slug: str | None, every_event: bool) -> None:
    """Write every event, registration, check-in, mail's metadata, the audit log and the
    accounts (without passwords) to FILE as JSON ('-' for standard output); with --event,
    one event's."""
    try:
        data = backup.export_data(db.session, _one_event(event_slug, every_event))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if str(file) == "-":
        click.echo(text, nl=False)
        return
    # Personal data and private links: readable by the owner only, and never half written.
    partial = file.with_name(f".{file.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)
    partial.replace(file)
    counts = ", ".join(f"{len(rows)} {name}" for name, rows in data["tables"].items() if rows)
    click.echo(f"Exported to {file}: {counts}.", err=True)


@summit_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@event_options
@click.option("--as", "new_slug", default=None, metavar="NEW_SLUG",
              help="Add the event under this slug instead of its own (its own is taken here).")
def import_command(file, event_slug: str | None, every_event: bool,
                   new_slug: str | None) -> None:
    """Restore FILE (written by `flask summit export`) into this database. Into an empty
    one (after `flask db upgrade`), every row comes back as it was. Into one that holds
    events or accounts, one event is added beside them under new ids: the file's only
    event, or the one --event names; --as gives it another slug. Imported accounts have
    no password until one is set."""
    try:
        imported = backup.import_data(db.session, backup.load_file(file),
                                      _one_event(event_slug, every_event), new_slug)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    counts = ", ".join(f"{count} {name}" for name, count in imported.rows.items() if count)
    if imported.added_event is None:
        click.echo(f"Imported {counts}.")
        accounts = backup.accounts_without_password(db.session)
    else:
        click.echo(f"Added the event {imported.added_event}: {counts}.")
        if imported.accounts_reused:
            click.echo(f"{len(imported.accounts_reused)} account(s) of this site kept as they "
                       f"were: {', '.join(imported.accounts_reused)}.")
        if imported.new_private_links:
            click.echo(f"{imported.new_private_links} registration(s) got a new private link: "
                       "their old one already opens a registration here.")
        accounts = backup.accounts_named(db.session, imported.accounts_created)
    if accounts:
        click.echo(f"{len(accounts)} account(s) have no password and cannot sign in until "
                   "one is set, here or by an administrator in the admin UI:")
        at_event = f" --event {imported.added_event}" if imported.added_event else ""
        for user in accounts:
            if user.active:
                click.echo(f"  flask summit create-admin {user.email} --update "
                           f"--role {user.role.value}{at_event}")
            else:
                click.echo(f"  {user.email} (deactivated; --update would reactivate it)")
