"""Reading pages as a visitor does: their text, tables and lists, and their forms' tokens."""

from __future__ import annotations

import re

from summit.demo.seed import SLUG

# Where the demo event's public pages, form and feeds are: f"{DEMO}/agenda".
DEMO = f"/{SLUG}"
# The login form leaves out type="hidden"; every other form has it.
CSRF_FIELD = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def page_text(response) -> str:
    """The visible text of a page, tags removed, whitespace collapsed."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on the page at ``path``."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return CSRF_FIELD.search(response.get_data(as_text=True)).group(1)


def post_form(client, path: str, page: str | None = None, **data):
    """Post ``data`` to ``path`` with the token of the form on ``page`` (or ``path``)."""
    return client.post(path, data={"csrf_token": csrf_token(client, page or path), **data})


def table_rows(html: str, caption_id: str) -> list[list[str]]:
    """The cells of each body row of the table after the heading ``caption_id``."""
    section = html[html.index(f'id="{caption_id}"'):]
    body = section[section.index("<tbody>"):section.index("</tbody>")]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>",
                                                                     row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def listed_names(response) -> list[str]:
    """The names in the organizers' list of registrations, in order."""
    html = response.get_data(as_text=True)
    return re.findall(r'href="/admin/[^/"]+/registrations/\d+">([^<]+)</a>', html)
