"""The admin's navigation: each admin module registers its entry, the layout shows the
entries the signed-in account may open here: on an event's pages that event's, on the
site's own pages the site's (which the event switcher lists everywhere)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..auth.access import may_current_user_open
from ..models import Role
from .addresses import addressed_event


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object  # a lazy translation
    roles: frozenset[Role]
    order: int


ENTRIES: list[NavEntry] = []


def add_entry(endpoint: str, label, roles: tuple[Role, ...], order: int) -> None:
    """Show ``label`` linking to ``endpoint`` to administrators and ``roles`` (at the
    event of the page, for an event's page)."""
    entry = NavEntry(endpoint, label, frozenset(roles), order)
    if entry not in ENTRIES:
        ENTRIES.append(entry)
        ENTRIES.sort(key=lambda e: e.order)


def entries_for_current_user(site: bool = False) -> list[NavEntry]:
    """On an event's page, that event's entries the account may open there; on the
    site's own pages (or with ``site``), the site's entries it may open."""
    event = None if site else addressed_event()
    url_map = current_app.url_map
    return [
        entry for entry in ENTRIES
        if url_map.is_endpoint_expecting(entry.endpoint, "event") == (event is not None)
        and may_current_user_open(entry.roles, event)
    ]
