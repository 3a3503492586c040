"""The organizer's own share picture: stored, replaced or removed, audited. Changing it
changes the event's programme version, so pages and the picture's ETag follow."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..audit import AuditAction, record
from ..models import Event, User


def set_share_image(session: Session, actor: User, event: Event,
                    image: tuple[bytes, str] | None) -> None:
    """``image``: a checked picture and its media type; None removes it (the drawn one
    is shown again). Commits."""
    before = {"share_image": bool(event.share_image_type)}
    event.share_image, event.share_image_type = image if image else (None, "")
    record(session, actor, AuditAction.UPDATE, "event", event.id, summary="share image",
           before=before, after={"share_image": image is not None}, event_id=event.id)
    session.commit()


def share_image_of(event: Event) -> tuple[bytes, str] | None:
    """The organizer's picture and its media type, or None."""
    return (event.share_image, event.share_image_type) if event.share_image_type else None
