"""The community's frab schedule XSD and JSON schema, beside the project (../shared/)."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance"
needs_conformance = pytest.mark.skipif(
    not CONFORMANCE.is_dir(),
    reason=f"{CONFORMANCE} (the frab schedule XSD and JSON schema) is not on this machine",
)
