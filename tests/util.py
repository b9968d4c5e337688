"""Helpers shared by the test modules (import as ``from tests.util import ...``)."""

from __future__ import annotations

import itertools
import uuid

_counter = itertools.count()


def unique(prefix: str = "t") -> str:
    """A bucket name unique within the session."""
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}"
