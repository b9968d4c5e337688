"""Large objects: HEAD v2 (chunk info, last-modified, ETag), parallel range download into a local
file, and the blob download job; :class:`LargeObjects`, a part of
:class:`~aistui.core.objects.ObjectAPI` (``client.objects``).

Endpoints (v1.5.0):

* HEAD v2 is ``HEAD /v1/objects/<b>/<o>?props=name,size,chunked,...`` (``api.HeadObjectV2``,
  ``cmn.ObjectPropsV2.FromHeaders`` in ``cmn/objattrs.go``): with ``props`` the target answers
  ``Last-Modified`` and ``ETag`` and, for ``chunked``, ``Ais-Chunks-Count`` /
  ``Ais-Chunks-Max-Chunk-Size``.
* Parallel download is what ``api.MultipartDownload`` (``api/mpt.go``) does: one HEAD, then
  ``GET`` with ``Range: bytes=a-b`` per chunk from N workers, written at the chunk's offset
  (straight to the object's target from the cached Smap, or to where the proxy's 301 points).
* Blob download is ``POST /v1/objects/<b>`` with ``{"action": "blob-download", "name": OBJ,
  "value": apc.BlobMsg}`` (``api.BlobDownload``, ``api/blob.go``): a job (its id is answered)
  that reads a remote object into the cluster in parallel chunks; ``ais blob-download``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import rawio, threadwork
from .aio import gather_or_cancel
from .checksum import new_hasher
from .errors import AISError, ChecksumMismatch, HTTPError, InvalidInput, NotFound, ObjectNotFound, TransientError
from .models import Bck, ObjectProps, obj_ref
from .names import validate_object_name
from .objdata import ObjectData, object_path
from .retry import on_transient

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["LargeObjects", "ObjectPropsV2", "ChunkInfo", "HEAD_V2_PROPS", "PARALLEL_THRESHOLD",
           "PARALLEL_CHUNK", "PARALLEL_WORKERS"]

#: every property a v1.5.0 target answers to HEAD v2 (``ais/tgthead.go`` ``_objHeadV2``; others are 400)
HEAD_V2_PROPS = ("name", "size", "checksum", "atime", "version", "custom", "last-modified", "etag",
                 "location", "copies", "ec", "chunked")
#: objects at least this large (bytes) are downloaded with parallel range reads by the transfer engine
PARALLEL_THRESHOLD = 64 * 1024 * 1024
#: bytes per range read (``api/mpt.go`` defaults to 8 MiB; 4 x 16 MiB measured faster than 8 x 8 MiB
#: at 1 and 4 GiB on the local cluster, with less memory: docs/benchmarks.md)
PARALLEL_CHUNK = 16 * 1024 * 1024
#: range reads in flight
PARALLEL_WORKERS = 4
_HASH_READ = 8 * 1024 * 1024  # bytes per read when hashing the ranges that landed, in order
_IO_CHUNK = 4 * 1024 * 1024  # bytes read from the socket and written per step (memory: workers x this)


@dataclass(frozen=True, slots=True)
class ChunkInfo:
    """How the cluster stores a chunked object (multipart uploads, blob downloads): ``count``
    chunks, the largest ``max_chunk_size`` bytes."""

    count: int
    max_chunk_size: int


@dataclass(frozen=True, slots=True)
class ObjectPropsV2:
    """HEAD v2 (``cmn.ObjectPropsV2``): ``props`` the standard :class:`ObjectProps`,
    ``last_modified`` the HTTP ``Last-Modified`` text (RFC 1123, GMT; "" if not answered),
    ``etag`` the ``ETag`` header as sent (quoted), ``chunks`` when ``chunked`` was asked for and
    the object is stored in chunks (else None)."""

    props: ObjectProps
    last_modified: str = ""
    etag: str = ""
    chunks: ChunkInfo | None = None
    asked: tuple[str, ...] = field(default=())

    @property
    def size(self) -> int:
        return self.props.size


class LargeObjects:
    """HEAD v2, parallel download and blob download; a part of
    :class:`~aistui.core.objects.ObjectAPI`. Every method raises
    :class:`~aistui.core.errors.AISError` subclasses."""

    _c: AISClient
    iter_get = ObjectData.iter_get

    async def head_v2(self, bck: Bck | str, obj: str = "", *,
                      props: str | tuple[str, ...] = ("name", "size", "checksum", "version", "chunked",
                                                      "last-modified", "etag")) -> ObjectPropsV2:
        """HEAD v2 of one object (``HEAD ...?props=...``, see the module): ``props`` is a comma
        list or a tuple of :data:`HEAD_V2_PROPS`. Raises :class:`InvalidInput` for an unknown
        property (nothing sent), :class:`ObjectNotFound`."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        asked = tuple(p.strip() for p in (props.split(",") if isinstance(props, str) else props) if p.strip())
        bad = [p for p in asked if p not in HEAD_V2_PROPS]
        if bad:
            raise InvalidInput(f"unknown HEAD property {', '.join(bad)} (one of {', '.join(HEAD_V2_PROPS)})")
        params = bck.query() | {"props": ",".join(asked)}
        try:
            if self._c.datapath is not None:
                h: Any = await self._c.datapath.head(object_path(bck, obj), params, bck=bck, obj=obj)
            else:
                h = (await self._c.request("HEAD", object_path(bck, obj), params=params)).headers
        except NotFound as e:
            raise ObjectNotFound(404, e.message or f"{bck}/{obj} does not exist", tcode=e.tcode) from None
        chunks = None
        count = h.get("Ais-Chunks-Count")
        if count:
            try:
                chunks = ChunkInfo(int(count), int(h.get("Ais-Chunks-Max-Chunk-Size") or 0))
            except ValueError:
                chunks = None
        return ObjectPropsV2(ObjectProps.from_headers(obj, h), h.get("Last-Modified", ""), h.get("ETag", ""),
                             chunks, asked)

    async def download_parallel(
        self,
        bck: Bck | str,
        obj: str = "",
        dest: Path | str = "",
        *,
        workers: int = PARALLEL_WORKERS,
        chunk_size: int = PARALLEL_CHUNK,
        verify: bool = True,
        progress: Callable[[int], None] | None = None,
    ) -> ObjectProps:
        """Download one object into the local file ``dest`` with ``workers`` parallel range reads
        of ``chunk_size`` bytes (see the module), as ``api.MultipartDownload`` does; returns the
        object's props (HEAD v2).

        The bytes go into a temporary file beside ``dest`` (sized first, each chunk written at its
        offset), renamed to ``dest`` only when complete and verified: on any error or
        cancellation the temporary file is removed and ``dest`` is untouched. Over plain http
        the ranges go over :mod:`aistui.core.rawio` (each worker a thread receiving into one
        1 MiB buffer and writing it at the offset: :meth:`_ranges_raw`), else (HTTPS, a client
        with its own transport, ``AISTUI_RAW_IO=0``) over the aiohttp data path. Memory stays
        bounded (about ``workers`` x 1 MiB of buffers on the raw path, ``workers`` x 4 MiB over
        aiohttp, whatever the object's size). Each range answer's checksum and version must be
        the HEAD's (an object overwritten mid-download raises :class:`AISError`); with ``verify``
        the file is hashed (on the raw path while the ranges land, in order; else after the last
        one, on a thread) and compared with the stored checksum (:class:`ChecksumMismatch`;
        objects stored without one, such as multipart uploads, are checked by size). Transient
        errors (a connection cut short included) are retried per range.
        ``progress(nbytes)`` as bytes are written (a retried range counts once). Raises
        :class:`InvalidInput` for ``workers``/``chunk_size`` below 1 or no ``dest``,
        :class:`ObjectNotFound`, ``OSError`` for the local file."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        if workers < 1 or chunk_size < 1:
            raise InvalidInput(f"workers and chunk size must be at least 1 (got {workers}, {chunk_size})")
        if not str(dest):
            raise InvalidInput(f"download {bck}/{obj}: no destination file")
        dest = Path(dest)
        head = await self.head_v2(bck, obj, props=("name", "size", "checksum", "version"))
        want = head.props
        total = want.size
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name[:40]}.", suffix=".part", dir=dest.parent)
        try:
            os.ftruncate(fd, total)

            def check(p: ObjectProps) -> None:
                if (p.checksum and want.checksum and p.checksum != want.checksum) or (
                        p.version and want.version and p.version != want.version):
                    raise AISError(f"{bck}/{obj} changed during the download (version {want.version} -> "
                                   f"{p.version}); download it again")

            dp = self._c.datapath
            got: str | None = None
            if total and dp is not None and dp.raw:
                got = await self._ranges_raw(bck, obj, fd, total, workers, chunk_size, check, progress,
                                             want.checksum_type if verify and want.checksum else "")
            else:
                await self._ranges_aiohttp(bck, obj, fd, total, workers, chunk_size, check, progress)
            if verify and want.checksum:
                if got is None:
                    got = await asyncio.to_thread(_hash_fd, fd, want.checksum_type)
                if got is not None and got != want.checksum:
                    raise ChecksumMismatch(obj, want.checksum_type, want.checksum, got)
            elif os.fstat(fd).st_size != total:  # pragma: no cover - ftruncate set it
                raise AISError(f"{bck}/{obj}: {os.fstat(fd).st_size} bytes written, {total} expected")
            os.close(fd)
            fd = -1
            os.replace(tmp, dest)
            tmp = ""
        finally:
            if fd >= 0:
                os.close(fd)
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        return want

    async def _ranges_aiohttp(self, bck: Bck, obj: str, fd: int, total: int, workers: int, chunk_size: int,
                              check: Callable[[ObjectProps], None], progress: Callable[[int], None] | None) -> None:
        """The ranges of :meth:`download_parallel` over the aiohttp data path (HTTPS, a client
        with its own transport, ``AISTUI_RAW_IO=0``), written at their offsets of ``fd``."""
        nchunks = max(1, -(-total // chunk_size))
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(nchunks):
            queue.put_nowait(i)

        async def worker() -> None:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                off = i * chunk_size
                end = min(off + chunk_size, total) - 1
                if end < off:
                    return  # an empty object
                pos = off
                async for piece in self.iter_get(bck, obj, byte_range=(off, end), verify=False,
                                                 chunk_size=_IO_CHUNK, on_props=check):
                    os.pwrite(fd, piece, pos)
                    pos += len(piece)
                    if progress:
                        progress(len(piece))
                if pos != end + 1:
                    raise AISError(f"{bck}/{obj}: range {off}-{end} ended after {pos - off} bytes")

        await gather_or_cancel(worker() for _ in range(min(workers, nchunks)))

    async def _ranges_raw(self, bck: Bck, obj: str, fd: int, total: int, workers: int, chunk_size: int,
                          check: Callable[[ObjectProps], None], progress: Callable[[int], None] | None,
                          ck_type: str = "") -> str | None:
        """The ranges of :meth:`download_parallel` over :mod:`aistui.core.rawio` (plain http):
        ``workers`` workers, each with its own kept-alive connection, receive their ranges on a
        thread (:func:`~aistui.core.threadwork.run_blocking`) straight into one buffer and
        ``pwrite`` it at the range's offset of ``fd``. The URL is
        the object's target from the cached map, or the proxy's redirect
        (:meth:`ObjectDataPath.read_url`); a direct target that fails (an error status or not
        reached) sends every worker through the proxy from then on. Each range is retried on
        transient errors (a connection cut short included) like the client's idempotent calls,
        and progress counts a retried range's bytes once. With ``ck_type`` the file is hashed
        while it downloads, range after range in order as they land (on a thread, reading back
        what was just written): returns the hex digest, or None without ``ck_type`` or when the
        type cannot be computed here."""
        dp = self._c.datapath
        assert dp is not None
        s = self._c.settings
        path = object_path(bck, obj)
        params = bck.query()
        where: tuple[str, bool] = await dp.read_url(path, params, bck=bck, obj=obj)
        stopper = threadwork.Stopper()
        prog = threadwork.Progress(progress)
        nchunks = -(-total // chunk_size)
        chunks = iter(range(nchunks))
        hasher = new_hasher(ck_type) if ck_type else None
        landed_ranges: set[int] = set()
        landed = asyncio.Event()

        def on_answer(ans: rawio.RawAnswer) -> None:
            check(ObjectProps.from_headers(obj, ans.headers))

        async def once(conn: rawio.RawConn, off: int, n: int, reported: list[int]) -> None:
            nonlocal where
            url, direct = where
            done = [0]

            def on_bytes(k: int) -> None:  # on the worker thread; a retried range counts once
                done[0] += k
                if done[0] > reported[0]:
                    prog.add(done[0] - reported[0])
                    reported[0] = done[0]

            hdrs = {"Range": f"bytes={off}-{off + n - 1}"}
            try:
                target = await conn.open(url)
                await threadwork.run_blocking(
                    stopper, lambda: conn.get_into(url, target, hdrs, fd, off, n, on_answer, on_bytes))
            except (HTTPError, TransientError) as e:
                if not direct:
                    raise
                if where[0] == url:  # the first worker to see it: through the proxy from now on
                    dp.direct_failed(url, e)
                    where = await dp.read_url(path, params, via_proxy=True)
                await once(conn, off, n, reported)

        async def worker() -> None:
            conn = rawio.RawConn(stopper, s.timeout, s.connect_timeout)
            try:
                for i in chunks:
                    off = i * chunk_size
                    n = min(chunk_size, total - off)
                    reported = [0]
                    async for attempt in on_transient(self._c.retries):
                        with attempt:
                            await once(conn, off, n, reported)
                    landed_ranges.add(i)
                    landed.set()
            finally:
                conn.close()

        async def hash_in_order() -> None:
            assert hasher is not None
            buf = bytearray(_HASH_READ)
            nxt = 0
            while nxt < nchunks:
                while nxt not in landed_ranges:
                    landed.clear()
                    await landed.wait()
                last = nxt
                while last + 1 in landed_ranges:
                    last += 1
                off = nxt * chunk_size
                n = min((last + 1) * chunk_size, total) - off
                await threadwork.run_blocking(stopper, functools.partial(_hash_region, fd, hasher, off, n, buf))
                nxt = last + 1

        tasks = [worker() for _ in range(min(workers, nchunks))]
        try:
            await gather_or_cancel([*tasks, hash_in_order()] if hasher is not None else tasks)
        except NotFound as e:
            raise ObjectNotFound(404, e.message or f"{bck}/{obj} does not exist", tcode=e.tcode) from None
        finally:
            stopper.stop()  # every worker has ended: this only closes what is left
        prog.flush()
        return hasher.hexdigest() if hasher is not None else None

    async def blob_download(self, bck: Bck | str, obj: str = "", *, chunk_size: int = 0, num_workers: int = 0,
                            full_size: int = 0, latest: bool = False) -> str:
        """Start the blob download job for one object of a remote bucket (see the module):
        the cluster reads it from the backend in ``chunk_size``-byte chunks (0: the cluster's
        default) with ``num_workers`` readers (0: chosen by the cluster). ``full_size`` (bytes)
        is the object's size when known; ``latest`` re-checks the remote version first. Returns
        the job id (kind ``blob-download``, shown on the jobs screen). Raises
        :class:`InvalidInput` for an ``ais://`` bucket with no remote backend (nothing sent) or
        negative sizes, :class:`ObjectNotFound` from the backend."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        if chunk_size < 0 or num_workers < 0 or full_size < 0:
            raise InvalidInput("blob download: chunk size, workers and full size cannot be negative")
        await self._c.buckets.require_remote(bck, "blob-download")
        msg: dict[str, Any] = {"chunk-size": chunk_size, "full-size": full_size, "num-workers": num_workers,
                               "latest-ver": latest}
        try:
            r = await self._c.request("POST", f"/v1/objects/{bck.name}", params=bck.query(),
                                      json=self._c.action("blob-download", msg, name=obj), idempotent=False)
        except NotFound as e:
            raise ObjectNotFound(404, e.message or f"{bck}/{obj} does not exist", tcode=e.tcode) from None
        ids = self._c.xids(r)
        return ids[0] if ids else ""


def _hash_fd(fd: int, ck_type: str) -> str | None:
    """The AIS checksum (``ck_type``) of the whole file open at ``fd`` (read with ``pread``), or
    None when the type cannot be computed here."""
    h = new_hasher(ck_type)
    if h is None:
        return None
    buf = bytearray(_HASH_READ)  # one buffer, read into: no bytes object per read
    mv = memoryview(buf)
    off = 0
    while True:
        n = os.preadv(fd, [buf], off)
        if not n:
            return h.hexdigest()
        h.update(mv[:n])
        off += n


def _hash_region(fd: int, hasher: Any, off: int, n: int, buf: bytearray) -> None:
    """(thread) Feed bytes ``off..off+n`` of the file open at ``fd`` to ``hasher``, read into
    ``buf`` (no bytes object per read)."""
    mv = memoryview(buf)
    end = off + n
    while off < end:
        got = os.preadv(fd, [mv[:min(len(buf), end - off)]], off)
        if not got:
            raise AISError(f"the downloaded file ended at {off} bytes, {end} expected")
        hasher.update(mv[:got])
        off += got
