"""The check-in desk's JSON as its script sends it: queued scans with their own ids."""

from __future__ import annotations

import time
import uuid

from .admin_pages import ADMIN
from .pages import csrf_token


def queued(code: str, *, told: str = "", desk: str = "Desk A", forum: int | None = None,
           at: float | None = None, scan_id: str | None = None) -> dict:
    """One scan as the desk queues it: its own id, the device's time in milliseconds."""
    return {"id": scan_id or str(uuid.uuid4()), "code": code, "desk": desk, "forum": forum,
            "told": told, "at": int((time.time() if at is None else at) * 1000)}


def desk_token(client, admin: str = ADMIN) -> str:
    return csrf_token(client, f"{admin}/checkin")


def send_queue(client, scans: list[dict], token: str | None = None, admin: str = ADMIN):
    """POST the queue as the desk does: JSON, with the page's CSRF token in a header."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["X-CSRFToken"] = token
    return client.post(f"{admin}/checkin/sync.json", json={"scans": scans}, headers=headers)


def scan_online(client, code: str, **kwargs) -> dict:
    """One scan sent at once; its answer, with the desk's count."""
    response = send_queue(client, [queued(code, **kwargs)], desk_token(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    (answer,) = body["scans"]
    return {**answer, "progress": body["progress"]}
