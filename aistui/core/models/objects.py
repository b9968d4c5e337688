"""Object properties: ``ObjectProps`` from a HEAD (or GET) answer's ``Ais-*`` headers
(``api/apc/headers.go``, v1.5.0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..errors import ProtocolError


@dataclass(frozen=True, slots=True)
class ObjectProps:
    """Object properties from a HEAD (or GET) answer's headers.

    ``size`` bytes; ``atime_ns`` unix ns (0 when unknown); ``custom`` user metadata;
    ``location`` is ``target:mountpath`` when the cluster says; ``present`` whether it is in the
    cluster (for remote buckets: cached).
    """

    name: str
    size: int
    checksum_type: str = ""
    checksum: str = ""
    version: str = ""
    atime_ns: int = 0
    custom: Mapping[str, str] = field(default_factory=dict[str, str])
    location: str = ""
    present: bool = True
    mirror_copies: int = 0

    @property
    def atime(self) -> datetime | None:
        return datetime.fromtimestamp(self.atime_ns / 1e9, tz=UTC) if self.atime_ns else None

    @classmethod
    def from_headers(cls, name: str, headers: Any) -> ObjectProps:
        """Build from response headers: httpx or aiohttp (case-insensitive, multi-valued)."""
        custom: dict[str, str] = {}
        if hasattr(headers, "get_list"):  # httpx.Headers
            md_values = headers.get_list("Ais-Custom-Md")
        elif hasattr(headers, "getall"):  # aiohttp's CIMultiDictProxy
            md_values = headers.getall("Ais-Custom-Md", [])
        else:
            md_values = [headers.get("Ais-Custom-Md")] if headers.get("Ais-Custom-Md") else []
        for v in md_values:
            for part in v.split(","):
                k, sep, val = part.partition("=")
                if sep and k.strip():
                    custom[k.strip()] = val.strip()
        size = headers.get("Ais-Size") or headers.get("Content-Length") or "0"
        try:
            size_i = int(size)
            atime = int(headers.get("Ais-Atime") or 0)
            copies = int(headers.get("Ais-Mirror-Copies") or 0)
        except ValueError as e:
            raise ProtocolError("object properties", str(e)) from None
        ck_type = headers.get("Ais-Checksum-Type", "")
        return cls(
            name=name,
            size=size_i,
            checksum_type="" if ck_type == "none" else ck_type,
            checksum=headers.get("Ais-Checksum-Value", ""),
            version=headers.get("Ais-Version", ""),
            atime_ns=atime,
            custom=custom,
            location=headers.get("Ais-Location", ""),
            present=headers.get("Ais-Present", "true").lower() != "false",
            mirror_copies=copies,
        )
