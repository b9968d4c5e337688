"""Blocking work on threads for a coroutine: the worker threads of one large-object transfer
(:mod:`aistui.core.rawio`, :mod:`aistui.core.largeobj`) are stopped, report progress and are awaited
through here.

- :class:`Stopper` shuts down the sockets of one transfer, so a thread blocked in ``recv_into`` or
  ``sendfile`` returns at once, and makes :meth:`Stopper.check` raise in the threads;
- :class:`Progress` hands bytes counted on threads to a callback on the event loop, batched;
- :func:`run_blocking` runs a function on a new thread and, when the awaiting task is cancelled,
  stops the transfer and waits for the thread to end before the cancellation goes on (no thread
  writes into a file its caller is about to remove).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from typing import TypeVar

__all__ = ["Stopper", "Progress", "run_blocking"]

T = TypeVar("T")


class Stopper:
    """Stops the blocking socket work of one transfer: :meth:`stop` shuts down every socket
    registered with it (a blocked ``recv_into``/``sendfile`` returns at once) and makes
    :meth:`check` raise :class:`asyncio.CancelledError` in the worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._socks: set[socket.socket] = set()
        self.stopped = False

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            if self.stopped:
                _shut(sock)
            self._socks.add(sock)

    def discard(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.discard(sock)

    def stop(self) -> None:
        """Shut down every registered socket; later :meth:`check` calls raise."""
        with self._lock:
            self.stopped = True
            for s in self._socks:
                _shut(s)

    def check(self) -> None:
        if self.stopped:
            raise asyncio.CancelledError()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class Progress:
    """Bytes reported from worker threads to ``fn`` on the event loop, at most one call per
    ``every`` bytes (plus the rest at :meth:`flush`)."""

    def __init__(self, fn: Callable[[int], None] | None, every: int = 1024 * 1024):
        self._fn = fn
        self._loop = asyncio.get_running_loop()
        self._every = every
        self._lock = threading.Lock()
        self._pending = 0

    def add(self, n: int) -> None:
        fn = self._fn
        if fn is None:
            return
        with self._lock:
            self._pending += n
            if self._pending < self._every:
                return
            n, self._pending = self._pending, 0
        self._loop.call_soon_threadsafe(fn, n)

    def flush(self) -> None:
        if self._fn is not None and self._pending:
            n, self._pending = self._pending, 0
            self._fn(n)


async def run_blocking(stopper: Stopper, fn: Callable[[], T]) -> T:
    """``fn()`` on a new thread; cancelling the caller stops ``stopper`` (its sockets are shut
    down) and waits for the thread to end before the cancellation goes on, so no thread writes
    into a file that the caller is about to remove."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        try:
            res = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the awaiting coroutine
            loop.call_soon_threadsafe(_fail, fut, e)
        else:
            loop.call_soon_threadsafe(_done, fut, res)

    t = threading.Thread(target=run, name="aistui-rawio", daemon=True)
    t.start()
    try:
        return await asyncio.shield(fut)
    except asyncio.CancelledError:
        stopper.stop()
        while not fut.done():
            try:
                await asyncio.shield(fut)
            except asyncio.CancelledError:
                continue
            except BaseException:  # noqa: BLE001 - the thread's own error after the stop
                break
        raise


def _done(fut: asyncio.Future[T], res: T) -> None:
    if not fut.done():
        fut.set_result(res)


def _fail(fut: asyncio.Future[T], err: BaseException) -> None:
    if not fut.done():
        fut.set_exception(err)
