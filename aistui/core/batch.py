"""get-batch (``client.batch``): many objects, or files inside shards, in ONE request.

Wire format (AIS v1.5.0: ``api/apc/ml.go`` ``MossReq``/``MossIn``/``MossOut``/``MossResp``,
``api/ml.go`` ``GetBatch``, proxy ``ais/ml.go`` ``httpmlget``, target ``xact/xs/moss.go``):

* ``GET /v1/ml/moss/<bucket>?provider=..&namespace=..`` (the default bucket; plain
  ``GET /v1/ml/moss`` when every entry names its own bucket), ``Content-Type: application/json``,
  body a bare ``MossReq`` (not an ActMsg)::

      {"in": [{"objname", "bucket"?, "provider"?, "archpath"?, "start"?, "length"?}, ...],
       "mime": ".tar", "coer": bool, "onob": bool, "strm": bool, "coloc": 0|1|2}

  The proxy answers 307 to a designated target (the body is sent again) and ``coloc`` also goes
  in the query, as the Go API does.
* ``strm: true``: the archive itself (``Content-Type: application/x-tar``, chunked), written
  while it is assembled. A failing entry (without ``coer``) ends the stream early with status
  200: the only sign is that entries are missing.
* ``strm: false``: ``multipart/mixed`` (not form-data) with two parts: ``metadata``, the JSON
  ``MossResp`` ``{"uuid","out":[{"objname","archpath","bucket","provider","err_msg","size"}]}``,
  then ``archive``. The target buffers the whole archive before it answers, and a failing
  entry without ``coer`` is an HTTP error (e.g. 404).
* Entries come back in request order, named ``<bucket>/<objname>`` (``<objname>`` with
  ``onob``), plus ``/<archpath>`` for a file inside a shard. With ``coer``, an entry that cannot
  be read is an empty file named ``__404__/<that name>`` (and, in ``metadata``, its ``err_msg``).

The official SDK (``python/aistore/sdk/batch/batch.py``, ``Batch.get``) sends the same request
(defaults ``strm`` and ``coer`` true, as here) and reads the TAR with ``tarfile`` ``r|*``,
inferring entries from the request when streaming.

Here the response body is read on the event loop one chunk at a time, on demand of a worker
thread that runs :mod:`tarfile` in stream mode (``r|``/``r|gz``) over it. Entries whose bytes
have already arrived are parsed in one thread hop, up to 1 MiB plus one entry (small entries
come several to a chunk). Nothing else is buffered but one chunk of the answer.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import msgspec

from .batchparse import ArchiveParser, PullReader
from .errors import HTTPError, InvalidInput, NotSupported, ProtocolError
from .models import Bck
from .names import validate_object_name

if TYPE_CHECKING:

    import httpx

    from .client import AISClient

__all__ = ["BatchAPI", "BatchEntry", "BatchItem", "MISSING_DIR", "OUTPUT_FORMATS"]

#: the directory of the entries a get-batch could not read (``apc.MossMissingDir``)
MISSING_DIR = "__404__"
#: output formats (``mime``) whose archive is parsed here, and their tarfile stream modes
OUTPUT_FORMATS: dict[str, Literal["r|", "r|gz"]] = {".tar": "r|", ".tgz": "r|gz", ".tar.gz": "r|gz"}
_UNPARSED_FORMATS = (".zip", ".tar.lz4")  # valid on the server, not decoded here
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class BatchEntry:
    """One entry of a get-batch request (``apc.MossIn``).

    ``name`` is the object; ``archpath`` a file inside it when the object is a shard (``.tar``,
    ``.tgz``/``.tar.gz``, ``.zip``, ``.tar.lz4``); ``bck`` the entry's bucket when it is not the
    request's default bucket (a bucket in the global namespace: ``MossIn`` carries only a bucket
    name and a provider). ``start``/``length`` (bytes) is a range of the object, or of the file
    when ``archpath`` is set: ``(0, 0)`` everything, ``(N, L>0)`` exactly L bytes from N,
    ``(N, -1)`` from N to the end; a range past the end is that entry's error.
    """

    name: str
    archpath: str = ""
    bck: Bck | None = None
    start: int = 0
    length: int = 0


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One entry of a get-batch answer, in request order.

    ``data`` is the entry's bytes (``None`` when it failed); ``error`` says why it failed: the
    cluster's message with ``streaming=False`` (e.g. ``t[..]: ais://b/x does not exist``), or
    only that it was not found (listed under ``__404__/``) with ``streaming=True``. ``bck`` is
    the bucket the entry was read from.
    """

    name: str
    archpath: str
    data: bytes | None
    error: str | None
    bck: Bck

    @property
    def ok(self) -> bool:
        """True when the entry's bytes arrived."""
        return self.error is None


