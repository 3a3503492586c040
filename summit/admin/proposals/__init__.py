"""The call for speakers in the admin: the call's settings, the proposals with their
scores and decisions, the reviewers' forums, and the reviewers' own screens."""

from . import views  # noqa: F401  (registers its views on the admin blueprint)
