"""Uploads driven by hand: native multipart (create, parts by number in any order, complete,
abort) and append (append to an object through a handle, then flush); :class:`HandUploads`, a
part of :class:`~aistui.core.objects.ObjectAPI` (``client.objects``).

Endpoints (v1.5.0, ``api/mpt.go`` and ``api/object.go``):

* multipart: ``POST /v1/objects/<b>/<o>`` ``{"action":"mpt-upload"}`` answers the upload id;
  ``PUT ...?uploadId=ID&partNumber=N`` sends a part (redirected to the object's target);
  ``POST ...?uploadId=ID`` ``{"action":"mpt-complete","value":[{"part-number":N},...]}`` makes
  the object; ``DELETE ...?uploadId=ID`` ``{"action":"mpt-abort"}`` drops the parts. The object
  does not exist until complete. No ``ais`` command sends one part: ``ais put`` uses multipart for
  large files itself (the SDK: ``aistore.sdk`` ``MultipartUpload``).
* append: ``PUT ...?append_type=append&append_handle=H`` with a body answers the next handle in
  ``Ais-Append-Handle`` (empty handle: a new object); ``PUT ...?append_type=flush&append_handle=H``
  (optionally with ``Ais-Checksum-Type``/``-Value``) makes the object visible (``api.AppendObject``,
  ``api.FlushObject``; ``ais object concat`` is built on them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InvalidInput, ProtocolError
from .models import Bck, obj_ref
from .names import validate_object_name
from .objdata import object_path

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["HandUploads", "MultipartUpload", "AppendHandle", "put_body"]


async def put_body(c: AISClient, bck: Bck, obj: str, params: Mapping[str, str], body: bytes,
                    headers: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """PUT ``body`` to the object's target through the proxy's redirect (the data path when the
    client has one); the answer's headers."""
    path = object_path(bck, obj)
    hdrs = {"Content-Length": str(len(body)), **(headers or {})}
    if c.datapath is not None:
        return await c.datapath.put(path, params, hdrs, body, None, bck=bck, obj=obj)
    r = await c.request("PUT", path, params=params, content=body, headers=hdrs, idempotent=False)
    return r.headers


def _bytes_of(data: bytes | Path | str) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    try:
        return Path(data).read_bytes()
    except OSError as e:
        raise InvalidInput(f"cannot read {data}: {(e.strerror or str(e)).lower()}") from None


class MultipartUpload:
    """One native multipart upload (made by :meth:`HandUploads.multipart`): ``upload_id``,
    :meth:`upload_part` by number in any order (concurrently too), :meth:`complete`,
    :meth:`abort`. ``parts`` are the part numbers sent so far."""

    def __init__(self, client: AISClient, bck: Bck, obj: str, upload_id: str):
        self._c = client
        self.bck, self.obj, self.upload_id = bck, obj, upload_id
        self.parts: set[int] = set()

    def __repr__(self) -> str:
        return f"MultipartUpload({self.bck}/{self.obj}, id={self.upload_id!r}, parts={sorted(self.parts)})"

    def _q(self) -> dict[str, str]:
        return self.bck.query() | {"uploadId": self.upload_id}

    async def upload_part(self, number: int, data: bytes | Path | str) -> None:
        """Send part ``number`` (1..10000; bytes or a local file's bytes). A part sent again
        replaces the earlier one. Raises :class:`InvalidInput` for a bad number (nothing sent),
        :class:`~aistui.core.errors.NotFound` for an unknown or finished upload id."""
        if not 1 <= number <= 10000:
            raise InvalidInput(f"part number must be 1..10000, got {number}")
        body = _bytes_of(data)
        await put_body(self._c, self.bck, self.obj, self._q() | {"partNumber": str(number)}, body)
        self.parts.add(number)

    async def complete(self, parts: Iterable[int] | None = None) -> None:
        """Make the object from ``parts`` (default: every part sent through this handle), in
        number order. Raises :class:`InvalidInput` when there is no part, the cluster's error for
        a missing part."""
        nums = sorted(set(parts) if parts is not None else self.parts)
        if not nums:
            raise InvalidInput(f"multipart upload of {self.bck}/{self.obj}: no part to complete")
        await self._c.request("POST", object_path(self.bck, self.obj), params=self._q(),
                              json=self._c.action("mpt-complete", [{"part-number": n} for n in nums]),
                              idempotent=False)

    async def abort(self) -> None:
        """Drop the upload and its parts; the object is not made (an existing one is left as it was)."""
        await self._c.request("DELETE", object_path(self.bck, self.obj), params=self._q(),
                              json=self._c.action("mpt-abort"), idempotent=False)


