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

Cancellation: cancel the awaiting task; in-flight temporary files are removed and multipart
uploads aborted.
"""

from __future__ import annotations

import asyncio
import functools
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .aio import gather_or_cancel
from .checksum import new_hasher
from .errors import (
    AISError,
    BucketNotFound,
    Forbidden,
    InvalidInput,
    ObjectNotFound,
    OutOfSpace,
    TransientError,
    Unauthorized,
)
from .largeobj import PARALLEL_CHUNK, PARALLEL_THRESHOLD, PARALLEL_WORKERS
from .localpaths import plan_upload, safe_local_path
from .models import Bck
from .objects import MPU_THRESHOLD
from .retry import within_window

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["Progress", "TransferResult", "TransferRun", "plan_upload", "upload", "verify_upload", "download",
           "safe_local_path", "FATAL", "INTACT"]

T = TypeVar("T")
#: one file's transfer for :meth:`TransferRun.pump`: its name and one attempt at it
Job = tuple[str, Callable[[], Awaitable[None]]]

#: errors after which no further file can succeed: the transfer stops and lists what it did not do
FATAL = (OutOfSpace, Unauthorized, Forbidden, BucketNotFound)
#: what :func:`verify_upload` says about an object that matches its file
INTACT = "intact"


@dataclass
class Progress:
    """Live transfer figures: counts of files, bytes (done/total), ``failed`` count, ``retries``
    (attempts repeated after a transient error), ``started`` (monotonic s). ``rate`` is bytes/s
    since start, ``eta_s`` seconds left (None when unknown)."""

    files_total: int = 0
    bytes_total: int = 0
    files_done: int = 0
    bytes_done: int = 0
    failed: int = 0
    started: float = field(default_factory=time.monotonic)
    retries: int = 0

    @property
    def elapsed(self) -> float:
        return max(time.monotonic() - self.started, 1e-9)

    @property
    def rate(self) -> float:
        return self.bytes_done / self.elapsed

    @property
    def files_rate(self) -> float:
        return self.files_done / self.elapsed

    @property
    def eta_s(self) -> float | None:
        if not self.bytes_done or self.bytes_total <= self.bytes_done:
            return None if self.bytes_total > self.bytes_done else 0.0
        return (self.bytes_total - self.bytes_done) / self.rate


@dataclass
class TransferResult:
    """What a transfer did: ``done`` names, ``failed`` as ``{name: reason}``, and the final
    :class:`Progress`. ``stopped`` is why the transfer ended early ("" when it did not), e.g.
    the cluster being out of space; the files it never sent are in ``failed`` too."""

    done: list[str]
    failed: dict[str, str]
    progress: Progress
    stopped: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class TransferRun:
    """The retry policy and shared state of one upload or download: what each file's attempts go
    through (:meth:`send`), so both directions retry and stop alike.

    * ``concurrency`` files at once (a semaphore); a file waiting to retry holds no slot.
    * :class:`~aistui.core.errors.TransientError` (a refused or reset connection, a timeout, a 503)
      is retried - the whole file again - with exponential backoff from ``backoff[0]`` to
      ``backoff[1]`` seconds (doubling), for at most ``retry_window`` seconds after the file's
      first failure; then the file fails with ``"<error> (still failing after retrying for N s)"``.
    * :data:`FATAL` errors (507, 401, 403, bucket gone) stop the run: files in flight finish,
      nothing new starts, ``stopped`` says why, and every file not started fails with
      ``"<skipped>: <verb> stopped: <reason>"`` (``skipped`` is "not sent" for uploads).
    * Any other :class:`~aistui.core.errors.AISError` or ``OSError`` fails that file only.

    ``progress`` is updated (``files_done``, ``failed``, ``retries``) and ``on_progress`` called
    after every attempt. :meth:`result` is the :class:`TransferResult`.
    """

    verb: str
    progress: Progress
    on_progress: Callable[[Progress], None] | None = None
    concurrency: int = 16
    retry_window: float = 120.0  # s
    backoff: tuple[float, float] = (0.5, 5.0)  # s: first wait, longest wait
    skipped: str = "not sent"
    done: list[str] = field(default_factory=list[str])
    failed: dict[str, str] = field(default_factory=dict[str, str])
    stopped: str = ""

    def __post_init__(self) -> None:
        self._sem = asyncio.Semaphore(max(1, self.concurrency))

    def notify(self) -> None:
        """Call ``on_progress`` with the live :class:`Progress`."""
        if self.on_progress:
            self.on_progress(self.progress)

    def fail(self, name: str, reason: str) -> None:
        """Record ``name`` as failed with ``reason`` (never started, or given up)."""
        self.failed[name] = reason
        self.progress.failed += 1
        self.notify()

    def result(self) -> TransferResult:
        return TransferResult(self.done, self.failed, self.progress, self.stopped)

    async def send(self, name: str, attempt: Callable[[], Awaitable[None]]) -> None:
        """Run ``attempt()`` (one whole transfer of ``name``; it must undo its own partial work
        when it raises) under the run's policy, and record the outcome. Never raises but
        cancellation."""
        try:  # the first attempt without a tenacity policy: building one cost ~10% of a small file's CPU
            return await self._once(name, attempt)
        except TransientError as e:
            await self._retry(name, attempt, time.monotonic(), e)

    async def pump(self, items: Iterable[T], start: Callable[[T], Job | None]) -> None:
        """Send every item of ``items``: ``start(item)`` gives its ``(name, attempt)`` (or None
        when it failed before starting, having called :meth:`fail`), sent as :meth:`send` does.
        ``concurrency`` long-lived workers pull the items (no task per item: ~10 us of CPU each on
        a small object); a file that needs a retry waits for it in a task of its own, holding no
        worker. Returns when every item is done; cancellation cancels the workers and the retries
        and waits for their cleanup."""
        it = iter(items)
        retrying: set[asyncio.Task[None]] = set()

        async def worker() -> None:
            for item in it:
                job = start(item)
                if job is None:
                    continue
                try:
                    await self._once(*job)
                except TransientError as e:
                    retrying.add(asyncio.ensure_future(self._retry(job[0], job[1], time.monotonic(), e)))

        try:
            await gather_or_cancel([worker() for _ in range(max(1, self.concurrency))])
            if retrying:
                await gather_or_cancel(list(retrying))
        except BaseException:
            for t in retrying:
                t.cancel()
            await asyncio.gather(*retrying, return_exceptions=True)
            raise

    async def _retry(self, name: str, attempt: Callable[[], Awaitable[None]], first: float,
                     err: TransientError) -> None:
        """The attempts after a first one failed with ``err`` at ``first`` (monotonic s)."""
        if self.retry_window > 0:
            self._count_retry(None)
            await asyncio.sleep(min(self.backoff[0], self.backoff[1]))
            policy = within_window(self.retry_window, self.backoff, before_sleep=self._count_retry,
                                   first_failure=first, failed_before=1)
            try:
                return await policy(self._once, name, attempt)
            except TransientError as e:
                err = e
        self.fail(name, f"{err} (still failing after retrying for {self.retry_window:g} s)")

    def _count_retry(self, _state: object) -> None:
        self.progress.retries += 1

    async def _once(self, name: str, attempt: Callable[[], Awaitable[None]]) -> None:
        async with self._sem:
            if self.stopped:
                return self.fail(name, f"{self.skipped}: {self.verb} stopped: {self.stopped}")
            try:
                await attempt()
            except TransientError:
                self.notify()
                raise  # to the retry policy, outside the semaphore
            except FATAL as e:
                self.stopped = self.stopped or str(e)
                return self.fail(name, str(e))
            except (AISError, OSError) as e:
                return self.fail(name, str(e))
            self.done.append(name)
            self.progress.files_done += 1
            self.notify()


async def upload(
    client: AISClient,
    bck: Bck,
    items: Iterable[tuple[Path, str]],
    *,
    concurrency: int = 16,
    on_progress: Callable[[Progress], None] | None = None,
    mpu_threshold: int = MPU_THRESHOLD,
    retry_window: float = 120.0,
    backoff: tuple[float, float] = (0.5, 5.0),
) -> TransferResult:
    """Upload ``(path, object name)`` pairs with at most ``concurrency`` at once
    (``PUT /v1/objects/<b>/<o>``; files of at least ``mpu_threshold`` bytes by native multipart).

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
                await client.objects.put_multipart(bck, name, path, progress=count)
            else:
                await client.objects.put(bck, name, path, progress=count)
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
            target = safe_local_path(dest, name, strip_prefix)
        except InvalidInput as e:
            return run.fail(name, str(e))
        if not overwrite and target.exists():
            return run.fail(name, f"{target} exists")
        if size >= parallel_threshold > 0:
            return name, functools.partial(_fetch_parallel, client, bck, name, target, run,
                                           parallel_workers, parallel_chunk)
        return name, functools.partial(_fetch, client, bck, name, target, run)

    await run.pump(todo, start)
    return run.result()


async def _fetch(client: AISClient, bck: Bck, name: str, target: Path, run: TransferRun) -> None:
    """One attempt at ``name``: stream it to a temporary file beside ``target``, then rename. On
    any error (or cancellation) the temporary file is removed and its bytes taken off the
    progress, and the error is raised for :meth:`TransferRun.send` to judge."""
    got = 0
    tmp_name = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name[:40]}.", suffix=".part", dir=target.parent)
        with os.fdopen(fd, "wb") as f:
            async for chunk in client.objects.iter_get(bck, name):
                f.write(chunk)
                got += len(chunk)
                run.progress.bytes_done += len(chunk)
                run.notify()
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
    bytes counted are taken off the progress and the error raised for :meth:`TransferRun.send`."""
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
