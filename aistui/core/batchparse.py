"""Reading a get-batch answer (:mod:`aistui.core.batch`): the TAR archive, or the multipart
answer (``metadata`` then ``archive``) of a non-streaming request, parsed with :mod:`tarfile` in
stream mode on a worker thread that pulls the body from the event loop one chunk at a time
(AIS v1.5.0: ``api/apc/ml.go`` ``MossResp``/``MossOut``; ``xact/xs/moss.go`` writes it).
"""

from __future__ import annotations

import asyncio
import io
import tarfile
from collections.abc import AsyncIterator
from typing import IO, TYPE_CHECKING, Any, Literal, cast

import msgspec

from .errors import ProtocolError

if TYPE_CHECKING:
    import concurrent.futures

__all__ = ["ArchiveParser", "Cancelled", "MossOut", "MossResp", "PullReader", "Read1"]

_META_MAX = 256 * 1024 * 1024  # bytes: the metadata part of a multipart answer, at most
_RUN_BYTES = 1024 * 1024  # bytes of entries parsed ahead in one thread hop, at most (plus one entry)
_RUN_ITEMS = 256
_DRAIN_MAX = 1024 * 1024  # bytes read after the archive's end (its padding, the closing boundary)


class MossOut(msgspec.Struct):
    objname: str = ""
    archpath: str = ""
    bucket: str = ""
    provider: str = ""
    err_msg: str = ""
    size: int = 0


class MossResp(msgspec.Struct):
    uuid: str = ""
    out: list[MossOut] = msgspec.field(default_factory=lambda: list[MossOut]())


class Cancelled(Exception):
    """The iteration was abandoned: the worker thread stops at its next read."""


class PullReader(io.RawIOBase):
    """A blocking file-like over an async byte iterator, for a worker thread: each read that
    finds its buffer empty asks the event loop for the next chunk and waits for it. Nothing is
    read ahead, so memory is one chunk. :meth:`cancel` (on the loop) makes the thread's next
    read raise."""

    def __init__(self, chunks: AsyncIterator[bytes], loop: asyncio.AbstractEventLoop):
        super().__init__()
        self._chunks = chunks
        self._loop = loop
        self._buf = b""
        self._pos = 0
        self._eof = False
        self._cancelled = False
        self._pending: concurrent.futures.Future[bytes] | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while self._pos >= len(self._buf):
            if self._eof:
                return 0
            self._buf, self._pos = self._next(), 0
        n = min(len(view), len(self._buf) - self._pos)
        view[:n] = self._buf[self._pos:self._pos + n]
        self._pos += n
        return n

    async def _anext(self) -> bytes:
        """The next non-empty chunk; ``b""`` at the end (an empty chunk is not the end)."""
        while True:
            try:
                chunk = await anext(self._chunks)
            except StopAsyncIteration:
                return b""
            if chunk:
                return chunk

    def _next(self) -> bytes:
        if self._cancelled:
            raise Cancelled
        fut = asyncio.run_coroutine_threadsafe(self._anext(), self._loop)
        self._pending = fut
        if self._cancelled:
            fut.cancel()
        try:
            chunk = fut.result()
        except BaseException as e:  # concurrent.futures.CancelledError is not an Exception
            if self._cancelled:
                raise Cancelled from None
            raise e
        finally:
            self._pending = None
        if not chunk:
            self._eof = True
        return chunk

    def buffered(self) -> int:
        """Bytes of the current chunk not read yet (readable without waiting)."""
        return len(self._buf) - self._pos

    def cancel(self) -> None:
        """Stop the reading thread at its next read (called on the event loop)."""
        self._cancelled = True
        pending = self._pending
        if pending is not None:
            pending.cancel()


class Read1:
    """``read(n)`` as ``read1(n)``: at most one read of the answer, what has arrived."""

    def __init__(self, f: io.BufferedReader[PullReader]):
        self._f = f

    def read(self, size: int = -1) -> bytes:
        return self._f.read1(size)


