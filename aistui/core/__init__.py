"""aistui.core: the embedded async AIStore client (no Textual imports, ever).

It serves the console, scripts, tests and benchmarks alike. Start with :class:`AISClient`.
"""

from .. import __version__  # noqa: E402
from .errors import *  # noqa: E402,F401,F403

__all__ = ["__version__", "AISClient", "ConnectionSettings", "discover", "Bck", "Namespace"]


_LAZY = {"AISClient": "client", "ConnectionSettings": "config", "discover": "config", "Bck": "models",
         "Namespace": "models"}


def __getattr__(name: str):
    # Imported when first used, so a console paints its first frame before paying for them:
    # AISClient pulls in httpx and tenacity (~0.15 s), the models msgspec and ~30 dataclasses.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
