"""The programme editor: forms, the rules it checks, the service that saves, the views
(a session's materials in their own module)."""

from . import materials, views  # noqa: F401  (registers the views on the admin blueprint)
