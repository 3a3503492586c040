"""The organizers' CSV import of guests: upload a file, then press Import on its preview."""

from __future__ import annotations

import io
import re

from .admin_pages import ADMIN
from .pages import CSRF_FIELD, csrf_token


def upload(client, content: bytes, category: str = "vip", **extra):
    """Send ``content`` as guests.csv; returns the preview (or the form with its errors)."""
    token = csrf_token(client, f"{ADMIN}/registrations/import")
    return client.post(f"{ADMIN}/registrations/import", data={
        "csrf_token": token, "category": category,
        "file": (io.BytesIO(content), "guests.csv"), **extra,
    }, content_type="multipart/form-data")


def sealed_field(response) -> str:
    return re.search(r'name="sealed" type="hidden" value="([^"]+)"',
                     response.get_data(as_text=True)).group(1)


def confirm_import(client, preview):
    """Press "Import" on an import's preview page."""
    token = CSRF_FIELD.search(preview.get_data(as_text=True)).group(1)
    return client.post(f"{ADMIN}/registrations/import/confirm",
                       data={"csrf_token": token, "sealed": sealed_field(preview)})
