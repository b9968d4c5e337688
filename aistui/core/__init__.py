"""aistui.core: the embedded async AIStore client (no Textual imports, ever).

It serves the console, scripts, tests and benchmarks alike. Start with :class:`AISClient`.
"""

__version__ = "0.1.0"

from .config import ConnectionSettings, discover  # noqa: E402
from .errors import *  # noqa: E402,F401,F403
from .models import Bck, Namespace  # noqa: E402

__all__ = ["__version__", "AISClient", "ConnectionSettings", "discover", "Bck", "Namespace"]


def __getattr__(name: str):
    # AISClient pulls in httpx and tenacity (~0.15 s): imported when first used, so a console
    # paints its first frame before paying for it.
    if name == "AISClient":
        from .client import AISClient

        return AISClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