@dataclass(frozen=True, slots=True)
class _Plan:
    path: str
    params: dict[str, str]
    body: bytes
    entries: list[BatchEntry]
    bcks: list[Bck]
    names: list[str]  # the expected name in the archive of each entry
    mode: Literal["r|", "r|gz"]  # tarfile's stream mode for the output format


def _plan(bck: Bck | None, entries: Sequence[str | BatchEntry], *, coer: bool, onob: bool, strm: bool,
          mime: str, coloc: int) -> _Plan:
    if not entries:
        raise InvalidInput("get-batch needs at least one entry")
    if coloc not in (0, 1, 2):
        raise InvalidInput(f"colocation must be 0, 1 or 2, not {coloc!r}")
    fmt = mime if mime.startswith(".") else "." + mime
    fmt = fmt.lower()
    if fmt in _UNPARSED_FORMATS:
        raise InvalidInput(f"get-batch output format {fmt} is not decoded by aistui (use one of "
                           f"{', '.join(OUTPUT_FORMATS)})")
    if fmt not in OUTPUT_FORMATS:
        raise InvalidInput(f"unknown get-batch output format {mime!r} (use one of {', '.join(OUTPUT_FORMATS)})")
    ins: list[dict[str, Any]] = []
    plan_entries: list[BatchEntry] = []
    bcks: list[Bck] = []
    names: list[str] = []
    for i, e in enumerate(entries):
        entry = BatchEntry(e) if isinstance(e, str) else e
        validate_object_name(entry.name)
        if entry.start < 0 or entry.length < -1 or (entry.start != 0 and entry.length == 0):
            raise InvalidInput(f"get-batch entry {i} ({entry.name!r}): bad range start={entry.start} "
                               f"length={entry.length} (length > 0, or -1 to read to the end)")
        if entry.archpath and (entry.archpath.startswith("/") or "\x00" in entry.archpath):
            raise InvalidInput(f"get-batch entry {i} ({entry.name!r}): bad archpath {entry.archpath!r}")
        own = entry.bck if entry.bck is not None and entry.bck != bck else None
        if own is None and bck is None:
            raise InvalidInput(f"get-batch entry {i} ({entry.name!r}) has no bucket and the request no default bucket")
        item: dict[str, Any] = {"objname": entry.name}
        if own is not None:
            if not own.ns.is_global:
                raise InvalidInput(f"get-batch entry {i} ({entry.name!r}): a bucket in a namespace ({own}) "
                                   "can only be the request's default bucket")
            item["bucket"], item["provider"] = own.name, own.provider
        if entry.archpath:
            item["archpath"] = entry.archpath
        if entry.start:
            item["start"] = entry.start
        if entry.length:
            item["length"] = entry.length
        ins.append(item)
        eb = own if own is not None else bck
        assert eb is not None
        bcks.append(eb)
        plan_entries.append(entry)
        name = entry.name if onob else f"{eb.name}/{entry.name}"
        if entry.archpath:
            name += "/" + entry.archpath
        names.append(name)
    req: dict[str, Any] = {"in": ins, "mime": fmt, "coer": coer, "onob": onob, "strm": strm}
    params: dict[str, str] = {}
    if coloc:
        req["coloc"] = coloc
        params["coloc"] = str(coloc)
    if bck is not None:
        path = f"/v1/ml/moss/{bck.name}"
        params = {**bck.query(), **params}
    else:
        path = "/v1/ml/moss"
    return _Plan(path, params, msgspec.json.encode(req), plan_entries, bcks, names, OUTPUT_FORMATS[fmt])


