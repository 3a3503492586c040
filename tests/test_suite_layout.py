"""The test suite's own layout: what tests share lives in tests/helpers/ and in conftest.py
fixtures, never in another test module (importing one runs its module-level code and
couples two areas' tests; import-linter's wildcards cannot name "test_*" modules)."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# `from .test_x import`, `from ..test_x import`, `from tests.test_x import`,
# `from tests.e2e.test_x import`, `import tests.test_x`, `from . import test_x`;
# also inside strings, as in a script a test hands to a subprocess.
IMPORT_OF_A_TEST_MODULE = re.compile(
    r"^\s*(?:from\s+(?:\.+|tests\.(?:e2e\.)?)test_\w+\s+import"
    r"|import\s+tests\.(?:e2e\.)?test_\w+"
    r"|from\s+(?:\.+|tests(?:\.e2e)?)\s+import\s+(?:\(?\s*)?test_\w+)",
    re.MULTILINE,
)


def test_no_test_module_imports_another():
    offenders = [
        f"{path.relative_to(TESTS.parent)}: {match.group(0).strip()}"
        for path in sorted(TESTS.rglob("*.py"))
        if "node_modules" not in path.parts
        for match in IMPORT_OF_A_TEST_MODULE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "move what they share to tests/helpers/ or a conftest fixture"


def test_the_guard_sees_each_spelling_of_such_an_import():
    spellings = ["from .test_programme import page_text", "from ..test_mail import Inbox",
                 "    from tests.test_badges import facts", "from tests.e2e.test_attendee import x",
                 "import tests.test_auth", "from . import test_auth"]
    for spelling in spellings:
        assert IMPORT_OF_A_TEST_MODULE.search(spelling), spelling
    assert not IMPORT_OF_A_TEST_MODULE.search("from .helpers.pages import page_text")
