"""What the registration's rules say no with: every refusal is a RegistrationError,
whose message is for the attendee."""

from __future__ import annotations

import enum

from ..models import Forum, Registration


class RegistrationError(Exception):
    """A rule says no; the message is for the attendee."""


class WindowState(enum.StrEnum):
    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    # A past edition, kept read-only.
    ARCHIVED = "archived"


class RegistrationClosed(RegistrationError):
    def __init__(self, state: WindowState):
        super().__init__(state.value)
        self.state = state


class UnknownForum(RegistrationError):
    pass


class RegistrationCancelled(RegistrationError):
    pass


class OverlappingForums(RegistrationError):
    """Two chosen forums run at the same time and the event wants one of them only."""

    def __init__(self, pairs: list[tuple[Forum, Forum]]):
        super().__init__("; ".join(f"{a.slug} and {b.slug} overlap" for a, b in pairs))
        self.pairs = pairs


class AlreadyRegistered(RegistrationError):
    """The address holds a registration for the event already."""

    def __init__(self, registration: Registration):
        super().__init__("already registered")
        self.registration = registration


class NotWaiting(RegistrationError):
    """A promotion asked for a registration or seat that is not on a waiting list."""


class ForumFull(RegistrationError):
    """Every seat of the forum is taken."""


class CapacityBelowTaken(RegistrationError):
    """A capacity smaller than the places or seats already taken."""

    def __init__(self, taken: int):
        super().__init__(f"{taken} taken")
        self.taken = taken
