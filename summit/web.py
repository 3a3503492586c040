"""What views share: the headers of anything behind a private link, conditional answers
kept whole between requests, and the forum colours a page or a document may show.

Conditional answers in a view::

    validators = programme_validators(event, "agenda", language)
    return conditional(validators, lambda: render_template(...), cache_control(max_age=0))

Only for representations that depend on nothing but the programme and the parts named
in the validators: a page that shows a flash message, a form with a CSRF token or the
signed-in organizer must not be answered with a 304.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, make_response, request
from werkzeug.http import parse_accept_header

from .caching import Validators, kept

# A page or file behind a private link carries its owner's secret in the address: no
# referrer sends the address on, no search engine lists it, and no cache keeps it (an
# attendee's calendar feed excepted: their own calendar app checks back with its ETag,
# so it is "private, no-cache" instead).
PRIVATE_LINK_HEADERS = (
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex"),
)
NOT_STORED = "private, no-store"

# A forum's colour, when none was chosen or what is stored is not #rrggbb.
DEFAULT_FORUM_COLOUR = "#1f6feb"
HEX_COLOUR = re.compile(r"#[0-9a-f]{6}\Z", re.IGNORECASE)


def private_response(answer: Any) -> Response:
    """What a view returns (a response, or a body and status), as a response with the
    headers of a private link's page or file."""
    response = make_response(answer)
    response.headers["Cache-Control"] = NOT_STORED
    for name, value in PRIVATE_LINK_HEADERS:
        response.headers[name] = value
    return response


def csv_download(data: bytes, filename: str) -> Response:
    """``data`` (CSV) as a file to save under ``filename``."""
    return Response(data, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def with_this_query(target: str) -> str:
    """``target`` with this request's query string, as it came (a moved page keeps it)."""
    query = request.query_string.decode("latin-1")
    return f"{target}?{query}" if query else target


def safe_colour(value: str | None) -> str:
    """Only a #rrggbb value reaches a style attribute, a badge or an export."""
    return value if value and HEX_COLOUR.match(value) else DEFAULT_FORUM_COLOUR


def cache_control(max_age: int, private: bool = False) -> str:
    """``public, max-age=300``; ``max_age=0`` asks caches to revalidate every time
    (cheap: the answer is usually a 304); ``private`` keeps shared caches out."""
    freshness = f"max-age={max_age}" if max_age > 0 else "no-cache"
    return f"{'private' if private else 'public'}, {freshness}"


def accepts_gzip() -> bool:
    """Whether the request's Accept-Encoding takes gzip (a q-value above 0)."""
    return _takes_gzip(request.headers.get("Accept-Encoding"))


@functools.lru_cache(maxsize=256)
def _takes_gzip(accept_encoding: str | None) -> bool:
    # Clients send a few values over and over; parsing one on every request showed
    # in a cached feed's time (bench/FINDINGS.md).
    return parse_accept_header(accept_encoding)["gzip"] > 0


def conditional(
    validators: Validators,
    produce: Callable[[], Any],
    cache_control_value: str,
    headers: Sequence[tuple[str, str]] = (),
    content_key: Hashable | None = None,
) -> Response:
    """``304 Not Modified`` when the client is current; otherwise the whole answer that
    ``produce()`` made, kept in this process under ``content_key`` (by default the ETag):
    ``produce`` runs once per key and process. Answers that share their content under
    other validators (two attendees with the same forums) share a ``content_key``.
    Both carry the validators, the Cache-Control value and ``headers`` (Vary, say)."""
    if validators.client_is_current():
        response = Response(status=304)
        _stamp(response, cache_control_value, headers)
        return _with_validators(response, validators)

    def whole() -> KeptAnswer:
        response = make_response(produce())
        _stamp(response, cache_control_value, headers)
        return KeptAnswer(response.get_data(), tuple(response.headers.items()))

    answer = kept(("answer", content_key or validators.etag), whole)
    return _with_validators(answer.response(), validators)


def _stamp(response: Response, cache_control_value: str,
           headers: Sequence[tuple[str, str]]) -> None:
    response.headers["Cache-Control"] = cache_control_value
    for name, value in headers:
        response.headers[name] = value


def _with_validators(response: Response, validators: Validators) -> Response:
    # What set_etag and the last_modified setter write, formatted once per validators.
    response.headers["ETag"] = validators.etag_header
    response.headers["Last-Modified"] = validators.last_modified_header
    return response


@dataclass(frozen=True)
class KeptAnswer:
    """A 200 answer's body and headers as ``conditional`` made them: answering again
    costs a copy of the header list, not the work of setting each header."""

    body: bytes
    headers: tuple[tuple[str, str], ...]

    def response(self) -> Response:
        return Response(self.body, headers=list(self.headers))

    def __len__(self) -> int:
        return len(self.body)
