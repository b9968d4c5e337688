"""aistui.core: the embedded async AIStore client (no Textual imports, ever).

It serves the console, scripts, tests and benchmarks alike. Start with :class:`AISClient`.
"""

from typing import TYPE_CHECKING

from .. import __version__
from .errors import (
    AISError,
    BadRequest,
    BucketNotFound,
    ChecksumMismatch,
    Conflict,
    ConnectionFailed,
    ETLNotAvailable,
    Forbidden,
    HTTPError,
    InvalidInput,
    Locked,
    NotFound,
    NotSupported,
    ObjectNotFound,
    OutOfSpace,
    ProtocolError,
    RangeNotSatisfiable,
    RateLimited,
    RequestTimeout,
    ServerError,
    ServiceUnavailable,
    TransientError,
    Unauthorized,
    error_from_response,
    transport_error,
    transport_reason,
)

if TYPE_CHECKING:  # for the type checker: at run time these come from __getattr__ below, on first use
    from .client import AISClient
    from .config import ConnectionSettings, discover
    from .models import Bck, Namespace

__all__ = [
    "__version__",
    "AISClient",
    "ConnectionSettings",
    "discover",
    "Bck",
    "Namespace",
    # re-exported from .errors (every name in its __all__)
    "AISError",
    "BadRequest",
    "BucketNotFound",
    "ChecksumMismatch",
    "Conflict",
    "ConnectionFailed",
    "ETLNotAvailable",
    "Forbidden",
    "HTTPError",
    "InvalidInput",
    "Locked",
    "NotFound",
    "NotSupported",
    "ObjectNotFound",
    "OutOfSpace",
    "ProtocolError",
    "RangeNotSatisfiable",
    "RateLimited",
    "RequestTimeout",
    "ServerError",
    "ServiceUnavailable",
    "TransientError",
    "Unauthorized",
    "error_from_response",
    "transport_error",
    "transport_reason",
]


_LAZY = {"AISClient": "client", "ConnectionSettings": "config", "discover": "config", "Bck": "models",
         "Namespace": "models"}


def __getattr__(name: str):
    # Imported when first used, so a console paints its first frame before paying for them:
    # AISClient pulls in httpx and tenacity (~0.15 s), the models msgspec and ~30 dataclasses.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
