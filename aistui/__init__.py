"""aistui: a terminal console for AIStore."""

from .core import __version__

__all__ = ["__version__"]
