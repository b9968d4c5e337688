"""Concurrent uploads and downloads with progress, for the console, scripts and benchmarks.

* :func:`plan_upload` turns files, directories (recursive) and globs into ``(local path, object
  name)`` pairs under a prefix (``core/localpaths.py``, re-exported here).
* :func:`upload` sends them with bounded concurrency (files of at least
  :data:`~aistui.core.objects.MPU_THRESHOLD` bytes use native multipart upload), reporting
  :class:`Progress`; failures are collected by name, never silently dropped. A file that fails
  because a node is unreachable (a target killed or restarting) is retried with backoff while the
  cluster comes back; a cluster that is out of space (507), or refuses the token or the bucket,
  stops the upload and every file not sent is listed with the reason.
* :func:`verify_upload` checks, by HEAD, that each uploaded object has the local file's size and
  checksum, and names every file that is missing or differs.
* :func:`download` streams objects into a directory: each to a temporary file in the destination
  directory, renamed only when complete, so nothing partial is left behind; it retries and stops
  exactly as the upload does (one :class:`TransferRun` policy for both). :func:`safe_local_path`
  (``core/localpaths.py``, re-exported here) guarantees no object name (``../../x``, ``/etc/x``,
  ``a/../../b``) writes outside the directory.

:class:`Progress`, :class:`TransferResult` and the :class:`TransferRun` policy (retries, the
stop rule, the worker pump) live in ``core/transferrun.py`` (:mod:`aistui.core.transferrun`).

Cancellation: cancel the awaiting task; in-flight temporary files are removed and multipart
uploads aborted.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .aio import gather_or_cancel
from .checksum import new_hasher
from .errors import AISError, InvalidInput, ObjectNotFound
from .largeobj import PARALLEL_CHUNK, PARALLEL_THRESHOLD, PARALLEL_WORKERS
from .localpaths import DestTree, open_temp, plan_upload, safe_local_path, write_all
from .models import Bck
from .objects import MPU_PART_SIZE, MPU_PARTS_IN_FLIGHT, MPU_THRESHOLD
from .transferrun import Job, Progress, TransferResult, TransferRun

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["plan_upload", "upload", "verify_upload", "download", "safe_local_path", "INTACT"]

#: what :func:`verify_upload` says about an object that matches its file
INTACT = "intact"


async def upload(
    client: AISClient,
    bck: Bck,
    items: Iterable[tuple[Path, str]],
    *,
    concurrency: int = 16,
    on_progress: Callable[[Progress], None] | None = None,
    mpu_threshold: int = MPU_THRESHOLD,
    part_size: int = MPU_PART_SIZE,
    parts_in_flight: int = MPU_PARTS_IN_FLIGHT,
    skip_vc: bool = False,
    retry_window: float = 120.0,
    backoff: tuple[float, float] = (0.5, 5.0),
) -> TransferResult:
    """Upload ``(path, object name)`` pairs with at most ``concurrency`` at once
    (``PUT /v1/objects/<b>/<o>``; files of at least ``mpu_threshold`` bytes by native multipart,
    ``part_size`` bytes a part, ``parts_in_flight`` parts of one file at once; ``skip_vc`` as
    for :meth:`~aistui.core.objdata.ObjectData.put`, for the files sent in one PUT).

    ``on_progress`` is called after every chunk and file. Every file ends up in ``done`` or in
    ``failed`` with a reason (:class:`AISError` or ``OSError`` text); cancellation propagates.
    Retries and stops follow :class:`TransferRun` (``retry_window`` s, ``backoff`` s): transient
    errors are retried - the whole PUT again, which is safe: the same bytes under the same name -
    and a fatal one (507 out of space, 401, 403, bucket gone) stops the upload: each file not sent
    is in ``failed`` as ``"not sent: upload stopped: <reason>"``. Objects already written stay.
    """
    pairs = list(items)
    prog = Progress(files_total=len(pairs))
    sizes: list[int] = []
    for p, _ in pairs:
        try:
            sizes.append(p.stat().st_size)
        except OSError:
            sizes.append(-1)  # put() says why
    prog.bytes_total = sum(n for n in sizes if n > 0)
    run = TransferRun("upload", prog, on_progress, concurrency, retry_window, backoff)

    async def attempt(path: Path, name: str, size: int) -> None:
        sent = 0

        def count(n: int) -> None:
            nonlocal sent
            sent += n
            prog.bytes_done += n
            run.notify()

        try:
            if size >= mpu_threshold:  # as planned; put() and put_multipart() check the file again
                await client.objects.put_multipart(bck, name, path, part_size=part_size,
                                                   concurrency=parts_in_flight, progress=count)
            else:
                await client.objects.put(bck, name, path, progress=count, skip_vc=skip_vc)
        except BaseException:
            prog.bytes_done -= sent
            raise

    await run.pump(zip(pairs, sizes, strict=True),
                   lambda item: (item[0][1], functools.partial(attempt, item[0][0], item[0][1], item[1])))
    return run.result()


async def verify_upload(
    client: AISClient,
    bck: Bck,
    items: Iterable[tuple[Path, str]],
    *,
    concurrency: int = 16,
) -> dict[str, str]:
    """Check uploaded objects against their local files: ``{object name: verdict}``.

    The verdict is :data:`INTACT` when ``HEAD /v1/objects/<b>/<o>`` reports the file's size and,
    when the cluster stores a checksum (the bucket's ``checksum.type``, xxhash2 by default), the
    same checksum computed locally; otherwise ``"failed: <reason>"`` (missing, size or checksum
    differ, HEAD error, unreadable file). Objects without a stored checksum (e.g. native multipart
    uploads) are compared by size only. Never raises for one object; cancellation propagates."""
    pairs = list(items)
    out: dict[str, str] = {}
    sem = asyncio.Semaphore(max(1, concurrency))

    def local_digest(path: Path, ck_type: str) -> str | None:
        h = new_hasher(ck_type)
        if h is None:
            return None
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1024 * 1024), b""):
                h.update(chunk)
        return h.hexdigest()

    async def one(path: Path, name: str) -> None:
        async with sem:
            try:
                props = await client.objects.head(bck, name)
            except ObjectNotFound:
                out[name] = "failed: missing in the cluster"
                return
            except AISError as e:
                out[name] = f"failed: {e}"
                return
        try:
            size = path.stat().st_size
            if props.size != size:
                out[name] = f"failed: size {props.size:,} B in the cluster, {size:,} B on disk"
                return
            if props.checksum:
                local = (local_digest(path, props.checksum_type) if size <= 1024 * 1024
                         else await asyncio.to_thread(local_digest, path, props.checksum_type))
                if local is not None and local != props.checksum:
                    out[name] = f"failed: {props.checksum_type} {props.checksum} in the cluster, {local} on disk"
                    return
        except OSError as e:
            out[name] = f"failed: cannot read {path}: {e}"
            return
        out[name] = INTACT

    await gather_or_cancel([one(p, n) for p, n in pairs])
    return {n: out[n] for _, n in pairs}


async def download(
    client: AISClient,
    bck: Bck,
    names: Iterable[str] | None,
    dest: Path | str,
    *,
    prefix: str | None = None,
    strip_prefix: str = "",
    concurrency: int = 16,
    overwrite: bool = True,
    on_progress: Callable[[Progress], None] | None = None,
    retry_window: float = 120.0,
    backoff: tuple[float, float] = (0.5, 5.0),
    parallel_threshold: int = PARALLEL_THRESHOLD,
    parallel_workers: int = PARALLEL_WORKERS,
    parallel_chunk: int = PARALLEL_CHUNK,
) -> TransferResult:
    """Download objects (by ``names``, or everything under ``prefix``, listed first) into ``dest``
    (``GET /v1/objects/<b>/<o>``).

    Each object is streamed to a temporary file beside its destination and renamed when complete
    and verified; on error or cancellation the temporary file is removed, so no partial file is
    left. Names that would escape ``dest`` fail with a reason. Retries and stops follow
    :class:`TransferRun`, as :func:`upload` does: a transient error fetches the whole object again
    (for at most ``retry_window`` s after its first failure, ``backoff`` s between tries), and a
    fatal one (401, 403, bucket gone) stops the download: each object not started is in
    ``failed`` as ``"not downloaded: download stopped: <reason>"``. Objects the listing shows
    at least ``parallel_threshold`` bytes large are read with ``parallel_workers`` range reads
    of ``parallel_chunk`` bytes each (:meth:`~aistui.core.largeobj.LargeObjects.download_parallel`:
    same temporary file, rename and checksum guarantees); objects given by name are read whole.
    Returns a :class:`TransferResult`."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    tree = DestTree(dest)
    prog = Progress()
    if names is None:
        entries = await client.objects.list_all(bck, prefix=prefix or "")
        todo = [(e.name, e.size) for e in entries if not e.is_dir]
    else:
        todo = [(n, 0) for n in names]
    prog.files_total = len(todo)
    prog.bytes_total = sum(s for _, s in todo)
    run = TransferRun("download", prog, on_progress, concurrency, retry_window, backoff, skipped="not downloaded")

    def start(item: tuple[str, int]) -> Job | None:
        name, size = item
        try:
            target = tree.path(name, strip_prefix)
        except InvalidInput as e:
            return run.fail(name, str(e))
        if not overwrite and target.exists():
            return run.fail(name, f"{target} exists")
        if size >= parallel_threshold > 0:
            return name, functools.partial(_fetch_parallel, client, bck, name, target, run,
                                           parallel_workers, parallel_chunk)
        return name, functools.partial(_fetch, client, bck, name, target, run, tree)

    await run.pump(todo, start)
    return run.result()


async def _fetch(client: AISClient, bck: Bck, name: str, target: Path, run: TransferRun,
                 tree: DestTree) -> None:
    """One attempt at ``name``: stream it to a temporary file beside ``target``, then rename. On
    any error (or cancellation) the temporary file is removed and its bytes taken off the
    progress, and the error is raised for :meth:`TransferRun.pump` to judge."""
    got = 0
    tmp_name = None
    try:
        tree.make_parent(target)
        fd, tmp_name = open_temp(target)
        try:
            async for chunk in client.objects.iter_get(bck, name):
                write_all(fd, chunk)
                got += len(chunk)
                run.progress.bytes_done += len(chunk)
                run.notify()
        finally:
            os.close(fd)
        os.replace(tmp_name, target)
        tmp_name = None
    except BaseException:
        run.progress.bytes_done -= got
        raise
    finally:
        if tmp_name:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


async def _fetch_parallel(client: AISClient, bck: Bck, name: str, target: Path, run: TransferRun,
                          workers: int, chunk: int) -> None:
    """One attempt at a large object: parallel range reads into a temporary file beside
    ``target``, verified, then renamed (:meth:`LargeObjects.download_parallel`). On any error the
    bytes counted are taken off the progress and the error raised for :meth:`TransferRun.pump`."""
    got = 0

    def count(n: int) -> None:
        nonlocal got
        got += n
        run.progress.bytes_done += n
        run.notify()

    try:
        await client.objects.download_parallel(bck, name, target, workers=workers, chunk_size=chunk,
                                               progress=count)
    except BaseException:
        run.progress.bytes_done -= got
        raise
