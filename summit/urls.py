"""The site's public address, and absolute links to its pages built without a request."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.sansio.utils import get_current_url


def current_link_base() -> str:
    """The site's public address for links in mails and feeds: BASE_URL, or else this
    request's host, which Flask has checked against TRUSTED_HOSTS (config.trusted_hosts
    leaves them open only when BASE_URL is set)."""
    return current_app.config.get("BASE_URL") or _site_address(request.scheme, request.host)


@functools.lru_cache(maxsize=64)
def _site_address(scheme: str, host: str) -> str:
    """``request.host_url`` without its slash, worked out once per host: every page and
    feed asks, and building it cost a cached feed's answer 3 % of its time."""
    return get_current_url(scheme, host).rstrip("/")


def url_builder(link_base: str) -> Callable[..., str]:
    """``build(endpoint, **values)``: absolute URLs to our pages under ``link_base``,
    built without a request; for many links at once (a feed links every session)."""
    parts = urlsplit(link_base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return lambda endpoint, **values: adapter.build(endpoint, values, force_external=True)


def external_url(link_base: str, endpoint: str, **values) -> str:
    """An absolute URL to one of our pages, built without a request; a link to an event's
    page names the served event unless ``values`` name another (``event_slug``)."""
    current_app.inject_url_defaults(endpoint, values)
    return url_builder(link_base)(endpoint, **values)
