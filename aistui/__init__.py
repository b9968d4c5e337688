"""aistui: a terminal console for AIStore."""

__version__ = "0.1.0"

__all__ = ["__version__"]