class AppendHandle:
    """An append in progress (made by :meth:`HandUploads.appender`): :meth:`append` bytes,
    then :meth:`flush` to make the object visible. ``handle`` is the cluster's latest handle,
    ``size`` the bytes appended."""

    def __init__(self, client: AISClient, bck: Bck, obj: str):
        self._c = client
        self.bck, self.obj = bck, obj
        self.handle = ""
        self.size = 0

    async def append(self, data: bytes | Path | str) -> str:
        """Append ``data`` (bytes or a local file's bytes); returns the new handle."""
        body = _bytes_of(data)
        self.handle = await self._c.objects.append(self.bck, self.obj, body, handle=self.handle)
        self.size += len(body)
        return self.handle

    async def flush(self, checksum: tuple[str, str] | None = None) -> None:
        """Finish: the object appears with everything appended (``checksum`` ``(type, hex)`` is
        checked by the target). Raises :class:`InvalidInput` when nothing was appended."""
        if not self.handle:
            raise InvalidInput(f"append to {self.bck}/{self.obj}: nothing appended to flush")
        await self._c.objects.flush_append(self.bck, self.obj, self.handle, checksum=checksum)


class HandUploads:
    """Multipart and append calls; a part of :class:`~aistui.core.objects.ObjectAPI`. Every
    method raises :class:`~aistui.core.errors.AISError` subclasses."""

    _c: AISClient

    async def multipart(self, bck: Bck | str, obj: str = "") -> MultipartUpload:
        """Create a native multipart upload of one object (``mpt-upload``, see the module) and
        return its :class:`MultipartUpload` handle. Raises :class:`InvalidInput` for a bad name,
        :class:`~aistui.core.errors.BucketNotFound`."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        r = await self._c.request("POST", object_path(bck, obj), params=bck.query(),
                                  json=self._c.action("mpt-upload"), idempotent=False)
        upload_id = r.text.strip().strip('"')
        if not upload_id:
            raise ProtocolError("mpt-upload", "no upload id")
        return MultipartUpload(self._c, bck, obj, upload_id)

    def resume_multipart(self, bck: Bck | str, obj: str = "", upload_id: str = "") -> MultipartUpload:
        """The handle of an upload created earlier (its id kept elsewhere); nothing is sent."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        if not upload_id:
            raise InvalidInput("no upload id")
        return MultipartUpload(self._c, bck, obj, upload_id)

    async def append(self, bck: Bck | str, obj: str = "", data: bytes | Path | str = b"", *,
                     handle: str = "") -> str:
        """Append ``data`` to object ``obj`` (see the module): ``handle`` "" starts a new
        append, else continues the one the previous call answered. Returns the next handle; the
        object is visible only after :meth:`flush_append`. Raises :class:`ProtocolError` when the
        cluster answers no handle."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        body = _bytes_of(data)
        hdrs = await put_body(self._c, bck, obj, bck.query() | {"append_type": "append", "append_handle": handle},
                               body)
        new = hdrs.get("Ais-Append-Handle", "")
        if not new:
            raise ProtocolError("append", "no Ais-Append-Handle in the answer")
        return new

    async def flush_append(self, bck: Bck | str, obj: str = "", handle: str = "", *,
                           checksum: tuple[str, str] | None = None) -> None:
        """Finish an append (``append_type=flush``): the object appears with every byte appended
        through ``handle``. Raises :class:`InvalidInput` for no handle."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        if not handle:
            raise InvalidInput(f"flush {bck}/{obj}: no append handle")
        headers: dict[str, str] = {}
        if checksum:
            headers["Ais-Checksum-Type"], headers["Ais-Checksum-Value"] = checksum
        await put_body(self._c, bck, obj, bck.query() | {"append_type": "flush", "append_handle": handle},
                        b"", headers)

    def appender(self, bck: Bck | str, obj: str = "") -> AppendHandle:
        """An :class:`AppendHandle` for ``obj`` (nothing sent until its first ``append``)."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        return AppendHandle(self._c, bck, obj)

