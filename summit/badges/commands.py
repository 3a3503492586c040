"""`flask summit badges` (print badges to a PDF file) and `flask summit doctor` (is this
machine ready: database, CJK font, HarfBuzz subsetting)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import text

from ..cli import summit_cli
from ..events.current import find_event
from ..extensions import db
from . import service
from .fonts import EMOJI_INSTALL_HINT, INSTALL_HINT, check_fonts
from .layouts import DEFAULT_LAYOUT, LAYOUTS
from .page_cache import write_registrations_badges


@summit_cli.command("badges")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The PDF file to write.")
@click.option("--layout", default=DEFAULT_LAYOUT, show_default=True,
              help=f"One of {', '.join(LAYOUTS)}.")
@click.option("--category", default="", help="Only this category (delegate, speaker, …).")
@click.option("--forum", default="", help="Only attendees with a confirmed seat in this forum "
              "(its slug).")
@click.option("--status", default="confirmed", show_default=True,
              help="confirmed or waitlisted.")
@click.option("--printed", default="", help="yes: only badges printed before; no: only those "
              "never printed (default: both).")
@click.option("--order", default="name", show_default=True, help="name or organisation.")
@click.option("--event", "event_slug", default=None, help="The event's slug (default: the "
              "SUMMIT_EVENT setting, else the next or latest event).")
def badges(out_path: str, layout: str, category: str, forum: str, status: str, printed: str,
           order: str, event_slug: str | None) -> None:
    """Print badges to a PDF file, in the order of the filter."""
    event = find_event(db.session, event_slug or current_app.config.get("SUMMIT_EVENT"))
    if event is None:
        raise click.ClickException("No such event; load one with `flask summit seed`.")
    try:
        wanted = service.parse_filter({"layout": layout, "category": category, "forum": forum,
                                       "status": status, "printed": printed, "order": order})
        registrations = service.badge_registrations(db.session, event, wanted)
    except service.BadgeFilterError as error:
        raise click.UsageError(str(error)) from error
    if not registrations:
        raise click.ClickException("No registration matches these filters; nothing written.")
    started = time.perf_counter()
    target = Path(out_path)
    partial = target.with_name(target.name + ".partial")
    with partial.open("wb") as out:
        pages = write_registrations_badges(db.session, registrations, wanted.layout, out,
                                           title=f"{event.slug} badges")
    partial.replace(target)
    click.echo(f"Wrote {len(registrations)} badges on {pages} page{'s' if pages != 1 else ''} "
               f"({wanted.layout.key}) to {target} in {time.perf_counter() - started:.1f} s.")
    for lost in service.lost_characters(registrations):
        click.echo(f"Left out of #{lost.registration.id} {lost.registration.full_name}'s badge "
                   f"(no font has them): {' '.join(lost.code_points)}", err=True)


def _database_check() -> tuple[bool, str]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # the point is to report any failure, whatever it is
        db.session.rollback()
        return False, f"does not answer: {error.__class__.__name__}: {str(error)[:200]}"
    return True, f"answers ({db.engine.dialect.name})"


@summit_cli.command("doctor")
def doctor() -> None:
    """Say whether this machine can run Summit well: the database answers, a CJK font
    is installed for badges, HarfBuzz can subset fonts. Exits 1 when something is wrong."""
    fonts = check_fonts()
    checks = [("Database", *_database_check())]
    if not fonts.checked:
        checks.append(("CJK font", False, fonts.message))
    elif fonts.cjk_ok:
        checks.append(("CJK font", True, f"{fonts.cjk_family} ({fonts.cjk_file})"))
    else:
        checks.append(("CJK font", False, f"none installed: Chinese names cannot print on "
                                          f"badges; {INSTALL_HINT}"))
    checks.append(("Latin font", fonts.latin_family is not None,
                   fonts.latin_family or "none of Liberation Sans, Arimo, DejaVu Sans; "
                   "apt-get install fonts-liberation"))
    checks.append(("Emoji font", fonts.emoji_family is not None,
                   fonts.emoji_family or f"none: emoji in names are left out of badges; "
                   f"{EMOJI_INSTALL_HINT}"))
    checks.append(("HarfBuzz subset", fonts.harfbuzz_subset,
                   "available: fonts are subset fast" if fonts.harfbuzz_subset else
                   "missing: CJK fonts are subset with fontTools, about 5 times slower; "
                   "apt-get install libharfbuzz-subset0"))
    for name, ok, detail in checks:
        click.echo(f"{name:<16} {'ok  ' if ok else 'FAIL'}  {detail}")
    if not all(ok for _, ok, _ in checks):
        raise SystemExit(1)
