"""webhooks"""

from . import views  # noqa: F401  (registers its views on the admin blueprint)
