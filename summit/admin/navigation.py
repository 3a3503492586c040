"""The admin's navigation: each admin module registers its entry, the layout shows the
entries the signed-in account may open here: on an event's pages that event's, on the
site's own pages the site's (which the event switcher lists everywhere). An entry
``within`` another is a tab of that entry's section, shown on the section's pages
rather than in the header (which must fit one row on a laptop)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from ..auth.access import may_current_user_open
from ..models import Role
from .addresses import addressed_event


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object  # a lazy translation
    roles: frozenset[Role]
    order: int
    within: str | None = None

    def is_open(self, endpoint: str | None) -> bool:
        """Whether ``endpoint`` is this entry's page or one of its pages (``admin.forums``:
        ``admin.forum_new``, ``admin.forum_edit``, …)."""
        endpoint = endpoint or ""
        return endpoint == self.endpoint or endpoint.startswith(
            self.endpoint.removesuffix("s") + "_")


ENTRIES: list[NavEntry] = []


def add_entry(endpoint: str, label, roles: tuple[Role, ...], order: int,
              within: str | None = None) -> None:
    """Show ``label`` linking to ``endpoint`` to administrators and ``roles`` (at the
    event of the page, for an event's page): in the header, or ``within`` the section
    of the header's entry with that endpoint."""
    entry = NavEntry(endpoint, label, frozenset(roles), order, within)
    if entry not in ENTRIES:
        ENTRIES.append(entry)
        ENTRIES.sort(key=lambda e: e.order)


def entries_for_current_user(site: bool = False) -> list[NavEntry]:
    """On an event's page, that event's entries the account may open there; on the
    site's own pages (or with ``site``), the site's entries it may open."""
    return [entry for entry in _open_to_current_user(site) if entry.within is None]


def section_tabs() -> list[NavEntry]:
    """The tabs of this page's section (its header entry first), when it has tabs."""
    entries = _open_to_current_user()
    page = next((entry for entry in entries if entry.is_open(request.endpoint)), None)
    if page is None:
        return []
    lead = page.within or page.endpoint
    tabs = [entry for entry in entries if lead in (entry.endpoint, entry.within)]
    return tabs if len(tabs) > 1 else []


def current_section(entry: NavEntry) -> bool:
    """Whether this page is ``entry``'s or one of its section's."""
    return any(tab.is_open(request.endpoint) for tab in ENTRIES
               if entry.endpoint in (tab.endpoint, tab.within))


def _open_to_current_user(site: bool = False) -> list[NavEntry]:
    event = None if site else addressed_event()
    url_map = current_app.url_map
    return [
        entry for entry in ENTRIES
        if url_map.is_endpoint_expecting(entry.endpoint, "event") == (event is not None)
        and may_current_user_open(entry.roles, event)
    ]
