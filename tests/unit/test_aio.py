"""``run_in_own_loop``: results, errors and cancellation cross the thread boundary intact."""

from __future__ import annotations

import asyncio
import threading

import pytest

from aistui.core.aio import run_in_own_loop


async def test_result_and_errors_come_back_from_the_other_loop():
    main = threading.get_ident()

    async def work() -> int:
        assert threading.get_ident() != main
        await asyncio.sleep(0)
        return 42

    assert await run_in_own_loop(work) == 42

    async def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await run_in_own_loop(fail)


async def test_cancelling_the_caller_cancels_the_work_and_waits_for_its_cleanup():
    started, cleaned = threading.Event(), threading.Event()

    async def slow() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        finally:
            cleaned.set()

    task = asyncio.ensure_future(run_in_own_loop(slow))
    await asyncio.to_thread(started.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned.is_set()
