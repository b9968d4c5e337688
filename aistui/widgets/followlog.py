"""A log that follows (like ``tail -f``) and can show only the lines that contain a text, with a
one-line hint of how many lines there are and how many match."""

from __future__ import annotations

import re

from rich.highlighter import Highlighter
from rich.text import Text
from textual.widgets import Log, Static


class _Matches(Highlighter):
    """Highlights every case-insensitive occurrence of ``text`` in a line."""

    def __init__(self) -> None:
        self.text = ""

    def highlight(self, text: Text) -> None:
        if self.text:
            text.highlight_regex(re.compile(re.escape(self.text), re.IGNORECASE), "black on yellow")


class FollowLog(Log):
    """Give it the whole log each time (:meth:`set_lines`): it appends only what is new, and
    redraws when the log was rotated or replaced. ``hint`` is the :class:`Static` it keeps up to
    date (``logs: N lines · M contain 'x'``)."""

    def __init__(self, hint: Static, *, max_lines: int = 5000, id: str | None = None):
        super().__init__(id=id, max_lines=max_lines, auto_scroll=True)
        self.hint = hint
        self.filter = ""  # show only the lines that contain it (case-insensitive); "" shows all
        self.lines_seen: list[str] = []
        self._shown = 0
        self._matches = _Matches()
        self.highlighter = self._matches

    def reset(self) -> None:
        """Forget everything (another log is about to be shown)."""
        self.lines_seen, self._shown = [], 0
        self.clear()

    def set_lines(self, lines: list[str]) -> None:
        """The log's lines now: append the new ones that pass the filter."""
        if lines[: len(self.lines_seen)] != self.lines_seen:  # rotated or replaced: start over
            self.reset()
        new = lines[len(self.lines_seen):]
        self.lines_seen = lines
        self._show(new)

    def append_lines(self, new: list[str]) -> None:
        """Lines logged since the last call (for a log read by offset): append those that pass
        the filter. Only the last ``max_lines`` lines are kept."""
        self.lines_seen = (self.lines_seen + new)[-(self.max_lines or len(self.lines_seen) + len(new)):]
        self._show(new)

    def _show(self, new: list[str]) -> None:
        want = self.filter.lower()
        shown = [ln for ln in new if want in ln.lower()] if want else new
        if shown:
            self.write_lines(shown)
        self._shown += len(shown)
        hint = f"logs: {len(self.lines_seen):,} lines"
        if self.filter:
            hint += f" · {self._shown:,} contain {self.filter!r} (/ to change, empty shows all)"
        self.hint.update(Text(hint))

    def set_filter(self, text: str) -> None:
        """Show only the lines that contain ``text`` (all of them for ``""``), from the start."""
        self.filter = text
        self._matches.text = text
        self.highlight = bool(text)
        lines = self.lines_seen
        self.reset()
        self.set_lines(lines)
