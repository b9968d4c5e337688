"""Messages shared by screens: workers post them, the screen's handlers apply them."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from .core.errors import AISError


@dataclass
class LoadFailed(Message):
    """A worker's core call failed; ``error`` is the typed :class:`AISError` (its ``str`` is
    the one-line reason shown to the user). Screens handle it with ``@on(LoadFailed)``."""

    error: AISError
