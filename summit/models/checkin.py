"""What the check-in desks recorded: every scan a desk sent, with its own id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .columns import UTCDateTime, utcnow
from .programme import Forum
from .registration import Registration


class DeskScan(db.Model):
    """One badge read at a desk of the check-in app, online or queued while offline.

    ``scan_id`` is the desk's own id for the scan (a UUID made on the device): a scan
    sent twice (a retry after a lost answer) is found by it and answered as the first
    time, never counted again. ``forum_id`` is the forum's door, or None at the
    entrance. ``desk_outcome`` is what the desk told the person on its own while
    offline; ``conflict`` marks a scan the desk let in that the server did not (the
    same person admitted at two offline desks): kept for the staff, never dropped."""

    __tablename__ = "desk_scan"
    __table_args__ = (
        UniqueConstraint("event_id", "scan_id"),
        Index("ix_desk_scan_event_conflict", "event_id", "conflict"),
        Index("ix_desk_scan_forum_registration", "forum_id", "registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    scan_id: Mapped[str] = mapped_column(String(36))
    desk: Mapped[str] = mapped_column(String(40), default="")
    # The code as read, normalised (an unknown code is kept to be looked at later).
    code: Mapped[str] = mapped_column(String(32), default="")
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    forum_id: Mapped[int | None] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(20))
    desk_outcome: Mapped[str] = mapped_column(String(20), default="")
    conflict: Mapped[bool] = mapped_column(default=False)
    # The device's clock when the badge was read (kept within bounds), and ours on arrival.
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # A badge another system scanned through the REST API with this token (``desk`` holds
    # the token's name): shown among the desks' scans, marked as the API's.
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_token.id", ondelete="SET NULL")
    )

    registration: Mapped[Registration | None] = relationship()
    forum: Mapped[Forum | None] = relationship()
    user: Mapped[User | None] = relationship()
