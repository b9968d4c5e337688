"""Syntax-highlighted text that follows the app's theme (dark or light)."""

from __future__ import annotations

from typing import Any

from rich.syntax import Syntax


def highlighted(app: Any, text: str, lexer: str, **kw: Any) -> Syntax:
    """A Rich ``Syntax`` for ``text`` with a Pygments style that reads well on the active Textual
    theme (``monokai`` on dark, ``friendly`` on light) and the widget's own background."""
    dark = getattr(getattr(app, "current_theme", None), "dark", True)
    return Syntax(text, lexer, theme="monokai" if dark else "friendly", background_color="default", **kw)
