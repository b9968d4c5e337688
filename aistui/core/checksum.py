"""Client-side checksums matching AIS's (``cmn/cos/cksum.go``, v1.5.0).

``xxhash2`` is cespare/xxhash v2 (XXH64, seed 0) and ``xxhash`` is OneOfOne's XXH64 (seed 0); both
are hex of the big-endian digest, which is what ``xxhash.xxh64().hexdigest()`` gives. ``md5``,
``sha256`` and ``sha512`` come from hashlib. ``crc32c`` is verified only when the ``crc32c`` module
is installed.
"""

from __future__ import annotations

import hashlib
import importlib
from typing import Any

__all__ = ["new_hasher", "SUPPORTED"]

SUPPORTED = ("xxhash2", "xxhash", "md5", "sha256", "sha512", "crc32c")


class _Crc32c:
    def __init__(self, mod: Any):
        self._mod, self._v = mod, 0

    def update(self, b: bytes) -> None:
        self._v = self._mod.crc32c(b, self._v)

    def hexdigest(self) -> str:
        return f"{self._v:08x}"


def new_hasher(ck_type: str) -> Any | None:
    """A hasher with ``update(bytes)`` and ``hexdigest()`` for an AIS checksum type, or None
    when the type is ``none``/unknown or its library is missing."""
    if ck_type in ("xxhash2", "xxhash"):
        try:
            import xxhash
        except ImportError:  # pragma: no cover - xxhash is a dependency
            return None
        return xxhash.xxh64(seed=0)
    if ck_type in ("md5", "sha256", "sha512"):
        return hashlib.new(ck_type)
    if ck_type == "crc32c":
        try:
            crc32c = importlib.import_module("crc32c")  # optional, not a dependency (nor known to the type checker)
        except ImportError:
            return None
        return _Crc32c(crc32c)
    return None
