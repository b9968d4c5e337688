"""The run policy shared by uploads and downloads (:mod:`aistui.core.transfer`).

* :class:`Progress` - live counts of files and bytes, rate and ETA.
* :class:`TransferResult` - what a transfer did: names done, ``{name: reason}`` failed, why it stopped.
* :class:`TransferRun` - one run's concurrency, retries and stop rule: transient errors
  (:class:`~aistui.core.errors.TransientError`) retried with backoff within a window
  (:func:`~aistui.core.retry.within_window`), a :data:`FATAL` error (507, 401, 403, bucket gone)
  stops the run, anything else fails one file; :meth:`TransferRun.pump` is the worker pump.

No HTTP here: the attempts (one whole PUT or GET of a file) come from the caller.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from .aio import gather_or_cancel
from .errors import (
    AISError,
    BucketNotFound,
    Forbidden,
    OutOfSpace,
    TransientError,
    Unauthorized,
)
from .retry import within_window

__all__ = ["Progress", "TransferResult", "TransferRun", "Job", "FATAL"]

T = TypeVar("T")
#: one file's transfer for :meth:`TransferRun.pump`: its name and one attempt at it
Job = tuple[str, Callable[[], Awaitable[None]]]

#: errors after which no further file can succeed: the transfer stops and lists what it did not do
FATAL = (OutOfSpace, Unauthorized, Forbidden, BucketNotFound)


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
    through (:meth:`pump`), so both directions retry and stop alike.

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

    async def pump(self, items: Iterable[T], start: Callable[[T], Job | None]) -> None:
        """Send every item of ``items``: ``start(item)`` gives its ``(name, attempt)`` (or None
        when it failed before starting, having called :meth:`fail`). ``attempt()`` is one whole
        transfer of the item (it must undo its own partial work when it raises); the outcome is
        recorded, never raised but cancellation.
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
