"""checkin"""

from . import offline, views  # noqa: F401  (register their views on the admin blueprint)
