"""Where the admin pages of the tests' events are: /admin/<event>/…"""

from summit.demo.seed import SLUG

# The demo event's admin pages: f"{ADMIN}/registrations".
ADMIN = f"/admin/{SLUG}"


def event_admin(slug: str) -> str:
    """The start of the admin pages of the event with ``slug``."""
    return f"/admin/{slug}"