def _boundary(ctype: str) -> bytes | None:
    """The multipart boundary of a non-streaming answer's ``Content-Type``, None for the archive
    itself (``application/...``). Raises :class:`ProtocolError` for anything else."""
    if ctype.startswith("multipart/"):
        b = ctype.partition("boundary=")[2].split(";", 1)[0].strip().strip('"')
        if not b:
            raise ProtocolError("get-batch", f"multipart answer without a boundary ({ctype})")
        return b.encode("latin-1")
    if not ctype.startswith("application/"):
        raise ProtocolError("get-batch", f"unexpected Content-Type {ctype!r}")
    return None


class BatchAPI:
    """get-batch calls (``client.batch``): ``GET /v1/ml/moss`` (AIS v1.5.0, ``ais/ml.go``,
    ``xact/xs/moss.go``; the module docstring has the wire format). Every method raises
    :class:`~aistui.core.errors.AISError` subclasses."""

    def __init__(self, client: AISClient):
        self._c = client

    async def iter_batch(
        self,
        bck: Bck | None,
        entries: Sequence[str | BatchEntry],
        *,
        continue_on_error: bool = True,
        streaming: bool = True,
        only_obj_name: bool = False,
        output_format: str = ".tar",
        colocation: int = 0,
        timeout: float | None = None,
    ) -> AsyncIterator[BatchItem]:
        """Read every entry with ONE get-batch request and yield a :class:`BatchItem` per entry,
        in request order.

        ``bck`` is the default bucket (``None`` when every entry is a :class:`BatchEntry` with
        its own ``bck``); ``entries`` are object names or :class:`BatchEntry` (a shard's file by
        ``archpath``, another bucket, a byte range). Options, as ``apc.MossReq``:

        * ``continue_on_error`` (``coer``): an entry that cannot be read (missing object or
          file) is that item's ``error`` and the others still arrive; without it the request
          fails: with an HTTP error (e.g. :class:`~aistui.core.errors.ObjectNotFound`) when not
          streaming, and with :class:`~aistui.core.errors.ProtocolError` after the entries
          before it when streaming (the cluster just ends the stream; ``streaming=False`` says
          why). At v1.5.0 only an entry on the assembling target (chosen at random) fails the
          request: one held by another target comes back as an error item all the same
          (``xact/xs/moss.go`` checks ``coer`` on its local path only);
        * ``streaming`` (``strm``): the archive is sent while it is assembled (the first items
          come sooner); otherwise the target builds the whole archive in its memory and sends it
          with per-entry metadata, whose error messages the items then carry;
        * ``only_obj_name`` (``onob``): the archive names entries ``<obj>`` instead of
          ``<bucket>/<obj>`` (does not change the items);
        * ``output_format`` (``mime``): ``.tar`` (default), ``.tgz`` or ``.tar.gz``; the server's
          ``.zip`` and ``.tar.lz4`` are refused here (:class:`InvalidInput`);
        * ``colocation`` (``coloc``): 0 none, 1 objects on few targets, 2 files in few shards.

        ``timeout`` (s) bounds each read of the answer (a non-streaming answer's first byte
        comes only once the whole archive is built). Memory: the entries parsed ahead in one
        thread hop, at most 1 MiB plus one entry, and one chunk of the answer (and the
        metadata part when not streaming, ~150 bytes an entry). Nothing is read before the
        consumer asks for the next item, so a slow consumer slows the answer down.

        Raises :class:`InvalidInput` before sending (no entries, an invalid object name, a bad
        range or archpath, an entry without a bucket, an unsupported format), the typed HTTP
        errors of :func:`~aistui.core.errors.error_from_response` (e.g.
        :class:`~aistui.core.errors.BucketNotFound`, :class:`~aistui.core.errors.BadRequest`),
        :class:`NotSupported` when the cluster does not serve get-batch (501/405),
        :class:`ProtocolError` when the answer is not the archive expected (entries missing,
        renamed or extra, a broken archive), and the client's transport errors.

        (Long for its docstring: the body, one request and one ordered pass over its entries, is
        about 50 lines.)
        """
        plan = _plan(bck, entries, coer=continue_on_error, onob=only_obj_name, strm=streaming,
                     mime=output_format, coloc=colocation)
        loop = asyncio.get_running_loop()
        async with contextlib.AsyncExitStack() as stack:
            resp = await self._open(stack, plan, timeout)
            reader = PullReader(resp.aiter_bytes(), loop)
            parser = ArchiveParser(reader, plan.mode, _boundary(resp.headers.get("Content-Type", "")))
            jobs: list[asyncio.Future[Any]] = []

            async def on_thread(fn: Callable[[], _T]) -> _T:
                job = loop.run_in_executor(None, fn)
                jobs[:] = [job]
                return await asyncio.shield(job)

            try:
                meta = await on_thread(parser.start)
                if meta is not None and len(meta.out) != len(plan.entries):
                    raise ProtocolError("get-batch", f"metadata lists {len(meta.out)} entries, "
                                                     f"{len(plan.entries)} were asked for")
                ready: collections.deque[tuple[str, bytes]] = collections.deque()
                for i, (entry, ebck, expected) in enumerate(zip(plan.entries, plan.bcks, plan.names, strict=True)):
                    if not ready:
                        ready.extend(await on_thread(parser.run))
                    got = ready.popleft() if ready else None
                    if got is None:
                        why = ("the cluster ends a streaming get-batch at the first entry it cannot read "
                               "(without continue_on_error); streaming=False reports why" if streaming
                               else "the archive ended early")
                        raise ProtocolError("get-batch", f"the answer ended after {i} of {len(plan.entries)} "
                                                         f"entries, before {expected!r}: {why}")
                    name, data = got
                    if name == expected:
                        yield BatchItem(entry.name, entry.archpath, data, None, ebck)
                    elif name == f"{MISSING_DIR}/{expected}":
                        err = meta.out[i].err_msg if meta is not None else ""
                        yield BatchItem(entry.name, entry.archpath, None,
                                        err or f"not found (listed under {MISSING_DIR}/)", ebck)
                    else:
                        raise ProtocolError("get-batch", f"entry {i}: expected {expected!r} in the archive, "
                                                         f"got {name!r}")
                extra = ready.popleft() if ready else await on_thread(parser.next)
                if extra is not None:
                    raise ProtocolError("get-batch", f"the archive has more than the {len(plan.entries)} "
                                                     f"entries asked for ({extra[0]!r})")
                await on_thread(parser.finish)
            finally:
                reader.cancel()
                if jobs and not jobs[0].done():
                    await asyncio.wait(jobs)

    async def _open(self, stack: contextlib.AsyncExitStack, plan: _Plan, timeout: float | None) -> httpx.Response:
        """Open the answer (status checked), retrying transient failures before any of it was
        read (get-batch only reads)."""
        async for attempt in self._c.retrying():
            with attempt:
                try:
                    return await stack.enter_async_context(self._c.stream(
                        "GET", plan.path, params=plan.params, headers={"Content-Type": "application/json"},
                        content=plan.body, timeout=timeout))
                except HTTPError as e:
                    if not (isinstance(e, NotSupported) or e.status == 405):
                        raise
                    raise NotSupported(e.status, f"get-batch (GET /v1/ml/moss) is not served by this cluster: "
                                                 f"{e.message or 'not supported'}", tcode=e.tcode,
                                       method=e.method, url=e.url, node=e.node) from None
        raise AssertionError("unreachable")  # pragma: no cover
