"""The site's public address, settled once per unit of work, and absolute links to its
pages built without a request.

A unit of work is a request, a command, or one mail being written. A request's address
is BASE_URL, or else its host, which Flask has checked against TRUSTED_HOSTS
(config.trusted_hosts leaves them open only when BASE_URL is set). Elsewhere it is
BASE_URL, or the address a command (or a test) states with ``serving_at``; the outbox
writes each mail at the address it was queued under (``MailMessage.link_base``).
Services read it with ``site_address()`` where they build links or queue mail: it is
never passed from function to function.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, request
from werkzeug.sansio.utils import get_current_url

# Where ``serving_at`` keeps a stated address, in the app context's ``g``.
_STATED = "summit_site_address"


class NoSiteAddress(RuntimeError):
    """Links were asked for outside a request, with neither BASE_URL nor a stated address."""


def site_address() -> str:
    """The site's public address for links in mails and feeds, for this unit of work."""
    stated = g.get(_STATED)
    if stated is not None:
        return stated
    base_url = current_app.config.get("BASE_URL")
    if base_url:
        return base_url
    if has_request_context():
        return _site_address(request.scheme, request.host)
    raise NoSiteAddress("set BASE_URL: links built outside a request need the site's address")


@contextlib.contextmanager
def serving_at(address: str) -> Iterator[None]:
    """Links built and mails queued within this block point under ``address``: for a
    command, a test, or the outbox writing a mail queued under ``address``."""
    before = g.get(_STATED)
    setattr(g, _STATED, address)
    try:
        yield
    finally:
        setattr(g, _STATED, before)


@functools.lru_cache(maxsize=64)
def _site_address(scheme: str, host: str) -> str:
    """``request.host_url`` without its slash, worked out once per host: every page and
    feed asks, and building it showed in a cached feed's time (bench/FINDINGS.md)."""
    return get_current_url(scheme, host).rstrip("/")


def url_builder() -> Callable[..., str]:
    """``build(endpoint, **values)``: absolute URLs to our pages under the site's
    address, built without a request; for many links at once (a feed links every
    session)."""
    parts = urlsplit(site_address())
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return lambda endpoint, **values: adapter.build(endpoint, values, force_external=True)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL to one of our pages, built without a request; a link to an event's
    page names the served event unless ``values`` name another (``event_slug``)."""
    current_app.inject_url_defaults(endpoint, values)
    return url_builder()(endpoint, **values)
