"""Where the bytes of a session's files live, behind one small interface, so that every
app server reads the same files: the database (the default, and all a site of a few
hundred slide decks needs), or another store that keeps its own key per file."""

from __future__ import annotations

from typing import Protocol

from ..models import SessionMaterial


class MaterialStore(Protocol):
    def put(self, material: SessionMaterial, data: bytes) -> None:
        """Keep ``data`` as ``material``'s file, in the caller's transaction where the
        store has one (set ``content`` or ``storage_key`` on it)."""

    def read(self, material: SessionMaterial) -> bytes:
        """The file's bytes."""

    def remove(self, material: SessionMaterial) -> None:
        """Forget the file; called before its row is deleted."""


class DatabaseStore:
    """Files in the material's own row (a deferred column: lists never load them), so
    they commit, roll back, back up and restore with it."""

    def put(self, material: SessionMaterial, data: bytes) -> None:
        material.content = data
        material.storage_key = ""

    def read(self, material: SessionMaterial) -> bytes:
        return material.content or b""

    def remove(self, material: SessionMaterial) -> None:
        material.content = None


def configured_store() -> MaterialStore:
    """The store this site uses."""
    return DatabaseStore()
