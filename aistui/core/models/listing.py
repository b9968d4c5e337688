"""Object listings: ``LsoMsg`` flags, ``ObjEntry`` and ``LsoPage`` (``cmn/objlist.go`` ``LsoRes``,
``LsoEnt``, v1.5.0), decoded from msgpack with msgspec.
"""

from __future__ import annotations

import msgspec

from ..errors import ProtocolError

# LsoMsg.flags (api/apc/lsmsg.go)
LS_CACHED = 1
LS_MISSING = 2
LS_DELETED = 4
LS_ARCH_DIR = 8
LS_NAME_ONLY = 16
LS_NAME_SIZE = 32
LS_BCK_PRESENT = 64
LS_DONT_HEAD_REMOTE = 128
LS_DONT_ADD_REMOTE = 256
LS_NOT_CACHED = 512
LS_NO_RECURSION = 2048
LS_DIFF = 4096
LS_NO_DIRS = 8192

# LsoEnt.flags (cmn/objlist.go)
ENTRY_STATUS_MASK = 0x1F
ENTRY_IS_CACHED = 64
ENTRY_IN_ARCH = 128
ENTRY_IS_DIR = 256
ENTRY_IS_ARCHIVE = 512
ENTRY_VER_CHANGED = 1024
ENTRY_VER_REMOVED = 2048
ENTRY_HEAD_FAIL = 4096
ENTRY_IS_CHUNKED = 8192


class ObjEntry(msgspec.Struct, array_like=False, gc=False):
    """One listing entry (``cmn.LsoEnt``), decoded from msgpack short keys.

    ``size`` bytes; ``atime`` as formatted by the server; ``flags`` per ``ENTRY_*``.
    """

    name: str = msgspec.field(name="n", default="")
    checksum: str = msgspec.field(name="cs", default="")
    atime: str = msgspec.field(name="a", default="")
    version: str = msgspec.field(name="v", default="")
    location: str = msgspec.field(name="t", default="")
    custom: str = msgspec.field(name="m", default="")
    size: int = msgspec.field(name="s", default=0)
    copies: int = msgspec.field(name="c", default=0)
    flags: int = msgspec.field(name="f", default=0)

    @property
    def is_dir(self) -> bool:
        return bool(self.flags & ENTRY_IS_DIR)

    @property
    def is_cached(self) -> bool:
        return bool(self.flags & ENTRY_IS_CACHED)


class LsoPage(msgspec.Struct, gc=False):
    """One page of a listing (``cmn.LsoRes``): entries plus the ``uuid`` and
    ``continuation_token`` to echo back; the listing is done when the token is empty."""

    uuid: str = msgspec.field(name="UUID", default="")
    continuation_token: str = msgspec.field(name="ContinuationToken", default="")
    entries: list[ObjEntry] | None = msgspec.field(name="Entries", default_factory=list[ObjEntry])
    flags: int = msgspec.field(name="Flags", default=0)

    @property
    def done(self) -> bool:
        return not self.continuation_token


_lso_decoder = msgspec.msgpack.Decoder(LsoPage)


def decode_lso_msgpack(raw: bytes) -> LsoPage:
    """Decode a msgpack ``LsoRes``. Raises :class:`ProtocolError` on malformed input."""
    try:
        page = _lso_decoder.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        raise ProtocolError("list-objects", str(e)) from None
    if page.entries is None:
        page.entries = []
    return page
