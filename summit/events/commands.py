"""`flask summit clone-event`: this year's edition from last year's, from the shell."""

from __future__ import annotations

from datetime import datetime

import click
from flask_babel import force_locale

from ..cli import summit_cli
from ..extensions import db
from .current import find_event
from .service import EventError, clone_event


@summit_cli.command("clone-event")
@click.argument("source")
@click.argument("new_slug")
@click.option("--starts-on", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The new edition's first day, YYYY-MM-DD.")
@click.option("--with-programme", is_flag=True,
              help="Copy the speakers and sessions too, moved to the new dates.")
def clone_event_command(source: str, new_slug: str, starts_on: datetime,
                        with_programme: bool) -> None:
    """Create NEW_SLUG as a draft copy of the event SOURCE: its settings, co-hosts, forums
    and rooms, its registration window moved to the new dates (never its registrations,
    mails or check-ins)."""
    original = find_event(db.session, source)
    if original is None:
        raise click.UsageError(f"No event has the slug {source!r}.")
    try:
        # In the language of the command's other messages.
        with force_locale("en"):
            clone = clone_event(db.session, None, original, new_slug.strip().lower(),
                                starts_on.date(), with_programme)
    except EventError as refused:
        raise click.UsageError(str(refused)) from refused
    what = "with its speakers and sessions" if with_programme else "without its programme"
    click.echo(f"Created the draft {clone.slug} ({clone.starts_on} to {clone.ends_on}) from "
               f"{original.slug}, {what}. Publish it in /admin/events when it is ready.")
