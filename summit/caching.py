"""The one owner of what is kept between requests: things built from an event's
programme (whole answers, feeds), in one bounded store per process, keyed on the
programme's version; and the validators (ETag, Last-Modified) that name that version.

Every public view of the programme (calendar feeds, schedule exports, and the
agenda's HTML pages) depends on the event's programme and on a few request
choices (language, base URL, which forum). ``Event.programme_version`` grows
with any change to the programme (see the ``before_flush`` listener in
``summit.models``) and is read from the database on every request, so an ETag
or a cache key built from it is right in every worker and on every machine
without any shared state: a worker that has not seen an edit misses its cache
once and builds afresh. Views answer with ``summit.web.conditional``.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import request
from werkzeug.http import http_date, is_resource_modified, quote_etag

from .config import PROJECT_ROOT

if TYPE_CHECKING:  # annotations only: the models name their default colour in summit.web
    from .events.queries import EventVersion
    from .models import Event


def _release_fingerprint() -> str:
    """What identifies the code, templates and translations that build representations:
    part of every ETag, so that after a deploy no client keeps the old release's bytes.
    The same checkout gives the same value on every server."""
    digest = hashlib.sha256()
    for folder in (PROJECT_ROOT / "summit", PROJECT_ROOT / "templates"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


RELEASE = _release_fingerprint()


@dataclass(frozen=True)
class Validators:
    """What identifies one version of a representation: its entity tag and the
    time it last changed."""

    etag: str
    last_modified: datetime

    @functools.cached_property
    def etag_header(self) -> str:
        """The ETag header's value: the tag in quotes."""
        return quote_etag(self.etag)

    @functools.cached_property
    def last_modified_header(self) -> str:
        return http_date(self.last_modified)

    def client_is_current(self) -> bool:
        """True when the request's If-None-Match (or, without one, its
        If-Modified-Since) says the client holds this version already."""
        environ = request.environ
        if "HTTP_IF_MATCH" not in environ:
            # The usual requests, answered as werkzeug would without parsing anything:
            # a first one, and a client sending back the ETag it was given.
            if_none_match = environ.get("HTTP_IF_NONE_MATCH")
            if if_none_match is None and "HTTP_IF_MODIFIED_SINCE" not in environ:
                return False
            if if_none_match == self.etag_header:
                return True
        return not is_resource_modified(environ, etag=self.etag,
                                        last_modified=self.last_modified)


def programme_key(event: Event | EventVersion) -> tuple:
    """What names one version of an event's programme. The time of the change comes
    with the version number, so that a database restored or seeded afresh (whose
    numbers start over) never matches what was built from the one before."""
    return (event.id, event.programme_version, event.programme_updated_at.isoformat())


def programme_validators(
    event: Event | EventVersion, *variant: Hashable, last_modified: datetime | None = None
) -> Validators:
    """Validators for a view of ``event``'s programme that also depends on ``variant``
    (the format, the language, the base URL, a forum …). ``last_modified`` defaults
    to the programme's last change; pass a later time when the view depends on
    something else that changed since (an attendee's seats, say)."""
    return version_validators(programme_key(event), variant,
                              last_modified or event.programme_updated_at)


def version_validators(programme: tuple, variant: tuple, last_modified: datetime) -> Validators:
    """Validators for ``variant`` of the programme's version named by ``programme``
    (``programme_key``)."""
    material = repr((RELEASE, *programme, variant))
    return Validators(
        etag=hashlib.sha256(material.encode()).hexdigest()[:32],
        last_modified=last_modified,
    )


class LRUCache:
    """A least-recently-used cache of built representations, per process, bounded
    by the total size of what it holds (``weigh`` tells an entry's size; bytes and
    str by their length), so that many small entries never push out a few large ones
    before memory says so.

    Keys should hold the programme version, so that a change makes old entries
    unreachable; they then age out as new ones arrive.
    """

    def __init__(self, max_size: int, weigh: Callable[[Any], int] = len):
        self.max_size = max_size
        self.weigh = weigh
        self.size = 0
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        # Built outside the lock: two threads may build the same entry once each,
        # but a slow build never holds up the readers of other entries.
        value = build()
        weight = self.weigh(value)
        if weight > self.max_size:
            return value
        with self._lock:
            if key not in self._entries:
                self._entries[key] = value
                self.size += weight
            while self.size > self.max_size:
                _, evicted = self._entries.popitem(last=False)
                self.size -= self.weigh(evicted)
        return value

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries


# Everything built from the programme, once per process and key: whole answers of
# pages and feeds (summit.web.conditional), and the attendee's agenda for mails. Every
# key names the programme's version, so an entry is right for as long as anyone asks
# for it and a programme change makes old entries unreachable. Bounded by size (enough
# for every feed of a large programme in both languages, a few times over); what was
# asked for least recently goes.
CACHE_BYTES = 64 * 1024 * 1024
_kept = LRUCache(CACHE_BYTES)


def kept(key: Hashable, build: Callable[[], Any]) -> Any:
    """What ``build()`` returned for ``key`` in this process, built now if no longer kept.
    The value's ``len`` is its weight."""
    return _kept.get_or_build(key, build)