class ArchiveParser:
    """The answer's body, parsed on a worker thread: the multipart ``metadata`` part (when
    ``boundary`` is set) and then the archive, one member at a time with :mod:`tarfile`."""

    def __init__(self, raw: PullReader, mode: Literal["r|", "r|gz"], boundary: bytes | None):
        self._raw = raw
        self._f = io.BufferedReader(raw, 64 * 1024)
        self._mode = mode
        self._boundary = boundary
        self._tar: tarfile.TarFile | None = None
        self._ended = False

    def start(self) -> MossResp | None:
        """Read up to the archive; the decoded ``MossResp`` of a multipart answer, else None."""
        meta = self._multipart_prefix() if self._boundary is not None else None
        try:
            # read1: tarfile asks for 10 KiB records; take what has arrived instead of waiting
            # for a full record (a streaming answer's entry is flushed as soon as it is written)
            src = cast("IO[bytes]", Read1(self._f))
            self._tar = (tarfile.open(fileobj=src, mode="r|gz") if self._mode == "r|gz"
                         else tarfile.open(fileobj=src, mode="r|"))
        except (tarfile.TarError, EOFError, OSError) as e:
            raise ProtocolError("get-batch", f"cannot read the archive: {e}") from None
        if meta is None:
            return None
        try:
            return msgspec.json.decode(meta, type=MossResp)
        except msgspec.DecodeError as e:
            raise ProtocolError("get-batch", f"bad metadata part: {e}") from None

    def _line(self, limit: int = 64 * 1024) -> bytes:
        line = self._f.readline(limit)
        if not line:
            raise ProtocolError("get-batch", "the multipart answer ended early")
        return line

    def _part_headers(self, name: str) -> None:
        headers = b""
        while (line := self._line()) not in (b"\r\n", b"\n"):
            headers += line
        if f'name="{name}"'.encode() not in headers:
            raise ProtocolError("get-batch", f"expected the multipart part {name!r}, got {headers[:200]!r}")

    def _multipart_prefix(self) -> bytes:
        assert self._boundary is not None
        delim = b"--" + self._boundary
        while self._line().rstrip(b"\r\n") != delim:
            pass
        self._part_headers("metadata")
        meta = bytearray()
        while not (line := self._line(_META_MAX)).startswith(delim):
            meta += line
            if len(meta) > _META_MAX:
                raise ProtocolError("get-batch", f"metadata part larger than {_META_MAX} bytes")
        if line.rstrip(b"\r\n") == delim + b"--":
            raise ProtocolError("get-batch", "the multipart answer has no archive part")
        self._part_headers("archive")
        return bytes(meta[:-2] if meta.endswith(b"\r\n") else meta)

    def next(self) -> tuple[str, bytes] | None:
        """The next member's ``(name, bytes)``, or None at the archive's end (and after it:
        tarfile must not be asked again, it would seek back to the end-of-archive block)."""
        tar = self._tar
        assert tar is not None
        if self._ended:
            return None
        try:
            while (info := tar.next()) is not None:
                if not info.isfile():
                    continue
                member = tar.extractfile(info)
                data = member.read() if member is not None else b""
                # stream mode keeps every TarInfo in ``members`` (untyped) otherwise
                cast("list[tarfile.TarInfo]", getattr(tar, "members", [])).clear()
                return info.name, data
        except (tarfile.TarError, EOFError, OSError) as e:
            raise ProtocolError("get-batch", f"cannot read the archive: {e}") from None
        self._ended = True
        return None

    def run(self) -> list[tuple[str, bytes]]:
        """The next members, read in one go while their bytes are already here: at least one
        (an empty list at the archive's end), then more while the answer's current chunk has
        bytes left and the run holds less than :data:`_RUN_BYTES`. One thread hop per run
        instead of one per member (small entries come several to a chunk)."""
        out: list[tuple[str, bytes]] = []
        size = 0
        while (got := self.next()) is not None:
            out.append(got)
            size += len(got[1])
            if size >= _RUN_BYTES or len(out) >= _RUN_ITEMS or self._raw.buffered() == 0:
                break
        return out

    def finish(self) -> None:
        """Read what follows the archive (padding, the closing boundary), at most 1 MiB, so
        the connection can be reused."""
        left = _DRAIN_MAX
        while left > 0 and (chunk := self._f.read1(min(left, 64 * 1024))):
            left -= len(chunk)
