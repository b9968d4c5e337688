"""Small asyncio helpers shared by the core."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, TypeVar

__all__ = ["gather_or_cancel", "run_in_own_loop"]

T = TypeVar("T")


async def gather_or_cancel(aws: Iterable[Awaitable[Any]]) -> list[Any]:
    """Run awaitables as tasks and return their results in order. If one fails, or the caller is
    cancelled, cancel the rest and wait for their cleanup (temporary files, multipart aborts)
    before re-raising."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def run_in_own_loop(factory: Callable[[], Coroutine[Any, Any, T]], *, name: str = "aistui-io") -> T:
    """Await ``factory()`` on a private event loop in its own thread and return its result.

    Bulk transfers use this so that thousands of request callbacks never queue in front of the
    console's input and redraws. ``factory`` runs in the new thread: it must create what is bound
    to a loop there (e.g. its own ``AISClient``). Cancelling the awaiting task cancels the
    coroutine in its loop and waits for its cleanup; exceptions propagate unchanged."""
    caller = asyncio.get_running_loop()
    result: asyncio.Future[T] = caller.create_future()
    ready = threading.Event()
    box: dict[str, Any] = {}

    def settle(value: Any, error: BaseException | None) -> None:
        if result.done():
            return
        if isinstance(error, asyncio.CancelledError):
            result.cancel()
        elif error is not None:
            result.set_exception(error)
        else:
            result.set_result(value)

    def runner() -> None:
        loop = asyncio.new_event_loop()
        try:
            task = loop.create_task(factory())
            box["loop"], box["task"] = loop, task
            ready.set()
            try:
                value = loop.run_until_complete(task)
            except BaseException as e:  # noqa: BLE001 - handed to the caller as is
                caller.call_soon_threadsafe(settle, None, e)
            else:
                caller.call_soon_threadsafe(settle, value, None)
        finally:
            ready.set()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    thread = threading.Thread(target=runner, name=name, daemon=True)
    thread.start()
    try:
        return await asyncio.shield(result)
    except asyncio.CancelledError:
        await asyncio.to_thread(ready.wait)
        if "task" in box:
            box["loop"].call_soon_threadsafe(box["task"].cancel)
        await asyncio.to_thread(thread.join)
        await asyncio.sleep(0)  # let ``settle`` run, then consume what it set
        if result.done() and not result.cancelled():
            result.exception()
        raise
