"""Helpers shared by the test modules (import as ``from tests.util import ...``)."""

from __future__ import annotations

import itertools
import uuid

_counter = itertools.count()


def unique(prefix: str = "t") -> str:
    """A bucket name unique within the session."""
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


async def until(pilot, cond, tries: int = 400, step: float = 0.05) -> None:
    """Let the app run until ``cond()`` is true (at most ``tries`` x ``step`` seconds); fail
    otherwise. Conditions are on what the user would see, never on elapsed time."""
    for _ in range(tries):
        if cond():
            return
        await pilot.pause(step)
    raise AssertionError("the screen never reached the expected state")
