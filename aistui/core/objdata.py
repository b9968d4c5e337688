"""The object data calls of :class:`~aistui.core.objects.ObjectAPI`: HEAD, GET (streamed, ranged,
verified), PUT (bytes, a file, native multipart), custom metadata and deleting one object.

Endpoints (AIS 5.0): ``/v1/objects/<b>/<o>`` (GET answers 301, PUT/HEAD/DELETE 307 to a target);
native multipart upload is ``mpt-upload`` / ``?uploadId=&partNumber=`` / ``mpt-complete`` /
``mpt-abort``. Bodies go over the object data path (:mod:`aistui.core.datapath`) when the client has
one, else over httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .aio import gather_or_cancel
from .checksum import new_hasher
from .datapath import body_chunks
from .errors import AISError, BucketNotFound, ChecksumMismatch, InvalidInput, NotFound, ObjectNotFound, ProtocolError
from .localpaths import file_chunks, local_file
from .models import Bck, ObjectProps, obj_ref
from .names import quote_object, validate_object_name

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["ObjectData", "ProgressFn", "MPU_THRESHOLD", "MPU_PART_SIZE", "MPU_PARTS_IN_FLIGHT", "CHUNK", "object_path"]

#: ``progress(nbytes)`` is called with each chunk's size (bytes) as it is sent or received.
ProgressFn = Callable[[int], None]

MPU_THRESHOLD = 64 * 1024 * 1024   # bytes; files at least this large use native multipart upload
MPU_PART_SIZE = 16 * 1024 * 1024   # bytes per part
MPU_PARTS_IN_FLIGHT = 4            # parts of one file sent at once
CHUNK = 256 * 1024                 # bytes per streamed chunk
SMALL_FILE = 1024 * 1024           # bytes; smaller files are read in one go before sending


def object_path(bck: Bck, obj: str) -> str:
    """The proxy path of one object, ``/v1/objects/<bucket>/<quoted object name>`` (the bucket's
    provider and namespace go in the query, :meth:`Bck.query`)."""
    return f"/v1/objects/{bck.name}/{quote_object(obj)}"


def _range_headers(byte_range: tuple[int, int | None] | None) -> dict[str, str]:
    """The ``Range`` header of a read of bytes ``start..end`` inclusive (``end`` None: to the end);
    none for a whole-object read. Raises :class:`InvalidInput` for a negative start or an end
    before the start."""
    if byte_range is None:
        return {}
    start, end = byte_range
    if start < 0 or (end is not None and end < start):
        raise InvalidInput(f"bad byte range {byte_range}")
    return {"Range": f"bytes={start}-{'' if end is None else end}"}


class ObjectData:
    """HEAD, GET, PUT, custom metadata and single delete; a part of
    :class:`~aistui.core.objects.ObjectAPI` (``client.objects``), which sets ``_c``. Every method
    raises :class:`~aistui.core.errors.AISError` subclasses."""

    _c: AISClient

    # ----------------------------------------------------------------- HEAD / GET

    async def head(self, bck: Bck | str, obj: str = "", *, cached_only: bool = False) -> ObjectProps:
        """Object properties (size, checksum, version, atime, custom metadata, location).
        Raises :class:`ObjectNotFound`."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        params = bck.query()
        if cached_only:
            params["presence"] = "2"
        try:
            if self._c.datapath is not None:  # straight to the target (core/datapath.py)
                headers = await self._c.datapath.head(object_path(bck, obj), params, bck=bck, obj=obj)
            else:
                headers = (await self._c.request("HEAD", object_path(bck, obj), params=params)).headers
        except NotFound as e:
            raise ObjectNotFound(404, e.message or f"{bck}/{obj} does not exist", tcode=e.tcode) from None
        return ObjectProps.from_headers(obj, headers)

    async def exists(self, bck: Bck | str, obj: str = "") -> bool:
        """Whether ``bck/obj`` exists (a HEAD, :meth:`head`); other errors are raised."""
        bck, obj = obj_ref(bck, obj)
        try:
            await self.head(bck, obj)
            return True
        except ObjectNotFound:
            return False

    def _get_params(self, bck: Bck, *, etl_name: str = "", archpath: str = "", latest: bool = False,
                    validate_checksum: bool = False) -> dict[str, str]:
        params = bck.query()
        if etl_name:
            params["etl_name"] = etl_name
        if archpath:
            params["archpath"] = archpath
        if latest:
            params["latest-ver"] = "true"
        if validate_checksum:
            params["validate-checksum"] = "true"
        return params

    async def iter_get(
        self,
        bck: Bck | str,
        obj: str = "",
        *,
        byte_range: tuple[int, int | None] | None = None,
        etl_name: str = "",
        archpath: str = "",
        latest: bool = False,
        validate_checksum: bool = False,
        verify: bool = True,
        progress: ProgressFn | None = None,
        timeout: float | None = None,
        chunk_size: int = CHUNK,
        on_props: Callable[[ObjectProps], None] | None = None,
    ) -> AsyncIterator[bytes]:
        """Stream an object's bytes (``GET /v1/objects/<b>/<o>``, followed to the target).

        Every chunk is exactly ``chunk_size`` bytes except the last, which holds the rest (1 to
        ``chunk_size`` bytes; no chunk at all for an empty object), on either transport: the
        aiohttp object data path and httpx (inline ETL, or a client built with its own ``transport``).
        ``byte_range=(start, end)`` reads bytes start..end inclusive (``end`` None: to the end); AIS
        answers 206 and supports one range. ``validate_checksum`` asks the target to re-check its
        copy; ``verify`` checks the received bytes against the stored checksum (whole-object reads
        only) and raises :class:`ChecksumMismatch` at the end of the stream. ``on_props`` receives
        the answer's :class:`ObjectProps` before the first chunk. Raises :class:`InvalidInput` for a
        bad range or a ``chunk_size`` below 1 (before anything is sent), :class:`ObjectNotFound`,
        and the other :class:`AISError` subclasses.
        """
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        if chunk_size < 1:
            raise InvalidInput(f"chunk size must be at least 1 byte, got {chunk_size}")
        headers = _range_headers(byte_range)
        params = self._get_params(bck, etl_name=etl_name, archpath=archpath, latest=latest,
                                  validate_checksum=validate_checksum)
        try:
            async with self._open_get(object_path(bck, obj), params, headers, timeout, bool(etl_name),
                                      chunk_size, bck, obj) as (resp_headers, chunks):
                props = ObjectProps.from_headers(obj, resp_headers)
                if on_props:
                    on_props(props)
                hasher = None
                if verify and byte_range is None and not etl_name and not archpath and props.checksum:
                    hasher = new_hasher(props.checksum_type)
                async for chunk in chunks:
                    if hasher:
                        hasher.update(chunk)
                    if progress:
                        progress(len(chunk))
                    yield chunk
                if hasher and hasher.hexdigest() != props.checksum:
                    raise ChecksumMismatch(obj, props.checksum_type, props.checksum, hasher.hexdigest())
        except BucketNotFound:
            raise  # the bucket, not the object, is missing: transfers stop on it (transferrun.FATAL)
        except NotFound as e:
            raise ObjectNotFound(404, e.message or f"{bck}/{obj} does not exist", tcode=e.tcode) from None

    @contextlib.asynccontextmanager
    async def _open_get(self, path: str, params: dict[str, str], headers: dict[str, str],
                        timeout: float | None, etl: bool, chunk_size: int, bck: Bck,
                        obj: str) -> AsyncGenerator[tuple[Any, AsyncIterator[bytes]], None]:
        """``(headers, async chunk iterator)`` of a GET: over the object data path when there is one
        (straight to the object's target; inline ETL keeps the httpx path for its ETL-specific
        errors). Both give chunks of exactly ``chunk_size`` bytes but the last."""
        if self._c.datapath is not None and not etl:
            async with self._c.datapath.get(path, params, headers, timeout, bck=bck, obj=obj) as resp:
                yield resp.headers, body_chunks(resp, chunk_size)
            return
        async with self._c.stream("GET", path, params=params, headers=headers, timeout=timeout, etl=etl) as resp:
            yield resp.headers, resp.aiter_bytes(chunk_size)

    async def get(self, bck: Bck | str, obj: str = "", *, max_bytes: int | None = None, **kw: Any) -> bytes:
        """The object's bytes (see :meth:`iter_get` for options). With ``max_bytes``, reads at most
        that many bytes (a range read), for capped previews."""
        bck, obj = obj_ref(bck, obj)
        if max_bytes is not None:
            kw["byte_range"] = (0, max(max_bytes - 1, 0))
        parts = [c async for c in self.iter_get(bck, obj, **kw)]
        return b"".join(parts)

    # ----------------------------------------------------------------- PUT

    async def _redirect_target(self, method: str, path: str, params: dict[str, str],
                               headers: dict[str, str] | None = None) -> str:
        """Ask the proxy where to send a streamed body: a 307 to the target. The proxy does not
        read the body, so none is sent here."""
        r = await self._c.request(method, path, params=params, headers={"Content-Length": "0", **(headers or {})},
                                  follow_redirects=False, idempotent=True)
        if r.status_code not in (301, 302, 307, 308):
            raise ProtocolError(f"{method} {path}", f"expected a redirect to a target, got {r.status_code}")
        loc = r.headers.get("Location")
        if not loc:
            raise ProtocolError(f"{method} {path}", "redirect without Location")
        return loc

    async def put(
        self,
        bck: Bck | str,
        obj: str = "",
        data: bytes | Path | str | None = None,
        *,
        custom: dict[str, str] | None = None,
        progress: ProgressFn | None = None,
        timeout: float | None = None,
        checksum: tuple[str, str] | None = None,
        skip_vc: bool = False,
    ) -> ObjectProps:
        """Store ``data`` (bytes, or a file path streamed from disk) as ``bck/obj``
        (``PUT /v1/objects/<b>/<o>``).

        ``skip_vc`` (``?skip_vc=true``, ``ais put --skip-vc``) tells the target not to load an
        existing object's metadata first: less work per PUT when writing new objects en masse,
        but an overwrite then neither compares checksums nor carries the old version on.

        The body goes straight to the target (the proxy's 307 is followed by hand, since a
        streamed body cannot be replayed). ``custom`` is user metadata; ``checksum`` is
        ``(type, hex)`` for an end-to-end check by the target. Returns the stored props from the
        answer's headers (``size`` is what was sent, bytes). Files of at least
        :data:`MPU_THRESHOLD` bytes should use :meth:`put_multipart`. A path that does not exist,
        is a directory, is not a regular file or cannot be read raises :class:`InvalidInput`
        (also a ``ValueError``) naming the path and the reason, before anything is sent.
        """
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        if data is None:
            raise InvalidInput(f"nothing to store as {bck}/{obj}: give data (bytes or a file path)")
        path = object_path(bck, obj)
        params = bck.query()
        if skip_vc:
            params["skip_vc"] = "true"
        headers: dict[str, str] = {}
        if custom:
            headers["Ais-Custom-Md"] = ",".join(f"{k}={v}" for k, v in custom.items())
        if checksum:
            headers["Ais-Checksum-Type"], headers["Ais-Checksum-Value"] = checksum
        raw_file: Path | None = None
        if isinstance(data, (bytes, bytearray, memoryview)):
            body: Any = bytes(data)
            size = len(body)
            if progress:
                progress(size)
        else:
            fpath, size, whole = local_file(data, small=SMALL_FILE)
            if whole is not None:  # one read beats a thread hop per chunk
                body = whole
                if progress:
                    progress(size)
            elif self._c.datapath is not None and self._c.datapath.raw:
                body = None  # sent with sendfile from the file (core/rawio.py)
                raw_file = fpath
            else:
                body = file_chunks(fpath, 0, size, CHUNK, progress)
            headers["Content-Length"] = str(size)
        if raw_file is not None and self._c.datapath is not None:
            resp_headers = await self._c.datapath.put_file(path, params, headers, raw_file, 0, size, progress,
                                                           timeout, bck=bck, obj=obj)
        elif self._c.datapath is not None:
            resp_headers = await self._c.datapath.put(path, params, headers, body, timeout, bck=bck, obj=obj)
        else:
            loc = await self._redirect_target("PUT", path, params)
            r = await self._c.request("PUT", loc, content=body, headers=headers, idempotent=False,
                                      timeout=timeout, follow_redirects=False)
            resp_headers = r.headers
        props = ObjectProps.from_headers(obj, resp_headers)
        return ObjectProps(name=obj, size=size, checksum_type=props.checksum_type, checksum=props.checksum,
                           version=props.version, custom=dict(custom or {}))

    async def put_multipart(
        self,
        bck: Bck | str,
        obj: str = "",
        file: Path | str | None = None,
        *,
        part_size: int = MPU_PART_SIZE,
        concurrency: int = MPU_PARTS_IN_FLIGHT,
        progress: ProgressFn | None = None,
    ) -> ObjectProps:
        """Upload a large file with AIS native multipart upload: ``mpt-upload`` for an id, parts
        sent concurrently, then ``mpt-complete``. Any failure aborts the upload (``mpt-abort``) so
        no partial object appears; the error is re-raised. ``part_size`` is in bytes. A ``file``
        that does not exist, is a directory, is not a regular file or cannot be read raises
        :class:`InvalidInput` naming the path and the reason, before ``mpt-upload`` is sent."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        if part_size <= 0:
            raise InvalidInput("part size must be positive")
        if file is None:
            raise InvalidInput(f"nothing to upload as {bck}/{obj}: give a file path")
        fpath, size, _ = local_file(file)
        path = object_path(bck, obj)
        r = await self._c.request("POST", path, params=bck.query(), json=self._c.action("mpt-upload"))
        upload_id = r.text.strip().strip('"')
        if not upload_id:
            raise ProtocolError("mpt-upload", "no upload id")
        nparts = max(1, -(-size // part_size))
        sem = asyncio.Semaphore(max(1, concurrency))

        async def send_part(n: int) -> None:
            off = (n - 1) * part_size
            length = min(part_size, size - off)
            qp = bck.query() | {"uploadId": upload_id, "partNumber": str(n)}
            async with sem:
                if self._c.datapath is not None and self._c.datapath.raw:  # sendfile (core/rawio.py)
                    await self._c.datapath.put_file(path, qp, {}, fpath, off, length, progress, None)
                    return
                body = file_chunks(fpath, off, length, CHUNK, progress)
                if self._c.datapath is not None:  # the body over aiohttp (core/datapath.py)
                    await self._c.datapath.put(path, qp, {"Content-Length": str(length)}, body, None)
                    return
                loc = await self._redirect_target("PUT", path, qp)
                await self._c.request("PUT", loc, content=body,
                                      headers={"Content-Length": str(length)}, idempotent=False,
                                      follow_redirects=False)

        try:
            await gather_or_cancel(send_part(n) for n in range(1, nparts + 1))
            parts = [{"etag": "", "part-number": n} for n in range(1, nparts + 1)]
            await self._c.request("POST", path, params=bck.query() | {"uploadId": upload_id},
                                  json=self._c.action("mpt-complete", parts))
        except BaseException:
            try:
                await asyncio.shield(self._c.request(
                    "DELETE", path, params=bck.query() | {"uploadId": upload_id},
                    json=self._c.action("mpt-abort"), idempotent=False))
            except (AISError, asyncio.CancelledError):
                pass
            raise
        return ObjectProps(name=obj, size=size)

    async def set_custom(self, bck: Bck | str, obj: str = "", custom: dict[str, str] | None = None, *,
                         replace: bool = False) -> None:
        """Set user metadata (``PATCH``); ``replace`` drops keys not given."""
        bck, obj = obj_ref(bck, obj)
        custom = custom or {}
        validate_object_name(obj)
        params = bck.query()
        if replace:
            params["set-new-custom"] = "true"
        await self._c.request("PATCH", object_path(bck, obj), params=params, json={"action": "", "value": custom})

    # ----------------------------------------------------------------- delete one

    async def delete(self, bck: Bck | str, obj: str = "", *, missing_ok: bool = False) -> None:
        """Delete one object. Raises :class:`ObjectNotFound` unless ``missing_ok``."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        try:
            await self._c.request("DELETE", object_path(bck, obj), params=bck.query())
        except NotFound as e:
            if not missing_ok:
                raise ObjectNotFound(404, e.message or f"{bck}/{obj} does not exist", tcode=e.tcode) from None
