"""No test calls asyncio.run in its own thread: a worker that ran a browser test keeps Playwright's
event loop running there, so asyncio.run fails in whichever test lands on that worker next (the
objection burst did, in CI). Tests use tests.support.in_own_loop instead."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
BARE = re.compile(r"\basyncio\.run\(|\.run_until_complete\(")


def test_no_test_starts_an_event_loop_in_its_own_thread() -> None:
    found = [f"{path.relative_to(TESTS)}:{n}"
             for path in TESTS.rglob("*.py") if path.name != "support.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if BARE.search(line) and not line.lstrip().startswith(("#", '"""'))]
    assert not found, f"use tests.support.in_own_loop: {found}"
