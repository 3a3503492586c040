"""The admin's navigation: each admin module registers its entry, the layout shows the
entries the signed-in account's role may open."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user

from ..models import Role


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object  # a lazy translation
    roles: frozenset[Role]
    order: int


ENTRIES: list[NavEntry] = []


def add_entry(endpoint: str, label, roles: tuple[Role, ...], order: int) -> None:
    """Show ``label`` linking to ``endpoint`` to administrators and ``roles``."""
    entry = NavEntry(endpoint, label, frozenset({Role.ADMIN, *roles}), order)
    if entry not in ENTRIES:
        ENTRIES.append(entry)
        ENTRIES.sort(key=lambda e: e.order)


def entries_for_current_user() -> list[NavEntry]:
    if not current_user.is_authenticated:
        return []
    return [entry for entry in ENTRIES if current_user.role in entry.roles]
