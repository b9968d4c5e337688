"""Node logs: the current log of one node from an offset (to follow it, like ``ais log show
--refresh``), and every node's archived logs in one local archive (like ``ais log get cluster``).

Endpoint (AIS v1.5.0, ``api.GetDaemonLog``): ``GET /v1/reverse/daemon?what=log`` with the
``Ais-Node-Id`` header naming the node; the proxy forwards the request to that node (a reverse
proxy: the body streams through). Query: ``severity`` = ``info`` | ``warning`` | ``error``
(``warning`` and ``error`` both read the node's ERROR log, which holds warnings and errors),
``offset`` (bytes into the log file; an offset past the file's size is answered 400 "log likely
rotated"), ``all=true`` (every log file of the node, of that severity, as one TAR.GZ). The answer
is the raw log bytes (or the .tar.gz), no JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from .errors import BadRequest, InvalidInput

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["LogAPI", "LogRotated", "Severity", "SEVERITIES"]

Severity = Literal["info", "warning", "error"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error")
_PATH = "/v1/reverse/daemon"
_LONG_LINE = 64 * 1024  # a chunk without a newline longer than this is returned as it is


class LogRotated(BadRequest):
    """The offset is past the end of the node's log: the log was rotated (or replaced); read it
    again from offset 0."""


def _check(severity: str) -> None:
    if severity not in SEVERITIES:
        raise InvalidInput(f"unknown log severity {severity!r} (one of: {', '.join(SEVERITIES)})")


class LogAPI:
    """``client.logs``. Every method raises :class:`AISError` subclasses on failure."""

    def __init__(self, client: AISClient):
        self._c = client

    async def tail(self, node_id: str, *, severity: Severity = "info", offset: int = 0) -> tuple[str, int]:
        """The node's current log from byte ``offset``: ``(text, next_offset)``.

        ``text`` holds whole lines only (up to and including the last newline; a last line still
        being written is left for the next call, unless it is longer than 64 KiB), decoded as
        UTF-8 with bad bytes replaced; ``next_offset`` (bytes) is ``offset`` plus the bytes
        ``text`` came from: pass it to the next call to get only what was logged since (as the
        CLI's ``ais log show NODE --refresh`` does). Raises :class:`LogRotated` when ``offset``
        is past the log's end, :class:`InvalidInput` for an unknown severity or a negative
        offset, :class:`~aistui.core.errors.NotFound` for an unknown node (or a missing log).
        ``GET /v1/reverse/daemon?what=log&severity=S[&offset=N]``, ``Ais-Node-Id: node_id``.
        """
        _check(severity)
        if offset < 0:
            raise InvalidInput(f"log offset must be >= 0, not {offset}")
        params = {"what": "log", "severity": severity}
        if offset:
            params["offset"] = str(offset)
        try:
            r = await self._c.request("GET", _PATH, params=params, headers={"Ais-Node-Id": node_id})
        except BadRequest as e:
            if "rotated" in e.message:
                raise LogRotated(e.status, e.message, tcode=e.tcode, method=e.method, url=e.url,
                                 node=e.node) from None
            raise
        raw = r.content
        end = raw.rfind(b"\n") + 1
        if end == 0 and len(raw) > _LONG_LINE:
            end = len(raw)
        return raw[:end].decode("utf-8", "replace"), offset + end

    async def download_all(
        self,
        dest: Path,
        *,
        severity: Severity = "info",
        on_progress: Callable[[str, int, int], None] | None = None,
    ) -> Path:
        """Every node's archived logs in ONE local tar at ``dest`` (a file path; a directory gets
        ``aislogs-<YYYYmmdd-HHMMSS>.tar`` in it); returns the archive's path.

        The tar has one member per node of the cluster map, ``<node_id>.tar.gz``: the TAR.GZ the
        node sent for ``GET /v1/reverse/daemon?what=log&all=true&severity=S`` with
        ``Ais-Node-Id``. Nodes are fetched one at a time; ``on_progress(node_id, done, total)``
        is called before each node (``done`` nodes of ``total`` finished) and once at the end
        (``node_id`` ""). The archive is written to a temporary file next to ``dest`` and renamed
        over it when complete: on any error nothing partial remains and the error is raised
        (:class:`~aistui.core.errors.AISError` subclasses; :class:`InvalidInput` when ``dest`` cannot be written).
        """
        _check(severity)
        smap = await self._c.cluster.smap()
        ids = [n.daemon_id for n in smap.nodes]
        dest = Path(dest).expanduser()
        if dest.is_dir():
            dest = dest / time.strftime("aislogs-%Y%m%d-%H%M%S.tar")
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        except OSError as e:
            raise InvalidInput(f"cannot write {dest}: {e.strerror or e}") from None
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w") as tar:
                for i, nid in enumerate(ids):
                    if on_progress is not None:
                        on_progress(nid, i, len(ids))
                    await self._add_node(tar, nid, severity)
            os.replace(tmp, dest)
        except OSError as e:
            raise InvalidInput(f"cannot write {dest}: {e.strerror or e}") from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        if on_progress is not None:
            on_progress("", len(ids), len(ids))
        return dest

    async def _add_node(self, tar: tarfile.TarFile, node_id: str, severity: Severity) -> None:
        """Stream one node's TAR.GZ into a spooled temporary file, then add it to ``tar``."""
        params = {"what": "log", "all": "true", "severity": severity}
        with tempfile.SpooledTemporaryFile(max_size=8 << 20) as buf:
            async with self._c.stream("GET", _PATH, params=params, headers={"Ais-Node-Id": node_id}) as r:
                async for chunk in r.aiter_bytes():
                    buf.write(chunk)
            size = buf.tell()
            buf.seek(0)
            info = tarfile.TarInfo(f"{node_id}.tar.gz")
            info.size, info.mtime, info.mode = size, int(time.time()), 0o644
            body: IO[bytes] = buf  # a SpooledTemporaryFile[bytes] is an IO[bytes]
            await asyncio.to_thread(tar.addfile, info, body)
