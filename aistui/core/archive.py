"""Archives (shards): build one from many objects, read the members that match a regex or a
mode, add a member to a shard; :class:`Archives`, a part of
:class:`~aistui.core.objects.ObjectAPI` (``client.objects``). Listing a shard's members is
``objects.list_archive``; reading one member is ``objects.get(..., archpath=MEMBER)``.

Endpoints (v1.5.0):

* multi-object archive: ``PUT /v1/buckets/<src>`` with ``{"action":"archive","value":
  cmn.ArchiveBckMsg}`` (``tobck``, ``archname``, ``mime``, ``objnames`` or ``template``,
  ``bnonly``, ``isbn``, ``aate``, ``coer``, ``non-recurs``; ``api.ArchiveMultiObj``,
  ``cmn/api.go``, ``api/apc/multiobj.go``): a job; ``ais archive bucket SRC DST/SHARD``.
* read by regex or mode: ``GET /v1/objects/<b>/<shard>?archregx=R&archmode=M`` answers a TAR of
  every matching member (``api/apc/query.go``; modes ``regexp``, ``prefix``, ``suffix``,
  ``substr``, ``wdskey`` from ``cmn/archive/read.go`` ``MatchMode``); ``ais archive get
  --archregx R --archmode M``.
* add a member: ``PUT /v1/objects/<b>/<shard>?archpath=MEMBER[&archmime=M]`` with the member's
  bytes and ``Ais-Pine`` flags (``apc.ArchAppend`` 1: the shard must exist; ``ArchAppendIfExist``
  2: append, or make a new shard; ``api.PutApndArch``); ``ais archive put FILE BUCKET/SHARD
  --archpath MEMBER --append`` (or ``--append-or-put``).
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InvalidInput, NotFound, ObjectNotFound
from .models import Bck, obj_ref, split_uri
from .multipart import put_body
from .names import validate_object_name, validate_prefix
from .objdata import object_path

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["Archives", "ARCHIVE_EXTS", "MATCH_MODES", "ARCH_APPEND", "ARCH_APPEND_IF_EXIST", "is_archive_name"]

#: the archive formats of v1.5.0 ``archive.FileExtensions``
ARCHIVE_EXTS = (".tar", ".tgz", ".tar.gz", ".zip", ".tar.lz4")
#: ``archmode`` values (``cmn/archive/read.go`` ``MatchMode``)
MATCH_MODES = ("regexp", "prefix", "suffix", "substr", "wdskey")
ARCH_APPEND = 1           # apc.ArchAppend: add to an existing shard
ARCH_APPEND_IF_EXIST = 2  # apc.ArchAppendIfExist: add, or make the shard when it does not exist


def is_archive_name(name: str) -> bool:
    """True when ``name`` (an object name) ends with one of :data:`ARCHIVE_EXTS`, compared as a
    v1.5.0 target does (``cmn/archive/mime.go`` ``byExt``: case-sensitive, so ``X.TAR`` is not a
    shard to the cluster). Only such names may be listed with ``LsArchDir``
    (:meth:`~aistui.core.multiobj.ObjectSets.iter_archives`)."""
    return name.endswith(ARCHIVE_EXTS)


def _check_shard_name(name: str) -> str:
    validate_object_name(name)
    if not name.endswith(ARCHIVE_EXTS):
        raise InvalidInput(f"a shard name must end with one of {', '.join(ARCHIVE_EXTS)}: {name!r}")
    return name


class Archives:
    """Multi-object archive, reading members by regex or mode, appending a member; a part of
    :class:`~aistui.core.objects.ObjectAPI`. Every method raises
    :class:`~aistui.core.errors.AISError` subclasses."""

    _c: AISClient

    async def archive(self, src: Bck | str, dst: Bck | str, shard: str = "", *, names: Iterable[str] | None = None,
                      template: str | None = None, prefix: str | None = None, mime: str = "",
                      base_name_only: bool = False, include_src_bucket: bool = False, append: bool = False,
                      cont_on_err: bool = False, non_recursive: bool = False) -> list[str]:
        """Build the shard ``dst``/``shard`` from objects of ``src`` chosen by ``names``, a
        ``template`` (``img-{0000..0099}.jpg``) or a ``prefix`` (exactly one; none: the whole
        bucket), by the cluster's archive job (see the module): nothing passes through the client.
        ``dst`` may be an object URI naming the shard (``ais://b/out.tar``) with ``shard`` empty.
        Members are named as the objects (``base_name_only``: the last path component;
        ``include_src_bucket``: under the source bucket's name). ``append`` adds to an existing
        shard. Returns the job ids (the job is demand-driven: wait for the shard to be listed, as
        :func:`~aistui.core.shards.wait_shards` does). Raises :class:`InvalidInput` for a shard
        name without an archive extension, several or empty selections (nothing sent)."""
        src_b, _ = obj_ref(src, "x")
        if isinstance(dst, str) and not shard:
            dst_b, shard = split_uri(dst)
        else:
            dst_b, _ = obj_ref(dst, "x")
        _check_shard_name(shard)
        if sum(x is not None for x in (names, template, prefix)) > 1:
            raise InvalidInput("give object names, a template or a prefix, not several")
        value: dict[str, Any] = {"tobck": dst_b.to_json(), "archname": shard, "mime": mime,
                                 "bnonly": base_name_only, "isbn": include_src_bucket, "aate": append,
                                 "coer": cont_on_err}
        if non_recursive:
            value["non-recurs"] = True
        if names is not None:
            lst = [validate_object_name(n) for n in names]
            if not lst:
                raise InvalidInput("no objects to archive")
            value["objnames"] = lst
        elif template is not None:
            value["template"] = template
        else:
            value["template"] = validate_prefix(prefix or "")
        r = await self._c.request("PUT", f"/v1/buckets/{src_b.name}", params=src_b.query(),
                                  json=self._c.action("archive", value), idempotent=False)
        return self._c.xids(r)

    async def get_matching(self, bck: Bck | str, shard: str = "", *, regex: str, mode: str = "regexp",
                           max_bytes: int = 1 << 30) -> list[tuple[str, bytes]]:
        """The members of a shard that match ``regex`` under ``mode`` (one of
        :data:`MATCH_MODES`; ``wdskey`` is a WebDataset sample key: ``dir/00017`` matches
        ``dir/00017.png`` and ``dir/00017.cls``), read in one GET (see the module) as
        ``[(member name, bytes)]`` in the shard's order. ``max_bytes`` caps what is read (the
        answer is a TAR held in memory). Raises :class:`InvalidInput` for an unknown mode or
        an answer over ``max_bytes``, :class:`ObjectNotFound`."""
        bck, shard = obj_ref(bck, shard)
        validate_object_name(shard)
        if mode not in MATCH_MODES:
            raise InvalidInput(f"unknown archive match mode {mode!r} (one of {', '.join(MATCH_MODES)})")
        params = bck.query() | {"archregx": regex, "archmode": mode}
        chunks: list[bytes] = []
        got = 0
        try:
            async with self._c.stream("GET", object_path(bck, shard), params=params) as resp:
                async for chunk in resp.aiter_bytes(1024 * 1024):
                    got += len(chunk)
                    if got > max_bytes:
                        raise InvalidInput(f"{bck}/{shard}: the matching members exceed {max_bytes:,} bytes")
                    chunks.append(chunk)
        except NotFound as e:
            raise ObjectNotFound(404, e.message or f"{bck}/{shard} does not exist", tcode=e.tcode) from None
        out: list[tuple[str, bytes]] = []
        with tarfile.open(fileobj=io.BytesIO(b"".join(chunks)), mode="r:") as tf:
            for m in tf:
                if m.isfile():
                    f = tf.extractfile(m)
                    out.append((m.name, f.read() if f else b""))
        return out

    async def append_to_archive(self, bck: Bck | str, shard: str = "", data: bytes | Path | str = b"", *,
                                archpath: str, create: bool = True, mime: str = "") -> None:
        """Add ``data`` (bytes or a local file's bytes) to the shard as member ``archpath`` (see
        the module): ``create`` makes the shard when it does not exist (``--append-or-put``),
        else it must exist (``--append``). ``mime`` overrides the format the shard's extension
        implies. Raises :class:`InvalidInput` for a bad shard or member name, the cluster's
        :class:`~aistui.core.errors.NotFound` for a missing shard without ``create``."""
        bck, shard = obj_ref(bck, shard)
        _check_shard_name(shard)
        validate_object_name(archpath)
        if isinstance(data, (bytes, bytearray, memoryview)):
            body = bytes(data)
        else:
            try:
                body = Path(data).read_bytes()
            except OSError as e:
                raise InvalidInput(f"cannot read {data}: {(e.strerror or str(e)).lower()}") from None
        params = bck.query() | {"archpath": archpath}
        if mime:
            params["archmime"] = mime
        flags = ARCH_APPEND_IF_EXIST if create else ARCH_APPEND
        await put_body(self._c, bck, shard, params, body, {"Ais-Pine": str(flags)})

