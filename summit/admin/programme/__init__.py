"""The programme editor: forms, the rules it checks, the service that saves, the views."""

from . import views  # noqa: F401  (registers the views on the admin blueprint)
