"""Messages shared by screens: workers post them, the screen's handlers apply them."""

from __future__ import annotations

from textual.message import Message

from .core.errors import AISError


class LoadFailed(Message):
    """A worker's core call failed; ``error`` is the typed :class:`AISError` (its ``str`` is
    the one-line reason shown to the user). Handled as ``on_load_failed``."""

    def __init__(self, error: AISError):
        super().__init__()
        self.error = error
