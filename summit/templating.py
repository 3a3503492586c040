"""What every template can use: the current event, content in the reader's language,
dates and times in the event's time zone, and links to the same page in another language."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import Flask, request
from werkzeug.urls import iri_to_uri

from . import i18n, labels, urls
from .events.current import current_event
from .web import safe_colour


def same_page_in(lang: str) -> str:
    """This page's address with ?lang= set, other query arguments kept. Taken from the
    request, not built from its route: an error page answers for addresses that name no
    event (an unknown slug), or whose event could not be read (the database away)."""
    arguments = request.args.to_dict(flat=False)
    arguments["lang"] = [lang]
    return iri_to_uri(f"{request.script_root}{request.path}?{urlencode(arguments, doseq=True)}")


def page_address() -> str:
    """This page's absolute address under the site's address (never the request's
    untrusted Host), in the language it is shown in: what a shared link's card names."""
    return iri_to_uri(f"{urls.site_address()}{request.path}?lang={i18n.current_language()}")


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def site():
        return {"site_event": current_event(), "language": i18n.current_language()}

    app.jinja_env.globals.update(
        tr=i18n.localized,
        tr_pair=i18n.localized_pair,
        current_language=i18n.current_language,
        same_page_in=same_page_in,
        page_address=page_address,
        absolute_url=urls.external_url,
        languages=i18n.LANGUAGES,
        labels=labels,
    )

    def event_zone() -> str:
        event = current_event()
        return event.timezone if event else "UTC"

    @app.template_filter("day")
    def day(value) -> str:
        return i18n.format_day(value, event_zone())

    @app.template_filter("short_day")
    def short_day(value) -> str:
        return i18n.format_short_day(value)

    @app.template_filter("clock")
    def clock(value: datetime) -> str:
        return i18n.format_clock(value, event_zone())

    @app.template_filter("local_iso")
    def local_iso(value: datetime) -> str:
        """For <time datetime>: the instant with the event's UTC offset."""
        return i18n.to_local(value, event_zone()).isoformat()

    @app.template_filter("zone_name")
    def zone_name(value: str) -> str:
        return i18n.format_zone(value)

    @app.template_filter("parts_of_day")
    def parts_of_day(moments: list[datetime]) -> str:
        """周四下午和周五上午 / Thursday afternoon and Friday morning, each once; with the
        date when the event lasts over a week."""
        event = current_event()
        long_event = event is not None and (event.ends_on - event.starts_on).days >= 7
        names = [i18n.format_part_of_day(moment, event_zone(), with_date=long_event)
                 for moment in moments]
        return i18n.format_sequence(list(dict.fromkeys(names)))

    @app.template_filter("moment")
    def moment(value: datetime) -> str:
        return i18n.format_moment(value, event_zone())

    app.add_template_filter(safe_colour, "colour")

    @app.template_filter("external_url")
    def external_url(value: str) -> str:
        """Only http(s) addresses become links; anything else (javascript:, data:) is dropped."""
        value = (value or "").strip()
        return value if value.lower().startswith(("https://", "http://")) else ""
